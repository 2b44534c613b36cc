"""Header values: unfolding, RFC 2047 encoded words (also broken ones), RFC 2231 parameters,
message ids and dates."""

import binascii
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote_to_bytes

from .charsets import decode_bytes

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ENCODED_WORD = re.compile(r"=\?([^?\s]*)\?([bBqQ])\?(.*?)\?=")
_BASE64_TEXT = re.compile(r"^[A-Za-z0-9+/]*$")


def unfold(value: str) -> str:
    if "\n" in value or "\r" in value:
        return _LINE_BREAK.sub("", value)
    return value


def decode_8bit(value: str, defects: list[str], where: str) -> str:
    """Headers written in raw 8-bit reach us surrogate-escaped; decode them for real."""
    if value.isascii():
        return value
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value  # already real text
    return decode_bytes(data, None, defects, f"{where} header")


def decode_header_value(raw_value: str, defects: list[str], where: str) -> str:
    value = decode_8bit(unfold(raw_value), defects, where)
    if "=?" in value:
        value = decode_encoded_words(value, defects, where)
    if "\x00" in value:
        value = value.replace("\x00", "")
        defects.append(f"NUL bytes removed from {where} header")
    return value


def decode_encoded_words(value: str, defects: list[str], where: str) -> str:
    """RFC 2047 decoding that survives bad charsets and words split mid-character.

    Adjacent words in the same charset are joined as bytes before decoding,
    because encoders split UTF-8 and ISO-2022-JP sequences across words.
    """
    out: list[str] = []
    pending = bytearray()
    pending_charset: str | None = None
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        gap = value[position : match.start()]
        position = match.end()
        charset = match.group(1).split("*", 1)[0].lower()
        data = _decode_word_payload(match.group(2), match.group(3))
        between_words = pending_charset is not None and (not gap or gap.isspace())
        if not between_words or data is None or charset != pending_charset:
            if pending_charset is not None:
                out.append(decode_bytes(bytes(pending), pending_charset, defects, f"{where} header"))
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
        out.append(decode_bytes(bytes(pending), pending_charset, defects, f"{where} header"))
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


def header_params(value: str, defects: list[str], where: str) -> tuple[str, dict[str, str]]:
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
    return decode_bytes(bytes(data), charset or None, defects, where)


# --------------------------------------------------------------------------- ids and dates

_BRACKETED_ID = re.compile(r"<([^<>]*)>")
_COMMENT = re.compile(r"\([^()]*\)")


def message_ids(value: str) -> list[str]:
    """All Message-IDs in a header value, as '<id>', in order."""
    if not value:
        return []
    found = _BRACKETED_ID.findall(value) if "<" in value else []
    if not found:
        found = re.split(r"[\s,]+", _COMMENT.sub(" ", value).replace("<", " ").replace(">", " "))
    # Folding inside an id ('<abc\r\n def@x>') is a broken mailer's line wrap, not part of the id.
    ids = ("".join(item.split()) for item in found)
    return [f"<{item}>" for item in ids if item]


def parse_date(raw_value: str | None, defects: list[str]) -> datetime | None:
    if raw_value is None:
        return None
    text = " ".join(unfold(raw_value).split())
    try:
        parsed = parsedate_to_datetime(text)
        if parsed.tzinfo is None:  # '-0000': the sender's zone is unknown, the time is UTC
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, TypeError, IndexError, OverflowError):  # what the stdlib raises on bad dates
        defects.append(f"unparseable Date header: {text[:80]!r}")
        return None
