"""Where messages sit on the server, and their flags there.

Placements are rows of ``imap_message_location``: written in bulk by the
importer and kept in step with the server by the mailbox run (flag changes,
mail marked read, mail that left a folder). A message whose placements all
disappear stays in Odoo: nothing synced is ever deleted by the server.
"""

from .bulk_sql import execute_values

SEEN = "\\Seen"


def _flags(flags):
    return " ".join(sorted(flags))


def forget_cached(env):
    """Placements written or deleted in SQL: the relations the ORM cached before are stale."""
    env["imap.folder"].invalidate_model(["location_ids"])
    env["imap.message"].invalidate_model(["location_ids"])


def add(env, mailbox, folder, uidvalidity, placements, *, outgoing):
    """Place already-imported messages in *folder*: ``[(message id, ServerMessage)]``.

    Returns the ids of the conversations they belong to.
    """
    if not placements:
        return set()
    cr = env.cr
    env["imap.message"].flush_model()
    execute_values(
        cr,
        "INSERT INTO imap_message_location (message_id, folder_id, mailbox_id, uidvalidity, uid, flags) "
        "VALUES %s ON CONFLICT DO NOTHING",
        [(message_id, folder.id, mailbox.id, uidvalidity, m.uid, _flags(m.flags)) for message_id, m in placements],
    )
    forget_cached(env)
    ids = [message_id for message_id, _m in placements]
    seen_ids = [message_id for message_id, m in placements if m.seen]
    if seen_ids:
        cr.execute("UPDATE imap_message SET is_seen = true WHERE id = ANY(%s) AND NOT is_seen", [seen_ids])
    if outgoing:
        # The copy in Sent shows the owner wrote it, whatever folder it was first found in.
        cr.execute("UPDATE imap_message SET direction = 'outgoing' WHERE id = ANY(%s) AND direction != 'outgoing'",
                   [ids])
    env["imap.message"].browse(ids).invalidate_recordset(["is_seen", "direction"])
    cr.execute("SELECT DISTINCT conversation_id FROM imap_message WHERE id = ANY(%s) AND conversation_id IS NOT NULL",
               [ids])
    return {row[0] for row in cr.fetchall()}


def apply_flags(env, folder, uidvalidity, changes):
    """Store flag changes read from the server (``{uid: flags}``); returns how many messages changed."""
    if not changes:
        return 0
    env["imap.message"].flush_model()
    uids = list(changes)
    env.cr.execute(
        "UPDATE imap_message_location l SET flags = v.flags "
        "FROM unnest(%s::bigint[], %s::text[]) AS v(uid, flags) "
        "WHERE l.folder_id = %s AND l.uidvalidity = %s AND l.uid = v.uid AND l.flags IS DISTINCT FROM v.flags "
        "RETURNING l.message_id",
        [uids, [_flags(changes[uid]) for uid in uids], folder.id, uidvalidity],
    )
    message_ids = list({row[0] for row in env.cr.fetchall()})
    refresh_seen(env, message_ids)
    return len(message_ids)


def mark_seen(env, folder, uidvalidity, uids):
    """Record \\Seen that this run set on the server (mailboxes that mark mail as read)."""
    if not uids:
        return
    env["imap.message"].flush_model()
    env.cr.execute(
        "UPDATE imap_message_location SET flags = trim(coalesce(flags, '') || ' ' || %s) "
        "WHERE folder_id = %s AND uidvalidity = %s AND uid = ANY(%s) RETURNING message_id",
        [SEEN, folder.id, uidvalidity, list(uids)],
    )
    refresh_seen(env, list({row[0] for row in env.cr.fetchall()}))


def refresh_seen(env, message_ids):
    """A message is seen when it carries \\Seen in any of its folders."""
    if not message_ids:
        return
    env.cr.execute(
        """
        UPDATE imap_message m
           SET is_seen = EXISTS (SELECT 1 FROM imap_message_location l
                                  WHERE l.message_id = m.id AND strpos(coalesce(l.flags, ''), %s) > 0)
         WHERE m.id = ANY(%s)
     RETURNING m.conversation_id
        """,
        [SEEN, message_ids],
    )
    conversation_ids = {row[0] for row in env.cr.fetchall() if row[0]}
    env["imap.message"].browse(message_ids).invalidate_recordset(["is_seen"])
    env["imap.conversation"].browse(conversation_ids)._refresh_summary()


def drop_missing(env, folder, uidvalidity, present_uids):
    """Forget placements of mail moved out of, or deleted from, the folder. The messages stay."""
    env["imap.message"].flush_model()
    env.cr.execute(
        "DELETE FROM imap_message_location WHERE folder_id = %s AND (uidvalidity != %s OR NOT uid = ANY(%s))",
        [folder.id, uidvalidity, sorted(present_uids)],
    )
    dropped = env.cr.rowcount
    forget_cached(env)
    return dropped


def quarantined(env, folder, uidvalidity, uids):
    """Messages moved from *folder* to the quarantine folder: remember where from, forget the old UIDs."""
    env["imap.message"].flush_model()
    env.cr.execute(
        "DELETE FROM imap_message_location WHERE folder_id = %s AND uidvalidity = %s AND uid = ANY(%s) "
        "RETURNING message_id",
        [folder.id, uidvalidity, list(uids)],
    )
    message_ids = [row[0] for row in env.cr.fetchall()]
    forget_cached(env)
    env["imap.message"].browse(message_ids).write({"quarantine_origin": folder.name})


def held_uids(env, folder, uidvalidity):
    """UIDs of *folder* that Odoo holds a message for (imported or failed)."""
    env["imap.message"].flush_model()
    env.cr.execute("SELECT uid FROM imap_message_location WHERE folder_id = %s AND uidvalidity = %s",
                   [folder.id, uidvalidity])
    return {row[0] for row in env.cr.fetchall()}
