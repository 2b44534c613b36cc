from datetime import UTC, datetime, timedelta

from odoo.tests import Form, tagged

from .common import PoisonedStorage, SyncCase, make_email


@tagged("post_install", "-at_install")
class TestRecovery(SyncCase):
    def test_recovery_imports_mail_missing_in_odoo_but_leaves_mail_younger_than_the_grace_period(self):
        mailbox = self.synced_mailbox()
        an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
        with self.rig.client(mailbox.login) as client:
            for n in range(3):
                client.append("INBOX", make_email(subject=f"old {n}"), msg_time=an_hour_ago)
        self.sync(mailbox)
        lost = self.messages(mailbox).filtered(lambda m: m.subject == "old 1")
        lost.unlink()  # whatever the cause, Odoo no longer holds it
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="just arrived")])
        self.env["imap.mailbox"]._cron_recover_mailboxes()
        self.assertEqual(
            sorted(self.messages(mailbox).mapped("subject")),
            ["old 0", "old 1", "old 2"],
            "the lost one is back; the new one is left to the sync",
        )
        self.assertEqual(self.sync(mailbox).counts.new, 1)
        self.assertEqual(len(self.messages(mailbox)), 4)

    def test_recovery_retries_failures_younger_than_the_maximum_age_only(self):
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="poison", message_id="<recent@x>")])
        with PoisonedStorage(self.env.cr) as poisoned:
            self.sync(mailbox)
            self.rig.append(mailbox.login, "INBOX", [make_email(subject="poison", message_id="<old@x>")])
            self.sync(mailbox)
            poisoned.lift()
        failed = self.messages(mailbox, state="failed")
        old = failed.filtered(lambda m: m.message_id == "<old@x>")
        self.env.cr.execute("UPDATE imap_message SET create_date = now() - interval '3 days' WHERE id = %s", [old.id])
        self.env["imap.mailbox"]._cron_recover_mailboxes()
        self.assertEqual(self.messages(mailbox, state="failed"), old, "too old to retry automatically")
        self.assertEqual(self.messages(mailbox, state="imported").message_id, "<recent@x>")
        old.action_retry()
        self.assertFalse(self.messages(mailbox, state="failed"), "a person can still retry it")

    def test_recovery_settings_switch_the_cron_and_set_age_and_grace(self):
        cron = self.env.ref("imap_conversations.ir_cron_recover_mailboxes")
        self.assertEqual(
            (cron.interval_number, cron.interval_type, cron.code), (20, "minutes", "model._cron_recover_mailboxes()")
        )
        self.assertTrue(cron.active)
        with Form(self.env["res.config.settings"]) as settings:
            self.assertTrue(settings.imap_recovery_enabled)
            self.assertEqual((settings.imap_recovery_max_age_days, settings.imap_recovery_grace_minutes), (1, 2))
            settings.imap_recovery_max_age_days = 3
            settings.imap_recovery_enabled = False
        settings.record.execute()
        self.assertFalse(cron.active)
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(params.get_param("imap_conversations.recovery_max_age_days"), "3")
        with Form(self.env["res.config.settings"]) as settings:
            self.assertFalse(settings.imap_recovery_enabled)
            settings.imap_recovery_enabled = True
        settings.record.execute()
        self.assertTrue(cron.active)

    def test_administrators_start_recovery_for_selected_mailboxes(self):
        first, second = self.synced_mailbox(), self.synced_mailbox()
        for mailbox in (first, second):
            self.rig.append(mailbox.login, "INBOX", [make_email(subject="poison")])
        with PoisonedStorage(self.env.cr):
            self.sync(first)
            self.sync(second)
        action = self.env.ref("imap_conversations.imap_mailbox_action_recover")
        self.assertIn(self.env.ref("imap_conversations.group_manager"), action.groups_id)
        result = action.with_context(active_model="imap.mailbox", active_ids=(first | second).ids).run()
        self.assertIn("2 messages recovered", result["params"]["message"])
        self.assertFalse(self.messages(first, state="failed") | self.messages(second, state="failed"))

    def test_the_credential_notification_recipients_are_set_in_the_settings(self):
        with Form(self.env["res.config.settings"]) as settings:
            settings.imap_credential_user_ids.add(self.other_user)
        settings.record.execute()
        group = self.env.ref("imap_conversations.group_credential_notifications")
        self.assertIn(self.other_user, group.users)

    def test_a_folder_deleted_since_the_last_sync_does_not_fail_the_recovery(self):
        mailbox = self.synced_mailbox()
        self.synced_folder(mailbox, "Projects")
        self.rig.append(mailbox.login, "Projects", [make_email(subject="p")])
        self.sync(mailbox)
        self.rig.delete_folder(mailbox.login, "Projects")
        from ..services.recovery import MailboxRecovery

        report = MailboxRecovery(mailbox).run()
        self.assertFalse(report.error)
        self.assertEqual(mailbox.state, "active")
        self.assertIn("Projects", [f.name for f in report.folders if f.error])
