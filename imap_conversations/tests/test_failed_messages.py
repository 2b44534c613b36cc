from odoo.tests import tagged

from .common import PoisonedStorage, SyncCase, make_email


@tagged("post_install", "-at_install")
class TestFailedMessages(SyncCase):
    def test_a_message_whose_storage_raises_is_kept_as_failed_and_the_rest_goes_in(self):
        mailbox = self.synced_mailbox()
        poison = make_email(subject="poison", message_id="<poison@example.com>")
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="before"), poison, make_email(subject="after")])
        with PoisonedStorage(self.env.cr):
            report = self.sync(mailbox)
        self.assertEqual((report.counts.new, report.counts.failed), (2, 1))
        self.assertEqual(sorted(self.messages(mailbox, state="imported").mapped("subject")), ["after", "before"])
        failed = self.messages(mailbox, state="failed")
        self.assertEqual(failed.subject, "poison")
        self.assertIn("storage refused this message", failed.error_message)
        self.assertIn("Traceback", failed.error_details)
        self.assertEqual(failed.attempt_count, 1)
        self.assertEqual(failed._raw_bytes(), poison.replace(b"\n", b"\r\n"), "its source, as the server sent it")
        self.assertEqual(failed.location_ids.folder_id.name, "INBOX")
        self.assertEqual(self.folder(mailbox, "INBOX").last_uid, 3, "the folder moves on past it")
        self.assertEqual(mailbox.failed_message_count, 1)
        self.assertEqual(self.sync(mailbox).counts.new, 0, "it is not fetched again by the next sync")

    def test_retry_counts_attempts_and_succeeds_once_the_problem_is_fixed(self):
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="poison", message_id="<p@x>")])
        with PoisonedStorage(self.env.cr) as poisoned:
            self.sync(mailbox)
            failed = self.messages(mailbox, state="failed")
            action = failed.action_retry()
            self.assertEqual(action["params"]["type"], "warning")
            self.assertEqual(failed.attempt_count, 2, "still failing: one more attempt recorded")
            poisoned.lift()
            action = failed.action_retry()
        self.assertEqual(action["params"]["type"], "success")
        self.assertFalse(failed.exists(), "the failed record gives way to the message")
        message = self.messages(mailbox)
        self.assertEqual((message.subject, message.state, message.message_id), ("poison", "imported", "<p@x>"))
        self.assertTrue(message.conversation_id)
        self.assertEqual(message.location_ids.folder_id.name, "INBOX", "its placement is kept")
        self.assertEqual(mailbox.failed_message_count, 0)

    def test_failed_messages_are_listed_per_mailbox_with_a_retry_button(self):
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="poison")])
        with PoisonedStorage(self.env.cr):
            self.sync(mailbox)
        action = mailbox.action_open_failed_messages()
        self.assertEqual(self.env["imap.message"].search(action["domain"]).subject, "poison")
        view = self.env["imap.message"].get_view(action["views"][0][0], "list")
        self.assertIn('name="action_retry"', view["arch"])

    def test_quarantine_moves_a_failed_message_on_the_server_into_its_own_folder(self):
        mailbox = self.synced_mailbox(quarantine_enabled=True, quarantine_folder="Failed imports")
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="poison"), make_email(subject="fine")])
        with PoisonedStorage(self.env.cr):
            # Moved on the server only once the failed record is committed, as the cron does.
            report = self.sync(mailbox, commit=self.cron_commits())
        self.assertEqual(report.folders[0].quarantined, 1)
        self.assertEqual(self.rig.subjects(mailbox.login, "INBOX"), ["fine"])
        self.assertEqual(self.rig.subjects(mailbox.login, "Failed imports"), ["poison"], "created when missing")
        failed = self.messages(mailbox, state="failed")
        self.assertEqual(failed.quarantine_origin, "INBOX")
        self.assertFalse(failed.location_ids, "its INBOX UID is no longer valid")
        self.assertEqual(self.sync(mailbox).counts.new, 0, "the quarantine folder itself is not synced")
        # Once the problem is gone, recovery stores it and puts it back where it was.
        self.env["imap.mailbox"]._cron_recover_mailboxes()
        self.assertEqual(self.messages(mailbox, state="failed"), self.env["imap.message"])
        self.assertEqual(sorted(self.rig.subjects(mailbox.login, "INBOX")), ["fine", "poison"])
        self.assertEqual(self.rig.subjects(mailbox.login, "Failed imports"), [])
        self.assertEqual(len(self.messages(mailbox)), 2)

    def test_without_commits_nothing_is_moved_away_that_a_rollback_would_lose(self):
        mailbox = self.synced_mailbox(quarantine_enabled=True)
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="poison")])
        with PoisonedStorage(self.env.cr):
            report = self.sync(mailbox)  # Sync now: one transaction, committed at the very end
        self.assertEqual(report.folders[0].quarantined, 0)
        self.assertEqual(self.rig.subjects(mailbox.login, "INBOX"), ["poison"])
        self.assertEqual(self.messages(mailbox, state="failed").subject, "poison")

    def test_quarantine_is_off_by_default(self):
        mailbox = self.synced_mailbox()
        self.assertFalse(mailbox.quarantine_enabled)
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="poison")])
        with PoisonedStorage(self.env.cr):
            self.sync(mailbox)
        self.assertEqual(self.rig.subjects(mailbox.login, "INBOX"), ["poison"], "left where it was")
