"""A message has one dedupe key, computed by one function before and after its body is downloaded."""

from engine.folder_sync import ServerMessage
from engine.identity import message_key
from engine.parse import parse_message

RAW = b"Message-ID: <a@example.com>\r\nSubject: Offer\r\n\r\nHello\r\n"
NO_ID = b"Subject: Offer\r\n\r\nHello\r\n"


def server(raw, message_id="", **ids):
    return ServerMessage(
        uid=1, flags=frozenset(), internaldate=None, size=len(raw), message_id=message_id, raw=raw, **ids
    )


def test_the_key_known_from_the_headers_is_the_key_after_download():
    described = server(RAW, "<a@example.com>")
    assert message_key(described) == message_key(described, parse_message(RAW)) == "<a@example.com>"


def test_without_a_message_id_the_server_id_then_the_content_decides():
    assert message_key(server(NO_ID, gm_msgid=7), parse_message(NO_ID)) == "gm:7"
    assert message_key(server(NO_ID, email_id="M1"), parse_message(NO_ID)) == "emailid:M1"
    assert message_key(server(NO_ID)) is None
    assert message_key(server(NO_ID), parse_message(NO_ID)).startswith("hash:")
