from odoo.tests import Form, tagged

from .common import ImapCase


@tagged("post_install", "-at_install")
class TestMailboxForm(ImapCase):
    def test_new_mailbox_has_safe_defaults(self):
        with Form(self.env["imap.mailbox"].with_user(self.imap_admin)) as form:
            form.name = "Sales inbox"
            form.host = "imap.example.com"
            form.login = "sales@example.com"
            form.password = "s3cret"
        mailbox = form.record
        self.assertEqual(mailbox.security, "ssl")
        self.assertEqual(mailbox.port, 993)
        self.assertTrue(mailbox.verify_certificate)
        self.assertEqual(mailbox.sync_horizon_days, 365)
        self.assertEqual(mailbox.log_level, "full")
        self.assertFalse(mailbox.mark_as_read)
        self.assertTrue(mailbox.active)
        self.assertEqual(mailbox.state, "draft")
        self.assertEqual(mailbox.user_id, self.imap_admin, "a new mailbox belongs to whoever creates it")
        self.assertEqual(mailbox.company_id, self.env.company)
        self.assertEqual(mailbox.password, "s3cret")

    def test_port_follows_the_security_mode_until_changed_by_hand(self):
        with Form(self.env["imap.mailbox"]) as form:
            form.name, form.host, form.login = "M", "imap.example.com", "m"
            form.security = "starttls"
            self.assertEqual(form.port, 143)
            form.security = "ssl"
            self.assertEqual(form.port, 993)
            form.port = 10993
            form.security = "none"
            self.assertEqual(form.port, 10993, "a custom port is never overwritten")

    def test_clearing_the_owner_makes_a_shared_mailbox(self):
        with Form(self.env["imap.mailbox"]) as form:
            form.name, form.host, form.login = "Support", "imap.example.com", "support@example.com"
            form.user_id = self.env["res.users"]
        self.assertTrue(form.record.is_shared)
        self.assertIn(form.record, self.env["imap.mailbox"].search([("is_shared", "=", True)]))

    def test_nonsense_values_are_refused(self):
        from psycopg2 import IntegrityError

        from odoo.tools import mute_logger

        mailbox = self.make_mailbox()
        for field, value in (("port", 0), ("port", 70000), ("timeout", 0), ("sync_horizon_days", 0)):
            with (
                self.subTest(field=field, value=value),
                mute_logger("odoo.sql_db"),
                self.assertRaises(IntegrityError),
                self.env.cr.savepoint(),
            ):
                mailbox.write({field: value})
