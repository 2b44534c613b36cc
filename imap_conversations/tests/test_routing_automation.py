"""Odoo's own automation rules (base_automation) see synced mail: imported messages fire "on creation".

base_automation is installed beside the addon by the test rig (tests/rig/odoo_runner.py), not
required by it: the importer fires the automations only when the module is there.
"""

from odoo.tests import tagged

from .common import SyncCase, make_email


@tagged("post_install", "-at_install")
class TestRoutingAutomation(SyncCase):
    def test_conversations_and_messages_can_be_the_model_of_an_automation_rule(self):
        domain = self.env["base.automation"]._fields["model_id"].domain
        models = self.env["ir.model"].search(domain).mapped("model")
        self.assertIn("imap.message", models)
        self.assertIn("imap.conversation", models)

    def test_an_automation_on_message_creation_fires_for_each_imported_incoming_message(self):
        mailbox = self.synced_mailbox()
        automation = self.env["base.automation"].create({
            "name": "Incoming mail becomes a contact",
            "model_id": self.env["ir.model"]._get_id("imap.message"),
            "trigger": "on_create",
            "filter_domain": "[('direction', '=', 'incoming')]",
        })
        action = self.env["ir.actions.server"].create({
            "name": "Make a contact",
            "model_id": automation.model_id.id,
            "base_automation_id": automation.id,
            "usage": "base_automation",
            "state": "code",
            "code": "env['res.partner'].create({'name': 'Automated: ' + record.subject})",
        })
        automation.write({"action_server_ids": [(6, 0, action.ids)]})
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="first"), make_email(subject="second")])
        self.sync(mailbox)
        self.assertEqual(
            sorted(self.env["res.partner"].search([("name", "like", "Automated: ")]).mapped("name")),
            ["Automated: first", "Automated: second"],
        )
