"""imapclient 3.x and 4.x are supported (each engine-tier pass runs one); any other is refused by name."""

import os
from datetime import date

import imapclient
import pytest

from engine import errors
from engine.imapclient_support import SUPPORTED_SPEC, check_version, is_supported, version_tuple
from engine.search import Query
from engine.transport import open_session
from rig.imapclient_versions import ENV_MAJOR


@pytest.mark.parametrize(
    ("version", "supported"),
    [
        ("3.0.1", True),
        ("3.1.0", True),
        ("4.0.0", True),
        ("4.1.0", True),
        ("4.9.17", True),
        ("2.3.1", False),
        ("3.0.0", False),
        ("5.0.0", False),
        ("5.0.0rc1", False),
    ],
)
def test_supported_imapclient_versions(version, supported):
    assert is_supported(version) is supported


def test_an_unsupported_version_is_refused_with_both_versions_named():
    with pytest.raises(errors.UnsupportedLibraryError) as caught:
        check_version("5.0.0")
    assert caught.value.version == "5.0.0" and caught.value.supported == SUPPORTED_SPEC
    assert "imapclient 5.0.0" in str(caught.value) and SUPPORTED_SPEC in str(caught.value)
    assert not caught.value.transient, "retrying does not help until someone installs another version"


def test_pre_releases_count_as_their_release():
    assert version_tuple("4.0.0rc1") == (4, 0, 0)


def test_this_pass_runs_the_imapclient_major_it_is_for():
    expected = os.environ.get(ENV_MAJOR)
    assert is_supported(imapclient.__version__)
    if expected:
        assert imapclient.__version__.split(".")[0] == expected


def test_the_engine_refuses_to_connect_with_an_unsupported_imapclient(mailbox, monkeypatch):
    monkeypatch.setattr(imapclient, "__version__", "5.0.0")
    with pytest.raises(errors.UnsupportedLibraryError):
        open_session(mailbox.settings())


def test_changed_since_searches_the_mod_sequences_above_the_one_given():
    assert Query().uid_range(1, 9).changed_since(41).criteria() == [b"UID", b"1:9", b"MODSEQ", 42]


def test_flag_changes_of_more_messages_than_one_fetch_covers(mailbox, monkeypatch):
    from engine import folder_sync
    from engine.folder_sync import FolderState, FolderSync

    monkeypatch.setattr(folder_sync, "METADATA_CHUNK", 2)
    mailbox.append("INBOX", [f"Subject: {n}\r\n\r\nx\r\n".encode() for n in range(5)])
    with open_session(mailbox.settings()) as session:
        first = FolderSync(session, "INBOX", FolderState(), horizon=date(2000, 1, 1), is_known=lambda ms: set())
        list(first.batches())
        state = first.next_state(5)
    with mailbox.client() as client:
        client.select_folder("INBOX")
        client.add_flags([1, 3, 4, 5], [b"\\Flagged"])
    with open_session(mailbox.settings()) as session:
        again = FolderSync(session, "INBOX", state, horizon=date(2000, 1, 1), is_known=lambda ms: set())
        list(again.batches())
        changes = again.flag_changes()
    assert changes == {uid: frozenset({"\\Flagged"}) for uid in (1, 3, 4, 5)}
