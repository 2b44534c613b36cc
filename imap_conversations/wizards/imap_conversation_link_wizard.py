from odoo import api, fields, models


class ImapConversationLinkWizard(models.TransientModel):
    """Link one or more conversations to a record chosen by model and name."""

    _name = "imap.conversation.link.wizard"
    _description = "Link conversations to a record"

    conversation_ids = fields.Many2many("imap.conversation", string="Conversations", required=True)
    record_ref = fields.Reference(string="Record", selection="_selection_target_model", required=True)

    @api.model
    def _selection_target_model(self):
        return self.env["imap.conversation.link"]._selection_target_model()

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        # Opened from the list's Action menu: the selected conversations.
        if (
            "conversation_ids" in fields_list
            and not values.get("conversation_ids")
            and context.get("active_model") == "imap.conversation"
            and context.get("active_ids")
        ):
            values["conversation_ids"] = [fields.Command.set(context["active_ids"])]
        return values

    def action_link(self):
        self.ensure_one()
        # Read as chosen (reading the field as the user would silently drop conversations they
        # cannot see), then refuse those: linking needs the conversation as much as the record.
        conversations = self.sudo().conversation_ids.sudo(False)
        conversations.check_access("read")
        self.env["imap.conversation.link"]._link(conversations, self.record_ref)
        return {"type": "ir.actions.act_window_close"}
