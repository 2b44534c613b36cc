"""What the sync keeps about a mailbox, its folders and its mail is not the owner's to write over RPC.

The form shows these fields read-only; RPC does not care. The services write them as superuser
after their own checks, so the owner's buttons keep working.
"""

from odoo.exceptions import AccessError
from odoo.fields import Datetime
from odoo.tests import tagged

from .common import SyncCase, make_email


@tagged("post_install", "-at_install")
class TestAccessBookkeeping(SyncCase):
    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox(owner=self.imap_user)
        self.rig.append(self.mailbox.login, "INBOX", [make_email(subject="Hello")])
        self.sync(self.mailbox)
        self.mine = self.mailbox.with_user(self.imap_user)

    def test_the_owner_cannot_write_the_mailbox_bookkeeping(self):
        now = Datetime.now()
        for values in (
            {"state": "active"},
            {"sync_due_date": now},
            {"oauth_account": "ceo@example.com"},
            {"last_sync_date": now},
            {"last_run_date": False},
            {"last_error": False},
            {"last_error_kind": False},
            {"last_error_date": now},
            {"consecutive_failures": 0},
            {"auth_failure_notified": True},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                self.mine.write(values)
        with self.assertRaises(AccessError):
            self.env["imap.mailbox"].with_user(self.imap_user).create(
                {
                    "name": "Mine",
                    "host": self.rig.host,
                    "login": "x",
                    "state": "active",
                    "sync_due_date": now,
                    "user_id": self.imap_user.id,
                }
            )
        self.mine.write({"name": "Renamed", "sync_interval_minutes": 5})  # settings stay the owner's
        self.mailbox.with_user(self.imap_admin).write({"state": "draft", "consecutive_failures": 0})

    def test_the_owner_cannot_write_folder_watermarks_nor_message_bookkeeping(self):
        inbox = self.folder(self.mailbox, "INBOX").with_user(self.imap_user)
        for values in (
            {"uidvalidity": 1},
            {"last_uid": 0},
            {"highestmodseq": 1},
            {"uidnext": 1},
            {"initial_sync_done": False},
            {"server_message_count": 0},
            {"state": "missing"},
            {"last_sync_date": False},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                inbox.write(values)
        message = self.messages(self.mailbox).with_user(self.imap_user)
        conversation = message.conversation_id
        for records, values in (
            (message, {"state": "failed"}),
            (message.location_ids, {"uid": 99}),
            (conversation, {"last_incoming_message_id": 0}),
            (conversation, {"participant_emails": "ceo@example.com"}),
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                records.write(values)

    def test_the_owner_still_syncs_tests_and_fetches_and_a_failure_is_recorded_then_cleared(self):
        self.rig.append(self.mailbox.login, "INBOX", [make_email(subject="Second")])
        self.mine.action_sync_now()
        self.assertEqual(len(self.messages(self.mailbox)), 2)
        self.assertEqual(self.mailbox.state, "active")
        self.mine.action_fetch_folders()
        self.assertEqual(self.mine.action_test_connection()["params"]["type"], "success")
        self.mine.write({"password": "wrong"})
        self.mine.action_sync_now()
        self.assertEqual((self.mailbox.state, self.mailbox.consecutive_failures), ("auth_failed", 1))
        self.assertTrue(self.mailbox.auth_failure_notified)
        self.mine.write({"password": self.rig.password})  # new settings: a new chance
        self.assertEqual((self.mailbox.state, self.mailbox.last_error), ("draft", False))
        self.mine.action_sync_now()
        self.assertEqual(self.mailbox.state, "active")
