"""The bytes of an outgoing message: headers, threading, bodies and attachments.

The Message-ID is decided here, before anything is sent, so the caller can
store it first: when the copy in the Sent folder (or a reply to it) comes back
through sync, that id says it is the message already known.

The output is 7-bit (non-ASCII text quoted-printable or base64, non-ASCII
header text as RFC 2047 encoded words), so any SMTP server takes it as it is.
"""

import mimetypes
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy as email_policy
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage

from .errors import InvalidAddressError
from .html_text import html_to_text
from .parse import Address, normalize_message_id
from .subjects import is_forward_subject, strip_reply_prefixes
from .threads import MAX_REFERENCES

__all__ = [
    "Address",
    "OutgoingAttachment",
    "OutgoingMessage",
    "Parent",
    "compose_message",
    "new_message_id",
    "reply_references",
    "reply_subject",
]

# 7-bit: a server without 8BITMIME must take the message unchanged. CRLF line ends, as SMTP and IMAP want.
_POLICY = email_policy.SMTP.clone(cte_type="7bit")
# Ids are written as they are (see _set_id_header): the header folding of the
# email package would turn a long id into RFC 2047 encoded words, which no
# mail client reads as an id any more.
_OUTPUT_POLICY = _POLICY.clone(refold_source="none")

_LINE_BREAKS = re.compile(r"[\r\n]+\s*")
# What an address must look like to be written and sent: one @, no spaces or brackets.
_ADDRESS = re.compile(r'^[^@\s<>()\[\],;:"\\]+@[^@\s<>()\[\],;:"\\]+$')


@dataclass(frozen=True)
class OutgoingAttachment:
    filename: str
    mimetype: str
    content: bytes
    #: Set for an image the HTML shows through ``cid:<content_id>``: it is sent inline, beside the HTML.
    content_id: str = ""


@dataclass(frozen=True)
class Parent:
    """What a reply needs of the message it answers (e.g. from a ParsedMessage)."""

    message_id: str
    references: tuple | list = ()
    subject: str = ""


@dataclass(frozen=True)
class OutgoingMessage:
    message_id: str
    raw: bytes
    #: Envelope sender, and every envelope recipient (To, Cc and Bcc; Bcc is in no header).
    sender_email: str
    recipients: tuple
    subject: str
    date: datetime
    in_reply_to: str = ""
    references: tuple = field(default_factory=tuple)


def compose_message(
    *,
    sender,
    to=(),
    cc=(),
    bcc=(),
    subject="",
    html="",
    attachments=(),
    reply_to_message=None,
    message_id=None,
    date=None,
    reply_to=(),
):
    """Build an outgoing message; every address is an :class:`Address` (name, email).

    A *reply_to_message* (:class:`Parent`) makes it a reply: ``In-Reply-To`` its id,
    ``References`` its references plus its id, and a ``Re:`` subject (*subject*,
    or the parent's when empty, with one ``Re:`` in front, see :func:`reply_subject`).
    *date* defaults to now; a naive *date* is taken as UTC (as Odoo stores them).
    *reply_to* (addresses) sets the ``Reply-To`` header.
    """
    sender = _checked(sender, "From")
    to = tuple(_checked(a, "To") for a in to)
    cc = tuple(_checked(a, "Cc") for a in cc)
    bcc = tuple(_checked(a, "Bcc") for a in bcc)
    # One envelope recipient per address, however its case is written (domains are case-blind, and so are
    # local parts in practice): the same person twice would get the message twice.
    recipients = {}
    for address in (*to, *cc, *bcc):
        recipients.setdefault(address.email.lower(), address.email)
    recipients = tuple(recipients.values())
    if not recipients:
        raise InvalidAddressError("An outgoing message needs at least one recipient")
    message_id = _checked_message_id(message_id) if message_id else new_message_id(sender.email)
    date = _aware(date or datetime.now(UTC))

    in_reply_to, references = "", ()
    if reply_to_message is not None:
        in_reply_to = normalize_message_id(reply_to_message.message_id)
        references = reply_references(reply_to_message)
        # A forward keeps its "Fwd:" (it still threads with the message forwarded); anything
        # else answered gets exactly one "Re:" in front.
        if not is_forward_subject(subject):
            subject = reply_subject(subject or reply_to_message.subject)
    subject = _one_line(subject or "")

    message = EmailMessage(policy=_POLICY)
    message["From"] = _header_address(sender)
    if to:
        message["To"] = [_header_address(a) for a in to]
    if cc:
        message["Cc"] = [_header_address(a) for a in cc]
    if reply_to:
        message["Reply-To"] = [_header_address(_checked(a, "Reply-To")) for a in reply_to]
    message["Subject"] = subject
    message["Date"] = date
    _set_id_header(message, "Message-ID", [message_id])
    if in_reply_to:
        _set_id_header(message, "In-Reply-To", [in_reply_to])
    if references:
        _set_id_header(message, "References", references)
    _set_bodies(message, html or "", attachments)
    return OutgoingMessage(
        message_id=message_id,
        raw=message.as_bytes(policy=_OUTPUT_POLICY),
        sender_email=sender.email,
        recipients=recipients,
        subject=subject,
        date=date,
        in_reply_to=in_reply_to,
        references=tuple(references),
    )


