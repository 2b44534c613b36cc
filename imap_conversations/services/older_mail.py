"""Older mail on demand: a contact's mail beyond the horizon, found on the server and imported once.

The first sync of a folder goes back a number of days; what is older stays on the server
for good (engine/folder_sync.py). From a contact or a lead, a user can have the synced
folders of the mailboxes they may use searched for that contact's mail (engine/older_mail.py:
one UID SEARCH per folder, headers only), and import what was found.

Importing goes through the sync's own importer, under the mailbox's run lock, for exactly
the UIDs found: the folder's watermark is not moved, so later syncs neither take these
again nor skip anything. Every message exactly once as always: one already in Odoo (from
another folder, or imported meanwhile) only gets its location. A folder whose UIDVALIDITY
changed since the search is searched again before anything is imported from it.
"""

import logging
import time
from dataclasses import dataclass, field

from odoo.exceptions import AccessError

from ..engine import errors as imap_errors
from ..engine.older_mail import find_older_mail, selected_uidvalidity
from ..engine.search import uid_set, uids_in_set
from . import locations, scheduler
from .mailbox_run import synced_folders, try_lock, unlock
from .mailbox_sync import folder_sync
from .message_importer import MessageImporter

_logger = logging.getLogger(__name__)

#: Up to this many messages are imported in the request; more go to the background (a job and its cron).
IMMEDIATE_LIMIT = 200
JOB_CRON = "imap_conversations.ir_cron_older_mail_jobs"
#: Seconds one cron call works before handing over (it is called again at once while work is left).
CRON_BUDGET = 100
#: Seconds the search of all of a user's mailboxes may take: a dead host must not hold the request.
SEARCH_BUDGET = 60


def usable_mailboxes(env):
    """Where the current user's search looks: their own mailboxes and the shared ones they may use.

    Never a colleague's personal mailbox, not even for an IMAP administrator (who may read it):
    importing from it is its owner's call.
    """
    return env["imap.mailbox"].search([("user_id", "in", [env.uid, False])])._allowed("use")


def check_usable(mailboxes, action):
    """Refuse unless the current user may search and import from every mailbox of *mailboxes*."""
    env = mailboxes.env
    mailboxes._check_allowed("use", action)
    if not env.su and mailboxes.filtered(lambda m: m.user_id and m.user_id != env.user):
        raise AccessError(env._("“%(action)s” looks only in your own mailboxes and shared ones.", action=action))


def handled_uid(folder):
    """The highest UID of *folder* its sync has handled (taken, or left out as older than the horizon)."""
    last = folder.last_uid or 0
    if folder.initial_sync_done or not folder.uidnext:
        return last
    # A first sync under way leaves out everything older than the horizon below the UIDNEXT it began with.
    return max(last, folder.uidnext - 1)


def _find(session, env, folder, addresses, importer):
    held = locations.held_uids(env, folder, folder.uidvalidity) if folder.uidvalidity else set()
    return find_older_mail(
        session,
        folder.name,
        addresses,
        uidvalidity=folder.uidvalidity or None,
        handled_uid=handled_uid(folder),
        held_uids=held,
        is_known=importer.known_uids,
    )


@dataclass
class MailboxFind:
    """What the search found in one mailbox: ``folders`` [(imap.folder, FolderFind)], or why it could not look."""

    mailbox: object
    folders: list = field(default_factory=list)
    #: The mailbox could not be searched (refused login, dead host...), in words.
    error: str | None = None
    #: [(imap.folder, words)]: folders that could not be searched.
    notes: list = field(default_factory=list)


def search_deadline():
    return time.monotonic() + SEARCH_BUDGET


def search_mailbox(mailbox, addresses, deadline=None):
    """Search the synced folders of *mailbox* (checked by the caller) for mail of *addresses*."""
    env = mailbox.env
    result = MailboxFind(mailbox)
    if mailbox.state == "auth_failed":
        # Known refused: asking again would only add to the server's count of failed logins.
        result.error = env._(
            "Not searched: the server refused the login at the last sync (%(error)s).", error=mailbox.last_error or ""
        )
        return result
    try:
        with mailbox._session(deadline=deadline) as session:
            importer = MessageImporter(mailbox)
            for folder in synced_folders(mailbox):
                try:
                    result.folders.append((folder, _find(session, env, folder, addresses, importer)))
                except imap_errors.FolderNotFoundError:
                    result.notes.append(
                        (
                            folder,
                            env._("Not on the server any more: not searched (the next sync updates the folder list)."),
                        )
                    )
    except imap_errors.ImapError as error:
        _logger.warning("IMAP mailbox %s (id %s): searching older mail failed: %s", mailbox.name, mailbox.id, error)
        result.error = mailbox._describe_error(error)
    return result


def pending_entry(folder, uidvalidity, uids):
    return {"folder_id": folder.id, "uidvalidity": uidvalidity, "uids": uid_set(uids).decode()}


