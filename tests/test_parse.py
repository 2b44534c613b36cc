"""engine.parse: headers, ids, dates, body selection, content hash and cid links."""

from datetime import UTC, datetime
from textwrap import dedent

import pytest

from engine.parse import Address, ParsedMessage, normalize_message_id, parse_message, rewrite_cid_links


def mail(text: str) -> bytes:
    """A message written readably in the test, sent as the CRLF bytes a server delivers."""
    return dedent(text).lstrip("\n").replace("\n", "\r\n").encode("utf-8")


SIMPLE = mail("""
    Received: from relay.example.net by mx.example.org; Mon, 4 Mar 2024 10:00:01 +0000
    From: Alice <alice@example.com>
    To: Bob <bob@example.org>, carol@example.com
    Subject: Hello
    Date: Mon, 04 Mar 2024 10:00:00 +0000
    Message-ID: <hello-1@example.com>

    Hi Bob.
""")


# --------------------------------------------------------------------------- the result object


def test_parse_message_returns_a_parsed_message_with_every_field_filled():
    parsed = parse_message(SIMPLE)
    assert isinstance(parsed, ParsedMessage)
    assert parsed.message_id == "<hello-1@example.com>"
    assert parsed.subject == "Hello"
    assert parsed.date == datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
    assert parsed.from_ == [Address("Alice", "alice@example.com")]
    assert parsed.sender == Address("Alice", "alice@example.com")
    assert parsed.to == [Address("Bob", "bob@example.org"), Address("", "carol@example.com")]
    assert parsed.cc == parsed.bcc == parsed.reply_to == []
    assert parsed.text_body == "Hi Bob.\n"
    assert parsed.html_body == ""
    assert parsed.attachments == []
    assert parsed.defects == []
    assert parsed.size == len(SIMPLE)


def test_sender_is_none_without_a_from_header():
    parsed = parse_message(mail("Subject: anonymous\n\nbody\n"))
    assert parsed.from_ == []
    assert parsed.sender is None


def test_headers_keep_order_and_written_names_with_decoded_unfolded_values():
    parsed = parse_message(
        mail("""
        X-Custom-HEADER: first
        Subject: =?utf-8?Q?caf=C3=A9?=
         au lait
        x-custom-header: second

        body
    """)
    )
    assert parsed.headers == [
        ("X-Custom-HEADER", "first"),
        ("Subject", "café au lait"),
        ("x-custom-header", "second"),
    ]


def test_subject_is_decoded_unfolded_and_stripped():
    parsed = parse_message(mail("Subject:   =?utf-8?B?SGVsbG8=?=\n  =?utf-8?B?IHdvcmxk?=   \n\nx\n"))
    assert parsed.subject == "Hello world"


def test_address_normalized_is_the_lower_cased_email():
    assert Address("Eve", "Eve.Smith@Example.COM").normalized == "eve.smith@example.com"


# --------------------------------------------------------------------------- message ids


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  <Abc@X> ", "<Abc@X>"),
        ("abc@x", "<abc@x>"),
        ("", ""),
        ("<>", ""),
        ("<first@x> <second@x>", "<first@x>"),
        ("<folded\r\n @x>", "<folded@x>"),
        ('Your message of "Mon" <id@host>', "<id@host>"),
        ("bare@host (a comment)", "<bare@host>"),
    ],
)
def test_normalize_message_id(value, expected):
    assert normalize_message_id(value) == expected


def test_in_reply_to_keeps_the_first_of_several_ids():
    parsed = parse_message(mail("In-Reply-To: <one@x> <two@x>\n\nbody\n"))
    assert parsed.in_reply_to == "<one@x>"


def test_references_keep_order_and_drop_repeats():
    parsed = parse_message(mail("References: <a@x> <B@x>\n <a@x>\t<c@x>\n\nbody\n"))
    assert parsed.references == ["<a@x>", "<B@x>", "<c@x>"]


def test_missing_ids_are_empty_not_none():
    parsed = parse_message(mail("Subject: no ids\n\nbody\n"))
    assert (parsed.message_id, parsed.in_reply_to, parsed.references) == ("", "", [])


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 05 Mar 2024 08:30:00 -0500", datetime(2024, 3, 5, 13, 30, tzinfo=UTC)),
        ("5 Mar 2024 23:30:00 +0900 (JST)", datetime(2024, 3, 5, 14, 30, tzinfo=UTC)),
        ("Tue, 05 Mar 2024 08:30:00 -0000", datetime(2024, 3, 5, 8, 30, tzinfo=UTC)),
        ("Tue, 05 Mar 24 08:30:00 GMT", datetime(2024, 3, 5, 8, 30, tzinfo=UTC)),
    ],
)
def test_dates_become_timezone_aware_utc(value, expected):
    parsed = parse_message(mail(f"Date: {value}\n\nbody\n"))
    assert parsed.date == expected
    assert parsed.date.tzinfo is UTC


@pytest.mark.parametrize("value", ["yesterday", "", "Mon, 99 Foo 99999 99:99:99 +9999"])
def test_an_unparseable_date_is_none_with_a_defect(value):
    parsed = parse_message(mail(f"Date: {value}\n\nbody\n"))
    assert parsed.date is None
    assert any("unparseable Date header" in defect for defect in parsed.defects)


# --------------------------------------------------------------------------- bodies


