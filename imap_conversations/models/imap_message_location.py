from odoo import fields, models

from .bigint import BigInteger


class ImapMessageLocation(models.Model):
    """Where a message sits on the server: folder, UIDVALIDITY and UID.

    A message can sit in several folders (a move in progress, Gmail labels, the
    Sent copy of a reply) and is still one message.
    """

    _name = "imap.message.location"
    _description = "IMAP message location"
    _order = "folder_id, uid"
    _log_access = False

    message_id = fields.Many2one("imap.message", required=True, ondelete="cascade", index=True)
    folder_id = fields.Many2one("imap.folder", required=True, ondelete="cascade", index=True)
    mailbox_id = fields.Many2one(related="folder_id.mailbox_id", store=True, index=True)
    uidvalidity = BigInteger(string="UIDVALIDITY", required=True)
    uid = BigInteger(string="UID", required=True)
    flags = fields.Char()

    _sql_constraints = [
        ("uid_unique", "unique(folder_id, uidvalidity, uid)", "A UID designates one message of a folder."),
    ]
