"""First-import benchmark: the engine alone, this addon, and Odoo's fetchmail, on the same mail.

    .venv/bin/python bench/import_benchmark.py [--messages 10000] [--fetchmail-messages 1000] [--webhook-rounds N]

Fills a throw-away Dovecot with generated mail (mixed sizes, attachments,
charsets, threads), then measures in one run:

  a. the engine alone fetching and parsing every message;
  b. this addon importing them into a fresh Odoo database (commit per batch, as the cron does);
  c. Odoo's own fetchmail.server importing a subset into CRM leads (it is slow), compared per message.

With ``--webhook-rounds N``, (b) is also run N more times without and N times with a
webhook subscribed to every event (alternately, each into a fresh mailbox), to show what
writing the webhooks' outbox costs the import.

Prints messages per second, peak memory, and the ratios b/c and b/a. Needs an
Odoo 18 found as for the tests (tests/rig/odoo_locator.py) and PostgreSQL.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "imap_conversations"), str(REPO / "tests")]

from rig import odoo_locator, odoo_runner  # noqa: E402
from rig.dovecot import DovecotServer, free_port  # noqa: E402
from rig.imap_helpers import MailboxFixture  # noqa: E402
from rig.mailgen import generate  # noqa: E402

ENGINE_SNIPPET = """
import json, sys, time
from datetime import date
sys.path[:0] = {paths!r}
from engine.folder_sync import FolderState, FolderSync
from engine.parse import parse_message
from engine.transport import ConnectionSettings, open_session

def rss(key):
    return [int(l.split()[1]) / 1024 for l in open("/proc/self/status") if l.startswith(key)][0]

settings = ConnectionSettings(host={host!r}, port={port}, login={login!r}, password={password!r}, security="none")
before = rss("VmRSS:")
started = time.perf_counter()
count = 0
with open_session(settings) as session:
    sync = FolderSync(session, "INBOX", FolderState(), horizon=date(2000, 1, 1), is_known=lambda ms: set())
    for batch in sync.batches():
        for message in batch.new:
            parse_message(message.raw)
            count += 1
elapsed = time.perf_counter() - started
print(json.dumps({{"messages": count, "seconds": elapsed, "rss_before_mb": before, "peak_rss_mb": rss("VmHWM:")}}))
"""


def run_json(command, env=None):
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{command[0]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    if os.environ.get("BENCH_PROFILE"):
        sys.stderr.write(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_engine(mailbox):
    snippet = ENGINE_SNIPPET.format(
        paths=[str(REPO / "imap_conversations")],
        host=mailbox.server.host,
        port=mailbox.server.port,
        login=mailbox.login,
        password=mailbox.password,
    )
    return run_json([sys.executable, "-c", snippet])


def create_database(install, database, modules):
    odoo_runner.ensure_postgres(install)
    command = install.command(
        "-d",
        database,
        *odoo_runner.db_args(install),
        f"--addons-path={install.addons_dir},{REPO}",
        "-i",
        ",".join(modules),
        "--without-demo=all",
        "--stop-after-init",
        "--log-level=warn",
        f"--http-port={free_port()}",
        "--max-cron-threads=0",
    )
    subprocess.run(command, check=True, capture_output=True)


def bench_odoo(install, database, mode, mailbox, webhook=False):
    env = {**os.environ, "BENCH_WEBHOOK": "1"} if webhook else None
    return run_json(
        [
            install.python,
            str(REPO / "bench" / "odoo_side.py"),
            "--odoo-bin",
            install.entry[-1],
            "--db",
            database,
            f"--addons-path={install.addons_dir},{REPO}",
            mode,
            mailbox.server.host,
            str(mailbox.server.port),
            mailbox.login,
            mailbox.password,
        ],
        env=env,
    )


def rate(result):
    return result["messages"] / result["seconds"] if result["seconds"] else 0.0


def webhook_pair(server, mail):
    """Two mailboxes holding *mail*: one imported without, one with a webhook."""
    pair = (MailboxFixture(server, *server.add_user()), MailboxFixture(server, *server.add_user()))
    for fixture in pair:
        fixture.append("INBOX", mail)
    return pair


def webhook_rounds(install, database, rounds):
    """The addon's import into each pair of mailboxes, without and with a webhook: (without, with) results."""
    plain, hooked = [], []
    for number, (without, with_hook) in enumerate(rounds, 1):
        # Alternately first and second: a drift in the machine's load weighs on both alike.
        print(f"b. again, round {number}: with and without a webhook...", flush=True)
        if number % 2:
            plain.append(bench_odoo(install, database, "imap", without))
        hooked.append(bench_odoo(install, database, "imap", with_hook, webhook=True))
        if not number % 2:
            plain.append(bench_odoo(install, database, "imap", without))
    return plain, hooked


