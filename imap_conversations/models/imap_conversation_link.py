from odoo import api, fields, models
from odoo.exceptions import UserError


class ImapConversationLink(models.Model):
    """A conversation linked by hand to a business record (a contact, a lead...).

    Any number per conversation, so one thread can sit on a contact and a lead at
    once. Contacts found among the participants by address are links too, but
    implicit ones (``imap.conversation.partner_ids``); these rows are the ones
    somebody chose. The records that can be linked are those of models using
    ``imap.conversation.mixin``, the models that show conversations; deleting
    such a record deletes its links (see the mixin).
    """

    _name = "imap.conversation.link"
    _description = "Conversation link"
    _order = "id"

    conversation_id = fields.Many2one("imap.conversation", required=True, ondelete="cascade", index=True,
                                      readonly=True)
    company_id = fields.Many2one(related="conversation_id.company_id")
    res_model = fields.Char(string="Model", required=True, index=True, readonly=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model", required=True, index=True,
                                      readonly=True)
    res_name = fields.Char(
        string="Record", readonly=True,
        help="The record's name when it was linked: what search and lists show without reading it.",
    )
    model_description = fields.Char(string="Type", compute="_compute_model_description")
    record_ref = fields.Reference(string="Linked record", selection="_selection_target_model",
                                  compute="_compute_record_ref")

    _sql_constraints = [
        ("record_unique", "unique(conversation_id, res_model, res_id)", "The conversation is already linked to it."),
    ]

    @api.model
    def _selection_target_model(self):
        """The models whose records show conversations: those using the mixin."""
        return sorted(
            ((name, model._description) for name, model in self.env.items()
             # Not res.users, which only delegates to its partner (_inherits): link the contact.
             if not model._abstract and "imap_conversation_ids" in model._fields
             and not model._fields["imap_conversation_ids"].inherited),
            key=lambda item: item[1],
        )

    @api.depends("res_model")
    def _compute_model_description(self):
        for link in self:
            model = self.env.get(link.res_model) if link.res_model else None
            link.model_description = model._description if model is not None else link.res_model

    @api.depends("res_model", "res_id")
    def _compute_record_ref(self):
        for link in self:
            model = self.env.get(link.res_model) if link.res_model else None
            record = model.browse(link.res_id).exists() if model is not None and link.res_id else None
            link.record_ref = f"{link.res_model},{link.res_id}" if record else False

    @api.depends("res_name", "res_model")
    def _compute_display_name(self):
        for link in self:
            link.display_name = f"{link.res_name} ({link.model_description})" if link.res_name else link.res_model

    @api.model_create_multi
    def create(self, vals_list):
        linkable = dict(self._selection_target_model())
        for vals in vals_list:
            model = vals.get("res_model")
            if model not in linkable:
                raise UserError(self.env._("Conversations cannot be linked to records of %s.", model))
            # Linking shows the conversation on the record: only for a record the user may see.
            record = self.env[model].browse(vals.get("res_id")).exists()
            if not record:
                raise UserError(self.env._("The record to link no longer exists."))
            record.check_access("read")
            vals.setdefault("res_name", record.display_name)
        return super().create(vals_list)

    @api.model
    def _link(self, conversations, records):
        """Link each of *conversations* to each of *records*; existing links are kept, not doubled."""
        existing = {
            (link.conversation_id.id, link.res_model, link.res_id)
            for link in self.search([("conversation_id", "in", conversations.ids),
                                     ("res_model", "=", records._name), ("res_id", "in", records.ids)])
        }
        return self.create([
            {"conversation_id": conversation.id, "res_model": record._name, "res_id": record.id}
            for conversation in conversations for record in records
            if (conversation.id, record._name, record.id) not in existing
        ])

    @api.model
    def _move_links(self, sources, target):
        """Point the links of *sources* to *target* (records merged into it), without doubles."""
        links = self.sudo().search([("res_model", "=", sources._name), ("res_id", "in", sources.ids)])
        already = set(self.sudo().search([("res_model", "=", target._name), ("res_id", "=", target.id)])
                      .mapped("conversation_id").ids)
        for link in links:
            if link.conversation_id.id in already:
                link.unlink()
            else:
                link.write({"res_id": target.id, "res_name": target.display_name})
                already.add(link.conversation_id.id)

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
