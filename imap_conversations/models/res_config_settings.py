from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..engine.network import parse_allowed_servers
from ..services import own_mailboxes, scheduler, secret_box
from ..services.credential_alerts import NOTIFICATION_GROUP
from ..services.destinations import ALLOWED_SERVERS_PARAM

RECOVERY_CRON = "imap_conversations.ir_cron_recover_mailboxes"


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    imap_recovery_enabled = fields.Boolean(
        string="Recovery pass",
        help="Every 20 minutes, retry failed messages and import anything a sync missed.",
    )
    imap_recovery_max_age_days = fields.Integer(
        string="Retry failed messages for (days)",
        default=1,
        config_parameter="imap_conversations.recovery_max_age_days",
    )
    imap_recovery_grace_minutes = fields.Integer(
        string="Grace period (minutes)",
        default=2,
        config_parameter="imap_conversations.recovery_grace_minutes",
        help="Mail younger than this is left to the regular sync.",
    )
    imap_parallel_syncs = fields.Integer(
        string="Parallel syncs",
        default=1,
        config_parameter=scheduler.PARALLEL_PARAM,
        help="How many mailboxes the scheduled sync may sync at once: one cron job (lane) each, run by "
        "whichever of Odoo's cron workers is free (max_cron_threads, on every Odoo server). More than "
        "the cron workers there are only waits.",
    )
    imap_log_retention_days = fields.Integer(
        string="Keep sync logs for (days)",
        default=30,
        config_parameter="imap_conversations.log_retention_days",
    )
    imap_credential_user_ids = fields.Many2many(
        "res.users",
        string="Told about shared mailboxes",
        domain=[("share", "=", False)],
        help="Who is told (toast, warning at login, e-mail) when a shared mailbox's login is refused.",
    )

    imap_users_add_mailbox = fields.Boolean(
        string="Users may add their own mailbox",
        help="IMAP users connect their own mailbox themselves (it is always theirs). Off: only IMAP "
        "administrators add mailboxes.",
    )

    imap_allowed_servers = fields.Char(
        string="Allowed mail servers",
        config_parameter=ALLOWED_SERVERS_PARAM,
        help="Where mailboxes of users who are not IMAP administrators may connect (IMAP and SMTP), separated "
        "by commas or spaces: host names (mail.example.com), *.example.com for any name below a domain, "
        "addresses or networks (10.1.2.3, 10.0.0.0/8, [::1]), each optionally with a port "
        "(mail.example.com:993). Empty: any public server. Loopback, private and link-local addresses "
        "are refused unless listed by address, network or exact host name.",
    )

    @api.constrains("imap_parallel_syncs")
    def _check_imap_parallel_syncs(self):
        if any(not 1 <= s.imap_parallel_syncs <= scheduler.MAX_PARALLEL for s in self):
            raise ValidationError(self.env._("Parallel syncs: between 1 and %(max)s.", max=scheduler.MAX_PARALLEL))

    @api.constrains("imap_allowed_servers")
    def _check_imap_allowed_servers(self):
        for settings in self:
            try:
                parse_allowed_servers(settings.imap_allowed_servers)
            except ValueError as error:
                raise ValidationError(self.env._("Allowed mail servers: %(error)s", error=error)) from error

    imap_encryption_configured = fields.Boolean(
        string="Encryption key configured",
        compute="_compute_imap_encryption_configured",
        help=f"Mailbox passwords are encrypted at rest with the key given by {secret_box.KEY_OPTION} in odoo.conf.",
    )

    def _compute_imap_encryption_configured(self):
        configured = bool(secret_box.configured_keys())
        for settings in self:
            settings.imap_encryption_configured = configured

    def action_imap_reencrypt_credentials(self):
        """Re-encrypt every stored mailbox secret with the newest key of odoo.conf (after adding a key)."""
        if not self.env.user.has_group("imap_conversations.group_manager"):
            raise AccessError(self.env._("Only IMAP administrators can re-encrypt the mailbox passwords."))
        changed = self.env["imap.mailbox.credential"].sudo()._reencrypt_secrets()
        # The OAuth applications' client secrets too: one button for every secret the addon keeps.
        changed += self.env["imap.oauth.provider"].sudo()._reencrypt_secrets()
        changed += self.env["imap.webhook"].sudo().with_context(active_test=False)._reencrypt_secrets()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Passwords re-encrypted"),
                "message": self.env._("%(count)s stored passwords now use the current key.", count=changed),
                "type": "success",
            },
        }

    # -- where things are, and how often mail is fetched (issue 9: settings explained) -----------

    # Each mailbox has its own schedule (scheduler.py); this is what a new mailbox starts with.
    imap_sync_interval_minutes = fields.Integer(
        string="New mailboxes sync every (minutes)",
        default=scheduler.DEFAULT_INTERVAL,
        config_parameter=scheduler.DEFAULT_INTERVAL_PARAM,
        help="How often a new mailbox is synced unless its form says otherwise; 0: only by hand.",
    )

    # Buttons rather than action references: the settings view loads before those actions exist.
    def action_imap_open_mailboxes(self):
        return self.env["ir.actions.act_window"]._for_xml_id("imap_conversations.imap_mailbox_action")

    def action_imap_open_templates(self):
        return self.env["ir.actions.act_window"]._for_xml_id("imap_conversations.imap_template_action")

    @api.model
    def get_values(self):
        values = super().get_values()
        cron = self.env.ref(RECOVERY_CRON, raise_if_not_found=False)
        values["imap_recovery_enabled"] = bool(cron and cron.active)
        values["imap_users_add_mailbox"] = own_mailboxes.users_may_add(self.env)
        group = self.env.ref(NOTIFICATION_GROUP).sudo()
        values["imap_credential_user_ids"] = [(6, 0, group.users.filtered(lambda u: not u.share).ids)]
        return values

    def set_values(self):
        result = super().set_values()
        own_mailboxes.set_users_may_add(self.env, self.imap_users_add_mailbox)
        cron = self.env.ref(RECOVERY_CRON, raise_if_not_found=False)
        if cron and cron.active != self.imap_recovery_enabled:
            cron.sudo().active = self.imap_recovery_enabled
        scheduler.set_parallel_syncs(self.env, self.imap_parallel_syncs)
        group = self.env.ref(NOTIFICATION_GROUP).sudo()
        if group.users.filtered(lambda u: not u.share) != self.imap_credential_user_ids:
            group.users = [(6, 0, self.imap_credential_user_ids.ids)]
        return result
