"""The ``imap_message`` table (model imap.message), where the importer writes messages in bulk.

The importer builds each row as a dict keyed by column name (:data:`COLUMNS`: the stored
fields it fills, Odoo's four log columns included); this module turns those into one
``INSERT ... VALUES`` per batch, and holds the other bulk updates of the table and of its
participants relation.
"""

from operator import itemgetter

from ..bulk_sql import execute_values

#: The columns the importer fills, each exactly once per row.
COLUMNS = (
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
    "mailbox_id",
    "company_id",
    "conversation_id",
    "state",
    "dedupe_key",
    "message_id",
    "in_reply_to",
    "references",
    "gm_msgid",
    "gm_thrid",
    "email_id",
    "server_thread_id",
    "subject",
    "date",
    "direction",
    "email_from",
    "author_id",
    "email_to",
    "email_cc",
    "email_bcc",
    "reply_to",
    "body_html_source",
    "body_text",
    "headers",
    "has_attachments",
    "size",
    "defects",
    "is_seen",
)
_VALUES = itemgetter(*COLUMNS)
# "references" is a keyword of SQL: every column is quoted.
_INSERT = "INSERT INTO imap_message ({}) VALUES %s RETURNING id".format(", ".join(f'"{c}"' for c in COLUMNS))


class ColumnsError(ValueError):
    """A row that does not name exactly the table's columns: a programming error, caught at the first row."""


def insert(cr, rows):
    """Insert *rows* (dicts keyed by :data:`COLUMNS`) in one statement; returns their ids, in order."""
    if not rows:
        return []
    if rows[0].keys() != set(COLUMNS):
        names = set(COLUMNS)
        raise ColumnsError(
            f"imap_message row: missing {sorted(names - rows[0].keys())}, unknown {sorted(rows[0].keys() - names)}"
        )
    return [new_id for (new_id,) in execute_values(cr, _INSERT, [_VALUES(row) for row in rows], fetch=True)]


def link_partners(cr, pairs):
    """The Participants relation: ``[(message id, partner id)]`` in one statement."""
    if pairs:
        execute_values(
            cr, "INSERT INTO imap_message_res_partner_rel (imap_message_id, res_partner_id) VALUES %s", pairs
        )


def mark_seen(cr, ids):
    """Messages read on the server (\\Seen in the folder just recorded)."""
    cr.execute("UPDATE imap_message SET is_seen = true WHERE id = ANY(%s) AND NOT is_seen", [ids])


def set_direction(cr, ids, direction):
    """Messages whose direction is now known (a copy found in Sent was written by the owner)."""
    cr.execute(
        "UPDATE imap_message SET direction = %s WHERE id = ANY(%s) AND direction != %s", [direction, ids, direction]
    )


def refresh_seen(cr, ids, flag):
    """A message is seen when *flag* (\\Seen) is among its flags in any folder; returns their conversations."""
    cr.execute(
        """
        UPDATE imap_message m
           SET is_seen = EXISTS (SELECT 1 FROM imap_message_location l
                                  WHERE l.message_id = m.id AND strpos(coalesce(l.flags, ''), %s) > 0)
         WHERE m.id = ANY(%s)
     RETURNING m.conversation_id
        """,
        [flag, ids],
    )
    return {row[0] for row in cr.fetchall() if row[0]}


def conversations_of(cr, ids):
    """The conversations these messages belong to."""
    cr.execute(
        "SELECT DISTINCT conversation_id FROM imap_message WHERE id = ANY(%s) AND conversation_id IS NOT NULL", [ids]
    )
    return {row[0] for row in cr.fetchall()}


def move_to_conversation(cr, target, others):
    """Every message of the conversations *others* now belongs to *target* (conversations merged)."""
    cr.execute("UPDATE imap_message SET conversation_id = %s WHERE conversation_id = ANY(%s)", [target, others])
