"""When mailboxes run on their own: the scheduled sync, its lanes, and the recovery pass.

Each mailbox has a schedule (``sync_interval_minutes``; 0: only by hand) and a stored due
date (``sync_due_date``; NULL: never due). The sync cron runs every minute; when nothing is
due it costs one indexed query. Each of its *lanes* (copies of the cron, as many as the
"parallel syncs" setting asks, run by whichever of Odoo's cron workers is free) claims due
mailboxes one at a time, longest waiting first, under the per-mailbox advisory lock of
services/mailbox_run.py: two lanes, or two Odoo servers, never take the same mailbox, and a
long first import in one lane holds up none of the others.

A scheduled run, finished or failed, makes its mailbox due again an interval later; a run cut
short by its time budget makes it due at once (the rest goes on at the next pass, behind the
mailboxes that waited longer). Sync now and the command line leave the schedule alone, except
that what they leave unfinished is continued by the cron.
"""

import functools
import threading
import time
from datetime import timedelta

from odoo import fields
from odoo.tools import config

from ..engine import states
from . import mailbox_run
from .mailbox_sync import LIST_WHEN_DUE, MailboxSync
from .recovery import MailboxRecovery

#: Seconds Sync now works in the request before handing the rest to the background.
SYNC_NOW_BUDGET = 60
#: Seconds a scheduled run works before handing over to the next one.
CRON_BUDGET = 100
#: The intervals the mailbox form offers (minutes); 0 is "only by hand".
OFFERED_INTERVALS = (1, 5, 15, 30, 60)
DEFAULT_INTERVAL = 30
#: What a new mailbox's schedule starts at (Settings, IMAP Conversations).
DEFAULT_INTERVAL_PARAM = "imap_conversations.default_sync_interval_minutes"


def default_interval(env):
    """Minutes between scheduled syncs of a new mailbox: the setting, else :data:`DEFAULT_INTERVAL`."""
    value = env["ir.config_parameter"].sudo().get_param(DEFAULT_INTERVAL_PARAM)
    try:
        return max(int(value), 0) if value not in (None, False, "") else DEFAULT_INTERVAL
    except ValueError:
        return DEFAULT_INTERVAL


SYNC_CRON = "imap_conversations.ir_cron_sync_mailboxes"
RECOVERY_CRON = "imap_conversations.ir_cron_recover_mailboxes"
BUDGET_PARAM = "imap_conversations.cron_time_budget"
PARALLEL_PARAM = "imap_conversations.parallel_syncs"
#: Lanes beyond this are refused: each holds a cron worker (and a database connection) while it runs.
MAX_PARALLEL = 32
#: Due mailboxes a lane looks at per claim: enough to get past those other lanes hold.
CLAIM_CANDIDATES = 50

#: The scheduled pass's only query when nothing is due: ordered by the (partial) index on sync_due_date.
DUE_QUERY = f"""
    SELECT id FROM imap_mailbox
     WHERE sync_due_date <= %s AND active AND state != '{states.MAILBOX_AUTH_FAILED}'
     ORDER BY sync_due_date, last_run_date NULLS FIRST, id
     LIMIT %s
"""
STILL_DUE_QUERY = f"""
    SELECT 1 FROM imap_mailbox WHERE id = %s AND sync_due_date <= %s AND active
                                 AND state != '{states.MAILBOX_AUTH_FAILED}'
"""


def time_budget(env, default, cron):
    """Seconds a run may take: the system parameter, else half of what Odoo's workers allow."""
    value = env["ir.config_parameter"].sudo().get_param(BUDGET_PARAM)
    if cron and value:
        return int(value)
    limits = []
    if config.get("workers"):
        real = config.get("limit_time_real_cron") if cron else None
        limits = [config.get("limit_time_cpu"), real if real and real > 0 else config.get("limit_time_real")]
    return min([default, *(limit / 2 for limit in limits if limit and limit > 0)])


def deadline_for(env, default, cron):
    return time.monotonic() + time_budget(env, default, cron)


def cron_commit(env):
    """Odoo's own idiom (mail.mail, fetchmail): commit per batch, except inside a test transaction."""
    return None if getattr(threading.current_thread(), "testing", False) else env.cr.commit


# -- the schedule --------------------------------------------------------------------


def first_due(interval, last_sync_date):
    """When a mailbox with this schedule is due: an interval after its last complete sync, or now."""
    if not interval:
        return False
    return last_sync_date + timedelta(minutes=interval) if last_sync_date else fields.Datetime.now()


def make_due(mailboxes):
    """Due at the next pass (new settings, or work left over), unless synced only by hand."""
    scheduled = mailboxes.filtered("sync_interval_minutes")
    if scheduled:
        mailbox_run.bookkeeping(scheduled).write({"sync_due_date": fields.Datetime.now()})


