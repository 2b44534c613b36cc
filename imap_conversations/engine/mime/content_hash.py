"""The content hash: equal for copies of one message (servers add headers), different otherwise."""

import hashlib

from .types import Attachment

# Fields the content hash covers; servers add their own headers to copies, never change these.
_HASHED_HEADERS = ("date", "from", "to", "cc", "subject")


def content_hash(values_by_name, text_body: str, html_body: str, attachments: list[Attachment]) -> str:
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
