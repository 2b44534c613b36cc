"""Which IDLE worker watches which mailbox: a PostgreSQL advisory lock per mailbox, held by the worker.

Session-level, on a connection the worker keeps for its whole life: it survives the
worker's commits, and PostgreSQL releases it when the worker exits or dies (its
connection closes), so another worker takes the mailbox at its next scan. Its class
differs from the run lock's (services/mailbox_run.py): watching a mailbox is not running
it, and the syncs a watch starts still take the run lock like the cron's.
"""

#: The lock's first key: "IDLE" as a 32-bit integer (the run lock's is "IMAP").
WATCH_LOCK_CLASS = 0x49444C45


def try_lease(cr, mailbox_id):
    cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [WATCH_LOCK_CLASS, mailbox_id])
    return cr.fetchone()[0]


def release(cr, mailbox_id):
    cr.execute("SELECT pg_advisory_unlock(%s, %s)", [WATCH_LOCK_CLASS, mailbox_id])


def watched_ids(cr, mailbox_ids):
    """Those of *mailbox_ids* some worker (any connection to this database) watches now."""
    if not mailbox_ids:
        return set()
    # Two int4 keys: the first is in classid, the second in objid, and objsubid is 2.
    cr.execute(
        """
        SELECT objid::bigint FROM pg_locks
         WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = %s
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND objid::bigint = ANY(%s)
    """,
        [WATCH_LOCK_CLASS, list(mailbox_ids)],
    )
    return {row[0] for row in cr.fetchall()}
