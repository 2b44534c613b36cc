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
"""

import binascii
import codecs
import hashlib
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy as email_policy
from email.feedparser import BytesFeedParser
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from functools import lru_cache
from io import BytesIO
from urllib.parse import unquote, unquote_to_bytes

__all__ = [
    "Address",
    "Attachment",
    "ParsedMessage",
    "normalize_message_id",
    "parse_message",
    "rewrite_cid_links",
]


@dataclass(frozen=True)
class Address:
    name: str = ""
    email: str = ""

    @property
    def normalized(self) -> str:
        """The address lower-cased, to match contacts."""
        return self.email.lower()


@dataclass
class Attachment:
    filename: str
    extension: str
    mimetype: str
    size: int
    content: bytes
    content_id: str = ""
    inline: bool = False


@dataclass
class ParsedMessage:
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    subject: str = ""
    date: datetime | None = None
    from_: list[Address] = field(default_factory=list)
    sender: Address | None = None
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    bcc: list[Address] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    text_body: str = ""
    html_body: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    content_hash: str = ""
    size: int = 0


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
    return _decode_header_value(raw_value.decode("ascii", "surrogateescape"), [], "header")


def normalize_message_id(value: str) -> str:
    """The first Message-ID in ``value`` as ``<id>``, or ''. Case is kept: local parts are case-sensitive."""
    ids = _message_ids(value or "")
    return ids[0] if ids else ""


def rewrite_cid_links(html: str, urls_by_cid: dict[str, str]) -> str:
    """Point ``cid:`` references (src/background attributes, CSS url()) at the given URLs.

    Unknown Content-IDs are left alone so that nothing silently disappears.
    """
    if not html or not urls_by_cid or "cid:" not in html.lower():
        return html
    lookup = _CidLookup(urls_by_cid)

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

    html = _CID_ATTRIBUTE.sub(replace_attribute, html)
    return _CID_CSS_URL.sub(replace_css_url, html)


# --------------------------------------------------------------------------- the parse itself

_PARSER = BytesParser(policy=email_policy.compat32)
_MAX_MIME_DEPTH = 40

# RFC 5322 fields that may appear at most once.
_SINGLE_HEADERS = (
    "date", "from", "sender", "reply-to", "to", "cc", "bcc",
    "message-id", "in-reply-to", "references", "subject",
)
_MERGED_ADDRESS_HEADERS = ("to", "cc", "bcc")
# Fields the content hash covers; servers add their own headers to copies, never change these.
_HASHED_HEADERS = ("date", "from", "to", "cc", "subject")


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
    headers = [(name, _decode_header_value(value, defects, name)) for name, value in raw_headers]

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
        return _parse_address_list(values, defects, _title(name))

    collector = _BodyCollector(defects, linesep=b"\r\n" if b"\r\n" in raw[:4096] else b"\n")
    collector.walk(message)
    text_body = "\n".join(collector.text_parts)
    html_body = "\n".join(collector.html_parts)
    _mark_cid_referenced_attachments(collector.attachments, html_body)

    from_ = addresses("from")
    in_reply_to = _message_ids(first_decoded("in-reply-to"))
    return ParsedMessage(
        message_id=normalize_message_id(first_decoded("message-id")),
        in_reply_to=in_reply_to[0] if in_reply_to else "",
        references=_unique(_message_ids(first_decoded("references"))),
        subject=next((value.strip() for name, value in headers if name.lower() == "subject"), ""),
        date=_parse_date(first("date"), defects),
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
        content_hash=_content_hash(values_by_name, text_body, html_body, collector.attachments),
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
        parser.feed(raw[start:start + _FEED_CHUNK])
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


# --------------------------------------------------------------------------- charsets

# Labels mail clients write that Python does not know, or where the de-facto
# encoding is a superset (Outlook writes iso-8859-1 and sends cp1252 quotes).
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "iso_8859-1": "cp1252", "latin1": "cp1252",
    "latin-1": "cp1252", "l1": "cp1252",
    "iso-8859-8-i": "iso-8859-8", "iso-8859-6-i": "iso-8859-6",
    "windows-874": "cp874", "tis-620": "cp874",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "ks_c_5601-1987": "cp949", "euc-kr": "cp949",
    "shift_jis": "cp932", "shift-jis": "cp932", "x-sjis": "cp932", "sjis": "cp932", "ms_kanji": "cp932",
    "x-mac-roman": "mac-roman", "unicode-1-1-utf-7": "utf-7", "utf8mb4": "utf-8",
}
# Labels that only say "no idea": treated as undeclared, but still reported.
_UNKNOWN_CHARSET_LABELS = frozenset({"unknown-8bit", "x-unknown", "unknown", "x-user-defined", "default"})
_MULTIBYTE_CODECS = frozenset({
    "iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3", "iso2022_jp_ext",
    "iso2022_kr", "shift_jis", "cp932", "euc_jp", "euc_jis_2004", "euc_jisx0213", "shift_jis_2004",
    "shift_jisx0213", "gb2312", "gbk", "gb18030", "hz", "big5", "big5hkscs", "cp950", "cp949", "euc_kr",
    "johab",
})


@lru_cache(maxsize=256)
def _codec_for(label: str) -> str | None:
    """Python codec name for a MIME charset label, None when unknown or not a text encoding."""
    label = label.strip().strip("\"'").lower()
    if not label or label in _UNKNOWN_CHARSET_LABELS:
        return None
    label = _CHARSET_ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    # Bytes-to-bytes codecs ('base64', 'zlib', 'rot13'...) are valid lookups but cannot decode text.
    return info.name if getattr(info, "_is_text_encoding", True) else None


def _decode_bytes(data: bytes, charset: str | None, defects: list[str], where: str) -> str:
    """Decode with the declared charset, falling back to utf-8, cp1252 then latin-1."""
    codec = _codec_for(charset) if charset else None
    if charset and codec is None:
        label = charset.strip()[:40]
        if data.isascii():
            defects.append(f"{where}: unknown charset {label!r}")
            return data.decode("ascii")
        text, used = _decode_undeclared(data)
        defects.append(f"{where}: unknown charset {label!r}, decoded as {used}")
        return text
    if codec is not None:
        text = _decode_strictly(data, codec)
        if text is not None:
            return text
        if codec.startswith("iso2022_jp"):
            # Japanese mail often carries NEC/IBM extensions (①, ㈱...) that only cp932 knows.
            defects.append(f"{where}: characters outside {charset}, decoded with its cp932 extensions")
            return _decode_iso2022jp_as_cp932(data)
        if codec in _MULTIBYTE_CODECS:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                # A few bad bytes in Chinese or Korean text: keep the rest readable.
                defects.append(f"{where}: invalid {charset} bytes replaced")
                return data.decode(codec, "replace")
            defects.append(f"{where}: content is not valid {charset}, decoded as utf-8")
            return text
        text, used = _decode_undeclared(data, skip=codec)
        defects.append(f"{where}: content is not valid {charset}, decoded as {used}")
        return text
    if data.isascii():
        return data.decode("ascii")
    text, used = _decode_undeclared(data)
    if used != "utf-8":
        defects.append(f"{where}: 8-bit text without charset, decoded as {used}")
    return text


def _decode_strictly(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeError:  # not only UnicodeDecodeError: 'idna', 'punycode', 'undefined' raise the base class
        return None


def _decode_undeclared(data: bytes, skip: str = "") -> tuple[str, str]:
    for codec in ("utf-8", "cp1252"):
        if codec == skip:
            continue
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _decode_iso2022jp_as_cp932(data: bytes) -> str:
    """Re-encode ISO-2022-JP as Shift_JIS (arithmetically) and decode it with cp932."""
    out = bytearray()
    mode = "ascii"
    index, length = 0, len(data)
    while index < length:
        byte = data[index]
        if byte == 0x1B:
            escape = data[index + 1:index + 3]
            if escape in (b"$B", b"$@"):
                mode = "jis"
            elif escape == b"(I":
                mode = "kana"
            elif escape[:1] == b"(":
                mode = "ascii"
            index += 3
            continue
        if mode == "jis" and 0x21 <= byte <= 0x7E and index + 1 < length:
            out += _jis_to_sjis(byte, data[index + 1])
            index += 2
            continue
        out.append(byte + 0x80 if mode == "kana" and 0x21 <= byte <= 0x5F else byte)
        index += 1
    return out.decode("cp932", "replace")


def _jis_to_sjis(first: int, second: int) -> bytes:
    lead = (first + 1) // 2 + (0x70 if first < 0x5F else 0xB0)
    odd_row_trail = second + (0x20 if second >= 0x60 else 0x1F)
    trail = odd_row_trail if first % 2 else second + 0x7E
    return bytes((lead & 0xFF, trail & 0xFF))


def _clean_text(text: str, defects: list[str], where: str) -> str:
    if "\x00" in text:
        text = text.replace("\x00", "")
        defects.append(f"NUL bytes removed from {where}")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


# --------------------------------------------------------------------------- headers

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ENCODED_WORD = re.compile(r"=\?([^?\s]*)\?([bBqQ])\?(.*?)\?=")
_BASE64_TEXT = re.compile(r"^[A-Za-z0-9+/]*$")


def _unfold(value: str) -> str:
    if "\n" in value or "\r" in value:
        return _LINE_BREAK.sub("", value)
    return value


def _decode_8bit(value: str, defects: list[str], where: str) -> str:
    """Headers written in raw 8-bit reach us surrogate-escaped; decode them for real."""
    if value.isascii():
        return value
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value  # already real text
    return _decode_bytes(data, None, defects, f"{where} header")


def _decode_header_value(raw_value: str, defects: list[str], where: str) -> str:
    value = _decode_8bit(_unfold(raw_value), defects, where)
    if "=?" in value:
        value = _decode_encoded_words(value, defects, where)
    if "\x00" in value:
        value = value.replace("\x00", "")
        defects.append(f"NUL bytes removed from {where} header")
    return value


def _decode_encoded_words(value: str, defects: list[str], where: str) -> str:
    """RFC 2047 decoding that survives bad charsets and words split mid-character.

    Adjacent words in the same charset are joined as bytes before decoding,
    because encoders split UTF-8 and ISO-2022-JP sequences across words.
    """
    out: list[str] = []
    pending = bytearray()
    pending_charset: str | None = None
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        gap = value[position:match.start()]
        position = match.end()
        charset = match.group(1).split("*", 1)[0].lower()
        data = _decode_word_payload(match.group(2), match.group(3))
        between_words = pending_charset is not None and (not gap or gap.isspace())
        if not between_words or data is None or charset != pending_charset:
            if pending_charset is not None:
                out.append(_decode_bytes(bytes(pending), pending_charset, defects, f"{where} header"))
                pending.clear()
                pending_charset = None
            if not between_words or data is None:
                out.append(gap)
        if data is None:
            defects.append(f"{where} header: undecodable encoded-word kept as is")
            out.append(match.group(0))
            continue
        pending_charset = charset
        pending += data
    if pending_charset is not None:
        out.append(_decode_bytes(bytes(pending), pending_charset, defects, f"{where} header"))
    out.append(value[position:])
    return "".join(out)


def _decode_word_payload(encoding: str, text: str) -> bytes | None:
    if encoding in "qQ":
        return binascii.a2b_qp(text.encode("utf-8", "surrogateescape"), header=True)
    cleaned = "".join(text.split()).rstrip("=")
    if not _BASE64_TEXT.match(cleaned):
        return None
    if len(cleaned) % 4 == 1:
        cleaned = cleaned[:-1]
    try:
        return binascii.a2b_base64(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        return None


def _split_outside_quotes(value: str, separator: str) -> list[str]:
    """Split on ``separator`` except inside double quotes (C-speed split, then rejoin quoted pieces)."""
    pieces: list[str] = []
    for piece in value.split(separator):
        if pieces and (pieces[-1].count('"') - pieces[-1].count('\\"')) % 2:
            pieces[-1] += separator + piece
        else:
            pieces.append(piece)
    return pieces


def _unquote_string(value: str) -> str:
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        value = value[1:-1]
    elif value.startswith('"'):
        value = value[1:]
    return re.sub(r"\\(.)", r"\1", value) if "\\" in value else value


_PARAMETER_NAME = re.compile(r"^([^*]+)(?:\*(\d{1,4}))?(\*)?$")


def _header_params(value: str, defects: list[str], where: str) -> tuple[str, dict[str, str]]:
    """Split 'type/sub; a=1; b*=utf-8''x' into its lower-cased main value and decoded parameters."""
    segments = _split_outside_quotes(value, ";") if '"' in value else value.split(";")
    params: dict[str, str] = {}
    continuations: dict[str, list[tuple[int, str, bool]]] = {}
    for segment in segments[1:]:
        key, has_value, raw_value = segment.partition("=")
        match = _PARAMETER_NAME.match(key.strip().lower())
        if not has_value or not match:
            continue
        name, number, star = match.groups()
        raw_value = raw_value.strip()
        if raw_value.startswith('"'):
            raw_value = _unquote_string(raw_value)
        if number is None and not star:
            params.setdefault(name, raw_value)
        else:
            continuations.setdefault(name, []).append((int(number or 0), raw_value, bool(star)))
    for name, pieces in continuations.items():
        # The RFC 2231 form is the precise one; the plain one is a fallback for old clients.
        params[name] = _join_rfc2231(pieces, defects, where)
    return segments[0].strip().lower(), params


def _join_rfc2231(pieces: list[tuple[int, str, bool]], defects: list[str], where: str) -> str:
    pieces.sort(key=lambda piece: piece[0])
    charset = None
    data = bytearray()
    for position, (_number, piece, encoded) in enumerate(pieces):
        if not encoded:
            data += piece.encode("utf-8", "surrogateescape")
            continue
        if position == 0 and piece.count("'") >= 2:
            charset, _language, piece_text = piece.split("'", 2)
        else:
            piece_text = piece
        data += unquote_to_bytes(piece_text)
    return _decode_bytes(bytes(data), charset or None, defects, where)


# --------------------------------------------------------------------------- addresses

# Without quotes, comments, groups or escapes an address list is just comma-separated.
_ADDRESS_LIST_SYNTAX = re.compile(r'["(\\:;]')
_ADDRESS_LIKE = re.compile(r"^\S+@[^\s@]+$")
_EMBEDDED_ADDRESS = re.compile(r"[^\s<>\"(),;:]+@[^\s<>\"(),;:]+")


def _parse_address_list(raw_values, defects: list[str], where: str) -> list[Address]:
    addresses = []
    for raw_value in raw_values:
        value = _decode_8bit(_unfold(raw_value), defects, where).replace("\x00", "")
        for mailbox in _split_mailboxes(value):
            address = _parse_mailbox(mailbox, defects, where)
            if address.name or address.email:
                addresses.append(address)
    return addresses


def _split_mailboxes(value: str) -> list[str]:
    """Split an address list on commas outside quotes, comments and <>; drop group names."""
    if not _ADDRESS_LIST_SYNTAX.search(value):
        return _rejoin_unquoted_commas([mailbox.strip() for mailbox in value.split(",") if mailbox.strip()])
    mailboxes, current = [], []
    quoted = escaped = in_angle = False
    comment_depth = 0
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and (quoted or comment_depth):
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif comment_depth:
            comment_depth += {"(": 1, ")": -1}.get(char, 0)
        elif char == '"':
            quoted = True
        elif char == "(":
            comment_depth = 1
        elif char in "<>":
            in_angle = char == "<"
        elif not in_angle and char in ",;":
            mailboxes.append("".join(current))
            current = []
            continue
        elif not in_angle and char == ":":
            current = []  # 'Team: a@x, b@y;' - the group's name is not an address
            continue
        current.append(char)
    mailboxes.append("".join(current))
    return _rejoin_unquoted_commas([mailbox.strip() for mailbox in mailboxes if mailbox.strip()])


def _rejoin_unquoted_commas(mailboxes: list[str]) -> list[str]:
    """'Doe, John <j@x>' (comma left unquoted by a sloppy client) is one mailbox, not two.

    Only a bare name followed by a 'Name <address>' mailbox is rejoined: 'Team, a@x' stays two entries.
    """
    joined: list[str] = []
    for mailbox in mailboxes:
        previous = joined[-1] if joined else None
        if previous is not None and "@" not in previous and "<" not in previous and "<" in mailbox:
            joined[-1] = f"{previous}, {mailbox}"
        else:
            joined.append(mailbox)
    return joined


def _parse_mailbox(text: str, defects: list[str], where: str) -> Address:
    angle = _last_angle_address(text)
    if angle is not None:
        start, end = angle
        email = text[start + 1:end].strip()
        if ":" in email:  # obsolete source route '<@relay:user@host>' or 'mailto:'
            email = email.rsplit(":", 1)[1].strip()
        name = _display_name(text[:start])
    else:
        email, comments = _strip_comments(text)
        email = email.strip()
        name = " ".join(comments)
        if not _ADDRESS_LIKE.match(email):
            embedded = _EMBEDDED_ADDRESS.search(email)
            if embedded is None:
                return Address(name=_decode_display_name(name or text, defects, where), email="")
            email = embedded.group(0)
    if not _ADDRESS_LIKE.match(email):
        email = ""
    return Address(name=_decode_display_name(name, defects, where), email=email)


def _last_angle_address(text: str) -> tuple[int, int] | None:
    if "<" not in text:
        return None
    if '"' not in text:
        start = text.rfind("<")
        end = text.find(">", start)
        return (start, end) if end > start else None
    start = end = -1
    quoted = escaped = False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif not quoted and char == "<":
            start = index
        elif not quoted and char == ">" and start >= 0:
            end = index
    if start >= 0 and end > start:
        return start, end
    match = re.search(r"<([^<>]*@[^<>]*)>", text)  # unbalanced quotes: look anyway
    return (match.start(), match.end() - 1) if match else None


def _strip_comments(text: str) -> tuple[str, list[str]]:
    if "(" not in text:
        return text, []
    outside, comments, current = [], [], []
    depth = 0
    for char in text:
        if char == "(":
            if depth:
                current.append(char)
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth:
                current.append(char)
            else:
                comments.append("".join(current).strip())
                current = []
        elif depth:
            current.append(char)
        else:
            outside.append(char)
    return "".join(outside), [comment for comment in comments if comment]


def _display_name(text: str) -> str:
    text = text.strip()
    if '"' not in text:
        return text.strip("<>").strip()
    out, quoted, escaped = [], False, False
    for char in text:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        else:
            out.append(char)
    return "".join(out).strip()


def _decode_display_name(name: str, defects: list[str], where: str) -> str:
    if "=?" in name:
        name = _decode_encoded_words(name, defects, where)
    return " ".join(name.split())


# --------------------------------------------------------------------------- ids and dates

_BRACKETED_ID = re.compile(r"<([^<>]*)>")
_COMMENT = re.compile(r"\([^()]*\)")


def _message_ids(value: str) -> list[str]:
    """All Message-IDs in a header value, as '<id>', in order."""
    if not value:
        return []
    found = _BRACKETED_ID.findall(value) if "<" in value else []
    if not found:
        found = re.split(r"[\s,]+", _COMMENT.sub(" ", value).replace("<", " ").replace(">", " "))
    # Folding inside an id ('<abc\r\n def@x>') is a broken mailer's line wrap, not part of the id.
    ids = ("".join(item.split()) for item in found)
    return [f"<{item}>" for item in ids if item]


def _parse_date(raw_value: str | None, defects: list[str]) -> datetime | None:
    if raw_value is None:
        return None
    text = " ".join(_unfold(raw_value).split())
    try:
        parsed = parsedate_to_datetime(text)
        if parsed.tzinfo is None:  # '-0000': the sender's zone is unknown, the time is UTC
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, TypeError, IndexError, OverflowError):  # what the stdlib raises on bad dates
        defects.append(f"unparseable Date header: {text[:80]!r}")
        return None


# --------------------------------------------------------------------------- MIME tree

_PART_HEADERS = frozenset({"content-type", "content-disposition", "content-transfer-encoding", "content-id"})
_BOUNDARY_LINE = re.compile(r"^--(\S.{0,69}?)(?:--)?[ \t]*\r?$", re.MULTILINE)
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.-]+)", re.IGNORECASE)
_DEFECT_TEXTS = {
    "StartBoundaryNotFoundDefect": "MIME boundary never found",
    "CloseBoundaryNotFoundDefect": "closing MIME boundary missing (message truncated?)",
    "NoBoundaryInMultipartDefect": "multipart without a boundary parameter",
    "FirstHeaderLineIsContinuationDefect": "first header line is a continuation line",
    "MisplacedEnvelopeHeaderDefect": "'From ' envelope line in the middle of the headers",
    "MissingHeaderBodySeparatorDefect": "a header line without a colon ends the headers",
    "MultipartInvariantViolationDefect": "multipart declared but the body is not",
    "InvalidMultipartContentTransferEncodingDefect": "multipart with a content-transfer-encoding",
}
# Extensions for attachments that come without a name.
_EXTENSION_BY_MIMETYPE = {
    "application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif",
    "image/webp": "webp", "image/bmp": "bmp", "image/tiff": "tif", "image/svg+xml": "svg",
    "text/plain": "txt", "text/html": "html", "text/calendar": "ics", "text/csv": "csv",
    "text/rfc822-headers": "txt", "text/x-vcard": "vcf", "text/vcard": "vcf", "text/xml": "xml",
    "application/xml": "xml", "application/json": "json", "application/zip": "zip",
    "application/ms-tnef": "dat", "application/vnd.ms-tnef": "dat", "application/pgp-signature": "asc",
    "application/pkcs7-signature": "p7s", "application/x-pkcs7-signature": "p7s",
    "application/msword": "doc", "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt", "application/ics": "ics",
    "message/rfc822": "eml", "message/global": "eml", "message/delivery-status": "txt",
    "message/disposition-notification": "txt", "audio/mpeg": "mp3", "video/mp4": "mp4",
}
# Reverse map for nameless octet-streams; '.dat' and '.asc' say too little to guess from.
_MIMETYPE_BY_EXTENSION = {
    ext: mimetype for mimetype, ext in reversed(_EXTENSION_BY_MIMETYPE.items()) if ext not in ("dat", "asc")
}
_FILENAME_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f\\/:*?"<>|]+')


@dataclass
class _Part:
    """One MIME part and the headers the walk needs, decoded once."""

    message: Message
    payload: str | list  # text for a leaf, sub-messages for a container
    ctype: str
    params: dict[str, str]
    headers: dict[str, str]
    depth: int
    parent_subtype: str


class _BodyCollector:
    """Walks the MIME tree once, sorting parts into bodies and attachments."""

    def __init__(self, defects: list[str], linesep: bytes):
        self.defects = defects
        self.linesep = linesep.decode()
        self.text_parts: list[str] = []
        self.html_parts: list[str] = []
        self.attachments: list[Attachment] = []

    def walk(self, message: Message, depth=0, parent_subtype=""):
        if depth > _MAX_MIME_DEPTH:
            self.defects.append(f"MIME parts nested deeper than {_MAX_MIME_DEPTH} levels ignored")
            return
        try:
            self._visit(self._read(message, depth, parent_subtype))
        except Exception as error:  # noqa: BLE001 - lose one part, keep the rest of the message
            self.defects.append(f"a MIME part could not be read ({type(error).__name__}: {error})"[:300])

    def _read(self, message: Message, depth: int, parent_subtype: str) -> _Part:
        headers = _part_headers(message, self.defects)
        ctype, params = _header_params(headers.get("content-type", ""), self.defects, "Content-Type")
        if ctype.count("/") != 1 or " " in ctype:
            ctype = "text/plain" if ctype else message.get_default_type()
        for defect in message.defects:
            name = type(defect).__name__
            text = _DEFECT_TEXTS.get(name) or (type(defect).__doc__ or name).strip().splitlines()[0]
            self.defects.append(f"{'message' if depth == 0 else ctype + ' part'}: {text}")
        return _Part(message, _raw_payload(message), ctype, params, headers, depth, parent_subtype)

    def _visit(self, part: _Part):
        if isinstance(part.payload, list):
            if part.message.get_content_maintype() == "multipart":
                subtype = part.ctype.partition("/")[2]
                for message in part.payload:
                    self.walk(message, part.depth + 1, subtype)
            else:
                self._add_message_attachment(part)
        elif part.ctype.startswith("multipart/"):
            self._recover_multipart(part)
        else:
            self._visit_leaf(part)

    def _visit_leaf(self, part: _Part):
        disposition, disposition_params = _header_params(
            part.headers.get("content-disposition", ""), self.defects, "attachment filename"
        )
        filename = disposition_params.get("filename") or part.params.get("name") or ""
        if "=?" in filename:
            filename = _decode_encoded_words(filename, self.defects, "attachment filename")
        is_body = not filename and disposition != "attachment"
        if is_body and part.ctype in ("text/plain", "text/html"):
            self._add_body(part)
        elif is_body and part.parent_subtype == "alternative" and _is_other_rendering(part.ctype):
            pass  # the same content again (text/enriched, text/watch-html...), not a file
        else:
            content = _decode_payload(part, self.defects)
            content_id = part.headers.get("content-id", "")
            self._add_attachment(content, part.ctype, filename, disposition, content_id)

    def _add_body(self, part: _Part):
        data = _decode_payload(part, self.defects)
        charset = part.params.get("charset")
        if not charset and part.ctype == "text/html" and not data.isascii():
            sniffed = _META_CHARSET.search(data[:4096])
            charset = sniffed.group(1).decode("ascii") if sniffed else None
        text = _clean_text(_decode_bytes(data, charset, self.defects, part.ctype), self.defects, part.ctype)
        bodies = self.text_parts if part.ctype == "text/plain" else self.html_parts
        # Inside multipart/alternative a second body is the same content again; elsewhere
        # (Apple Mail splitting text around images, list footers) it is more content.
        if not bodies or part.parent_subtype != "alternative":
            bodies.append(text)

    def _add_attachment(self, content, ctype, filename, disposition, content_id):
        mimetype = ctype
        filename = _safe_filename(filename)
        if not filename:
            extension = _EXTENSION_BY_MIMETYPE.get(ctype, "bin")
            filename = f"attachment-{len(self.attachments) + 1}.{extension}"
        extension = _extension(filename)
        if mimetype == "application/octet-stream" and extension in _MIMETYPE_BY_EXTENSION:
            mimetype = _MIMETYPE_BY_EXTENSION[extension]
        self.attachments.append(
            Attachment(
                filename=filename,
                extension=extension,
                mimetype=mimetype,
                size=len(content),
                content=content,
                content_id=content_id.strip().strip("<>").strip(),
                inline=disposition == "inline",
            )
        )

    def _add_message_attachment(self, part: _Part):
        """A forwarded message (or a report block) is kept whole, as a file."""
        content = self.linesep.encode().join(self._serialize(message) for message in part.payload)
        disposition_header = part.headers.get("content-disposition", "")
        disposition, params = _header_params(disposition_header, self.defects, part.ctype)
        filename = _safe_filename(params.get("filename", ""))
        if part.ctype in ("message/rfc822", "message/global"):
            if not filename:
                subject = _inner_subject(part.payload[0], self.defects) if part.payload else ""
                filename = f"{_filename_from_text(subject)[:100].strip() or 'forwarded-message'}.eml"
            elif not _extension(filename):
                filename += ".eml"
        self._add_attachment(content, part.ctype, filename, disposition, part.headers.get("content-id", ""))

    def _serialize(self, message: Message) -> bytes:
        buffer = BytesIO()
        try:
            BytesGenerator(buffer, mangle_from_=False, maxheaderlen=0).flatten(message, linesep=self.linesep)
        except Exception as error:  # noqa: BLE001 - a broken embedded message is still worth what was written of it
            self.defects.append(f"embedded message could not be re-serialized ({type(error).__name__})")
        return buffer.getvalue()

    def _recover_multipart(self, part: _Part):
        """The declared boundary is missing or wrong: find the one the body really uses."""
        recovered = _reparse_with_guessed_boundary(part)
        if recovered is not None:
            self.defects.append(f"{part.ctype}: wrong MIME boundary, parts recovered from the body")
            self.walk(recovered, part.depth, part.parent_subtype)
            return
        self.defects.append(f"{part.ctype}: no usable MIME boundary, body kept as plain text")
        data = part.payload.encode("ascii", "surrogateescape")
        text = _decode_bytes(data, None, self.defects, part.ctype)
        self.text_parts.append(_clean_text(text, self.defects, part.ctype))


def _is_other_rendering(ctype: str) -> bool:
    return ctype.startswith("text/") and ctype != "text/calendar"


def _reparse_with_guessed_boundary(part: _Part) -> Message | None:
    boundary = _guess_boundary(part.payload)
    if boundary is None:
        return None
    head = f'Content-Type: {part.ctype}; boundary="{boundary}"\r\n\r\n'.encode()
    try:
        recovered = _PARSER.parsebytes(head + part.payload.encode("ascii", "surrogateescape"))
    except Exception:  # noqa: BLE001 - e.g. RecursionError again: keeping the text is the fallback
        return None
    return recovered if isinstance(_raw_payload(recovered), list) else None


def _raw_payload(message: Message):
    # get_payload() would decode 8-bit text with the declared charset and errors='replace',
    # losing exactly the bytes the charset fallback needs; the stored payload keeps them.
    return message._payload


def _part_headers(message: Message, defects: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in message.raw_items():
        key = name.strip().lower()
        if key in _PART_HEADERS and key not in found:
            found[key] = _decode_8bit(_unfold(value), defects, name.strip())
    return found


def _inner_subject(message, defects: list[str]) -> str:
    for name, value in message.raw_items():
        if name.strip().lower() == "subject":
            return _decode_header_value(value, defects, "forwarded Subject").strip()
    return ""


def _guess_boundary(body: str) -> str | None:
    counts: dict[str, int] = {}
    for match in _BOUNDARY_LINE.finditer(body):
        counts[match.group(1)] = counts.get(match.group(1), 0) + 1
    candidates = [boundary for boundary, count in counts.items() if count >= 2]
    return max(candidates, key=counts.get) if candidates else None


def _decode_payload(part: _Part, defects: list[str]) -> bytes:
    if not isinstance(part.payload, str):
        return b""
    # Stripped on purpose: a trailing space ('base64 ') is enough to make the stdlib skip decoding.
    encoding = part.headers.get("content-transfer-encoding", "").strip().lower()
    if encoding == "base64" and part.payload.isascii():
        # binascii reads ASCII text as it is: no bytes copy of a large attachment's base64 first.
        return _decode_base64(part.payload, defects)
    try:
        data = part.payload.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        data = part.payload.encode("utf-8", "surrogateescape")
    if encoding == "base64":
        return _decode_base64(data, defects)
    if encoding == "quoted-printable":
        return binascii.a2b_qp(data)
    if encoding in ("x-uuencode", "uuencode", "uue", "x-uue"):
        decoded = part.message.get_payload(decode=True)
        return decoded if isinstance(decoded, bytes) else data
    if encoding not in ("", "7bit", "8bit", "binary"):
        defects.append(f"unknown Content-Transfer-Encoding {encoding[:40]!r}, content kept as is")
    return data


def _decode_base64(data: bytes | str, defects: list[str]) -> bytes:
    try:
        return binascii.a2b_base64(data)
    except (binascii.Error, ValueError):
        defects.append("invalid base64 data (truncated attachment?)")
    return _decode_damaged_base64(data.encode("ascii") if isinstance(data, str) else data)


def _decode_damaged_base64(data: bytes) -> bytes:
    """Decode whatever a cut-off or dirty base64 block still holds."""
    cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    if len(cleaned) % 4 == 1:
        cleaned = cleaned[:-1]
    try:
        return binascii.a2b_base64(cleaned + b"=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        return b""


def _safe_filename(filename: str) -> str:
    """Keep the name, drop any path a sender (or attacker) put in front of it."""
    if not filename:
        return ""
    return _filename_from_text(filename.replace("\\", "/").rsplit("/", 1)[-1])


def _filename_from_text(text: str) -> str:
    """Characters that are not allowed in file names on common systems become '_'."""
    return " ".join(_FILENAME_FORBIDDEN.sub("_", text.replace("\x00", "")).split()).strip(" .")


def _extension(filename: str) -> str:
    stem, dot, extension = filename.rpartition(".")
    if not dot or not stem or not extension.isalnum() or len(extension) > 16:
        return ""
    return extension.lower()


# --------------------------------------------------------------------------- cid links

_CID_REFERENCE = re.compile(r"cid:([^\s\"'<>)]+)", re.IGNORECASE)
_CID_ATTRIBUTE = re.compile(
    r"""(?P<prefix>\b(?:src|background)\s*=\s*)"""
    r"""(?:"\s*cid:(?P<dq>[^"]*?)\s*"|'\s*cid:(?P<sq>[^']*?)\s*'|cid:(?P<bare>[^\s>"']+))""",
    re.IGNORECASE,
)
_CID_CSS_URL = re.compile(
    r"""url\(\s*(?P<quote>["']?)\s*cid:(?P<cid>[^"')\s]+)\s*(?P=quote)\s*\)""", re.IGNORECASE
)


