from datetime import date, timedelta
from unittest.mock import patch

from cryptography.fernet import Fernet

from odoo.tests import Form, freeze_time, tagged
from odoo.tools import config

from ..services import oauth_connect
from .common import ImapCase

KEY_OPTION = "imap_conversations_encryption_key"


@tagged("post_install", "-at_install")
class TestOAuthConnectAdmin(ImapCase):
    """The administrators' side of OAuth2, and presets that make a new mailbox a matter of one choice."""

    def new_application(self, kind="microsoft", **values):
        return (
            self.env["imap.oauth.provider"]
            .with_user(self.imap_admin)
            .create(
                {
                    "name": f"{kind} application",
                    "kind": kind,
                    "client_id": f"{kind}-client",
                    "client_secret": "s3cret",
                    **values,
                }
            )
        )

    def stored_secret(self, application):
        self.env.flush_all()
        self.env.cr.execute("SELECT client_secret FROM imap_oauth_provider WHERE id = %s", [application.id])
        return self.env.cr.fetchone()[0]

    def test_a_preset_fills_the_servers_and_oauth2_with_the_one_application_of_its_kind(self):
        microsoft = self.new_application("microsoft")
        self.new_application("google")
        self.new_application("google", name="Second Google")
        form = Form(self.env["imap.mailbox"].with_user(self.imap_user))
        form.name = "My mailbox"
        form.provider_preset = "microsoft"
        self.assertEqual((form.host, form.port, form.security), ("outlook.office365.com", 993, "ssl"))
        self.assertEqual((form.smtp_host, form.smtp_port, form.smtp_security), ("smtp.office365.com", 587, "starttls"))
        self.assertEqual((form.auth_method, form.oauth_provider_id), ("oauth2", microsoft))
        self.assertEqual((form.login, form.email), (self.imap_user.email, self.imap_user.email), "the owner's address")
        form.provider_preset = "google"
        self.assertEqual((form.host, form.smtp_host), ("imap.gmail.com", "smtp.gmail.com"))
        self.assertFalse(form.oauth_provider_id, "two Google applications: the user chooses")

    def test_a_password_preset_asks_for_an_app_password(self):
        form = Form(self.env["imap.mailbox"].with_user(self.imap_user))
        form.provider_preset = "yahoo"
        self.assertEqual((form.host, form.port, form.security), ("imap.mail.yahoo.com", 993, "ssl"))
        self.assertEqual((form.smtp_host, form.smtp_port, form.smtp_security), ("smtp.mail.yahoo.com", 465, "ssl"))
        self.assertEqual(form.auth_method, "password")
        self.assertIn("app password", self.env["imap.mailbox"]._fields["provider_preset"].help)

    def test_the_application_shows_the_redirect_uri_to_register(self):
        base = self.env["ir.config_parameter"].get_param("web.base.url")
        self.assertEqual(
            self.new_application().with_user(self.imap_admin).redirect_uri, base + "/imap_conversations/oauth/callback"
        )
        self.assertEqual(oauth_connect.CALLBACK_ROUTE, "/imap_conversations/oauth/callback")

    def test_the_client_secret_is_encrypted_at_rest_and_re_encrypted_from_the_settings(self):
        key_1, key_2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        with patch.dict(config.options, {KEY_OPTION: ""}):
            plain = self.new_application()
            self.assertEqual(self.stored_secret(plain), "s3cret")
        with patch.dict(config.options, {KEY_OPTION: key_1}):
            self.env.invalidate_all()
            encrypted = self.new_application("google")
            self.assertTrue(self.stored_secret(encrypted).startswith("fernet:"))
            self.assertEqual(encrypted.with_user(self.imap_admin).client_secret, "s3cret")
        with patch.dict(config.options, {KEY_OPTION: f"{key_2},{key_1}"}):
            self.env.invalidate_all()
            self.imap_admin.groups_id += self.env.ref("base.group_system")  # the Settings page's own right
            self.env["res.config.settings"].with_user(self.imap_admin).create({}).action_imap_reencrypt_credentials()
            for application in (plain, encrypted):
                stored = self.stored_secret(application)
                self.assertEqual(Fernet(key_2).decrypt(stored.removeprefix("fernet:").encode()).decode(), "s3cret")

    @freeze_time("2026-06-01")
    def test_administrators_are_warned_once_before_a_client_secret_expires(self):
        application = self.new_application(client_secret_expiry_date=date(2026, 7, 1))
        messages = self.env["mail.message"].search

        def warnings():
            return messages([("model", "=", "imap.oauth.provider"), ("res_id", "=", application.id)])

        cron = self.env.ref("imap_conversations.ir_cron_warn_oauth_secret_expiry")
        cron.method_direct_trigger()
        self.assertFalse(warnings(), "a month ahead: not yet")
        application.client_secret_expiry_date = date(2026, 6, 10)
        cron.method_direct_trigger()
        cron.method_direct_trigger()
        self.assertEqual(len(warnings()), 1, "once per expiry date")
        self.assertIn(self.imap_admin.partner_id, warnings().partner_ids)
        self.assertNotIn(self.imap_user.partner_id, warnings().partner_ids)
        self.assertIn("expires on 2026-06-10", warnings().subject)
        application.client_secret_expiry_date = date(2026, 6, 12) - timedelta(days=1)
        cron.method_direct_trigger()
        self.assertEqual(len(warnings()), 2, "a new date is news again")

    def test_the_menu_is_for_administrators(self):
        menu = self.env.ref("imap_conversations.menu_oauth_providers")
        self.assertEqual(menu.groups_id, self.env.ref("imap_conversations.group_manager"))
