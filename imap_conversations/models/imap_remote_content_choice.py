from odoo import api, fields, models


class ImapRemoteContentChoice(models.Model):
    """A reader's choice to see the remote content of one message, or of every message from one sender.

    Remote content (images and other resources on the Internet) stays off until the reader
    asks: loading it tells the sender when and from where the mail was read. Each row is one
    user's own choice and concerns only what that user is shown. Users read their rows and
    change them only through imap.message's actions, which write for the current user alone.
    """

    _name = "imap.remote.content.choice"
    _description = "Remote content shown to a reader"
    _log_access = False

    user_id = fields.Many2one("res.users", required=True, ondelete="cascade", index=True, readonly=True)
    message_id = fields.Many2one(
        "imap.message", ondelete="cascade", index="btree_not_null", readonly=True, help="Shown for this message only."
    )
    sender_email = fields.Char(
        string="Sender address",
        readonly=True,
        help="Shown for every message from this address (normalized).",
    )

    _sql_constraints = [
        (
            "one_target",
            "CHECK((message_id IS NULL) != (sender_email IS NULL))",
            "A choice is for one message or for one sender.",
        ),
        ("message_unique", "unique(user_id, message_id)", "One choice per user and message."),
        ("sender_unique", "unique(user_id, sender_email)", "One choice per user and sender."),
    ]

    @api.model
    def _choose(self, messages=(), senders=()):
        """Record the current user's choice (the caller checked they may read the messages)."""
        existing = self.sudo().search([("user_id", "=", self.env.uid)])
        new_messages = set(getattr(messages, "ids", messages)) - set(existing.message_id.ids)
        new_senders = set(senders) - set(existing.mapped("sender_email"))
        self.sudo().create(
            [{"user_id": self.env.uid, "message_id": message_id} for message_id in sorted(new_messages)]
            + [{"user_id": self.env.uid, "sender_email": sender} for sender in sorted(new_senders)]
        )
        self._forget_rendering()

    @api.model
    def _forget(self, messages):
        """Drop the current user's choices about *messages* and their senders."""
        senders = {message._sender_key() for message in messages} - {False}
        self.sudo().search(
            [
                ("user_id", "=", self.env.uid),
                "|",
                ("message_id", "in", messages.ids),
                ("sender_email", "in", list(senders)),
            ]
        ).unlink()
        self._forget_rendering()

    def _forget_rendering(self):
        self.env["imap.message"].invalidate_model(["body_html", "remote_content_shown"])
        self.env["imap.conversation"].invalidate_model(["thread_html"])
