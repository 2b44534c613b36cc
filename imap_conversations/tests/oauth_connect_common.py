"""What the Connect tests share: an application at the rig's OAuth server, and playing the user there."""

import os
import urllib.parse

from ..services import oauth_connect
from .common import ImapCase


class RigApplicationMixin:
    """Needs ``self.rig`` (an ImapRig) and ``self.env``."""

    def rig_oauth(self):
        return self.rig._rig_module("oauth_admin").RigOAuth.from_environ(os.environ)

    def rig_application(self, name="Rig provider", **values):
        """An OAuth application registered at the rig, with this Odoo's redirect URI."""
        registered = self.rig_oauth().register_client(redirect_uris=[oauth_connect.redirect_uri(self.env)])
        oauth = self.rig_oauth()
        return self.env["imap.oauth.provider"].create(
            {
                "name": name,
                "kind": "generic",
                "client_id": registered["client_id"],
                "client_secret": registered["client_secret"],
                "authorization_endpoint": oauth.authorization_endpoint,
                "token_endpoint": oauth.token_endpoint,
                "revocation_endpoint": oauth.revocation_endpoint,
                "imap_scopes": os.environ["IMAP_TEST_OAUTH_IMAP_SCOPE"],
                "smtp_scopes": os.environ["IMAP_TEST_OAUTH_SMTP_SCOPE"],
                **values,
            }
        )

    def consent(self, authorization_url, login, decision="allow"):
        """Sign in at the rig's consent page as *login* and decide: the callback's query parameters."""
        location = self.rig_oauth().consent(authorization_url, login, self.rig.password, decision)
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))

    def credential(self, mailbox):
        return self.env["imap.mailbox.credential"].sudo().search([("mailbox_id", "=", mailbox.id)])


class OAuthConnectCase(RigApplicationMixin, ImapCase):
    """An application at the rig, and the imap_user's mailbox set to log in with it (not connected yet)."""

    def setUp(self):
        super().setUp()
        self.application = self.rig_application()
        self.mailbox = self.make_mailbox(auth_method="oauth2", oauth_provider_id=self.application.id)
