from odoo.tests import Form, new_test_user, tagged

from odoo.addons.imap_conversations.tests.common import make_email
from odoo.addons.imap_conversations.tests.reading_common import ReadingCase


@tagged("post_install", "-at_install")
class TestLeadConversations(ReadingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = "sales_team.group_sale_salesman_all_leads,imap_conversations.group_user"
        cls.salesman = new_test_user(
            cls.env, "imap_salesman", name="Sam Seller", email="sam@example.com", groups=groups
        )
        cls.colleague = new_test_user(
            cls.env, "imap_colleague", name="Cole League", email="cole@example.com", groups=groups
        )

    def setUp(self):
        super().setUp()
        self.mailbox = self.shared_mailbox()
        self.dave = self.env["res.partner"].create({"name": "Dave", "email": "dave@example.com"})
        self.from_carol = self.conversation(self.mailbox, "Interested", sender="Carol <carol@example.com>")
        self.from_dave = self.conversation(self.mailbox, "Pricing", sender="Dave <dave@example.com>")
        self.other = self.conversation(self.mailbox, "Unrelated", sender="someone@elsewhere.test")
        self.lead = self.env["crm.lead"].create({"name": "Carol's project", "email_from": "Carol <CAROL@example.com>"})

    def lead_as(self, user=None):
        return self.as_user(self.lead, user or self.salesman)

    def test_the_bridge_installs_itself_with_crm(self):
        module = self.env["ir.module.module"].search([("name", "=", "imap_conversations_crm")])
        self.assertEqual(module.state, "installed")
        self.assertTrue(module.auto_install)
        self.assertEqual(set(module.dependencies_id.mapped("name")), {"imap_conversations", "crm"})
        self.assertIn("crm.lead", dict(self.env["imap.conversation.link"]._selection_target_model()))

    def test_a_lead_finds_its_address_its_contact_and_its_links(self):
        self.assertEqual(self.lead_as().imap_conversation_ids, self.from_carol, "by the lead's address")
        self.env["imap.conversation.link"].with_user(self.salesman)._link(self.other, self.lead)
        self.assertEqual(self.lead_as().imap_conversation_ids, self.from_carol | self.other, "and by hand")

        daves_lead = self.env["crm.lead"].create({"name": "Dave's deal", "partner_id": self.dave.id})
        daves_lead.email_from = "purchasing@dave.example"
        self.assertEqual(
            self.as_user(daves_lead, self.salesman).imap_conversation_ids,
            self.from_dave,
            "by its contact, whatever address the lead has now",
        )

    def test_a_conversation_on_a_contact_and_a_lead_at_once(self):
        for record in (self.dave, self.lead):
            wizard = Form(
                self.env["imap.conversation.link.wizard"]
                .with_user(self.salesman)
                .with_context(active_model="imap.conversation", active_ids=self.other.ids)
            )
            wizard.record_ref = f"{record._name},{record.id}"
            wizard.save().action_link()
        links = self.other.link_ids
        self.assertEqual(
            {(link.res_model, link.res_id) for link in links},
            {("res.partner", self.dave.id), ("crm.lead", self.lead.id)},
        )
        self.assertEqual({link.model_description for link in links}, {"Contact", "Lead/Opportunity"})
        self.assertIn(self.other, self.as_user(self.dave, self.salesman).imap_conversation_ids)
        self.assertIn(self.other, self.lead_as().imap_conversation_ids)
        self.lead.unlink()
        self.assertEqual(self.other.link_ids.res_model, "res.partner", "the lead's link went with it")

    def test_the_lead_smart_button_counts_unread_per_user_and_opens_them(self):
        self.deliver(
            self.mailbox,
            make_email(
                subject="Re: Interested", sender="carol@example.com", References=self.from_carol.message_ids.message_id
            ),
        )
        lead = self.lead_as()
        self.assertEqual((lead.imap_conversation_count, lead.imap_conversation_unread_count), (1, 1))
        self.assertEqual(self.from_carol.with_user(self.salesman).unread_message_count, 2)
        action = lead.action_open_imap_conversations()
        self.assertEqual(
            self.env["imap.conversation"].with_user(self.salesman).search(action["domain"]), self.from_carol
        )
        self.open_form(self.from_carol, self.salesman)
        self.assertEqual(self.lead_as().imap_conversation_unread_count, 0)
        self.assertEqual(self.lead_as(self.colleague).imap_conversation_unread_count, 1, "for me only")

    def test_the_lead_form_shows_the_button_and_the_tab(self):
        form = Form(self.lead.with_user(self.salesman))
        self.assertEqual(form.imap_conversation_count, 1)
        self.assertEqual(len(form.imap_conversation_ids), 1)
        arch = self.env["crm.lead"].with_user(self.salesman).get_view(self.env.ref("crm.crm_lead_view_form").id)["arch"]
        self.assertIn('name="action_open_imap_conversations"', arch)
        self.assertIn('name="imap_conversations"', arch)
