import os
import urllib.parse
from datetime import date

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, freeze_time, tagged

from ..engine.oauth import OAuthClient, authorization_request, exchange_code
from ..engine.transport import ConnectionSettings, check_connection
from .common import ImapCase


@tagged("post_install", "-at_install")
class TestOAuthProvider(ImapCase):
    """OAuth applications: what administrators set up once, so mailboxes can log in with OAuth2."""

    def new_provider(self, **values):
        return (
            self.env["imap.oauth.provider"]
            .with_user(self.imap_admin)
            .create(
                {
                    "name": "Provider",
                    "client_id": "the-client",
                    "client_secret": "the-secret",
                    **values,
                }
            )
        )

    def test_google_fills_in_its_endpoints_and_the_mail_scope(self):
        google = self.new_provider(kind="google")
        self.assertEqual(google.authorization_endpoint, "https://accounts.google.com/o/oauth2/v2/auth")
        self.assertEqual(google.token_endpoint, "https://oauth2.googleapis.com/token")
        self.assertEqual(google.revocation_endpoint, "https://oauth2.googleapis.com/revoke")
        self.assertEqual(google._scopes("both"), ("https://mail.google.com/",), "one scope, named once")

    def test_microsoft_builds_its_endpoints_from_the_tenant(self):
        microsoft = self.new_provider(kind="microsoft")
        self.assertEqual(microsoft.tenant, "common")
        self.assertEqual(microsoft.token_endpoint, "https://login.microsoftonline.com/common/oauth2/v2.0/token")
        self.assertFalse(microsoft.revocation_endpoint, "Microsoft has no RFC 7009 endpoint")
        microsoft.tenant = "contoso.onmicrosoft.com"
        self.assertEqual(
            microsoft.authorization_endpoint,
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
        )
        self.assertEqual(
            microsoft._scopes("imap"), ("https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access")
        )
        self.assertEqual(microsoft._scopes("both")[-1], "https://outlook.office.com/SMTP.Send")

    def test_a_generic_provider_keeps_the_endpoints_it_is_given(self):
        rig = self.new_provider(
            authorization_endpoint="http://127.0.0.1:8888/authorize",
            token_endpoint="http://127.0.0.1:8888/token",
            imap_scopes="imap",
            smtp_scopes="smtp",
        )
        self.assertEqual(rig.kind, "generic")
        self.assertEqual(
            (rig.authorization_endpoint, rig.token_endpoint, rig.revocation_endpoint),
            ("http://127.0.0.1:8888/authorize", "http://127.0.0.1:8888/token", False),
        )
        self.assertEqual(rig._scopes("both"), ("imap", "smtp"))

    def test_an_endpoint_that_is_not_https_is_refused_clearly(self):
        for url in ("http://oauth.example.com/token", "file:///etc/passwd", "oauth.example.com/token", False):
            with self.subTest(url=url), self.assertRaisesRegex(ValidationError, "token endpoint must be an https"):
                self.new_provider(authorization_endpoint="https://oauth.example.com/authorize", token_endpoint=url)

    def test_a_generic_provider_needs_a_client_id(self):
        with self.assertRaisesRegex(ValidationError, "client ID is missing"):
            self.new_provider(
                client_id=False,
                authorization_endpoint="https://oauth.example.com/authorize",
                token_endpoint="https://oauth.example.com/token",
            )

    def test_client_credentials_of_the_general_settings_are_offered_as_default(self):
        parameters = self.env["ir.config_parameter"].sudo()
        parameters.set_param("google_gmail_client_id", "settings-google-id")
        parameters.set_param("google_gmail_client_secret", "settings-google-secret")
        parameters.set_param("microsoft_outlook_client_identifier", "settings-outlook-id")
        with Form(self.env["imap.oauth.provider"].with_user(self.imap_admin)) as form:
            form.name = "Gmail"
            form.kind = "google"
            self.assertEqual(form.client_id, "settings-google-id")
            self.assertEqual(form.client_secret, "settings-google-secret")
        outlook = (
            self.env["imap.oauth.provider"]
            .with_user(self.imap_admin)
            .create(
                {
                    "name": "Outlook",
                    "kind": "microsoft",
                    "client_secret": "typed-secret",
                }
            )
        )
        self.assertEqual((outlook.client_id, outlook.client_secret), ("settings-outlook-id", "typed-secret"))
        self.assertEqual(self.new_provider(kind="google").client_id, "the-client", "what is typed wins")

    def test_users_see_the_applications_but_only_administrators_the_secret_or_changes(self):
        provider = self.new_provider(kind="google")
        as_user = provider.with_user(self.imap_user)
        self.assertEqual((as_user.name, as_user.kind), ("Provider", "google"))
        with self.assertRaises(AccessError):
            as_user.read(["client_secret"])
        with self.assertRaises(AccessError):
            as_user.write({"client_id": "hijacked"})
        with self.assertRaises(AccessError):
            self.env["imap.oauth.provider"].with_user(self.imap_user).create({"name": "Mine", "client_id": "x"})
        self.assertEqual(provider.with_user(self.imap_admin).client_secret, "the-secret")

    def test_an_application_of_another_company_is_not_offered(self):
        other_company = self.env["res.company"].create({"name": "Other Ltd"})
        theirs = self.env["imap.oauth.provider"].create(
            {
                "name": "Theirs",
                "kind": "google",
                "client_id": "their-client",
                "company_id": other_company.id,
            }
        )
        shared = self.new_provider(kind="google")
        providers = self.env["imap.oauth.provider"].with_user(self.imap_user)
        visible = providers.search([("id", "in", (theirs | shared).ids)])
        self.assertEqual(visible, shared)

    @freeze_time("2026-06-01")
    def test_a_client_secret_about_to_expire_is_flagged(self):
        provider = self.new_provider(kind="microsoft")
        for expiry, state in (
            (False, "ok"),
            (date(2026, 7, 1), "ok"),
            (date(2026, 6, 10), "soon"),
            (date(2026, 5, 31), "expired"),
        ):
            provider.client_secret_expiry_date = expiry
            self.assertEqual(provider.secret_expiry_state, state, expiry)

    def test_an_application_at_the_rigs_provider_gives_tokens_that_open_a_mailbox(self):
        # The rig's OAuth server (tests/rig/oauth_server.py) is just a generic provider to the addon.
        rig_oauth = self.rig._rig_module("oauth_admin").RigOAuth.from_environ(os.environ)
        redirect_uri = "http://127.0.0.1:9/imap_conversations/oauth/callback"
        registered = rig_oauth.register_client(redirect_uris=[redirect_uri])
        provider = self.new_provider(
            client_id=registered["client_id"],
            client_secret=registered["client_secret"],
            authorization_endpoint=rig_oauth.authorization_endpoint,
            token_endpoint=rig_oauth.token_endpoint,
            revocation_endpoint=rig_oauth.revocation_endpoint,
            imap_scopes=os.environ["IMAP_TEST_OAUTH_IMAP_SCOPE"],
            smtp_scopes=os.environ["IMAP_TEST_OAUTH_SMTP_SCOPE"],
        )
        client = OAuthClient(
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            timeout=10,
            authorization_endpoint=provider.authorization_endpoint,
            token_endpoint=provider.token_endpoint,
        )
        login = self.rig.new_login()
        request = authorization_request(client, redirect_uri, provider._scopes("both"))
        callback = urllib.parse.parse_qs(
            urllib.parse.urlsplit(rig_oauth.consent(request.url, login, self.rig.password)).query
        )
        tokens = exchange_code(client, callback["code"][0], redirect_uri, request.code_verifier)

        report = check_connection(
            ConnectionSettings(
                host=self.rig.host,
                port=self.rig.port,
                login=login,
                password="",
                security="none",
                timeout=10,
                auth_method="oauth2",
                access_token=tokens.access_token,
            )
        )
        self.assertIn("IMAP4REV1", report.capabilities)
