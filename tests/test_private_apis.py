"""The private parts of imapclient the engine relies on are still there (each has one wrapper).

Each test names what broke, so an imapclient release that moves one fails here, in words,
rather than as a slow import or a hanging search somewhere else.
"""

import imapclient.imapclient

from engine.search import Query, run_search
from engine.transport import as_literal, open_session


def test_imapclient_still_has_its_literal_marker():
    assert hasattr(imapclient.imapclient, "_literal"), "imapclient dropped _literal: engine/transport.as_literal"
    marked = as_literal(b"(x)")
    assert isinstance(marked, imapclient.imapclient._literal)
    assert bytes(marked) == b"(x)"


def test_a_session_turns_off_imaplib_debug(mailbox):
    with open_session(mailbox.settings()) as session:
        imaplib_client = getattr(session._client, "_imap", None)
        assert imaplib_client is not None, "imapclient no longer keeps imaplib in _imap: engine/transport.quiet_imaplib"
        assert imaplib_client.debug == 0


def test_a_literal_reaches_the_server_as_a_literal(mailbox):
    # "(x)" sent bare breaks the command; as a literal it is just text that matches nothing.
    mailbox.append("INBOX", [b"Subject: hello\r\n\r\nbody\r\n"])
    with open_session(mailbox.settings()) as session:
        session.select("INBOX")
        assert run_search(session, Query().subject("(x)")) == []
        assert run_search(session, Query().subject("hello")) == [1]
