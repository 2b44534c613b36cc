from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html_sanitize, plaintext2html

from ..engine.parse import rewrite_cid_links
from .bigint import BigInteger


class ImapMessage(models.Model):
    """One message of one mailbox, however many folders it sits in.

    Unique per mailbox on its dedupe key: the Message-ID when there is one,
    otherwise a server id or a hash of its content, so a message moved between
    folders, copied to Sent or found again after a UIDVALIDITY reset is never
    imported twice.
    """

    _name = "imap.message"
    _description = "IMAP Message"
    _order = "date desc, id desc"
    _rec_name = "subject"

    mailbox_id = fields.Many2one("imap.mailbox", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="mailbox_id.company_id", store=True, index=True)
    conversation_id = fields.Many2one("imap.conversation", ondelete="cascade", index=True, readonly=True)
    location_ids = fields.One2many("imap.message.location", "message_id", string="On the server")
    state = fields.Selection(
        [("imported", "Imported"), ("failed", "Failed"), ("too_large", "Too large"), ("draft", "Not sent"),
         ("sent", "Sent")],
        default="imported", required=True, index=True, readonly=True,
        help="Imported from the server; Failed: could not be stored (kept with its source); Too large: over the "
             "mailbox's maximum message size, recorded from its headers only (it can be imported on demand); "
             "Not sent: written in Odoo, its sending failed (it can be sent again); Sent: written in Odoo and sent.",
    )

    # Identity
    dedupe_key = fields.Char(required=True, readonly=True, help="What makes this message unique in its mailbox.")
    message_id = fields.Char(string="Message-ID", index=True, readonly=True)
    in_reply_to = fields.Char(string="In-Reply-To", readonly=True)
    references = fields.Text(readonly=True)
    gm_msgid = BigInteger(string="Gmail message id", readonly=True)
    gm_thrid = BigInteger(string="Gmail thread id", readonly=True)
    email_id = fields.Char(string="EMAILID", readonly=True, help="RFC 8474 object id of the message.")
    server_thread_id = fields.Char(string="THREADID", readonly=True, help="RFC 8474 thread id.")

    # Envelope
    subject = fields.Char(readonly=True)
    date = fields.Datetime(index=True, readonly=True)
    direction = fields.Selection(
        [("incoming", "Incoming"), ("outgoing", "Outgoing")], required=True, default="incoming", readonly=True,
    )
    email_from = fields.Char(string="From", readonly=True)
    author_id = fields.Many2one("res.partner", string="Sender contact", index="btree_not_null", readonly=True)
    email_to = fields.Text(string="To", readonly=True)
    email_cc = fields.Text(string="Cc", readonly=True)
    email_bcc = fields.Text(string="Bcc", readonly=True)
    reply_to = fields.Char(string="Reply-To", readonly=True)
    partner_ids = fields.Many2many("res.partner", "imap_message_res_partner_rel", "imap_message_id",
                                   "res_partner_id", string="Participants", readonly=True,
                                   help="Contacts found among the sender and recipients.")

    # Content
    body_html_source = fields.Text(
        string="HTML source", readonly=True, prefetch=False,
        help="The HTML part as received: shown only through Body, which sanitizes it.",
    )
    # Rendered when displayed, not at import: most synced mail is never opened, and a 10,000
    # message import would otherwise sanitize 10,000 bodies. sanitize=False because the
    # compute sanitizes itself (the field would do it a second time).
    body_html = fields.Html(string="Body", compute="_compute_body_html", sanitize=False)
    body_text = fields.Text(string="Text body", readonly=True)
    headers = fields.Text(readonly=True)
    attachment_ids = fields.One2many(
        "ir.attachment", "res_id", string="Attachments", readonly=True,
        domain=lambda self: [("res_model", "=", self._name)],
    )
    has_attachments = fields.Boolean(readonly=True)
    size = fields.Integer(readonly=True)
    defects = fields.Text(readonly=True, help="What could not be read as the standards say; imported anyway.")
    is_seen = fields.Boolean(string="Seen on server", readonly=True, help="The \\Seen flag in one of its folders.")

    # When it could not be stored: kept with its source, retried by the recovery pass.
    error_message = fields.Char(readonly=True)
    error_details = fields.Text(readonly=True)
    attempt_count = fields.Integer(readonly=True)
    failed_date = fields.Datetime(readonly=True, help="When it last failed.")
    raw_source = fields.Binary(attachment=True, readonly=True, help="The message as the server sent it.")
    quarantine_origin = fields.Char(
        readonly=True, help="The folder it was moved out of, into the mailbox's quarantine folder, when it failed.",
    )

    _sql_constraints = [
        ("dedupe_unique", "unique(mailbox_id, dedupe_key)", "A message is stored once per mailbox."),
    ]

    @api.depends("subject", "email_from")
    def _compute_display_name(self):
        for message in self:
            message.display_name = message.subject or self.env._("(no subject)")

    @api.depends("body_html_source", "body_text", "attachment_ids")
    def _compute_body_html(self):
        for message in self:
            if message.body_html_source:
                inline = {
                    a.description[4:]: f"/web/image/{a.id}"
                    for a in message.attachment_ids if (a.description or "").startswith("cid:")
                }
                source = rewrite_cid_links(message.body_html_source, inline) if inline else message.body_html_source
                message.body_html = html_sanitize(source, sanitize_style=True, strip_classes=True)
            elif message.body_text:
                message.body_html = plaintext2html(message.body_text)
            else:
                message.body_html = False

    def _raw_bytes(self):
        """The stored source of a failed message, as bytes."""
        self.ensure_one()
        attachment = self.env["ir.attachment"].sudo().search([
            ("res_model", "=", self._name), ("res_field", "=", "raw_source"), ("res_id", "=", self.id),
        ], limit=1)
        return attachment.raw or b""

    def action_retry(self):
        """Store failed messages again from their source (after a fix, or a passing problem)."""
        from ..services.message_importer import MessageImporter

        # Whoever sees a failed message may have it stored again; storing is the sync's job.
        self.check_access("read")
        failed = self.sudo().filtered(lambda m: m.state == "failed")
        stored = still_failed = 0
        for mailbox in failed.mailbox_id:
            done, not_done = MessageImporter(mailbox).retry(failed.filtered(lambda m, mb=mailbox: m.mailbox_id == mb))
            stored, still_failed = stored + done, still_failed + not_done
        kind = "success" if not still_failed else "warning"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Retry"),
                "message": self.env._("%(stored)s stored, %(failed)s still failing.",
                                      stored=stored, failed=still_failed),
                "type": kind,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_import_anyway(self):
        """Download and import messages recorded as too large, whatever their size.

        For IMAP administrators and each mailbox's owner: a download of this size is the
        mailbox's business, not every reader's (reading a shared mailbox is not syncing it).
        """
        from ..services.large_messages import import_too_large

        self.check_access("read")
        large = self.filtered(lambda m: m.state == "too_large")
        large.mailbox_id._check_allowed("manage", self.env._("Import anyway"))
        large = large.sudo()
        imported = gone = failed = 0
        for mailbox in large.mailbox_id:
            of_mailbox = large.filtered(lambda m, mb=mailbox: m.mailbox_id == mb)
            done, missing, not_done = import_too_large(mailbox, of_mailbox)
            imported, gone, failed = imported + done, gone + missing, failed + not_done
        message = self.env._("%(imported)s imported.", imported=imported)
        if gone:
            message += " " + self.env._("%(count)s no longer where the last sync found them on the server.", count=gone)
        if failed:
            message += " " + self.env._("%(count)s could not be stored (see their error).", count=failed)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Import anyway"),
                "message": message,
                "type": "success" if not gone and not failed else "warning",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _reply_partners(self):
        """Contacts a reply to this message goes to, found or created from the addresses."""
        self.ensure_one()
        addresses = (self.reply_to or self.email_from) if self.direction == "incoming" else self.email_to
        return self.env["res.partner"]._imap_partners_from(addresses)

    def _resendable(self):
        """Those of these messages the current user may send again: their own, whose sending failed.

        Sending again reuses the Message-ID and replaces the message (see services/sender.py).
        """
        return self.filtered(lambda m: m.state == "draft" and m.direction == "outgoing"
                             and m.create_uid.id == self.env.uid)

    def action_resend(self):
        """Open the composer on a message whose sending failed, as it was written."""
        self.ensure_one()
        if not self._resendable():
            raise UserError(self.env._("Only a message you wrote and whose sending failed can be sent again."))
        partners = self.env["res.partner"]
        return self.env["imap.compose"]._open({
            "default_draft_id": self.id,
            "default_mailbox_id": self.mailbox_id.id,
            "default_conversation_id": self.conversation_id.id,
            "default_parent_id": self.env["imap.message"].search(
                [("message_id", "=", self.in_reply_to), ("mailbox_id", "=", self.mailbox_id.id)], limit=1,
            ).id if self.in_reply_to else False,
            "default_partner_ids": partners._imap_partners_from(self.email_to).ids,
            "default_cc_partner_ids": partners._imap_partners_from(self.email_cc).ids,
            "default_subject": self.subject,
            "default_body": self.body_html_source or self.body_html,
            "default_attachment_ids": self.attachment_ids.ids,
        }, self.env._("Send again"))

    def action_open_conversation(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "imap.conversation",
            "res_id": self.conversation_id.id,
            "view_mode": "form",
        }
