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

    def automation(self, model, prefix, **values):
        """An automation on the creation of *model* records making a contact named *prefix* + their subject."""
        automation = self.env["base.automation"].create(
            {
                "name": f"{prefix} becomes a contact",
                "model_id": self.env["ir.model"]._get_id(model),
                "trigger": "on_create",
                **values,
            }
        )
        action = self.env["ir.actions.server"].create(
            {
                "name": "Make a contact",
                "model_id": automation.model_id.id,
                "base_automation_id": automation.id,
                "usage": "base_automation",
                "state": "code",
                "code": f"env['res.partner'].create({{'name': {prefix!r} + record.subject}})",
            }
        )
        automation.write({"action_server_ids": [(6, 0, action.ids)]})

    def created(self, prefix):
        return sorted(self.env["res.partner"].search([("name", "=like", f"{prefix}%")]).mapped("name"))

    def test_an_automation_on_creation_fires_for_each_imported_message_and_each_new_conversation(self):
        mailbox = self.synced_mailbox()
        self.automation("imap.message", "Message: ", filter_domain="[('direction', '=', 'incoming')]")
        self.automation("imap.conversation", "Conversation: ")
        self.rig.append(
            mailbox.login,
            "INBOX",
            [
                make_email(subject="first", message_id="<first@automation.example>"),
                make_email(subject="second"),
                make_email(subject="Re: first", in_reply_to="<first@automation.example>"),
            ],
        )
        self.sync(mailbox)
        self.assertEqual(self.created("Message: "), ["Message: Re: first", "Message: first", "Message: second"])
        self.assertEqual(
            self.created("Conversation: "),
            ["Conversation: first", "Conversation: second"],
            "a reply joins its conversation: no new one",
        )
