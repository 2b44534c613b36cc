"""The first sync's horizon holds for good: mail older than it is not imported by a later sync either."""

from datetime import UTC, datetime, timedelta

from odoo.tests import tagged

from .common import SyncCase, make_email


@tagged("post_install", "-at_install")
class TestSyncHorizon(SyncCase):
    def setUp(self):
        super().setUp()
        now = datetime.now(UTC)
        self.two_years_ago = now - timedelta(days=730)
        self.last_week = now - timedelta(days=7)

    def test_a_folder_holding_only_old_mail_stays_empty_over_two_syncs(self):
        mailbox = self.synced_mailbox(sync_horizon_days=365)
        archive = self.folder(mailbox, "Archive")
        archive.sync_enabled = True
        old = [make_email(subject=f"old {n}", date=self.two_years_ago) for n in range(3)]
        self.rig.append(mailbox.login, "Archive", old, msg_time=self.two_years_ago)
        self.sync(mailbox)
        self.assertFalse(self.messages(mailbox), "the first sync goes back one year only")
        second = self.sync(mailbox)
        self.assertFalse(self.messages(mailbox), "nor does the second one import mail older than the horizon")
        self.assertEqual([f.action for f in second.folders if f.name == "Archive"], ["unchanged"])
        self.assertEqual(archive.last_uid, 3)

    def test_old_mail_above_the_last_recent_message_stays_out_and_new_mail_comes_in(self):
        mailbox = self.synced_mailbox(sync_horizon_days=365)
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="recent")], msg_time=self.last_week)
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="old")], msg_time=self.two_years_ago)
        self.sync(mailbox)
        self.sync(mailbox)
        self.assertEqual(self.messages(mailbox).mapped("subject"), ["recent"])
        # After the first sync, everything new is taken, whatever its date (a user filing old mail here).
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="filed later")], msg_time=self.two_years_ago)
        self.sync(mailbox)
        self.assertEqual(self.messages(mailbox).mapped("subject"), ["recent", "filed later"])
