"""The first sync's horizon: mail older than it stays out, in the first run and in every later one.

The first sync of a folder takes mail received since the horizon. Once it ends, everything
below the UIDNEXT it began with counts as handled, whether it was taken or not; only mail
that arrived after that (whatever its date) is left to the following runs.
"""

from datetime import UTC, date, datetime

from engine.folder_sync import FolderState, FolderSync
from engine.transport import open_session

HORIZON = date(2025, 1, 1)
LONG_AGO = datetime(2023, 3, 1, tzinfo=UTC)
RECENTLY = datetime(2026, 3, 1, tzinfo=UTC)


def simple(n):
    return (f"Message-ID: <h{n}@test>\r\nSubject: message {n}\r\nFrom: a@example.com\r\n\r\nbody {n}\r\n").encode()


def sync_run(session, state=None, folder="INBOX"):
    """One run over *folder*, to its end: the UIDs it downloaded and the state it leaves."""
    sync = FolderSync(session, folder, state or FolderState(), horizon=HORIZON, is_known=lambda ms: set())
    taken = [m.uid for batch in sync.batches() for m in batch.new]
    return sync, taken, sync.next_state(sync.plan.after_uid if not taken else taken[-1])


def test_a_folder_of_old_mail_only_is_imported_neither_by_the_first_sync_nor_by_the_second(mailbox):
    mailbox.append("Archive", [simple(1), simple(2)], msg_time=LONG_AGO)
    with open_session(mailbox.settings()) as session:
        _first, taken_first, state = sync_run(session, folder="Archive")
        second, taken_second, _state = sync_run(session, state, folder="Archive")
    assert taken_first == []
    assert state.last_uid == 2, "everything below the UIDNEXT of the first sync counts as handled"
    assert second.plan.action == "unchanged"
    assert taken_second == []


def test_old_mail_above_the_last_recent_message_stays_out_too(mailbox):
    mailbox.append("INBOX", [simple(1)], msg_time=RECENTLY)
    mailbox.append("INBOX", [simple(2), simple(3)], msg_time=LONG_AGO)
    with open_session(mailbox.settings()) as session:
        _first, taken_first, state = sync_run(session)
        _second, taken_second, _state = sync_run(session, state)
    assert taken_first == [1]
    assert taken_second == []


def test_mail_arriving_after_the_first_sync_is_taken_however_old(mailbox):
    mailbox.append("INBOX", [simple(1)], msg_time=LONG_AGO)
    with open_session(mailbox.settings()) as session:
        _first, _taken, state = sync_run(session)
        mailbox.append("INBOX", [simple(2)], msg_time=LONG_AGO)  # e.g. filed from elsewhere by the user
        second, taken_second, _state = sync_run(session, state)
    assert second.plan.action == "incremental"
    assert taken_second == [2]


def test_mail_arriving_during_the_first_sync_is_not_counted_as_handled(mailbox):
    mailbox.append("INBOX", [simple(1)], msg_time=RECENTLY)
    with open_session(mailbox.settings()) as session:
        first = FolderSync(session, "INBOX", FolderState(), horizon=HORIZON, is_known=lambda ms: set())
        first.make_plan()
        mailbox.append("INBOX", [simple(2)], msg_time=LONG_AGO)  # after the STATUS the first sync began with
        taken_first = [m.uid for batch in first.batches() for m in batch.new]
        state = first.next_state(taken_first[-1])
        _second, taken_second, _state = sync_run(session, state)
    assert taken_first == [1, 2], "above the boundary the first sync takes everything it sees"
    assert taken_second == []


def test_a_resumed_first_sync_keeps_the_boundary_its_first_run_saw(mailbox):
    mailbox.append("INBOX", [simple(1), simple(2)], msg_time=RECENTLY)
    mailbox.append("INBOX", [simple(3)], msg_time=LONG_AGO)
    with open_session(mailbox.settings()) as session:
        uidvalidity = (
            FolderSync(session, "INBOX", FolderState(), horizon=HORIZON, is_known=lambda ms: set())
            .make_plan()
            .status.uidvalidity
        )
        # The first run stopped after committing UID 1, having seen UIDNEXT 4.
        interrupted = FolderState(uidvalidity=uidvalidity, last_uid=1, initial_sync_done=False, uidnext=4)
        mailbox.append("INBOX", [simple(4)], msg_time=LONG_AGO)  # arrived between the two runs
        resumed, taken, state = sync_run(session, interrupted)
    assert resumed.plan.action == "initial"
    assert resumed.plan.horizon_end == 4
    assert taken == [2, 4], "old mail below the boundary stays out, mail that arrived since is new"
    assert state.last_uid == 4 and state.initial_sync_done
