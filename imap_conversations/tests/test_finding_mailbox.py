"""The mailbox form leads to its mail: a Conversations button, and a Sync now toast opening what arrived."""

from odoo.tests import tagged

from .common import make_email
from .reading_common import ReadingCase


@tagged("post_install", "-at_install")
class TestFindingMailbox(ReadingCase):
    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox(owner=self.imap_user)
        self.old = self.conversation(self.mailbox, "Before")
        self.as_owner = self.mailbox.with_user(self.imap_user)

    def test_the_smart_button_opens_the_mailboxs_conversations(self):
        other = self.conversation(self.synced_mailbox(owner=self.imap_user), "Elsewhere")
        self.assertEqual(self.as_owner.conversation_count, 1)
        action = self.as_owner.action_open_conversations()
        found = self.env["imap.conversation"].with_user(self.imap_user).search(action["domain"])
        self.assertEqual(found, self.old)
        self.assertNotIn(other, found)

    def test_sync_now_offers_the_conversations_it_brought(self):
        self.rig.append(self.mailbox.login, "INBOX", [make_email(subject="Fresh one"), make_email(subject="Fresh two")])
        action = self.as_owner.action_sync_now()
        self.assertEqual(action["tag"], "imap_conversations.notification")
        button = action["params"]["button"]
        self.assertEqual(button["label"], "Open what arrived")
        found = self.env["imap.conversation"].with_user(self.imap_user).search(button["action"]["domain"])
        self.assertEqual(sorted(found.mapped("subject")), ["Fresh one", "Fresh two"], "not what was there before")

    def test_a_sync_with_nothing_new_has_no_button(self):
        action = self.as_owner.action_sync_now()
        self.assertNotIn("button", action["params"])

    def test_test_connection_says_connected_and_keeps_capabilities_behind_details(self):
        action = self.make_mailbox(owner=self.imap_admin).action_test_connection()  # as test_connection.py
        params = action["params"]
        self.assertEqual(params["title"], "Connected")
        self.assertNotIn("IMAP4REV1", params["message"], "not forty names in the toast")
        self.assertIn("IMAP4REV1", params["details"], "an administrator unfolds them")
