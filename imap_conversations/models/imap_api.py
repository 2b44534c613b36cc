import base64
import binascii
import contextlib
import functools
import inspect

from odoo import api, models
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.fields import Command

from odoo.addons.base.models.res_partner import _tz_get

from ..engine.quoting import MODES, REPLY
from ..services import api_values

#: What a caller may give when creating a mailbox: the fields of the mailbox form (never its state,
#: dates or errors, which only runs write).
MAILBOX_FIELDS = frozenset(
    {
        "name",
        "email",
        "login",
        "password",
        "host",
        "port",
        "security",
        "verify_certificate",
        "timeout",
        "auth_method",
        "oauth_provider_id",
        "user_id",
        "member_ids",
        "company_id",
        "smtp_host",
        "smtp_port",
        "smtp_security",
        "smtp_same_credentials",
        "smtp_login",
        "smtp_password",
        "chatter_send",
        "sync_interval_minutes",
        "sync_horizon_days",
        "mark_as_read",
        "log_level",
        "max_message_size_mb",
        "quarantine_enabled",
        "quarantine_folder",
    }
)
#: What a caller may give for a template; "model" is the model's technical name (res.partner, crm.lead...).
TEMPLATE_FIELDS = frozenset({"name", "model", "subject", "body_html", "lang", "is_default", "active", "company_id"})
#: At most this many failed messages in one answer.
MAX_LIMIT = 1000
#: Record ids and integer fields are PostgreSQL integers: a larger number would fail in SQL, with a traceback.
MAX_INTEGER = 2**31 - 1


