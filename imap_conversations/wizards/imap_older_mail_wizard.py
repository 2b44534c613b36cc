from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..engine.older_mail import contact_addresses
from ..engine.search import uid_set, uids_in_set
from ..services import older_mail, scheduler
from ..services.older_mail import JobRun


class ImapOlderMailWizard(models.TransientModel):
    """Find older mail on the server: a contact's (or a lead's) mail beyond the first sync's horizon.

    Opened by ``action_find_older_mail()`` of a record with conversations: searches at once the
    synced folders of the mailboxes the user may use, shows what it found per mailbox and
    folder, and on Import hands it to one imap.older.mail.job per mailbox (services/older_mail.py).
    """

    _name = "imap.older.mail.wizard"
    _description = "Find older mail on the server"

    res_model = fields.Char("Record model", required=True, readonly=True)
    res_id = fields.Many2oneReference(model_field="res_model", required=True, readonly=True)
    record_name = fields.Char(string="For", readonly=True)
    addresses = fields.Char(readonly=True, help="Mail from, to or in copy of these addresses is searched for.")
    line_ids = fields.One2many("imap.older.mail.wizard.line", "wizard_id", string="Found", readonly=True)
    total = fields.Integer(string="Found in all", compute="_compute_total")
    summary = fields.Html(compute="_compute_total", sanitize=True)
    state = fields.Selection([("found", "Found"), ("started", "Import started")], default="found", readonly=True)
    job_ids = fields.Many2many("imap.older.mail.job", string="Imports", readonly=True)

    #: What a user gives: the record whose older mail is searched for. The rest is the search's and the
    #: import's (written as superuser after their checks): "readonly" binds the form only, not RPC.
    _USER_FIELDS = frozenset({"res_model", "res_id"})

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(set(vals) - self._USER_FIELDS for vals in vals_list):
            raise AccessError(
                self.env._("A search of older mail is given its record only; the search writes the rest.")
            )
        return super().create(vals_list)

    def write(self, vals):
        # An empty write is the web client saving the dialog before a button: nothing to refuse.
        if vals and not self.env.su:
            raise AccessError(
                self.env._("What the search found and its import are written by the search only: search again.")
            )
        return super().write(vals)

    @api.depends("line_ids.count", "line_ids.mailbox_id")
    def _compute_total(self):
        for wizard in self:
            lines = wizard.line_ids
            wizard.total = sum(lines.mapped("count"))
            rows = [
                Markup("<li><b>%s</b>: %s</li>")
                % (
                    mailbox.name,
                    self._messages(sum(lines.filtered(lambda line, m=mailbox: line.mailbox_id == m).mapped("count"))),
                )
                for mailbox in lines.mailbox_id
            ]
            wizard.summary = Markup("<ul>%s</ul>") % Markup("").join(rows) if rows else False

    def _messages(self, count):
        return self.env._("1 message") if count == 1 else self.env._("%(count)s messages", count=count)

    @api.model
    def _open(self, record):
        wizard = self.create({"res_model": record._name, "res_id": record.id})
        wizard._search_server()
        return wizard._action()

    def _action(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Find older mail on the server"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _record_addresses(self):
        """The record's addresses, read with the user's rights: one they may not read is searched for nothing."""
        self.ensure_one()
        if self.res_model not in self.env or not hasattr(self.env[self.res_model], "_imap_older_mail_addresses"):
            raise UserError(self.env._("Older mail can be searched for contacts and leads only."))
        record = self.env[self.res_model].browse(self.res_id).exists()
        if not record:
            raise UserError(self.env._("This record was deleted."))
        record.check_access("read")
        return record, contact_addresses(record._imap_older_mail_addresses())

    def _search_server(self):
        """Search every usable mailbox now (the lines are the search's: written as superuser)."""
        self.ensure_one()
        self.check_access("write")
        record, addresses = self._record_addresses()
        self.sudo().write({"record_name": record.display_name, "addresses": " ".join(addresses), "state": "found"})
        Line = self.env["imap.older.mail.wizard.line"].sudo()
        Line.search([("wizard_id", "=", self.id)]).unlink()
        if not addresses:
            return
        values = []
        deadline = older_mail.search_deadline()
        for mailbox in older_mail.usable_mailboxes(self.env):
            found = older_mail.search_mailbox(mailbox.sudo(), addresses, deadline)
            base = {"wizard_id": self.id, "mailbox_id": mailbox.id}
            if found.error:
                values.append({**base, "note": found.error})
            values += [
                {
                    **base,
                    "folder_id": folder.id,
                    "count": len(find.uids),
                    "uidvalidity": find.uidvalidity,
                    "uids": uid_set(find.uids).decode(),
                }
                for folder, find in found.folders
            ]
            values += [{**base, "folder_id": folder.id, "note": note} for folder, note in found.notes]
        Line.create(values)

    def action_search_again(self):
        self._search_server()
        return self._action()

    def action_import(self):
        """Import what was found: at once up to IMMEDIATE_LIMIT messages, in the background beyond."""
        self.ensure_one()
        self.check_access("write")
        if self.state != "found":
            raise UserError(self.env._("This import has started already: search again for what is left."))
        lines = self.line_ids.filtered(lambda line: line.count and line.folder_id)
        older_mail.check_usable(lines.mailbox_id, self.env._("Find older mail on the server"))
        record, addresses = self._record_addresses()
        if not lines:
            raise UserError(self.env._("Nothing to import."))
        background = sum(lines.mapped("count")) > older_mail.IMMEDIATE_LIMIT
        Job = self.env["imap.older.mail.job"].sudo()
        jobs = Job
        for mailbox in lines.mailbox_id:
            of_mailbox = lines.filtered(lambda line, m=mailbox: line.mailbox_id == m and line.folder_id.mailbox_id == m)
            jobs |= Job.create(
                {
                    "name": self.env._("Older mail of %(name)s", name=record.display_name),
                    "user_id": self.env.uid,
                    "mailbox_id": mailbox.id,
                    "addresses": " ".join(addresses),
                    "background": background,
                    "total": sum(len(uids_in_set(line.uids)) for line in of_mailbox),
                    "pending": [
                        older_mail.pending_entry(line.folder_id, int(line.uidvalidity), uids_in_set(line.uids))
                        for line in of_mailbox
                    ],
                }
            )
        self.sudo().write({"state": "started", "job_ids": [fields.Command.set(jobs.ids)]})
        if not background:
            # As Sync now: a minute at most in the request (shared with the rest of these jobs).
            deadline = scheduler.deadline_for(self.env, scheduler.SYNC_NOW_BUDGET, cron=False)
            for job in jobs:
                if not JobRun(job, deadline=deadline).run():
                    # Its mailbox is being synced, or the minute is up: the cron goes on with it.
                    job.background = True
        waiting = jobs.filtered(lambda job: job.state in ("queued", "running"))
        if waiting:
            self.env.ref(older_mail.JOB_CRON).sudo()._trigger()
        return self._done_notification(jobs, waiting)

    def _done_notification(self, jobs, waiting):
        if waiting:
            message = self.env._(
                "%(count)s messages are being imported in the background; you will be told when it is done. "
                "Progress: IMAP Conversations > Older mail imports.",
                count=sum(waiting.mapped("total")),
            )
            kind = "info"
        else:
            message = " ".join(job._summary() + (f" {job.note}" if job.note else "") for job in jobs)
            kind = "warning" if any(job.state == "failed" or job.failed_count for job in jobs) else "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Older mail of %(name)s", name=self.record_name),
                "message": message,
                "type": kind,
                "sticky": kind == "warning",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
