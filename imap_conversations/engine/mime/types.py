"""The results of a parse: frozen dataclasses, safe to keep and compare."""

from dataclasses import dataclass, field
from datetime import datetime


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
