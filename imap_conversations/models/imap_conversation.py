from datetime import datetime

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_datetime, parse_contact_from_email
from odoo.tools.misc import babel_locale_parse, get_lang, posix_to_ldml

from ..engine import states
from ..engine.quoting import FORWARD, MODES, REPLY, REPLY_ALL
from ..engine.sizes import format_size
from ..engine.summary import named_addresses
from ..engine.threads import normalize_subject
from ..services.conversation_summary import refresh_correspondents
from ..services.conversation_work import OPEN, REOPENED, STATUSES, USER_FIELDS, check_assignee, check_followers
from ..services.text_search import search_text_domain

#: Context key carrying the messages that were unread for the user when the form opened them.
NEW_MESSAGES_CONTEXT = "imap_new_message_ids"


#: Attachments opened in Odoo's file viewer as well as downloaded: PDF and raster images only (an SVG
#: or HTML file can run script; those are downloaded, see services/message_importer.py).
VIEWER_MIMETYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})

#: Recipients named in a message's header before "and N more".
RECIPIENTS_SHOWN = 4

#: The messages the thread shows.
SHOWN_STATES = states.MESSAGE_SHOWN_STATES
#: The messages the summary counts: a draft is not part of the thread until it is sent.
SUMMARY_STATES = states.MESSAGE_SUMMARY_STATES