def _multipart(subtype: str, *parts: str, boundary="b0undary") -> bytes:
    body = "".join(f"--{boundary}\n{dedent(part).strip()}\n" for part in parts) + f"--{boundary}--\n"
    return mail(f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n\n') + mail(body)


def test_alternative_gives_one_text_and_one_html_body():
    raw = _multipart(
        "alternative",
        "Content-Type: text/plain\n\nplain version",
        "Content-Type: text/html\n\n<p>html version</p>",
    )
    parsed = parse_message(raw)
    assert parsed.text_body == "plain version"
    assert parsed.html_body == "<p>html version</p>"


def test_a_second_text_part_in_an_alternative_is_the_same_content_and_is_ignored():
    raw = _multipart("alternative", "Content-Type: text/plain\n\nfirst", "Content-Type: text/plain\n\nsecond")
    assert parse_message(raw).text_body == "first"


def test_text_parts_of_a_mixed_message_are_joined_in_order():
    raw = _multipart("mixed", "Content-Type: text/plain\n\nbefore", "Content-Type: text/plain\n\nafter")
    assert parse_message(raw).text_body == "before\nafter"


def test_a_text_part_with_attachment_disposition_is_an_attachment_not_the_body():
    raw = _multipart(
        "mixed",
        "Content-Type: text/plain\n\nthe body",
        "Content-Type: text/plain\nContent-Disposition: attachment\n\nlog line 1",
        "Content-Type: text/html; name=page.html\n\n<p>saved page</p>",
    )
    parsed = parse_message(raw)
    assert parsed.text_body == "the body"
    assert parsed.html_body == ""
    assert [(a.filename, a.mimetype) for a in parsed.attachments] == [
        ("attachment-1.txt", "text/plain"),
        ("page.html", "text/html"),
    ]
    assert parsed.attachments[0].content == b"log line 1"


def test_html_only_mail_has_an_empty_text_body():
    parsed = parse_message(mail("Content-Type: text/html; charset=utf-8\n\n<b>only html</b>\n"))
    assert (parsed.text_body, parsed.html_body) == ("", "<b>only html</b>\n")


def test_text_renderings_other_than_plain_and_html_in_an_alternative_are_dropped():
    raw = _multipart(
        "alternative",
        "Content-Type: text/plain\n\nplain",
        "Content-Type: text/watch-html\n\n<b>watch</b>",
        "Content-Type: text/html\n\n<b>html</b>",
    )
    parsed = parse_message(raw)
    assert (parsed.text_body, parsed.html_body, parsed.attachments) == ("plain", "<b>html</b>", [])


def test_body_line_endings_are_normalized_to_newlines():
    raw = b"Content-Type: text/plain\r\n\r\none\r\ntwo\rthree\n"
    assert parse_message(raw).text_body == "one\ntwo\nthree\n"


def test_html_without_mime_charset_uses_its_meta_charset():
    html = '<html><head><meta charset="windows-1251"></head><body>Привет</body></html>'
    raw = b"Content-Type: text/html\r\n\r\n" + html.encode("cp1251")
    assert "Привет" in parse_message(raw).html_body


# --------------------------------------------------------------------------- content hash


def test_content_hash_ignores_headers_that_servers_add_and_header_refolding():
    copy = SIMPLE.replace(b"Received:", b"X-Spam-Score: 0.1\r\nReceived:").replace(
        b"Subject: Hello", b"Subject:\r\n  Hello"
    )
    assert parse_message(copy).content_hash == parse_message(SIMPLE).content_hash


def test_content_hash_is_the_same_for_a_bare_lf_copy():
    assert parse_message(SIMPLE.replace(b"\r\n", b"\n")).content_hash == parse_message(SIMPLE).content_hash


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"Hi Bob.", b"Hi Bob!"),
        (b"Subject: Hello", b"Subject: Hello again"),
        (b"10:00:00 +0000\r\nMessage", b"10:00:01 +0000\r\nMessage"),
        (b"carol@example.com", b"dave@example.com"),
    ],
)
def test_content_hash_changes_with_the_content(old, new):
    assert old in SIMPLE
    assert parse_message(SIMPLE.replace(old, new)).content_hash != parse_message(SIMPLE).content_hash


def test_content_hash_covers_attachment_bytes():
    def hash_with_attachment(data: str) -> str:
        attachment = f"Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n{data}"
        raw = _multipart("mixed", "Content-Type: text/plain\n\nsee attached", attachment)
        return parse_message(raw).content_hash

    assert hash_with_attachment("AAAA") != hash_with_attachment("AAAB")


# --------------------------------------------------------------------------- cid links


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<img src="cid:logo@x">', '<img src="/web/image/7">'),
        ("<img src='cid:logo@x'>", '<img src="/web/image/7">'),
        ("<img src=cid:logo@x alt=a>", '<img src="/web/image/7" alt=a>'),
        ('<img SRC = "CID:logo@x">', '<img SRC = "/web/image/7">'),
        ('<img src="cid:logo%40x">', '<img src="/web/image/7">'),
        ('<td background="cid:logo@x">', '<td background="/web/image/7">'),
        ("<div style=\"background:url('cid:logo@x')\">", "<div style=\"background:url('/web/image/7')\">"),
        ('<img src="cid:unknown@x">', '<img src="cid:unknown@x">'),
        ('<a href="cid:logo@x">', '<a href="cid:logo@x">'),
    ],
)
def test_rewrite_cid_links(html, expected):
    assert rewrite_cid_links(html, {"logo@x": "/web/image/7"}) == expected


def test_rewrite_cid_links_escapes_the_url_for_html():
    result = rewrite_cid_links('<img src="cid:a">', {"<a>": "/web/image/1?access_token=x&download=1"})
    assert result == '<img src="/web/image/1?access_token=x&amp;download=1">'


def test_rewrite_cid_links_leaves_html_without_cids_untouched():
    html = "<p>no images</p>"
    assert rewrite_cid_links(html, {"a": "b"}) is html
    assert rewrite_cid_links("", {"a": "b"}) == ""
