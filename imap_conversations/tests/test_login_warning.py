from odoo.tests import HttpCase, new_test_user, tagged

from .common import bus_notifications, web_login


@tagged("post_install", "-at_install")
class TestLoginWarning(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = new_test_user(
            cls.env,
            "imap_owner",
            groups="base.group_user,imap_conversations.group_user",
            email="imap.owner@example.com",
        )
        cls.bystander = new_test_user(
            cls.env,
            "imap_bystander",
            groups="base.group_user,imap_conversations.group_user",
            email="imap.bystander@example.com",
        )
        cls.mailbox = cls.env["imap.mailbox"].create(
            {
                "name": "Owner's mailbox",
                "host": "127.0.0.1",
                "login": "owner",
                "user_id": cls.owner.id,
            }
        )
        cls.mailbox.write({"state": "auth_failed", "last_error": "The server refused the login or password."})

    def log_in(self, login):
        web_login(self, login)

    def test_the_owner_is_warned_right_after_logging_in_while_the_mailbox_fails(self):
        self.log_in("imap_owner")
        warnings = bus_notifications(self.env, self.owner)
        self.assertEqual(len(warnings), 1)
        self.assertEqual(warnings[0]["type"], "warning")
        self.assertTrue(warnings[0]["sticky"])
        self.assertIn("Owner's mailbox", warnings[0]["message"])

    def test_others_are_not_warned_and_a_working_mailbox_warns_nobody(self):
        self.log_in("imap_bystander")
        self.assertFalse(bus_notifications(self.env, self.bystander))
        self.mailbox.state = "active"
        self.log_in("imap_owner")
        self.assertFalse(bus_notifications(self.env, self.owner))

    def test_the_log_downloads_as_a_text_file_for_those_who_may_read_it(self):
        self.env["imap.sync.log"].create(
            {
                "mailbox_id": self.mailbox.id,
                "state": "error",
                "start_date": "2026-11-20 10:00:00",
                "error": "The server refused the login or password.",
            }
        )
        self.authenticate("imap_owner", "imap_owner")
        response = self.url_open(f"/imap_conversations/mailbox/{self.mailbox.id}/log")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertIn("2026-11-20 10:00:00 sync error", response.text)
        self.assertIn("error: The server refused the login", response.text)
        self.authenticate("imap_bystander", "imap_bystander")
        self.assertNotEqual(self.url_open(f"/imap_conversations/mailbox/{self.mailbox.id}/log").status_code, 200)