class _CidLookup:
    """Content-IDs as written in HTML may be %-escaped or differ in case from the part's header."""

    def __init__(self, urls_by_cid: dict[str, str]):
        self.exact = {}
        self.folded = {}
        for cid, url in urls_by_cid.items():
            for key in _cid_spellings(cid):
                self.exact.setdefault(key, url)
                self.folded.setdefault(key.lower(), url)

    def get(self, cid: str) -> str | None:
        for candidate in _cid_spellings(cid):
            url = self.exact.get(candidate) or self.folded.get(candidate.lower())
            if url is not None:
                return url
        return None


def _cid_spellings(cid: str) -> tuple[str, str]:
    return cid.strip().strip("<>"), unquote(cid).strip().strip("<>")


def _mark_cid_referenced_attachments(attachments: list[Attachment], html: str):
    if not any(attachment.content_id for attachment in attachments):
        return
    lookup = _CidLookup(dict.fromkeys(_CID_REFERENCE.findall(html), "x"))
    for attachment in attachments:
        if attachment.content_id and lookup.get(attachment.content_id):
            attachment.inline = True


# --------------------------------------------------------------------------- content hash


def _content_hash(values_by_name, text_body: str, html_body: str, attachments: list[Attachment]) -> str:
    digest = hashlib.sha256()

    def add(chunk: bytes):
        digest.update(f"{len(chunk)}:".encode())  # length-prefixed, so fields cannot bleed into each other
        digest.update(chunk)

    for name in _HASHED_HEADERS:
        value = " ".join(" ".join(raw.split()) for raw in values_by_name.get(name, ()))
        add(value.encode("utf-8", "surrogateescape"))
    add(text_body.encode("utf-8", "surrogatepass"))
    add(html_body.encode("utf-8", "surrogatepass"))
    for attachment in attachments:
        add(hashlib.sha256(attachment.content).hexdigest().encode())
    return digest.hexdigest()
