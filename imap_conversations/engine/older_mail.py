"""Finding a contact's older mail on the server: one UID SEARCH per folder, headers only.

The first sync of a folder takes mail since the horizon; what is older stays on the
server. To find a contact's share of it on demand, each synced folder is asked once for
mail FROM, TO or CC any of the contact's addresses (an OR tree, :func:`address_query`),
within the UIDs its sync has handled. IMAP matches substrings ("bob@x.com" also finds
"jimbob@x.com"), so the candidates' From, To and Cc headers are then read (a few hundred
bytes each) and only exact matches are kept (:func:`names_an_address`). Nothing is
downloaded in full until the import.
"""

import re
from dataclasses import dataclass
from email.utils import getaddresses

from .folder_sync import METADATA_CHUNK, server_id_items, server_message
from .parse import header_text
from .search import Query, run_search

_ADDRESS_HEADERS = b"BODY[HEADER.FIELDS (MESSAGE-ID FROM TO CC)]"
_MESSAGE_ID_HEADER = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
_UNFOLD = re.compile(rb"\r?\n[ \t]+")
_FIELD = re.compile(rb"^(from|to|cc):(.*)$", re.IGNORECASE | re.MULTILINE)
# Anything but a plain address would only widen a substring search: no spaces, no controls, one "@".
_PLAIN_ADDRESS = re.compile(r"[^\s@\"()<>,;:\\\[\]]+@[^\s@\"()<>,;:\\\[\]]+")


def contact_addresses(addresses):
    """The addresses to search for: trimmed, lower-cased, each once, in their first order.

    Empty values and anything that is not a plain address (no "@", spaces, brackets) are
    dropped: searched as substrings, "" or "example.com" would match a whole folder.
    """
    seen = []
    for address in addresses:
        normalized = (address or "").strip().lower()
        if _PLAIN_ADDRESS.fullmatch(normalized) and normalized not in seen:
            seen.append(normalized)
    return tuple(seen)


def address_query(addresses):
    """Mail FROM, TO or CC any of *addresses*: a balanced OR tree; no address matches nothing."""
    terms = []
    for address in contact_addresses(addresses):
        terms += [Query().sender(address), Query().to(address), Query().cc(address)]
    return Query.any_of(*terms)


def names_an_address(header, addresses):
    """Whether the From, To or Cc fields of *header* (raw bytes) name one of *addresses* exactly."""
    wanted = set(contact_addresses(addresses))
    values = [header_text(value.strip()) for _name, value in _FIELD.findall(_UNFOLD.sub(b" ", header or b""))]
    return any(email.strip().lower() in wanted for _name, email in getaddresses(values))


@dataclass(frozen=True)
class FolderFind:
    """What one folder holds for the addresses: the UIDs to import, valid under *uidvalidity*."""

    folder: str
    uidvalidity: int
    uids: tuple


def selected_uidvalidity(session, folder):
    """Select *folder* read-only; its UIDVALIDITY now (the UIDs found under another mean nothing)."""
    return int(session.select(folder, readonly=True).get("UIDVALIDITY") or 0)


def find_older_mail(session, folder, addresses, *, uidvalidity=None, handled_uid=None, held_uids=(), is_known=None):
    """The mail of *folder* from or to *addresses* that Odoo does not hold yet.

    *uidvalidity*, *handled_uid*: the folder's stored UIDVALIDITY and the highest UID its sync
    has handled; the search stays at or below it (what is above is the next sync's). When the
    server's UIDVALIDITY is another, the stored UIDs mean nothing: the whole folder is searched.
    *held_uids*: UIDs Odoo holds under *uidvalidity*. *is_known*: as for FolderSync, the UIDs
    of described messages Odoo holds by Message-ID (imported from another folder).
    """
    current = selected_uidvalidity(session, folder)
    query = address_query(addresses)
    same = uidvalidity is not None and current == uidvalidity
    if same and handled_uid is not None:
        query = query.uid_range(1, handled_uid)
    held = set(held_uids) if same else set()
    candidates = [uid for uid in run_search(session, query) if uid not in held]
    found = []
    extra = server_id_items(session)
    for start in range(0, len(candidates), METADATA_CHUNK):
        chunk = candidates[start : start + METADATA_CHUNK]
        response = session.fetch(
            chunk, ["UID", "RFC822.SIZE", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID FROM TO CC)]", *extra]
        )
        described = []
        for uid in chunk:
            data = response.get(uid)
            if data is None:  # expunged meanwhile
                continue
            header = data.get(_ADDRESS_HEADERS) or b""
            if names_an_address(header, addresses):
                described.append(server_message(uid, {**data, _MESSAGE_ID_HEADER: header}))
        known = is_known(described) if is_known and described else set()
        found += [message.uid for message in described if message.uid not in known]
    return FolderFind(folder, current, tuple(found))
