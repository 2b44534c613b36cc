"""A reply's whole trip: composed, sent over SMTP, delivered into Dovecot, kept in Sent, read back."""

from datetime import UTC, datetime

import pytest

from engine import errors
from engine.compose import Address, OutgoingAttachment, Parent, compose_message
from engine.identity import dedupe_key
from engine.parse import parse_message
from engine.sent import append_sent_copy, find_sent_folder
from engine.smtp import send_message
from engine.transport import open_session
from rig.imap_helpers import MailboxFixture


@pytest.fixture
def customer(dovecot):
    """A second rig user: the other side of the conversation."""
    return MailboxFixture(dovecot, *dovecot.add_user())


def incoming_offer_request(customer, mailbox):
    """The customer's question, as it sits in our INBOX: what we reply to."""
    raw = (
        f"From: Carla Kunde <{customer.address}>\r\n"
        f"To: Sales <{mailbox.address}>\r\n"
        "Subject: AW: Angebot 2026\r\n"
        "Date: Mon, 02 Mar 2026 09:15:00 +0100\r\n"
        "Message-ID: <question-2@customer.example>\r\n"
        "In-Reply-To: <offer-1@sales.example>\r\n"
        "References: <first-contact@customer.example> <offer-1@sales.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Is the price final?\r\n"
    ).encode()
    mailbox.append("INBOX", [raw])
    [stored] = mailbox.raw_messages("INBOX").values()
    return parse_message(stored)


def only_message(mailbox, folder="INBOX"):
    [raw] = mailbox.raw_messages(folder).values()
    return raw


def send(smtp_server, mailbox, outgoing, security="starttls"):
    settings = smtp_server.settings(mailbox.login, mailbox.password, security)
    return send_message(settings, outgoing.raw, outgoing.sender_email, outgoing.recipients)


def test_a_reply_arrives_threaded_under_the_message_it_answers(mailbox, customer, smtp_server):
    question = incoming_offer_request(customer, mailbox)
    outgoing = compose_message(
        sender=Address("Sales", mailbox.address),
        to=question.from_,
        html="<p>Yes, the price is final.</p>",
        reply_to_message=Parent(question.message_id, question.references, question.subject),
    )

    send(smtp_server, mailbox, outgoing)

    raw = only_message(customer)
    assert raw == outgoing.raw
    received = parse_message(raw)
    assert received.message_id == outgoing.message_id
    assert received.in_reply_to == "<question-2@customer.example>"
    assert received.references == [
        "<first-contact@customer.example>",
        "<offer-1@sales.example>",
        "<question-2@customer.example>",
    ]
    assert received.subject == "Re: Angebot 2026"
    assert received.from_ == [Address("Sales", mailbox.address)]
    assert received.to == [Address("Carla Kunde", customer.address)]
    assert received.text_body.strip() == "Yes, the price is final."


def test_a_new_message_arrives_with_no_threading_headers(mailbox, customer, smtp_server):
    outgoing = compose_message(
        sender=Address("Sales", mailbox.address),
        to=[Address("", customer.address)],
        subject="Our new catalogue",
        html="<p>Attached soon.</p>",
    )
    send(smtp_server, mailbox, outgoing, security="ssl")

    received = parse_message(only_message(customer))
    assert received.message_id == outgoing.message_id
    assert received.in_reply_to == "" and received.references == []
    assert received.subject == "Our new catalogue"


