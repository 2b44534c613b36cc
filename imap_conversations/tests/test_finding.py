"""Finding a conversation: the list says who wrote and what, and the search box reads the mail."""

from lxml import etree

from odoo.tests import new_test_user, tagged

from .common import make_email
from .reading_common import ReadingCase


@tagged("post_install", "-at_install")
class TestFindingList(ReadingCase):
    def setUp(self):
        super().setUp()
        self.mine = self.synced_mailbox(owner=self.imap_user)

    def test_the_correspondent_comes_from_the_mail_without_a_contact(self):
        conversation = self.conversation(self.mine, "Quote", sender='"Dana Stranger" <Dana@Nowhere.test>')
        self.assertFalse(conversation.partner_ids, "nobody has that address as a contact")
        self.assertEqual(conversation.correspondent_name, "Dana Stranger")
        self.assertEqual(conversation.correspondent_email, "dana@nowhere.test")

    def test_after_our_reply_the_correspondent_is_its_first_recipient(self):
        incoming = make_email(
            subject="Order", sender="dana@nowhere.test", message_id="<o1@nowhere.test>", body="Where is my order?"
        )
        reply = make_email(
            subject="Re: Order",
            sender="me@example.com",
            to='"Eve Buyer" <eve@buyer.test>, dana@nowhere.test',
            In_Reply_To="<o1@nowhere.test>",
            References="<o1@nowhere.test>",
            body="Shipped today.\n\n-- \nSales team",
        )
        conversation = self.deliver(self.mine, incoming)
        self.rig.append(self.mine.login, "Sent", [reply])
        self.sync(self.mine)
        self.assertEqual(conversation.message_count, 2)
        self.assertEqual(
            (conversation.correspondent_name, conversation.correspondent_email), ("Eve Buyer", "eve@buyer.test")
        )
        self.assertEqual(conversation.preview, "Shipped today.", "the signature is not the message")

    def test_the_preview_is_one_line_of_the_last_message_without_the_quote(self):
        body = "Thanks,\n\nthe  discount applies   from Monday.\n\nOn Mon, Bob wrote:\n> Any discount?\n"
        conversation = self.conversation(self.mine, "Discount", body=body)
        self.assertEqual(conversation.preview, "Thanks, the discount applies from Monday.")


@tagged("post_install", "-at_install")
class TestFindingSearch(ReadingCase):
    def setUp(self):
        super().setUp()
        self.mine = self.synced_mailbox(owner=self.imap_user)
        self.theirs = self.synced_mailbox(owner=self.other_user)
        self.offer = self.conversation(
            self.mine,
            "Spring offer",
            sender="Frank <frank@supplier.test>",
            body="We can give you a 15% discount on the next order.",
        )
        self.invoice = self.conversation(self.mine, "Invoice 42", sender="billing@vendor.test", body="Attached.")
        self.private = self.conversation(
            self.theirs, "Private offer", sender="frank@supplier.test", body="A discount only for you."
        )
        self.all = self.offer | self.invoice | self.private

    def found(self, text, user=None):
        conversations = self.env["imap.conversation"].with_user(user or self.imap_user)
        return conversations.search([("id", "in", self.all.ids), ("search_text", "ilike", text)])

    def action_help(self, user):
        """The action's help as /web/action/load gives it to *user*: read as superuser, for that user."""
        action = self.env.ref("imap_conversations.imap_conversation_action")
        return str(action.with_user(user).sudo()._get_action_dict()["help"])

    def test_a_word_of_a_body_finds_its_conversation(self):
        self.assertEqual(self.found("discount"), self.offer)
        self.assertEqual(self.found("DISCOUNT"), self.offer, "case does not matter")
        self.assertEqual(self.found("disc"), self.offer, "a part of a word is enough")
        self.assertEqual(self.found("15% discount"), self.offer, "every word, % taken literally")
        self.assertFalse(self.found("discount invoice"), "every word must be there")

    def test_subject_and_addresses_are_searched(self):
        self.assertEqual(self.found("invoice 42"), self.invoice)
        self.assertEqual(self.found("billing@vendor"), self.invoice)
        self.assertEqual(self.found("Frank"), self.offer)

    def test_users_find_only_the_conversations_of_mailboxes_they_may_read(self):
        self.assertEqual(self.found("discount", self.other_user), self.private)
        self.assertEqual(self.found("discount", self.imap_admin), self.offer | self.private)

    def test_the_search_box_searches_the_text_first(self):
        arch = etree.fromstring(self.env["imap.conversation"].get_view(view_type="search")["arch"])
        self.assertEqual(arch.find(".//field").get("name"), "search_text", "what Enter searches by")

    def test_an_empty_search_says_so_rather_than_connect_a_mailbox(self):
        help_text = self.action_help(self.imap_user)
        self.assertIn("No conversation matches your search", help_text)
        self.assertNotIn("Connect a mailbox", help_text)

    def test_before_any_mail_the_help_says_to_connect_a_mailbox(self):
        newcomer = new_test_user(self.env, "newcomer", groups="base.group_user,imap_conversations.group_user")
        self.assertIn("Connect a mailbox", self.action_help(newcomer), "though others have conversations")
