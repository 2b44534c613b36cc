"""The sync run of a mailbox: folders, then new mail in committed batches."""

import logging
from datetime import date, timedelta

from odoo import fields

from ..engine import errors as imap_errors
from ..engine import states
from ..engine.folder_sync import FolderSync, horizon_date, mark_seen
from ..engine.folders import list_folders
from . import chatter_flow, locations, mailbox_run
from .mailbox_run import FolderReport, MailboxRun
from .message_importer import OUTGOING_ROLES, MessageImporter

_logger = logging.getLogger(__name__)


#: Minutes a scheduled sync goes without listing the folders (LIST and reconciliation): a folder
#: created on the server is found within this time, or at once by Sync now and Fetch folders.
FOLDER_LIST_MINUTES = 60

# How a run lists the folders (MailboxSync's *listing*).
LIST_ALWAYS = "always"
#: The scheduled sync: only when the last listing is FOLDER_LIST_MINUTES old, or a folder went missing.
LIST_WHEN_DUE = "when_due"


class MailboxSync(MailboxRun):
    kind = states.RUN_SYNC

    def __init__(self, mailbox, *, listing=LIST_ALWAYS, folder_names=None, **kwargs):
        """*listing*: LIST_ALWAYS or LIST_WHEN_DUE.

        *folder_names*: sync only these folders (those of them that are synced), without listing:
        the IDLE worker's run for the folder that announced a change. A mailbox never listed yet
        gets a whole run instead.
        """
        super().__init__(mailbox, **kwargs)
        self.listing = listing
        self.folder_names = set(folder_names) if folder_names is not None else None
        self._importer = None
        #: Decided once, before the folders are read: a run that lists syncs every synced folder.
        self._listing_now = None

    @property
    def importer(self):
        """Made only for a folder with work: it reads the mailbox's addresses and rules."""
        if self._importer is None:
            self._importer = MessageImporter(self.mailbox)
        return self._importer

    def _work(self, session):
        self._listing_now = self._lists_folders()
        if self._listing_now:
            self.env["imap.folder"]._reconcile(self.mailbox, list_folders(session))
            mailbox_run.bookkeeping(self.mailbox).folders_listed_date = fields.Datetime.now()
        worked = False
        for folder in self._synced_folders():
            # Every run makes progress: it stops only after a folder that had work (an unchanged
            # folder costs one STATUS and does not count).
            if worked and self._out_of_time():
                self.report.interrupted = True
                break
            self._sync_folder(session, folder)
            worked = worked or self.report.folders[-1].action not in states.FOLDER_IDLE

    def _known_uids(self, messages):
        return self.importer.known_uids(messages)

    def _lists_folders(self):
        mailbox = self.mailbox
        if not mailbox.folder_ids:
            return True
        if self.folder_names is not None:
            return False
        if self.listing == LIST_WHEN_DUE and mailbox.folders_listed_date:
            return mailbox.folders_listed_date <= fields.Datetime.now() - timedelta(minutes=FOLDER_LIST_MINUTES)
        return True

    def _synced_folders(self):
        folders = super()._synced_folders()
        if self.folder_names is None or self._listing_now:
            return folders
        return folders.filtered(lambda f: f.name in self.folder_names)

    def _completes(self):
        # A run of some folders is not a sync of the mailbox: its schedule counts from the last whole one.
        return super()._completes() and (self.folder_names is None or self._listing_now)

    def _sync_folder(self, session, folder):
        report = FolderReport(folder.name)
        self.report.folders.append(report)
        try:
            self._sync_folder_batches(session, folder, report)
        except imap_errors.FolderNotFoundError as error:
            folder_vanished(self.mailbox, folder, report, error)
            self._commit()
        self.report.counts += report.counts

    def _sync_folder_batches(self, session, folder, report):
        mailbox = self.mailbox
        mark_read = mailbox.mark_as_read and folder.role not in OUTGOING_ROLES
        sync = folder_sync(
            mailbox,
            session,
            folder,
            is_known=self._known_uids,
            limits=self.limits,
            writable=mark_read or mailbox.quarantine_enabled,
        )
        plan = sync.make_plan()
        report.action = plan.action
        if plan.action == states.FOLDER_UNCHANGED:
            return
        importer = self.importer
        uidvalidity = plan.status.uidvalidity
        if plan.action == states.FOLDER_RESET:
            folder._begin_reset(uidvalidity)
            self._commit()
        if plan.horizon_end is not None and folder.uidnext != plan.horizon_end:
            folder._begin_first_sync(uidvalidity, plan.horizon_end)
            self._commit()
        last_uid = plan.after_uid
        for batch in sync.batches():
            report.counts += importer.import_batch(folder, uidvalidity, batch)
            # In the batch's transaction: committed with the messages, so never logged twice.
            chatter_flow.log_incoming(self.env, importer.new_incoming_ids)
            last_uid = batch.last_uid
            folder._advance(uidvalidity, last_uid)
            self._commit()
            # Without commits (Sync now) the ORM cache would hold every message of the run.
            self.env.invalidate_all()
            # Only once the failed records are committed: moved away on the server and then rolled back
            # in Odoo, a message would sit where no sync looks.
            if importer.failed_uids and mailbox.quarantine_enabled and self.committing:
                report.quarantined += self._quarantine(session, folder, uidvalidity, importer.failed_uids)
            if mark_read:
                uids = [m.uid for m in (*batch.new, *batch.known) if not m.seen and m.uid not in importer.failed_uids]
                mark_seen(session, uids)
                locations.mark_seen(self.env, folder, uidvalidity, uids)
                self._commit()
            self.after_batch(report)
            if self._out_of_time() and sync.has_more_after(last_uid):
                self.report.interrupted = True
                break
        else:
            changes = sync.flag_changes()
            report.flags_updated = locations.apply_flags(self.env, folder, uidvalidity, changes)
            if sync.expunge_suspected():
                report.locations_dropped = locations.drop_missing(self.env, folder, uidvalidity, sync.present_uids())
            folder._finish_run(sync.next_state(last_uid))
            self._commit()

    def _quarantine(self, session, folder, uidvalidity, uids):
        """Move failed messages on the server into the quarantine folder (their source is kept in Odoo)."""
        target = self.mailbox.quarantine_folder
        try:
            if not session.folder_exists(target):
                session.create_folder(target)
            session.move(sorted(uids), target)
        except imap_errors.ProtocolError as error:
            _logger.warning("IMAP mailbox %s: failed messages not quarantined: %s", self.mailbox.name, error)
            return 0
        locations.quarantined(self.env, folder, uidvalidity, uids)
        self._commit()
        _logger.info(
            "IMAP mailbox %s: %s failed messages of %s moved to %s", self.mailbox.name, len(uids), folder.name, target
        )
        return len(uids)


