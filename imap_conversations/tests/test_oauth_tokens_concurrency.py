import os
import threading

from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import tagged

from ..services import oauth_tokens
from .common import SyncCase
from .oauth_common import REDIRECT_URI


@tagged("post_install", "-at_install")
class TestOAuthConcurrentRefresh(SyncCase):
    """Two runs needing a new token at once refresh once: the second waits on the lock and finds the first's token.

    Real concurrency needs real transactions: the mailbox is committed in a cursor of its own (and
    removed afterwards), and each run has its own database connection, as two workers do. The test
    runner holds the registry lock while tests run: as for HttpCase's server threads, it is lifted
    (Registry.enter_test_mode does the same) so that the runs' threads can open environments.
    """

    def test_two_concurrent_runs_refresh_once_at_the_provider(self):
        rig_oauth = self.rig._rig_module("oauth_admin").RigOAuth.from_environ(os.environ)
        # The provider takes a second to answer: the second run arrives while the first one refreshes.
        registered = rig_oauth.register_client(redirect_uris=[REDIRECT_URI], token_delay=1)
        login = self.rig.new_login()
        tokens = rig_oauth.tokens(
            registered,
            login,
            self.rig.password,
            redirect_uri=REDIRECT_URI,
            scope=os.environ["IMAP_TEST_OAUTH_IMAP_SCOPE"],
        )
        mailbox_id = self.committed_mailbox(registered, login, tokens)
        try:
            barrier = threading.Barrier(2, timeout=30)
            results, errors = [], []

            def run():
                try:
                    with self.registry.cursor() as cr:
                        mailbox = api.Environment(cr, SUPERUSER_ID, {})["imap.mailbox"].browse(mailbox_id)
                        # The run's transaction reads the mailbox before the other one refreshes.
                        self.assertTrue(mailbox.oauth_provider_id)
                        barrier.wait()
                        results.append(oauth_tokens.access_token(mailbox))
                except Exception as error:  # noqa: BLE001  (reported by the assertion below)
                    errors.append(error)

            threads = [threading.Thread(target=run) for _ in range(2)]
            saved_lock, Registry._lock = Registry._lock, DummyRLock()
            try:
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(60)
            finally:
                Registry._lock = saved_lock
            self.assertFalse(errors)
            self.assertEqual(rig_oauth.issued(registered["client_id"]).get("refresh_token"), 1, "one refresh")
            self.assertEqual(len(results), 2)
            self.assertEqual(len(set(results)), 1, "both runs log in with the one new token")
            self.assertNotEqual(results[0], tokens["access_token"])
        finally:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                mailbox = env["imap.mailbox"].browse(mailbox_id)
                provider = mailbox.oauth_provider_id
                mailbox.unlink()
                provider.unlink()

    def committed_mailbox(self, registered, login, tokens):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            provider = env["imap.oauth.provider"].create(
                {
                    "name": "Rig (concurrency)",
                    "kind": "generic",
                    "client_id": registered["client_id"],
                    "client_secret": registered["client_secret"],
                    "authorization_endpoint": f"{os.environ['IMAP_TEST_OAUTH_URL']}/authorize",
                    "token_endpoint": f"{os.environ['IMAP_TEST_OAUTH_URL']}/token",
                    "imap_scopes": os.environ["IMAP_TEST_OAUTH_IMAP_SCOPE"],
                    "smtp_scopes": os.environ["IMAP_TEST_OAUTH_IMAP_SCOPE"],
                }
            )
            mailbox = env["imap.mailbox"].create(
                {
                    "name": f"Concurrent {login}",
                    "host": self.rig.host,
                    "port": self.rig.port,
                    "security": "none",
                    "login": login,
                    "user_id": False,
                    "auth_method": "oauth2",
                    "oauth_provider_id": provider.id,
                }
            )
            env["imap.mailbox.credential"].create(
                {
                    "mailbox_id": mailbox.id,
                    "oauth_refresh_token": tokens["refresh_token"],
                    "oauth_access_token": tokens["access_token"],
                    "oauth_access_token_expiry": fields.Datetime.subtract(fields.Datetime.now(), minutes=1),
                }
            )
            return mailbox.id
