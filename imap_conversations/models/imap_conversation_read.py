from odoo import fields, models


class ImapConversationRead(models.Model):
    """How far one user has read one conversation.

    A conversation is unread for a user when it holds an incoming message above
    their watermark that is not already read on the server *for them*:

    * opening the conversation moves the watermark to its newest message, so
      only mail imported afterwards is unread again (message ids grow with
      import order, whatever the Date header says);
    * "Mark as unread" puts the watermark just below the newest incoming
      message and sets ``marked_unread``, which ignores the server's flag until
      the user opens the conversation again;
    * the server's \\Seen flag is the owner's reading: on a personal mailbox it
      counts as read (for the owner, and for the administrators who may look
      in, who see the owner's state plus what they opened themselves). A shared
      mailbox has no owner: whoever read it in a mail client is nobody in
      particular, so there the flag counts for no one. Neither does it when
      the mailbox marks mail read on the server itself: then \\Seen only says
      Odoo fetched it.

    No row means "never opened": watermark 0. Rows are written by one SQL
    upsert per action (``imap.conversation._set_read_state``), never by the
    sync, which only keeps two watermarks per conversation in its bulk summary.
    Nothing is written back to the server: reading in Odoo leaves the user's
    mail client as it was, like the sync does.
    """

    _name = "imap.conversation.read"
    _description = "Conversation read state"
    _log_access = False

    conversation_id = fields.Many2one("imap.conversation", required=True, ondelete="cascade", readonly=True)
    user_id = fields.Many2one("res.users", required=True, ondelete="cascade", index=True, readonly=True)
    last_read_message_id = fields.Integer(
        string="Read up to message",
        readonly=True,
        help="Incoming messages with a higher id arrived after the user last read the conversation.",
    )
    read_date = fields.Datetime(string="Last read", readonly=True)
    marked_unread = fields.Boolean(
        string="Marked unread",
        readonly=True,
        help="The user marked it unread: the server's \\Seen flag does not count until they open it.",
    )

    _sql_constraints = [
        # Also the index the unread queries join on.
        ("conversation_user_unique", "unique(conversation_id, user_id)", "One read state per user and conversation."),
    ]
