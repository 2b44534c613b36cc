from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import PoisonedStorage, SyncCase, make_email


@tagged("post_install", "-at_install")
class TestSyncLog(SyncCase):
    def runs(self, log_level, *, failing):
        """Two runs of a mailbox: one clean, one with a message whose storage fails (when *failing*)."""
        mailbox = self.synced_mailbox(log_level=log_level)
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="fine")])
        self.sync(mailbox)
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="poison" if failing else "fine too")])
        with PoisonedStorage(self.env.cr):
            self.sync(mailbox)
        return mailbox

    def test_full_keeps_every_run_with_per_folder_detail(self):
        mailbox = self.runs("full", failing=True)
        clean, failed = mailbox.log_ids.sorted("id")
        self.assertEqual((clean.state, clean.new_count, clean.failed_count), ("ok", 1, 0))
        self.assertEqual(clean.folder_count, 2)
        self.assertIn("INBOX: initial, 1 new, 0 failed, 0 skipped", clean.details)
        self.assertGreaterEqual(clean.duration, 0)
        self.assertTrue(clean.start_date)
        self.assertEqual((failed.state, failed.new_count, failed.failed_count), ("partial", 0, 1))

    def test_errors_only_keeps_the_runs_that_went_wrong(self):
        mailbox = self.runs("errors", failing=True)
        self.assertEqual(mailbox.log_ids.mapped("state"), ["partial"])
        self.assertFalse(mailbox.log_ids.details, "no per-folder detail below the full level")
        mailbox.password = "wrong"
        self.sync_failing(mailbox)
        self.assertEqual(sorted(mailbox.log_ids.mapped("state")), ["error", "partial"])
        self.assertIn("refused the login", mailbox.log_ids.filtered(lambda e: e.state == "error").error)

    def test_off_keeps_nothing(self):
        mailbox = self.runs("off", failing=True)
        self.assertFalse(mailbox.log_ids)

    def test_old_entries_are_cleaned_up(self):
        mailbox = self.runs("full", failing=False)
        old, recent = mailbox.log_ids.sorted("id")
        old.start_date = fields.Datetime.now() - timedelta(days=31)
        self.env["imap.sync.log"]._gc_old_entries()
        self.assertEqual(mailbox.log_ids, recent)

    def test_the_log_reads_as_text(self):
        mailbox = self.runs("full", failing=True)
        text = mailbox.log_ids._as_text()
        self.assertRegex(text, r"sync ok: 2 folders, 1 new, 0 failed, 0 skipped")
        self.assertIn("sync partial", text)
        self.assertIn("INBOX:", text)
        action = mailbox.action_download_log()
        self.assertEqual(action["url"], f"/imap_conversations/mailbox/{mailbox.id}/log")

    def sync_failing(self, mailbox):
        from ..services.mailbox_sync import MailboxSync

        return MailboxSync(mailbox).run()
