"""Folder listing, roles and status.

Roles come from SPECIAL-USE flags (RFC 6154) or Gmail's XLIST flags; servers
that offer neither get a role from the folder's usual English names.
"""

from dataclasses import dataclass

ROLES = ("inbox", "sent", "archive", "drafts", "junk", "trash", "all", "flagged", "important", "other")

_ROLE_BY_FLAG = {
    "\\sent": "sent",
    "\\archive": "archive",
    "\\drafts": "drafts",
    "\\junk": "junk",
    "\\spam": "junk",
    "\\trash": "trash",
    "\\all": "all",
    "\\allmail": "all",
    "\\flagged": "flagged",
    "\\starred": "flagged",
    "\\important": "important",
    "\\inbox": "inbox",
}

_ROLE_BY_NAME = {
    "sent": "sent",
    "sent items": "sent",
    "sent messages": "sent",
    "sent mail": "sent",
    "drafts": "drafts",
    "draft": "drafts",
    "trash": "trash",
    "deleted items": "trash",
    "deleted messages": "trash",
    "bin": "trash",
    "junk": "junk",
    "spam": "junk",
    "junk e-mail": "junk",
    "junk email": "junk",
    "archive": "archive",
    "archives": "archive",
}

_UNSELECTABLE_FLAGS = {"\\noselect", "\\nonexistent"}

#: Folders synced unless the user says otherwise.
DEFAULT_SYNC_ROLES = ("inbox", "sent")


@dataclass(frozen=True)
class FolderInfo:
    name: str
    delimiter: str | None
    flags: tuple
    role: str
    selectable: bool

    @property
    def parent_name(self):
        if self.delimiter and self.delimiter in self.name:
            return self.name.rsplit(self.delimiter, 1)[0]
        return None

    @property
    def leaf_name(self):
        if self.delimiter:
            return self.name.rsplit(self.delimiter, 1)[-1]
        return self.name

    @property
    def sync_by_default(self):
        return self.selectable and self.role in DEFAULT_SYNC_ROLES


@dataclass(frozen=True)
class FolderStatus:
    uidvalidity: int
    uidnext: int
    messages: int
    #: None when the server has no CONDSTORE.
    highestmodseq: int | None = None


def folder_role(name, delimiter, flags, *, trust_names):
    if name.upper() == "INBOX":
        return "inbox"
    lowered = {f.lower() for f in flags}
    for flag, role in _ROLE_BY_FLAG.items():
        if flag in lowered:
            return role
    if trust_names:
        leaf = name.rsplit(delimiter, 1)[-1] if delimiter else name
        return _ROLE_BY_NAME.get(leaf.strip().lower(), "other")
    return "other"


def list_folders(session):
    """Every folder of the account, INBOX first, parents before their children."""
    rows = session.list_folders()
    # Only a server that cannot flag its special folders gets roles from names:
    # otherwise a user folder called "Sent" beside the real \Sent would compete.
    has_flags = any(f.lower() in _ROLE_BY_FLAG for flags, _d, _n in rows for f in flags)
    folders = [
        FolderInfo(
            name=name,
            delimiter=delimiter,
            flags=flags,
            role=folder_role(name, delimiter, flags, trust_names=not has_flags),
            selectable=not ({f.lower() for f in flags} & _UNSELECTABLE_FLAGS),
        )
        for flags, delimiter, name in rows
    ]
    return sorted(folders, key=lambda f: (f.role != "inbox", f.name.lower()))


def folder_status(session, name):
    """One round trip telling whether anything changed in the folder."""
    if session.selected_folder == name:
        # STATUS on the selected folder may answer from the session's stale view (RFC 3501 6.3.10).
        session.unselect()
    items = ["MESSAGES", "UIDNEXT", "UIDVALIDITY"]
    condstore = session.has("CONDSTORE")
    if condstore:
        items.append("HIGHESTMODSEQ")
    data = session.status(name, items)
    return FolderStatus(
        uidvalidity=int(data["UIDVALIDITY"]),
        uidnext=int(data["UIDNEXT"]),
        messages=int(data["MESSAGES"]),
        highestmodseq=int(data["HIGHESTMODSEQ"]) if condstore and "HIGHESTMODSEQ" in data else None,
    )


@dataclass(frozen=True)
class FolderReconciliation:
    """What to change locally so the folder list matches the server."""

    to_create: tuple
    #: Still on the server: refresh role, flags and selectability.
    to_update: tuple
    #: Gone from the server and holding no synced mail: delete.
    to_delete: tuple
    #: Gone from the server but holding synced mail: keep, marked missing.
    to_mark_missing: tuple


def plan_reconciliation(local, listed):
    """*local* maps each known folder name to whether it holds synced messages."""
    listed_by_name = {f.name: f for f in listed}
    gone = [name for name in local if name not in listed_by_name]
    return FolderReconciliation(
        to_create=tuple(f for f in listed if f.name not in local),
        to_update=tuple(f for f in listed if f.name in local),
        to_delete=tuple(name for name in gone if not local[name]),
        to_mark_missing=tuple(name for name in gone if local[name]),
    )
