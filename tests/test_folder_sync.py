"""Syncing a folder: what a run fetches, in which batches, and what it leaves alone."""

from datetime import UTC, date, datetime

import pytest

from engine.folder_sync import BatchLimits, FolderState, FolderSync, mark_seen, plan_folder
from engine.folders import FolderStatus
from engine.transport import open_session
from rig.mailgen import generate


def simple(n, date_header="Tue, 01 Sep 2026 09:00:00 +0000", **extra):
    headers = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in extra.items())
    return (
        f"Message-ID: <m{n}@test>\r\nSubject: message {n}\r\nFrom: a@example.com\r\n"
        f"Date: {date_header}\r\n{headers}\r\nbody {n}\r\n"
    ).encode()


def run(session, folder="INBOX", state=None, known=(), horizon=date(2000, 1, 1), **kwargs):
    sync = FolderSync(
        session,
        folder,
        state or FolderState(),
        horizon=horizon,
        is_known=lambda ms: {m.uid for m in ms if m.message_id in known},
        **kwargs,
    )
    batches = list(sync.batches())
    return sync, batches


def test_first_sync_downloads_everything_since_the_horizon(mailbox):
    mailbox.append("INBOX", [simple(1)], msg_time=datetime(2020, 1, 1, tzinfo=UTC))
    mailbox.append("INBOX", [simple(2), simple(3)])
    with open_session(mailbox.settings()) as session:
        sync, batches = run(session, horizon=date(2025, 1, 1))
    assert sync.plan.action == "initial"
    assert [m.message_id for b in batches for m in b.new] == ["<m2@test>", "<m3@test>"]
    assert batches[-1].last_uid == 3
    assert all(m.raw.startswith(b"Message-ID:") for b in batches for m in b.new)


def test_an_unchanged_folder_costs_one_status_and_yields_nothing(mailbox):
    mailbox.append("INBOX", [simple(1), simple(2)])
    with open_session(mailbox.settings()) as session:
        first, _ = run(session)
        state = first.next_state(2)
        again, batches = run(session, state=state)
    assert again.plan.action == "unchanged"
    assert batches == []


def test_incremental_sync_fetches_only_mail_above_the_watermark(mailbox):
    mailbox.append("INBOX", [simple(1), simple(2)])
    with open_session(mailbox.settings()) as session:
        first, _ = run(session)
        mailbox.append("INBOX", [simple(3)], msg_time=datetime(2001, 1, 1, tzinfo=UTC))
        again, batches = run(session, state=first.next_state(2))
    assert again.plan.action == "incremental"
    assert [m.uid for b in batches for m in b.new] == [3], "later syncs take all new mail, however old"


def test_only_batches_before_the_last_one_leave_mail_to_take(mailbox):
    mailbox.append("INBOX", [simple(n) for n in range(1, 6)])
    with open_session(mailbox.settings()) as session:
        sync = FolderSync(
            session,
            "INBOX",
            FolderState(),
            horizon=date(2000, 1, 1),
            is_known=lambda ms: set(),
            limits=BatchLimits(max_messages=2),
        )
        left = [sync.has_more_after(batch.last_uid) for batch in sync.batches()]
    assert left == [True, True, False], "a run out of time after the last batch still ends the folder"


def test_known_messages_are_recognised_without_downloading_them(mailbox):
    mailbox.append("Archive", [simple(1), simple(2), simple(3)])
    with open_session(mailbox.settings()) as session:
        _sync, batches = run(session, "Archive", known={"<m1@test>", "<m3@test>"})
    assert [m.message_id for b in batches for m in b.new] == ["<m2@test>"]
    assert [m.message_id for b in batches for m in b.known] == ["<m1@test>", "<m3@test>"]
    assert all(m.raw is None for b in batches for m in b.known)


def test_batches_are_bounded_by_count_and_by_bytes(mailbox):
    mailbox.append("INBOX", generate(30, seed=3))
    with open_session(mailbox.settings()) as session:
        _sync, by_count = run(session, limits=BatchLimits(max_messages=7))
        _sync, by_bytes = run(session, limits=BatchLimits(max_messages=1000, max_bytes=40_000))
    assert [len(b.new) for b in by_count] == [7, 7, 7, 7, 2]
    assert [b.last_uid for b in by_count] == [7, 14, 21, 28, 30]
    assert len(by_bytes) > 2
    for batch in by_bytes:
        assert len(batch.new) == 1 or sum(m.size for m in batch.new) <= 40_000


def test_uidvalidity_change_is_a_reset_that_starts_from_uid_one(mailbox):
    mailbox.append("Projects", [simple(1)])
    with open_session(mailbox.settings()) as session:
        first, _ = run(session, "Projects")
        state = first.next_state(1)
    mailbox.delete_folder("Projects")
    mailbox.append("Projects", [simple(1), simple(2)])
    with open_session(mailbox.settings()) as session:
        again, batches = run(session, "Projects", state=state, known={"<m1@test>"})
    assert again.plan.action == "reset"
    assert again.plan.status.uidvalidity != state.uidvalidity
    assert [m.message_id for b in batches for m in b.known] == ["<m1@test>"]
    assert [m.message_id for b in batches for m in b.new] == ["<m2@test>"]


