"""From 18.0.1.1.0: per-mailbox schedules, conversations as work.

* The sync cron now runs every minute and takes only the mailboxes that are due; its record is
  in a ``noupdate`` block, so an upgrade would keep its old 30-minute interval. Existing
  mailboxes are due at once (a NULL due date means "never").
* Existing conversations get what the sync now maintains for new ones: the owner of a personal
  mailbox as assignee, "needs reply" when their last message came in, the correspondent and the
  preview.
"""

from odoo import SUPERUSER_ID, api

#: Conversations summed up per statement.
BATCH = 1000


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        UPDATE ir_cron SET interval_number = 1, interval_type = 'minutes'
         WHERE id = (SELECT res_id FROM ir_model_data
                      WHERE module = 'imap_conversations' AND name = 'ir_cron_sync_mailboxes')
    """)
    cr.execute("""
        UPDATE imap_mailbox SET sync_due_date = now() AT TIME ZONE 'UTC'
         WHERE sync_due_date IS NULL AND sync_interval_minutes > 0
    """)
    cr.execute("""
        UPDATE imap_conversation c SET assignee_id = m.user_id
          FROM imap_mailbox m WHERE m.id = c.mailbox_id AND c.assignee_id IS NULL AND m.user_id IS NOT NULL
    """)
    env = api.Environment(cr, SUPERUSER_ID, {})
    # The sync's own summary statement: needs reply, correspondent and preview, as for new mail.
    ids = env["imap.conversation"].with_context(active_test=False).search([]).ids
    for start in range(0, len(ids), BATCH):
        env["imap.conversation"].browse(ids[start : start + BATCH])._refresh_summary()
