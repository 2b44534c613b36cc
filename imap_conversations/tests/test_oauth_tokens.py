from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..engine.oauth import InvalidGrant, refresh_access_token
from ..services import oauth_tokens
from ..services.mailbox_sync import MailboxSync
from ..services.sender import MailSender
from .common import bus_notifications, make_email
from .oauth_common import OAuthCase


@tagged("post_install", "-at_install")
class TestOAuthTokens(OAuthCase):
    """Sync and sending over OAuth2: the access token is refreshed when needed, once, and failures are plain."""

    def test_a_connected_mailbox_syncs_and_replies_over_oauth2(self):
        mailbox, _registered, _tokens = self.oauth_mailbox()
        mailbox.action_fetch_folders()
        customer_login, customer = self.new_customer()
        self.rig.append(
            mailbox.login,
            "INBOX",
            [
                make_email(
                    subject="Quote",
                    sender=f"Carla <{customer.email}>",
                    to=mailbox.email,
                    message_id="<quote@client.test>",
                )
            ],
        )
        self.sync(mailbox)
        parent = self.messages(mailbox)
        self.assertEqual(parent.subject, "Quote")
        result = MailSender(mailbox).send(to=customer, subject="Quote", html="<p>Here it is</p>", parent=parent)
        self.assertTrue(result.sent, result.error)
        self.assertFalse(result.sent_copy_error)
        self.assertEqual(self.rig.subjects(mailbox.login, "Sent"), ["Re: Quote"], "the reply lands in Sent")
        self.assertEqual(self.rig.subjects(customer_login, "INBOX"), ["Re: Quote"])
        self.assertEqual(parent.conversation_id.message_count, 2, "and in the conversation")
        self.assertEqual(mailbox.state, "active")

    def test_an_expired_token_is_refreshed_once_and_the_rotated_refresh_token_kept(self):
        mailbox, registered, tokens = self.oauth_mailbox()
        mailbox.action_fetch_folders()
        self.expire_access_token(mailbox)
        self.sync(mailbox)
        self.assertEqual(self.refreshes(registered), 1, "one refresh for the whole run")
        credential = self.credential(mailbox)
        self.assertNotEqual(credential.oauth_refresh_token, tokens["refresh_token"], "the rotated one is stored")
        self.assertNotEqual(credential.oauth_access_token, tokens["access_token"])
        # The old refresh token is refused from now on: keeping it would have locked the mailbox out.
        provider = mailbox.oauth_provider_id
        with self.assertRaises(InvalidGrant):
            refresh_access_token(oauth_tokens.oauth_client(provider), tokens["refresh_token"])
        self.sync(mailbox)
        self.assertEqual(self.refreshes(registered), 1, "a token still valid is used as it is")

    def test_a_token_the_server_refuses_mid_run_is_refreshed_once_and_the_login_retried_once(self):
        mailbox, registered, _tokens = self.oauth_mailbox()
        # The stored token looks valid for an hour, but the provider has revoked it (as after expiry on a reconnect).
        self.credential(mailbox).oauth_access_token = "revoked-at-the-provider"
        mailbox.action_fetch_folders()
        self.assertEqual(self.refreshes(registered), 1)
        self.assertTrue(mailbox.folder_ids, "the retried login went through")
        self.assertEqual(mailbox.state, "draft")

    def test_a_token_refused_again_after_the_refresh_is_an_error_not_a_loop(self):
        # Granted without the IMAP scope: every token is refused by Dovecot.
        mailbox, registered, _tokens = self.oauth_mailbox(scope=self.smtp_scope)
        mailbox.oauth_provider_id.imap_scopes = self.smtp_scope  # the refresh asks for what was granted
        report = MailboxSync(mailbox).run()
        self.assertEqual(report.error.kind, "token_refused")
        self.assertEqual(self.refreshes(registered), 1, "refreshed once, then given up")
        self.assertEqual(mailbox.state, "auth_failed")

    def test_consent_revoked_fails_the_mailbox_and_tells_its_owner_once_with_a_reconnect_link(self):
        mailbox, _registered, _tokens = self.oauth_mailbox()
        self.rig_oauth.revoke_user(mailbox.login)
        self.expire_access_token(mailbox)
        for _run in range(2):
            report = MailboxSync(mailbox).run()
            self.assertIsInstance(report.error, InvalidGrant)
        self.assertEqual(mailbox.state, "auth_failed")
        self.assertIn("Press Connect", mailbox.last_error)
        self.assertIn(mailbox.oauth_provider_id.name, mailbox.last_error)
        self.assertEqual(len(bus_notifications(self.env, self.imap_user)), 1, "told once, not at every run")
        emails = self.env["mail.mail"].sudo().search([("email_to", "ilike", self.imap_user.email)])
        self.assertEqual(len(emails), 1)
        self.assertIn("Reconnect", emails.body_html)
        self.assertIn(f"/odoo/imap.mailbox/{mailbox.id}", emails.body_html)

    def test_an_unreachable_token_endpoint_is_an_error_retried_at_the_next_run(self):
        mailbox, _registered, _tokens = self.oauth_mailbox()
        provider = mailbox.oauth_provider_id
        endpoint = provider.token_endpoint
        provider.token_endpoint = "http://127.0.0.1:9/token"  # the discard port: nothing listens
        self.expire_access_token(mailbox)
        report = MailboxSync(mailbox).run()
        self.assertEqual(report.error.kind, "token_endpoint_unreachable")
        self.assertEqual(mailbox.state, "error", "not an authentication failure: nobody must reconnect")
        self.assertIn("cannot be reached", mailbox.last_error)
        self.assertFalse(bus_notifications(self.env, self.imap_user))
        provider.token_endpoint = endpoint
        self.env["imap.mailbox"]._cron_sync_mailboxes()
        self.assertEqual(mailbox.state, "active", "the next run recovers by itself")

    def test_a_mailbox_never_connected_says_so_without_asking_the_provider(self):
        registered = self.rig_oauth.register_client(redirect_uris=["http://127.0.0.1:9/cb"])
        mailbox = self.make_mailbox(auth_method="oauth2", oauth_provider_id=self.provider_for(registered).id)
        report = MailboxSync(mailbox).run()
        self.assertEqual(report.error.kind, "oauth_not_connected")
        self.assertEqual(mailbox.state, "auth_failed")
        self.assertIn("not connected yet", mailbox.last_error)
        self.assertEqual(self.rig_oauth.issued(registered["client_id"]), {}, "the provider was not asked")

    def test_only_administrators_read_the_tokens(self):
        mailbox, _registered, _tokens = self.oauth_mailbox()
        fields_ = ["oauth_refresh_token", "oauth_access_token"]
        credentials = self.env["imap.mailbox.credential"].with_user(self.other_user)
        self.assertFalse(credentials.search_read([("mailbox_id", "=", mailbox.id)], ["mailbox_id"]))
        self.assertFalse(credentials.search([]).filtered(lambda c: c.mailbox_id == mailbox))
        own = self.env["imap.mailbox.credential"].with_user(self.imap_user).search([("mailbox_id", "=", mailbox.id)])
        self.assertTrue(own, "the owner reads their credential row (the password they typed)")
        with self.assertRaises(AccessError, msg="but not the tokens: the addon uses them, nobody reads them"):
            own.read(fields_)
