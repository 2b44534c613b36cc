from odoo import fields, models


class ImapMailboxCredential(models.Model):
    """The password of a mailbox, kept apart so record rules can guard it.

    Field-level ``groups=`` cannot say "the owner of this record": a separate
    model with its own rules can. Shared mailboxes are readable by every IMAP
    user, their passwords only by administrators.
    """

    _name = "imap.mailbox.credential"
    _description = "IMAP Mailbox Password"

    mailbox_id = fields.Many2one("imap.mailbox", required=True, ondelete="cascade", index=True)
    # The mailbox's, for the company rule: an administrator of one company reads no other's passwords.
    company_id = fields.Many2one(related="mailbox_id.company_id", store=True, index=True)
    password = fields.Char()
    smtp_password = fields.Char(help="Only when the outgoing server does not take the IMAP login and password.")

    _sql_constraints = [
        ("mailbox_unique", "unique(mailbox_id)", "A mailbox has one password."),
    ]
