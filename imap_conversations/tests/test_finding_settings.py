"""Settings: how often new mailboxes sync is set where administrators look for it; each mailbox keeps its own."""

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestFindingSettings(TransactionCase):
    def _mailbox(self, name):
        return self.env["imap.mailbox"].create({"name": name, "host": "imap.example.com", "login": name})

    def test_new_mailboxes_take_the_sync_interval_of_the_settings(self):
        existing = self._mailbox("before")
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.imap_sync_interval_minutes, 30, "the default schedule")
        settings.imap_sync_interval_minutes = 10
        settings.execute()
        self.assertEqual(self.env["res.config.settings"].create({}).imap_sync_interval_minutes, 10)
        self.assertEqual(self._mailbox("after").sync_interval_minutes, 10)
        self.assertEqual(existing.sync_interval_minutes, 30, "a mailbox keeps the schedule it has")

    def test_the_settings_link_to_mailboxes_and_templates(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.action_imap_open_mailboxes()["res_model"], "imap.mailbox")
        self.assertEqual(settings.action_imap_open_templates()["res_model"], "imap.template")
