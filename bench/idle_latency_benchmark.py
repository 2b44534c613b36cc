"""Latency benchmark: from APPEND on the server to the message committed in Odoo, IDLE worker vs cron.

    .venv/bin/python bench/idle_latency_benchmark.py [--mailboxes 200] [--samples 200] [--rate 4]
                                                     [--cron-samples 20]

On a throw-away Dovecot and a fresh Odoo database: N mailboxes (one Dovecot user each) watched by
one ``odoo-bin imap-idle`` worker; mail is APPENDed to random mailboxes at a steady rate and each
message is timed until another connection sees it in imap_message (polled every 50 ms, so that a
message counts only once committed). Then the worker stops and the same is measured with the
scheduled sync alone, its cron at a 1-minute interval in an Odoo server with one cron thread
(fewer samples: each takes up to a minute). Prints p50, p95 and max seconds for both, the worker's
peak RSS, and its RSS growth per watched mailbox (from its RSS before any mailbox existed).
Past ``fs.inotify.max_user_instances`` (128 by default) IDLE sessions on the machine, Dovecot watches
the others by looking every 30 s: the script then also prints the figures for the mail to the
mailboxes whose session kept inotify (raise the limit with sysctl to measure every mailbox).
Needs an Odoo 18 found as for the tests (tests/rig/odoo_locator.py) and PostgreSQL.
"""

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "imap_conversations"), str(REPO / "tests")]

from rig import odoo_locator  # noqa: E402
from rig.dovecot import DovecotServer, free_port  # noqa: E402
from rig.imap_helpers import MailboxFixture  # noqa: E402
from rig.odoo_database import OdooDatabase, wait_until  # noqa: E402

POLL_INTERVAL = 0.05


def rss_kib(pid, field="VmRSS"):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def message(marker):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "Bench <bench@example.com>", "me@rig.test", f"Latency {marker}"
    mail["Date"], mail["Message-ID"] = formatdate(localtime=True), f"<{marker}@latency.bench>"
    mail.set_content("Timed.\n")
    return mail.as_bytes()


class Seen:
    """Polls imap_message for new rows and notes when each marker was first visible."""

    def __init__(self, odoo):
        self.odoo = odoo
        self.times = {}
        self.last_id = max([0, *odoo.call("imap.message", "search", [], order="id desc", limit=1)])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self):
        while not self._stop.is_set():
            rows = self.odoo.call(
                "imap.message", "search_read", [("id", ">", self.last_id)], ["message_id"], order="id"
            )
            now = time.time()
            for row in rows:
                self.last_id = max(self.last_id, row["id"])
                self.times.setdefault((row["message_id"] or "").strip("<>").split("@")[0], now)
            time.sleep(POLL_INTERVAL)

    def stop(self):
        self._stop.set()
        self._thread.join()


def measure(odoo, users, samples, rate, timeout):
    """APPEND *samples* messages at *rate* per second to random users: ``[(seconds, login)]``, fastest first."""
    seen = Seen(odoo)
    sent = {}
    rng = random.Random(7)
    try:
        for _n in range(samples):
            started = time.monotonic()
            marker = uuid.uuid4().hex
            user = rng.choice(users)
            with user.client() as client:
                sent[marker] = (time.time(), user.login)
                client.append("INBOX", message(marker))
            time.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))
        wait_until(lambda: all(m in seen.times for m in sent), timeout, interval=0.5, what="every message in Odoo")
    finally:
        seen.stop()
    return sorted((seen.times[m] - at, login) for m, (at, login) in sent.items())


def without_inotify(dovecot):
    """Logins whose IMAP session in IDLE lost inotify: Dovecot then looks for changes every 30 s
    (mailbox_idle_check_interval), so their mail waits up to 30 s whoever watches it. It happens past
    fs.inotify.max_user_instances (128 by default) sessions of one system user on the machine."""
    log = Path(dovecot.directory, "dovecot.log")
    text = log.read_text(errors="replace") if log.exists() else ""
    return set(re.findall(r"imap\(([^)]+)\)<[^:]*: Warning: Inotify instance limit", text))


def describe_without_inotify(dovecot, latencies):
    """The same figures for the mail whose server session kept inotify, when some did not."""
    polled = without_inotify(dovecot)
    if not polled:
        return
    limit = Path("/proc/sys/fs/inotify/max_user_instances").read_text().strip()
    print(
        f"  {len(polled)} of the server's IDLE sessions ran without inotify (this machine's "
        f"fs.inotify.max_user_instances = {limit}): Dovecot looks at those mailboxes every 30 s only"
    )
    kept = [(seconds, login) for seconds, login in latencies if login not in polled]
    if kept:
        describe("  mail to the mailboxes whose session kept inotify", kept)


