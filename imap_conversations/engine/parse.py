"""Turn the raw bytes of one e-mail into a :class:`ParsedMessage`.

This is the hot path of an import (thousands of messages per run), and it sees
whatever the Internet sends, so two rules shape the code:

* :func:`parse_message` never raises. Anything odd becomes a human-readable
  entry in ``ParsedMessage.defects`` and the parser falls back to the most
  useful reading (charset chain: declared -> utf-8 -> cp1252 -> latin-1).
* It stays on the fast ``compat32`` policy of :mod:`email` and decodes headers,
  parameters and addresses itself: the modern policy is 4-5x slower, and the
  stdlib helpers of the legacy API either raise on bad charsets or mangle
  8-bit text, which real mail is full of.

This module is the façade: the parse is assembled here, its pieces (charsets, headers,
addresses, the MIME walk, cid links, the content hash) live in :mod:`engine.mime`.
"""

import hashlib
import html as html_lib
from email import policy as email_policy
from email.feedparser import BytesFeedParser
from email.message import Message

from .mime.addresses import parse_address_list
from .mime.cid import CID_ATTRIBUTE, CID_CSS_URL, CidLookup, mark_cid_referenced_attachments
from .mime.content_hash import content_hash
from .mime.headers import decode_header_value, message_ids, parse_date
from .mime.tree import BodyCollector
from .mime.types import Address, Attachment, ParsedMessage

__all__ = [
    "Address",
    "Attachment",
    "ParsedMessage",
    "header_text",
    "normalize_message_id",
    "parse_message",
    "rewrite_cid_links",
]


