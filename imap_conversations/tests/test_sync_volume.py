import logging
import time
from pathlib import Path

from odoo.tests import tagged

from ..engine.folder_sync import BatchLimits
from ..services.table_statistics import analyze_import_tables
from .common import SyncCase

_logger = logging.getLogger(__name__)
FOLDERS = {"INBOX": (6000, 11), "Sent": (2000, 12), "Archive": (2000, 13)}


def status_mb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


class RolledBack(Exception):
    pass


@tagged("post_install", "-at_install")
class TestSyncVolume(SyncCase):
    def statistics(self, table):
        self.env.cr.execute("SELECT reltuples, relpages FROM pg_class WHERE relname = %s", [table])
        return self.env.cr.fetchone()

    def count_the_tables_empty(self):
        """The tables as autovacuum leaves them after earlier work was rolled back: pages on
        disk, statistics counting no rows. Plans made from such statistics once had this
        import run for an hour (see services/table_statistics.py)."""
        try:
            with self.env.cr.savepoint():
                earlier = self.synced_mailbox()
                self.rig.append_generated(earlier.login, "INBOX", 300, 14)
                self.sync(earlier)
                raise RolledBack
        except RolledBack:
            self.env.invalidate_all()
        analyze_import_tables(self.env.cr)
        for table in ("imap_message", "imap_conversation", "imap_conversation_key", "imap_message_location"):
            tuples, pages = self.statistics(table)
            self.assertEqual(tuples, 0, f"{table} counted empty")
            self.assertGreater(pages, 0, f"{table} has pages")

    def test_ten_thousand_messages_import_completely_with_bounded_memory(self):
        self.count_the_tables_empty()
        mailbox = self.synced_mailbox()
        self.folder(mailbox, "Archive").sync_enabled = True
        for folder, (count, seed) in FOLDERS.items():
            self.rig.append_generated(mailbox.login, folder, count, seed)
        Path("/proc/self/clear_refs").write_text("5")  # the peak from here on
        start = status_mb("VmRSS")
        peaks = []
        started = time.monotonic()
        report = self.sync(
            mailbox,
            limits=BatchLimits(max_messages=200),
            after_batch=lambda folder_report: peaks.append(status_mb("VmHWM")),
        )
        elapsed = time.monotonic() - started
        self.assertEqual((report.counts.new, report.counts.failed), (10000, 0))
        messages = self.env["imap.message"].search_count([("mailbox_id", "=", mailbox.id)])
        self.assertEqual(messages, 10000)
        self.assertEqual(
            self.env["imap.message"].search_count([("mailbox_id", "=", mailbox.id), ("conversation_id", "=", False)]), 0
        )
        self.assertEqual(len(mailbox.folder_ids.location_ids), 10000)
        # Peak memory is reached early and then stays put: it does not grow with the mailbox.
        early, final = peaks[len(peaks) // 10], peaks[-1]
        self.assertLess(final - early, 60, f"peak RSS grew from {early:.0f} MB to {final:.0f} MB")
        self.assertLess(final - start, 250, f"the import took {final - start:.0f} MB above the {start:.0f} MB before")
        self.env.cr.execute(
            "SELECT count(*) FROM (SELECT dedupe_key FROM imap_message WHERE mailbox_id = %s "
            "GROUP BY dedupe_key HAVING count(*) > 1) d",
            [mailbox.id],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.assertGreaterEqual(self.statistics("imap_message")[0], 8000, "the statistics followed the import")
        _logger.info(
            "10,000 messages imported in %.1fs (%.0f/s); RSS %.0f MB before, peak %.0f MB after 10%%, "
            "%.0f MB at the end",
            elapsed,
            10000 / elapsed,
            start,
            early,
            final,
        )
