"""Find older mail on the server: whose mailboxes it searches, what RPC cannot make it do, and large imports."""

import time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..services.older_mail import IMMEDIATE_LIMIT, JobRun
from .common import bus_notifications, make_email
from .older_mail_common import OlderMailCase


@tagged("post_install", "-at_install")
class TestOlderMailAccess(OlderMailCase):
    def setUp(self):
        super().setUp()
        self.own = self.synced_mailbox(sync_horizon_days=365)
        self.shared = self.synced_mailbox(user_id=False, sync_horizon_days=365)
        self.colleagues = self.synced_mailbox(owner=self.other_user, sync_horizon_days=365)
        for mailbox, count in ((self.own, 1), (self.shared, 2), (self.colleagues, 3)):
            self.old_mail(mailbox, "INBOX", *[f"{mailbox.name} old {n}" for n in range(count)])
            self.sync(mailbox)

    def test_own_and_shared_mailboxes_are_searched_never_a_colleagues(self):
        for user in (self.imap_user, self.imap_admin):
            wizard = self.find(self.carla, user)
            found = self.found(wizard)
            self.assertNotIn(self.colleagues.name, {name for name, _folder in found}, f"not for {user.name} either")
        wizard = self.find(self.carla)
        self.assertEqual(self.found(wizard), {(self.own.name, "INBOX"): 1, (self.shared.name, "INBOX"): 2})
        self.assertIn(f"<b>{self.shared.name}</b>: 2 messages", wizard.summary)
        self.assertIn(f"<b>{self.own.name}</b>: 1 message<", wizard.summary)
        self.assertIn(
            "INBOX",
            wizard.line_ids.mapped("folder_name"),
            "the list names folders without their mailbox, which has a column of its own",
        )
        wizard.action_import()
        self.assertEqual((len(self.messages(self.own)), len(self.messages(self.shared))), (1, 2))
        self.assertFalse(self.messages(self.colleagues))
        self.shared.member_ids = self.imap_admin
        self.assertEqual(self.found(self.find(self.carla)), {}, "a shared mailbox shared with others no more")

    def test_what_was_found_and_the_imports_cannot_be_made_up_over_rpc(self):
        wizard = self.find(self.carla)
        colleagues_inbox = self.folder(self.colleagues, "INBOX")
        Line = self.env["imap.older.mail.wizard.line"].with_user(self.imap_user)
        with self.assertRaises(AccessError):
            Line.create(
                {
                    "wizard_id": wizard.id,
                    "mailbox_id": self.colleagues.id,
                    "folder_id": colleagues_inbox.id,
                    "count": 3,
                    "uidvalidity": colleagues_inbox.uidvalidity,
                    "uids": "1:3",
                }
            )
        with self.assertRaises(AccessError):
            wizard.line_ids[:1].write({"mailbox_id": self.colleagues.id, "folder_id": colleagues_inbox.id})
        with self.assertRaises(AccessError):
            self.env["imap.older.mail.job"].with_user(self.imap_user).create(
                {
                    "name": "x",
                    "user_id": self.imap_user.id,
                    "mailbox_id": self.colleagues.id,
                    "total": 3,
                    "pending": [
                        {"folder_id": colleagues_inbox.id, "uidvalidity": colleagues_inbox.uidvalidity, "uids": "1:3"}
                    ],
                }
            )
        # Had a line for a colleague's mailbox got in anyway, the import checks every mailbox itself.
        self.env["imap.older.mail.wizard.line"].create(
            {
                "wizard_id": wizard.id,
                "mailbox_id": self.colleagues.id,
                "folder_id": colleagues_inbox.id,
                "count": 3,
                "uidvalidity": colleagues_inbox.uidvalidity,
                "uids": "1:3",
            }
        )
        with self.assertRaises(AccessError):
            wizard.action_import()
        self.assertFalse(self.messages(self.colleagues))
        self.assertFalse(
            self.env["imap.older.mail.wizard"].with_user(self.other_user).search([("id", "=", wizard.id)]),
            "a search is its author's alone",
        )

    def test_a_job_is_seen_and_retried_by_its_requester_only(self):
        wizard = self.find(self.carla)
        self.own.sudo().password = "wrong"
        wizard.action_import()
        job = wizard.job_ids.filtered(lambda j: j.mailbox_id == self.own)
        self.assertEqual(job.state, "failed")
        self.assertFalse(self.env["imap.older.mail.job"].with_user(self.other_user).search([("id", "=", job.id)]))
        with self.assertRaises(AccessError):
            job.with_user(self.other_user).action_retry()
        self.assertEqual(job.state, "failed")

    def test_a_large_import_runs_in_the_background_a_batch_at_a_time_with_its_progress(self):
        count = IMMEDIATE_LIMIT + 5
        big = self.synced_mailbox(sync_horizon_days=365)
        self.old_mail(big, "INBOX", *[f"bulk {n}" for n in range(count)])
        self.sync(big)
        wizard = self.find(self.carla)
        self.assertEqual(self.found(wizard)[(big.name, "INBOX")], count)
        cron = self.env.ref("imap_conversations.ir_cron_older_mail_jobs")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        result = wizard.action_import()
        self.assertEqual(result["params"]["type"], "info")
        self.assertIn(f"{count + 3} messages are being imported in the background", result["params"]["message"])
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            triggers + 1,
            "the cron is triggered at once",
        )
        job = wizard.job_ids.filtered(lambda j: j.mailbox_id == big)
        self.assertEqual((job.state, job.done_count, job.total), ("queued", 0, count))
        self.assertFalse(self.messages(big), "nothing imported in the request")

        # A cron pass whose time is up after its first batch: that batch is in, and the progress says so.
        JobRun(job.sudo(), commit=self.cron_commits(), deadline=time.monotonic()).run()
        self.assertEqual((job.state, job.done_count), ("running", 200))
        self.assertEqual(job.with_user(self.imap_user).progress, 100.0 * 200 / count)
        self.assertEqual(len(self.messages(big)), 200)

        cron.method_direct_trigger()
        self.assertEqual((job.state, job.done_count, job.imported_count), ("done", count, count))
        self.assertEqual(len(self.messages(big)), count)
        self.assertEqual(wizard.job_ids.mapped("state"), ["done"] * 3, "the small ones too")
        told = [n["message"] for n in bus_notifications(self.env, self.imap_user) if big.name in n["message"]]
        self.assertTrue(told and f"{count} imported" in told[-1], "its requester is told")
        self.rig.append(big.login, "INBOX", [make_email(subject="newer", sender="carla@customer.example")])
        self.assertEqual(self.sync(big).counts.new, 1)
        self.assertEqual(self.find(self.carla).total, 0)