def describe(name, latencies):
    latencies = sorted(seconds for seconds, _login in latencies)
    p95 = latencies[min(len(latencies) - 1, round(0.95 * len(latencies)) - 1)]
    print(
        f"{name}: {len(latencies)} messages, p50 {statistics.median(latencies):.2f}s, "
        f"p95 {p95:.2f}s, max {latencies[-1]:.2f}s"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mailboxes", type=int, default=200)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--rate", type=float, default=4.0, help="messages appended per second")
    parser.add_argument("--cron-samples", type=int, default=20)
    parser.add_argument("--folders-per-mailbox", type=int, default=1)
    args = parser.parse_args()

    install = odoo_locator.locate()
    dovecot = DovecotServer().start()
    odoo = OdooDatabase(install, {**os.environ, "SSL_CERT_FILE": dovecot.ca_file}, REPO / ".test-output" / "bench")
    try:
        print(f"== installing the addon in {odoo.name}", flush=True)
        odoo.create()
        worker = odoo.worker(f"--folders-per-mailbox={args.folders_per_mailbox}", "--scan-interval=10")
        wait_until(lambda: "IMAP IDLE worker started" in worker.log(), 300, what="the worker starting")
        baseline = rss_kib(worker.pid)
        users = [MailboxFixture(dovecot, *dovecot.add_user()) for _n in range(args.mailboxes)]
        started = time.monotonic()
        odoo.call(
            "imap.mailbox",
            "create",
            [
                {
                    "name": f"Bench {u.login}",
                    "host": dovecot.host,
                    "port": dovecot.port,
                    "security": "none",
                    "login": u.login,
                    "password": u.password,
                    "timeout": 30,
                }
                for u in users
            ],
        )
        # Every mailbox watched and through its first sync (folders listed, INBOX empty).
        wait_until(
            lambda: (
                odoo.call("imap.mailbox", "search_count", [("last_sync_date", "!=", False)]) == args.mailboxes
                and worker.log().count("watching mailbox") >= args.mailboxes
            ),
            600,
            interval=1,
            what="every mailbox watched and synced once",
        )
        time.sleep(15)  # the rescan after the first syncs listed the folders
        print(f"== {args.mailboxes} mailboxes watched and synced once in {time.monotonic() - started:.0f}s", flush=True)
        watching = rss_kib(worker.pid)

        idle = measure(odoo, users, args.samples, args.rate, timeout=120)
        peak = rss_kib(worker.pid, "VmHWM")
        errors = worker.error_lines()
        worker.stop()
        describe(f"IDLE worker, {args.mailboxes} mailboxes", idle)
        describe_without_inotify(dovecot, idle)
        print(
            f"worker RSS: {baseline / 1024:.0f} MiB before any mailbox, {watching / 1024:.0f} MiB watching "
            f"{args.mailboxes}, peak {peak / 1024:.0f} MiB; {(watching - baseline) / args.mailboxes:.0f} KiB "
            f"per watched mailbox ({args.folders_per_mailbox} folder(s) each)"
        )
        if errors:
            print("worker ERROR lines:", *errors[:10], sep="\n  ")

        cron = odoo.call("ir.model.data", "check_object_reference", "imap_conversations", "ir_cron_sync_mailboxes")[1]
        odoo.call("ir.cron", "write", [cron], {"interval_number": 1, "interval_type": "minutes"})
        # Each mailbox has its own schedule (the settings' default, 30 minutes): every minute, like the cron.
        mailboxes = odoo.call("imap.mailbox", "search", [])
        odoo.call("imap.mailbox", "write", mailboxes, {"sync_interval_minutes": 1})
        server = subprocess.Popen(
            install.command(
                odoo.addons_path,
                *odoo._common(),
                "--http-interface=127.0.0.1",
                f"--http-port={free_port()}",
                "--max-cron-threads=1",
                "--log-level=warn",
                f"--logfile={odoo.log_dir / 'cron-server.log'}",
            ),
            env=odoo.env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            time.sleep(5)
            cron_latencies = measure(odoo, users, args.cron_samples, 1 / 5, timeout=300)
        finally:
            server.terminate()
            server.wait(timeout=60)
        describe(f"cron alone at 1 minute, {args.mailboxes} mailboxes", cron_latencies)
    finally:
        odoo.close()
        dovecot.stop()


if __name__ == "__main__":
    main()
