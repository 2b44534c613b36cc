"""One mailbox whose server hangs must not stall the scheduled sync of the others.

Every network wait is bounded (the timeout has a maximum; the run's deadline cuts
it), and the attempt is recorded when a run starts, so a mailbox whose run hangs
or is killed goes to the back of the queue.
"""

import socket

from psycopg2 import IntegrityError

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..engine.network import MAX_TIMEOUT
from .common import SyncCase, make_email


@tagged("post_install", "-at_install")
class TestStalls(SyncCase):
    def silent_port(self):
        """A server that accepts connections and never says a word."""
        sock = socket.socket()
        sock.bind((self.rig.host, 0))
        sock.listen(8)
        self.addCleanup(sock.close)
        return sock.getsockname()[1]

    def stalling_mailbox(self):
        return self.make_mailbox(name="Stalls", port=self.silent_port(), timeout=1)

    def test_the_timeout_has_an_upper_bound(self):
        mailbox = self.make_mailbox(timeout=MAX_TIMEOUT)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            mailbox.timeout = 2_000_000_000
            mailbox.flush_recordset()

    def test_the_attempt_is_committed_before_the_server_is_contacted(self):
        from ..services.mailbox_sync import MailboxSync

        mailbox = self.stalling_mailbox()
        commits = self.cron_commits()
        seen_at_commit = []

        def commit():
            seen_at_commit.append((mailbox.last_run_date, mailbox.last_error_kind))
            commits()

        MailboxSync(mailbox, commit=commit).run()
        last_run_date, error_kind = seen_at_commit[0]
        self.assertTrue(last_run_date, "the first commit of the run carries the attempt")
        self.assertFalse(error_kind, "...before the server was even contacted: a hung or killed run keeps it")
        self.assertEqual(mailbox.last_error_kind, "timeout")

    def test_a_stalling_mailbox_does_not_hold_the_others_in_the_same_pass(self):
        stalling, fine = self.stalling_mailbox(), self.synced_mailbox()
        self.rig.append(fine.login, "INBOX", [make_email(subject="got through")])
        self.env["imap.mailbox"]._cron_sync_mailboxes()
        self.assertEqual(stalling.state, "error")
        self.assertEqual(stalling.last_error_kind, "timeout")
        self.assertEqual(self.messages(fine).mapped("subject"), ["got through"])

    def test_the_next_pass_starts_with_the_mailbox_that_waited(self):
        stalling, fine = self.stalling_mailbox(), self.synced_mailbox()
        self.rig.append(fine.login, "INBOX", [make_email(subject="next pass")])
        # No time for more than one mailbox per pass: the stalling one (never run, lowest id) goes first.
        self.env["ir.config_parameter"].set_param("imap_conversations.cron_time_budget", "0")
        self.env["imap.mailbox"]._cron_sync_mailboxes()
        self.assertTrue(stalling.last_run_date)
        self.assertFalse(self.messages(fine), "the pass ended with the stalling mailbox")
        self.env["imap.mailbox"]._cron_sync_mailboxes()
        self.assertEqual(self.messages(fine).mapped("subject"), ["next pass"], "its attempt sent it to the back")
