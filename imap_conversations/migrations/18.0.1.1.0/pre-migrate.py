"""From 18.0.1.0.0: the access rules and the timeout bound of the hardening release.

The record rules live in a ``noupdate`` block, and Odoo never rewrites an existing record of
such a block (whatever its ``noupdate`` flag says): an upgrade would keep the old, leakier
domains (no company rule on passwords and logs, shared mailboxes usable by anyone who can
read them). So the module's rules are dropped here, and loading its security file creates
them again as they are now, in the same transaction.

A timeout above the new bound would make PostgreSQL refuse the new CHECK constraint (Odoo
then only logs a warning and runs without it), so such timeouts are brought down first.
"""

MAX_TIMEOUT = 120  # engine/network.py MAX_TIMEOUT; the engine is not imported from a migration


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        WITH dropped AS (
            DELETE FROM ir_model_data WHERE module = 'imap_conversations' AND model = 'ir.rule' RETURNING res_id
        )
        DELETE FROM ir_rule WHERE id IN (SELECT res_id FROM dropped)
    """)
    cr.execute("UPDATE imap_mailbox SET timeout = %s WHERE timeout > %s", (MAX_TIMEOUT, MAX_TIMEOUT))
