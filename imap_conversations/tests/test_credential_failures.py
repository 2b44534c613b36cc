from odoo.tests import tagged

from ..engine.folder_sync import BatchLimits
from ..services.mailbox_sync import MailboxSync
from .common import SyncCase, bus_notifications, make_email


@tagged("post_install", "-at_install")
class TestCredentialFailures(SyncCase):
    def emails_to(self, user):
        return self.env["mail.mail"].sudo().search([("email_to", "ilike", user.email)])

    def test_a_refused_login_stops_the_mailbox_and_tells_its_owner_once(self):
        mailbox = self.synced_mailbox()
        mailbox.password = "changed-on-the-server"
        report = MailboxSync(mailbox).run()
        self.assertEqual(report.error.kind, "auth")
        self.assertEqual(mailbox.state, "auth_failed")
        self.assertIn("refused the login or password", mailbox.last_error)
        toasts = bus_notifications(self.env, self.imap_user)
        self.assertEqual(len(toasts), 1)
        self.assertEqual(toasts[0]["type"], "danger")
        self.assertIn(mailbox.name, toasts[0]["title"])
        self.assertEqual(len(self.emails_to(self.imap_user)), 1, "the owner gets an e-mail")
        self.assertFalse(bus_notifications(self.env, self.other_user), "nobody else is told")
        # Sync now tries again: still refused, but the episode was already announced.
        action = mailbox.action_sync_now()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertEqual(mailbox.consecutive_failures, 2)
        self.assertEqual(len(bus_notifications(self.env, self.imap_user)), 1, "a second failing run tells nobody")
        self.assertEqual(len(self.emails_to(self.imap_user)), 1)

    def test_the_scheduled_sync_leaves_a_refused_mailbox_alone_until_its_settings_change(self):
        mailbox = self.synced_mailbox()
        mailbox.password = "wrong"
        MailboxSync(mailbox).run()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="waiting")])
        self.env["imap.mailbox"]._cron_sync_mailboxes()
        self.assertEqual(mailbox.consecutive_failures, 1, "the cron did not try again")
        mailbox.password = self.rig.password
        self.assertEqual(mailbox.state, "draft", "new settings, new chance")
        self.assertFalse(mailbox.last_error)
        self.env["imap.mailbox"]._cron_sync_mailboxes()
        self.assertEqual(mailbox.state, "active", "back to active by itself")
        self.assertEqual(self.messages(mailbox).mapped("subject"), ["waiting"])
        self.assertFalse(mailbox.auth_failure_notified)
        mailbox.password = "wrong again"
        MailboxSync(mailbox).run()
        self.assertEqual(len(bus_notifications(self.env, self.imap_user)), 2, "a new episode is news again")

    def test_a_shared_mailbox_tells_every_user_of_the_notification_group(self):
        group = self.env.ref("imap_conversations.group_credential_notifications")
        group.users = [(4, self.imap_admin.id), (4, self.other_user.id)]
        mailbox = self.synced_mailbox(owner=self.env["res.users"], user_id=False)
        mailbox.password = "wrong"
        MailboxSync(mailbox).run()
        for user in (self.imap_admin, self.other_user):
            with self.subTest(user=user.login):
                self.assertEqual(len(bus_notifications(self.env, user)), 1)
                self.assertEqual(len(self.emails_to(user)), 1)
        self.assertFalse(bus_notifications(self.env, self.imap_user), "not in the group: not told")
        self.assertTrue(any("login refused" in m.body for m in mailbox.message_ids), "noted on the mailbox")

    def test_an_untrusted_certificate_is_an_error_retried_at_the_next_run(self):
        mailbox = self.synced_mailbox()
        mailbox.write({"security": "ssl", "port": self.rig.ssl_port, "host": self.rig.untrusted_host})
        report = MailboxSync(mailbox).run()
        self.assertEqual(report.error.kind, "certificate")
        self.assertEqual(mailbox.state, "error")
        self.assertIn("is not trusted", mailbox.last_error)
        self.assertFalse(bus_notifications(self.env, self.imap_user), "only refused logins page people")
        self.env["imap.mailbox"]._cron_sync_mailboxes()
        self.assertEqual(mailbox.consecutive_failures, 2, "errors are retried by the scheduled sync")
        mailbox.verify_certificate = False
        self.env["imap.mailbox"]._cron_sync_mailboxes()
        self.assertEqual(mailbox.state, "active")

    def test_a_server_stopped_mid_run_loses_nothing(self):
        with self.rig.private_server() as server:
            login, password = server.add_user()
            mailbox = self.synced_mailbox(login=login, password=password, port=server.port)
            with self.rig_client(server, login) as client:
                client.multiappend("INBOX", [{"msg": make_email(subject=f"m{n:02}")} for n in range(30)])

            def stop_server_after_the_first_batch(folder_report):
                if folder_report.counts.new == 10:
                    server.halt()

            report = MailboxSync(
                mailbox, limits=BatchLimits(max_messages=10), after_batch=stop_server_after_the_first_batch
            ).run()
            self.assertEqual(report.error.kind, "network")
            self.assertEqual(mailbox.state, "error")
            self.assertEqual(len(self.messages(mailbox)), 10, "the batch stored before the stop stays")
            server.resume()
            self.sync(mailbox, limits=BatchLimits(max_messages=10))
            self.assertEqual(mailbox.state, "active")
            messages = self.messages(mailbox)
            self.assertEqual(sorted(messages.mapped("subject")), [f"m{n:02}" for n in range(30)])
            self.assertEqual(len(set(messages.mapped("dedupe_key"))), 30)

    def rig_client(self, server, login):
        from imapclient import IMAPClient

        client = IMAPClient(server.host, port=server.port, ssl=False, timeout=10)
        client.login(login, self.rig.password)
        return client
