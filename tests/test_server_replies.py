"""Server refusals read by code first, wording second, on the real replies of common servers.

tests/data/server_replies.json holds each server's own words (Dovecot, Cyrus, Gmail,
Exchange, Courier) and the class they must get; the transport turns that class into the
typed error callers act on (a missing folder is skipped, a refused charset retried...).
"""

import imaplib
import json
import re
from pathlib import Path

import pytest
from imapclient import exceptions as imapclient_errors

from engine import errors, replies
from engine.transport import open_session, translated_errors

GOLDEN = json.loads((Path(__file__).parent / "data" / "server_replies.json").read_text())["replies"]
LOGIN_COMMANDS = ("LOGIN", "AUTHENTICATE")
ERROR_BY_CLASS = {
    replies.FOLDER_MISSING: errors.FolderNotFoundError,
    replies.CHARSET_REFUSED: errors.CharsetRefusedError,
    replies.THROTTLED: errors.ThrottledError,
    replies.AUTH_FAILED: errors.AuthenticationError,
    replies.REFUSED: errors.ProtocolError,
}


def label(reply):
    return f"{reply['server']}-{reply['command']}-{reply['text'][:30]}"


def as_raised(reply):
    """The exception imapclient raises for this reply, in the form it really has."""
    command, text = reply["command"], reply["text"]
    if command in LOGIN_COMMANDS:
        # imaplib raises the reply's bytes; imapclient re-raises them as a LoginError.
        return imapclient_errors.LoginError(repr(text.encode()))
    if reply["status"] == "BAD":
        return imaplib.IMAP4.error(f"{command} command error: BAD [{text.encode()!r}]")
    return imapclient_errors.IMAPClientError(f"{command.lower()} failed: {text}")


@pytest.mark.parametrize("reply", GOLDEN, ids=label)
def test_each_server_reply_gets_its_class(reply):
    assert replies.classify(reply["text"]) == reply["class"]


@pytest.mark.parametrize("reply", GOLDEN, ids=label)
def test_the_transport_raises_the_typed_error_of_the_class(reply):
    if reply["command"] in LOGIN_COMMANDS:
        # Any refused login is a wrong password, unless the server says it is busy.
        expected = errors.ThrottledError if reply["class"] == replies.THROTTLED else errors.AuthenticationError
    else:
        expected = ERROR_BY_CLASS[reply["class"]]
    with pytest.raises(errors.ImapError) as caught, translated_errors(reply["command"].lower()):
        raise as_raised(reply)
    assert type(caught.value) is expected
    assert reply["text"] in caught.value.detail, "the server's words stay in the log"


def test_the_golden_data_covers_every_class_on_the_common_servers():
    servers = {r["server"] for r in GOLDEN}
    assert {"dovecot", "cyrus", "gmail", "exchange", "courier"} <= servers
    for reply_class in (replies.FOLDER_MISSING, replies.CHARSET_REFUSED):
        assert {r["server"] for r in GOLDEN if r["class"] == reply_class} >= {"dovecot", "cyrus", "courier"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("[BADCHARSET (US-ASCII UTF-8)] Unsupported charset", "BADCHARSET"),
        ("select failed: [nonexistent] x", "NONEXISTENT"),
        # Dovecot's and WorkMail's trailing "[host:time]" and "[2026-08-03 06:00:06]" are not codes.
        ("Temporary authentication failure. [mail.example.net:2026-12-01 21:00:00]", None),
        ("Internal error occurred. [2026-08-03 06:00:06]", None),
    ],
)
def test_a_response_code_is_an_atom_in_brackets(text, code):
    assert replies.response_code(text) == code


# -- against the rig's Dovecot ---------------------------------------------------


def _without_timing(text):
    # Dovecot appends how long the command took: "(0.001 + 0.000 secs)."
    return re.sub(r" \([0-9.+ ]+ secs\)\.$", ".", text)


def _dovecot_reply(command, text):
    return next(
        r["text"]
        for r in GOLDEN
        if r["server"] == "dovecot" and r["command"] == command and r["text"].startswith(text[:12])
    )


def test_the_golden_dovecot_replies_are_what_dovecot_answers(mailbox):
    client = imaplib.IMAP4(mailbox.server.host, mailbox.server.port)
    try:
        with pytest.raises(imaplib.IMAP4.error) as login:
            client.login(mailbox.login, "wrong password")
        client.login(mailbox.login, mailbox.password)
        answers = {
            "SELECT": client.select("Nope")[1][0],
            "STATUS": client.status("Nope", "(MESSAGES)")[1][0],
            "APPEND": client.append("Nope", None, None, b"Subject: x\r\n\r\nx\r\n")[1][0],
            "DELETE": client.delete("Nope")[1][0],
        }
        client.select("INBOX")
        answers["SEARCH"] = client.uid("SEARCH", "CHARSET", "X-UNKNOWN", "TEXT", "foo")[1][0]
    finally:
        client.logout()
    assert str(login.value) == repr(_dovecot_reply("LOGIN", "[AUTHENTICATIONFAILED]").encode())
    for command, answer in answers.items():
        said = _without_timing(answer.decode())
        assert said == _without_timing(_dovecot_reply(command, said)), command


def test_dovecot_refusals_become_typed_errors(mailbox):
    with pytest.raises(errors.AuthenticationError):
        open_session(mailbox.settings(password="wrong password"))
    with open_session(mailbox.settings()) as session:
        with pytest.raises(errors.FolderNotFoundError):
            session.status("Nope", ["MESSAGES"])
        with pytest.raises(errors.FolderNotFoundError):
            session.select("Nope")
        session.select("INBOX")
        with pytest.raises(errors.CharsetRefusedError):
            session.search([b"TEXT", "Счёт".encode()], "X-UNKNOWN")