class ImapConversation(models.Model):
    """A thread of messages of one mailbox, linked to the contacts taking part.

    Its IMAP messages are ``imap_message_ids``: ``message_ids`` is the name
    mail.thread gives to chatter messages.

    Read state is per user (see ``imap.conversation.read`` for the rules). The
    sync only maintains two message-id watermarks per conversation, in the same
    bulk statement as the other summary columns, so deciding "unread for me" is
    a comparison of integers and never costs anything per imported message.
    """

    _name = "imap.conversation"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Conversation"
    _order = "last_message_date desc, id desc"
    _rec_name = "subject"

    subject = fields.Char(readonly=True)
    normalized_subject = fields.Char(
        string="Normalized subject",
        readonly=True,
        index=True,
        help="Subject without Re:/Fwd: and list tags; a long one cut and hashed, to fit the index.",
    )
    mailbox_id = fields.Many2one("imap.mailbox", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="mailbox_id.company_id", store=True, index=True)
    user_id = fields.Many2one(related="mailbox_id.user_id", string="Mailbox owner", store=True, index=True)
    draft_count = fields.Integer(compute="_compute_draft_count", string="Not sent")
    imap_message_ids = fields.One2many("imap.message", "conversation_id", string="Emails", readonly=True)
    partner_ids = fields.Many2many(
        "res.partner",
        "imap_conversation_partner_rel",
        "conversation_id",
        "partner_id",
        string="Participants",
        readonly=True,
    )
    participant_emails = fields.Text(
        string="Participant addresses",
        readonly=True,
        help="Every address taking part, lower-cased.",
    )
    participant_email = fields.Char(
        string="Participant address",
        compute="_compute_participant_email",
        search="_search_participant_email",
        help="Search only: conversations in which this exact address takes part.",
    )
    link_ids = fields.One2many("imap.conversation.link", "conversation_id", string="Linked records")

    # Work on the conversation (services/conversation_work.py): written by users, tracked in the chatter.
    # The sync writes neither through the ORM, so it never posts there.
    assignee_id = fields.Many2one(
        "res.users",
        tracking=True,
        index=True,
        help="Who answers it. The mailbox owner for a personal mailbox; nobody at first for a shared one.",
    )
    status = fields.Selection(
        STATUSES,
        required=True,
        default=OPEN,
        tracking=True,
        index=True,
        group_expand=True,
        help="New incoming mail makes a waiting or done conversation open again.",
    )
    needs_reply = fields.Boolean(
        string="Needs reply",
        readonly=True,
        index=True,
        help="Its last message came in: the customer waits for an answer.",
    )

    # Kept up to date by the importer after each batch (one query), not recomputed per message.
    message_count = fields.Integer(string="Message count", readonly=True)
    first_message_date = fields.Datetime(string="First message", readonly=True)
    last_message_date = fields.Datetime(string="Last message", readonly=True, index=True)
    # Watermarks for the per-user read state: ids grow with import order, so "a message this user
    # has not seen yet" is "an id above what they had when they last opened the conversation".
    last_incoming_message_id = fields.Integer(
        string="Last incoming message",
        readonly=True,
        help="Highest id of the incoming messages (technical).",
    )
    last_unseen_message_id = fields.Integer(
        string="Last unseen message",
        readonly=True,
        help="Highest id of the incoming messages without \\Seen on the server (technical).",
    )

    # Who it is with and what was said last, from the mail itself (no contact needed): written by
    # _refresh_summary with the columns above. The list shows them; partner_ids keeps the contacts.
    correspondent_name = fields.Char(
        string="Correspondent",
        readonly=True,
        help="The other party of the last message: its sender when it came in, else its first recipient.",
    )
    correspondent_email = fields.Char(string="Correspondent address", readonly=True)
    preview = fields.Char(readonly=True, help="The start of the last message, without quoted text.")
    search_text = fields.Char(
        string="Text",
        compute="_compute_search_text",
        search="_search_search_text",
        help="Search only: words or parts of words in the subject, a body or an address of its messages.",
    )

    # Per user: computed from the watermarks above and the user's imap.conversation.read row.
    is_unread = fields.Boolean(
        string="Unread",
        compute="_compute_is_unread",
        search="_search_is_unread",
        help="It holds incoming mail you have not read yet.",
    )
    unread_message_count = fields.Integer(
        string="Unread messages",
        compute="_compute_unread_message_count",
        help="Incoming messages you have not read yet.",
    )
    thread_html = fields.Html(
        string="Thread",
        compute="_compute_thread_html",
        # Built from bodies already sanitized by imap.message.body_html, everything else escaped
        # by QWeb; sanitizing again would strip the layout classes and the download links.
        sanitize=False,
    )

    @api.depends("subject")
    def _compute_display_name(self):
        for conversation in self:
            conversation.display_name = conversation.subject or self.env._("(no subject)")

    @api.model
    def get_empty_list_help(self, help_message):
        # Odoo picks the help once, when the action loads, not per search: if the user can see any
        # conversation at all, an empty list comes from the search or the filters, and the action's
        # "connect a mailbox" would send them the wrong way.
        # Actions are read as superuser (/web/action/load): count what this user may see.
        if self.sudo(False).search_count([], limit=1):
            help_message = Markup("<p class='o_view_nocontent_smiling_face'>%s</p><p>%s</p>") % (
                self.env._("No conversation matches your search"),
                self.env._("Try other words (a part of a word is enough), or remove a filter."),
            )
        return super().get_empty_list_help(help_message)

    def init(self):
        # The participant search below compares whole addresses; this index makes it a lookup.
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS imap_conversation_participant_emails_gin "
            "ON imap_conversation USING gin (string_to_array(participant_emails, ' '))"
        )

    # -- participants ------------------------------------------------------------------

    def _compute_participant_email(self):
        self.participant_email = False

    def _search_participant_email(self, operator, value):
        if operator not in ("=", "in") or not value:
            return NotImplemented
        addresses = [value] if isinstance(value, str) else list(value)
        addresses = [a.strip().lower() for a in addresses if a]
        self.flush_model(["participant_emails"])
        # Whole addresses only: "bob@x.test" must not find "jimbob@x.test" as ilike would.
        return [
            (
                "id",
                "in",
                SQL(
                    "(SELECT id FROM imap_conversation WHERE string_to_array(participant_emails, ' ') && %s::text[])",
                    addresses,
                ),
            )
        ]

    def _compute_search_text(self):
        self.search_text = False

    def _search_search_text(self, operator, value):
        if operator not in ("ilike", "=") or not isinstance(value, str) or not value.strip():
            return NotImplemented
        self.env["imap.message"].flush_model(
            ["conversation_id", "state", "subject", "body_text", "email_from", "email_to", "email_cc"]
        )
        return search_text_domain(value, SUMMARY_STATES)

    # -- read state, per user ----------------------------------------------------------------

    def _flush_read_state(self):
        """Write pending ORM changes to everything the read-state queries below read."""
        self.env["imap.message"].flush_model(["conversation_id", "state", "direction", "is_seen"])
        self.env["imap.conversation"].flush_model(["mailbox_id", "last_incoming_message_id", "last_unseen_message_id"])
        self.env["imap.mailbox"].flush_model(["user_id", "mark_as_read"])
        self.env["imap.conversation.read"].flush_model()

    def _unread_sql(self, user_id):
        """FROM and WHERE selecting the conversations unread for *user_id* (aliases c, mb, r).

        The threshold is the highest message id that can still be unread: every incoming
        message, or only those without \\Seen when the server's flag counts for this user
        (see imap.conversation.read); unread when it is above the user's watermark.
        """
        self._flush_read_state()
        return SQL(
            """
              FROM imap_conversation c
              JOIN imap_mailbox mb ON mb.id = c.mailbox_id
         LEFT JOIN imap_conversation_read r ON r.conversation_id = c.id AND r.user_id = %(user)s
             WHERE COALESCE(CASE WHEN %(seen_counts)s THEN c.last_unseen_message_id
                                 ELSE c.last_incoming_message_id END, 0)
                   > COALESCE(r.last_read_message_id, 0)
            """,
            user=user_id,
            seen_counts=self._seen_counts_sql(),
        )

    @staticmethod
    def _seen_counts_sql():
        """Whether the server's \\Seen flag counts as read for the user of alias r (see imap.conversation.read)."""
        return SQL(
            "(mb.user_id IS NOT NULL AND NOT COALESCE(mb.mark_as_read, FALSE) AND NOT COALESCE(r.marked_unread, FALSE))"
        )

    @api.depends_context("uid")
    @api.depends("last_incoming_message_id", "last_unseen_message_id")
    def _compute_is_unread(self):
        unread = set()
        if self.ids:
            self.env.cr.execute(SQL("SELECT c.id %s AND c.id = ANY(%s)", self._unread_sql(self.env.uid), self.ids))
            unread = {row[0] for row in self.env.cr.fetchall()}
        for conversation in self:
            conversation.is_unread = conversation.id in unread

    def _search_is_unread(self, operator, value):
        if operator not in ("=", "!="):
            return NotImplemented
        wanted = (operator == "=") == bool(value)
        subquery = SQL("(SELECT c.id %s)", self._unread_sql(self.env.uid))
        return [("id", "in" if wanted else "not in", subquery)]

    def _unread_messages_by_conversation(self):
        """``{conversation id: [message ids]}`` of the incoming messages unread for the current user."""
        if not self.ids:
            return {}
        self._flush_read_state()
        self.env.cr.execute(
            SQL(
                """
            SELECT m.conversation_id, array_agg(m.id ORDER BY m.id)
              FROM imap_message m
              JOIN imap_conversation c ON c.id = m.conversation_id
              JOIN imap_mailbox mb ON mb.id = c.mailbox_id
         LEFT JOIN imap_conversation_read r ON r.conversation_id = c.id AND r.user_id = %(user)s
             WHERE m.conversation_id = ANY(%(ids)s) AND m.state = %(imported)s AND m.direction = %(incoming)s
               -- Redundant, and there for the planner: see _refresh_summary.
               AND c.id = ANY(%(ids)s)
               AND m.id > COALESCE(r.last_read_message_id, 0)
               AND NOT (%(seen_counts)s AND COALESCE(m.is_seen, FALSE))
          GROUP BY m.conversation_id
            """,
                user=self.env.uid,
                ids=self.ids,
                seen_counts=self._seen_counts_sql(),
                imported=states.MESSAGE_IMPORTED,
                incoming=states.INCOMING,
            )
        )
        return dict(self.env.cr.fetchall())

    @api.depends_context("uid")
    @api.depends("imap_message_ids", "last_incoming_message_id", "last_unseen_message_id")
    def _compute_unread_message_count(self):
        unread = self._unread_messages_by_conversation()
        for conversation in self:
            conversation.unread_message_count = len(unread.get(conversation.id, ()))

    def _mark_read(self):
        """Everything in these conversations now is read for the current user (the server is left alone)."""
        self._set_read_state(marked_unread=False)

    def _mark_unread(self):
        """Make the latest incoming message unread again for the current user, whatever the server says."""
        self._set_read_state(marked_unread=True)

    def _set_read_state(self, marked_unread):
        if not self:
            return
        self.check_access("read")
        self._flush_read_state()
        # Reading: the watermark moves to the newest message. Marking unread: just below the newest
        # incoming one, which is then unread again (marked_unread ignores its \Seen flag).
        # One upsert for all: the row is the user's own, so a concurrent open cannot duplicate it.
        watermark = SQL("max(m.id) - 1") if marked_unread else SQL("max(m.id)")
        direction = SQL("AND m.direction = %s", states.INCOMING) if marked_unread else SQL()
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO imap_conversation_read (conversation_id, user_id, last_read_message_id, read_date,
                                                marked_unread)
                 SELECT c.id, %(user)s, COALESCE(%(watermark)s, 0), now() at time zone 'UTC', %(marked)s
                   FROM imap_conversation c
              LEFT JOIN imap_message m ON m.conversation_id = c.id AND m.state IN %(summary_states)s
                                          %(direction)s
                                          -- Redundant, and there for the planner: see _refresh_summary.
                                          AND m.conversation_id = ANY(%(ids)s)
                  WHERE c.id = ANY(%(ids)s)
               GROUP BY c.id
            ON CONFLICT (conversation_id, user_id) DO UPDATE
                    SET last_read_message_id = EXCLUDED.last_read_message_id,
                        read_date = EXCLUDED.read_date,
                        marked_unread = EXCLUDED.marked_unread
            """,
                user=self.env.uid,
                watermark=watermark,
                marked=marked_unread,
                direction=direction,
                ids=self.ids,
                summary_states=SUMMARY_STATES,
            )
        )
        self.env["imap.conversation.read"].invalidate_model()
        self.invalidate_recordset(["is_unread", "unread_message_count"])

    def action_mark_read(self):
        self._mark_read()
        return False

    def action_mark_unread(self):
        self._mark_unread()
        if not self.env.context.get("imap_keep_form_open"):
            return False
        # From the form: say so, and stay on the record (the form marks read only another record shown).
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._("Marked as unread. It stays unread until you open it again."),
                "next": {"type": "ir.actions.act_window_close", "infos": {"noReload": True}},
            },
        }

    def web_read(self, specification):
        """The form's read shows which messages the user had not read yet ("New").

        Marking them read happens next, from the form (static/src/js/conversation_form.js),
        so that this read tells what was new. Only a read that asks for ``thread_html`` (the
        conversation form) computes it; lists and tabs do not.
        """
        if len(self) == 1 and self.id and "thread_html" in specification:
            new_ids = self._unread_messages_by_conversation().get(self.id, [])
            records = self.with_context(**{NEW_MESSAGES_CONTEXT: tuple(new_ids)})
            return super(ImapConversation, records).web_read(specification)
        return super().web_read(specification)

    # The first display of a body keeps its rendering (imap.message._rendered_bodies): the form
    # reads on a read/write cursor, where Odoo 18 would give web_read a read-only one.
    web_read._readonly = False

    # -- the thread, as the form shows it ---------------------------------------------------

    @api.depends_context("uid", "tz", "lang", NEW_MESSAGES_CONTEXT)
    @api.depends("imap_message_ids")
    def _compute_thread_html(self):
        new_ids = set(self.env.context.get(NEW_MESSAGES_CONTEXT) or ())
        date_format = self._thread_date_format()
        for conversation in self:
            # Failed imports are not mail of the thread yet; what we wrote is, sent or not.
            messages = conversation.imap_message_ids.filtered(lambda m: m.state in SHOWN_STATES).sorted(
                lambda m: (m.date or datetime.min, m.id)
            )
            entries = [conversation._thread_entry(message, message.id in new_ids, date_format) for message in messages]
            conversation.thread_html = self.env["ir.qweb"]._render(
                "imap_conversations.conversation_thread",
                {"conversation": conversation, "entries": entries},
            )

    def _thread_date_format(self):
        """The user's language date and time formats, without seconds, as a babel pattern."""
        lang = get_lang(self.env)
        locale = babel_locale_parse(lang.code)
        time_format = lang.time_format.replace(":%S", "")
        return f"{posix_to_ldml(lang.date_format, locale)} {posix_to_ldml(time_format, locale)}"

    def _thread_entry(self, message, is_new, date_format):
        self.ensure_one()
        tz = self.env.context.get("tz") or self.env.user.tz or "UTC"
        name, address = parse_contact_from_email(message.email_from or "")
        source = message.body_html_source or ""
        attachments = [
            {
                "id": a.id,
                "name": a.name,
                "size": format_size(a.file_size),
                "mimetype": a.mimetype,
                "viewable": a.mimetype in VIEWER_MIMETYPES,
            }
            for a in message.attachment_ids.sorted("id")
            # An image shown in the body is not listed again; a part that merely has a Content-ID is.
            if not ((a.description or "").startswith("cid:") and a.description in source)
        ]
        return {
            "message": message,
            "outgoing": message.direction == states.OUTGOING,
            "new": is_new,
            "sender_name": name or address or self.env._("Unknown sender"),
            # Shown after the name; formatted here so that t-out escapes the angle brackets.
            "sender_email": f"<{address}>" if name and address else "",
            "date": format_datetime(self.env, message.date, tz=tz, dt_format=date_format) if message.date else "",
            "date_title": format_datetime(self.env, message.date, tz=tz, dt_format="full") if message.date else "",
            # Names, with the address in a tooltip; the first few only, the others behind a toggle.
            "recipients": [
                (label, people[:RECIPIENTS_SHOWN], people[RECIPIENTS_SHOWN:])
                for label, people in (
                    (self.env._("To"), named_addresses(message.email_to)),
                    (self.env._("Cc"), named_addresses(message.email_cc)),
                    (self.env._("Bcc"), named_addresses(message.email_bcc)),
                )
                if people
            ],
            # "Re: <the subject>" says nothing new; a subject changed along the way is shown.
            "subject": message.subject if normalize_subject(message.subject) != normalize_subject(self.subject) else "",
            "body": message.body_html,
            "remote_blocked": message.has_remote_content and not message.remote_content_shown,
            "remote_shown": message.remote_content_shown,
            "sender_key": message._sender_key(),
            "attachments": attachments,
            # Written in Odoo, its sending failed: shown with why, and sent again from the header.
            "not_sent": message.state == states.MESSAGE_DRAFT,
            "error": message.error_message or "",
        }

    # -- replying ---------------------------------------------------------------------------

    @api.depends_context("uid")
    @api.depends("imap_message_ids.state")
    def _compute_draft_count(self):
        # The user's own: only those they can send again (a colleague's shows in the thread, as not sent).
        for conversation in self:
            conversation.draft_count = len(conversation.imap_message_ids._resendable())

    def _reply_target(self):
        """The message a reply answers: the last one received, else the last one at all."""
        self.ensure_one()
        messages = self.imap_message_ids.filtered(lambda m: m.state in SUMMARY_STATES).sorted(
            lambda m: (m.date or datetime.min, m.id)
        )
        incoming = messages.filtered(lambda m: m.direction == states.INCOMING)
        return (incoming or messages)[-1:] if messages else messages

    def action_reply(self):
        self.ensure_one()
        return self.env["imap.compose"]._open({"default_conversation_id": self.id}, self.env._("Reply"))

    def action_reply_all(self):
        """Reply all to the message Reply answers (the last one received): the form's buttons on a phone."""
        return self._answer_reply_target(REPLY_ALL)

    def action_forward(self):
        """Forward the message Reply answers (the last one received): the form's buttons on a phone."""
        return self._answer_reply_target(FORWARD)

    def _answer_reply_target(self, mode):
        self.ensure_one()
        self.check_access("read")
        target = self._reply_target()
        if not target:
            raise UserError(self.env._("This conversation has no message to answer yet."))
        return self.action_reply_to_message(target.id, mode)

    def action_reply_to_message(self, message_id, mode=REPLY):
        """Reply, Reply all or Forward one message of the thread (its buttons, conversation_form.js).

        *message_id* comes from the browser: it must be a message of this conversation, which the
        user may read, or any message of any mailbox could be quoted into a composer.
        """
        self.ensure_one()
        self.check_access("read")
        if mode not in MODES:
            raise UserError(self.env._("Unknown way of answering: %(mode)s", mode=mode))
        message = self.imap_message_ids.filtered(lambda m: m.id == message_id and m.state in SUMMARY_STATES)
        if not message:
            raise UserError(self.env._("That message is not one of this conversation."))
        titles = {"reply": self.env._("Reply"), "reply_all": self.env._("Reply all"), "forward": self.env._("Forward")}
        action = self.env["imap.compose"]._open(
            {
                "default_conversation_id": self.id,
                "default_parent_id": message.id,
                "imap_compose_mode": mode,
            },
            titles[mode],
        )
        # Called by orm.call, not as a button: the web client's doAction wants the views spelled out.
        return {**action, "views": [(False, "form")]}

    def action_resend_draft(self):
        """Open the last message whose sending failed, to send it again."""
        self.ensure_one()
        drafts = self.imap_message_ids._resendable()
        if not drafts:
            raise UserError(self.env._("No message of yours is waiting to be sent again in this conversation."))
        return drafts.sorted("id")[-1:].action_resend()

    # -- linking ---------------------------------------------------------------------------

    def action_open_link_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Link to a record"),
            "res_model": "imap.conversation.link.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_conversation_ids": self.ids},
        }

    # -- summary, maintained by the sync ---------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # The sync inserts conversations by SQL (services/conversation_resolver.py), with the same
        # default assignee; this is for the ORM. Nothing is logged in the chatter for a new one.
        for vals in vals_list:
            if "assignee_id" not in vals and vals.get("mailbox_id"):
                vals["assignee_id"] = self.env["imap.mailbox"].browse(vals["mailbox_id"]).user_id.id
        conversations = super(
            ImapConversation, self.with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
        ).create(vals_list)
        for conversation in conversations.filtered("assignee_id"):
            check_assignee(conversation, conversation.assignee_id)
            conversation._follow_assignee()
        return conversations.with_env(self.env)

    def write(self, vals):
        # Users assign, set the status and edit links; the rest is the sync's. Without this, a
        # user could move a shared conversation into their own mailbox, out of the team's sight.
        manager = self.env.su or self.env.user.has_group("imap_conversations.group_manager")
        if not manager and set(vals) - USER_FIELDS - self._mail_mixin_fields():
            raise AccessError(
                self.env._("Conversations are written by the sync; you can change their assignee, status and links.")
            )
        result = super().write(vals)
        if "mailbox_id" in vals and not self.env.su:
            # Rules were checked on the conversation as it was: it must still be writable where it went.
            self.check_access("write")
        if vals.get("assignee_id") or ("mailbox_id" in vals and self.assignee_id):
            for assignee, conversations in self.grouped("assignee_id").items():
                check_assignee(conversations, assignee)
            if vals.get("assignee_id"):
                self._follow_assignee()
        return result

    @api.model
    def _mail_mixin_fields(self):
        """Fields of mail.thread and mail.activity.mixin, which mail writes with its own checks."""
        return {
            name
            for model in ("mail.thread", "mail.activity.mixin")
            for name in self.env[model]._fields
            if name not in models.MAGIC_COLUMNS and name not in ("id", "display_name")
        }

    def _message_subscribe(self, partner_ids=None, subtype_ids=None, customer_ids=None):
        # Every way of adding a follower ends here (message_subscribe, the follower wizard, writing
        # message_partner_ids, autofollow, the assignee): a follower gets the conversation's notes
        # and messages, so only someone who may read it follows it, whoever adds them.
        if self and partner_ids:
            check_followers(self, self.env["res.partner"].browse(partner_ids))
        return super()._message_subscribe(partner_ids=partner_ids, subtype_ids=subtype_ids, customer_ids=customer_ids)

    def _follow_assignee(self):
        for assignee, conversations in self.grouped("assignee_id").items():
            if assignee:
                conversations.message_subscribe(partner_ids=assignee.partner_id.ids)

    def action_assign_to_me(self):
        self.write({"assignee_id": self.env.uid})
        return False

    def _refresh_summary(self):
        """Recount messages, dates, read watermarks and participants from the messages, in bulk."""
        if not self:
            return
        self.env["imap.message"].flush_model()
        self.flush_recordset()
        # Every table is read through "= ANY(ids)" and the summary is computed once: when the
        # statistics claim the tables are empty (see services/table_statistics.py), a join on
        # the conversation alone let the planner rescan all messages for each conversation.
        self.env.cr.execute(
            """
            WITH s AS MATERIALIZED (
                SELECT m.conversation_id,
                       -- The thread is named after its oldest message, whichever was imported first.
                       (array_agg(m.subject ORDER BY m.date NULLS LAST, m.id)
                           FILTER (WHERE m.subject IS NOT NULL AND m.subject != ''))[1] AS first_subject,
                       count(*) AS message_count,
                       min(m.date) AS first_date,
                       max(m.date) AS last_date,
                       max(m.id) FILTER (WHERE m.direction = %(incoming)s) AS last_incoming,
                       max(m.id) FILTER (WHERE m.direction = %(incoming)s AND NOT coalesce(m.is_seen, false))
                           AS last_unseen,
                       -- The thread's last message (in the thread's order) came in: it needs a reply.
                       (array_agg(m.direction ORDER BY m.date DESC NULLS LAST, m.id DESC))[1] = %(incoming)s
                           AS needs_reply
                  FROM imap_message m
                 WHERE m.conversation_id = ANY(%(ids)s) AND m.state IN %(summary_states)s
              GROUP BY m.conversation_id
            )
            UPDATE imap_conversation c
               SET subject = COALESCE(s.first_subject, c.subject),
                   -- A conversation whose only message is a draft counts 0, not its old count.
                   message_count = COALESCE(s.message_count, 0),
                   first_message_date = s.first_date,
                   last_message_date = s.last_date,
                   last_incoming_message_id = s.last_incoming,
                   last_unseen_message_id = s.last_unseen,
                   needs_reply = COALESCE(s.needs_reply, FALSE),
                   -- Mail newer than any incoming one before: the customer wrote, so the
                   -- conversation is open again (see services/conversation_work.py).
                   status = CASE WHEN c.status IN %(reopened)s
                                      AND s.last_incoming > COALESCE(c.last_incoming_message_id, 0)
                                 THEN %(open)s ELSE c.status END
              FROM unnest(%(ids)s::int[]) AS t(id)
         LEFT JOIN s ON s.conversation_id = t.id
             WHERE c.id = ANY(%(ids)s) AND c.id = t.id
            """,
            {
                "ids": self.ids,
                "reopened": REOPENED,
                "open": OPEN,
                "incoming": states.INCOMING,
                "summary_states": SUMMARY_STATES,
            },
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
        refresh_correspondents(self.env.cr, self.ids, SUMMARY_STATES)
        self.invalidate_recordset(
            [
                "correspondent_name",
                "correspondent_email",
                "preview",
                "subject",
                "display_name",
                "message_count",
                "first_message_date",
                "last_message_date",
                "last_incoming_message_id",
                "last_unseen_message_id",
                "is_unread",
                "unread_message_count",
                "partner_ids",
                "needs_reply",
                "status",
            ]
        )
