from odoo import api, fields, models
from odoo.exceptions import UserError

from ..engine.search import uid_set, uids_in_set
from ..services import older_mail


class ImapOlderMailJob(models.Model):
    """An import of older mail found on the server for a contact or a lead, in one mailbox.

    Created by "Find older mail on the server" (imap.older.mail.wizard) once the user asks to
    import; never by users themselves (no create right: what it imports was found by the
    search, in a mailbox it checked). Small ones run in the request; large ones in the
    background (``_cron_process_jobs``), a committed batch at a time, with their progress here.
    """

    _name = "imap.older.mail.job"
    _description = "IMAP: import of older mail"
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Asked by", required=True, readonly=True, index=True, ondelete="cascade"
    )
    mailbox_id = fields.Many2one("imap.mailbox", required=True, readonly=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="mailbox_id.company_id", store=True, index=True)
    addresses = fields.Char(readonly=True, help="The contact's addresses the search looked for.")
    state = fields.Selection(
        [("queued", "Waiting"), ("running", "Importing"), ("done", "Done"), ("failed", "Stopped")],
        default="queued",
        required=True,
        readonly=True,
        index=True,
    )
    background = fields.Boolean(readonly=True, help="Runs in the background; its requester is told when it ends.")
    total = fields.Integer(string="Found", readonly=True)
    done_count = fields.Integer(string="Processed", readonly=True)
    progress = fields.Float(compute="_compute_progress")
    imported_count = fields.Integer(string="Imported", readonly=True)
    known_count = fields.Integer(string="Already in Odoo", readonly=True)
    failed_count = fields.Integer(string="Failed", readonly=True)
    #: [{"folder_id", "uidvalidity", "uids": an IMAP sequence set}]: what is left to import, folder by folder.
    pending = fields.Json(readonly=True, copy=False)
    note = fields.Text(readonly=True)

    @api.depends("total", "done_count")
    def _compute_progress(self):
        for job in self:
            job.progress = 100.0 * job.done_count / job.total if job.total else 100.0

    # -- what the import run writes (services/older_mail.JobRun) ------------------------------

    def _addresses(self):
        return (self.addresses or "").split()

    def _requester_may_use(self):
        mailbox = self.mailbox_id.with_user(self.user_id)
        return bool(mailbox._allowed("use")) and mailbox.user_id in (self.user_id, self.env["res.users"])

    @staticmethod
    def _left(pending):
        return sum(len(uids_in_set(entry["uids"])) for entry in pending or ())

    def _set_pending(self, pending):
        self.write({"pending": pending or False, "done_count": max(self.total - self._left(pending), 0)})

    def _add_note(self, note):
        if note:
            self.note = f"{self.note}\n{note}" if self.note else note

    def _advance(self, entry, left, counts):
        """A batch of *entry* (the first pending folder) is stored; *left*: its UIDs still to import."""
        pending = self.pending or []
        before = self.done_count
        rest = [dict(entry, uids=uid_set(left).decode())] if left else []
        self.write(
            {
                "imported_count": self.imported_count + counts.new,
                "known_count": self.known_count + counts.known,
                "failed_count": self.failed_count + counts.failed,
            }
        )
        self._set_pending(rest + pending[1:])
        return self.done_count - before

    def _drop(self, entry, count, note=None):
        """Give up the first pending folder (gone); *count* messages of it were not imported."""
        self._set_pending((self.pending or [])[1:])
        self._add_note(note)

    def _replace(self, entry, new_entry, note):
        """The first pending folder was searched again (UIDVALIDITY changed): *new_entry* replaces it."""
        difference = len(uids_in_set(new_entry["uids"])) - len(uids_in_set(entry["uids"]))
        self.total = max(self.total + difference, 0)
        self._set_pending([new_entry, *(self.pending or [])[1:]])
        self._add_note(note)
        return new_entry

    def _finish(self, state, note=None):
        self.state = state
        self._add_note(note)
        if self.background:
            self.user_id._bus_send("simple_notification", self._notification_values())

    def _summary(self):
        return self.env._(
            "%(mailbox)s: %(imported)s imported, %(known)s already in Odoo, %(failed)s failed.",
            mailbox=self.mailbox_id.name,
            imported=self.imported_count,
            known=self.known_count,
            failed=self.failed_count,
        )

    def _notification_values(self):
        failed = self.state == "failed" or self.failed_count
        message = self._summary() + (f" {self.note}" if self.note else "")
        return {
            "type": "warning" if failed else "success",
            "title": self.name,
            "message": message,
            "sticky": bool(failed),
        }

    # -- buttons and the cron -----------------------------------------------------------

    def action_retry(self):
        """Import again what a stopped job left (a refused login fixed, a server back)."""
        self.check_access("read")
        older_mail.check_usable(self.mailbox_id, self.env._("Retry"))
        manager = self.env.user.has_group("imap_conversations.group_manager")
        if not manager and self.filtered(lambda job: job.user_id != self.env.user):
            raise UserError(self.env._("Only who asked for an import can retry it."))
        stopped = self.sudo().filtered(lambda job: job.state == "failed" and job.pending)
        stopped.write({"state": "queued", "background": True})
        if stopped:
            self.env.ref(older_mail.JOB_CRON).sudo()._trigger()
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    @api.model
    def _cron_process_jobs(self):
        """Background imports: the waiting jobs, oldest first, within the time budget."""
        older_mail.run_pending_jobs(self.env)
