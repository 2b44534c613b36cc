"""From 18.0.1.1.0: the record rules of this release (the composer without a mailbox, routing rules).

As in 18.0.1.1.0: the rules live in a ``noupdate`` block, which an upgrade never rewrites, so the
module's rules are dropped here and loading its security files creates them as they are now.
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        WITH dropped AS (
            DELETE FROM ir_model_data WHERE module = 'imap_conversations' AND model = 'ir.rule' RETURNING res_id
        )
        DELETE FROM ir_rule WHERE id IN (SELECT res_id FROM dropped)
    """)
