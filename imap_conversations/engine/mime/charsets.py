"""Bytes to text: charset labels as mail clients write them, and what to do when they lie.

The chain is declared -> utf-8 -> cp1252 -> latin-1; latin-1 never fails, so nothing is lost,
and every fallback is reported as a defect.
"""

import codecs
from functools import lru_cache

# Labels mail clients write that Python does not know, or where the de-facto
# encoding is a superset (Outlook writes iso-8859-1 and sends cp1252 quotes).
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "ms_kanji": "cp932",
    "x-mac-roman": "mac-roman",
    "unicode-1-1-utf-7": "utf-7",
    "utf8mb4": "utf-8",
}
# Labels that only say "no idea": treated as undeclared, but still reported.
_UNKNOWN_CHARSET_LABELS = frozenset({"unknown-8bit", "x-unknown", "unknown", "x-user-defined", "default"})
_MULTIBYTE_CODECS = frozenset(
    {
        "iso2022_jp",
        "iso2022_jp_1",
        "iso2022_jp_2",
        "iso2022_jp_2004",
        "iso2022_jp_3",
        "iso2022_jp_ext",
        "iso2022_kr",
        "shift_jis",
        "cp932",
        "euc_jp",
        "euc_jis_2004",
        "euc_jisx0213",
        "shift_jis_2004",
        "shift_jisx0213",
        "gb2312",
        "gbk",
        "gb18030",
        "hz",
        "big5",
        "big5hkscs",
        "cp950",
        "cp949",
        "euc_kr",
        "johab",
    }
)


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


def decode_bytes(data: bytes, charset: str | None, defects: list[str], where: str) -> str:
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
            escape = data[index + 1 : index + 3]
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


def clean_text(text: str, defects: list[str], where: str) -> str:
    if "\x00" in text:
        text = text.replace("\x00", "")
        defects.append(f"NUL bytes removed from {where}")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