class ImapApi(models.AbstractModel):
    """The external API: what the web client does, callable over JSON-RPC and XML-RPC with an API key.

    Every public method here is documented in docs/api.md. Each one is a thin entry point: it
    calls the same model methods and services as the buttons, with the caller's own rights (the
    record rules, the buttons' ``_check_allowed``, the composer's checks), and answers plain
    JSON values (services/api_values.py). Refusals are Odoo's usual faults: AccessError,
    UserError, ValidationError, MissingError.
    """

    _name = "imap.api"
    _description = "External API"

    # -- mailboxes -------------------------------------------------------------------------

    @api.model
    def list_mailboxes(self, include_disabled=False, manageable_only=False):
        """The mailboxes the caller may use (or, *manageable_only*, manage); disabled ones on demand."""
        self._check_caller()
        mailboxes = self.env["imap.mailbox"].with_context(active_test=not include_disabled).search([], limit=None)
        if manageable_only:
            mailboxes = mailboxes._allowed("manage")
        return [api_values.mailbox(m) for m in mailboxes]

    @api.model
    def create_mailboxes(self, values_list):
        """Create mailboxes as the web client's form does: one's own where Settings allow it; administrators any."""
        self._check_caller()
        self._check_values_list(values_list)
        for values in values_list:
            self._check_keys(values, MAILBOX_FIELDS)
            self._check_kinds(self.env["imap.mailbox"], values)
            self._check_required(self.env["imap.mailbox"], values)
        with self._values_checked():
            mailboxes = self.env["imap.mailbox"].create(values_list)
        return [api_values.mailbox(m) for m in mailboxes]

    @api.model
    def set_mailboxes_active(self, mailbox_ids, active):
        """Enable (*active* true) or disable mailboxes: for those who manage them, as Archive in the form."""
        self._check_caller()
        mailboxes = self._mailboxes(mailbox_ids)
        mailboxes._check_allowed("manage", self.env._("Enable") if active else self.env._("Disable"))
        mailboxes.write({"active": bool(active)})
        return [api_values.mailbox(m) for m in mailboxes]

    @api.model
    def sync_mailboxes(self, mailbox_ids):
        """Sync now, as the button: for those who may use the mailboxes; a report per mailbox."""
        self._check_caller()
        mailboxes = self._mailboxes(mailbox_ids)
        return [api_values.run_report(m, r) for m, r in zip(mailboxes, mailboxes._sync_now(), strict=True)]

    @api.model
    def recover_mailboxes(self, mailbox_ids):
        """Run recovery, as the button: for those who manage the mailboxes; a report per mailbox."""
        self._check_caller()
        mailboxes = self._mailboxes(mailbox_ids)
        return [api_values.run_report(m, r) for m, r in zip(mailboxes, mailboxes._recover_now(), strict=True)]

    # -- failed messages -------------------------------------------------------------------

    @api.model
    def list_failed_messages(self, mailbox_ids=None, limit=100, offset=0):
        """Failed messages of the mailboxes the caller may use (or of those given), last failed first."""
        self._check_caller()
        domain = [("state", "=", "failed")]
        if mailbox_ids not in (None, False):
            mailboxes = self._mailboxes(mailbox_ids)
            mailboxes._check_allowed("use", self.env._("Failed messages"))
            domain.append(("mailbox_id", "in", mailboxes.ids))
        if (
            any(isinstance(n, bool) or not isinstance(n, int) for n in (limit, offset))
            or not 0 < limit <= MAX_LIMIT
            or not 0 <= offset <= MAX_INTEGER
        ):
            raise UserError(self.env._("limit must be between 1 and %(max)s, offset 0 or more.", max=MAX_LIMIT))
        messages = self.env["imap.message"].search(
            domain, limit=limit, offset=offset, order="failed_date desc, id desc"
        )
        return [api_values.failed_message(m) for m in messages]

    @api.model
    def retry_failed_messages(self, message_ids):
        """Retry, as the button: store the messages again from their source."""
        self._check_caller()
        messages = self._records("imap.message", message_ids)
        stored, still_failing = messages._retry_failed()
        failing = messages.exists().filtered(lambda m: m.state == "failed")
        return {
            "stored": stored,
            "still_failing": still_failing,
            "failed": [api_values.failed_message(m) for m in failing],
        }

    # -- writing ---------------------------------------------------------------------------

    @api.model
    def send_message(
        self,
        to=None,
        subject=None,
        body=None,
        *,
        mailbox_id=None,
        cc=None,
        attachments=None,
        template_id=None,
        reply_to_message_id=None,
        conversation_id=None,
        mode=REPLY,
        res_model=None,
        res_id=None,
    ):
        """Write a new mail, or answer a message or a conversation, through the composer: every check
        of the Send button runs before anything is sent, and the mail goes out as from the web client."""
        self._check_caller()
        if mode not in MODES:
            raise UserError(self.env._("mode must be one of %(modes)s.", modes=", ".join(MODES)))
        for name, value in (
            ("mailbox_id", mailbox_id),
            ("reply_to_message_id", reply_to_message_id),
            ("conversation_id", conversation_id),
            ("res_id", res_id),
            ("template_id", template_id),
        ):
            self._check_id(value, name, optional=True)
        for name, value in (("res_model", res_model), ("subject", subject), ("body", body)):
            self._check_text(value, name)
        if attachments not in (None, False) and not isinstance(attachments, list):
            raise UserError(self.env._("An attachment is a dictionary with a name and its content in base64."))
        values = {
            name: value
            for name, value in (
                ("mailbox_id", mailbox_id),
                ("parent_id", reply_to_message_id),
                ("conversation_id", conversation_id),
                ("res_model", res_model),
                ("res_id", res_id),
                ("subject", subject),
                ("body", body),
            )
            if value
        }
        Partner = self.env["res.partner"]
        for name, addresses in (("partner_ids", to), ("cc_partner_ids", cc)):
            if addresses not in (None, False):  # XML-RPC has no null: false means "not given"
                values[name] = [Command.set(self._recipients(Partner, addresses).ids)]
        # The composer finds the mailbox, recipients, subject and quote of an answer as in the web client.
        context = {"imap_compose_mode": mode}
        if reply_to_message_id:
            context["default_parent_id"] = reply_to_message_id
        if conversation_id:
            context["default_conversation_id"] = conversation_id
        with self._values_checked():
            composer = self.env["imap.compose"].with_context(**context).create(values)
        if attachments:
            composer.attachment_ids = [Command.link(a.id) for a in self._attachments(attachments, composer)]
        if template_id:
            template = self._records("imap.template", [template_id])
            if template not in composer.template_ids:
                raise UserError(
                    self.env._(
                        "The template “%(template)s” is written for %(model)s, and this mail is about no such record: "
                        "give one (res_model and res_id), or answer a conversation (linked to one).",
                        template=template.name,
                        model=template.model,
                    )
                )
            composer.template_id = template
            composer._onchange_template_id()
        result = composer._send()
        return api_values.sent_message(result.message, result)

    # -- templates -------------------------------------------------------------------------

    @api.model
    def list_templates(self, model=None, include_archived=False):
        """The templates the caller may read (every IMAP user: the composer offers them)."""
        self._check_caller()
        self._check_text(model, "model")
        domain = [("model", "=", model)] if model else []
        templates = self.env["imap.template"].with_context(active_test=not include_archived).search(domain)
        return [api_values.template(t) for t in templates]

    @api.model
    def create_templates(self, values_list):
        """Create templates (IMAP administrators, as in Configuration > Templates)."""
        self._check_caller()
        self._check_values_list(values_list)
        self.env["imap.template"].check_access("create")  # the ACL's words first, before any value is read
        vals_list = [self._template_values(v) for v in values_list]
        for vals in vals_list:
            self._check_required(self.env["imap.template"], vals)
        with self._values_checked():
            templates = self.env["imap.template"].create(vals_list)
        return [api_values.template(t) for t in templates]

    @api.model
    def update_template(self, template_id, values):
        """Change a template (IMAP administrators)."""
        self._check_caller()
        template = self._records("imap.template", [template_id])
        template.check_access("write")
        vals = self._template_values(values)
        self._check_required(template, vals, creating=False)
        with self._values_checked():
            template.write(vals)
        return api_values.template(template)

    @api.model
    def delete_templates(self, template_ids):
        """Delete templates (IMAP administrators)."""
        self._check_caller()
        self._records("imap.template", template_ids).unlink()
        return True

    @api.model
    def get_default_template(self, model):
        """The template preselected for records of *model* in the caller's company, or false."""
        self._check_caller()
        self._check_text(model, "model")
        template = self.env["imap.template"]._default_for(model)
        return api_values.template(template) if template else False

    @api.model
    def preview_template(self, template_id, res_id=None, lang=None, tz=None):
        """The template rendered for a record (*res_id*) or sample data, as the Preview button shows it."""
        self._check_caller()
        template = self._records("imap.template", [template_id])
        self._check_id(res_id, "res_id", optional=True)
        self._check_text(lang, "lang")
        self._check_text(tz, "tz")
        # The preview's choices are lists made by methods, which the ORM does not check a value against.
        if tz and tz not in self.list_time_zones():
            raise UserError(self.env._("Unknown time zone %(tz)r: list_time_zones gives them.", tz=tz))
        if lang and lang not in dict(self.env["res.lang"].get_installed()):
            raise UserError(self.env._("The language %(lang)r is not installed.", lang=lang))
        with self._values_checked():
            preview = self.env["imap.template.preview"].create(
                {
                    "template_id": template.id,
                    "res_id": res_id or False,
                    "lang": lang or False,
                    **({"tz": tz} if tz else {}),
                }
            )
        return api_values.preview(preview)

    @api.model
    def list_time_zones(self):
        """The time zones a preview offers (dates and times in templates are written in one of them)."""
        self._check_caller()
        return [code for code, _label in _tz_get(self)]

    # -- helpers (private: not callable over RPC) ---------------------------------------------

    def _prepare_setup(self):
        """imap.api is a set of methods, not records (it has no table): the ORM's methods it inherits
        (read, exists, copy, onchange, web_save...) would only fail in SQL or on a missing field, each a
        traceback in the log that any caller could have written at will. Over RPC it answers its own
        methods only: Odoo refuses the others as it refuses private ones (AccessError). Done on the
        registry's class, whose bases (every addon's ``_inherit = "base"``) are known only now."""
        result = super()._prepare_setup()
        model_class = self.env.registry[self._name]
        for name in dir(model_class):
            if name.startswith("_") or name in vars(ImapApi):
                continue
            value = inspect.getattr_static(model_class, name)
            if inspect.isfunction(value) and not getattr(value, "_imap_api_refused", False):
                setattr(model_class, name, _refused_over_rpc(model_class, name))
        return result

    def _check_caller(self):
        if not self.env.user.has_group("imap_conversations.group_user"):
            raise AccessError(
                self.env._(
                    "The IMAP Conversations API is for IMAP users: ask an administrator for the IMAP "
                    "Conversations User role."
                )
            )

    @contextlib.contextmanager
    def _values_checked(self):
        """The ORM refuses a value of the wrong kind (a selection, a number, an id) with a ValueError, which
        RPC answers as a server failure: the caller is told it as a ValidationError, in the ORM's words."""
        try:
            yield
        except ValueError as error:
            raise ValidationError(self.env._("A value is not valid: %(error)s", error=error)) from error

    def _check_values_list(self, values_list):
        if not isinstance(values_list, list) or not all(isinstance(v, dict) for v in values_list):
            raise UserError(self.env._("Give a list of records, each a dictionary of its fields."))

    def _check_keys(self, values, allowed):
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise UserError(
                self.env._(
                    "Unknown fields: %(unknown)s. Allowed: %(allowed)s.",
                    unknown=", ".join(map(str, unknown)),
                    allowed=", ".join(sorted(allowed)),
                )
            )

    def _check_id(self, value, what, optional=False):
        """*value* is a record id (false or none too when *optional*): anything else would reach SQL."""
        if optional and value in (None, False):
            return
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_INTEGER:
            raise UserError(
                self.env._(
                    "%(what)s must be a record id (a whole number from 1), not %(value)r.", what=what, value=value
                )
            )

    def _check_text(self, value, what):
        """*value* is a text, or not given (none or false)."""
        if value not in (None, False) and not isinstance(value, str):
            raise UserError(self.env._("%(what)s must be a text, not %(value)r.", what=what, value=value))

    def _check_kinds(self, Model, values):
        """Each value is of its field's kind, as the ORM stores it without failing in SQL (a text for a
        selection, a record id for a many-to-one, numbers within PostgreSQL's integers...)."""
        for name, value in values.items():
            kind = Model._fields[name].type
            if kind == "many2one":
                self._check_id(value, name, optional=True)
            elif kind == "integer":
                if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_INTEGER:
                    raise UserError(
                        self.env._("%(what)s must be a whole number, not %(value)r.", what=name, value=value)
                    )
            elif kind == "float":
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise UserError(self.env._("%(what)s must be a number, not %(value)r.", what=name, value=value))
            elif kind == "boolean":
                if not isinstance(value, bool):
                    raise UserError(
                        self.env._("%(what)s must be true or false, not %(value)r.", what=name, value=value)
                    )
            elif kind == "many2many":
                # Record ids, as docs/api.md says (user ids for member_ids): not the ORM's commands.
                if not isinstance(value, list):
                    raise UserError(
                        self.env._("%(what)s must be a list of record ids, not %(value)r.", what=name, value=value)
                    )
                for record_id in value:
                    self._check_id(record_id, name)
            else:  # char, text, html, selection
                self._check_text(value, name)

    def _check_required(self, Model, values, creating=True):
        """The fields the form requires are given (or have a default) and not emptied: PostgreSQL would
        refuse the row with an error in the log."""
        required = [
            name
            for name, field in Model._fields.items()
            if field.required
            and field.store
            and not field.compute
            and not field.related
            and field.type not in ("boolean", "integer", "float")
            and (creating or name in values)
        ]
        defaults = Model.default_get(required) if creating else {}
        missing = [name for name in required if name not in defaults and values.get(name) in (None, False, "")]
        if missing:
            raise UserError(self.env._("Missing: %(fields)s.", fields=", ".join(missing)))

    def _records(self, model, ids):
        """The records *ids* of *model* (archived ones too); a missing one refuses the call."""
        if not isinstance(ids, list | tuple) or not ids:
            raise UserError(self.env._("Give a non-empty list of record ids."))
        for record_id in ids:
            self._check_id(record_id, "ids")
        records = self.env[model].with_context(active_test=False).browse(list(dict.fromkeys(ids)))
        missing = records - records.exists()
        if missing:
            raise MissingError(
                self.env._(
                    "No %(model)s with id %(ids)s.", model=records._description, ids=", ".join(map(str, missing.ids))
                )
            )
        return records

    def _mailboxes(self, ids):
        return self._records("imap.mailbox", ids)

    def _recipients(self, Partner, addresses):
        """Contacts by id, or found (created when unknown) by address, as the composer's recipients."""
        if not isinstance(addresses, list):
            raise UserError(self.env._("Recipients are a list of addresses or contact ids."))
        partners = Partner.browse()
        for address in addresses:
            if isinstance(address, int) and not isinstance(address, bool):
                self._check_id(address, "recipient")
                partner = Partner.browse(address).exists()
                if not partner:
                    raise MissingError(self.env._("No contact with id %(id)s.", id=address))
                partner.check_access("read")
                partners |= partner
            elif isinstance(address, str) and "@" in address:
                partners |= Partner._imap_partners_from(address)
            else:
                raise UserError(self.env._("Not an address nor a contact id: %(value)r", value=address))
        return partners

    def _attachments(self, attachments, composer):
        """ir.attachment records of the composer from ``[{"name", "content" (base64), "mimetype"}]``."""
        values_list = []
        for attachment in attachments:
            if (
                not isinstance(attachment, dict)
                or not attachment.get("name")
                or "content" not in attachment
                or not all(isinstance(attachment.get(key) or "", str) for key in ("name", "content", "mimetype"))
            ):
                raise UserError(self.env._("An attachment is a dictionary with a name and its content in base64."))
            try:
                raw = base64.b64decode(attachment["content"], validate=True)
            except (binascii.Error, TypeError, ValueError) as error:
                raise UserError(
                    self.env._(
                        "The content of “%(name)s” is not base64: %(error)s", name=attachment["name"], error=error
                    )
                ) from error
            values_list.append(
                {
                    "name": attachment["name"],
                    "raw": raw,
                    "res_model": composer._name,
                    "res_id": composer.id,
                    **({"mimetype": attachment["mimetype"]} if attachment.get("mimetype") else {}),
                }
            )
        return self.env["ir.attachment"].create(values_list)

    def _template_values(self, values):
        if not isinstance(values, dict):
            raise UserError(self.env._("Give the template's fields as a dictionary."))
        self._check_keys(values, TEMPLATE_FIELDS)
        self._check_kinds(self.env["imap.template"], {k: v for k, v in values.items() if k != "model"})
        values = dict(values)
        if "model" in values:
            model = values.pop("model")
            # The form's choice (imap.template.model_id's domain): models with a chatter, and conversations.
            found = self.env["ir.model"]._get(model) if isinstance(model, str) else self.env["ir.model"]
            if not (found.is_mail_thread or found.model == "imap.conversation"):
                raise UserError(
                    self.env._(
                        "Templates are written for a model with a chatter (res.partner, "
                        "crm.lead...) or imap.conversation, not %(model)r.",
                        model=model,
                    )
                )
            values["model_id"] = found.id
        return values


def _refused_over_rpc(model_class, name):
    """The ORM's method *name* of *model_class* (imap.api), unchanged for the server's code, private over RPC."""

    def method(self, *args, **kwargs):
        return getattr(super(model_class, self), name)(*args, **kwargs)

    functools.update_wrapper(method, inspect.getattr_static(model_class, name))
    method._imap_api_refused = True
    return api.private(method)
