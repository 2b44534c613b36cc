"""Throughput of the scheduled sync over unchanged mailboxes, with 1 and 2 parallel syncs (lanes).

    .venv/bin/python bench/scheduled_sync_benchmark.py [--mailboxes 200 1000] [--lanes 1 2] [--profile]

Starts a throw-away Dovecot and a fresh Odoo database, makes N mailboxes (each a Dovecot user with
a couple of messages in its INBOX, INBOX and Sent synced), syncs them all once, then times one
scheduled pass over all of them (every one due, none with anything new) run by 1 lane and by 2
lanes at once (two Odoo processes, as two cron workers). Prints seconds per pass and milliseconds
per mailbox, and the CPU milliseconds the lanes' own processes spent per mailbox (the Odoo side
alone: Dovecot and PostgreSQL run on the same cores; less sensitive to a busy machine than the
wall-clock figure). --profile prints where a 1-lane pass spends its time (cProfile, cumulative).
Needs an Odoo 18 found as for the tests (tests/rig/odoo_locator.py) and PostgreSQL.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "imap_conversations"), str(REPO / "tests")]

from odoo_commands import create_mailboxes, mail  # noqa: E402

from rig.dovecot import DovecotServer  # noqa: E402
from rig.imap_helpers import MailboxFixture  # noqa: E402
from rig.odoo_command_database import CommandDatabase  # noqa: E402

#: All due at once; no time budget cuts the pass short.
PREPARE = """
import json
env["ir.config_parameter"].set_param("imap_conversations.cron_time_budget", "36000")
env.cr.execute("UPDATE imap_mailbox SET sync_due_date = now() at time zone 'UTC' - interval '1 hour'")
env.cr.commit()
print(json.dumps(True))
"""

LANE = """
import cProfile, io, json, pathlib, pstats, time
from odoo.addons.imap_conversations.services import scheduler
barrier = pathlib.Path({barrier!r})
(barrier / "{name}").touch()
while len(list(barrier.iterdir())) < {lanes}:
    time.sleep(0.01)
profile = cProfile.Profile() if {profile!r} else None
started, cpu_started = time.time(), time.process_time()
if profile:
    profile.enable()
processed = scheduler.run_sync_lane(env)
if profile:
    profile.disable()
ended, cpu = time.time(), time.process_time() - cpu_started
text = io.StringIO()
if profile:
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(45)
print(json.dumps({{"processed": processed, "started": started, "ended": ended, "cpu": cpu,
                  "profile": text.getvalue()}}))
"""


def one_pass(database, lanes, profile=False):
    """Every mailbox due, *lanes* processes at once: (seconds from the first start to the last end, processed,
    CPU seconds of the lanes' processes)."""
    database.shell(PREPARE)
    with tempfile.TemporaryDirectory() as barrier:
        processes = [
            database.shell_process(LANE.format(barrier=barrier, name=n, lanes=lanes, profile=profile))
            for n in range(lanes)
        ]
        results = []
        for process in processes:
            out, err = process.communicate(timeout=3600)
            if process.returncode:
                raise SystemExit(f"a lane failed:\n{err[-4000:]}")
            results.append(json.loads(out.strip().splitlines()[-1]))
    if profile:
        sys.stderr.write(results[0]["profile"])
    seconds = max(r["ended"] for r in results) - min(r["started"] for r in results)
    return seconds, sum(r["processed"] for r in results), sum(r["cpu"] for r in results)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mailboxes", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--lanes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    rows = []
    with DovecotServer() as server:
        database = CommandDatabase.located()
        print(f"creating database {database.name}...", flush=True)
        database.create()
        try:
            made = 0
            for count in sorted(args.mailboxes):
                users = [server.add_user() for _n in range(count - made)]
                for login, password in users:
                    MailboxFixture(server, login, password).append("INBOX", [mail(f"{login} {n}") for n in range(2)])
                print(f"{count} mailboxes: creating {len(users)} more...", flush=True)
                create_mailboxes(database, server, users)
                made = count
                print("  first sync (not timed)...", flush=True)
                one_pass(database, 1)
                for lanes in args.lanes:
                    seconds, processed, cpu = one_pass(database, lanes, profile=args.profile and lanes == 1)
                    rows.append((count, lanes, processed, seconds, cpu))
                    print(f"  {lanes} lane(s): {seconds:.1f} s", flush=True)
        finally:
            database.drop()
    print()
    print(
        f"{'mailboxes':>9} {'parallel':>8} {'synced':>7} {'s/pass':>7} {'ms/mailbox':>10} {'speed-up':>8} "
        f"{'cpu ms/mailbox':>14}"
    )
    single = {count: seconds for count, lanes, _p, seconds, _c in rows if lanes == 1}
    for count, lanes, processed, seconds, cpu in rows:
        speedup = f"{single[count] / seconds:.2f}x" if count in single and seconds else "-"
        print(
            f"{count:>9} {lanes:>8} {processed:>7} {seconds:>7.1f} {seconds / count * 1000:>10.1f} {speedup:>8} "
            f"{cpu / count * 1000:>14.1f}"
        )


if __name__ == "__main__":
    main()
