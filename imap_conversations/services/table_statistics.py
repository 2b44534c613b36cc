"""Keeping PostgreSQL's statistics in step with a large import.

The planner chooses its joins from the row counts in ``pg_class``, which
autovacuum keeps up to date from committed rows only. While one transaction
stores thousands of messages (Sync now on a new mailbox, a recovery), and worse
after autovacuum has counted these tables empty (rows of rolled-back work), the
planner believes the tables hold nothing and picks plans that rescan a whole
table for every row: 10,000 messages then take an hour instead of seconds.
PostgreSQL's advice for bulk loads is to ANALYZE once data is loaded, and an
ANALYZE inside the loading transaction counts that transaction's own rows.
"""

from odoo.tools import SQL

#: What an import writes to and later reads back in joins.
IMPORT_TABLES = (
    "imap_message",
    "imap_message_location",
    "imap_message_res_partner_rel",
    "imap_conversation",
    "imap_conversation_key",
    "imap_conversation_partner_rel",
)


class ImportStatistics:
    """Refreshes the import tables' statistics each time the messages stored in a run double."""

    #: Below this, even plans from empty statistics stay cheap.
    first_refresh = 1000

    def __init__(self, cr):
        self.cr = cr
        self.stored = 0
        self.next_refresh = self.first_refresh

    def stored_messages(self, count):
        self.stored += count
        if self.stored < self.next_refresh:
            return
        self.next_refresh = self.stored * 2
        analyze_import_tables(self.cr)


def analyze_import_tables(cr):
    # SKIP_LOCKED: a run in another worker analysing the same tables has it covered, and
    # waiting for it would hold this run until that worker commits.
    cr.execute(SQL("ANALYZE (SKIP_LOCKED) %s", SQL(", ").join(SQL.identifier(table) for table in IMPORT_TABLES)))
