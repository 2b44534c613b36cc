"""Building outgoing mail: what the bytes say, read back with the engine's own parser."""

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from engine import errors
from engine.compose import (
    Address,
    OutgoingAttachment,
    Parent,
    compose_message,
    reply_references,
    reply_subject,
)
from engine.parse import parse_message

ANNA = Address("Anna Berg", "anna@example.com")
BOB = Address("Bob Stone", "bob@example.com")
PARENT = Parent("<parent-1@example.com>", ["<root@example.com>", "<middle@example.com>"], "Offer 2026")


def compose(**overrides):
    options = {"sender": ANNA, "to": [BOB], "subject": "Offer 2026", "html": "<p>Hello Bob</p>"}
    return compose_message(**{**options, **overrides})


def header_block(raw):
    return raw.split(b"\r\n\r\n", 1)[0].decode("ascii")


def test_a_new_message_has_its_own_id_and_no_threading_headers():
    outgoing = compose(date=datetime(2026, 3, 4, 10, 30, tzinfo=UTC))
    parsed = parse_message(outgoing.raw)

    assert re.fullmatch(r"<[0-9a-f]{32}@example\.com>", outgoing.message_id)
    assert parsed.message_id == outgoing.message_id
    assert parsed.in_reply_to == "" and parsed.references == []
    assert "In-Reply-To" not in header_block(outgoing.raw)
    assert parsed.subject == outgoing.subject == "Offer 2026"
    assert parsed.from_ == [ANNA]
    assert parsed.to == [BOB]
    assert parsed.date == datetime(2026, 3, 4, 10, 30, tzinfo=UTC)
    assert outgoing.sender_email == "anna@example.com"
    assert outgoing.recipients == ("bob@example.com",)
    assert parsed.defects == []


def test_every_message_gets_a_different_id():
    assert compose().message_id != compose().message_id


def test_a_given_message_id_is_used_as_it_is():
    outgoing = compose(message_id="stored-first.42@example.com")
    assert outgoing.message_id == "<stored-first.42@example.com>"
    assert parse_message(outgoing.raw).message_id == "<stored-first.42@example.com>"


def test_a_reply_threads_under_its_parent():
    outgoing = compose(reply_to_message=PARENT, subject="")
    parsed = parse_message(outgoing.raw)

    assert parsed.in_reply_to == outgoing.in_reply_to == "<parent-1@example.com>"
    assert (
        parsed.references
        == list(outgoing.references)
        == [
            "<root@example.com>",
            "<middle@example.com>",
            "<parent-1@example.com>",
        ]
    )
    assert parsed.subject == outgoing.subject == "Re: Offer 2026"


def test_a_reply_keeps_a_subject_the_user_wrote_with_one_re_in_front():
    assert compose(reply_to_message=PARENT, subject="New prices").subject == "Re: New prices"
    assert compose(reply_to_message=PARENT, subject="RE: Offer 2026").subject == "Re: Offer 2026"


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Offer", "Re: Offer"),
        ("Re: Offer", "Re: Offer"),
        ("RE: Offer", "Re: Offer"),
        ("re:Offer", "Re: Offer"),
        ("Re: Re: RE: Offer", "Re: Offer"),
        ("AW: Angebot", "Re: Angebot"),
        ("SV: Tilbud", "Re: Tilbud"),
        ("Re[2]: Offer", "Re: Offer"),
        ("Re\uff1aOffer", "Re: Offer"),
        ("Ответ: Предложение", "Re: Предложение"),
        ("Fwd: Offer", "Re: Fwd: Offer"),
        ("WG: Angebot", "Re: WG: Angebot"),
        ("Review: Q3 figures", "Re: Review: Q3 figures"),
        ("Reminder", "Re: Reminder"),
        ("  Offer\r\n next line ", "Re: Offer next line"),
        ("", "Re:"),
    ],
)
def test_re_is_added_once(subject, expected):
    assert reply_subject(subject) == expected


def test_references_do_not_repeat_the_parent():
    parent = Parent("<p@x>", ["<root@x>", "<p@x>"], "")
    assert reply_references(parent) == ("<root@x>", "<p@x>")


def test_references_given_as_a_header_value_are_split():
    parent = Parent("<p@x>", "<root@x>\r\n <mid@x> <mid@x>", "")
    assert reply_references(parent) == ("<root@x>", "<mid@x>", "<p@x>")


def test_a_long_reference_chain_keeps_its_root_and_its_latest_hops():
    chain = [f"<hop{n}@example.com>" for n in range(40)]
    references = reply_references(Parent("<parent@example.com>", chain, ""))
    assert len(references) == 20
    assert references[0] == "<hop0@example.com>"
    assert references[1] == "<hop22@example.com>"  # 40 hops + the parent: the first, then the last 19
    assert references[-2:] == ("<hop39@example.com>", "<parent@example.com>")


def test_long_ids_are_written_whole_never_encoded():
    long_id = "<" + "a1b2c3d4" * 15 + "@mail.example.com>"
    outgoing = compose(reply_to_message=Parent(long_id, [long_id.replace("a1", "z9")], "x"))
    headers = header_block(outgoing.raw)

    assert "=?" not in headers
    assert f"In-Reply-To: {long_id}\r\n" in headers
    assert all(len(line) <= 998 for line in headers.split("\r\n"))
    assert parse_message(outgoing.raw).in_reply_to == long_id