def test_a_resumed_first_sync_continues_after_the_last_committed_batch(mailbox):
    mailbox.append("INBOX", [simple(n) for n in range(1, 6)])
    with open_session(mailbox.settings()) as session:
        status_uidvalidity = run(session)[0].plan.status.uidvalidity
        interrupted = FolderState(uidvalidity=status_uidvalidity, last_uid=3, initial_sync_done=False)
        sync, batches = run(session, state=interrupted)
    assert sync.plan.action == "initial"
    assert [m.uid for b in batches for m in b.new] == [4, 5]


def test_syncing_never_marks_mail_as_read_but_mark_seen_does(mailbox):
    mailbox.append("INBOX", [simple(1), simple(2)])
    with open_session(mailbox.settings()) as session:
        run(session)
    assert mailbox.flags("INBOX") == {1: set(), 2: set()}
    with open_session(mailbox.settings()) as session:
        _sync, _ = run(session, writable=True)
        mark_seen(session, [2])
    assert mailbox.flags("INBOX") == {1: set(), 2: {b"\\Seen"}}


def test_flag_changes_are_found_with_condstore(mailbox):
    mailbox.append("INBOX", [simple(1), simple(2), simple(3)])
    with open_session(mailbox.settings()) as session:
        first, _ = run(session)
        state = first.next_state(3)
    with mailbox.client() as client:
        client.select_folder("INBOX")
        client.add_flags([2], [b"\\Seen", b"\\Flagged"])
    with open_session(mailbox.settings()) as session:
        again, batches = run(session, state=state)
        changes = again.flag_changes()
    assert again.plan.action == "incremental" and batches == []
    assert changes == {2: frozenset({"\\Seen", "\\Flagged"})}


def test_messages_leaving_the_folder_are_detected(mailbox):
    mailbox.append("INBOX", [simple(1), simple(2), simple(3)])
    with open_session(mailbox.settings()) as session:
        first, _ = run(session)
        state = first.next_state(3)
    with mailbox.client() as client:
        client.select_folder("INBOX")
        client.move([2], "Archive")
    with open_session(mailbox.settings()) as session:
        again, _ = run(session, state=state)
        assert again.expunge_suspected()
        assert again.present_uids() == {1, 3}


@pytest.mark.parametrize(
    ("stored", "status", "action"),
    [
        (FolderState(), FolderStatus(5, 10, 9, 3), "initial"),
        (FolderState(5, 9, 3, True, 9), FolderStatus(5, 10, 9, 3), "unchanged"),
        (FolderState(5, 9, 3, True, 9), FolderStatus(5, 11, 10, 4), "incremental"),
        (FolderState(5, 9, 3, True, 9), FolderStatus(5, 10, 8, 4), "incremental"),
        (FolderState(5, 9, 3, True, 9), FolderStatus(6, 10, 9, 3), "reset"),
        (FolderState(5, 4, None, False, 9), FolderStatus(5, 10, 9, None), "initial"),
    ],
)
def test_plan_from_state_and_status(stored, status, action):
    assert plan_folder(stored, status).action == action


def test_the_plan_never_starts_a_uid_range_at_zero():
    plan = plan_folder(FolderState(5, 0, 1, True, 0), FolderStatus(5, 4, 3, 2))
    assert plan.after_uid + 1 >= 1
    assert plan.flags_changed_since == 1


def test_missing_batches_skip_held_mail_and_mail_younger_than_the_cutoff(mailbox):
    old = datetime(2026, 1, 1, tzinfo=UTC)
    mailbox.append("INBOX", [simple(1), simple(2), simple(3)], msg_time=old)
    mailbox.append("INBOX", [simple(4)])  # arrives now: the regular sync's job
    with open_session(mailbox.settings()) as session:
        sync = FolderSync(session, "INBOX", FolderState(), horizon=date(2025, 1, 1), is_known=lambda ms: set())
        batches = list(sync.missing_batches(held_uids={1, 3}, received_before=datetime(2026, 6, 1, tzinfo=UTC)))
    assert [m.uid for b in batches for m in b.new] == [2]


def test_the_key_known_before_download_is_the_key_after_parsing_for_8bit_ids(mailbox):
    from engine.identity import dedupe_key, server_key
    from engine.parse import parse_message

    raw = b"Message-ID: <caf\xc3\xa9@b\xc3\xbcro.example>\r\nSubject: 8-bit\r\nFrom: a@example.com\r\n\r\nx\r\n"
    mailbox.append("INBOX", [raw])
    seen = []
    with open_session(mailbox.settings()) as session:
        sync = FolderSync(
            session, "INBOX", FolderState(), horizon=date(2000, 1, 1), is_known=lambda ms: seen.extend(ms) or set()
        )
        [batch] = list(sync.batches())
    before = server_key(seen[0].message_id)
    parsed = parse_message(batch.new[0].raw)
    assert before == dedupe_key(parsed.message_id, parsed.content_hash) == "<café@büro.example>"
