from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime, parse_contact_from_email

from ..engine.quoting import REPLY
from ..services import composer_flow, own_mailboxes
from ..services.answers import answer_values
from ..services.sender import MailSender

#: Record types a template can be rendered for in the composer, besides the record the mail is about.
CONVERSATION = "imap.conversation"
CONTACT = "res.partner"


class ImapCompose(models.TransientModel):
    """Writing a reply in a conversation, or a new mail from a contact, a lead or any record."""

    _name = "imap.compose"
    _description = "Write an email"

    mailbox_id = fields.Many2one(
        # Required in the form only when there is one to choose: otherwise no_mailbox_reason says why not.
        "imap.mailbox",
        string="From",
        default=lambda self: self._default_mailbox(),
        domain="[('smtp_host', '!=', False), '|', ('user_id', '=', uid), ('user_id', '=', False)]",
        help="Your own mailbox by default; shared mailboxes of your company are offered too.",
    )
    # Defaults, not computed fields: what the composer shows on opening (action_send asks again).
    no_mailbox_reason = fields.Text(
        string="No mailbox reason",
        readonly=True,
        default=lambda self: self._no_mailbox_reason(),
    )
    can_add_mailbox = fields.Boolean(
        string="Can add mailbox",
        readonly=True,
        default=lambda self: self._can_add_mailbox(),
    )
    conversation_id = fields.Many2one("imap.conversation", readonly=True)
    parent_id = fields.Many2one("imap.message", string="In reply to", readonly=True)
    parent_preview = fields.Html(
        string="The message answered",
        compute="_compute_parent_preview",
        sanitize=False,
        help="Who wrote the message answered, when, and what: shown beside the text one writes.",
    )
    draft_id = fields.Many2one(
        "imap.message",
        readonly=True,
        help="Your message whose sending failed, sent again with its Message-ID from the same mailbox.",
    )
    res_model = fields.Char(
        string="Record model",
        readonly=True,
        help="The record the mail is about (a contact, a lead...).",
    )
    res_id = fields.Many2oneReference(model_field="res_model", readonly=True)
    partner_ids = fields.Many2many("res.partner", "imap_compose_to_rel", "compose_id", "partner_id", string="To")
    cc_partner_ids = fields.Many2many("res.partner", "imap_compose_cc_rel", "compose_id", "partner_id", string="Cc")
    subject = fields.Char()
    body = fields.Html(sanitize_style=True)
    attachment_ids = fields.Many2many("ir.attachment", "imap_compose_attachment_rel", "compose_id", "attachment_id")
    template_id = fields.Many2one("imap.template", domain="[('id', 'in', template_ids)]")
    template_ids = fields.Many2many("imap.template", string="Available templates", compute="_compute_template_ids")
    template_body = fields.Html(
        string="Template body",
        sanitize_style=True,
        help="The body as the last template (or the empty composer) left it: a body still equal to it "
        "may be replaced by a template; one the writer changed is kept.",
    )

    @api.model
    def _open(self, context, title):
        if context.get("default_conversation_id") or context.get("default_parent_id"):
            # An answer: the dialog is wide enough to show the message answered beside the text.
            context = {**context, "dialog_size": "extra-large"}
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": context,
        }

    @api.depends("parent_id")
    def _compute_parent_preview(self):
        for composer in self:
            # Only a message the writer may read (the body is read past the record rules, see
            # imap.message._rendered_bodies; _check_references refuses others already).
            parent = composer.parent_id._filtered_access("read")
            composer.parent_preview = composer._parent_preview(parent) if parent else False

    def _parent_preview(self, parent):
        name, address = parse_contact_from_email(parent.email_from or "")
        tz = self.env.context.get("tz") or self.env.user.tz or "UTC"
        date = format_datetime(self.env, parent.date, tz=tz, dt_format="medium") if parent.date else ""
        return Markup(
            '<div class="o_imap_parent_header small text-muted mb-2"><strong>%s</strong> <span>%s</span></div>'
            '<div class="o_imap_body">%s</div>'
        ) % (name or address or self.env._("Unknown sender"), date, Markup(parent.body_html or ""))

    # -- defaults ----------------------------------------------------------------------------

    @api.model
    def _sending_mailboxes_domain(self):
        """One's own mailbox or a shared one: never someone else's, even for an administrator
        (mail from a personal mailbox goes out in its owner's name)."""
        return [("smtp_host", "!=", False), "|", ("user_id", "=", self.env.uid), ("user_id", "=", False)]

    #: Records a composer names by id. RPC sets them at will, and Odoo labels a many2one as
    #: superuser (read, web_read, onchange), so naming one the user may not read would show its name.
    _REFERENCES = ("mailbox_id", "conversation_id", "parent_id", "draft_id")

    def _check_references(self, values):
        """Refuse values naming a mailbox, conversation or message the current user may not read."""
        for name in self._REFERENCES:
            value = values.get(name)
            if isinstance(value, dict):  # the web client's onchange gives {"id": ..., "display_name": ...}
                value = value.get("id")
            if value:
                self.env[self._fields[name].comodel_name].browse(value).check_access("read")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_references(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_references(vals)
        return super().write(vals)

    def onchange(self, values, field_names, fields_spec):
        self._check_references(values)
        return super().onchange(values, field_names, fields_spec)

    @api.model
    def _default_mailbox(self):
        mailboxes = self.env["imap.mailbox"].search(self._sending_mailboxes_domain())
        own = mailboxes.filtered(lambda m: m.user_id == self.env.user)
        return (own or mailboxes)[:1]

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        # From the context, not only *values*: a field the view does not show is not asked for.
        context = self.env.context
        parent = self.env["imap.message"].browse(values.get("parent_id") or context.get("default_parent_id"))
        conversation = self.env["imap.conversation"].browse(
            values.get("conversation_id") or context.get("default_conversation_id")
        )
        if conversation and not parent:
            parent = conversation._reply_target()
            values["parent_id"] = parent.id
        mode = context.get("imap_compose_mode") or REPLY
        quote = ""
        if parent:
            values.setdefault("conversation_id", parent.conversation_id.id)
            answer = answer_values(parent, mode)
            quote = answer.pop("quote")
            values["subject"] = values.get("subject") or answer.pop("subject")
            for name, value in answer.items():
                if not values.get(name):
                    values[name] = value
            if parent.mailbox_id.filtered_domain(self._sending_mailboxes_domain()):
                values["mailbox_id"] = parent.mailbox_id.id  # answered from where it arrived
        values.setdefault("body", Markup("<p><br></p>") + (self.env.user.signature or "") + quote)
        values.setdefault("template_body", values["body"])
        return values

    @api.model
    def _no_mailbox_reason(self):
        return own_mailboxes.why_none_sends(self.env, self._sending_mailboxes_domain())

    @api.model
    def _can_add_mailbox(self):
        return (
            bool(self._no_mailbox_reason())
            and own_mailboxes.may_add(self.env)
            and not self.env["imap.mailbox"].search_count([("user_id", "=", self.env.uid)], limit=1)
        )

    def action_add_own_mailbox(self):
        return own_mailboxes.new_mailbox_action(self.env)

    @api.depends("res_model", "conversation_id", "partner_ids")
    def _compute_template_ids(self):
        # Templates are few (an administrator writes each one): all of them are candidates.
        templates = self.env["imap.template"].search([], limit=None)
        for composer in self:
            models_ = set(composer._template_objects())
            composer.template_ids = templates.filtered(lambda t, m=models_: t.model in m)

    def _template_objects(self):
        """{record type: the record a template of that type is rendered for}."""
        objects = {}
        if self.partner_ids:
            objects[CONTACT] = self.partner_ids[0]
        if self.conversation_id:
            objects[CONVERSATION] = self.conversation_id
            for link in self.conversation_id.link_ids:
                objects.setdefault(link.res_model, self.env[link.res_model].browse(link.res_id))
        if self.res_model and self.res_id and self.res_model in self.env:
            objects[self.res_model] = self.env[self.res_model].browse(self.res_id)
        # Only records the user may read: a template rendered for a linked record they may not
        # see would show its name and fields in the body (or fail on them).
        return {model: record for model, record in objects.items() if record.exists()._filtered_access("read")}

    def _body_untouched(self):
        """Whether the body is still what the last template, or the empty composer, put there."""
        return composer_flow.same_text(self.body, self.template_body)

    @api.onchange("mailbox_id", "partner_ids")
    def _onchange_default_template(self):
        # A default comes by itself: never over what the writer already wrote.
        if self.template_id or self.draft_id or not self._body_untouched():
            return
        for model in (self.res_model, CONVERSATION, CONTACT):
            template = self.env["imap.template"]._default_for(model) if model else None
            if template and template.model in self._template_objects():
                self.template_id = template
                return

    @api.onchange("template_id")
    def _onchange_template_id(self):
        if not self.template_id:
            return
        record = self._template_objects().get(self.template_id.model)
        if not record:
            return
        subject, body = self.template_id._render_for(record)
        # Chosen over a text of one's own, the template is inserted above it, not put in its place.
        # Over an untouched body the template takes the place of the signature, and keeps the quote.
        kept = composer_flow.quoted_part(self.body) if self._body_untouched() else self.body
        self.body = composer_flow.insert_above(body, kept)
        self.template_body = self.body
        if not self.parent_id and subject:
            # A reply keeps its "Re:" subject: the template brings the words, not a new thread.
            self.subject = subject

    # -- sending -------------------------------------------------------------------------------

    def action_send(self):
        return self._result_notification(self._send())

    def _send(self):
        """Check everything that can refuse, then send (Send, the API): the sender's SendResult."""
        self.ensure_one()
        reason = self._no_mailbox_reason()
        if reason:
            raise UserError(reason)
        # Everything that can refuse, before anything is sent (see MailSender.prepare for the rest).
        if not self.mailbox_id.filtered_domain(self._sending_mailboxes_domain()[1:]):
            raise UserError(self.env._("You can send from your own mailbox or a shared one only."))
        if not self.mailbox_id.can_send:
            raise UserError(
                self.env._(
                    "The mailbox “%(mailbox)s” has no outgoing server: set one in its Outgoing mail tab.",
                    mailbox=self.mailbox_id.name,
                )
            )
        if not self.partner_ids:
            raise UserError(self.env._("Add at least one recipient."))
        without_email = (self.partner_ids | self.cc_partner_ids).filtered(lambda p: not p.email)
        if without_email:
            raise UserError(
                self.env._(
                    "These contacts have no email address: %(names)s",
                    names=", ".join(without_email.mapped("display_name")),
                )
            )
        link_to = None
        if self.res_model and self.res_id:
            link_to = self.env["imap.conversation.link"]._linkable_record(self.res_model, self.res_id)
        sender = MailSender(self.mailbox_id)
        prepared = sender.prepare(
            to=self.partner_ids,
            cc=self.cc_partner_ids,
            subject=self.subject or "",
            html=self.body or "",
            attachments=self.attachment_ids,
            parent=self.parent_id,
            conversation=self.conversation_id,
            draft=self.draft_id,
            link_to=link_to,
        )
        # The composer now stands for the stored message: if sending fails, Send here sends that draft
        # again under its Message-ID; once sent, a second Send (a double click, a request run again
        # after the mail left) is refused as sent already instead of reaching the recipients twice.
        self.draft_id = prepared.message
        return sender.deliver(prepared)

    def _result_notification(self, result):
        if not result.sent:
            title, kind = self.env._("Not sent"), "danger"
            message = self.env._(
                "%(error)s Your message is kept as a draft in the conversation: open it there to send it again.",
                error=result.message.error_message or "",
            )
        else:
            title, kind = self.env._("Sent"), "success"
            message = self.env._("Sent to %(to)s.", to=", ".join(self.partner_ids.mapped("name")))
            if result.refused:
                kind = "warning"
                message += " " + self.env._("The server refused: %(addresses)s.", addresses=", ".join(result.refused))
            if result.sent_copy_error:
                kind = "warning"
                message += " " + self.env._(
                    "No copy could be stored in the Sent folder: %(error)s",
                    error=self.mailbox_id._describe_error(result.sent_copy_error),
                )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": kind,
                "sticky": not result.sent,
                "next": composer_flow.after_send_action(result),
            },
        }
