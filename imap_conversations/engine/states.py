"""The named states of the addon: what its records and runs can be, one constant each.

The values are what the database stores (``selection`` fields) and what raw SQL
compares with, so they never change; the constants exist so that Python and SQL
say ``MESSAGE_FAILED`` instead of repeating ``"failed"``, and a typo is a
NameError instead of a query that silently matches nothing. Like queue_job's
``job.py``, this module imports nothing (no Odoo either): the engine, the
services and the models all read it. Labels are the English ones the fields
show; Odoo translates selection labels from the fields themselves.
"""

# -- imap.message.state -----------------------------------------------------------------------
#: Imported from the server.
MESSAGE_IMPORTED = "imported"
#: Could not be stored (kept with its source), or a routing rule failed on it.
MESSAGE_FAILED = "failed"
#: Over the mailbox's maximum message size: recorded from its headers only.
MESSAGE_TOO_LARGE = "too_large"
#: Written in Odoo, its sending failed: it can be sent again.
MESSAGE_DRAFT = "draft"
#: Written in Odoo and sent.
MESSAGE_SENT = "sent"
MESSAGE_STATES = [
    (MESSAGE_IMPORTED, "Imported"),
    (MESSAGE_FAILED, "Failed"),
    (MESSAGE_TOO_LARGE, "Too large"),
    (MESSAGE_DRAFT, "Not sent"),
    (MESSAGE_SENT, "Sent"),
]
#: Messages a thread shows (failed and too large ones are listed elsewhere).
MESSAGE_SHOWN_STATES = (MESSAGE_IMPORTED, MESSAGE_SENT, MESSAGE_DRAFT)
#: Messages that make a conversation's summary (last message, correspondent, preview).
MESSAGE_SUMMARY_STATES = (MESSAGE_IMPORTED, MESSAGE_SENT)

# -- imap.message.direction (and a routing rule's condition) ----------------------------------------
INCOMING = "incoming"
OUTGOING = "outgoing"
DIRECTIONS = [(INCOMING, "Incoming"), (OUTGOING, "Outgoing")]

# -- imap.folder.state ------------------------------------------------------------------------
FOLDER_PRESENT = "ok"
#: Disappeared from the server but holds synced mail: kept, and not synced.
FOLDER_MISSING = "missing"
FOLDER_STATES = [(FOLDER_PRESENT, "On server"), (FOLDER_MISSING, "Missing on server")]

# -- imap.mailbox.state -----------------------------------------------------------------------
#: Not connected yet, or its settings changed since the last failure.
MAILBOX_PENDING = "draft"
MAILBOX_ACTIVE = "active"
#: The server refused the login: the mailbox waits for new settings.
MAILBOX_AUTH_FAILED = "auth_failed"
#: Any other failure: retried at its next turn.
MAILBOX_ERROR = "error"
MAILBOX_STATES = [
    (MAILBOX_PENDING, "Pending"),
    (MAILBOX_ACTIVE, "Active"),
    (MAILBOX_AUTH_FAILED, "Authentication failed"),
    (MAILBOX_ERROR, "Error"),
]
#: States a failed run leaves a mailbox in.
MAILBOX_FAILED_STATES = (MAILBOX_AUTH_FAILED, MAILBOX_ERROR)

# -- runs (imap.sync.log.kind) and their outcome (imap.sync.log.state) -------------------------------
RUN_SYNC = "sync"
RUN_RECOVERY = "recovery"
RUN_KINDS = [(RUN_SYNC, "Sync"), (RUN_RECOVERY, "Recovery")]

RUN_OK = "ok"
#: Ran to its end, some messages were kept as failed.
RUN_PARTIAL = "partial"
RUN_ERROR = "error"
#: Another run held the mailbox's lock: this one did nothing (stored as "skipped" since 18.0.1.0).
RUN_BUSY = "skipped"
RUN_OUTCOMES = [
    (RUN_OK, "Success"),
    (RUN_PARTIAL, "Some messages failed"),
    (RUN_ERROR, "Error"),
    (RUN_BUSY, "Skipped"),
]

# -- what a run does with a folder (engine/folder_sync.py's FolderPlan.action) -----------------------
#: Nothing new since the last run: one STATUS, nothing else.
FOLDER_UNCHANGED = "unchanged"
#: The first sync, limited to the horizon (or its continuation by a later run).
FOLDER_INITIAL = "initial"
#: Mail after the watermark, and flag changes.
FOLDER_INCREMENTAL = "incremental"
#: UIDVALIDITY changed: every UID is new again (known messages are recognised, not imported twice).
FOLDER_RESET = "reset"
#: The run did not get to plan the folder (it vanished, or recovery cannot trust its UIDs).
FOLDER_NOT_VISITED = "skipped"
#: Recovery: the failed messages stored again from their source (a report line of their own).
FOLDER_RETRY = "retry"
#: Recovery: the folder compared with the server, and what Odoo misses imported.
FOLDER_RECOVERY = "recovery"
#: Actions that start the folder from UID 0.
FOLDER_FROM_START = (FOLDER_INITIAL, FOLDER_RESET)
#: Actions after which the folder cost the run nothing worth a deadline.
FOLDER_IDLE = (FOLDER_UNCHANGED, FOLDER_NOT_VISITED)

# -- flags on the server (imap.message.location.flags) ------------------------------------------------
SEEN = "\\Seen"

# -- routing rules (imap.routing.rule.state) ------------------------------------------------------
#: Saved, not acting on mail yet: its dry run comes first.
RULE_DRAFT = "draft"
#: Acting on every message the sync stores.
RULE_LIVE = "live"
RULE_STATES = [(RULE_DRAFT, "Draft"), (RULE_LIVE, "Live")]
