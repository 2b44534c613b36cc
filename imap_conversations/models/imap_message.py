from html import escape
from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import SQL, email_normalize, html_sanitize, plaintext2html

from ..engine import states
from ..engine.quote_folding import FOLD_TITLE, fold_html_quotes, fold_text_quotes
from ..engine.remote_content import FilteredBody, filter_urls
from ..engine.sizes import format_size
from ..services.text_search import create_search_index
from .bigint import BigInteger

#: Raised whenever the rules of rendering a body change: bodies rendered by older rules are
#: rendered again the next time they are shown.
BODY_RENDERING = 2  # 2: quoted text folded (engine/quote_folding.py)


class ImapMessage(models.Model):
    """One message of one mailbox, however many folders it sits in.

    Unique per mailbox on its dedupe key: the Message-ID when there is one,
    otherwise a server id or a hash of its content, so a message moved between
    folders, copied to Sent or found again after a UIDVALIDITY reset is never
    imported twice.
    """

    _name = "imap.message"
    _description = "IMAP message"
    _order = "date desc, id desc"
    _rec_name = "subject"

    mailbox_id = fields.Many2one("imap.mailbox", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="mailbox_id.company_id", store=True, index=True)
    conversation_id = fields.Many2one("imap.conversation", ondelete="cascade", index=True, readonly=True)
    location_ids = fields.One2many("imap.message.location", "message_id", string="On the server")
    state = fields.Selection(
        states.MESSAGE_STATES,
        default=states.MESSAGE_IMPORTED,
        required=True,
        index=True,
        readonly=True,
        help="Imported from the server; Failed: could not be stored (kept with its source), or a routing rule "
        "failed on it; Too large: over the "
        "mailbox's maximum message size, recorded from its headers only (it can be imported on demand); "
        "Not sent: written in Odoo, its sending failed (it can be sent again); Sent: written in Odoo and sent.",
    )

    # Identity
    dedupe_key = fields.Char(
        string="Dedupe key",
        required=True,
        readonly=True,
        help="What makes this message unique in its mailbox.",
    )
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
        states.DIRECTIONS,
        required=True,
        default=states.INCOMING,
        readonly=True,
    )
    email_from = fields.Char(string="From", readonly=True)
    author_id = fields.Many2one("res.partner", string="Sender contact", index="btree_not_null", readonly=True)
    email_to = fields.Text(string="To", readonly=True)
    email_cc = fields.Text(string="Cc", readonly=True)
    email_bcc = fields.Text(string="Bcc", readonly=True)
    reply_to = fields.Char(string="Reply-To", readonly=True)
    partner_ids = fields.Many2many(
        "res.partner",
        "imap_message_res_partner_rel",
        "imap_message_id",
        "res_partner_id",
        string="Participants",
        readonly=True,
        help="Contacts found among the sender and recipients.",
    )

    # Content
    body_html_source = fields.Text(
        string="HTML source",
        readonly=True,
        prefetch=False,
        help="The HTML part as received: shown only through Body, which sanitizes it.",
    )
    # Rendered the first time it is displayed, not at import: most synced mail is never opened,
    # and a 10,000 message import would otherwise sanitize 10,000 bodies. Then kept, as a large
    # body takes seconds to sanitize (see _rendered_bodies). sanitize=False because the compute
    # sanitizes itself (the field would do it a second time).
    body_html = fields.Html(string="Body", compute="_compute_body_html", sanitize=False)
    body_html_blocked = fields.Text(
        string="Rendered body",
        readonly=True,
        prefetch=False,
        copy=False,
        help="The HTML part sanitized, without remote content (technical: written when first shown).",
    )
    body_html_remote = fields.Text(
        string="Rendered body with remote content",
        readonly=True,
        prefetch=False,
        copy=False,
        help="The HTML part sanitized, with its remote content; empty when it has none (technical).",
    )
    body_rendering = fields.Integer(
        string="Body rendering",
        readonly=True,
        copy=False,
        help="Rules the rendered body was made with; empty: not rendered yet (technical).",
    )
    has_remote_content = fields.Boolean(
        string="Has remote content",
        compute="_compute_body_html",
        help="Its body loads images or other content from the Internet.",
    )
    remote_content_shown = fields.Boolean(
        string="Remote content shown",
        compute="_compute_body_html",
        help="Remote content is shown to you: you asked for it.",
    )
    body_text = fields.Text(string="Text body", readonly=True)
    headers = fields.Text(readonly=True)
    attachment_ids = fields.One2many(
        "ir.attachment",
        "res_id",
        string="Attachments",
        readonly=True,
        domain=lambda self: [("res_model", "=", self._name)],
    )
    has_attachments = fields.Boolean(string="Has attachments", readonly=True)
    size = fields.Integer(readonly=True)
    size_display = fields.Char(string="Message size", compute="_compute_size_display", help='Its size, as "1.2 MB".')
    defects = fields.Text(readonly=True, help="What could not be read as the standards say; imported anyway.")
    is_seen = fields.Boolean(string="Seen on server", readonly=True, help="The \\Seen flag in one of its folders.")

    # When it could not be stored: kept with its source, retried by the recovery pass.
    error_message = fields.Char(string="Error message", readonly=True)
    error_details = fields.Text(string="Error details", readonly=True)
    attempt_count = fields.Integer(string="Attempts", readonly=True)
    failed_date = fields.Datetime(string="Failed on", readonly=True, help="When it last failed.")
    failed_rule_id = fields.Many2one(
        "imap.routing.rule",
        string="Failed rule",
        readonly=True,
        ondelete="restrict",
        index="btree_not_null",
        help="Stored fine, then this routing rule failed on it: Retry runs the routing again.",
    )
    raw_source = fields.Binary(
        string="Raw source",
        attachment=True,
        readonly=True,
        help="The message as the server sent it.",
    )
    quarantine_origin = fields.Char(
        string="Quarantine origin",
        readonly=True,
        help="The folder it was moved out of, into the mailbox's quarantine folder, when it failed.",
    )

    @api.depends("size")
    def _compute_size_display(self):
        for message in self:
            message.size_display = format_size(message.size) if message.size else ""

    def init(self):
        create_search_index(self.env.cr)  # the conversation search by text (services/text_search.py)

    _sql_constraints = [
        ("dedupe_unique", "unique(mailbox_id, dedupe_key)", "A message is stored once per mailbox."),
    ]

    @api.depends("subject", "email_from")
    def _compute_display_name(self):
        for message in self:
            message.display_name = message.subject or self.env._("(no subject)")

    @api.depends_context("uid")
    @api.depends("body_html_source", "body_text", "attachment_ids")
    def _compute_body_html(self):
        shown = self._remote_content_allowed()
        rendered = self._rendered_bodies(shown)
        for message in self:
            body, has_remote = rendered.get(message.id, (None, False))
            message.has_remote_content = has_remote
            message.remote_content_shown = has_remote and message.id in shown
            if body is not None:
                message.body_html = self._localized_folds(body)
            elif message.body_text:
                # Plain text is rendered at each display (it is quick): its quotes are folded here.
                message.body_html = self._localized_folds(fold_text_quotes(message.body_text, plaintext2html))
            else:
                message.body_html = False

    def _localized_folds(self, body):
        """*body* with the toggle of its folded quotes in the reader's language (the rendering keeps English)."""
        label = self.env._("Show quoted text")
        if label == FOLD_TITLE or FOLD_TITLE not in body:
            return body
        english, localized = FOLD_TITLE, escape(label)
        return body.replace(
            f'title="{english}" aria-label="{english}"', f'title="{localized}" aria-label="{localized}"'
        )

    def _rendered_bodies(self, shown):
        """``{id: (body as the reader sees it, whether it has remote content)}`` of the messages with an HTML part.

        *shown*: ids of the messages whose remote content the reader chose to see.

        Sanitizing takes seconds for a large body, so it is done once: the first display renders
        and stores both versions (without and with remote content), later ones read the one
        they show. The rendering depends on the message alone (never on who reads it), so it is
        written as the sync writes, past the reader's rights.
        """
        messages = self.filtered("id")
        if not messages:
            return {}
        messages.flush_recordset(["body_html_source"])
        self.env.cr.execute(
            SQL(
                """SELECT id, body_rendering = %(rules)s,
                      CASE WHEN id = ANY(%(shown)s) AND body_html_remote IS NOT NULL THEN body_html_remote
                           ELSE body_html_blocked END,
                      body_html_remote IS NOT NULL, body_html_source IS NOT NULL
                 FROM imap_message WHERE id = ANY(%(ids)s)""",
                rules=BODY_RENDERING,
                shown=list(shown),
                ids=messages.ids,
            )
        )
        rendered, stale = {}, []
        for message_id, current, body, has_remote, has_html in self.env.cr.fetchall():
            if current:
                rendered[message_id] = (body, has_remote)
            elif has_html:
                stale.append(message_id)
        fresh = {message.id: message._render_body() for message in self.browse(stale).sudo()}
        for message_id, body in fresh.items():
            wanted = body.remote if message_id in shown and body.remote else body.blocked
            rendered[message_id] = (wanted, bool(body.remote))
        if fresh:
            self._store_rendered(fresh)
        return rendered

    def _render_body(self):
        """The HTML part sanitized (see _sanitized_body), its quoted history folded behind a toggle."""
        sanitized = self._sanitized_body()
        return FilteredBody(
            blocked=fold_html_quotes(sanitized.blocked),
            remote=fold_html_quotes(sanitized.remote) if sanitized.remote else sanitized.remote,
        )

    def _sanitized_body(self):
        """Sanitize the HTML part as Odoo's Html fields do, then keep only the addresses it may show."""
        self.ensure_one()
        cid_urls = {
            a.description[4:]: f"/web/image/{a.id}"
            for a in self.attachment_ids
            if (a.description or "").startswith("cid:")
        }
        sanitized = html_sanitize(
            self.body_html_source, sanitize_attributes=True, sanitize_style=True, strip_classes=True
        )
        return filter_urls(str(sanitized or ""), cid_urls=cid_urls, own_hosts=self._own_hosts())

    def _own_hosts(self):
        """Host names of this Odoo: a mail may not make the reader's browser call them."""
        hosts = {urlsplit(self.env["ir.config_parameter"].sudo().get_param("web.base.url") or "").hostname}
        if request:
            hosts.add(urlsplit(f"//{request.httprequest.host}").hostname)
        return {host for host in hosts if host}

    def _store_rendered(self, rendered):
        if self.env.cr.readonly:
            # A read-only request (a replica) shows what it rendered without keeping it; the
            # forms that show bodies read on a read/write cursor (see web_read).
            return
        for message_id, body in rendered.items():
            self.env.cr.execute(
                SQL(
                    "UPDATE imap_message SET body_html_blocked = %s, body_html_remote = %s, body_rendering = %s "
                    "WHERE id = %s",
                    body.blocked,
                    body.remote,
                    BODY_RENDERING,
                    message_id,
                )
            )
        self.browse(rendered).invalidate_recordset(["body_html_blocked", "body_html_remote", "body_rendering"])

    def _remote_content_allowed(self):
        """Ids of these messages whose remote content the current user chose to see."""
        choices = self.env["imap.remote.content.choice"].sudo().search([("user_id", "=", self.env.uid)])
        trusted = set(choices.mapped("sender_email")) - {False}
        chosen = set(choices.message_id.ids)
        return {message.id for message in self if message.id in chosen or message._sender_key() in trusted}

    def _sender_key(self):
        self.ensure_one()
        return email_normalize(self.email_from or "") or False

    def web_read(self, specification):
        return super().web_read(specification)

    # The first display of a body stores its rendering (see _rendered_bodies): the message form
    # reads on a read/write cursor, where Odoo 18 would give web_read a read-only one.
    web_read._readonly = False

    # -- remote content: the reader's choices ------------------------------------------------

    def action_show_remote_content(self):
        """Show the remote content of these messages to the current user (only them, only to them)."""
        self.check_access("read")
        self.env["imap.remote.content.choice"]._choose(messages=self)
        return True

    def action_always_show_remote_content(self):
        """Show the remote content of every message from these senders to the current user."""
        self.check_access("read")
        self.env["imap.remote.content.choice"]._choose(senders={m._sender_key() for m in self} - {False})
        return True

    def action_block_remote_content(self):
        """Stop showing remote content of these messages and their senders to the current user."""
        self.check_access("read")
        self.env["imap.remote.content.choice"]._forget(self)
        return True

    def _raw_bytes(self):
        """The stored source of a failed message, as bytes."""
        self.ensure_one()
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_field", "=", "raw_source"),
                    ("res_id", "=", self.id),
                ],
                limit=1,
            )
        )
        return attachment.raw or b""

    def action_retry(self):
        """Store failed messages again from their source (after a fix, or a passing problem)."""
        stored, still_failed = self._retry_failed()
        kind = "success" if not still_failed else "warning"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Retry"),
                "message": self.env._(
                    "%(stored)s stored, %(failed)s still failing.", stored=stored, failed=still_failed
                ),
                "type": kind,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _retry_failed(self):
        """Store those of these messages that failed again (Retry, the API): (stored, still failing)."""
        from ..services.message_importer import MessageImporter

        # Whoever sees a failed message may have it stored again; storing is the sync's job.
        self.check_access("read")
        failed = self.sudo().filtered(lambda m: m.state == states.MESSAGE_FAILED)
        stored = still_failed = 0
        for mailbox in failed.mailbox_id:
            done, not_done = MessageImporter(mailbox).retry(failed.filtered(lambda m, mb=mailbox: m.mailbox_id == mb))
            stored, still_failed = stored + done, still_failed + not_done
        return stored, still_failed

    def action_import_anyway(self):
        """Download and import messages recorded as too large, whatever their size.

        For IMAP administrators and each mailbox's owner: a download of this size is the
        mailbox's business, not every reader's (reading a shared mailbox is not syncing it).
        """
        from ..services.large_messages import import_too_large

        self.check_access("read")
        large = self.filtered(lambda m: m.state == states.MESSAGE_TOO_LARGE)
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
        addresses = (self.reply_to or self.email_from) if self.direction == states.INCOMING else self.email_to
        return self.env["res.partner"]._imap_partners_from(addresses)

    def _resendable(self):
        """Those of these messages the current user may send again: their own, whose sending failed.

        Sending again reuses the Message-ID and replaces the message (see services/sender.py).
        """
        return self.filtered(
            lambda m: (
                m.state == states.MESSAGE_DRAFT and m.direction == states.OUTGOING and m.create_uid.id == self.env.uid
            )
        )

    def action_resend(self):
        """Open the composer on a message whose sending failed, as it was written."""
        self.ensure_one()
        if not self._resendable():
            raise UserError(self.env._("Only a message you wrote and whose sending failed can be sent again."))
        partners = self.env["res.partner"]
        return self.env["imap.compose"]._open(
            {
                "default_draft_id": self.id,
                "default_mailbox_id": self.mailbox_id.id,
                "default_conversation_id": self.conversation_id.id,
                "default_parent_id": self.env["imap.message"]
                .search(
                    [("message_id", "=", self.in_reply_to), ("mailbox_id", "=", self.mailbox_id.id)],
                    limit=1,
                )
                .id
                if self.in_reply_to
                else False,
                "default_partner_ids": partners._imap_partners_from(self.email_to).ids,
                "default_cc_partner_ids": partners._imap_partners_from(self.email_cc).ids,
                "default_subject": self.subject,
                "default_body": self.body_html_source or self.body_html,
                "default_attachment_ids": self.attachment_ids.ids,
            },
            self.env._("Send again"),
        )

    def action_open_conversation(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "imap.conversation",
            "res_id": self.conversation_id.id,
            "view_mode": "form",
        }
