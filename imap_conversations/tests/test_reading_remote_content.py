"""Remote content stays off until the reader asks: for one message, or always for one sender.

Loading a remote image tells the sender when and from where the mail was read, so a body is
shown without any address that loads from the Internet; inline (cid:) images keep working.
Each choice is the reader's own, recorded by the server for the current user only.
"""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .content_common import HOSTILE_SAMPLES, ContentCase, remote_addresses_in


@tagged("post_install", "-at_install")
class TestRemoteContent(ContentCase):
    def setUp(self):
        super().setUp()
        self.mailbox = self.shared_mailbox()
        self.tracking = self.hostile_message(self.mailbox, "tracking")
        self.conversation = self.tracking.conversation_id

    def shown_to(self, user, message=None):
        message = message or self.tracking
        return self.as_user(message, user)

    def test_nothing_remote_loads_until_the_reader_asks(self):
        thread = str(self.as_user(self.conversation, self.imap_user).thread_html)
        self.assertEqual(remote_addresses_in(thread), [])
        message = self.shown_to(self.imap_user)
        self.assertEqual(remote_addresses_in(message.body_html), [])
        self.assertIn(
            f'src="/web/image/{message.attachment_ids.id}"',
            str(message.body_html),
            "the inline image is part of the message, not remote",
        )
        self.assertTrue(message.has_remote_content)
        self.assertFalse(message.remote_content_shown)
        self.assertIn("Remote content is hidden to protect your privacy.", thread)
        self.assertIn('data-action="action_show_remote_content"', thread)
        self.assertIn("Always show from news@shop.example", thread)

    def test_show_remote_content_of_one_message_for_the_reader_alone(self):
        other_message = self.hostile_message(self.mailbox, "relative_urls")
        self.shown_to(self.imap_user).action_show_remote_content()

        message = self.shown_to(self.imap_user)
        self.assertTrue(message.remote_content_shown)
        remote = remote_addresses_in(message.body_html)
        self.assertIn(("img", "src", "https://shop.example/open.gif?u=bob"), remote)
        self.assertIn(("video", "src", "https://shop.example/clip.mp4"), remote)
        self.assertIn(("td", "style", 'background-image:url("https://shop.example/cell-css.png"); color:#333'), remote)
        thread = str(self.as_user(self.conversation, self.imap_user).thread_html)
        self.assertIn("https://shop.example/open.gif", thread)
        self.assertIn("Remote content is shown, as you chose.", thread)

        self.assertEqual(
            remote_addresses_in(self.shown_to(self.other_user).body_html),
            [],
            "another reader of the shared mailbox still sees none",
        )
        self.assertEqual(remote_addresses_in(self.shown_to(self.imap_user, other_message).body_html), [])

    def test_always_show_from_a_sender(self):
        self.shown_to(self.imap_user).action_always_show_remote_content()
        source = (HOSTILE_SAMPLES / "tracking.eml").read_bytes()
        self.deliver(self.mailbox, source.replace(b"hostile-tracking@", b"second@"))
        second = self.messages(self.mailbox).filtered(lambda m: m.message_id == "<second@shop.example>")
        self.assertTrue(
            self.shown_to(self.imap_user, second).remote_content_shown,
            "the sender's next mail shows its images to this reader",
        )
        self.assertFalse(self.shown_to(self.other_user, second).remote_content_shown)
        choice = self.env["imap.remote.content.choice"].search([("user_id", "=", self.imap_user.id)])
        self.assertEqual(choice.mapped("sender_email"), ["news@shop.example"])

        self.shown_to(self.imap_user, second).action_block_remote_content()
        self.assertFalse(self.shown_to(self.imap_user, second).remote_content_shown, "hidden again")
        self.assertFalse(self.shown_to(self.imap_user).remote_content_shown)

    def test_a_reader_changes_only_their_own_choices(self):
        self.shown_to(self.imap_user).action_always_show_remote_content()
        Choice = self.env["imap.remote.content.choice"]
        with self.assertRaises(AccessError):
            Choice.with_user(self.other_user).create({"user_id": self.imap_user.id, "sender_email": "x@evil.example"})
        with self.assertRaises(AccessError):
            Choice.with_user(self.other_user).create({"user_id": self.other_user.id, "message_id": self.tracking.id})
        mine = Choice.search([("user_id", "=", self.imap_user.id)])
        with self.assertRaises(AccessError):
            mine.with_user(self.other_user).unlink()
        with self.assertRaises(AccessError):
            mine.with_user(self.imap_user).write({"sender_email": "other@shop.example"})
        self.assertFalse(Choice.with_user(self.other_user).search([]), "nobody reads another reader's choices")

        # The actions act for the caller alone, and only on messages the caller may read.
        self.shown_to(self.other_user).action_block_remote_content()
        self.assertTrue(self.shown_to(self.imap_user).remote_content_shown, "other_user's action left ours")
        private = self.synced_mailbox(owner=self.imap_admin)
        private_message = self.hostile_message(private, "tracking")
        with self.assertRaises(AccessError):
            private_message.with_user(self.other_user).action_show_remote_content()
