from markupsafe import Markup

from odoo import api, fields, models
from odoo.osv import expression


class ImapConversationMixin(models.AbstractModel):
    """Conversations on a business record: inherit it to get the smart button and the tab.

    ``_inherit = ["my.model", "imap.conversation.mixin"]`` gives a ``mail.thread``
    model the conversations linked to it by hand (``imap.conversation.link``) and
    makes it linkable; override :meth:`_imap_conversation_domain` to add what
    belongs to it by nature (contacts: their participants; leads: their contact
    and address). The form then shows ``imap_conversation_count`` /
    ``imap_conversation_unread_count`` in a smart button calling
    :meth:`action_open_imap_conversations`, and ``imap_conversation_ids`` in a tab.

    Everything is computed with the current user's rights: a conversation of a
    mailbox they cannot use is neither counted nor listed.
    """

    _name = "imap.conversation.mixin"
    _description = "Record with IMAP conversations"

    imap_conversation_ids = fields.Many2many(
        "imap.conversation",
        string="Conversations",
        compute="_compute_imap_conversations",
    )
    imap_conversation_count = fields.Integer(string="Conversation count", compute="_compute_imap_conversations")
    imap_conversation_unread_count = fields.Integer(
        string="Unread conversations",
        compute="_compute_imap_conversations",
    )

    def _imap_conversation_domain(self):
        """Domain on ``imap.conversation`` of the conversations of this record (one record).

        The hook: extend it with ``expression.OR([super()._imap_conversation_domain(), [...]])``.
        """
        self.ensure_one()
        if not self.id:  # a record being created has no conversation yet
            return expression.FALSE_DOMAIN
        return [("link_ids", "any", [("res_model", "=", self._name), ("res_id", "=", self.id)])]

    @api.depends_context("uid")
    def _compute_imap_conversations(self):
        Conversation = self.env["imap.conversation"]
        # Internal users without the IMAP rights see the form too: nothing to show them.
        allowed = Conversation.has_access("read")
        for record in self:
            conversations = Conversation.search(record._imap_conversation_domain()) if allowed else Conversation
            record.imap_conversation_ids = conversations
            record.imap_conversation_count = len(conversations)
            record.imap_conversation_unread_count = len(conversations.filtered("is_unread"))

    def action_open_imap_conversations(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Conversations"),
            "res_model": "imap.conversation",
            # The kanban is what a phone shows first (its cards read like rows; the list is cut there).
            "view_mode": "list,kanban,form",
            "views": [(False, "list"), (False, "kanban"), (False, "form")],
            "domain": self._imap_conversation_domain(),
            "context": {"create": False},
            "help": Markup("<p>%s</p>") % self.env._("No conversations with %s yet.", self.display_name),
        }

    def _imap_compose_recipients(self):
        """Who a new mail from this record goes to (contacts); records override it."""
        return self.env["res.partner"]

    def action_imap_compose(self):
        """Write a new mail about this record: it starts a conversation linked to it."""
        self.ensure_one()
        return self.env["imap.compose"]._open(
            {
                "default_res_model": self._name,
                "default_res_id": self.id,
                "default_partner_ids": self._imap_compose_recipients().ids,
            },
            self.env._("New email"),
        )

    def _imap_older_mail_addresses(self):
        """The addresses whose older mail "Find older mail on the server" looks for; records override it."""
        return []

    def action_find_older_mail(self):
        """Search the server for this record's mail older than what was synced, and offer to import it."""
        self.ensure_one()
        return self.env["imap.older.mail.wizard"]._open(self)

    def unlink(self):
        # Links are references by model and id, without a foreign key: drop them with the record.
        links = (
            self.env["imap.conversation.link"]
            .sudo()
            .search([("res_model", "=", self._name), ("res_id", "in", self.ids)])
        )
        result = super().unlink()
        links.unlink()
        return result
