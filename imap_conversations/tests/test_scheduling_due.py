"""The per-mailbox schedule: the scheduled sync takes only the mailboxes that are due."""

from datetime import timedelta

from odoo import fields
from odoo.tests import Form, tagged

from ..services import scheduler
from .common import SyncCase, make_email
from .test_scheduling import an_interval_later


@tagged("post_install", "-at_install")
class TestSchedule(SyncCase):
    def cron(self):
        self.env["imap.mailbox"]._cron_sync_mailboxes()

    def test_a_new_mailbox_is_due_at_once_and_then_every_interval(self):
        mailbox = self.synced_mailbox(sync_interval_minutes=15)
        self.assertLessEqual(mailbox.sync_due_date, fields.Datetime.now(), "due as soon as it is created")
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="first")])
        self.cron()
        self.assertEqual(self.messages(mailbox).mapped("subject"), ["first"])
        expected = fields.Datetime.now() + timedelta(minutes=15)
        self.assertAlmostEqual(mailbox.sync_due_date, expected, delta=timedelta(seconds=30))
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="second")])
        self.cron()
        self.assertEqual(len(self.messages(mailbox)), 1, "not due yet: the pass leaves it alone")
        an_interval_later(self.env)
        self.cron()
        self.assertEqual(len(self.messages(mailbox)), 2, "its turn came")

    def test_zero_means_only_by_hand(self):
        mailbox = self.synced_mailbox(sync_interval_minutes=0)
        self.assertFalse(mailbox.sync_due_date)
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="by hand")])
        self.cron()
        self.env["imap.mailbox"]._cron_recover_mailboxes()
        self.assertFalse(mailbox.last_run_date, "no scheduled job contacts it, recovery neither")
        self.assertEqual(mailbox.action_sync_now()["params"]["type"], "success")
        self.assertEqual(self.messages(mailbox).mapped("subject"), ["by hand"])
        self.assertFalse(mailbox.sync_due_date, "Sync now does not put it on a schedule")

    def test_the_mailboxes_that_waited_longest_go_first(self):
        first, second, third = (self.synced_mailbox() for _n in range(3))
        now = fields.Datetime.now()
        for mailbox, minutes_ago in ((first, 5), (second, 50), (third, 20)):
            mailbox.sync_due_date = now - timedelta(minutes=minutes_ago)
        self.env["ir.config_parameter"].set_param(scheduler.BUDGET_PARAM, "0")
        order = []
        for _pass in range(3):
            self.cron()
            order += [m for m in (first, second, third) if m.last_run_date and m not in order]
        self.assertEqual(order, [second, third, first])

    def test_changing_the_interval_moves_the_next_sync_from_the_last_one(self):
        mailbox = self.synced_mailbox(sync_interval_minutes=60)
        self.cron()
        last = mailbox.last_sync_date
        mailbox.sync_interval_minutes = 5
        self.assertEqual(mailbox.sync_due_date, last + timedelta(minutes=5))
        with Form(mailbox) as form:
            form.sync_interval_minutes = 30
        self.assertEqual(mailbox.sync_due_date, last + timedelta(minutes=30))

    def test_a_failing_mailbox_is_retried_at_its_next_turn_and_at_once_when_its_settings_change(self):
        mailbox = self.synced_mailbox(sync_interval_minutes=5)
        mailbox.security = "ssl"  # TLS spoken to a plain listener: an error, not a refused login
        self.cron()
        self.assertEqual(mailbox.state, "error")
        self.assertGreater(mailbox.sync_due_date, fields.Datetime.now(), "not hammered every minute")
        mailbox.write({"security": "none", "port": self.rig.port})
        self.assertLessEqual(mailbox.sync_due_date, fields.Datetime.now(), "new settings, a new chance at once")
        self.cron()
        self.assertEqual(mailbox.state, "active")

    def test_an_unfinished_sync_now_is_continued_by_the_cron(self):
        mailbox = self.synced_mailbox()
        self.cron()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject=f"m{n}") for n in range(3)])
        self.rig.append(mailbox.login, "Sent", [make_email(subject="sent")])
        self.env["ir.config_parameter"].set_param(scheduler.BUDGET_PARAM, "0")
        self.patch(scheduler, "SYNC_NOW_BUDGET", 0)
        self.assertIn("continues in the background", mailbox.action_sync_now()["params"]["message"])
        self.assertLessEqual(mailbox.sync_due_date, fields.Datetime.now(), "its rest is due now")
        # Sync now imported the INBOX (its one batch) and ran out of time: the INBOX is done, so the one
        # pass left is the Sent folder's, not the INBOX's once more.
        self.cron()
        self.assertEqual(len(self.messages(mailbox)), 4)

    def test_nothing_due_costs_the_pass_one_query(self):
        self.synced_mailbox(sync_interval_minutes=0)
        self.env["imap.mailbox"].search([]).write({"sync_due_date": False})
        self.cron()  # the system parameters are read once, then cached
        self.env.flush_all()
        with self.assertQueryCount(1):
            self.cron()


@tagged("post_install", "-at_install")
class TestParallelSyncsSetting(SyncCase):
    def lanes(self):
        return scheduler.lane_crons(self.env).filtered("active")

    def set_parallel_syncs(self, count):
        with Form(self.env["res.config.settings"]) as settings:
            settings.imap_parallel_syncs = count
        settings.record.execute()

    def test_the_setting_keeps_one_active_cron_lane_per_parallel_sync(self):
        self.assertEqual(len(self.lanes()), 1, "one at a time by default")
        with Form(self.env["res.config.settings"]) as settings:
            self.assertEqual(settings.imap_parallel_syncs, 1)
        self.set_parallel_syncs(3)
        lanes = self.lanes()
        self.assertEqual(len(lanes), 3)
        self.assertEqual(set(lanes.mapped("code")), {"model._cron_sync_mailboxes()"})
        self.assertEqual(set(lanes.mapped("interval_number")), {1})
        self.set_parallel_syncs(2)
        self.assertEqual(self.lanes(), lanes[:2], "the extra lane is archived, the others kept")
        self.assertEqual(len(scheduler.lane_crons(self.env)), 3)
        self.set_parallel_syncs(3)
        self.assertEqual(self.lanes(), lanes, "and brought back rather than copied again")