def after_scheduled_run(mailbox, report):
    """The mailbox's next turn once a scheduled run of it ended (see the module docstring)."""
    if report.busy:
        return
    if report.interrupted:
        make_due(mailbox)
    elif mailbox.sync_interval_minutes:
        mailbox_run.bookkeeping(mailbox).sync_due_date = fields.Datetime.now() + timedelta(
            minutes=mailbox.sync_interval_minutes
        )


def after_manual_run(mailbox, report):
    """Sync now and the command line do not move the schedule; what they leave, the cron continues."""
    if report.interrupted:
        make_due(mailbox)


# -- the scheduled sync: lanes claiming due mailboxes -------------------------------------


def claim(env, commit):
    """The id of the due mailbox that waited longest and that no other run holds, locked; or None.

    In a cron (*commit* given) the mailbox is checked again once locked, in a fresh transaction:
    the lane that held it before committed its next due date before letting go.
    """
    cr = env.cr
    # Without commits (tests), the schedule written by the ORM must reach the table first.
    env["imap.mailbox"].flush_model(["sync_due_date", "active", "state", "last_run_date"])
    now = fields.Datetime.now()
    cr.execute(DUE_QUERY, [now, CLAIM_CANDIDATES])
    for (mailbox_id,) in cr.fetchall():
        if not mailbox_run.try_lock(cr, mailbox_id):
            continue  # another lane, Sync now or the IDLE worker has it
        if commit:
            commit()
            cr.execute(STILL_DUE_QUERY, [mailbox_id, fields.Datetime.now()])
            if not cr.fetchone():
                mailbox_run.unlock(cr, mailbox_id)
                continue
        return mailbox_id
    return None


def run_sync_lane(env):
    """One lane's pass: claim due mailboxes and sync them, one at a time, within the time budget."""
    deadline = deadline_for(env, CRON_BUDGET, cron=True)
    commit = cron_commit(env)
    processed, left_over = 0, False
    while True:
        if processed and time.monotonic() > deadline:
            left_over = True  # after the first one at least: every pass makes progress
            break
        mailbox_id = claim(env, commit)
        if mailbox_id is None:
            break
        try:
            mailbox = env["imap.mailbox"].browse(mailbox_id)
            report = MailboxSync(
                mailbox,
                commit=commit,
                deadline=deadline,
                listing=LIST_WHEN_DUE,
                locked=True,
                on_finish=functools.partial(after_scheduled_run, mailbox),
            ).run()
        finally:
            # Only now, with the next due date committed: a lane that takes the lock sees it.
            mailbox_run.unlock(env.cr, mailbox_id)
        processed += 1
        if report.interrupted:
            left_over = True
            break
    if left_over:
        _this_cron(env, SYNC_CRON)._trigger()
    env["ir.cron"]._notify_progress(done=processed, remaining=0)
    return processed


def _this_cron(env, xmlid):
    """The lane running now (Odoo puts its id in the context), else the main cron."""
    cron = env["ir.cron"].browse(env.context.get("cron_id") or ()).exists()
    return cron or env.ref(xmlid)


def lane_crons(env):
    """Every lane of the sync cron, the main one first, archived ones included."""
    main = env.ref(SYNC_CRON)
    others = (
        env["ir.cron"]
        .with_context(active_test=False)
        .search(
            [
                ("id", "!=", main.id),
                ("model_id", "=", main.model_id.id),
                ("code", "=", main.code),
            ],
            order="id",
        )
    )
    return main | others


def set_parallel_syncs(env, count):
    """As many active lanes as *count* (copies of the main cron); the others are archived, not deleted."""
    count = max(1, min(int(count or 1), MAX_PARALLEL))
    lanes = lane_crons(env).sudo()
    main = lanes[:1]
    for number in range(len(lanes) + 1, count + 1):
        lanes |= main.copy({"name": f"{main.name} (lane {number})", "active": True})
    for position, lane in enumerate(lanes):
        wanted = position < count
        if lane.active != wanted:
            lane.active = wanted
            if wanted:
                lane.nextcall = fields.Datetime.now()
    return count


# -- the recovery pass -----------------------------------------------------------------------


def run_recovery_pass(env):
    """One recovery pass over the mailboxes, longest waiting first, committing per batch.

    Only mailboxes the scheduled sync takes at all: one synced only by hand (interval 0) is not
    contacted by any scheduled job. Its own cron's interval otherwise, not the mailbox's.
    """
    deadline = deadline_for(env, CRON_BUDGET, cron=True)
    commit = cron_commit(env)
    mailboxes = env["imap.mailbox"].search(
        [("state", "!=", states.MAILBOX_AUTH_FAILED), ("sync_interval_minutes", ">", 0)],
        order="last_run_date asc nulls first, id",
    )
    processed, report = 0, None
    for mailbox in mailboxes:
        if processed and time.monotonic() > deadline:
            break
        report = MailboxRecovery(mailbox, commit=commit, deadline=deadline).run()
        processed += 1
        if report.interrupted:
            break
    if processed < len(mailboxes) or (report and report.interrupted):
        env.ref(RECOVERY_CRON)._trigger()
    env["ir.cron"]._notify_progress(done=processed, remaining=0)
    return processed
