"""Conversation text search on many messages: p50/p95 with the trigram index, and without it as a baseline.

    .venv/bin/python bench/search_benchmark.py [--messages 100000] [--runs 20]

Creates a throw-away Odoo database with the addon, fills it with generated
conversations and messages (random words in subjects and bodies, a few rare
words such as "discount", addresses of a few hundred correspondents) by bulk
SQL, refreshes their summary with imap.conversation._refresh_summary (the
sync's own bulk path), then times imap.conversation.search on the
"search_text" field as the search box does, first with the index
services/text_search.py creates, then with it dropped, in the same run.
"""

import argparse
import json
import subprocess
import sys
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tests"), str(REPO / "bench")]

from import_benchmark import create_database  # noqa: E402

from rig import odoo_locator, odoo_runner  # noqa: E402

#: What is searched: a rare body word, a part of a word, an address, a subject word, two words.
QUERIES = ("discount", "disc", "person17@customer", "quarterly", "invoice overdue")

ODOO_SIDE = r"""
import json, random, statistics, sys, time
sys.path.insert(0, {odoo_dir!r})
import odoo
from odoo import SUPERUSER_ID, api
odoo.tools.config.parse_config(["-d", {db!r}, "--addons-path={addons}", "--log-level=warn"])
from odoo.addons.imap_conversations.services.text_search import INDEX_NAME, create_search_index

registry = odoo.modules.registry.Registry({db!r})
cr = registry.cursor()
env = api.Environment(cr, SUPERUSER_ID, {{}})
words = "order delivery price shipment meeting report quarterly invoice overdue payment contract".split()
rng = random.Random(2026)
mailbox = env["imap.mailbox"].create({{"name": "bench", "host": "127.0.0.1", "port": 143, "security": "none",
                                      "login": "bench", "password": "bench", "user_id": False}})
count, per_conversation = {messages}, 4
cr.execute("INSERT INTO imap_conversation (mailbox_id, company_id, subject, participant_emails, create_date, "
           "status, needs_reply) "
           "SELECT %s, %s, 'Conversation ' || g, 'person' || (g %% 500) || '@customer.test', now(), 'open', false "
           "FROM generate_series(1, %s) g RETURNING id", [mailbox.id, mailbox.company_id.id, count // per_conversation])
conversations = [row[0] for row in cr.fetchall()]
rows = []
for i in range(count):
    body = " ".join(rng.choice(words) for _ in range(60)) + (" discount" if i % 997 == 0 else "")
    rows.append((mailbox.id, mailbox.company_id.id, conversations[i // per_conversation], "key%d" % i,
                 " ".join(rng.sample(words, 3)), "person%d@customer.test" % (i % 500), "sales@us.test", body))
from psycopg2.extras import execute_values
execute_values(cr._obj, "INSERT INTO imap_message (mailbox_id, company_id, conversation_id, dedupe_key, subject, "
               "email_from, email_to, body_text, state, direction, date) VALUES %s",
               rows, template="(%s, %s, %s, %s, %s, %s, %s, %s, 'imported', 'incoming', now())", page_size=5000)
env["imap.conversation"].browse(conversations)._refresh_summary()
cr.execute("ANALYZE imap_message")

def measure(label):
    times = {{}}
    for query in {queries!r}:
        samples = []
        for _ in range({runs}):
            env.invalidate_all()
            started = time.perf_counter()
            found = env["imap.conversation"].search([("search_text", "ilike", query)], limit=80)
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        times[query] = {{"p50_ms": statistics.median(samples), "p95_ms": samples[int(0.95 * (len(samples) - 1))],
                        "found": len(found)}}
    return times

create_search_index(cr)
with_index = measure("index")
cr.execute("DROP INDEX " + INDEX_NAME)
without_index = measure("no index")
cr.rollback()
print(json.dumps({{"messages": count, "with_index": with_index, "without_index": without_index}}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    install = odoo_locator.locate()
    if install.entry[0] == "-m":
        raise SystemExit("the benchmark needs an odoo-bin (set it in the config file, see README)")
    database = f"imapconv_search_{uuid.uuid4().hex[:8]}"
    print(f"creating database {database}...", flush=True)
    create_database(install, database, ["imap_conversations"])
    try:
        print(f"generating {args.messages} messages and searching...", flush=True)
        snippet = ODOO_SIDE.format(
            odoo_dir=str(Path(install.entry[-1]).resolve().parent),
            db=database,
            addons=f"{install.addons_dir},{REPO}",
            messages=args.messages,
            queries=QUERIES,
            runs=args.runs,
        )
        result = subprocess.run([install.python, "-c", snippet], capture_output=True, text=True, check=False)
        if result.returncode:
            raise SystemExit(f"the Odoo side failed:\n{result.stderr[-3000:]}")
        report = json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        odoo_runner.drop_database(install, database)
    print(f"\n{report['messages']} messages")
    print(f"{'query':24} {'found':>6} {'p50 index':>10} {'p95 index':>10} {'p50 none':>10} {'p95 none':>10}")
    for query in QUERIES:
        indexed, bare = report["with_index"][query], report["without_index"][query]
        print(
            f"{query:24} {indexed['found']:>6} {indexed['p50_ms']:>8.1f}ms {indexed['p95_ms']:>8.1f}ms "
            f"{bare['p50_ms']:>8.1f}ms {bare['p95_ms']:>8.1f}ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
