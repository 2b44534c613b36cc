"""Where messages sit on the server (their locations), and their flags there.

Locations are rows of ``imap_message_location`` (services/tables/imap_message_location.py
writes them): recorded in bulk by the importer and kept in step with the server by the
mailbox run (flag changes, mail marked read, mail that left a folder). A message whose
locations all disappear stays in Odoo: nothing synced is ever deleted by the server.
"""

from ..engine import states
from .tables import imap_message as message_table
from .tables import imap_message_location as location_table
from .tables.imap_message_location import LocationRow, flags_text

SEEN = states.SEEN


def forget_cached(env):
    """Locations written or deleted in SQL: the relations the ORM cached before are stale."""
    env["imap.folder"].invalidate_model(["location_ids"])
    env["imap.message"].invalidate_model(["location_ids"])


def insert(env, rows):
    """Record :class:`LocationRow` *rows* (a location already recorded stays as it is)."""
    if rows:
        location_table.insert(env.cr, rows)
        forget_cached(env)


def add(env, mailbox, folder, uidvalidity, located, *, outgoing):
    """Record already-imported messages in *folder*: ``[(message id, ServerMessage)]``.

    Returns the ids of the conversations they belong to.
    """
    if not located:
        return set()
    cr = env.cr
    env["imap.message"].flush_model()
    insert(
        env,
        [
            LocationRow(message_id, folder.id, mailbox.id, uidvalidity, m.uid, flags_text(m.flags))
            for message_id, m in located
        ],
    )
    ids = [message_id for message_id, _m in located]
    seen_ids = [message_id for message_id, m in located if m.seen]
    if seen_ids:
        message_table.mark_seen(cr, seen_ids)
    if outgoing:
        # The copy in Sent shows the owner wrote it, whatever folder it was first found in.
        message_table.set_direction(cr, ids, states.OUTGOING)
    env["imap.message"].browse(ids).invalidate_recordset(["is_seen", "direction"])
    return message_table.conversations_of(cr, ids)


def apply_flags(env, folder, uidvalidity, changes):
    """Store flag changes read from the server (``{uid: flags}``); returns how many messages changed."""
    if not changes:
        return 0
    env["imap.message"].flush_model()
    message_ids = location_table.set_flags(
        env.cr, folder.id, uidvalidity, {uid: flags_text(flags) for uid, flags in changes.items()}
    )
    refresh_seen(env, message_ids)
    return len(message_ids)


def mark_seen(env, folder, uidvalidity, uids):
    """Record \\Seen that this run set on the server (mailboxes that mark mail as read)."""
    if not uids:
        return
    env["imap.message"].flush_model()
    refresh_seen(env, location_table.add_flag(env.cr, folder.id, uidvalidity, uids, SEEN))


def refresh_seen(env, message_ids):
    """A message is seen when it carries \\Seen in any of its folders."""
    if not message_ids:
        return
    conversation_ids = message_table.refresh_seen(env.cr, message_ids, SEEN)
    env["imap.message"].browse(message_ids).invalidate_recordset(["is_seen"])
    env["imap.conversation"].browse(conversation_ids)._refresh_summary()


def drop_missing(env, folder, uidvalidity, present_uids):
    """Forget locations of mail moved out of, or deleted from, the folder. The messages stay."""
    env["imap.message"].flush_model()
    dropped = location_table.delete_absent(env.cr, folder.id, uidvalidity, present_uids)
    forget_cached(env)
    return dropped


def quarantined(env, folder, uidvalidity, uids):
    """Messages moved from *folder* to the quarantine folder: remember where from, forget the old UIDs."""
    env["imap.message"].flush_model()
    message_ids = location_table.delete_uids(env.cr, folder.id, uidvalidity, uids)
    forget_cached(env)
    env["imap.message"].browse(message_ids).write({"quarantine_origin": folder.name})


def held_uids(env, folder, uidvalidity):
    """UIDs of *folder* that Odoo holds a message for (imported or failed)."""
    env["imap.message"].flush_model()
    return location_table.uids_of(env.cr, folder.id, uidvalidity)
