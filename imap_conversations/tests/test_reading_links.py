from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .reading_common import ReadingCase


@tagged("post_install", "-at_install")
class TestLinks(ReadingCase):
    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox(owner=self.imap_user)
        self.conversation = self.conversation(self.mailbox, "Framework agreement")
        self.acme = self.env["res.partner"].create({"name": "ACME Corp", "is_company": True})
        self.wile = self.env["res.partner"].create({"name": "Wile E. Coyote"})

    def link_with_wizard(self, conversations, record, user):
        wizard = Form(
            self.env["imap.conversation.link.wizard"]
            .with_user(user)
            .with_context(active_model="imap.conversation", active_ids=conversations.ids)
        )
        wizard.record_ref = f"{record._name},{record.id}"
        wizard.save().action_link()

    def links(self, conversation=None):
        return self.env["imap.conversation.link"].search(
            [("conversation_id", "=", (conversation or self.conversation).id)]
        )

    def test_a_conversation_is_linked_to_several_records_at_once(self):
        self.link_with_wizard(self.conversation, self.acme, self.imap_user)
        self.link_with_wizard(self.conversation, self.wile, self.imap_user)
        self.link_with_wizard(self.conversation, self.acme, self.imap_user)
        links = self.links()
        self.assertEqual(len(links), 2, "linking twice keeps one link")
        self.assertEqual(
            {(link.res_model, link.res_id, link.res_name) for link in links},
            {("res.partner", self.acme.id, "ACME Corp"), ("res.partner", self.wile.id, "Wile E. Coyote")},
        )
        self.assertEqual(links[0].record_ref, self.acme)
        self.assertEqual(links[0].model_description, "Contact")
        self.assertEqual(self.acme.with_user(self.imap_user).imap_conversation_ids, self.conversation)
        self.assertEqual(self.wile.with_user(self.imap_user).imap_conversation_count, 1)
        action = links[0].action_open_record()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", self.acme.id))

    def test_the_form_button_opens_the_wizard_for_this_conversation(self):
        action = self.conversation.with_user(self.imap_user).action_open_link_wizard()
        wizard = Form(self.env[action["res_model"]].with_user(self.imap_user).with_context(**action["context"]))
        wizard.record_ref = f"res.partner,{self.wile.id}"
        wizard.save().action_link()
        self.assertEqual(self.links().res_id, self.wile.id)

    def test_links_are_removed_from_the_conversation_and_with_their_record(self):
        model = self.env["imap.conversation.link"].with_user(self.imap_user)
        model._link(self.conversation, self.acme | self.wile)
        with Form(self.conversation.with_user(self.imap_user)) as form:
            form.link_ids.remove(index=0)
        self.assertEqual(self.links().res_id, self.wile.id)
        self.wile.unlink()
        self.assertFalse(self.links(), "deleting the record deletes its links")

    def test_only_records_showing_conversations_can_be_linked(self):
        linkable = dict(self.env["imap.conversation.link"]._selection_target_model())
        self.assertIn("res.partner", linkable)
        self.assertNotIn("imap.mailbox", linkable, "a mail.thread without the mixin shows no conversations")
        self.assertNotIn("res.users", linkable, "users only delegate to their contact, which is linkable")
        with self.assertRaises(UserError):
            self.env["imap.conversation.link"].create(
                {
                    "conversation_id": self.conversation.id,
                    "res_model": "imap.mailbox",
                    "res_id": self.mailbox.id,
                }
            )

    def test_a_user_of_another_mailbox_can_neither_see_nor_link(self):
        self.env["imap.conversation.link"]._link(self.conversation, self.acme)
        as_other = self.conversation.with_user(self.other_user)
        with self.assertRaises(AccessError):
            as_other.read(["subject"])
        with self.assertRaises(AccessError):
            self.env["imap.conversation.link"].with_user(self.other_user).create(
                {
                    "conversation_id": self.conversation.id,
                    "res_model": "res.partner",
                    "res_id": self.wile.id,
                }
            )
        wizard = (
            self.env["imap.conversation.link.wizard"]
            .with_user(self.other_user)
            .create(
                {
                    "conversation_ids": [Command.set(self.conversation.ids)],
                    "record_ref": f"res.partner,{self.wile.id}",
                }
            )
        )
        with self.assertRaises(AccessError):
            wizard.action_link()
        self.assertEqual(self.links().mapped("res_id"), [self.acme.id])
        self.assertFalse(
            self.env["imap.conversation.link"].with_user(self.other_user).search([]),
            "nor see the links of conversations they cannot see",
        )
        self.assertFalse(self.acme.with_user(self.other_user).imap_conversation_ids)
        self.assertEqual(self.acme.with_user(self.imap_user).imap_conversation_ids, self.conversation)

    def test_nobody_links_to_a_record_they_cannot_read(self):
        company = self.env["res.company"].create({"name": "Other Company"})
        hidden = self.env["res.partner"].create({"name": "Hidden", "company_id": company.id})
        with self.assertRaises(AccessError):
            self.env["imap.conversation.link"].with_user(self.imap_user)._link(self.conversation, hidden)
