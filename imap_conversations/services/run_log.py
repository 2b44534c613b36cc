"""Writing a run's log entry, as much as the mailbox's log level asks for."""

from datetime import UTC, datetime

from ..engine import states
from . import error_texts


def _wanted(log_level, report):
    if log_level == "off":
        return False
    if log_level == "errors":
        return bool(report.error or report.counts.failed)
    return True


def _state(report):
    if report.busy:
        return states.RUN_BUSY
    if report.error:
        return states.RUN_ERROR
    return states.RUN_PARTIAL if report.counts.failed else states.RUN_OK


def record(mailbox, report):
    """Keep the run in the mailbox's log, per its log level (full, errors only, off)."""
    if not _wanted(mailbox.log_level, report):
        return None
    values = {
        "mailbox_id": mailbox.id,
        "kind": report.kind,
        "state": _state(report),
        "start_date": datetime.fromtimestamp(report.started, UTC).replace(tzinfo=None),
        "duration": report.duration,
        "folder_count": len(report.folders),
        "new_count": report.counts.new,
        "failed_count": report.counts.failed,
        "skipped_count": report.counts.known,
        "error": error_texts.describe(mailbox, report.error) if report.error else False,
    }
    if mailbox.log_level == "full":
        values["details"] = "\n".join(folder.describe() for folder in report.folders) or False
    return mailbox.env["imap.sync.log"].sudo().create(values)
