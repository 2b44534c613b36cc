"""What the conversation list shows of a thread: who it is with, and a line of its last message.

Computed from the mail itself, so a conversation says who wrote even when no
contact has that address yet. The sync stores both on the conversation with
its other summary columns; nothing here is computed when the list is read.
"""

import re
from email.utils import getaddresses

from .states import INCOMING

__all__ = ["PREVIEW_LENGTH", "correspondent", "named_addresses", "preview"]

#: Characters of the last message shown under its subject in the list.
PREVIEW_LENGTH = 140


# "On Tue, 1 Dec 2026, Ann <a@x> wrote:" and its common translations: the quoted reply starts here.
_ATTRIBUTION = re.compile(
    r"^\s*(on|le|am|el|il|op)\b.{0,200}\b(wrote|a écrit|schrieb|escribió|ha scritto|schreef)\s*:\s*$",
    re.IGNORECASE,
)
# Outlook's separator above the quoted original.
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(original message|message d'origine|ursprüngliche nachricht)", re.IGNORECASE)
# RFC 3676 signature separator ("-- "), tolerated without its trailing space.
_SIGNATURE = re.compile(r"^--\s*$")
_SPACE = re.compile(r"\s+")


def correspondent(direction, email_from, email_to):
    """(name, address) of the other party: the sender of an incoming message, else its first recipient.

    The name is the address when the header gives none; ("", "") when there is no address.
    """
    header = email_from if direction == INCOMING else email_to
    for name, address in getaddresses([header or ""]):
        if address and "@" in address:
            return (name.strip() or address), address.strip().lower()
    return "", ""


def named_addresses(header):
    """[(name, address)] of an address header, the name being the address when the header gives none."""
    return [((name.strip() or address), address) for name, address in getaddresses([header or ""]) if address]


def preview(text, length=PREVIEW_LENGTH):
    """The first *length* characters of what *text* says itself: quoted text and signature cut, spaces folded."""
    kept = []
    for line in (text or "").splitlines():
        if _SIGNATURE.match(line) or _ATTRIBUTION.match(line) or _ORIGINAL.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    folded = _SPACE.sub(" ", " ".join(kept)).strip()
    if len(folded) <= length:
        return folded
    return folded[: length - 1].rstrip() + "…"
