import urllib.parse

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools.misc import verify_hash_signed

from ..engine.errors import AuthenticationError
from ..engine.oauth import InvalidGrant, pkce_challenge, refresh_access_token
from ..engine.transport import ConnectionSettings, check_connection
from ..services import oauth_connect
from .common import free_port
from .oauth_connect_common import OAuthConnectCase


@tagged("post_install", "-at_install")
class TestOAuthConnect(OAuthConnectCase):
    """Connect and Disconnect a mailbox with OAuth2, against the rig's real authorization server."""

    def connect(self, mailbox=None, user=None):
        mailbox = mailbox or self.mailbox
        user = user or self.imap_user
        url = mailbox.with_user(user).action_oauth_connect()["url"]
        return oauth_connect.finish(self.env(user=user), self.consent(url, mailbox.login))

    def logs_in(self, access_token):
        check_connection(
            ConnectionSettings(
                host=self.rig.host,
                port=self.rig.port,
                login=self.mailbox.login,
                password="",
                security="none",
                timeout=10,
                auth_method="oauth2",
                access_token=access_token,
            )
        )

    def test_connect_sends_the_browser_to_the_application_with_pkce_and_a_signed_state(self):
        action = self.mailbox.with_user(self.imap_user).action_oauth_connect()
        self.assertEqual((action["type"], action["target"]), ("ir.actions.act_url", "self"))
        self.assertTrue(action["url"].startswith(self.application.authorization_endpoint + "?"))
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(action["url"]).query))
        self.assertEqual(query["response_type"], "code")
        self.assertEqual(query["client_id"], self.application.client_id)
        self.assertEqual(query["scope"], "imap smtp", "the scopes of IMAP and of SMTP")
        self.assertEqual(
            query["redirect_uri"],
            self.env["ir.config_parameter"].get_param("web.base.url") + "/imap_conversations/oauth/callback",
        )
        self.assertNotIn("login_hint", query, "the login is no address")
        verifier = self.credential(self.mailbox).oauth_pending_verifier
        self.assertEqual((query["code_challenge_method"], query["code_challenge"]), ("S256", pkce_challenge(verifier)))
        self.assertNotIn(verifier, action["url"], "the PKCE verifier stays on the server")
        signed = verify_hash_signed(self.env(su=True), oauth_connect.STATE_SCOPE, query["state"])
        self.assertEqual((signed["uid"], signed["mailbox"]), (self.imap_user.id, self.mailbox.id))
        self.assertEqual(signed["nonce"], self.credential(self.mailbox).oauth_pending_nonce)

    def test_the_account_an_address_is_hinted_to_the_provider(self):
        self.mailbox.login = "sam@example.com"
        url = self.mailbox.with_user(self.imap_user).action_oauth_connect()["url"]
        self.assertEqual(
            dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["login_hint"], "sam@example.com"
        )

    def test_the_callback_stores_the_tokens_and_the_mailbox_says_connected_as(self):
        self.mailbox.write({"state": "auth_failed", "last_error": "refused"})
        self.connect()
        credential = self.credential(self.mailbox)
        self.assertTrue(credential.oauth_refresh_token and credential.oauth_access_token)
        self.assertTrue(credential.oauth_access_token_expiry)
        self.assertEqual(credential.oauth_scope, "imap smtp")
        self.assertFalse(credential.oauth_pending_nonce or credential.oauth_pending_verifier, "spent")
        # The rig names no account (no OpenID): the mailbox's login is who it is connected as.
        self.assertEqual((self.mailbox.auth_method, self.mailbox.oauth_account), ("oauth2", self.mailbox.login))
        self.assertEqual(self.mailbox.state, "draft", "connected again: a new chance")
        self.logs_in(credential.oauth_access_token)

    def test_connect_is_for_the_owner_and_for_administrators_of_a_shared_mailbox(self):
        with self.assertRaises(AccessError):
            self.mailbox.with_user(self.other_user).action_oauth_connect()
        shared = self.make_mailbox(user_id=False, auth_method="oauth2", oauth_provider_id=self.application.id)
        with self.assertRaisesRegex(AccessError, "owner of .* and IMAP administrators"):
            shared.with_user(self.imap_user).action_oauth_connect()
        self.connect(shared, self.imap_admin)
        self.assertEqual(shared.oauth_account, shared.login)

    def test_nobody_else_disconnects_the_mailbox_or_reads_its_tokens(self):
        self.connect()
        with self.assertRaises(AccessError):
            self.mailbox.with_user(self.other_user).action_oauth_disconnect()
        credential = self.credential(self.mailbox)
        theirs = self.env["imap.mailbox.credential"].with_user(self.other_user)
        self.assertFalse(theirs.search([("mailbox_id", "=", self.mailbox.id)]))
        for name in ("oauth_refresh_token", "oauth_access_token", "oauth_pending_verifier"):
            with self.subTest(name), self.assertRaises(AccessError):
                theirs.browse(credential.id).read([name])
        self.assertTrue(self.credential(self.mailbox).oauth_refresh_token, "still connected")

    def test_disconnect_revokes_the_grant_at_the_provider_and_forgets_it(self):
        self.connect()
        credential = self.credential(self.mailbox)
        refresh_token, access_token = credential.oauth_refresh_token, credential.oauth_access_token
        action = self.mailbox.with_user(self.imap_user).action_oauth_disconnect()
        self.assertEqual(action["params"]["type"], "success")
        self.assertFalse(credential.oauth_refresh_token or credential.oauth_access_token or credential.oauth_scope)
        self.assertFalse(self.mailbox.oauth_account)
        with self.assertRaises(InvalidGrant):
            refresh_access_token(oauth_connect.oauth_client(self.application), refresh_token)
        with self.assertRaises(AuthenticationError, msg="Dovecot asks the provider, which says inactive"):
            self.logs_in(access_token)

    def test_a_revocation_endpoint_that_fails_still_forgets_and_says_so(self):
        self.connect()
        self.application.revocation_endpoint = f"http://127.0.0.1:{free_port()}/revoke"
        with self.assertLogs("odoo.addons.imap_conversations.services.oauth_connect", "WARNING"):
            action = self.mailbox.with_user(self.imap_user).action_oauth_disconnect()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("did not revoke", action["params"]["message"])
        self.assertFalse(self.credential(self.mailbox).oauth_refresh_token)
        self.assertFalse(self.mailbox.oauth_account)

    def test_an_archived_application_cannot_connect(self):
        self.application.action_archive()
        with self.assertRaisesRegex(UserError, "archived"):
            self.mailbox.with_user(self.imap_user).action_oauth_connect()
