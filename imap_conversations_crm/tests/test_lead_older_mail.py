from odoo.tests import new_test_user, tagged

from odoo.addons.imap_conversations.tests.older_mail_common import OlderMailCase


@tagged("post_install", "-at_install")
class TestLeadOlderMail(OlderMailCase):
    """Find older mail on the server, from a lead: its address and its contact's."""

    def test_a_leads_older_mail_is_found_by_its_address_and_its_contacts_and_imported(self):
        salesman = new_test_user(
            self.env,
            "imap_older_salesman",
            name="Sam Seller",
            email="sam@example.com",
            groups="sales_team.group_sale_salesman_all_leads,imap_conversations.group_user",
        )
        mailbox = self.synced_mailbox(user_id=False, sync_horizon_days=365)
        self.old_mail(mailbox, "INBOX", "from the lead", sender="Lou <lou@lead.example>")
        self.old_mail(mailbox, "INBOX", "from its contact")  # Carla
        self.old_mail(mailbox, "INBOX", "from a stranger", sender="dan@elsewhere.example")
        self.sync(mailbox)
        lead = self.env["crm.lead"].create({"name": "Lou's project", "email_from": "Lou <LOU@lead.example>"})

        wizard = self.find(lead, salesman)
        self.assertEqual(wizard.addresses, "lou@lead.example")
        self.assertEqual(self.found(wizard), {(mailbox.name, "INBOX"): 1})
        result = wizard.action_import()
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        self.assertEqual(self.subjects(mailbox), ["from the lead"])
        self.assertEqual(len(lead.with_user(salesman).imap_conversation_ids), 1, "it shows on the lead")
        self.assertEqual(self.find(lead, salesman).total, 0)

        lead.partner_id = self.carla
        wizard = self.find(lead, salesman)
        self.assertIn("carla@customer.example", wizard.addresses.split(), "its contact's address")
        self.assertEqual(self.found(wizard), {(mailbox.name, "INBOX"): 1})
        wizard.action_import()
        self.assertEqual(self.subjects(mailbox), ["from its contact", "from the lead"])
