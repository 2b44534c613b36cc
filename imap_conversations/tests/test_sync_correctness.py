"""Nothing lost, nothing duplicated: copies, moves, resets, killed and overlapping runs, bad mail."""

import logging
from pathlib import Path

from odoo.sql_db import db_connect
from odoo.tests import tagged

from ..engine.folder_sync import BatchLimits
from ..engine.identity import dedupe_key
from ..engine.parse import parse_message
from ..services.mailbox_run import LOCK_CLASS
from ..services.mailbox_sync import MailboxSync
from .common import SyncCase, make_email

SAMPLES = Path(__file__).parent / "samples"


class WorkerDied(BaseException):
    """Stands for the cron worker being killed between two batches (not an error anything may catch)."""


@tagged("post_install", "-at_install")
class TestSyncCorrectness(SyncCase):
    def assertEachOnce(self, mailbox, expected_count):
        messages = self.messages(mailbox)
        self.assertEqual(len(messages), expected_count)
        self.assertEqual(len(set(messages.mapped("dedupe_key"))), expected_count, "no message twice")
        self.assertTrue(all(m.state == "imported" for m in messages))

    def test_a_copy_in_another_folder_is_one_message_in_two_places(self):
        mailbox = self.synced_mailbox()
        self.folder(mailbox, "Archive").sync_enabled = True
        raw = make_email(subject="Filed away", message_id="<filed@example.com>")
        self.rig.append(mailbox.login, "INBOX", [raw])
        self.rig.append(mailbox.login, "Archive", [raw])
        report = self.sync(mailbox)
        self.assertEqual((report.counts.new, report.counts.known), (1, 1))
        self.assertEachOnce(mailbox, 1)
        self.assertEqual(set(self.messages(mailbox).location_ids.folder_id.mapped("name")), {"INBOX", "Archive"})

    def test_a_message_moved_between_synced_folders_stays_one_message(self):
        mailbox = self.synced_mailbox()
        self.folder(mailbox, "Archive").sync_enabled = True
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="Move me"), make_email(subject="Stay")])
        self.sync(mailbox)
        with self.rig.client(mailbox.login) as client:
            client.select_folder("INBOX")
            client.move([1], "Archive")
        self.sync(mailbox)
        self.assertEachOnce(mailbox, 2)
        moved = self.messages(mailbox).filtered(lambda m: m.subject == "Move me")
        self.assertEqual(moved.location_ids.folder_id.mapped("name"), ["Archive"], "the INBOX location is dropped")

    def test_uidvalidity_change_imports_only_what_is_new(self):
        mailbox = self.synced_mailbox()
        self.synced_folder(mailbox, "Projects")
        known = [make_email(subject=f"known {n}") for n in range(3)]
        without_id = (
            b"Subject: no id\r\nFrom: x@example.com\r\nDate: Mon, 2 Nov 2026 08:00:00 +0000\r\n\r\nsame body\r\n"
        )
        self.rig.append(mailbox.login, "Projects", [*known, without_id])
        self.sync(mailbox)
        before = self.folder(mailbox, "Projects").uidvalidity
        self.rig.delete_folder(mailbox.login, "Projects")
        self.rig.append(mailbox.login, "Projects", [make_email(subject="new"), without_id, *known])
        report = self.sync(mailbox)
        folder = self.folder(mailbox, "Projects")
        self.assertNotEqual(folder.uidvalidity, before)
        self.assertEqual([f.action for f in report.folders if f.name == "Projects"], ["reset"])
        self.assertEqual(report.counts.new, 1, "only the new message is new")
        self.assertEachOnce(mailbox, 5)
        self.assertEqual(len(folder.location_ids), 5)
        self.assertEqual(set(folder.location_ids.mapped("uidvalidity")), {folder.uidvalidity})

    def test_a_run_killed_after_some_batches_resumes_without_loss_or_duplicate(self):
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject=f"m{n:02}") for n in range(45)])
        commits = self.cron_commits()
        batches = []

        def die_after_two(report):
            batches.append(report.counts.new)
            if len(batches) == 2:
                raise WorkerDied

        # Not assertRaises: it opens a savepoint of its own, which a "commit" here would release.
        try:
            MailboxSync(mailbox, commit=commits, limits=BatchLimits(max_messages=10), after_batch=die_after_two).run()
        except WorkerDied:
            commits.lose_uncommitted()
        else:
            self.fail("the worker should have died after two batches")
        self.assertEqual(len(self.messages(mailbox)), 20, "two batches were committed before the worker died")
        self.assertEqual(self.folder(mailbox, "INBOX").last_uid, 20)
        report = self.sync(mailbox, limits=BatchLimits(max_messages=10))
        self.assertEqual(report.counts.new, 25)
        self.assertEachOnce(mailbox, 45)
        self.assertEqual(sorted(self.messages(mailbox).mapped("subject")), [f"m{n:02}" for n in range(45)])

    def test_a_second_run_skips_a_mailbox_already_being_synced(self):
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email()])
        with db_connect(self.env.cr.dbname).cursor() as other_worker:
            other_worker.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, mailbox.id])
            # logging.INFO, not "INFO": Odoo gives that name to its level 25.
            with self.assertLogs("odoo.addons.imap_conversations.services.mailbox_run", logging.INFO) as logs:
                report = MailboxSync(mailbox).run()
            action = mailbox.action_sync_now()
            # Closing an Odoo cursor pools its connection, session locks included: the worker unlocks.
            other_worker.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, mailbox.id])
        self.assertTrue(report.busy)
        self.assertIn("already running, skipped", logs.output[0])
        self.assertEqual(action["params"]["type"], "warning")
        self.assertFalse(self.messages(mailbox), "nothing was imported by the skipped runs")
        self.assertEqual(self.sync(mailbox).counts.new, 1, "the lock went with the other worker")

    def test_malformed_mail_never_stops_the_folder(self):
        samples = sorted(SAMPLES.glob("*.eml"))
        self.assertGreaterEqual(len(samples), 25)
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [path.read_bytes() for path in samples])
        report = self.sync(mailbox)
        self.assertEqual(report.counts.failed, 0)
        messages = self.messages(mailbox)
        self.assertEqual(report.counts.new, len(messages))
        self.assertTrue(all(m.state == "imported" for m in messages))
        distinct = {dedupe_key(p.message_id, p.content_hash) for p in map(parse_message, map(Path.read_bytes, samples))}
        self.assertEqual(len(messages), len(distinct), "every distinct sample is one message")
        defective = messages.filtered("defects")
        self.assertGreaterEqual(len(defective), 5, "defects are recorded")
        self.assertTrue(all(m.conversation_id for m in messages))
