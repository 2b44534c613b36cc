import ast

from lxml import html as lxml_html

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.rendering_tools import parse_inline_template

from odoo.addons.mail.models.mail_render_mixin import format_datetime, format_time

from ..services import template_placeholders

#: Formatting helpers of mail.render.mixin's context that administrators may call in placeholders.
FORMATTERS = frozenset({"format_date", "format_datetime", "format_time"})
#: Where a placeholder path may start, and the model it starts on (None: the template's model).
PATH_ROOTS = {"object": None, "user": "res.users"}

SAMPLE_CONTACT = {
    "name": "Jane Doe",
    "email": "jane.doe@example.com",
    "phone": "+1 555 0100",
    "function": "Purchasing Manager",
    "street": "12 Sample Street",
    "city": "Springfield",
    "zip": "12345",
}


class ImapTemplate(models.Model):
    """A reply template: subject and body rendered for one record, as the sender, in a language.

    Rendering is mail.template's (mail.render.mixin): the subject is an inline
    template (``{{ object.name }}``), the body QWeb (``<t t-out="user.signature"/>``).
    """

    _name = "imap.template"
    _description = "Email template"
    _inherit = ["mail.render.mixin"]
    _order = "model, is_default desc, name, id"

    # Like mail.template: what is stored is trusted, because writing a placeholder
    # that runs code is checked at create/write (_check_access_right_dynamic_template),
    # so the sales user who renders it needs no template-editor right.
    _unrestricted_rendering = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    model_id = fields.Many2one(
        "ir.model",
        string="Applies to",
        required=True,
        ondelete="cascade",
        default=lambda self: self.env["ir.model"]._get_id("res.partner"),
        domain="['|', ('is_mail_thread', '=', True), ('model', '=', 'imap.conversation')]",
        help="The kind of record this template is written for: its fields are the placeholders of object.",
    )
    model = fields.Char(related="model_id.model", string="Model", store=True, index=True)
    subject = fields.Char(translate=True, help="Placeholders may be used here, e.g. {{ object.name }}.")
    # The body takes the subject's {{ object.name }} as well as QWeb's <t t-out="object.name"/>.
    body_html = fields.Html(
        "Body",
        render_engine="qweb",
        render_options={"post_process": True},
        translate=True,
        sanitize="email_outgoing",
    )
    lang = fields.Char(
        "Language",
        compute="_compute_lang",
        store=True,
        readonly=False,
        help="The language to write in, as a placeholder, e.g. {{ object.lang }}. "
        "Empty, or a language that is not installed: the sender's language.",
    )
    is_default = fields.Boolean(
        "Default template",
        copy=False,
        help="Preselected in the composer for records of this kind. One per kind and company.",
    )
    company_id = fields.Many2one(
        "res.company",
        index=True,
        default=lambda self: self.env.company,
        help="Empty: available in every company.",
    )

    @api.depends("model")
    def _compute_render_model(self):
        for template in self:
            template.render_model = template.model

    @api.depends("model")
    def _compute_lang(self):
        for template in self:
            fields_ = self.env[template.model]._fields if template.model in self.env else {}
            if "lang" in fields_:
                template.lang = "{{ object.lang }}"
            elif "partner_id" in fields_ and fields_["partner_id"].comodel_name == "res.partner":
                template.lang = "{{ object.partner_id.lang }}"
            else:
                template.lang = False

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._with_qweb_placeholders(vals) for vals in vals_list]
        templates = super().create(vals_list)
        templates.filtered("is_default")._unset_other_defaults()
        return templates

    def write(self, vals):
        vals = self._with_qweb_placeholders(vals)
        if vals.get("active") is False:
            # An archived template can no longer be preselected.
            vals = {**vals, "is_default": False}
        result = super().write(vals)
        if {"is_default", "model_id", "company_id", "active"} & set(vals):
            self.filtered("is_default")._unset_other_defaults()
        return result

    @api.model
    def _with_qweb_placeholders(self, vals):
        """*vals* with the body's ``{{ … }}`` stored as QWeb: the subject's syntax works in the body too."""
        if vals.get("body_html"):
            vals = {**vals, "body_html": template_placeholders.inline_to_qweb(vals["body_html"])}
        return vals

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for template, vals in zip(self, vals_list, strict=True):
            if not (default or {}).get("name"):
                vals["name"] = self.env._("%(name)s (copy)", name=template.name)
        return vals_list

    def _unset_other_defaults(self):
        # In a batch of several defaults for one kind, the first one wins.
        Template = self.with_context(active_test=False)
        for template in self:
            if not template.is_default:
                continue
            others = Template.search(
                [
                    ("id", "!=", template.id),
                    ("model", "=", template.model),
                    ("company_id", "=", template.company_id.id),
                    ("is_default", "=", True),
                ]
            )
            # sudo: any write re-checks a template's placeholders (mail.render.mixin), and
            # taking the flag off a template an IMAP administrator may not edit is not editing it.
            others.sudo().write({"is_default": False})

    # ------------------------------------------------------------
    # API used by the composer
    # ------------------------------------------------------------

    @api.model
    def _default_for(self, model_name):
        """The default active template for records of *model_name*, or an empty recordset.

        A default of the current company wins over one shared by every company.
        """
        templates = self.search(
            [
                ("model", "=", model_name),
                ("is_default", "=", True),
                ("company_id", "in", [self.env.company.id, False]),
            ]
        )
        return templates.sorted(lambda t: (not t.company_id, t.id))[:1]

    def _render_for(self, record, lang=None, tz=None):
        """Render (subject, body_html) for *record*, as the current user.

        :param lang: a language code forcing the language (preview); by default
            the template's language expression for the record, else the user's;
        :param tz: the time zone of dates and times; by default the user's.
        """
        self.ensure_one()
        record.ensure_one()
        if record._name != self.model:
            raise UserError(
                self.env._(
                    "The template “%(template)s” is written for %(expected)s, not for %(model)s.",
                    template=self.name,
                    expected=self.model,
                    model=record._name,
                )
            )
        lang = self._lang_for(record, lang)
        template = self.with_context(lang=lang, tz=tz or self.env.user.tz or "UTC")
        # The record is browsed again in the template's environment: same user, the language and time zone above.
        subject = template._render_field("subject", [record.id])[record.id]
        body_html = template._render_field("body_html", [record.id])[record.id]
        return subject or "", body_html or ""

    def _lang_for(self, record, lang=None):
        """The installed language to write to *record* in: *lang* if given, else the template's, else the user's."""
        self.ensure_one()
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        if not lang and self.lang:
            lang = (self._render_lang([record.id])[record.id] or "").strip()
        if lang not in installed:
            lang = self.env.user.lang
        if lang not in installed:
            lang = self.env.lang if self.env.lang in installed else "en_US"
        return lang

    @api.model
    def _render_eval_context(self):
        render_context = super()._render_eval_context()
        # mail.render.mixin formats datetimes in the user's time zone, ignoring the
        # context: follow the time zone _render_for was given (the preview's choice).
        default_tz = self.env.context.get("tz") or self.env.user.tz or "UTC"
        env = self.env
        render_context.update(
            format_datetime=lambda dt, tz=False, dt_format=False, lang_code=False: format_datetime(
                env, dt, tz or default_tz, dt_format, lang_code
            ),
            format_time=lambda time, tz=False, time_format=False, lang_code=False: format_time(
                env, time, tz or default_tz, time_format, lang_code
            ),
        )
        return render_context

    # ------------------------------------------------------------
    # Sample data
    # ------------------------------------------------------------

    def _sample_record(self, lang=None):
        """An in-memory record of the template's model filled with sample values.

        It is never written (``new()``): a preview works on a database that has no
        record of that model yet, and never shows a real customer's data by surprise.
        """
        self.ensure_one()
        return self.env[self.model].new(self._sample_values(self.model, lang or self.env.user.lang))

    @api.model
    def _sample_values(self, model_name, lang):
        Model = self.env[model_name]
        values = {}
        if model_name == "res.partner":
            values.update({k: v for k, v in SAMPLE_CONTACT.items() if k in Model._fields})
        else:
            rec_name = Model._fields.get(Model._rec_name or "")
            if rec_name and rec_name.type in ("char", "text") and not rec_name.compute:
                values[rec_name.name] = self.env._("Sample %(model)s", model=Model._description)
        now = fields.Datetime.now()
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        for name, field in Model._fields.items():
            if name in values or field.compute or field.related:
                continue
            if field.type == "date":
                values[name] = now.date()
            elif field.type == "datetime":
                values[name] = now
            elif name in ("email", "email_from") and field.type == "char":
                values[name] = SAMPLE_CONTACT["email"]
            elif name == "lang" and lang in installed:
                values[name] = lang
            elif field.type == "many2one" and field.comodel_name == "res.partner" and name == "partner_id":
                values[name] = self.env["res.partner"].new(self._sample_values("res.partner", lang))
            elif field.type == "many2one" and field.comodel_name == "res.users":
                values[name] = self.env.user
            elif field.type == "many2one" and field.comodel_name == "res.company":
                values[name] = self.env.company
        return values

    # ------------------------------------------------------------
    # Who may write which placeholders
    # ------------------------------------------------------------

    def _check_access_right_dynamic_template(self):
        """IMAP administrators may write field placeholders of the record and the user.

        Odoo lets only its Mail Template Editors (system administrators by default)
        write placeholders that run code. A path of fields (``object.partner_id.name``,
        ``user.signature``), optionally passed to format_date/format_datetime/format_time,
        runs nothing but reads the sender may do anyway: IMAP administrators may
        write those; anything else still needs the Mail Template Editor group.
        """
        user = self.env.user
        if (
            self.env.su
            or user.has_group("mail.group_mail_template_editor")
            or not user.has_group("imap_conversations.group_manager")
        ):
            return super()._check_access_right_dynamic_template()
        for template in self:
            forbidden = template._forbidden_placeholder()
            if forbidden:
                raise AccessError(
                    self.env._(
                        "Only fields of the record (object) and of the sender (user), optionally passed to "
                        "format_date, format_datetime or format_time, may be used as placeholders here; "
                        "anything else needs the Mail Template Editor group: %(placeholder)s",
                        placeholder=forbidden,
                    )
                )
        return None

    def _forbidden_placeholder(self):
        """The first placeholder of the template an IMAP administrator may not write, or None."""
        self.ensure_one()
        for fname, field in self._fields.items():
            value = self[fname]
            if not value or not isinstance(value, str):
                continue
            if getattr(field, "render_engine", "inline_template") == "qweb":
                forbidden = self._forbidden_in_qweb(value)
            else:
                forbidden = next(
                    (
                        expr
                        for _text, expr, _default in parse_inline_template(value)
                        if expr and not self._is_field_placeholder(expr)
                    ),
                    None,
                )
            if forbidden:
                return forbidden
        return None

    def _forbidden_in_qweb(self, source):
        root = lxml_html.fragment_fromstring(source, create_parent="div")
        for element in root.iter():
            for attribute, expression in element.attrib.items():
                if not attribute.startswith("t-"):
                    continue
                if attribute != "t-out" or not self._is_field_placeholder(expression):
                    return f'{attribute}="{expression}"'
        return None

    def _is_field_placeholder(self, expression):
        # The parse drops comments and reads across lines: "object.name # }} {{ code" would pass
        # as a field here and mean something else wherever the text is split at its braces.
        if "#" in expression or "\n" in expression or "\r" in expression:
            return False
        try:
            node = ast.parse(expression.strip(), mode="eval").body
        except SyntaxError:
            return False
        return self._is_field_expression(node)

    def _is_field_expression(self, node):
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.BoolOp):
            return all(self._is_field_expression(value) for value in node.values)
        if isinstance(node, ast.Call):
            return (
                isinstance(node.func, ast.Name)
                and node.func.id in FORMATTERS
                and all(self._is_field_expression(arg) for arg in node.args)
                and all(kw.arg and self._is_field_expression(kw.value) for kw in node.keywords)
            )
        return self._is_field_path(node)

    def _is_field_path(self, node):
        names = []
        while isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in PATH_ROOTS:
            return False
        model_name = PATH_ROOTS[node.id] or self.model
        if model_name not in self.env:
            return False
        Model = self.env[model_name]
        for name in reversed(names):
            field = Model._fields.get(name) if Model is not None else None
            if field is None:
                return False
            Model = self.env[field.comodel_name] if field.relational else None
        return True

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_preview(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Preview of %(template)s", template=self.name),
            "res_model": "imap.template.preview",
            "view_mode": "form",
            "target": "new",
            "context": {"default_template_id": self.id},
        }
