import secrets

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..engine import errors as imap_errors
from ..engine import webhooks as webhook_engine
from ..services import webhooks
from ..services.destinations import is_imap_admin
from ..services.scheduler import cron_commit, deadline_for
from .secret_field import SecretChar, reencrypt_secrets

MANAGER_GROUP = "imap_conversations.group_manager"


def _new_secret():
    return secrets.token_urlsafe(32)


class ImapWebhook(models.Model):
    """A receiver of events: a URL, a secret that signs every delivery, the events it wants.

    Managed by IMAP administrators of its company. Events are written to the outbox
    (imap.webhook.delivery) with the change that caused them and delivered by a cron:
    see services/webhooks.py.
    """

    _name = "imap.webhook"
    _description = "Webhook"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    url = fields.Char(
        "URL",
        required=True,
        help="Where events are POSTed (https://...). It is reached only where Settings > Allowed mail servers "
        "allow: loopback and private addresses only when listed there.",
    )
    # Encrypted at rest like the mailboxes' passwords (services/secret_box.py).
    secret = SecretChar(
        required=True,
        copy=False,
        default=lambda self: _new_secret(),
        groups=MANAGER_GROUP,
        help="Signs every delivery (X-Imap-Conversations-Signature): the receiver checks it with the same secret.",
    )
    event_ids = fields.Many2many(
        "imap.webhook.event",
        "imap_webhook_imap_webhook_event_rel",
        "imap_webhook_id",
        "imap_webhook_event_id",
        string="Events",
        default=lambda self: self.env["imap.webhook.event"].search([]),
    )
    mailbox_ids = fields.Many2many(
        "imap.mailbox",
        "imap_mailbox_imap_webhook_rel",
        "imap_webhook_id",
        "imap_mailbox_id",
        string="Mailboxes",
        check_company=True,
        context={"active_test": False},
        help="Empty: every mailbox of the webhook's company.",
    )
    delivery_ids = fields.One2many("imap.webhook.delivery", "webhook_id", string="Deliveries")
    pending_count = fields.Integer(compute="_compute_counts", string="Waiting")
    dead_count = fields.Integer(compute="_compute_counts", string="Given up")

    @api.depends("delivery_ids.state")
    def _compute_counts(self):
        counts = {
            (webhook.id, state): count
            for webhook, state, count in self.env["imap.webhook.delivery"]._read_group(
                [("webhook_id", "in", self.ids)], ["webhook_id", "state"], ["__count"]
            )
        }
        for webhook in self:
            webhook.pending_count = counts.get((webhook.id, "pending"), 0) + counts.get((webhook.id, "retrying"), 0)
            webhook.dead_count = counts.get((webhook.id, "dead"), 0)

    @api.constrains("url")
    def _check_url(self):
        policy = webhooks.policy(self.env)
        for webhook in self:
            try:
                target = webhook_engine.parse_url(webhook.url)
                # What can be told without resolving: an unlisted name, an internal address typed in.
                policy.check_name(target.host, target.port)
                address = webhook_engine.literal_address(target.host)
                if address is not None:
                    policy.check_address(target.host, target.port, address)
            except webhook_engine.InvalidUrl as error:
                raise ValidationError(str(error)) from error
            except imap_errors.DestinationRefused as error:
                raise ValidationError(
                    self.env._("%(error)s. Webhooks go only where Settings > Allowed mail servers allow.", error=error)
                ) from error

    def action_generate_secret(self):
        """A new secret: deliveries are signed with it from now on (receivers must be given it)."""
        self._check_manager()
        for webhook in self:
            webhook.secret = _new_secret()
        return True

    def action_send_test_event(self):
        """Send a *webhook.test* delivery now and say how the receiver answered."""
        self.ensure_one()
        self._check_manager()
        self.check_access("write")
        delivery = webhooks.create_test_delivery(self)
        delivered = webhooks.attempt(delivery)
        if delivered:
            title, kind = self.env._("Test event delivered"), "success"
            message = self.env._("%(url)s answered HTTP %(status)s.", url=self.url, status=delivery.last_status_code)
        else:
            title, kind = self.env._("Test event not delivered"), "danger"
            message = delivery.last_error
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": kind,
                "sticky": not delivered,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_open_deliveries(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Deliveries of %(webhook)s", webhook=self.name),
            "res_model": "imap.webhook.delivery",
            "view_mode": "list,form",
            "domain": [("webhook_id", "=", self.id)],
            "context": {"create": False},
        }

    def _check_manager(self):
        if not (self.env.su or is_imap_admin(self.env.user)):
            raise AccessError(self.env._("Only IMAP administrators manage webhooks."))

    @api.model
    def _cron_deliver_webhooks(self):
        """Deliver the outbox: every minute, and as soon as a transaction that emitted events commits."""
        commit = cron_commit(self.env)
        attempts = webhooks.deliver_due(
            self.env, commit=commit, deadline=deadline_for(self.env, webhooks.CRON_BUDGET, cron=True)
        )
        webhooks.forget_old(self.env)
        self.env["ir.cron"]._notify_progress(done=attempts, remaining=0)

    def _reencrypt_secrets(self):
        """Encrypt every webhook secret with the newest configured key (see imap.mailbox.credential)."""
        return reencrypt_secrets(self)
