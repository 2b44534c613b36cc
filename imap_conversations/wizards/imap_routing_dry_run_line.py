from odoo import fields, models


class ImapRoutingDryRunLine(models.TransientModel):
    """One message a rule would act on, in a dry run, and what it would do."""

    _name = "imap.routing.dry.run.line"
    _description = "Routing rules: what a rule would do to a message"

    dry_run_id = fields.Many2one("imap.routing.dry.run", string="Dry run", required=True, ondelete="cascade")
    message_id = fields.Many2one("imap.message", readonly=True, ondelete="cascade")
    date = fields.Datetime(related="message_id.date")
    email_from = fields.Char(string="From", related="message_id.email_from")
    rule_id = fields.Many2one("imap.routing.rule", readonly=True, ondelete="cascade")
    outcome = fields.Char(readonly=True)
