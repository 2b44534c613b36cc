"""One sync run of one mailbox: lock, connect, folders, batches, commits.

Only one run per mailbox at a time: a PostgreSQL advisory lock taken without
waiting, so the cron, Sync now and the recovery pass skip a mailbox that is
already being synced instead of queueing behind it. The lock belongs to the
database connection, so it survives the per-batch commits of a cron run and
vanishes with a worker that dies.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import date

from ..engine import errors as imap_errors
from ..engine.folder_sync import BatchLimits, FolderSync, horizon_date, mark_seen
from ..engine.folders import list_folders
from . import placements
from .message_importer import OUTGOING_ROLES, ImportCounts, MessageImporter

_logger = logging.getLogger(__name__)

#: The advisory lock's first key: "IMAP" as a 32-bit integer, so our locks never collide with others'.
LOCK_CLASS = 0x494D4150


@dataclass
class FolderReport:
    name: str
    action: str = "skipped"
    counts: ImportCounts = field(default_factory=ImportCounts)
    flags_updated: int = 0
    placements_dropped: int = 0
    error: str | None = None


@dataclass
class RunReport:
    mailbox_id: int
    started: float = field(default_factory=time.time)
    duration: float = 0.0
    #: Another run held the mailbox: nothing was done.
    skipped: bool = False
    #: The time budget ran out; the next run continues where this one committed.
    interrupted: bool = False
    error: imap_errors.ImapError | None = None
    folders: list = field(default_factory=list)
    counts: ImportCounts = field(default_factory=ImportCounts)

    @property
    def ok(self):
        return not self.skipped and self.error is None


def try_lock(cr, mailbox_id):
    cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, mailbox_id])
    return cr.fetchone()[0]


def unlock(cr, mailbox_id):
    cr.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, mailbox_id])


class MailboxSync:
    def __init__(self, mailbox, *, commit=None, deadline=None, limits=None, after_batch=None):
        """*commit*: called after each batch (the cron passes ``cr.commit``; buttons pass nothing).

        *deadline*: a ``time.monotonic()`` value after which the run stops at the next batch.
        *after_batch*: called after each committed batch with the folder report (progress, tests).
        """
        self.mailbox = mailbox
        self.env = mailbox.env
        self.cr = mailbox.env.cr
        self._commit = commit or (lambda: None)
        self.deadline = deadline
        self.limits = limits or BatchLimits()
        self.after_batch = after_batch or (lambda report: None)
        self.report = RunReport(mailbox.id)

    def run(self):
        if not try_lock(self.cr, self.mailbox.id):
            _logger.info("IMAP mailbox %s (id %s): a sync is already running, skipped", self.mailbox.name,
                         self.mailbox.id)
            self.report.skipped = True
            return self.report
        started = time.monotonic()
        try:
            self._run_locked()
        finally:
            self.report.duration = time.monotonic() - started
            unlock(self.cr, self.mailbox.id)
        return self.report

    def _run_locked(self):
        mailbox = self.mailbox
        try:
            with mailbox._session() as session:
                self.env["imap.folder"]._reconcile(mailbox, list_folders(session))
                importer = MessageImporter(mailbox)
                for folder in mailbox.folder_ids.filtered(lambda f: f.sync_enabled and f.state == "ok"):
                    if self._out_of_time():
                        self.report.interrupted = True
                        break
                    self._sync_folder(session, importer, folder)
        except imap_errors.ImapError as error:
            self.report.error = error
            mailbox._record_run_failure(error)
        else:
            mailbox._record_run_success(complete=not self.report.interrupted)
        self._commit()

    def _out_of_time(self):
        return self.deadline is not None and time.monotonic() > self.deadline

    def _sync_folder(self, session, importer, folder):
        report = FolderReport(folder.name)
        self.report.folders.append(report)
        mark_read = self.mailbox.mark_as_read and folder.role not in OUTGOING_ROLES
        sync = FolderSync(
            session, folder.name, folder._sync_state(),
            horizon=horizon_date(date.today(), self.mailbox.sync_horizon_days),
            is_known=importer.known_uids, limits=self.limits, writable=mark_read,
        )
        try:
            plan = sync.make_plan()
        except imap_errors.FolderNotFoundError as error:
            # Gone between LIST and STATUS: the next LIST reconciles it; nothing to lose here.
            report.error = str(error)
            _logger.warning("IMAP mailbox %s: folder %s vanished during the run", self.mailbox.name, folder.name)
            return
        report.action = plan.action
        if plan.action == "unchanged":
            return
        uidvalidity = plan.status.uidvalidity
        if plan.action == "reset":
            folder._begin_reset(uidvalidity)
            self._commit()
        last_uid = plan.after_uid
        for batch in sync.batches():
            report.counts += importer.import_batch(folder, uidvalidity, batch)
            last_uid = batch.last_uid
            folder._advance(uidvalidity, last_uid)
            self._commit()
            # Without commits (Sync now) the ORM cache would hold every message of the run.
            self.env.invalidate_all()
            if mark_read:
                uids = [m.uid for m in (*batch.new, *batch.known) if not m.seen]
                mark_seen(session, uids)
                placements.mark_seen(self.env, folder, uidvalidity, uids)
                self._commit()
            self.after_batch(report)
            if self._out_of_time():
                self.report.interrupted = True
                break
        else:
            changes = sync.flag_changes()
            report.flags_updated = placements.apply_flags(self.env, folder, uidvalidity, changes)
            if sync.expunge_suspected():
                report.placements_dropped = placements.drop_missing(self.env, folder, uidvalidity,
                                                                    sync.present_uids())
            folder._finish_run(sync.next_state(last_uid))
            self._commit()
        self.report.counts += report.counts
