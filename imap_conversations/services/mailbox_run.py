"""What every run of a mailbox shares (sync and recovery): lock, report, log, commits.

Only one run per mailbox at a time: a PostgreSQL advisory lock taken without
waiting, so the cron, Sync now and the recovery pass skip a mailbox that is
already being worked on instead of queueing behind it. The lock belongs to the
database connection: it survives the per-batch commits of a cron run and goes
away with a worker that dies.
"""

import logging
import time
from dataclasses import dataclass, field

from odoo import fields

from ..engine import errors as imap_errors
from ..engine import states
from ..engine.folder_sync import BatchLimits
from . import run_log
from .message_importer import ImportCounts

_logger = logging.getLogger(__name__)

#: The advisory lock's first key: "IMAP" as a 32-bit integer, so our locks never collide with others'.
LOCK_CLASS = 0x494D4150


@dataclass
class FolderReport:
    name: str
    action: str = states.FOLDER_NOT_VISITED
    counts: ImportCounts = field(default_factory=ImportCounts)
    flags_updated: int = 0
    locations_dropped: int = 0
    quarantined: int = 0
    error: str | None = None

    def describe(self):
        text = (
            f"{self.name}: {self.action}, {self.counts.new} new, {self.counts.failed} failed, "
            f"{self.counts.known} skipped"
        )
        extras = [
            f"{n} {label}"
            for n, label in (
                (self.flags_updated, "flag changes"),
                (self.locations_dropped, "left the folder"),
                (self.counts.too_large, "too large, recorded without content"),
                (self.quarantined, "quarantined"),
            )
            if n
        ]
        if extras:
            text += ", " + ", ".join(extras)
        return text + (f" - {self.error}" if self.error else "")


@dataclass
class RunReport:
    mailbox_id: int
    kind: str = states.RUN_SYNC
    started: float = field(default_factory=time.time)
    duration: float = 0.0
    #: Another run held the mailbox: nothing was done.
    busy: bool = False
    #: The time budget ran out; the next run continues where this one committed.
    interrupted: bool = False
    error: imap_errors.ImapError | None = None
    folders: list = field(default_factory=list)
    counts: ImportCounts = field(default_factory=ImportCounts)

    @property
    def ok(self):
        return not self.busy and self.error is None


def bookkeeping(mailbox):
    """*mailbox* for writing the run's own dates, which the chatter does not track.

    mail.thread prepares tracking (reads every tracked field) at each write, whatever is written:
    most of what an unchanged mailbox's run costs Odoo, for nothing.
    """
    return mailbox.sudo().with_context(tracking_disable=True)


def try_lock(cr, mailbox_id):
    cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, mailbox_id])
    return cr.fetchone()[0]


def unlock(cr, mailbox_id):
    cr.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, mailbox_id])