def test_names_subject_and_attachments_survive_the_trip(mailbox, customer, smtp_server):
    drawing = bytes(range(256)) * 300
    outgoing = compose_message(
        sender=Address("Jürgen Müller", mailbox.address),
        to=[Address("Zoë Ørsted", customer.address)],
        cc=[Address("Łukasz", "lukasz@example.com")],
        subject="Zeichnung für Ihr Büro — Entwurf 2",
        html='<p>Grüße,</p><img src="cid:sig@sales.example" alt="Signatur">',
        attachments=[
            OutgoingAttachment("Entwurf Büro 2.dwg", "application/acad", drawing),
            OutgoingAttachment("sig.png", "image/png", b"\x89PNG\r\n\x1a\nsig", content_id="sig@sales.example"),
        ],
    )
    send(smtp_server, mailbox, outgoing, security="none")

    received = parse_message(only_message(customer))
    assert received.from_ == [Address("Jürgen Müller", mailbox.address)]
    assert received.to == [Address("Zoë Ørsted", customer.address)]
    assert received.cc == [Address("Łukasz", "lukasz@example.com")]
    assert received.subject == "Zeichnung für Ihr Büro — Entwurf 2"
    assert received.text_body.strip() == "Grüße,\n\n[Signatur]"
    files = {a.filename: a for a in received.attachments}
    assert files["Entwurf Büro 2.dwg"].content == drawing
    assert files["sig.png"].inline and files["sig.png"].content_id == "sig@sales.example"


def test_a_bcc_recipient_gets_the_message_without_a_trace_in_it(mailbox, customer, smtp_server):
    outgoing = compose_message(
        sender=Address("", mailbox.address),
        to=[Address("", "customer@example.com")],
        bcc=[Address("Hidden", customer.address)],
        subject="Bcc",
        html="<p>x</p>",
    )
    send(smtp_server, mailbox, outgoing)

    raw = only_message(customer)
    assert customer.address not in raw.decode()
    assert parse_message(raw).message_id == outgoing.message_id


def test_the_sent_copy_is_read_and_carries_the_same_ids(mailbox, customer, smtp_server):
    question = incoming_offer_request(customer, mailbox)
    sent_at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    outgoing = compose_message(
        sender=Address("Sales", mailbox.address),
        to=question.from_,
        html="<p>Yes.</p>",
        date=sent_at,
        reply_to_message=Parent(question.message_id, question.references, question.subject),
    )
    send(smtp_server, mailbox, outgoing)

    with open_session(mailbox.settings()) as session:
        copy = append_sent_copy(session, outgoing.raw, date=outgoing.date)

    assert copy.folder == "Sent"
    assert copy.uid == 1 and copy.uidvalidity
    assert mailbox.flags("Sent") == {1: {rb"\Seen"}}
    kept = parse_message(only_message(mailbox, "Sent"))
    assert (kept.message_id, kept.in_reply_to, kept.references) == (
        outgoing.message_id,
        outgoing.in_reply_to,
        list(outgoing.references),
    )
    # What sync keys messages on: the copy in Sent and the delivered message are one message.
    delivered = parse_message(only_message(customer))
    assert dedupe_key(kept.message_id, kept.content_hash) == dedupe_key(delivered.message_id, delivered.content_hash)
    assert dedupe_key(kept.message_id, kept.content_hash) == outgoing.message_id
    with mailbox.client() as client:
        client.normalise_times = False
        client.select_folder("Sent", readonly=True)
        assert client.fetch([1], ["INTERNALDATE"])[1][b"INTERNALDATE"] == sent_at


def test_the_sent_folder_is_found_by_its_role(mailbox):
    with open_session(mailbox.settings()) as session:
        assert find_sent_folder(session) == "Sent"


def test_a_sent_copy_can_go_to_a_chosen_folder(mailbox):
    outgoing = compose_message(
        sender=Address("", mailbox.address),
        to=[Address("", "x@example.com")],
        subject="Kept elsewhere",
        html="<p>x</p>",
    )
    mailbox.create_folder("Sent Items")
    with open_session(mailbox.settings()) as session:
        copy = append_sent_copy(session, outgoing.raw, folder="Sent Items")
    assert copy.folder == "Sent Items"
    assert parse_message(only_message(mailbox, "Sent Items")).message_id == outgoing.message_id


def test_appending_to_a_missing_folder_is_a_typed_error(mailbox):
    with open_session(mailbox.settings()) as session, pytest.raises(errors.FolderNotFoundError):
        append_sent_copy(session, b"Subject: x\r\n\r\nx\r\n", folder="No/Such/Sent")
