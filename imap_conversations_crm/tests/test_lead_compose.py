from odoo.tests import Form, tagged

from odoo.addons.imap_conversations.tests.common import SyncCase


@tagged("post_install", "-at_install")
class TestLeadCompose(SyncCase):
    def test_new_mail_from_a_lead_goes_to_its_address_and_lands_on_the_lead(self):
        mailbox = self.synced_mailbox(owner=self.env.user)
        customer_login = self.rig.new_login()
        lead = self.env["crm.lead"].create(
            {
                "name": "Big order",
                "email_from": f"Nina New <{self.rig.address(customer_login)}>",
            }
        )
        action = lead.action_imap_compose()
        composer = Form(self.env["imap.compose"].with_context(**action["context"])).save()
        self.assertEqual(composer.mailbox_id, mailbox)
        self.assertEqual(composer.partner_ids.mapped("name"), ["Nina New"], "a contact made from the lead's address")
        composer.subject = "Your order"
        self.assertEqual(composer.action_send()["params"]["type"], "success")
        self.assertEqual(self.rig.subjects(customer_login, "INBOX"), ["Your order"])
        self.assertEqual(lead.imap_conversation_count, 1)
        self.assertEqual(lead.imap_conversation_ids.link_ids.res_model, "crm.lead")
