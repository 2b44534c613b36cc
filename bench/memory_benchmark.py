"""Peak memory of importing one large message, against its size.

    .venv/bin/python bench/memory_benchmark.py [--size-mb 100] [--skip-odoo]

Puts one message of N MB (a short text and one incompressible attachment) in a
throw-away Dovecot, then measures, each in a fresh process:

  a. the engine alone: fetching and parsing it;
  b. this addon importing it into a fresh Odoo database, as the scheduled sync does
     (the mailbox's maximum message size raised above N).

Prints, for each, the growth of the peak resident memory over the process's memory
before the run, and that growth divided by N (the "copies" of the message held at
once). Needs an Odoo 18 found as for the tests (tests/rig/odoo_locator.py).
"""

import argparse
import os
import sys
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "imap_conversations"), str(REPO / "tests"), str(REPO / "bench")]

from import_benchmark import bench_engine, bench_odoo, create_database  # noqa: E402

from rig import odoo_locator, odoo_runner  # noqa: E402
from rig.dovecot import DovecotServer  # noqa: E402
from rig.imap_helpers import MailboxFixture  # noqa: E402


def large_message(size_mb):
    message = EmailMessage()
    message["Subject"] = f"A {size_mb} MB attachment"
    message["From"] = "Sender <sender@example.org>"
    message["To"] = "receiver@example.com"
    message["Message-ID"] = f"<large-{uuid.uuid4().hex}@example.org>"
    message.set_content("The file you asked for.\n")
    # base64 makes 4 bytes of 3: the attachment is sized so that the whole message is N MB.
    message.add_attachment(
        os.urandom(size_mb * 1024 * 1024 * 3 // 4), maintype="application", subtype="octet-stream", filename="data.bin"
    )
    return message.as_bytes()


def describe(label, result, size_mb):
    growth = result["peak_rss_mb"] - result["rss_before_mb"]
    print(
        f"{label:36} {result['messages']:>3} msg {result['seconds']:>6.1f}s  before {result['rss_before_mb']:>6.0f}MB"
        f"  peak {result['peak_rss_mb']:>6.0f}MB  growth {growth:>6.0f}MB  = {growth / size_mb:.1f} x N"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--skip-odoo", action="store_true", help="measure the engine only")
    args = parser.parse_args()
    install = None if args.skip_odoo else odoo_locator.locate()

    raw = large_message(args.size_mb)
    size_mb = len(raw) / 1024 / 1024
    print(f"one message of {size_mb:.1f} MB")
    database = f"imapconv_membench_{uuid.uuid4().hex[:8]}"
    with DovecotServer() as server:
        mailbox = MailboxFixture(server, *server.add_user())
        mailbox.append("INBOX", [raw])
        del raw  # measured processes are started from this one: keep it small
        print("a. engine alone...", flush=True)
        engine = bench_engine(mailbox)
        addon = None
        if install:
            print(f"creating database {database}...", flush=True)
            started = time.perf_counter()
            create_database(install, database, ["imap_conversations"])
            print(f"  in {time.perf_counter() - started:.0f}s")
            try:
                print("b. imap_conversations into Odoo...", flush=True)
                os.environ["BENCH_MAX_MESSAGE_MB"] = str(int(size_mb) + 10)
                addon = bench_odoo(install, database, "imap", mailbox)
            finally:
                odoo_runner.drop_database(install, database)
    print()
    describe("a. engine alone (fetch + parse)", engine, size_mb)
    if addon:
        describe("b. imap_conversations -> Odoo", addon, size_mb)
        if addon["messages"] != 1 or addon.get("failed"):
            print(f"WARNING: the addon imported {addon['messages']} message(s), {addon.get('failed')} failed")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
