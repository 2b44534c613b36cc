"""Finding conversations by what their mail says: subject, body text and addresses.

Substring matching (ILIKE), so "disc" finds "discount" and an address finds
its mail, as users expect from a search box. It is fast through a trigram GIN
index over the searched text, created when PostgreSQL has pg_trgm (Odoo
creates that extension with each new database); without it the same search
is still right, only slower. bench/search_benchmark.py measures both.
"""

from odoo.modules.db import has_trigram
from odoo.tools import SQL

#: What a message is searched by; the index is built on this exact expression, so the query uses it.
SEARCHED_TEXT = SQL(
    "(coalesce(subject, '') || ' ' || coalesce(email_from, '') || ' ' || coalesce(email_to, '') || ' ' "
    "|| coalesce(email_cc, '') || ' ' || coalesce(body_text, ''))"
)
INDEX_NAME = "imap_message_search_text_trgm"


def create_search_index(cr):
    """Create the trigram index when pg_trgm is there; return whether the index exists."""
    if not has_trigram(cr):
        return False
    cr.execute(
        SQL(
            "CREATE INDEX IF NOT EXISTS %s ON imap_message USING gin (%s gin_trgm_ops)",
            SQL.identifier(INDEX_NAME),
            SEARCHED_TEXT,
        )
    )
    return True


def _like_pattern(word):
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_text_domain(value, states):
    """A domain on imap.conversation: conversations with a message (in *states*) holding every word of *value*."""
    conditions = [SQL("%s ILIKE %s", SEARCHED_TEXT, _like_pattern(word)) for word in value.split()]
    return [
        (
            "id",
            "in",
            SQL(
                "(SELECT conversation_id FROM imap_message"
                " WHERE conversation_id IS NOT NULL AND state = ANY(%s) AND %s)",
                list(states),
                SQL(" AND ").join(conditions),
            ),
        )
    ]
