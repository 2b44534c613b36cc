"""What a run looks at: the scheduled sync lists the folders only when due, the IDLE worker's run one folder."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..services.mailbox_sync import FOLDER_LIST_MINUTES, MailboxSync
from .common import SyncCase, make_email


@tagged("post_install", "-at_install")
class TestSyncListing(SyncCase):
    def cron(self):
        self.env.flush_all()
        self.env.cr.execute("UPDATE imap_mailbox SET sync_due_date = sync_due_date - interval '1 day'")
        self.env["imap.mailbox"].invalidate_model(["sync_due_date"])
        self.env["imap.mailbox"]._cron_sync_mailboxes()

    def folder_names(self, mailbox):
        return set(mailbox.folder_ids.mapped("name"))

    def test_the_scheduled_sync_lists_the_folders_once_the_last_listing_is_old(self):
        mailbox = self.synced_mailbox()
        self.cron()
        self.rig.create_folder(mailbox.login, "Clients")
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="new")])
        self.cron()
        self.assertEqual(self.messages(mailbox).mapped("subject"), ["new"], "the synced folders are synced")
        self.assertNotIn("Clients", self.folder_names(mailbox), "listed less than an hour ago: not again")
        mailbox.folders_listed_date -= timedelta(minutes=FOLDER_LIST_MINUTES)
        self.cron()
        self.assertIn("Clients", self.folder_names(mailbox))
        self.assertAlmostEqual(mailbox.folders_listed_date, fields.Datetime.now(), delta=timedelta(minutes=1))

    def test_sync_now_always_lists_the_folders(self):
        mailbox = self.synced_mailbox()
        self.cron()
        self.rig.create_folder(mailbox.login, "Clients")
        mailbox.action_sync_now()
        self.assertIn("Clients", self.folder_names(mailbox))

    def test_a_folder_gone_missing_makes_the_next_scheduled_sync_list_again(self):
        mailbox = self.synced_mailbox()
        self.synced_folder(mailbox, "Alpha")
        self.cron()
        self.rig.delete_folder(mailbox.login, "Alpha")
        self.rig.create_folder(mailbox.login, "Alpha renamed")
        self.cron()
        self.assertEqual(self.folder(mailbox, "Alpha").state, "missing", "its STATUS failed")
        self.assertFalse(mailbox.folders_listed_date)
        self.cron()
        self.assertIn("Alpha renamed", self.folder_names(mailbox))

    def test_a_run_of_one_folder_syncs_that_folder_alone_without_listing(self):
        mailbox = self.synced_mailbox()
        self.sync(mailbox)
        last_sync = mailbox.last_sync_date
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="in inbox")])
        self.rig.append(mailbox.login, "Sent", [make_email(subject="in sent")])
        self.rig.create_folder(mailbox.login, "Clients")
        report = MailboxSync(mailbox, folder_names={"INBOX"}).run()
        self.assertFalse(report.error)
        self.assertEqual([f.name for f in report.folders], ["INBOX"])
        self.assertEqual(self.messages(mailbox).mapped("subject"), ["in inbox"], "Sent is left to the schedule")
        self.assertNotIn("Clients", self.folder_names(mailbox))
        self.assertEqual(mailbox.last_sync_date, last_sync, "not a sync of the mailbox: its schedule stays")
        self.sync(mailbox)
        self.assertEqual(sorted(self.messages(mailbox).mapped("subject")), ["in inbox", "in sent"])

    def test_a_run_of_one_folder_of_a_mailbox_never_listed_is_a_whole_sync(self):
        mailbox = self.make_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="first")])
        report = MailboxSync(mailbox, folder_names={"INBOX"}).run()
        self.assertFalse(report.error)
        self.assertEqual({f.name for f in report.folders}, {"INBOX", "Sent"})
        self.assertEqual(self.messages(mailbox).mapped("subject"), ["first"])
        self.assertTrue(mailbox.last_sync_date)
