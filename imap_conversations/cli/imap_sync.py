"""``odoo-bin imap-sync``: sync (or recover) mailboxes now, from a shell, a script or a system timer.

    odoo-bin [--addons-path=...] imap-sync -c odoo.conf -d DB [--mailbox ID ...] [--recover]

Runs each mailbox to its end (no time budget), committing per batch like the cron and
under the same per-mailbox lock, so it never runs a mailbox at the same time as the cron,
Sync now or another command. Prints a line per mailbox and a summary. Exit status: 0 when
every mailbox ran, 1 when one failed, 2 for bad arguments or unknown mailbox ids.
"""

import optparse
import sys
from pathlib import Path

import odoo
from odoo.cli import Command
from odoo.modules.registry import Registry
from odoo.tools import config

from ..engine import states
from ..services.mailbox_sync import MailboxSync
from ..services.recovery import MailboxRecovery

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class ImapSync(Command):
    """Sync IMAP mailboxes now (imap_conversations): --mailbox ID (repeatable, default all active), --recover"""

    name = "imap-sync"

    def run(self, cmdargs):
        parser = config.parser
        parser.prog = f"{Path(sys.argv[0]).name} {self.name}"
        group = optparse.OptionGroup(parser, "IMAP sync")
        group.add_option(
            "--mailbox",
            dest="imap_mailbox_ids",
            action="append",
            type="int",
            default=[],
            metavar="ID",
            help="A mailbox to sync (repeat for several). Default: every active one.",
        )
        group.add_option(
            "--recover",
            dest="imap_recover",
            action="store_true",
            default=False,
            help="Run the recovery pass instead of a sync.",
        )
        parser.add_option_group(group)
        options = config.parse_config(cmdargs, setup_logging=True)
        database = config["db_name"]
        if not database or "," in database:
            parser.error("give one database with -d")  # exits with status 2
        registry = Registry(database)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            status = run_now(env, options.imap_mailbox_ids, options.imap_recover, sys.stdout, cr.commit)
        sys.exit(status)


def run_now(env, mailbox_ids, recover, out, commit):
    """Run the mailboxes (ids, or every active one), reporting to *out*; returns the exit status."""
    mailboxes = env["imap.mailbox"].with_context(active_test=False)
    if mailbox_ids:
        found = mailboxes.browse(mailbox_ids).exists()
        unknown = sorted(set(mailbox_ids) - set(found.ids))
        if unknown:
            out.write(f"No mailbox with id {', '.join(map(str, unknown))}.\n")
            return EXIT_USAGE
        mailboxes = found
    else:
        mailboxes = mailboxes.with_context(active_test=True).search([], order="id")
    run_class, doing = (MailboxRecovery, states.RUN_RECOVERY) if recover else (MailboxSync, states.RUN_SYNC)
    reports = []
    for position, mailbox in enumerate(mailboxes, start=1):
        report = run_class(mailbox, commit=commit).run()
        reports.append(report)
        out.write(f"[{position}/{len(mailboxes)}] {mailbox.name} (id {mailbox.id}): {_outcome(mailbox, report)}\n")
        out.flush()
    failed = [r for r in reports if r.error]
    out.write(
        f"{doing}: {len(reports)} mailboxes, {sum(r.ok for r in reports)} done, {len(failed)} failed, "
        f"{sum(r.busy for r in reports)} skipped (already running); "
        f"{sum(r.counts.new for r in reports)} new messages, {sum(r.counts.failed for r in reports)} failed messages.\n"
    )
    return EXIT_FAILED if failed else EXIT_OK


def _outcome(mailbox, report):
    if report.busy:
        return "skipped, another run of it is under way"
    if report.error:
        return f"FAILED ({report.error.kind}): {mailbox._describe_error(report.error)}"
    return (
        f"{report.counts.new} new, {report.counts.known} known, {report.counts.failed} failed, "
        f"{len(report.folders)} folders, {report.duration:.1f} s"
    )
