"""Who a conversation is with and a line of its last message, refreshed with its other summary columns.

Part of imap.conversation._refresh_summary, the one place that writes the
conversation summary in bulk: one query reads the last message of every
conversation of the batch, the engine decides the correspondent and the
preview (engine/summary.py), and one statement writes them all.
"""

from ..engine.summary import PREVIEW_LENGTH, correspondent, preview

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
