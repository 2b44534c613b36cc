from odoo import fields, models


class ImapConversationKey(models.Model):
    """An index from thread keys (message-ids, server thread ids) to conversations.

    Every id a message mentions points to its conversation, so a reply that
    arrives before its parent, or a parent found after its replies, lands in
    the same conversation. Written and read in bulk by the importer.
    """

    _name = "imap.conversation.key"
    _description = "IMAP conversation thread key"
    _log_access = False

    mailbox_id = fields.Many2one("imap.mailbox", required=True, ondelete="cascade")
    key = fields.Char(required=True)
    conversation_id = fields.Many2one("imap.conversation", required=True, ondelete="cascade", index=True)

    _sql_constraints = [
        ("key_unique", "unique(mailbox_id, key)", "A thread key leads to one conversation."),
    ]