def test_non_ascii_names_subject_and_domain_are_encoded_and_read_back():
    sender = Address("Jürgen Müller, Vertrieb", "jm@müller.example")
    to = [Address('Zoë "Z" Ørsted', "zoe@example.com"), Address("Łukasz Żółć", "lz@example.com")]
    outgoing = compose(sender=sender, to=to, subject="Angebot für Sie — 10 % günstiger 🙂")
    parsed = parse_message(outgoing.raw)

    assert outgoing.raw.isascii()
    assert parsed.from_ == [Address("Jürgen Müller, Vertrieb", "jm@xn--mller-kva.example")]
    assert parsed.to == to
    assert parsed.subject == "Angebot für Sie — 10 % günstiger 🙂"
    assert outgoing.message_id.endswith("@xn--mller-kva.example>")


def test_bcc_recipients_are_in_the_envelope_only():
    outgoing = compose(cc=[Address("", "carl@example.com")], bcc=[Address("Secret", "secret@example.com")])
    assert outgoing.recipients == ("bob@example.com", "carl@example.com", "secret@example.com")
    assert "secret@example.com" not in outgoing.raw.decode()
    assert parse_message(outgoing.raw).bcc == []


def test_an_address_given_twice_is_one_recipient():
    outgoing = compose(to=[BOB], cc=[Address("", "BOB@example.com")])
    assert outgoing.recipients == ("bob@example.com",)


def test_the_html_has_a_plain_text_alternative():
    html = "<p>Hello <b>Bob</b>,</p><p>see <a href='https://shop.example.com/offer'>our offer</a>.<br>Anna</p>"
    outgoing = compose(html=html)
    parsed = parse_message(outgoing.raw)

    assert "multipart/alternative" in outgoing.raw.decode()
    assert parsed.html_body.strip() == html
    assert parsed.text_body.strip() == "Hello Bob,\n\nsee our offer <https://shop.example.com/offer>.\nAnna"


def test_attachments_arrive_whole_with_their_names_and_types():
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40
    attachments = [
        OutgoingAttachment("Preisliste Müller 2026.pdf", "application/pdf", pdf),
        OutgoingAttachment("notes.csv", "", b"a;b\r\n1;2\r\n"),
        OutgoingAttachment("logo.png", "image/png", b"\x89PNG\r\n\x1a\n0000", content_id="logo@example.com"),
    ]
    html = '<p>Prices attached.</p><img src="cid:logo@example.com" alt="Logo">'
    parsed = parse_message(compose(html=html, attachments=attachments).raw)

    found = {a.filename: a for a in parsed.attachments}
    assert set(found) == {"Preisliste Müller 2026.pdf", "notes.csv", "logo.png"}
    assert found["Preisliste Müller 2026.pdf"].content == pdf
    assert found["Preisliste Müller 2026.pdf"].mimetype == "application/pdf"
    assert not found["Preisliste Müller 2026.pdf"].inline
    assert found["notes.csv"].mimetype == "text/csv"
    assert found["notes.csv"].content == b"a;b\r\n1;2\r\n"
    assert found["logo.png"].inline and found["logo.png"].content_id == "logo@example.com"
    assert parsed.html_body.strip() == html


def test_dates_keep_their_zone_and_naive_dates_are_utc():
    paris = datetime(2026, 5, 1, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    assert parse_message(compose(date=paris).raw).date == paris
    naive = compose(date=datetime(2026, 5, 1, 7, 0))
    assert "Date: Fri, 01 May 2026 07:00:00 +0000" in header_block(naive.raw)
    assert naive.date == datetime(2026, 5, 1, 7, 0, tzinfo=UTC)


def test_a_line_break_in_a_header_value_cannot_add_a_header():
    outgoing = compose(subject="Hi\r\nBcc: victim@example.com", sender=Address("Eve\nX-Evil: 1", "eve@example.com"))
    headers = header_block(outgoing.raw)
    assert "\r\nBcc:" not in headers and "\r\nX-Evil" not in headers
    assert parse_message(outgoing.raw).subject == "Hi Bcc: victim@example.com"


@pytest.mark.parametrize("bad", ["", "bob", "bob@", "@example.com", "bob smith@example.com", "a@b@c", "<b@x>"])
def test_an_invalid_address_is_a_typed_error(bad):
    with pytest.raises(errors.InvalidAddressError) as caught:
        compose(to=[Address("Bob", bad)])
    assert caught.value.kind == "invalid_address"
    assert isinstance(caught.value, ValueError)


def test_a_non_ascii_local_part_is_refused_rather_than_sent_broken():
    with pytest.raises(errors.InvalidAddressError, match="non-ASCII"):
        compose(to=[Address("", "jürgen@example.com")])


def test_a_message_needs_a_recipient():
    with pytest.raises(errors.InvalidAddressError, match="recipient"):
        compose(to=[])


def test_no_subject_and_no_html_still_make_a_valid_message():
    outgoing = compose(subject=None, html=None)
    parsed = parse_message(outgoing.raw)
    assert outgoing.subject == parsed.subject == ""
    assert parsed.defects == []


def test_a_forward_keeps_its_subject_and_still_threads():
    message = compose(reply_to_message=PARENT, subject="Fwd: Offer")
    assert message.subject == "Fwd: Offer"
    assert message.in_reply_to
