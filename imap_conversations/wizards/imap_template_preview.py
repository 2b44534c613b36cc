from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.base.models.res_partner import _tz_get

from ..services import template_placeholders


class ImapTemplatePreview(models.TransientModel):
    """Shows a template rendered for a chosen record, or for sample data, in a language and time zone."""

    _name = "imap.template.preview"
    _description = "Email template preview"

    @api.model
    def _selection_languages(self):
        return self.env["res.lang"].get_installed()

    template_id = fields.Many2one("imap.template", required=True, ondelete="cascade")
    model = fields.Char(related="template_id.model")
    # A Many2oneReference on the template's model name rather than a Reference
    # widget bound to ir.model: IMAP administrators need not read ir.model.
    res_id = fields.Many2oneReference(
        "Record",
        model_field="model",
        help="The record to render the template for. Empty: sample data.",
    )
    lang = fields.Selection(
        _selection_languages,
        string="Language",
        help="Empty: the language the template picks for the record.",
    )
    tz = fields.Selection(
        _tz_get,
        string="Time zone",
        default=lambda self: self.env.user.tz,
        help="The time zone dates and times are shown in; the sender's when the mail is written.",
    )
    is_sample = fields.Boolean(string="Sample", compute="_compute_preview")
    rendered_lang = fields.Selection(_selection_languages, string="Rendered in", compute="_compute_preview")
    subject = fields.Char(compute="_compute_preview")
    body_html = fields.Html("Body", compute="_compute_preview", sanitize="email_outgoing")
    error_msg = fields.Text("Error", compute="_compute_preview")
    warning_msg = fields.Text("Unrendered placeholders", compute="_compute_preview")

    @api.depends("template_id", "res_id", "lang", "tz")
    def _compute_preview(self):
        for preview in self:
            preview.update(
                {
                    "is_sample": not preview.res_id,
                    "rendered_lang": False,
                    "subject": False,
                    "body_html": False,
                    "error_msg": False,
                    "warning_msg": False,
                }
            )
            template = preview.template_id
            if not template:
                continue
            try:
                record = preview._record()
                lang = template._lang_for(record, preview.lang)
                subject, body_html = template._render_for(record, lang=lang, tz=preview.tz)
            except (UserError, ValueError) as error:
                preview.error_msg = str(error)
                continue
            preview.update(
                {
                    "rendered_lang": lang,
                    "subject": subject,
                    "body_html": body_html,
                    "warning_msg": preview._unrendered_warning(record, lang, subject, body_html),
                }
            )

    def _unrendered_warning(self, record, lang, subject, body_html):
        template = self.template_id.with_context(lang=lang, tz=self.tz or self.env.user.tz or "UTC")
        left = template_placeholders.unrendered(template, record, (subject, body_html))
        if not left:
            return False
        return self.env._(
            "These placeholders put nothing in the mail:\n%(placeholders)s",
            placeholders="\n".join(f"• {expression}: {why}" for expression, why in left),
        )

    def _record(self):
        """The chosen record, or sample data (see imap.template._sample_record)."""
        self.ensure_one()
        template = self.template_id
        if self.res_id:
            record = self.env[template.model].browse(self.res_id).exists()
            if not record:
                raise UserError(self.env._("The chosen record no longer exists."))
            return record
        return template._sample_record(self.lang)
