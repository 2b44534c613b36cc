from datetime import timedelta

from odoo import api, fields, models

from ..engine import states

#: Days a log entry is kept unless the system parameter says otherwise.
DEFAULT_RETENTION_DAYS = 30


class ImapSyncLog(models.Model):
    """One run of a mailbox (sync or recovery), kept as the mailbox's log level says."""

    _name = "imap.sync.log"
    _description = "IMAP sync log"
    _order = "start_date desc, id desc"
    _rec_name = "start_date"

    mailbox_id = fields.Many2one("imap.mailbox", required=True, ondelete="cascade", index=True, readonly=True)
    # The mailbox's, for the company rule: a log tells hosts, logins and errors.
    company_id = fields.Many2one(related="mailbox_id.company_id", store=True, index=True)
    kind = fields.Selection(states.RUN_KINDS, required=True, default=states.RUN_SYNC, readonly=True)
    state = fields.Selection(
        states.RUN_OUTCOMES,
        required=True,
        readonly=True,
    )
    start_date = fields.Datetime(string="Start", required=True, readonly=True, index=True)
    duration = fields.Float(string="Duration (s)", digits=(16, 2), readonly=True)
    folder_count = fields.Integer(string="Folders visited", readonly=True)
    new_count = fields.Integer(string="New", readonly=True)
    failed_count = fields.Integer(string="Failed", readonly=True)
    skipped_count = fields.Integer(
        string="Skipped", readonly=True, help="Already imported (from another folder or an earlier run)."
    )
    error = fields.Text(readonly=True)
    details = fields.Text(readonly=True, help="Per folder: what the run did (full log level only).")

    @api.autovacuum
    def _gc_old_entries(self):
        days = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("imap_conversations.log_retention_days", DEFAULT_RETENTION_DAYS)
        )
        self.sudo().search([("start_date", "<", fields.Datetime.now() - timedelta(days=days))]).unlink()

    def _as_text(self):
        """The entries as plain text lines, oldest first, for the Download log button."""
        lines = []
        for entry in self.sorted("start_date"):
            head = (
                f"{fields.Datetime.to_string(entry.start_date)} {entry.kind} {entry.state}: "
                f"{entry.folder_count} folders, {entry.new_count} new, {entry.failed_count} failed, "
                f"{entry.skipped_count} skipped, {entry.duration:.2f}s"
            )
            lines.append(head)
            if entry.error:
                lines.extend(f"    error: {line}" for line in entry.error.splitlines())
            if entry.details:
                lines.extend(f"    {line}" for line in entry.details.splitlines())
        return "\n".join(lines) + "\n"
