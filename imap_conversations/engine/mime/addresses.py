"""Address lists (From, To, Cc...) as real mail writes them, RFC 5322 and its common violations."""

import re

from .headers import decode_8bit, decode_encoded_words, unfold
from .types import Address

# Without quotes, comments, groups or escapes an address list is just comma-separated.
_ADDRESS_LIST_SYNTAX = re.compile(r'["(\\:;]')
_ADDRESS_LIKE = re.compile(r"^\S+@[^\s@]+$")
_EMBEDDED_ADDRESS = re.compile(r"[^\s<>\"(),;:]+@[^\s<>\"(),;:]+")


def parse_address_list(raw_values, defects: list[str], where: str) -> list[Address]:
    addresses = []
    for raw_value in raw_values:
        value = decode_8bit(unfold(raw_value), defects, where).replace("\x00", "")
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
        email = text[start + 1 : end].strip()
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
        name = decode_encoded_words(name, defects, where)
    return " ".join(name.split())
