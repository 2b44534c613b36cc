from odoo import api, fields, models


class ImapConversation(models.Model):
    """A thread of messages of one mailbox, linked to the contacts taking part.

    Not a ``mail.thread``: its ``message_ids`` are its IMAP messages (the name
    the product promises), which is the name mail.thread gives to chatter.
    """

    _name = "imap.conversation"
    _description = "Conversation"
    _order = "last_message_date desc, id desc"
    _rec_name = "subject"

    subject = fields.Char(readonly=True)
    normalized_subject = fields.Char(readonly=True, index=True, help="Subject without Re:/Fwd: and list tags.")
    mailbox_id = fields.Many2one("imap.mailbox", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="mailbox_id.company_id", store=True, index=True)
    user_id = fields.Many2one(related="mailbox_id.user_id", string="Mailbox owner", store=True, index=True)
    message_ids = fields.One2many("imap.message", "conversation_id", string="Messages", readonly=True)
    partner_ids = fields.Many2many(
        "res.partner", "imap_conversation_partner_rel", "conversation_id", "partner_id",
        string="Participants", readonly=True,
    )
    participant_emails = fields.Text(readonly=True, help="Every address taking part, lower-cased.")

    # Kept up to date by the importer after each batch (one query), not recomputed per message.
    message_count = fields.Integer(readonly=True)
    first_message_date = fields.Datetime(readonly=True)
    last_message_date = fields.Datetime(readonly=True, index=True)
    is_unread = fields.Boolean(
        readonly=True, index=True, help="An incoming message of this conversation is unread on the server.",
    )

    @api.depends("subject")
    def _compute_display_name(self):
        for conversation in self:
            conversation.display_name = conversation.subject or self.env._("(no subject)")

    def _refresh_summary(self):
        """Recount messages, dates, unread state and participants from the messages, in bulk."""
        if not self:
            return
        self.env["imap.message"].flush_model()
        self.flush_recordset()
        self.env.cr.execute(
            """
            UPDATE imap_conversation c
               SET message_count = s.message_count,
                   first_message_date = s.first_date,
                   last_message_date = s.last_date,
                   is_unread = s.unread
              FROM (SELECT conversation_id,
                           count(*) AS message_count,
                           min(date) AS first_date,
                           max(date) AS last_date,
                           bool_or(direction = 'incoming' AND NOT coalesce(is_seen, false)) AS unread
                      FROM imap_message
                     WHERE conversation_id = ANY(%s) AND state IN ('imported', 'sent')
                  GROUP BY conversation_id) s
             WHERE c.id = s.conversation_id
            """,
            [self.ids],
        )
        self.env.cr.execute(
            """
            INSERT INTO imap_conversation_partner_rel (conversation_id, partner_id)
            SELECT DISTINCT m.conversation_id, r.res_partner_id
              FROM imap_message m
              JOIN imap_message_res_partner_rel r ON r.imap_message_id = m.id
             WHERE m.conversation_id = ANY(%s)
            ON CONFLICT DO NOTHING
            """,
            [self.ids],
        )
        self.invalidate_recordset(
            ["message_count", "first_message_date", "last_message_date", "is_unread", "partner_ids"]
        )
