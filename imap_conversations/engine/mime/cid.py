"""``cid:`` links: the HTML body's references to its inline images (RFC 2392)."""

import re
from urllib.parse import unquote

from .types import Attachment

_CID_REFERENCE = re.compile(r"cid:([^\s\"'<>)]+)", re.IGNORECASE)
CID_ATTRIBUTE = re.compile(
    r"""(?P<prefix>\b(?:src|background)\s*=\s*)"""
    r"""(?:"\s*cid:(?P<dq>[^"]*?)\s*"|'\s*cid:(?P<sq>[^']*?)\s*'|cid:(?P<bare>[^\s>"']+))""",
    re.IGNORECASE,
)
CID_CSS_URL = re.compile(r"""url\(\s*(?P<quote>["']?)\s*cid:(?P<cid>[^"')\s]+)\s*(?P=quote)\s*\)""", re.IGNORECASE)


class CidLookup:
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


def mark_cid_referenced_attachments(attachments: list[Attachment], html: str):
    if not any(attachment.content_id for attachment in attachments):
        return
    lookup = CidLookup(dict.fromkeys(_CID_REFERENCE.findall(html), "x"))
    for attachment in attachments:
        if attachment.content_id and lookup.get(attachment.content_id):
            attachment.inline = True
