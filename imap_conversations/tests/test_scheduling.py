"""The scheduled runs: fairness between mailboxes, and one mailbox's surprise never stops the others."""

import logging

from odoo.tests import tagged

from ..services.mailbox_run import LOCK_CLASS
from .common import SyncCase, make_email

RUN_LOGGER = "odoo.addons.imap_conversations.services.mailbox_run"


def an_interval_later(env):
    """The clock moves past every mailbox's next turn (their due dates move back by a day instead)."""
    env.flush_all()
    env.cr.execute("UPDATE imap_mailbox SET sync_due_date = sync_due_date - interval '1 day'")
    env["imap.mailbox"].invalidate_model(["sync_due_date"])


class BrokenPlacements:
    """Makes PostgreSQL refuse placements in one folder: an error outside any message's savepoint."""

    def __init__(self, cr, folder):
        self.cr, self.folder = cr, folder

    def __enter__(self):
        self.cr.execute(
            """
            CREATE OR REPLACE FUNCTION imap_test_broken() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'placements refused (test trigger)'; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER imap_test_broken BEFORE INSERT ON imap_message_location FOR EACH ROW
            WHEN (NEW.folder_id = %s) EXECUTE FUNCTION imap_test_broken();
        """,
            [self.folder.id],
        )

    def __exit__(self, *exc):
        self.cr.execute("DROP TRIGGER IF EXISTS imap_test_broken ON imap_message_location")


@tagged("post_install", "-at_install")
class TestScheduling(SyncCase):
    def lock_is_free(self, mailbox):
        self.env.cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, mailbox.id])
        free = self.env.cr.fetchone()[0]
        self.env.cr.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, mailbox.id])
        return free

    def test_an_unexpected_error_in_one_mailbox_is_reported_and_the_next_mailbox_still_syncs(self):
        broken, fine = self.synced_mailbox(), self.synced_mailbox()
        for mailbox in (broken, fine):
            self.rig.append(mailbox.login, "INBOX", [make_email(subject=f"for {mailbox.login}")])
        # assertLogs keeps the expected traceback out of the test log.
        with (
            BrokenPlacements(self.env.cr, self.folder(broken, "INBOX")),
            self.assertLogs(RUN_LOGGER, logging.ERROR) as logs,
        ):
            self.env["imap.mailbox"]._cron_sync_mailboxes()
        self.assertIn("stopped on an unexpected error", logs.output[0])
        self.assertEqual(broken.state, "error")
        self.assertIn("unexpected error", broken.last_error)
        self.assertIn("placements refused", broken.last_error)
        self.assertEqual(broken.log_ids.state, "error", "the run is in the mailbox's log")
        self.assertTrue(self.lock_is_free(broken), "the lock went with the run")
        self.assertEqual(self.messages(fine).mapped("subject"), [f"for {fine.login}"])
        an_interval_later(self.env)
        self.env["imap.mailbox"]._cron_sync_mailboxes()
        self.assertEqual(broken.state, "active", "fixed, the next run takes it")
        self.assertEqual(self.messages(broken).mapped("subject"), [f"for {broken.login}"])

    def test_a_long_import_does_not_starve_the_other_mailboxes(self):
        big, small = self.synced_mailbox(), self.synced_mailbox()
        self.rig.append(big.login, "INBOX", [make_email(subject=f"big {n}") for n in range(3)])
        self.rig.append(big.login, "Sent", [make_email(subject="big sent")])
        self.rig.append(small.login, "INBOX", [make_email(subject="small")])
        self.env["ir.config_parameter"].set_param("imap_conversations.cron_time_budget", "0")
        cron = self.env.ref("imap_conversations.ir_cron_sync_mailboxes")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        self.env["imap.mailbox"]._cron_sync_mailboxes()
        self.assertEqual(len(self.messages(big)), 3, "each pass makes progress: the first folder")
        self.assertFalse(self.messages(small))
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            triggers,
            "what is left is continued soon, by a new run",
        )
        self.env["imap.mailbox"]._cron_sync_mailboxes()
        self.assertEqual(self.messages(small).mapped("subject"), ["small"], "the mailbox that waited goes first")
        for _pass in range(4):
            self.env["imap.mailbox"]._cron_sync_mailboxes()
        self.assertEqual(len(self.messages(big)), 4, "and the big one goes on where it stopped")
        self.assertEqual(len(self.messages(small)), 1)
