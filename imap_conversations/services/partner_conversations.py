"""A contact created, or given an address, after its mail was imported takes part in those conversations.

The import links the contacts it knows (imap.message.partner_ids, then the
conversation's). A contact that appears later is linked here, in one statement
for all the contacts of a create or write: its address is looked up among the
conversations' participant addresses through their GIN index
(imap.conversation.init), in the contact's company only, or everywhere for a
contact without a company.
"""

from ..engine.mime.addresses import parse_address_list
from .conversation_summary import add_participants


def link_partner_conversations(partners):
    """Link *partners* (res.partner) to the conversations in which their address takes part."""
    rows = [(p.id, p.email_normalized, p.company_id.id or None) for p in partners if p.email_normalized]
    if not rows:
        return
    env = partners.env
    env["imap.conversation"].flush_model(["participant_emails", "company_id"])
    ids, emails, companies = (list(column) for column in zip(*rows, strict=True))
    env.cr.execute(
        """
        INSERT INTO imap_conversation_partner_rel (conversation_id, partner_id)
        SELECT c.id, p.id
          FROM unnest(%s::int[], %s::text[], %s::int[]) AS p(id, email, company_id)
          JOIN imap_conversation c ON string_to_array(c.participant_emails, ' ') && ARRAY[p.email]
         WHERE p.company_id IS NULL OR c.company_id = p.company_id
        ON CONFLICT DO NOTHING
        """,
        [ids, emails, companies],
    )
    if env.cr.rowcount:
        env["imap.conversation"].invalidate_model(["partner_ids"])
        # Computed while creating, before these links existed.
        partners.invalidate_recordset(
            ["imap_conversation_ids", "imap_conversation_count", "imap_conversation_unread_count"]
        )


def restore_participant_emails(env, batch=2000):
    """Add to each conversation the addresses of all its messages, as stored in their headers.

    For databases synced before merged conversations kept the addresses of the branches they
    absorbed (see ConversationResolver._absorb): run once on upgrade, then every contact with
    one of these addresses is linked.
    """
    env["imap.message"].flush_model()
    env["imap.conversation"].flush_model()
    cr = env.cr
    cr.execute("SELECT id FROM imap_conversation ORDER BY id")
    ids = [row[0] for row in cr.fetchall()]
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        cr.execute(
            "SELECT conversation_id, email_from, email_to, email_cc, email_bcc FROM imap_message "
            "WHERE conversation_id = ANY(%s)",
            [chunk],
        )
        addresses = {}
        for conversation, *headers in cr.fetchall():
            found = parse_address_list([h for h in headers if h], [], "stored")
            addresses.setdefault(conversation, set()).update(a.normalized for a in found if a.email)
        add_participants(env, addresses)
    env["imap.conversation"].invalidate_model(["participant_emails"])
    link_partner_conversations(
        env["res.partner"].with_context(active_test=False).search([("email_normalized", "!=", False)])
    )