class JobRun:
    """Imports what one job (imap.older.mail.job) still has pending, under its mailbox's run lock.

    *commit*: after each batch (the cron); without it (the request, tests) the work runs in a
    savepoint. *deadline*: a ``time.monotonic()`` after which it stops at the next batch.
    """

    def __init__(self, job, *, commit=None, deadline=None):
        self.job = job
        self.env = job.env
        self.cr = job.env.cr
        self.mailbox = job.mailbox_id
        self.committing = commit is not None
        self._commit = commit or (lambda: None)
        self.deadline = deadline
        #: Messages processed by this run (imported, placed, or gone from the server meanwhile).
        self.processed = 0

    def run(self):
        """True when the job ended (done or failed); False when it must come back (mailbox busy, out of time)."""
        job = self.job
        if not job._requester_may_use():
            job._finish(
                "failed",
                self.env._(
                    "%(user)s may no longer use this mailbox: nothing more was imported.", user=job.user_id.name
                ),
            )
            return True
        if not try_lock(self.cr, self.mailbox.id):
            _logger.info("IMAP mailbox %s: a run holds it, older mail import %s waits", self.mailbox.name, job.id)
            return False
        try:
            return self._run_isolated()
        finally:
            unlock(self.cr, self.mailbox.id)

    def _run_isolated(self):
        try:
            if self.committing:
                return self._run_locked()
            with self.cr.savepoint():
                return self._run_locked()
        except Exception as error:  # as MailboxRun: reported on the job with its traceback in the log, not raised
            if self.committing:
                self.cr.rollback()
            _logger.exception(
                "IMAP mailbox %s: older mail import %s stopped on an unexpected error", self.mailbox.name, self.job.id
            )
            self.job._finish(
                "failed",
                self.env._(
                    "Stopped on an unexpected error (%(error)s); the server log has "
                    "the details. Retry imports what is left.",
                    error=f"{type(error).__name__}: {error}",
                ),
            )
            return True

    def _run_locked(self):
        job = self.job
        job.state = "running"
        try:
            with self.mailbox._session(deadline=self.deadline) as session:
                importer = MessageImporter(self.mailbox)
                while job.pending:
                    if not self._import_folder(session, importer, job.pending[0]):
                        return False
        except imap_errors.ConnectionTimeout as error:
            if self.deadline is not None and time.monotonic() >= self.deadline:
                # A wait cut short by the run's own deadline, not a dead server: the next run goes on.
                _logger.info("IMAP mailbox %s: older mail import %s out of time: %s", self.mailbox.name, job.id, error)
                return False
            _logger.warning("IMAP mailbox %s: older mail import %s failed: %s", self.mailbox.name, job.id, error)
            job._finish("failed", self.mailbox._describe_error(error))
            return True
        except imap_errors.ImapError as error:
            _logger.warning("IMAP mailbox %s: older mail import %s failed: %s", self.mailbox.name, job.id, error)
            # What is left stays pending: Retry takes it up again once the server answers.
            job._finish("failed", self.mailbox._describe_error(error))
            return True
        job._finish("done")
        return True

    def _import_folder(self, session, importer, entry):
        """Import one folder's pending UIDs; False when the deadline stopped it halfway."""
        job, env = self.job, self.env
        folder = env["imap.folder"].browse(entry["folder_id"]).exists()
        uids = uids_in_set(entry["uids"])
        if not folder or folder.mailbox_id != self.mailbox:
            job._drop(
                entry,
                len(uids),
                env._("A folder was deleted in Odoo: %(count)s messages not imported.", count=len(uids)),
            )
            return True
        try:
            uidvalidity = selected_uidvalidity(session, folder.name)
            if uidvalidity != entry["uidvalidity"]:
                # Recreated on the server since the search: its UIDs now name other messages, or none.
                found = _find(session, env, folder, job._addresses(), importer)
                uidvalidity, uids = found.uidvalidity, list(found.uids)
                entry = job._replace(
                    entry,
                    pending_entry(folder, uidvalidity, uids),
                    env._(
                        "%(folder)s changed on the server since the search (UIDVALIDITY): searched again, %(count)s "
                        "found.",
                        folder=folder.name,
                        count=len(uids),
                    ),
                )
            sync = folder_sync(self.mailbox, session, folder, is_known=importer.known_uids)
            for batch in sync.uid_batches(uids):
                counts = importer.import_batch(folder, uidvalidity, batch)
                left = [uid for uid in uids if uid > batch.last_uid]
                self.processed += job._advance(entry, left, counts)
                entry = job.pending[0] if left else entry
                self._commit()
                if left and self.deadline is not None and time.monotonic() > self.deadline:
                    return False
        except imap_errors.FolderNotFoundError:
            if job.pending and job.pending[0]["folder_id"] == folder.id:
                left = uids_in_set(job.pending[0]["uids"])
                job._drop(
                    job.pending[0],
                    len(left),
                    env._(
                        "%(folder)s is not on the server any more: %(count)s messages not imported.",
                        folder=folder.name,
                        count=len(left),
                    ),
                )
            return True
        # Whatever was not in the last batch left the folder meanwhile: nothing to import.
        if job.pending and job.pending[0]["folder_id"] == folder.id:
            job._drop(job.pending[0], len(uids_in_set(job.pending[0]["uids"])))
        self._commit()
        return True


def run_pending_jobs(env):
    """The cron's pass: waiting jobs, oldest first, a committed batch at a time, within the time budget."""
    deadline = scheduler.deadline_for(env, CRON_BUDGET, cron=True)
    commit = scheduler.cron_commit(env)
    jobs = env["imap.older.mail.job"].search([("state", "in", ("queued", "running"))], order="id")
    processed = 0
    for job in jobs:
        if processed and time.monotonic() > deadline:
            break
        run = JobRun(job, commit=commit, deadline=deadline)
        run.run()
        processed += run.processed
        if commit:
            commit()
    left = jobs.filtered(lambda job: job.state in ("queued", "running"))
    # Work left and progress made: Odoo calls the cron again at once; a job waiting for a busy
    # mailbox (no progress) waits for the next interval instead of spinning.
    env["ir.cron"]._notify_progress(done=processed, remaining=sum(job.total - job.done_count for job in left))
