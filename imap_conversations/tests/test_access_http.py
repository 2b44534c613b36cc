"""The controllers follow the same rights: the log download, and the warning given at login."""

from odoo.tests import HttpCase, new_test_user, tagged

from ..services.credential_alerts import recipients
from .common import bus_notifications, company_administrators, web_login


@tagged("post_install", "-at_install")
class TestControllerAccess(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = "base.group_user,imap_conversations.group_manager,imap_conversations.group_credential_notifications"
        cls.company_a, cls.company_b, cls.admin_a, cls.admin_ab = company_administrators(cls.env, "imap_http", groups)
        # Uses the shared mailbox (every IMAP user of B does), does not manage it.
        cls.user_b = new_test_user(
            cls.env,
            "imap_http_user_b",
            groups="base.group_user,imap_conversations.group_user",
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
        )
        cls.mailbox_b = cls.env["imap.mailbox"].create(
            {
                "name": "B support",
                "host": "127.0.0.1",
                "login": "support-b",
                "user_id": False,
                "company_id": cls.company_b.id,
            }
        )
        cls.env["imap.sync.log"].create(
            {
                "mailbox_id": cls.mailbox_b.id,
                "state": "error",
                "start_date": "2026-11-20 10:00:00",
                "error": "support-b@127.0.0.1 refused the login",
            }
        )
        cls.mailbox_b.write({"state": "auth_failed", "last_error": "The server refused the login or password."})

    def download(self, login):
        self.authenticate(login, login)
        return self.url_open(f"/imap_conversations/mailbox/{self.mailbox_b.id}/log")

    def test_the_log_is_not_found_by_another_company_nor_by_those_who_do_not_manage_the_mailbox(self):
        for login in ("imap_http_admin_a", "imap_http_user_b"):
            with self.subTest(login=login):
                response = self.download(login)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn("refused the login", response.text)
                self.assertNotIn("support-b", response.text)

    def test_the_log_downloads_for_an_administrator_of_its_company(self):
        # A plain HTTP route knows no company switcher: a user's companies are all theirs (as /web/content).
        response = self.download("imap_http_admin_ab")
        self.assertEqual(response.status_code, 200)
        self.assertIn("support-b@127.0.0.1 refused the login", response.text)

    def test_nobody_hears_at_login_of_a_failing_mailbox_of_another_company(self):
        web_login(self, "imap_http_admin_a")
        self.assertFalse(bus_notifications(self.env, self.admin_a))
        web_login(self, "imap_http_admin_ab")
        warnings = bus_notifications(self.env, self.admin_ab)
        self.assertEqual(len(warnings), 1, "a user of both companies hears of it")
        self.assertIn("B support", warnings[0]["message"])

    def test_a_refused_login_is_told_only_to_those_who_may_see_the_mailbox(self):
        told = recipients(self.mailbox_b)
        self.assertIn(self.admin_ab, told)
        self.assertNotIn(self.admin_a, told)
