"""The ``imap_message_location`` table (model imap.message.location): where messages sit on the server.

One row per (folder, UIDVALIDITY, UID). Written by the importer (new and known messages), the
sender (its copy in Sent) and the mailbox run (flags, mail that left a folder, the quarantine).
"""

from dataclasses import dataclass, fields
from operator import attrgetter

from ..bulk_sql import execute_values


@dataclass(frozen=True, slots=True)
class LocationRow:
    """One row, by column name: the fields are the table's columns, in this order."""

    message_id: int
    folder_id: int
    mailbox_id: int
    uidvalidity: int
    uid: int
    #: The message's flags in this folder, space-separated and sorted (see :func:`flags_text`).
    flags: str


COLUMNS = tuple(f.name for f in fields(LocationRow))
_VALUES = attrgetter(*COLUMNS)
_INSERT = "INSERT INTO imap_message_location ({}) VALUES %s ON CONFLICT DO NOTHING".format(", ".join(COLUMNS))


def flags_text(flags):
    """How a set of flags is stored: one string, sorted, so that equal sets compare equal in SQL."""
    return " ".join(sorted(flags))


def insert(cr, rows):
    """Insert :class:`LocationRow` *rows* in one statement; a location already recorded is left as it is."""
    if rows:
        execute_values(cr, _INSERT, [_VALUES(row) for row in rows])


def set_flags(cr, folder_id, uidvalidity, flags_by_uid):
    """Store ``{uid: flags text}`` of one folder; returns the ids of the messages whose flags changed."""
    uids = list(flags_by_uid)
    cr.execute(
        "UPDATE imap_message_location l SET flags = v.flags "
        "FROM unnest(%s::bigint[], %s::text[]) AS v(uid, flags) "
        "WHERE l.folder_id = %s AND l.uidvalidity = %s AND l.uid = v.uid AND l.flags IS DISTINCT FROM v.flags "
        "RETURNING l.message_id",
        [uids, [flags_by_uid[uid] for uid in uids], folder_id, uidvalidity],
    )
    return list({row[0] for row in cr.fetchall()})


def add_flag(cr, folder_id, uidvalidity, uids, flag):
    """Add *flag* to *uids* of one folder; returns the ids of their messages."""
    cr.execute(
        "UPDATE imap_message_location SET flags = trim(coalesce(flags, '') || ' ' || %s) "
        "WHERE folder_id = %s AND uidvalidity = %s AND uid = ANY(%s) RETURNING message_id",
        [flag, folder_id, uidvalidity, list(uids)],
    )
    return list({row[0] for row in cr.fetchall()})


def delete_absent(cr, folder_id, uidvalidity, present_uids):
    """Forget the locations of one folder that are not among *present_uids*; returns how many went."""
    cr.execute(
        "DELETE FROM imap_message_location WHERE folder_id = %s AND (uidvalidity != %s OR NOT uid = ANY(%s))",
        [folder_id, uidvalidity, sorted(present_uids)],
    )
    return cr.rowcount


def delete_uids(cr, folder_id, uidvalidity, uids):
    """Forget *uids* of one folder; returns the ids of their messages."""
    cr.execute(
        "DELETE FROM imap_message_location WHERE folder_id = %s AND uidvalidity = %s AND uid = ANY(%s) "
        "RETURNING message_id",
        [folder_id, uidvalidity, list(uids)],
    )
    return [row[0] for row in cr.fetchall()]


def uids_of(cr, folder_id, uidvalidity):
    """The UIDs of one folder that some message is recorded at."""
    cr.execute(
        "SELECT uid FROM imap_message_location WHERE folder_id = %s AND uidvalidity = %s", [folder_id, uidvalidity]
    )
    return {row[0] for row in cr.fetchall()}
