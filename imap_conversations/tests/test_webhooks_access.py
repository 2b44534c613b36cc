from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from ..services.destinations import ALLOWED_SERVERS_PARAM
from .webhook_common import WebhookCase


@tagged("post_install", "-at_install")
class TestWebhookAccess(WebhookCase):
    def setUp(self):
        super().setUp()
        self.webhook = self.make_webhook("http://127.0.0.1:9/in")
        self.webhook.action_send_test_event()  # a delivery in the log (dead: nothing listens on port 9)

    def test_a_user_who_is_not_an_imap_administrator_reads_no_webhook_secret_or_delivery(self):
        for user in (self.imap_user, new_test_user(self.env, "plain", groups="base.group_user")):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.webhook.with_user(user).read(["url"])
                with self.assertRaises(AccessError):
                    self.webhook.with_user(user).read(["secret"])
                with self.assertRaises(AccessError):
                    self.env["imap.webhook.delivery"].with_user(user).search([])
                with self.assertRaises(AccessError):
                    self.env["imap.webhook"].with_user(user).create({"name": "mine", "url": "https://example.com/"})
                with self.assertRaises(AccessError):
                    self.webhook.with_user(user).action_send_test_event()
                with self.assertRaises(AccessError):
                    self.deliveries(self.webhook).with_user(user).action_retry()

    def test_administrators_of_another_company_do_not_see_it(self):
        company = self.env["res.company"].create({"name": "Elsewhere Ltd"})
        admin = new_test_user(
            self.env,
            "elsewhere_admin",
            groups="base.group_user,imap_conversations.group_manager",
            company_id=company.id,
            company_ids=[(6, 0, company.ids)],
        )
        self.assertFalse(self.env["imap.webhook"].with_user(admin).search([]))
        self.assertFalse(self.env["imap.webhook.delivery"].with_user(admin).search([]))
        with self.assertRaises(AccessError):
            self.webhook.with_user(admin).read(["secret"])

    def test_an_administrator_reads_the_secret_and_the_log(self):
        as_admin = self.webhook.with_user(self.imap_admin)
        self.assertEqual(as_admin.secret, self.webhook.secret)
        self.assertGreaterEqual(len(as_admin.secret), 32, "a strong secret by default")
        self.assertEqual(self.env["imap.webhook.delivery"].with_user(self.imap_admin).search([]).event, "webhook.test")

    def test_only_http_urls_to_allowed_destinations_are_accepted(self):
        for url in (
            "ftp://example.com/in",
            "https://user:pw@example.com/in",
            "http://10.1.2.3/in",
            "http://[::1]:8069/in",
            "http://169.254.169.254/latest",
        ):
            with self.subTest(url=url), self.assertRaises(ValidationError):
                self.webhook.url = url
        self.env["ir.config_parameter"].set_param(ALLOWED_SERVERS_PARAM, "10.0.0.0/8")
        self.webhook.url = "http://10.1.2.3/in"  # listed by the administrators

    def test_an_unlisted_loopback_receiver_is_never_contacted(self):
        receiver = self.receiver()
        webhook = self.make_webhook(receiver.url)
        # Loopback taken off the allowed list: the URL no longer passes, however it is spelled.
        self.env["ir.config_parameter"].set_param(ALLOWED_SERVERS_PARAM, "")
        webhook.flush_recordset()
        self.env.cr.execute(
            "UPDATE imap_webhook SET url = %s WHERE id = %s", [f"http://localhost:{receiver.port}/", webhook.id]
        )
        webhook.invalidate_recordset()
        action = webhook.action_send_test_event()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("not allowed", action["params"]["message"])
        self.assertEqual(receiver.requests, [])
