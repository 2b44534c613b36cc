"""CHARSET: named only for non-ASCII text, and dropped once when the server refuses it."""

import pytest

from engine import errors
from engine.search import Query, run_search
from engine.transport import open_session

MESSAGES = [
    b"Subject: =?utf-8?b?0KHRh9GR0YIg4oSWIDQy?=\r\nFrom: ivan@example.ru\r\n\r\nHello.\r\n",  # "Счёт № 42"
    b"Subject: Invoice 42\r\nFrom: alice@example.com\r\n\r\nHello.\r\n",
]


class RecordingSession:
    """A session that notes the charset of every search it passes on."""

    def __init__(self, session):
        self._session = session
        self.charsets = []

    def search(self, criteria, charset=None):
        self.charsets.append(charset)
        return self._session.search(criteria, charset)

    def __getattr__(self, name):
        return getattr(self._session, name)


@pytest.fixture
def session(mailbox):
    mailbox.append("INBOX", MESSAGES)
    with open_session(mailbox.settings()) as session:
        yield RecordingSession(session)


def test_ascii_text_is_searched_without_charset(session):
    session.select("INBOX")
    assert run_search(session, Query().subject("invoice")) == [2]
    assert session.charsets == [None]


def test_non_ascii_text_is_searched_with_utf8(session):
    session.select("INBOX")
    assert run_search(session, Query().subject("счёт №")) == [1]
    assert session.charsets == ["UTF-8"]


def test_a_refused_charset_is_retried_once_without_charset(session):
    session.select("INBOX")
    assert run_search(session, Query().subject("Счёт"), charset="X-UNKNOWN") == [1]
    assert session.charsets == ["X-UNKNOWN", None]


def test_the_charset_refusal_is_really_the_servers(session):
    session.select("INBOX")
    with pytest.raises(errors.ProtocolError) as caught:
        session.search([b"SUBJECT", "Счёт".encode()], "X-UNKNOWN")
    assert "BADCHARSET" in caught.value.detail
    assert session.refused_charset(caught.value)


def test_any_other_refusal_is_raised_without_a_retry(session):
    # Nothing selected: Dovecot answers BAD "No mailbox selected".
    with pytest.raises(errors.ProtocolError) as caught:
        run_search(session, Query().subject("Счёт"))
    assert "No mailbox selected" in caught.value.detail
    assert session.charsets == ["UTF-8"]


def test_the_word_charset_in_the_criteria_does_not_pass_for_a_refusal(session):
    # imapclient quotes the criteria in a BAD's message; only the server's words count.
    with pytest.raises(errors.ProtocolError):
        run_search(session, Query().subject("Счёт unknown charset BADCHARSET"))
    assert session.charsets == ["UTF-8"]


def test_a_query_that_matches_nothing_does_not_reach_the_server(session):
    session.select("INBOX")
    assert run_search(session, Query().uids([]).subject("Счёт")) == []
    assert run_search(session, Query().uid_range(3, 2)) == []
    assert session.charsets == []