# --------------------------------------------------------------------------- public API


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse one message; never raises, whatever the bytes."""
    raw = _as_bytes(raw)
    try:
        return _parse(raw)
    except Exception as error:  # noqa: BLE001 - last line of defence: one bad mail must not stop an import
        return ParsedMessage(
            defects=[f"message could not be parsed ({type(error).__name__}: {error})"[:500]],
            content_hash=hashlib.sha256(raw).hexdigest(),
            size=len(raw),
        )


def header_text(raw_value: bytes) -> str:
    """A raw header value (as a FETCH of header fields returns it) decoded as the parser decodes headers."""
    return decode_header_value(raw_value.decode("ascii", "surrogateescape"), [], "header")


def normalize_message_id(value: str) -> str:
    """The first Message-ID in ``value`` as ``<id>``, or ''. Case is kept: local parts are case-sensitive."""
    ids = message_ids(value or "")
    return ids[0] if ids else ""


def rewrite_cid_links(html: str, urls_by_cid: dict[str, str]) -> str:
    """Point ``cid:`` references (src/background attributes, CSS url()) at the given URLs.

    Unknown Content-IDs are left alone so that nothing silently disappears.
    """
    if not html or not urls_by_cid or "cid:" not in html.lower():
        return html
    lookup = CidLookup(urls_by_cid)

    def replace_attribute(match):
        cid = match.group("dq") or match.group("sq") or match.group("bare") or ""
        url = lookup.get(cid)
        if url is None:
            return match.group(0)
        return f'{match.group("prefix")}"{html_lib.escape(url, quote=True)}"'

    def replace_css_url(match):
        url = lookup.get(match.group("cid"))
        if url is None:
            return match.group(0)
        quote = match.group("quote")
        return f"url({quote}{html_lib.escape(url, quote=True)}{quote})"

    html = CID_ATTRIBUTE.sub(replace_attribute, html)
    return CID_CSS_URL.sub(replace_css_url, html)


# --------------------------------------------------------------------------- the parse itself

# RFC 5322 fields that may appear at most once.
_SINGLE_HEADERS = (
    "date",
    "from",
    "sender",
    "reply-to",
    "to",
    "cc",
    "bcc",
    "message-id",
    "in-reply-to",
    "references",
    "subject",
)
_MERGED_ADDRESS_HEADERS = ("to", "cc", "bcc")


def _as_bytes(raw) -> bytes:
    if isinstance(raw, bytes):
        return raw
    if raw is None:
        return b""
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    try:
        return bytes(raw)
    except (TypeError, ValueError):
        return b""


def _parse(raw: bytes) -> ParsedMessage:
    defects: list[str] = []
    if not raw or raw.isspace():
        defects.append("empty message")
    if b"\x00" in raw:
        defects.append("NUL bytes in the message")
    message = _parse_tree(raw, defects)

    raw_headers = [(name.strip(), value) for name, value in message.raw_items()]
    values_by_name: dict[str, list[str]] = {}
    for name, value in raw_headers:
        values_by_name.setdefault(name.lower(), []).append(value)
    _note_duplicate_headers(values_by_name, defects)
    headers = [(name, decode_header_value(value, defects, name)) for name, value in raw_headers]

    def first(name):
        values = values_by_name.get(name)
        return values[0] if values else None

    def first_decoded(name):
        # Ids too: 8-bit bytes and NULs in them must not reach the database as surrogates.
        return next((value for header, value in headers if header.lower() == name), "")

    def addresses(name):
        values = values_by_name.get(name, ())
        if name not in _MERGED_ADDRESS_HEADERS:
            values = values[:1]
        return parse_address_list(values, defects, _title(name))

    collector = BodyCollector(defects, linesep=b"\r\n" if b"\r\n" in raw[:4096] else b"\n")
    collector.walk(message)
    text_body = "\n".join(collector.text_parts)
    html_body = "\n".join(collector.html_parts)
    mark_cid_referenced_attachments(collector.attachments, html_body)

    from_ = addresses("from")
    in_reply_to = message_ids(first_decoded("in-reply-to"))
    return ParsedMessage(
        message_id=normalize_message_id(first_decoded("message-id")),
        in_reply_to=in_reply_to[0] if in_reply_to else "",
        references=_unique(message_ids(first_decoded("references"))),
        subject=next((value.strip() for name, value in headers if name.lower() == "subject"), ""),
        date=parse_date(first("date"), defects),
        from_=from_,
        sender=from_[0] if from_ else None,
        to=addresses("to"),
        cc=addresses("cc"),
        bcc=addresses("bcc"),
        reply_to=addresses("reply-to"),
        headers=headers,
        text_body=text_body,
        html_body=html_body,
        attachments=collector.attachments,
        defects=_unique(defects),
        content_hash=content_hash(values_by_name, text_body, html_body, collector.attachments),
        size=len(raw),
    )


#: Bytes fed to the MIME parser at a time (see _parse_bytes).
_FEED_CHUNK = 1 << 20


def _parse_tree(raw: bytes, defects: list[str]):
    try:
        return _parse_bytes(raw)
    except Exception as error:  # noqa: BLE001 - e.g. RecursionError on absurdly nested multiparts
        defects.append(f"MIME structure could not be parsed ({type(error).__name__}); body kept as text")
        return _parse_bytes(raw, headersonly=True)


def _parse_bytes(raw: bytes, headersonly: bool = False) -> Message:
    """``BytesParser.parsebytes`` without its two full copies of the message.

    parsebytes decodes the whole message to a str, then wraps that in a StringIO (which
    holds it again, as 4 bytes per character): 5 bytes per byte of mail before any parsing,
    which made a large message cost 8 times its size. Fed in slices, the parser holds one
    slice at a time; the result is the same, since parsebytes feeds its StringIO in slices
    too and ASCII with surrogateescape decodes byte by byte.
    """
    parser = BytesFeedParser(policy=email_policy.compat32)
    if headersonly:
        parser._set_headersonly()
    for start in range(0, len(raw), _FEED_CHUNK):
        parser.feed(raw[start : start + _FEED_CHUNK])
    return parser.close()


def _note_duplicate_headers(values_by_name, defects):
    for name in _SINGLE_HEADERS:
        count = len(values_by_name.get(name, ()))
        if count > 1:
            outcome = "addresses merged" if name in _MERGED_ADDRESS_HEADERS else "the first one is used"
            defects.append(f"duplicate {_title(name)} header ({count} copies, {outcome})")


def _title(header_name: str) -> str:
    return "Message-ID" if header_name == "message-id" else header_name.title()


def _unique(items):
    return list(dict.fromkeys(items))
