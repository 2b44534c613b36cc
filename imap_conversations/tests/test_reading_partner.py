from odoo.tests import Form, new_test_user, tagged

from .common import make_email
from .reading_common import ReadingCase


@tagged("post_install", "-at_install")
class TestPartnerConversations(ReadingCase):
    def setUp(self):
        super().setUp()
        self.acme = self.env["res.partner"].create({"name": "ACME", "is_company": True})
        self.alice = self.env["res.partner"].create(
            {
                "name": "Alice",
                "email": "Alice@Example.com",
                "parent_id": self.acme.id,
            }
        )
        self.mailbox = self.shared_mailbox()
        self.from_alice = self.conversation(self.mailbox, "Order", sender="Alice <alice@example.com>")
        self.to_alice = (
            self.deliver(
                self.mailbox,
                make_email(
                    subject="Invoice",
                    sender=self.mailbox.login,
                    to="alice@example.com",
                ),
                folder="Sent",
            )
            - self.from_alice
        )
        self.unrelated = self.conversation(self.mailbox, "Newsletter", sender="news@elsewhere.test")

    def partner(self, partner, user=None):
        return self.as_user(partner, user or self.imap_user)

    def test_the_smart_button_counts_conversations_and_unread_ones(self):
        alice = self.partner(self.alice)
        self.assertEqual(alice.imap_conversation_ids, self.from_alice | self.to_alice)
        self.assertEqual(
            (alice.imap_conversation_count, alice.imap_conversation_unread_count),
            (2, 1),
            "what Alice sent is unread; what we sent her never is",
        )
        self.open_form(self.from_alice, self.imap_user)
        alice = self.partner(self.alice)
        self.assertEqual((alice.imap_conversation_count, alice.imap_conversation_unread_count), (2, 0))
        other = self.partner(self.alice, self.other_user)
        self.assertEqual(other.imap_conversation_unread_count, 1, "unread counts are per user")

    def test_the_button_opens_exactly_those_conversations(self):
        action = self.partner(self.alice).action_open_imap_conversations()
        self.assertEqual((action["res_model"], action["view_mode"]), ("imap.conversation", "list,kanban,form"))
        found = self.env["imap.conversation"].with_user(self.imap_user).search(action["domain"])
        self.assertEqual(found, self.from_alice | self.to_alice)

    def test_a_company_sees_its_peoples_conversations_and_manual_links(self):
        acme = self.partner(self.acme)
        self.assertEqual(acme.imap_conversation_ids, self.from_alice | self.to_alice)
        self.env["imap.conversation.link"].with_user(self.imap_user)._link(self.unrelated, self.acme)
        self.assertEqual(self.partner(self.acme).imap_conversation_count, 3)
        self.assertEqual(self.partner(self.alice).imap_conversation_count, 2, "a link to the company is not hers")

    def test_a_contact_created_after_the_mail_finds_it_by_address(self):
        self.assertFalse(self.unrelated.partner_ids)
        news = self.env["res.partner"].create({"name": "News", "email": "NEWS@elsewhere.test"})
        self.assertEqual(self.partner(news).imap_conversation_ids, self.unrelated)
        self.assertEqual(self.partner(news).imap_conversation_count, 1)

    def test_the_contact_form_shows_the_button_and_the_tab(self):
        form = Form(self.alice.with_user(self.imap_user))
        self.assertEqual(form.imap_conversation_count, 2)
        self.assertEqual(form.imap_conversation_unread_count, 1)
        self.assertEqual(len(form.imap_conversation_ids), 2)
        arch = (
            self.env["res.partner"]
            .with_user(self.imap_user)
            .get_view(self.env.ref("base.view_partner_form").id)["arch"]
        )
        self.assertIn('name="action_open_imap_conversations"', arch)
        self.assertIn('name="imap_conversations"', arch)

    def test_users_without_imap_rights_see_no_conversations(self):
        salesman = new_test_user(self.env, "no_imap", groups="base.group_user")
        alice = self.partner(self.alice, salesman)
        self.assertEqual((alice.imap_conversation_count, alice.imap_conversation_unread_count), (0, 0))
        self.assertFalse(alice.imap_conversation_ids)
        arch = self.env["res.partner"].with_user(salesman).get_view(self.env.ref("base.view_partner_form").id)["arch"]
        self.assertNotIn("action_open_imap_conversations", arch)
        Form(self.alice.with_user(salesman))  # the contact form still opens

    def test_merging_contacts_keeps_their_links(self):
        duplicate = self.env["res.partner"].create({"name": "ACME (duplicate)", "is_company": True})
        links = self.env["imap.conversation.link"]
        links._link(self.unrelated, duplicate)
        links._link(self.unrelated | self.from_alice, self.acme)
        self.env["base.partner.merge.automatic.wizard"]._merge(
            (self.acme | duplicate).ids, self.acme, extra_checks=False
        )
        self.assertFalse(duplicate.exists())
        kept = links.search([("res_model", "=", "res.partner"), ("res_id", "=", self.acme.id)])
        self.assertEqual(kept.conversation_id, self.unrelated | self.from_alice, "moved, and not doubled")
