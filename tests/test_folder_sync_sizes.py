"""The maximum message size: a larger message is described and its headers read, never downloaded."""

from datetime import date

from engine.folder_sync import FolderState, FolderSync, download_message
from engine.transport import open_session


def message(n, body_size=0):
    return (
        f"Message-ID: <big{n}@test>\r\nSubject: message {n}\r\nFrom: a@example.com\r\n"
        f"Date: Tue, 01 Sep 2026 09:00:00 +0000\r\n\r\n{'x' * body_size}\r\nend {n}\r\n"
    ).encode()


def test_a_message_over_the_limit_comes_with_its_headers_only_and_the_watermark_passes_it(mailbox):
    mailbox.append("INBOX", [message(1), message(2, body_size=50_000), message(3)])
    with open_session(mailbox.settings()) as session:
        sync = FolderSync(
            session,
            "INBOX",
            FolderState(),
            horizon=date(2000, 1, 1),
            is_known=lambda ms: set(),
            max_message_size=10_000,
        )
        batches = list(sync.batches())
    assert [m.uid for b in batches for m in b.new] == [1, 3]
    [large] = [m for b in batches for m in b.too_large]
    assert (large.uid, large.message_id) == (2, "<big2@test>")
    assert large.size > 50_000
    assert large.raw is None, "its body is never downloaded"
    assert large.header.startswith(b"Message-ID: <big2@test>\r\n") and large.header.endswith(b"\r\n\r\n")
    assert b"xxxx" not in large.header
    assert batches[-1].last_uid == 3


def test_without_a_limit_every_message_is_downloaded(mailbox):
    mailbox.append("INBOX", [message(1, body_size=50_000)])
    with open_session(mailbox.settings()) as session:
        sync = FolderSync(session, "INBOX", FolderState(), horizon=date(2000, 1, 1), is_known=lambda ms: set())
        [batch] = list(sync.batches())
    assert [m.uid for m in batch.new] == [1] and batch.too_large == []


def test_download_message_fetches_one_message_in_full_and_checks_uidvalidity(mailbox):
    mailbox.append("INBOX", [message(1), message(2, body_size=20_000)])
    with open_session(mailbox.settings()) as session:
        uidvalidity = int(session.select("INBOX")["UIDVALIDITY"])
        fetched = download_message(session, "INBOX", uidvalidity, 2)
        assert fetched.message_id == "<big2@test>" and fetched.raw.endswith(b"end 2\r\n")
        assert download_message(session, "INBOX", uidvalidity + 1, 2) is None, "another folder by that name"
        assert download_message(session, "INBOX", uidvalidity, 99) is None
