"""Many rows in one statement: psycopg2's ``execute_values`` on an Odoo cursor.

Odoo's cursor offers no ``execute_values``, and psycopg2's needs the psycopg2 cursor itself,
which Odoo keeps in the private attribute ``_obj``. This module is the one place that reaches for
it; ``tests/test_private_apis.py`` (Odoo tier) fails loudly if an Odoo release renames it.
Statements sent this way bypass the ORM: callers flush the models they read before and
invalidate what they wrote after, as they already do around any raw SQL.
"""

from psycopg2.extras import execute_values as _execute_values


def psycopg2_cursor(cr):
    """The psycopg2 cursor under Odoo's *cr* (private in Odoo: see the module's docstring)."""
    return cr._obj


def execute_values(cr, statement, rows, **kwargs):
    """``psycopg2.extras.execute_values`` on Odoo's *cr*: *statement* has one ``VALUES %s``."""
    return _execute_values(psycopg2_cursor(cr), statement, rows, **kwargs)
