"""The Odoo half of the import benchmark, run by bench/import_benchmark.py in Odoo's interpreter.

    python odoo_side.py --odoo-bin BIN --db DB --addons-path PATHS imap   HOST PORT LOGIN PASSWORD
    python odoo_side.py --odoo-bin BIN --db DB --addons-path PATHS fetchmail HOST PORT LOGIN PASSWORD

Prints one JSON line: messages imported, seconds, and memory figures.
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path


def rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb():
    # VmHWM, not ru_maxrss: the latter is inherited from the parent across fork.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def open_env(args):
    sys.path.insert(0, str(Path(args.odoo_bin).resolve().parent))
    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config(["-d", args.db, f"--addons-path={args.addons_path}", "--log-level=warn"])
    registry = odoo.modules.registry.Registry(args.db)
    cr = registry.cursor()
    return cr, api.Environment(cr, SUPERUSER_ID, {})


def bench_imap_conversations(env, args):
    """Our addon, as the cron runs it: commit per batch."""
    from odoo.addons.imap_conversations.services.mailbox_sync import MailboxSync

    mailbox = env["imap.mailbox"].create(
        {
            "name": "benchmark",
            "host": args.host,
            "port": args.port,
            "security": "none",
            "login": args.login,
            "password": args.password,
            "user_id": False,
            # bench/memory_benchmark.py imports a message above the default maximum size.
            **(
                {"max_message_size_mb": int(os.environ["BENCH_MAX_MESSAGE_MB"])}
                if os.environ.get("BENCH_MAX_MESSAGE_MB") and "max_message_size_mb" in env["imap.mailbox"]._fields
                else {}
            ),
        }
    )
    mailbox.action_fetch_folders()
    mailbox.folder_ids.filtered(lambda f: f.name != "INBOX").write({"sync_enabled": False})
    webhook = None
    if os.environ.get("BENCH_WEBHOOK"):
        # Every event of every mailbox; nothing is delivered during the run (no cron threads).
        env["ir.config_parameter"].set_param("imap_conversations.allowed_servers", "127.0.0.1")
        webhook = env["imap.webhook"].create({"name": "benchmark", "url": "http://127.0.0.1:9/bench"})
    env.cr.commit()
    emitting = time_emitting() if webhook else [0.0]
    before = rss_mb()
    profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
    cpu = time.process_time()
    started = time.perf_counter()
    if profile:
        profile.enable()
    report = MailboxSync(mailbox, commit=env.cr.commit).run()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    if profile:
        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(60)
    if report.error:
        raise SystemExit(f"sync failed: {report.error}")
    count = env["imap.message"].search_count([("mailbox_id", "=", mailbox.id)])
    deliveries = env["imap.webhook.delivery"].search_count([("webhook_id", "=", webhook.id)]) if webhook else 0
    return {
        "messages": count,
        "failed": report.counts.failed,
        "seconds": elapsed,
        "deliveries": deliveries,
        "cpu_seconds": cpu,
        "emit_seconds": emitting[0],
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
    }


def time_emitting():
    """Seconds spent writing the webhooks' outbox (the importer's one call per batch), summed in [0]."""
    from odoo.addons.imap_conversations.services.message_importer import MessageImporter

    spent = [0.0]
    original = MessageImporter._emit_events

    def timed(self, items):
        started = time.perf_counter()
        try:
            return original(self, items)
        finally:
            spent[0] += time.perf_counter() - started

    MessageImporter._emit_events = timed
    return spent


def bench_fetchmail(env, args):
    """Odoo's own fetchmail.server into CRM leads, the way its cron does it."""
    server = env["fetchmail.server"].create(
        {
            "name": "benchmark",
            "server_type": "imap",
            "server": args.host,
            "port": args.port,
            "is_ssl": False,
            "user": args.login,
            "password": args.password,
            "object_id": env["ir.model"]._get("crm.lead").id,
        }
    )
    server.button_confirm_login()
    env.cr.commit()
    before = rss_mb()
    leads_before = env["crm.lead"].search_count([])
    started = time.perf_counter()
    server.with_context(fetchmail_cron_running=True).fetch_mail()
    elapsed = time.perf_counter() - started
    leads = env["crm.lead"].search_count([]) - leads_before
    # fetchmail marks every message it handled \Seen, stored or not: that is what it processed.
    processed = count_seen(args)
    return {
        "messages": processed,
        "stored": leads,
        "seconds": elapsed,
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
    }


def count_seen(args):
    import imaplib

    client = imaplib.IMAP4(args.host, args.port, timeout=30)
    client.login(args.login, args.password)
    client.select("INBOX", readonly=True)
    _typ, data = client.search(None, "SEEN")
    client.logout()
    return len(data[0].split())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("mode", choices=["imap", "fetchmail"])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("login")
    parser.add_argument("password")
    args = parser.parse_args()
    cr, env = open_env(args)
    try:
        result = (bench_imap_conversations if args.mode == "imap" else bench_fetchmail)(env, args)
        cr.commit()
    finally:
        cr.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
