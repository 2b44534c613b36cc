"""Routing rules get a draft state (a new rule is tested on recent mail before it goes live).

The rules that exist already keep running: their column is created here as "live", before the
ORM would fill it with the default, "draft".
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'imap_routing_rule'")
    if not cr.fetchone():
        return
    cr.execute("ALTER TABLE imap_routing_rule ADD COLUMN IF NOT EXISTS state varchar")
    cr.execute("UPDATE imap_routing_rule SET state = 'live' WHERE state IS NULL")
