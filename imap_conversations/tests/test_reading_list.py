from lxml import etree

from odoo.tests import tagged

from .common import make_email
from .reading_common import ReadingCase


@tagged("post_install", "-at_install")
class TestConversationList(ReadingCase):
    def setUp(self):
        super().setUp()
        self.alice = self.env["res.partner"].create({"name": "Alice Lovelace", "email": "alice@example.com"})
        self.mine = self.synced_mailbox(owner=self.imap_user)
        self.theirs = self.synced_mailbox(owner=self.other_user)
        self.shared = self.shared_mailbox()
        self.from_alice = self.conversation(self.mine, "From Alice", sender="Alice <alice@example.com>")
        self.read_one = (
            self.deliver(self.mine, make_email(subject="Already read", sender="bob@elsewhere.test"), seen=True)
            - self.from_alice
        )
        self.support = self.conversation(self.shared, "Support", sender="Alice <alice@example.com>")
        self.private = self.conversation(self.theirs, "Not yours", sender="carol@elsewhere.test")
        self.all = self.from_alice | self.read_one | self.support | self.private

    def found(self, user, domain):
        return self.env["imap.conversation"].with_user(user).search([("id", "in", self.all.ids), *domain])

    def test_users_list_the_conversations_of_their_own_and_shared_mailboxes(self):
        self.assertEqual(self.found(self.imap_user, []), self.from_alice | self.read_one | self.support)
        self.assertEqual(self.found(self.other_user, []), self.private | self.support)
        self.assertEqual(self.found(self.imap_admin, []), self.all)

    def test_the_search_view_filters(self):
        def by_filter(name, user=self.imap_user):
            return self.search_filter(name, user) & self.all

        self.assertEqual(
            by_filter("unread"),
            self.from_alice | self.support,
            "read on the server in my own mailbox; nobody's reading counts on a shared one",
        )
        self.assertEqual(by_filter("mine"), self.from_alice | self.read_one)
        self.assertEqual(by_filter("mine", self.other_user), self.private)
        self.assertEqual(by_filter("shared"), self.support)
        self.assertEqual(by_filter("with_contacts"), self.from_alice | self.support)
        self.assertFalse(by_filter("linked"))
        self.env["imap.conversation.link"].with_user(self.imap_user)._link(self.read_one, self.alice)
        self.assertEqual(by_filter("linked"), self.read_one)

    def test_searching_by_mailbox_participant_and_linked_record(self):
        user = self.imap_user
        self.assertEqual(self.found(user, [("mailbox_id", "=", self.shared.id)]), self.support)
        self.assertEqual(self.found(user, [("partner_ids", "ilike", "Lovelace")]), self.from_alice | self.support)
        self.assertEqual(
            self.found(user, [("participant_email", "=", "alice@example.com")]), self.from_alice | self.support
        )
        self.assertFalse(self.found(user, [("participant_email", "=", "lice@example.com")]), "whole addresses only")
        bob = self.env["res.partner"].create({"name": "Bob Builder"})
        self.env["imap.conversation.link"].with_user(user)._link(self.read_one, bob)
        view = self.env.ref("imap_conversations.imap_conversation_view_search")
        node = etree.fromstring(view.arch).find(".//field[@name='link_ids']")
        self.assertEqual(node.get("filter_domain"), "[('link_ids.res_name', 'ilike', self)]")
        self.assertEqual(self.found(user, [("link_ids.res_name", "ilike", "builder")]), self.read_one)

    def test_counts_and_group_by_mailbox(self):
        first = self.support.imap_message_ids.message_id
        self.deliver(self.shared, make_email(subject="Re: Support", References=first))
        self.assertEqual(self.support.message_count, 2)
        Conversation = self.env["imap.conversation"].with_user(self.imap_user)
        rows = Conversation.web_search_read(
            [("id", "in", self.all.ids)],
            {"subject": {}, "message_count": {}, "unread_message_count": {}, "is_unread": {}, "last_message_date": {}},
        )["records"]
        counts = {row["subject"]: (row["message_count"], row["unread_message_count"], row["is_unread"]) for row in rows}
        self.assertEqual(
            counts,
            {
                "From Alice": (1, 1, True),
                "Already read": (1, 0, False),
                "Support": (2, 2, True),
            },
        )
        groups = Conversation.read_group([("id", "in", self.all.ids)], ["message_count:sum"], ["mailbox_id"])
        self.assertEqual(
            {g["mailbox_id"][0]: (g["mailbox_id_count"], g["message_count"]) for g in groups},
            {self.mine.id: (2, 2), self.shared.id: (1, 2)},
        )

    def test_unread_rows_are_bold_with_a_marker(self):
        arch = etree.fromstring(
            self.env["imap.conversation"].get_view(
                self.env.ref("imap_conversations.imap_conversation_view_list").id, "list"
            )["arch"]
        )
        self.assertEqual(arch.get("decoration-bf"), "is_unread")
        markers = {b.get("name"): b.get("invisible") for b in arch.iterfind("button")}
        self.assertEqual(markers, {"action_mark_read": "not is_unread", "action_mark_unread": "is_unread"})
        self.assertTrue(self.env.ref("imap_conversations.menu_conversations").action)
