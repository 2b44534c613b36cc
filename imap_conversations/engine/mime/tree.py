"""The MIME walk: which parts are the text and HTML bodies, which are attachments, and their bytes."""

import binascii
import re
from dataclasses import dataclass
from email import policy as email_policy
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser
from io import BytesIO

from .charsets import clean_text, decode_bytes
from .headers import decode_8bit, decode_encoded_words, decode_header_value, header_params, unfold
from .types import Attachment

_PARSER = BytesParser(policy=email_policy.compat32)
_MAX_MIME_DEPTH = 40

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
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/bmp": "bmp",
    "image/tiff": "tif",
    "image/svg+xml": "svg",
    "text/plain": "txt",
    "text/html": "html",
    "text/calendar": "ics",
    "text/csv": "csv",
    "text/rfc822-headers": "txt",
    "text/x-vcard": "vcf",
    "text/vcard": "vcf",
    "text/xml": "xml",
    "application/xml": "xml",
    "application/json": "json",
    "application/zip": "zip",
    "application/ms-tnef": "dat",
    "application/vnd.ms-tnef": "dat",
    "application/pgp-signature": "asc",
    "application/pkcs7-signature": "p7s",
    "application/x-pkcs7-signature": "p7s",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/ics": "ics",
    "message/rfc822": "eml",
    "message/global": "eml",
    "message/delivery-status": "txt",
    "message/disposition-notification": "txt",
    "audio/mpeg": "mp3",
    "video/mp4": "mp4",
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


class BodyCollector:
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
        ctype, params = header_params(headers.get("content-type", ""), self.defects, "Content-Type")
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
        disposition, disposition_params = header_params(
            part.headers.get("content-disposition", ""), self.defects, "attachment filename"
        )
        filename = disposition_params.get("filename") or part.params.get("name") or ""
        if "=?" in filename:
            filename = decode_encoded_words(filename, self.defects, "attachment filename")
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
        text = clean_text(decode_bytes(data, charset, self.defects, part.ctype), self.defects, part.ctype)
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
        disposition, params = header_params(disposition_header, self.defects, part.ctype)
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
        text = decode_bytes(data, None, self.defects, part.ctype)
        self.text_parts.append(clean_text(text, self.defects, part.ctype))


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
            found[key] = decode_8bit(unfold(value), defects, name.strip())
    return found


def _inner_subject(message, defects: list[str]) -> str:
    for name, value in message.raw_items():
        if name.strip().lower() == "subject":
            return decode_header_value(value, defects, "forwarded Subject").strip()
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
