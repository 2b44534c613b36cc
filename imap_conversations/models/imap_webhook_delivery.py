from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import sql

from ..engine.webhooks import EVENTS, TEST_EVENT
from ..services import webhooks
from ..services.destinations import is_imap_admin

STATES = [("pending", "Pending"), ("retrying", "Failed, will retry"), ("delivered", "Delivered"), ("dead", "Given up")]


class ImapWebhookDelivery(models.Model):
    """One event for one webhook: the outbox row written with the change, and its delivery log.

    Written in bulk by services/webhooks.py (SQL), in the transaction of the change that
    caused the event; tried by the delivery cron, oldest first per webhook.
    """

    _name = "imap.webhook.delivery"
    _description = "Webhook delivery"
    _order = "id desc"

    webhook_id = fields.Many2one("imap.webhook", required=True, ondelete="cascade", index=True, readonly=True)
    # The webhook's, not stored: the outbox is written in bulk with as few columns to check as can be.
    company_id = fields.Many2one(related="webhook_id.company_id")
    mailbox_id = fields.Many2one("imap.mailbox", ondelete="set null", readonly=True)
    event = fields.Selection([*EVENTS.items(), (TEST_EVENT, "Test event")], required=True, readonly=True)
    payload = fields.Text(readonly=True, help="The JSON body, exactly as it is sent and signed.")
    state = fields.Selection(STATES, required=True, default="pending", readonly=True)
    attempt_count = fields.Integer("Attempts", readonly=True)
    next_attempt_date = fields.Datetime("Next attempt", readonly=True)
    last_attempt_date = fields.Datetime("Last attempt", readonly=True)
    last_status_code = fields.Integer("HTTP status", readonly=True)
    last_error = fields.Char("Last error", readonly=True)
    duration_ms = fields.Integer("Duration (ms)", readonly=True)
    delivered_date = fields.Datetime("Delivered", readonly=True)
    # The same key is emitted once per webhook: a message failed is news once, whatever the retries.
    event_key = fields.Char("Event key", readonly=True)

    _sql_constraints = [
        ("event_key_unique", "unique(webhook_id, event_key)", "This event was already emitted for this webhook."),
    ]

    def init(self):
        # The cron's per-webhook "oldest undelivered" lookup, and its nothing-due pass.
        sql.create_index(
            self.env.cr,
            "imap_webhook_delivery_undelivered_idx",
            self._table,
            ["webhook_id", "id"],
            where="state IN ('pending', 'retrying')",
        )

    @api.depends("event", "webhook_id")
    def _compute_display_name(self):
        for delivery in self:
            delivery.display_name = f"{delivery.webhook_id.name} #{delivery.id} ({delivery.event})"

    def action_retry(self):
        """Deliver these again (given up, or waiting for their next attempt): first thing at the next cron pass."""
        if not (self.env.su or is_imap_admin(self.env.user)):
            raise AccessError(self.env._("Only IMAP administrators retry webhook deliveries."))
        self.check_access("read")
        again = self.filtered(lambda d: d.state in ("dead", "retrying"))
        again.sudo().write({"state": "pending", "attempt_count": 0, "next_attempt_date": fields.Datetime.now()})
        if again:
            webhooks.wake(self.env)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Retry"),
                "message": self.env._("%(count)s deliveries will be sent again in a moment.", count=len(again)),
                "type": "success" if again else "warning",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
