from odoo.tests import tagged

from .oauth_common import OAuthCase


@tagged("post_install", "-at_install")
class TestOAuthTestConnection(OAuthCase):
    """Test connection and Test outgoing server say which OAuth2 problem it is, and what to do."""

    def assert_outcome(self, action, kind, *words):
        params = action["params"]
        self.assertEqual(params["type"], kind, params["message"])
        for word in words:
            self.assertIn(word, params["message"])

    def test_a_connected_mailbox_passes_both_tests(self):
        mailbox, _registered, _tokens = self.oauth_mailbox()
        self.assert_outcome(mailbox.action_test_connection(), "success", "logged in as")
        self.assert_outcome(mailbox.action_test_smtp(), "success", "logged in as")

    def test_not_connected_yet(self):
        registered = self.rig_oauth.register_client(redirect_uris=["http://127.0.0.1:9/cb"])
        mailbox = self.make_mailbox(auth_method="oauth2", oauth_provider_id=self.provider_for(registered).id)
        self.assert_outcome(mailbox.action_test_connection(), "danger", "not connected yet", "Press Connect")
        self.assert_outcome(mailbox.action_test_smtp(), "danger", "not connected yet")

    def test_consent_revoked(self):
        mailbox, _registered, _tokens = self.oauth_mailbox()
        self.rig_oauth.revoke_user(mailbox.login)
        self.expire_access_token(mailbox)
        self.assert_outcome(mailbox.action_test_connection(), "danger", "no longer accepts", "Press Connect")

    def test_token_endpoint_unreachable(self):
        mailbox, _registered, _tokens = self.oauth_mailbox()
        mailbox.oauth_provider_id.token_endpoint = "http://127.0.0.1:9/token"
        self.expire_access_token(mailbox)
        self.assert_outcome(mailbox.action_test_connection(), "danger", "cannot be reached", "tried again")

    def test_scope_missing(self):
        # Consented to sending only: Dovecot refuses a token without the IMAP scope, and the refresh
        # cannot widen the grant.
        mailbox, _registered, _tokens = self.oauth_mailbox(scope=self.smtp_scope)
        self.assert_outcome(mailbox.action_test_connection(), "danger", self.imap_scope, "scope")
        self.assert_outcome(mailbox.action_test_smtp(), "success")

    def test_server_refused_the_token(self):
        # The tokens are another account's: the provider vouches for them, but not for this login.
        other_login = self.rig.new_login()
        mailbox, _registered, _tokens = self.oauth_mailbox(consent_as=other_login)
        self.assert_outcome(mailbox.action_test_connection(), "danger", "refused the access token", mailbox.login)
