"""Keeping a copy of sent mail in the mailbox's Sent folder, as mail clients do.

SMTP does not put sent mail anywhere the user can see it: the client appends
it to Sent itself. The copy is marked read, and keeps the Message-ID the
message was sent with, so when the Sent folder syncs back the message is
recognised, not imported a second time.
"""

import re
from dataclasses import dataclass

from .errors import FolderNotFoundError
from .folders import list_folders

_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.IGNORECASE)


@dataclass(frozen=True)
class SentCopy:
    folder: str
    #: Where the copy now is (RFC 4315 UIDPLUS), or None when the server does not say.
    uidvalidity: int | None
    uid: int | None


def find_sent_folder(session):
    """The name of the account's Sent folder (by its special-use flag, else by its usual names)."""
    for folder in list_folders(session):
        if folder.role == "sent" and folder.selectable:
            return folder.name
    raise FolderNotFoundError("The mailbox has no Sent folder")


def append_sent_copy(session, raw, *, folder=None, date=None):
    """Store *raw* in *folder* (found by role when None) as read; *date* becomes its INTERNALDATE."""
    folder = folder or find_sent_folder(session)
    answer = session.append(folder, raw, flags=(r"\Seen",), msg_time=date)
    match = _APPENDUID.search(answer if isinstance(answer, bytes) else str(answer).encode())
    if match:
        return SentCopy(folder, int(match.group(1)), int(match.group(2)))
    return SentCopy(folder, None, None)
