"""Syncing one folder: decide what to do from its status, then stream batches.

The caller (the Odoo layer) owns the state: it passes the folder's stored
watermark in, persists each :class:`Batch` it gets back, moves the watermark to
``batch.last_uid`` and commits. A run killed between two batches therefore
resumes exactly after the last committed one.

Bodies are only downloaded for messages the caller does not know yet: a first
pass reads each message's Message-ID (and size, flags, dates), so mail already
imported from another folder (a move, a Sent copy, Gmail labels) or before a
UIDVALIDITY reset costs a few bytes, not a download.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from . import states
from .folders import FolderStatus, folder_status
from .parse import header_text, normalize_message_id
from .search import Query, run_search

#: How many UIDs one metadata FETCH covers (a few dozen bytes each).
METADATA_CHUNK = 500

_MESSAGE_ID_HEADER = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
_BODY = b"BODY[]"
_HEADER = b"BODY[HEADER]"
_UNFOLD = re.compile(rb"\r?\n[ \t]+")


@dataclass(frozen=True)
class BatchLimits:
    """A batch is committed as a whole: bounded in count and in bytes held in memory."""

    max_messages: int = 200
    max_bytes: int = 32 * 1024 * 1024


@dataclass(frozen=True)
class FolderState:
    """What the caller stored about the folder after its last run."""

    uidvalidity: int | None = None
    last_uid: int = 0
    highestmodseq: int | None = None
    #: The first sync (limited to the horizon) ran to its end.
    initial_sync_done: bool = False
    #: MESSAGES as the server reported it at the end of the last run.
    server_messages: int = 0
    #: UIDNEXT as the server reported it when the last run began; while the first sync is
    #: under way, when its first run began: the end of the part of the folder the horizon applies to.
    uidnext: int | None = None


@dataclass(frozen=True)
class FolderPlan:
    #: One of the FOLDER_* actions of engine/states.py: unchanged, initial, incremental or reset.
    action: str
    status: FolderStatus
    #: Highest UID already handled under ``status.uidvalidity`` (0 after a reset).
    after_uid: int
    #: Flags changed since this MODSEQ (CONDSTORE), or None.
    flags_changed_since: int | None
    #: First sync only: the UIDNEXT seen when it began. Mail below it is taken only when
    #: received since the horizon, and all of it counts as handled once the first sync ends;
    #: mail from this UID on arrived during the first sync and is all taken.
    horizon_end: int | None = None


@dataclass
class ServerMessage:
    """A message as the server describes it, before or after downloading its body."""

    uid: int
    flags: frozenset
    internaldate: datetime | None
    size: int
    #: The Message-ID header, normalized; '' when the message has none.
    message_id: str
    gm_msgid: int | None = None
    gm_thrid: int | None = None
    email_id: str | None = None
    thread_id: str | None = None
    raw: bytes | None = None
    #: The header block alone, for a message too large to download (see Batch.too_large).
    header: bytes | None = None

    @property
    def seen(self):
        return states.SEEN in self.flags


@dataclass
class Batch:
    #: Downloaded in full: unknown to the caller.
    new: list = field(default_factory=list)
    #: Known to the caller by Message-ID (or server id): only their location is new.
    known: list = field(default_factory=list)
    #: Unknown, and larger than the maximum message size: only their headers were downloaded
    #: (``ServerMessage.header``), so they can be recorded and imported later on demand.
    too_large: list = field(default_factory=list)
    #: The watermark once this batch is stored.
    last_uid: int = 0


def plan_folder(state, status):
    """What a run must do, from the stored state and one STATUS answer."""
    flags_since = None
    if (
        state.highestmodseq is not None
        and status.highestmodseq is not None
        and status.highestmodseq != state.highestmodseq
    ):
        flags_since = state.highestmodseq
    if state.uidvalidity is None:
        return FolderPlan(states.FOLDER_INITIAL, status, 0, None, status.uidnext)
    if status.uidvalidity != state.uidvalidity:
        return FolderPlan(states.FOLDER_RESET, status, 0, None, status.uidnext)
    if not state.initial_sync_done:
        # A first sync resumed by a later run keeps the boundary its first run saw: mail that
        # arrived in between is new, whatever its date.
        return FolderPlan(states.FOLDER_INITIAL, status, state.last_uid, flags_since, state.uidnext or status.uidnext)
    unchanged = (
        status.uidnext <= state.last_uid + 1 and status.messages == state.server_messages and flags_since is None
    )
    return FolderPlan(
        states.FOLDER_UNCHANGED if unchanged else states.FOLDER_INCREMENTAL, status, state.last_uid, flags_since
    )


class FolderSync:
    """Drives one folder of an open session; see the module docstring."""

    def __init__(
        self, session, folder, state, *, horizon, is_known, limits=None, writable=False, max_message_size=None
    ):
        """*horizon*: a date; the first sync imports mail received since then.

        *is_known*: called with a list of ServerMessage, returns the set of their
        UIDs the caller already holds (by Message-ID or server id).

        *max_message_size*: bytes (RFC822.SIZE) above which a new message is not downloaded,
        only its headers (``Batch.too_large``); None for no limit.
        """
        self.session = session
        self.folder = folder
        self.state = state
        self.horizon = horizon
        self.is_known = is_known
        self.limits = limits or BatchLimits()
        #: Opened read-write only to set \Seen when the mailbox marks mail as read.
        self.writable = writable
        self.max_message_size = max_message_size
        self.plan = None
        self.new_uids_seen = 0
        #: The highest UID :meth:`batches` will describe (0: nothing to take).
        self._last_candidate = 0
        self._extra_items = server_id_items(session)

    def make_plan(self):
        """One STATUS round trip: all an unchanged folder costs."""
        self.plan = plan_folder(self.state, folder_status(self.session, self.folder))
        return self.plan

    def batches(self):
        """New mail in ascending UID order, in size-bounded batches."""
        plan = self.plan or self.make_plan()
        if plan.action == states.FOLDER_UNCHANGED:
            return
        self._select()
        uids = [uid for uid in self._candidate_uids(plan) if uid > plan.after_uid]
        self.new_uids_seen = len(uids)
        self._last_candidate = max(uids, default=0)
        yield from self._batches_for(uids)

    def has_more_after(self, last_uid):
        """Whether :meth:`batches` has mail beyond *last_uid* left to give.

        A run out of time stops only then: after the folder's last batch it ends the folder
        (flags, counts) instead, or its next run would find the folder changed once more.
        """
        return self._last_candidate > last_uid

    def missing_batches(self, held_uids, received_before):
        """Mail of the first-sync window the caller does not hold, received before a cutoff.

        The recovery pass: anything a run missed, whatever the reason. Mail younger than
        the cutoff is left to the regular sync, which is about to take it.
        """
        self._select()
        uids = [uid for uid in run_search(self.session, Query().since(self.horizon)) if uid not in held_uids]
        yield from self._batches_for(uids, received_before)

    def uid_batches(self, uids):
        """The messages at *uids* (chosen by the caller, e.g. older mail found on demand), in batches.

        The caller checked the folder's UIDVALIDITY on this session (older_mail.selected_uidvalidity):
        the UIDs are those of the folder as selected now. The watermark is not the business of these.
        """
        self._select()
        yield from self._batches_for(sorted(set(uids)))

    def _batches_for(self, uids, received_before=None):
        for start in range(0, len(uids), METADATA_CHUNK):
            described = self._describe(uids[start : start + METADATA_CHUNK])
            if received_before is not None:
                described = [m for m in described if m.internaldate is None or m.internaldate < received_before]
            known_uids = self.is_known(described)
            yield from self._batches_of(described, known_uids)

    def _candidate_uids(self, plan):
        start = plan.after_uid + 1
        if plan.action in states.FOLDER_FROM_START:
            within_horizon = run_search(
                self.session, Query().since(self.horizon).uid_range(start, plan.horizon_end - 1)
            )
            arrived_since = run_search(self.session, Query().uid_range(max(start, plan.horizon_end)))
            return within_horizon + arrived_since
        return run_search(self.session, Query().uid_range(start))

    def _describe(self, uids):
        items = [
            "UID",
            "FLAGS",
            "INTERNALDATE",
            "RFC822.SIZE",
            "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]",
            *self._extra_items,
        ]
        response = self.session.fetch(uids, items)
        # A message expunged meanwhile simply is not in the answer.
        return [server_message(uid, response[uid]) for uid in uids if uid in response]

    def _batches_of(self, described, known_uids):
        batch, batch_bytes = Batch(), 0
        for message in described:
            if message.uid in known_uids:
                batch.known.append(message)
            elif self.max_message_size and message.size > self.max_message_size:
                batch.too_large.append(message)
            else:
                if batch.new and (
                    len(batch.new) >= self.limits.max_messages or batch_bytes + message.size > self.limits.max_bytes
                ):
                    yield self._downloaded(batch)
                    batch, batch_bytes = Batch(), 0
                batch.new.append(message)
                batch_bytes += message.size
            batch.last_uid = message.uid
        if batch.new or batch.known or batch.too_large:
            yield self._downloaded(batch)

    def _downloaded(self, batch):
        if batch.too_large:
            self._download_headers(batch)
        if batch.new:
            bodies = self.session.fetch([m.uid for m in batch.new], ["BODY.PEEK[]"])
            # A message expunged between the two fetches is dropped, not imported empty.
            batch.new = [m for m in batch.new if m.uid in bodies]
            for message in batch.new:
                message.raw = bodies[message.uid].get(_BODY) or b""
        return batch

    def _download_headers(self, batch):
        headers = self.session.fetch([m.uid for m in batch.too_large], ["BODY.PEEK[HEADER]"])
        # Expunged since it was described: nothing to record.
        batch.too_large = [m for m in batch.too_large if m.uid in headers]
        for message in batch.too_large:
            message.header = headers[message.uid].get(_HEADER) or b""

    def flag_changes(self):
        """``{uid: flags}`` of known messages whose flags changed since the last run (CONDSTORE)."""
        plan = self.plan
        if not plan or plan.flags_changed_since is None or plan.after_uid < 1:
            return {}
        self._select()
        # Which ones first (SEARCH MODSEQ), then their flags: imapclient 4 takes message numbers
        # only in fetch(), no "1:N" range to send with CHANGEDSINCE.
        changed = run_search(self.session, Query().uid_range(1, plan.after_uid).changed_since(plan.flags_changed_since))
        flags = {}
        for start in range(0, len(changed), METADATA_CHUNK):
            response = self.session.fetch(changed[start : start + METADATA_CHUNK], ["FLAGS"])
            flags.update((uid, _flags(data.get(b"FLAGS", ()))) for uid, data in response.items())
        return {uid: value for uid, value in flags.items() if uid <= plan.after_uid}

    def expunge_suspected(self):
        """Fewer messages on the server than before plus what this run found: some left the folder."""
        plan = self.plan
        if not plan or plan.action in states.FOLDER_FROM_START:
            return False
        return plan.status.messages < self.state.server_messages + self.new_uids_seen

    def present_uids(self):
        """Every UID in the folder now, to drop locations of messages moved or deleted on the server."""
        self._select()
        return set(self.session.search(["ALL"]))

    def _select(self):
        if self.session.selected_folder != self.folder:
            self.session.select(self.folder, readonly=not self.writable)

    def next_state(self, last_uid):
        """The state to store once everything up to *last_uid* is committed (the run went to its end).

        The first sync ends having handled everything below the UIDNEXT it began with: what it
        did not take there is older than the horizon, and must stay out of every later run too,
        even when no mail at all was within the horizon.
        """
        plan = self.plan
        handled = max(last_uid, plan.after_uid)
        if plan.horizon_end is not None:
            handled = max(handled, plan.horizon_end - 1)
        return FolderState(
            uidvalidity=plan.status.uidvalidity,
            last_uid=handled,
            highestmodseq=plan.status.highestmodseq,
            initial_sync_done=True,
            server_messages=plan.status.messages,
            uidnext=plan.status.uidnext,
        )


def server_id_items(session):
    """The FETCH items of the server's own message and thread ids, where it has them."""
    items = []
    if session.has("X-GM-EXT-1"):
        items += ["X-GM-MSGID", "X-GM-THRID"]
    if session.has("OBJECTID"):
        items += ["EMAILID", "THREADID"]
    return items


