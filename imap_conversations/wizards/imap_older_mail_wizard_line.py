from odoo import fields, models

from ..models.bigint import BigInteger


class ImapOlderMailWizardLine(models.TransientModel):
    """What the search found in one folder (or why a mailbox or folder could not be searched).

    Written by the search only (users may read these lines, not create or change them): the
    import trusts the folder and UIDs they hold, after checking the mailbox again.
    """

    _name = "imap.older.mail.wizard.line"
    _description = "Find older mail on the server: one folder"
    _order = "mailbox_id, sequence, id"

    wizard_id = fields.Many2one("imap.older.mail.wizard", required=True, ondelete="cascade", index=True)
    mailbox_id = fields.Many2one("imap.mailbox", required=True, readonly=True, ondelete="cascade")
    folder_id = fields.Many2one("imap.folder", readonly=True, ondelete="cascade")
    # The list shows the mailbox in a column of its own: the folder by its name alone.
    folder_name = fields.Char(related="folder_id.name", string="Folder name")
    sequence = fields.Integer(related="folder_id.sequence")
    count = fields.Integer(string="Found", readonly=True)
    uidvalidity = BigInteger(string="UIDVALIDITY", readonly=True)
    uids = fields.Text(readonly=True)
    note = fields.Char(readonly=True)
