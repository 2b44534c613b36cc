"""What users (not administrators, not the superuser) can do with the buttons they see."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import PoisonedStorage, SyncCase, make_email
from .test_sync_import import rich_email


@tagged("post_install", "-at_install")
class TestUserActions(SyncCase):
    def test_an_owner_syncs_their_mailbox_with_attachments(self):
        mailbox = self.synced_mailbox(owner=self.imap_user)
        self.rig.append(mailbox.login, "INBOX", [rich_email()])
        action = mailbox.with_user(self.imap_user).action_sync_now()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        message = self.messages(mailbox)
        self.assertEqual(len(message.attachment_ids), 2)
        self.assertTrue(message.with_user(self.imap_user).attachment_ids, "and reads them")

    def test_a_user_syncs_a_shared_mailbox_but_cannot_reconfigure_it(self):
        shared = self.synced_mailbox(user_id=False)
        self.rig.append(shared.login, "INBOX", [make_email(subject="to the team")])
        action = shared.with_user(self.imap_user).action_sync_now()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertEqual(self.messages(shared).mapped("subject"), ["to the team"])
        with self.assertRaises(AccessError):
            shared.with_user(self.imap_user).action_fetch_folders()

    def test_nobody_syncs_a_mailbox_they_cannot_see(self):
        mailbox = self.synced_mailbox(owner=self.imap_user)
        with self.assertRaises(AccessError):
            mailbox.with_user(self.other_user).action_sync_now()

    def test_an_owner_retries_the_failed_messages_of_their_mailbox(self):
        mailbox = self.synced_mailbox(owner=self.imap_user)
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="poison")])
        with PoisonedStorage(self.env.cr):
            self.sync(mailbox)
        failed = self.messages(mailbox, state="failed").with_user(self.imap_user)
        self.assertEqual(failed.action_retry()["params"]["type"], "success")
        self.assertEqual(self.messages(mailbox).state, "imported")
        with self.assertRaises(AccessError):
            self.messages(mailbox).with_user(self.other_user).action_retry()