# -- threading ------------------------------------------------------------------


def new_message_id(sender_email):
    """A fresh ``<random@sender-domain>``: 128 random bits, so no two messages ever share one."""
    domain = _ascii_domain(sender_email.rpartition("@")[2]) or "localhost"
    return f"<{secrets.token_hex(16)}@{domain}>"


def reply_subject(subject):
    """'Offer' -> 'Re: Offer'; 'RE: AW: Offer' -> 'Re: Offer'; 'Fwd: Offer' -> 'Re: Fwd: Offer'."""
    # Forward prefixes stay: a reply to a forward reads "Re: Fwd: ...", as mail clients write it.
    rest = strip_reply_prefixes(_one_line(subject or ""))
    return f"Re: {rest}" if rest else "Re:"


def reply_references(parent):
    """The parent's References plus its own id, without repeats, trimmed to the root and the latest hops."""
    if isinstance(parent.references, str):
        chain = [normalize_message_id(part) for part in re.findall(r"<[^<>]*>", parent.references)]
    else:
        chain = [normalize_message_id(ref) for ref in parent.references]
    chain.append(normalize_message_id(parent.message_id))
    chain = list(dict.fromkeys(ref for ref in chain if ref))
    if len(chain) > MAX_REFERENCES:
        # RFC 5322 3.6.4 lets a long chain lose its middle: the root keeps the thread, the tail its order.
        chain = chain[:1] + chain[-(MAX_REFERENCES - 1) :]
    return tuple(chain)


def _set_id_header(message, name, ids):
    # One id per line: a header line stays short, and no id is ever cut or encoded.
    message.set_raw(name, "\r\n ".join(ids))


def _checked_message_id(value):
    message_id = normalize_message_id(value)
    if not message_id or "@" not in message_id or not message_id.isascii() or " " in message_id:
        raise InvalidAddressError(f"Not a usable Message-ID: {value!r}")
    return message_id


# -- addresses ------------------------------------------------------------------


def _checked(address, role):
    email = (address.email or "").strip()
    local, _at, domain = email.rpartition("@")
    if not _ADDRESS.match(email):
        raise InvalidAddressError(f"{role}: {email or '(empty)'} is not an e-mail address")
    if not local.isascii():
        # A non-ASCII local part needs SMTPUTF8 end to end, which most servers still lack.
        raise InvalidAddressError(f"{role}: {email} has non-ASCII characters before the @")
    return Address(_one_line(address.name or ""), f"{local}@{_ascii_domain(domain)}")


def _ascii_domain(domain):
    """'exämple.com' -> 'xn--exmple-cua.com': what DNS and SMTP know international domains as."""
    domain = domain.strip().rstrip(".")
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidAddressError(f"{domain} is not a valid domain name") from exc


def _header_address(address):
    local, _at, domain = address.email.rpartition("@")
    return HeaderAddress(display_name=address.name, username=local, domain=domain)


def _one_line(text):
    # A line break in a header value would start a new header: header injection.
    return _LINE_BREAKS.sub(" ", text).strip()


def _aware(date):
    return date.replace(tzinfo=UTC) if date.tzinfo is None else date


# -- bodies ---------------------------------------------------------------------


def _set_bodies(message, html, attachments):
    """multipart/mixed( multipart/alternative( text, multipart/related( html, inline images ) ), files )."""
    message.set_content(html_to_text(html) or "\n")
    message.add_alternative(html or "<p></p>", subtype="html")
    html_part = message.get_payload()[1]
    for attachment in attachments:
        maintype, subtype = _mimetype(attachment)
        if attachment.content_id:
            cid = normalize_message_id(attachment.content_id)
            html_part.add_related(
                attachment.content,
                maintype,
                subtype,
                cid=cid,
                filename=attachment.filename or None,
                disposition="inline",
            )
    for attachment in attachments:
        if not attachment.content_id:
            maintype, subtype = _mimetype(attachment)
            message.add_attachment(attachment.content, maintype, subtype, filename=attachment.filename or None)
    for part in message.walk():
        if part is not message:
            # The email package repeats it on parts it creates; it belongs to the top only.
            del part["MIME-Version"]


def _mimetype(attachment):
    mimetype = (attachment.mimetype or "").strip().lower()
    if "/" not in mimetype:
        mimetype = mimetypes.guess_type(attachment.filename or "")[0] or "application/octet-stream"
    maintype, _slash, subtype = mimetype.partition("/")
    return maintype, subtype.split(";")[0].strip() or "octet-stream"
