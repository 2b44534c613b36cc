"""Who a conversation is with and a line of its last message, refreshed with its other summary columns.

Part of imap.conversation._refresh_summary, the one place that writes the
conversation summary in bulk: one query reads the last message of every
conversation of the batch, the engine decides the correspondent and the
preview (engine/summary.py), and one statement writes them all.
"""

from ..engine.summary import PREVIEW_LENGTH, correspondent, preview
from .bulk_sql import execute_values

#: Characters of a body read for its preview: enough for quoted text and blank lines above the
#: start, without reading megabytes of a long mail.
PREVIEW_SOURCE_LENGTH = 20 * PREVIEW_LENGTH


def refresh_correspondents(cr, conversation_ids, shown_states):
    """Set correspondent_name, correspondent_email and preview of *conversation_ids* from their last message."""
    cr.execute(
        """
        SELECT DISTINCT ON (m.conversation_id)
               m.conversation_id, m.direction, m.email_from, m.email_to, left(m.body_text, %(length)s)
          FROM imap_message m
         WHERE m.conversation_id = ANY(%(ids)s) AND m.state = ANY(%(states)s)
      ORDER BY m.conversation_id, m.date DESC NULLS LAST, m.id DESC
        """,
        {"ids": list(conversation_ids), "length": PREVIEW_SOURCE_LENGTH, "states": list(shown_states)},
    )
    rows = {cid: (direction, sender, recipients, text) for cid, direction, sender, recipients, text in cr.fetchall()}
    ids, names, emails, previews = [], [], [], []
    for cid in conversation_ids:
        direction, sender, recipients, text = rows.get(cid, ("", "", "", ""))
        name, email = correspondent(direction, sender, recipients)
        ids.append(cid)
        names.append(name or None)
        emails.append(email or None)
        previews.append(preview(text) or None)
    cr.execute(
        """
        UPDATE imap_conversation c
           SET correspondent_name = t.name, correspondent_email = t.email, preview = t.preview
          FROM unnest(%s::int[], %s::varchar[], %s::varchar[], %s::varchar[]) AS t(id, name, email, preview)
         WHERE c.id = t.id
        """,
        [ids, names, emails, previews],
    )


def add_participants(env, addresses):
    """Add addresses to conversations' participants: ``{conversation id: {address, ...}}``.

    A union in SQL, not a read and a write through the ORM, so that addresses another
    transaction added meanwhile (a reply sent from Odoo during a sync) stay.
    """
    addresses = {cid: emails for cid, emails in addresses.items() if cid and emails}
    if not addresses:
        return
    env["imap.conversation"].flush_model(["participant_emails"])
    execute_values(
        env.cr,
        """
            UPDATE imap_conversation c SET participant_emails = (
                   SELECT string_agg(DISTINCT address, ' ' ORDER BY address)
                     FROM unnest(string_to_array(c.participant_emails, ' ') || string_to_array(v.emails, ' '))
                          AS address
                    WHERE address != '')
              FROM (VALUES %s) AS v(id, emails)
             WHERE c.id = v.id
            """,
        [(cid, " ".join(sorted(emails))) for cid, emails in addresses.items()],
    )
    env["imap.conversation"].browse(list(addresses)).invalidate_recordset(["participant_emails"])
