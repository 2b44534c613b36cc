from odoo.tests import Form, tagged

from odoo.addons.imap_conversations.tests.reading_common import ReadingCase


@tagged("post_install", "-at_install")
class TestLeadLinksRestricted(ReadingCase):
    """A lead linked to a conversation, seen by an IMAP user without any right on leads."""

    def setUp(self):
        super().setUp()
        self.mailbox = self.shared_mailbox()
        self.conversation = self.conversation(self.mailbox, "Tender", sender="Carol <carol@example.com>")
        self.lead = self.env["crm.lead"].create({"name": "Secret merger"})
        self.env["imap.conversation.link"]._link(self.conversation, self.lead)
        self.template = self.env["imap.template"].create(
            {
                "name": "About the lead",
                "model_id": self.env["ir.model"]._get_id("crm.lead"),
                "subject": "{{ object.name }}",
                "body_html": "<p><t t-out='object.name'/></p>",
            }
        )

    def test_the_lead_is_a_restricted_record_for_a_user_without_sales_rights(self):
        conversation = self.as_user(self.conversation, self.imap_user)
        self.assertFalse(self.env["crm.lead"].with_user(self.imap_user).has_access("read"))
        link = conversation.link_ids
        self.assertEqual(link.res_name, "Restricted record")
        self.assertEqual(link.display_name, "Restricted record (Lead/Opportunity)")
        self.assertNotIn("Secret", str(conversation.web_read({"link_ids": {"fields": {"display_name": {}}}})))
        self.assertFalse(conversation.search([("link_ids.res_name", "ilike", "merger")]))
        self.assertEqual(self.conversation.link_ids.res_name, "Secret merger")

    def test_no_template_is_rendered_for_a_lead_the_user_may_not_read(self):
        action = self.as_user(self.conversation, self.imap_user).action_reply()
        composer = Form(self.env["imap.compose"].with_user(self.imap_user).with_context(**action["context"]))
        self.assertNotIn(self.template, composer.template_ids)
        self.assertNotIn("Secret", composer.body or "")