def horizon_date(today, days):
    return date.fromordinal(today.toordinal() - days)


def _flags(values):
    # \Recent belongs to one session, not to the message.
    flags = (v.decode() if isinstance(v, bytes) else str(v) for v in values)
    return frozenset(f for f in flags if f != "\\Recent")


def _optional_atom(value):
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value) if value not in (None, "") else None


def server_message(uid, data):
    """A :class:`ServerMessage` from one FETCH response entry."""
    header = data.get(_MESSAGE_ID_HEADER) or b""
    match = re.search(rb"^message-id:\s*(.*)$", _UNFOLD.sub(b" ", header), re.IGNORECASE | re.MULTILINE)
    message_id = normalize_message_id(header_text(match.group(1))) if match else ""
    return ServerMessage(
        uid=uid,
        flags=_flags(data.get(b"FLAGS", ())),
        internaldate=data.get(b"INTERNALDATE"),
        size=int(data.get(b"RFC822.SIZE") or 0),
        message_id=message_id,
        gm_msgid=data.get(b"X-GM-MSGID"),
        gm_thrid=data.get(b"X-GM-THRID"),
        email_id=_optional_atom(data.get(b"EMAILID")),
        thread_id=_optional_atom(data.get(b"THREADID")),
    )


def mark_seen(session, uids):
    """Set \\Seen on *uids* of the selected folder (only when the mailbox asks for it)."""
    if uids:
        session.add_flags(sorted(uids), [states.SEEN])


def download_message(session, folder, uidvalidity, uid):
    """The full :class:`ServerMessage` at *uid* of *folder*, or None when it is no longer there.

    For a message recorded as too large and imported on demand: one message, one FETCH.
    None too when the folder was recreated since (another UIDVALIDITY: the UID means nothing).
    """
    selected = session.select(folder, readonly=True)
    if int(selected.get("UIDVALIDITY") or 0) != uidvalidity:
        return None
    items = ["UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]", "BODY.PEEK[]"]
    response = session.fetch([uid], items)
    if uid not in response:
        return None
    message = server_message(uid, response[uid])
    message.raw = response[uid].get(_BODY) or b""
    return message