def folder_sync(mailbox, session, folder, *, is_known, **options):
    """The engine's FolderSync for *folder* of *mailbox*, from what Odoo keeps of both.

    The one place that turns the mailbox's settings (horizon, maximum message size) and the folder's
    stored state into the engine's arguments: the sync, recovery and older mail all read the server
    through it. *options* are FolderSync's own (limits, writable).
    """
    return FolderSync(
        session,
        folder.name,
        folder._sync_state(),
        horizon=horizon_date(date.today(), mailbox.sync_horizon_days),
        is_known=is_known,
        max_message_size=mailbox._max_message_bytes(),
        **options,
    )


def folder_vanished(mailbox, folder, report, error):
    """*folder* is not on the server any more (deleted since LIST, or a run without LIST).

    What was committed stays; the folder is marked missing so that no run tries it again
    until LIST shows it anew (the next sync's reconciliation), and the run goes on with
    the other folders.
    """
    report.error = str(error)
    folder.state = states.FOLDER_MISSING
    # Renamed, perhaps: the next scheduled run lists the folders again.
    mailbox_run.bookkeeping(mailbox).folders_listed_date = False
    _logger.warning(
        "IMAP mailbox %s: folder %s is not on the server any more (%s); marked missing",
        mailbox.name,
        folder.name,
        error.detail or error.message,
    )
