from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression


class ImapConversationLink(models.Model):
    """A conversation linked by hand to a business record (a contact, a lead...).

    Any number per conversation, so one thread can sit on a contact and a lead at
    once. Contacts found among the participants by address are links too, but
    implicit ones (``imap.conversation.partner_ids``); these rows are the ones
    somebody chose. The records that can be linked are those of models using
    ``imap.conversation.mixin``, the models that show conversations; deleting
    such a record deletes its links (see the mixin).

    A conversation is seen by everyone using its mailbox, the linked record perhaps
    not (a contact of another company, a lead of someone else's team): its name is
    read with the viewer's rights, each time, and a record they may not read is only
    a "Restricted record" of its type, found by no search on its name.
    """

    _name = "imap.conversation.link"
    _description = "Conversation link"
    _order = "id"
    _rec_names_search = ["res_name"]

    conversation_id = fields.Many2one("imap.conversation", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="conversation_id.company_id")
    res_model = fields.Char(string="Model", required=True, index=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Record ID", model_field="res_model", required=True, index=True, readonly=True
    )
    res_name = fields.Char(
        string="Record",
        compute="_compute_record",
        search="_search_res_name",
        help="The record's name, if you may read the record.",
    )
    model_description = fields.Char(string="Type", compute="_compute_model_description")
    record_ref = fields.Reference(
        string="Linked record",
        selection="_selection_target_model",
        compute="_compute_record",
        help="The record, if you may read it.",
    )

    _sql_constraints = [
        ("record_unique", "unique(conversation_id, res_model, res_id)", "The conversation is already linked to it."),
    ]

    @api.model
    def _selection_target_model(self):
        """The models whose records show conversations: those using the mixin."""
        return sorted(
            (
                (name, model._description)
                for name, model in self.env.items()
                # Not res.users, which only delegates to its partner (_inherits): link the contact.
                if not model._abstract
                and "imap_conversation_ids" in model._fields
                and not model._fields["imap_conversation_ids"].inherited
            ),
            key=lambda item: item[1],
        )

    @api.depends("res_model")
    def _compute_model_description(self):
        for link in self:
            model = self.env.get(link.res_model) if link.res_model else None
            link.model_description = model._description if model is not None else link.res_model

    def _readable_records(self):
        """{link: its record} for the links whose record exists and the current user may read.

        The user's own rights even under sudo: Odoo reads labels as superuser (name_search,
        many2one labels), and a link's label is its record's name.
        """
        readable = {}
        user_env = self.env(su=False)
        for model_name in set(self.mapped("res_model")):
            model = user_env.get(model_name)
            if model is None:
                continue
            links = self.filtered(lambda link, m=model_name: link.res_model == m and link.res_id)
            records = model.browse(links.mapped("res_id")).exists()._filtered_access("read")
            readable.update({link: records.browse(link.res_id) for link in links if link.res_id in records.ids})
        return readable

    @api.depends_context("uid")
    @api.depends("res_model", "res_id")
    def _compute_record(self):
        readable = self._readable_records()
        for link in self:
            record = readable.get(link)
            link.record_ref = f"{record._name},{record.id}" if record else False
            link.res_name = record.display_name if record else self.env._("Restricted record")

    def _search_res_name(self, operator, value):
        """Links to the records the user may read whose name matches: a hidden record is found by no name."""
        negative = operator in expression.NEGATIVE_TERM_OPERATORS
        positive_operator = expression.TERM_OPERATORS_NEGATION[operator] if negative else operator
        domains = []
        for (model_name,) in self.sudo()._read_group([], ["res_model"]):  # the types in use, a handful
            model = self.env.get(model_name)
            if model is None or not model.has_access("read"):
                continue
            matching = model._search([("display_name", positive_operator, value)])
            domains.append([("res_model", "=", model_name), ("res_id", "in", matching)])
        domain = expression.OR(domains) if domains else expression.FALSE_DOMAIN
        return ["!", *domain] if negative else domain

    @api.depends_context("uid")
    @api.depends("res_model", "res_id")
    def _compute_display_name(self):
        for link in self:
            link.display_name = f"{link.res_name} ({link.model_description})"

    @api.model
    def _linkable_record(self, model, res_id):
        """The record *model*, *res_id* if the current user may link a conversation to it; raises otherwise.

        Linking shows the conversation on the record: only a record of a model showing
        conversations, that exists and that the user may read.
        """
        if model not in dict(self._selection_target_model()):
            raise UserError(self.env._("Conversations cannot be linked to records of %s.", model))
        record = self.env[model].browse(res_id).exists()
        if not record:
            raise UserError(self.env._("The record to link no longer exists."))
        record.check_access("read")
        return record

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._linkable_record(vals.get("res_model"), vals.get("res_id"))
        return super().create(vals_list)

    @api.model
    def _link(self, conversations, records):
        """Link each of *conversations* to each of *records*; existing links are kept, not doubled."""
        existing = {
            (link.conversation_id.id, link.res_model, link.res_id)
            for link in self.search(
                [
                    ("conversation_id", "in", conversations.ids),
                    ("res_model", "=", records._name),
                    ("res_id", "in", records.ids),
                ]
            )
        }
        return self.create(
            [
                {"conversation_id": conversation.id, "res_model": record._name, "res_id": record.id}
                for conversation in conversations
                for record in records
                if (conversation.id, record._name, record.id) not in existing
            ]
        )

    @api.model
    def _move_links(self, sources, target):
        """Point the links of *sources* to *target* (records merged into it), without doubles."""
        links = self.sudo().search([("res_model", "=", sources._name), ("res_id", "in", sources.ids)])
        already = set(
            self.sudo()
            .search([("res_model", "=", target._name), ("res_id", "=", target.id)])
            .mapped("conversation_id")
            .ids
        )
        for link in links:
            if link.conversation_id.id in already:
                link.unlink()
            else:
                link.write({"res_id": target.id})
                already.add(link.conversation_id.id)

    def action_open_record(self):
        self.ensure_one()
        self._linkable_record(self.res_model, self.res_id)  # says plainly why it cannot be opened
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