def print_webhook_rounds(plain, hooked):
    print()
    print("webhooks (same run, alternately):")
    for label, results in (("without a webhook", plain), ("with a webhook on every event", hooked)):
        print(
            f"  {label:32} "
            + "  ".join(
                f"{rate(r):.0f} msg/s, {r['cpu_seconds']:.1f}s CPU ({r['deliveries']} deliveries)" for r in results
            )
        )
    mean = [sum(map(rate, results)) / len(results) for results in (plain, hooked)]
    cpu = [sum(r["cpu_seconds"] for r in results) / len(results) for results in (plain, hooked)]
    emit = sum(r["emit_seconds"] for r in hooked)
    print(f"  with/without: {mean[1] / mean[0]:.3f} in messages per second, {cpu[1] / cpu[0]:.3f} in Odoo's CPU time")
    print(
        f"  writing the outbox: {emit:.2f}s of {sum(r['seconds'] for r in hooked):.1f}s "
        f"({100 * emit / sum(r['seconds'] for r in hooked):.1f}% of the imports with a webhook)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--fetchmail-messages", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--webhook-rounds",
        type=int,
        default=0,
        help="also import N times without and N times with a webhook subscribed to every event",
    )
    args = parser.parse_args()
    install = odoo_locator.locate()
    if install.entry[0] == "-m":
        raise SystemExit("the benchmark needs an odoo-bin (set it in the config file, see README)")

    print(f"generating {args.messages} messages...", flush=True)
    mail = generate(args.messages, seed=args.seed)
    print(f"  {sum(map(len, mail)) / 1e6:.0f} MB, {sum(map(len, mail)) // len(mail)} bytes on average")
    database = f"imapconv_bench_{uuid.uuid4().hex[:8]}"
    with DovecotServer() as server:
        ours = MailboxFixture(server, *server.add_user())
        theirs = MailboxFixture(server, *server.add_user())
        started = time.perf_counter()
        ours.append("INBOX", mail)
        theirs.append("INBOX", mail[: args.fetchmail_messages])
        rounds = [webhook_pair(server, mail) for _round in range(args.webhook_rounds)]
        del mail  # measured processes are forked from this one: keep it small
        print(f"loaded Dovecot in {time.perf_counter() - started:.1f}s")
        print(f"creating database {database} (imap_conversations, crm)...", flush=True)
        create_database(install, database, ["imap_conversations", "crm"])
        try:
            print("a. engine alone...", flush=True)
            engine = bench_engine(ours)
            print("b. imap_conversations into Odoo...", flush=True)
            addon = bench_odoo(install, database, "imap", ours)
            print(f"c. Odoo fetchmail, first {args.fetchmail_messages} messages into CRM leads...", flush=True)
            fetchmail = bench_odoo(install, database, "fetchmail", theirs)
            plain, hooked = webhook_rounds(install, database, rounds)
        finally:
            odoo_runner.drop_database(install, database)

    rows = [
        ("a. engine alone (fetch + parse)", engine),
        ("b. imap_conversations -> Odoo", addon),
        ("c. Odoo fetchmail -> crm.lead", fetchmail),
    ]
    print()
    print(f"{'':34} {'messages':>9} {'seconds':>8} {'msg/s':>8} {'peak RSS':>9}")
    for label, result in rows:
        print(
            f"{label:34} {result['messages']:>9} {result['seconds']:>8.1f} {rate(result):>8.0f} "
            f"{result['peak_rss_mb']:>7.0f}MB"
        )
    print(
        f"   (fetchmail stored {fetchmail['stored']} of the {fetchmail['messages']} messages it processed: "
        f"{fetchmail['stored'] / fetchmail['seconds']:.0f} leads/s; rates above are per message processed)"
    )
    print()
    print(f"b/c = {rate(addon) / rate(fetchmail):.1f}x  (target >= 20x)")
    print(f"b/a = {rate(addon) / rate(engine):.2f}   (target >= 0.5)")
    if rounds:
        print_webhook_rounds(plain, hooked)
    if addon["messages"] != args.messages:
        print(f"WARNING: the addon imported {addon['messages']} of {args.messages} messages")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