class MailboxRun:
    """Subclasses implement ``_work(session)``; connection failures and the log are handled here."""

    kind = None

    def __init__(
        self, mailbox, *, commit=None, deadline=None, limits=None, after_batch=None, on_finish=None, locked=False
    ):
        """*commit*: called after each batch (the crons pass ``cr.commit``; buttons pass nothing).

        *locked*: the caller holds the mailbox's run lock already (a lane claimed it) and lets it go after.

        *deadline*: a ``time.monotonic()`` value after which the run stops at the next batch.
        *after_batch*: called after each committed batch with the folder report (progress, tests).
        *on_finish*: called with the report once the run ended, in its last transaction (the
        scheduler sets the mailbox's next turn there: one commit less per mailbox).
        """
        self.mailbox = mailbox
        self.env = mailbox.env
        self.cr = mailbox.env.cr
        #: Commits per batch (the crons): a failure then rolls back only what is not committed yet.
        self.committing = commit is not None
        self._commit = commit or (lambda: None)
        self.deadline = deadline
        self.limits = limits or BatchLimits()
        self.after_batch = after_batch or (lambda report: None)
        self.on_finish = on_finish or (lambda report: None)
        self.report = RunReport(mailbox.id, kind=self.kind)
        self.locked = locked

    def run(self):
        started = time.monotonic()
        if not self.locked and not try_lock(self.cr, self.mailbox.id):
            _logger.info(
                "IMAP mailbox %s (id %s): a %s is already running, skipped",
                self.mailbox.name,
                self.mailbox.id,
                self.kind,
            )
            self.report.busy = True
        else:
            # The attempt counts from its start, committed before any server is contacted: a run that
            # hangs or is killed still sends its mailbox to the back of the scheduled queue.
            bookkeeping(self.mailbox).last_run_date = fields.Datetime.now()
            self._commit_bookkeeping()
            try:
                self._run_isolated()
            finally:
                # Reached with a usable transaction (see _run_isolated): the lock never outlives the run.
                if not self.locked:
                    unlock(self.cr, self.mailbox.id)
        self.report.duration = time.monotonic() - started
        self._commit_bookkeeping(commit=False)
        self.on_finish(self.report)
        run_log.record(self.mailbox, self.report)
        self._commit()
        return self.report

    def _commit_bookkeeping(self, commit=True):
        """Commit (or, *commit* False, mark for its commit) a transaction that holds only the run's dates,
        state and log, without waiting for the disk.

        Such a transaction lost in a PostgreSQL crash costs one more run of the mailbox, nothing else
        (atomicity and visibility are the same), while waiting for the write-ahead log to reach the disk
        twice per mailbox was a fifth of what an unchanged mailbox cost the scheduled sync. What a run
        imports, and what it did on the server, is committed by the run itself, as durably as ever.
        """
        if not self.committing:
            return  # one transaction for the whole request (Sync now): nothing of it is ours to weaken
        self.cr.execute("SET LOCAL synchronous_commit TO OFF")
        if commit:
            self._commit()

    def _run_isolated(self):
        """Run; an error nobody foresaw is reported on the mailbox like a server error, not raised.

        Otherwise one broken message or a database hiccup would stop every mailbox after this
        one in the cron, leave no trace on the mailbox, and (in an aborted transaction) keep
        the lock. With per-batch commits, what is not committed yet is rolled back; without,
        the run's savepoint is.
        """
        try:
            if self.committing:
                self._run_locked()
            else:
                with self.cr.savepoint():
                    self._run_locked()
        except Exception as error:  # see the docstring: logged with its traceback, reported on the mailbox
            if self.committing:
                self.cr.rollback()
            _logger.exception(
                "IMAP mailbox %s (id %s): the %s stopped on an unexpected error",
                self.mailbox.name,
                self.mailbox.id,
                self.kind,
            )
            self.report.error = imap_errors.InternalError(
                f"The {self.kind} stopped on an unexpected error", detail=f"{type(error).__name__}: {error}"
            )
            self.mailbox._record_run_failure(self.report.error)

    def _run_locked(self):
        self._before_connecting()
        try:
            # Every network wait of the run is cut to the time left before its deadline.
            with self.mailbox._session(deadline=self.deadline) as session:
                self._work(session)
        except imap_errors.ImapError as error:
            self.report.error = error
            self.mailbox._record_run_failure(error)
        else:
            self.mailbox._record_run_success(complete=self._completes())

    def _completes(self):
        """Whether this run, ended without error, was a complete sync of the mailbox."""
        return self.kind == states.RUN_SYNC and not self.report.interrupted

    def _before_connecting(self):
        """Work that needs no server (the recovery retries failed messages from their source)."""

    def _work(self, session):
        raise NotImplementedError

    def _out_of_time(self):
        return self.deadline is not None and time.monotonic() > self.deadline

    def _synced_folders(self):
        return synced_folders(self.mailbox)


def synced_folders(mailbox):
    """The folders a run syncs (and the IDLE worker may watch): chosen, present, not the quarantine."""
    quarantine = mailbox.quarantine_enabled and mailbox.quarantine_folder
    return mailbox.folder_ids.filtered(
        lambda f: f.sync_enabled and f.state == states.FOLDER_PRESENT and f.name != quarantine
    )
