"""``odoo-bin imap-idle -c odoo.conf -d DB``: watch the mailboxes with IMAP IDLE (services/idle_worker.py).

Runs until SIGTERM or Ctrl-C; start several (on one machine or many) to share the mailboxes.
Options of its own come first, Odoo's usual ones (-c, -d, --db_host, --log-level...) after.
"""

import argparse
import signal
import sys
import threading
from pathlib import Path

from odoo.cli import Command
from odoo.modules.registry import Registry
from odoo.tools import config

from ..engine.idle import IdleTiming
from ..services.idle_worker import IdleWorker, WorkerOptions


def _parser():
    defaults, timing = WorkerOptions(), IdleTiming()
    parser = argparse.ArgumentParser(
        prog=f"{Path(sys.argv[0]).name} imap-idle",
        add_help=False,
        description="Watch every active IMAP mailbox with IDLE and sync it as soon as its server announces a change.",
    )
    parser.add_argument(
        "--scan-interval",
        type=float,
        default=defaults.scan_interval,
        help="seconds between looks at the mailbox table (added, changed, archived mailboxes)",
    )
    parser.add_argument(
        "--folders-per-mailbox",
        type=int,
        default=defaults.folders_per_mailbox,
        help="folders watched per mailbox, INBOX first (one connection each)",
    )
    parser.add_argument(
        "--sync-threads", type=int, default=defaults.sync_threads, help="mailboxes this worker syncs at once"
    )
    parser.add_argument(
        "--idle-renew",
        type=float,
        default=timing.renew,
        help="seconds before IDLE is re-issued (RFC 2177: under 29 minutes)",
    )
    parser.add_argument(
        "--backoff-max",
        type=float,
        default=timing.backoff_max,
        help="longest wait, in seconds, between reconnection attempts",
    )
    return parser


class ImapIdle(Command):
    """Watch IMAP mailboxes with IDLE and sync them as soon as mail arrives"""

    name = "imap-idle"

    def run(self, args):
        parser = _parser()
        if "-h" in args or "--help" in args:
            parser.print_help()
            sys.stdout.write("\nOdoo's options (-c, -d, ...) follow; see odoo-bin --help.\n")
            return
        options, rest = parser.parse_known_args(args)
        config.parser.prog = parser.prog
        config.parse_config(rest, setup_logging=True)
        database = config["db_name"]
        if not database or "," in database:
            sys.exit("imap-idle needs one database: -d DB (or db_name in the configuration file)")
        threading.current_thread().dbname = database
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_args: stop.set())
        worker = IdleWorker(
            Registry(database),
            WorkerOptions(
                scan_interval=options.scan_interval,
                folders_per_mailbox=options.folders_per_mailbox,
                sync_threads=options.sync_threads,
                timing=IdleTiming(renew=options.idle_renew, backoff_max=options.backoff_max),
            ),
        )
        worker.run(stop)
