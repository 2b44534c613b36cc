"""Mailboxes that log in with OAuth2 at the rig's provider (tests/rig/oauth_server.py), for the token tests.

Tokens are obtained without a browser: the rig's admin client (tests/rig/oauth_admin.py) plays the
user at the real consent page, and the tokens are stored in the credential as the Connect callback
stores them. The token service refreshes in a cursor of its own (services/oauth_tokens.py): these
classes put the registry in test mode, so that cursor is a savepoint of the test's transaction.
"""

import os
from datetime import timedelta

from odoo import fields

from .common import SyncCase

REDIRECT_URI = "http://127.0.0.1:9/imap_conversations/oauth/callback"


class OAuthCase(SyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rig_oauth = cls.rig._rig_module("oauth_admin").RigOAuth.from_environ(os.environ)
        cls.imap_scope = os.environ["IMAP_TEST_OAUTH_IMAP_SCOPE"]
        cls.smtp_scope = os.environ["IMAP_TEST_OAUTH_SMTP_SCOPE"]
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)

    def provider_for(self, registered, **values):
        """The OAuth application, as an administrator sets it up, for a client registered at the rig."""
        return self.env["imap.oauth.provider"].create(
            {
                "name": f"Rig {registered['client_id']}",
                "kind": "generic",
                "client_id": registered["client_id"],
                "client_secret": registered["client_secret"],
                "authorization_endpoint": self.rig_oauth.authorization_endpoint,
                "token_endpoint": self.rig_oauth.token_endpoint,
                "revocation_endpoint": self.rig_oauth.revocation_endpoint,
                "imap_scopes": self.imap_scope,
                "smtp_scopes": self.smtp_scope,
                **values,
            }
        )

    def oauth_mailbox(self, *, lifetime=None, scope=None, consent_as=None, token_delay=0, **values):
        """A mailbox on a fresh Dovecot user, connected with OAuth2: ``(mailbox, registered client, tokens)``."""
        registered = self.rig_oauth.register_client(
            redirect_uris=[REDIRECT_URI], access_token_lifetime=lifetime, token_delay=token_delay
        )
        provider = self.provider_for(registered)
        mailbox = self.make_mailbox(auth_method="oauth2", oauth_provider_id=provider.id, password=False, **values)
        tokens = self.rig_oauth.tokens(
            registered,
            consent_as or mailbox.login,
            self.rig.password,
            redirect_uri=REDIRECT_URI,
            scope=scope or f"{self.imap_scope} {self.smtp_scope}",
        )
        self.store_tokens(mailbox, tokens)
        return mailbox, registered, tokens

    def store_tokens(self, mailbox, tokens, expiry=None):
        """What the Connect callback writes: the grant's tokens, in the credential, as superuser."""
        self.credential(mailbox).write(
            {
                "oauth_refresh_token": tokens.get("refresh_token"),
                "oauth_access_token": tokens["access_token"],
                "oauth_access_token_expiry": expiry or fields.Datetime.now() + timedelta(seconds=tokens["expires_in"]),
                "oauth_scope": tokens.get("scope"),
            }
        )

    def credential(self, mailbox):
        credential = self.env["imap.mailbox.credential"].sudo().search([("mailbox_id", "=", mailbox.id)])
        return credential or self.env["imap.mailbox.credential"].sudo().create({"mailbox_id": mailbox.id})

    def expire_access_token(self, mailbox):
        """The stored access token is past its expiry, as after a long pause: the next login refreshes."""
        self.credential(mailbox).oauth_access_token_expiry = fields.Datetime.now() - timedelta(minutes=1)

    def refreshes(self, registered):
        return self.rig_oauth.issued(registered["client_id"]).get("refresh_token", 0)
