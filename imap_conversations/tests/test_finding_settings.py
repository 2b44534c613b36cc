"""Settings: the sync interval is set where administrators look for it, and changes the schedule."""

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestFindingSettings(TransactionCase):
    def test_the_sync_interval_is_the_schedule_of_the_sync(self):
        cron = self.env.ref("imap_conversations.ir_cron_sync_mailboxes")
        cron.write({"interval_number": 2, "interval_type": "hours"})
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.imap_sync_interval_minutes, 120)
        settings.imap_sync_interval_minutes = 10
        settings.execute()
        self.assertEqual((cron.interval_number, cron.interval_type), (10, "minutes"))
