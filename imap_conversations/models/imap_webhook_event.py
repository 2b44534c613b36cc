from odoo import fields, models

from ..engine.webhooks import EVENTS


class ImapWebhookEvent(models.Model):
    """An event a webhook may subscribe to (data records, one per code of engine/webhooks.py EVENTS)."""

    _name = "imap.webhook.event"
    _description = "Webhook event"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(list(EVENTS.items()), required=True, readonly=True)
    sequence = fields.Integer(default=10)
    description = fields.Char(translate=True)

    _sql_constraints = [("code_unique", "unique(code)", "Each event is listed once.")]
