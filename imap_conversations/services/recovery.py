"""The recovery pass of a mailbox: retry failed messages, pick up anything a sync missed.

1. Failed messages younger than the maximum age are stored again from their
   source (no server needed); those that had been quarantined go back to the
   folder they came from.
2. Each synced folder is compared with the server: mail of the first-sync window
   that Odoo holds nothing for, and that arrived before the grace period (younger
   mail is the regular sync's), is imported.
"""

import logging
from datetime import UTC, datetime, timedelta

from ..engine import errors as imap_errors
from ..engine import states
from ..engine.search import Query, run_search
from . import locations
from .mailbox_run import FolderReport, MailboxRun
from .mailbox_sync import folder_sync, folder_vanished
from .message_importer import MessageImporter

_logger = logging.getLogger(__name__)

DEFAULT_MAX_AGE_DAYS = 1
DEFAULT_GRACE_MINUTES = 2


def recovery_settings(env):
    """(maximum age of failed messages to retry, grace period), from the system parameters."""
    params = env["ir.config_parameter"].sudo()
    max_age = int(params.get_param("imap_conversations.recovery_max_age_days", DEFAULT_MAX_AGE_DAYS))
    grace = int(params.get_param("imap_conversations.recovery_grace_minutes", DEFAULT_GRACE_MINUTES))
    return timedelta(days=max_age), timedelta(minutes=grace)


class MailboxRecovery(MailboxRun):
    kind = states.RUN_RECOVERY

    def __init__(self, mailbox, **kwargs):
        super().__init__(mailbox, **kwargs)
        self.max_age, self.grace = recovery_settings(self.env)
        self._returning = []

    def _before_connecting(self):
        importer = MessageImporter(self.mailbox)
        since = datetime.now(UTC).replace(tzinfo=None) - self.max_age
        failed = self.env["imap.message"].search(
            [
                ("mailbox_id", "=", self.mailbox.id),
                ("state", "=", states.MESSAGE_FAILED),
                ("create_date", ">=", since),
            ]
        )
        if not failed:
            return
        quarantined = {m: (m.message_id, m.quarantine_origin) for m in failed if m.quarantine_origin}
        report = FolderReport(self.env._("failed messages"), action=states.FOLDER_RETRY)
        self.report.folders.append(report)
        report.counts.new, report.counts.failed = importer.retry(failed)
        self.report.counts += report.counts
        # A stored retry replaced its failed record: the quarantined ones among them go home.
        self._returning = [info for message, info in quarantined.items() if not message.exists() and info[0]]
        self._commit()

    def _work(self, session):
        self._return_from_quarantine(session)
        importer = MessageImporter(self.mailbox)
        cutoff = datetime.now(UTC) - self.grace
        for position, folder in enumerate(self._synced_folders().filtered("initial_sync_done")):
            if position and self._out_of_time():
                self.report.interrupted = True
                break
            self._recover_folder(session, importer, folder, cutoff)

    def _recover_folder(self, session, importer, folder, cutoff):
        report = FolderReport(folder.name, action=states.FOLDER_RECOVERY)
        sync = folder_sync(self.mailbox, session, folder, is_known=importer.known_uids, limits=self.limits)
        self.report.folders.append(report)
        try:
            uidvalidity = sync.make_plan().status.uidvalidity
            if uidvalidity != folder.uidvalidity:
                # Recreated: the next sync rebinds it, recovery has no UIDs to trust.
                report.action = states.FOLDER_NOT_VISITED
                return
            for batch in sync.missing_batches(locations.held_uids(self.env, folder, uidvalidity), cutoff):
                report.counts += importer.import_batch(folder, uidvalidity, batch)
                self._commit()
                self.env.invalidate_all()
                self.after_batch(report)
        except imap_errors.FolderNotFoundError as error:
            # Gone since the last sync (recovery does not LIST): the other folders still get their pass.
            folder_vanished(self.mailbox, folder, report, error)
            self._commit()
        self.report.counts += report.counts

    def _return_from_quarantine(self, session):
        source = self.mailbox.quarantine_folder
        if not self._returning or not source or not session.folder_exists(source):
            return
        session.select(source, readonly=False)
        for message_id, origin in self._returning:
            uids = run_search(session, Query().header("Message-ID", message_id))
            if uids and session.folder_exists(origin):
                session.move(uids, origin)
        session.unselect()
        _logger.info(
            "IMAP mailbox %s: %s recovered messages moved back from %s", self.mailbox.name, len(self._returning), source
        )
