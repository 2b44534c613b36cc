import json
import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import make_email
from .oauth_common import OAuthCase


@tagged("post_install", "-at_install")
class TestOAuthAppOnly(OAuthCase):
    """Shared mailboxes no one signs in to: the application itself gets the tokens (no Connect)."""

    def shared_mailbox(self, provider, login):
        mailbox = self.make_mailbox(
            login=login, user_id=False, auth_method="oauth2", oauth_provider_id=provider.id, password=False
        )
        mailbox.action_fetch_folders()
        self.rig.append(login, "INBOX", [make_email(subject="For the team")])
        return mailbox

    def test_microsoft_style_client_credentials_open_the_shared_mailbox(self):
        login = self.rig.new_login()
        # As Microsoft 365 grants a service principal one shared mailbox.
        registered = self.rig_oauth.register_client(app_mailbox=login)
        provider = self.provider_for(registered, access_mode="app_only")
        mailbox = self.shared_mailbox(provider, login)
        self.sync(mailbox)
        self.assertEqual(self.messages(mailbox).mapped("subject"), ["For the team"])
        self.assertEqual(
            self.rig_oauth.issued(registered["client_id"]),
            {"client_credentials": 1},
            "one token for the folder list and the sync: it is kept while valid",
        )

    def test_google_style_service_account_opens_the_mailbox_it_names(self):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_pem = (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        account = f"sync-{os.getpid()}@rig-project.iam.gserviceaccount.test"
        self.rig_oauth.register_client(client_id=account, jwt_public_key=public_pem)
        key_json = json.dumps(
            {
                "type": "service_account",
                "client_email": account,
                "private_key_id": "k1",
                "private_key": key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                ).decode(),
            }
        )
        provider = self.provider_for(
            {"client_id": account, "client_secret": ""}, access_mode="app_only", service_account_key=key_json
        )
        login = self.rig.new_login()
        mailbox = self.shared_mailbox(provider, login)
        self.sync(mailbox)
        self.assertEqual(self.messages(mailbox).mapped("subject"), ["For the team"])
        self.assertEqual(self.rig_oauth.issued(account), {"urn:ietf:params:oauth:grant-type:jwt-bearer": 1})

    def test_the_service_account_key_is_checked_and_kept_from_users(self):
        registered = self.rig_oauth.register_client(redirect_uris=["http://127.0.0.1:9/cb"])
        with self.assertRaisesRegex(ValidationError, "not JSON"):
            self.provider_for(registered, access_mode="app_only", service_account_key="not a key")
        provider = self.provider_for(registered, access_mode="app_only")
        with self.assertRaises(AccessError):
            provider.with_user(self.imap_user).read(["service_account_key"])

    def test_microsoft_app_only_asks_for_the_default_scope_of_exchange_online(self):
        provider = self.env["imap.oauth.provider"].create(
            {
                "name": "Contoso",
                "kind": "microsoft",
                "client_id": "app",
                "access_mode": "app_only",
            }
        )
        self.assertEqual(provider._scopes("both"), ("https://outlook.office365.com/.default",))
