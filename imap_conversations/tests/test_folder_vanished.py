"""A folder deleted on the server while Odoo still syncs it: marked missing, the run goes on."""

from datetime import UTC, datetime, timedelta

from odoo.tests import tagged

from ..services.mailbox_sync import MailboxSync
from ..services.recovery import MailboxRecovery
from .common import SyncCase, make_email


class DeletedAfterList(MailboxSync):
    """A run during which the user deletes a folder in a mail client, after the run listed the folders."""

    def __init__(self, mailbox, *, rig, doomed, **kwargs):
        super().__init__(mailbox, **kwargs)
        self.rig = rig
        self.doomed = doomed

    def _sync_folder(self, session, folder):
        if folder.name == self.doomed:
            self.rig.delete_folder(self.mailbox.login, self.doomed)
        return super()._sync_folder(session, folder)


@tagged("post_install", "-at_install")
class TestFolderVanished(SyncCase):
    def two_folders(self):
        """A mailbox syncing "Alpha" then "Beta" (in that order), both synced once."""
        mailbox = self.synced_mailbox()
        alpha = self.synced_folder(mailbox, "Alpha")
        beta = self.synced_folder(mailbox, "Beta")
        self.rig.append(mailbox.login, "Alpha", [make_email(subject="in alpha")])
        self.sync(mailbox)
        return mailbox, alpha, beta

    def test_a_folder_deleted_during_a_sync_is_marked_missing_and_the_next_folders_are_synced(self):
        mailbox, alpha, beta = self.two_folders()
        self.rig.append(mailbox.login, "Beta", [make_email(subject="in beta")])
        report = DeletedAfterList(mailbox, rig=self.rig, doomed="Alpha").run()
        self.assertFalse(report.error, "one missing folder does not fail the run")
        self.assertEqual(alpha.state, "missing")
        self.assertIn("Alpha", [f.name for f in report.folders if f.error])
        self.assertEqual(beta.state, "ok")
        self.assertIn("in beta", self.messages(mailbox).mapped("subject"), "the folders after it are synced")
        self.assertIn("in alpha", self.messages(mailbox).mapped("subject"), "what it held stays in Odoo")

    def test_the_recovery_marks_a_folder_deleted_since_the_last_sync_missing_and_recovers_the_others(self):
        mailbox, alpha, _beta = self.two_folders()
        an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
        self.rig.append(mailbox.login, "Beta", [make_email(subject="missed in beta")], msg_time=an_hour_ago)
        self.rig.delete_folder(mailbox.login, "Alpha")
        report = MailboxRecovery(mailbox).run()
        self.assertFalse(report.error)
        self.assertEqual(alpha.state, "missing", "the next recovery does not try it again")
        self.assertIn("missed in beta", self.messages(mailbox).mapped("subject"))
        again = MailboxRecovery(mailbox).run()
        self.assertNotIn("Alpha", [f.name for f in again.folders])
