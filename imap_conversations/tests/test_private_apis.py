"""The private part of Odoo the bulk writes rely on is still there (services/bulk_sql.py)."""

import psycopg2.extensions

from odoo.tests import TransactionCase, tagged

from ..services.bulk_sql import execute_values, psycopg2_cursor


@tagged("post_install", "-at_install")
class TestOdooPrivateApis(TransactionCase):
    def test_odoo_keeps_the_psycopg2_cursor_in_obj(self):
        raw = psycopg2_cursor(self.env.cr)
        self.assertIsInstance(
            raw, psycopg2.extensions.cursor, "Odoo's cursor no longer keeps psycopg2's in _obj: services/bulk_sql.py"
        )

    def test_execute_values_runs_on_odoos_cursor(self):
        rows = execute_values(self.env.cr, "SELECT * FROM (VALUES %s) AS v(n)", [(1,), (2,)], fetch=True)
        self.assertEqual(sorted(n for (n,) in rows), [1, 2])
