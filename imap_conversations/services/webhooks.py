"""Outgoing webhooks: events written to an outbox with the change that caused them, delivered by a cron.

Emitting is writing rows of imap.webhook.delivery (the outbox, which is also the delivery
log) in the transaction of the change: a batch rolled back emits nothing, a batch committed
cannot lose its event. The importer emits a whole batch's events in one statement, after
one query for the webhooks that want them (none: that query is all it costs).

Delivering (``deliver_due``, the cron every minute and woken by a trigger when events were
committed) POSTs each delivery, signed (engine/webhooks.py), to where the destination
policy of *Allowed mail servers* allows. One webhook's deliveries go in order: the oldest
undelivered one first, and a failing one holds back the later ones until it is delivered
or given up. Each is locked (FOR UPDATE SKIP LOCKED) while it is tried, so two cron
workers never send the same one, and committed once tried.

Payloads carry ids, addresses, subjects, dates and links, never a body, and only events of
mailboxes of the webhook's own company.
"""

import json
import logging
import time
from datetime import UTC, datetime

import psycopg2.errors

from odoo import fields

from ..engine import errors as imap_errors
from ..engine import webhooks
from ..engine.network import DestinationPolicy
from .bulk_sql import execute_values
from .destinations import allowed_servers

_logger = logging.getLogger(__name__)

CRON = "imap_conversations.ir_cron_deliver_webhooks"
#: Seconds a cron pass delivers before handing over to the next pass.
CRON_BUDGET = 100
#: Delivered and dead deliveries are kept this long in the log.
KEEP_DAYS = 30
UNDELIVERED = ("pending", "retrying")

_SUBSCRIPTIONS = """
    SELECT w.id, e.code FROM imap_webhook w
      JOIN imap_webhook_imap_webhook_event_rel r ON r.imap_webhook_id = w.id
      JOIN imap_webhook_event e ON e.id = r.imap_webhook_event_id
     WHERE w.active AND w.company_id = %(company)s AND e.code = ANY(%(events)s)
       AND (NOT EXISTS (SELECT 1 FROM imap_mailbox_imap_webhook_rel m WHERE m.imap_webhook_id = w.id)
            OR EXISTS (SELECT 1 FROM imap_mailbox_imap_webhook_rel m
                        WHERE m.imap_webhook_id = w.id AND m.imap_mailbox_id = %(mailbox)s))
"""
_INSERT = """
    INSERT INTO imap_webhook_delivery (create_date, write_date, webhook_id, mailbox_id, event, payload, state,
                                       attempt_count, next_attempt_date, event_key)
    VALUES %s ON CONFLICT DO NOTHING
"""


def now():
    return datetime.now(UTC).replace(tzinfo=None)


def iso(value):
    """A naive UTC datetime as ISO 8601 with a Z (what receivers parse most easily)."""
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


# -- emitting --------------------------------------------------------------------------------


def subscriptions(mailbox, events):
    """{event: [webhook ids]} of the active webhooks of *mailbox*'s company that want *events* from it."""
    env = mailbox.env
    env["imap.webhook"].flush_model()
    env.cr.execute(_SUBSCRIPTIONS, {"company": mailbox.company_id.id, "events": list(events), "mailbox": mailbox.id})
    wanted = {}
    for webhook_id, event in env.cr.fetchall():
        wanted.setdefault(event, []).append(webhook_id)
    return wanted


def emit(mailbox, events, wanted=None):
    """Write *events* ``[(event, payload, key)]`` of *mailbox* to the outbox of each webhook that wants them.

    *key*: the same key is emitted once per webhook (a message fails once, whatever the retries);
    None for events that are news each time. *wanted*: :func:`subscriptions`, when the caller has it.
    Returns how many deliveries were written.
    """
    if wanted is None:
        wanted = subscriptions(mailbox, {event for event, _payload, _key in events})
    env = mailbox.env
    moment = now()
    rows = []
    # No create_uid/write_uid, no company (the webhook's): each foreign key is a lookup per row, and
    # the outbox is written in the import's hot path (bench/import_benchmark.py --webhook-rounds).
    for event, payload, key in events:
        targets = wanted.get(event)
        if targets:
            text = body(event, payload, moment)  # once, whatever the number of webhooks
            rows.extend(
                (moment, moment, webhook_id, mailbox.id, event, text, "pending", 0, moment, key)
                for webhook_id in targets
            )
    if not rows:
        return 0
    env["imap.webhook.delivery"].flush_model()
    execute_values(env.cr, _INSERT, rows, page_size=500)
    env["imap.webhook.delivery"].invalidate_model()
    env["imap.webhook"].invalidate_model(["delivery_ids"])
    wake(env)
    return len(rows)


def body(event, payload, moment):
    return json.dumps(
        {"event": event, "occurred_at": iso(moment), **payload}, ensure_ascii=False, separators=(",", ":"), default=str
    )


def wake(env):
    """The delivery cron runs as soon as this transaction commits (once per transaction, not per batch)."""
    if "imap_webhooks_wake" not in env.cr.precommit.data:
        env.cr.precommit.data["imap_webhooks_wake"] = True
        env.ref(CRON)._trigger()


def base_url(env):
    return env["ir.config_parameter"].sudo().get_param("web.base.url", "")


def link(base, model, record_id):
    return f"{base}/odoo/{model}/{record_id}"


def mailbox_part(mailbox):
    return {"mailbox": {"id": mailbox.id, "name": mailbox.name, "email": mailbox.email or None}}


def message_part(base, row):
    """*row*: ``(message id, subject, from, date, direction, Message-ID)``; *base*: :func:`base_url`."""
    message_id, subject, sender, date, direction, message_id_header = row
    return {
        "id": message_id,
        "subject": subject or "",
        "from": sender or "",
        "date": iso(date),
        "direction": direction,
        "message_id": message_id_header or None,
        "url": link(base, "imap.message", message_id),
    }


def conversation_part(base, conversation_id, subject):
    return {"id": conversation_id, "subject": subject or "", "url": link(base, "imap.conversation", conversation_id)}


def emit_stored(mailbox, stored, created_conversations):
    """The importer's events for messages it just stored: one statement for the batch.

    *stored*: ``[(message id, subject, from, date, direction, Message-ID)]``;
    *created_conversations*: ids of the conversations this batch started.
    """
    if not stored:
        return 0
    wanted = subscriptions(mailbox, ("message.received", "conversation.created"))
    if not wanted:
        return 0
    env = mailbox.env
    env["imap.message"].flush_model(["conversation_id"])
    env.cr.execute(
        """
        SELECT m.id, m.conversation_id, c.subject FROM imap_message m
          LEFT JOIN imap_conversation c ON c.id = m.conversation_id
         WHERE m.id = ANY(%s)
    """,
        [[row[0] for row in stored]],
    )
    conversations = {message_id: (cid, subject) for message_id, cid, subject in env.cr.fetchall()}
    events, started = [], set()
    source, base = mailbox_part(mailbox), base_url(env)
    created = set(created_conversations)
    for row in sorted(stored):
        message_id, direction = row[0], row[4]
        cid, conversation_subject = conversations.get(message_id, (None, None))
        message = message_part(base, row)
        conversation = conversation_part(base, cid, conversation_subject) if cid else None
        if cid in created and cid not in started:
            started.add(cid)
            events.append(("conversation.created", {**source, "conversation": conversation, "message": message}, None))
        if direction == "incoming":
            events.append(("message.received", {**source, "conversation": conversation, "message": message}, None))
    return emit(mailbox, events, wanted)


def emit_failed(message):
    """*message* is kept as failed (it could not be stored, or a routing rule failed on it): once per message."""
    mailbox = message.mailbox_id
    env = message.env
    payload = {
        **mailbox_part(mailbox),
        "message": {
            **message_part(
                base_url(env),
                (
                    message.id,
                    message.subject,
                    message.email_from,
                    message.date,
                    message.direction or None,
                    message.message_id,
                ),
            ),
            "error": message.error_message or "",
        },
    }
    return emit(mailbox, [("message.failed", payload, f"message.failed:{message.id}")])


def emit_auth_failed(mailbox):
    """A new failure episode of *mailbox*'s login (called where its owner is told, once per episode)."""
    payload = {
        "mailbox": {**mailbox_part(mailbox)["mailbox"], "url": link(base_url(mailbox.env), "imap.mailbox", mailbox.id)},
        "error": mailbox.last_error or "",
    }
    return emit(mailbox, [("mailbox.auth_failed", payload, None)])


def create_test_delivery(webhook):
    """A *webhook.test* delivery of *webhook*, written like any event (the caller sends it at once)."""
    moment = now()
    payload = {"webhook": {"id": webhook.id, "name": webhook.name}, "company_id": webhook.company_id.id}
    return (
        webhook.env["imap.webhook.delivery"]
        .sudo()
        .create(
            {
                "webhook_id": webhook.id,
                "event": webhooks.TEST_EVENT,
                "payload": body(webhooks.TEST_EVENT, payload, moment),
                "state": "pending",
                "next_attempt_date": moment,
            }
        )
    )


# -- delivering ---------------------------------------------------------------------------------


def policy(env):
    """Where webhooks may go: what *Allowed mail servers* allows a mailbox of a non-administrator.

    Administrators set webhook URLs, but a URL is not checked against a name's addresses once
    and for all: every address it resolves to is checked at each delivery.
    """
    return DestinationPolicy(restricted=True, allowed=allowed_servers(env))


def attempt(delivery):
    """POST *delivery* once and record the outcome on it; returns True when delivered."""
    webhook = delivery.webhook_id.sudo()
    payload = delivery.payload.encode()
    stamp = int(time.time())
    headers = webhooks.headers(delivery.event, delivery.id, stamp, webhooks.sign(webhook.secret or "", stamp, payload))
    attempts = delivery.attempt_count + 1
    started = time.monotonic()
    status, error = None, None
    try:
        answer = webhooks.post(webhook.url, payload, headers, policy(delivery.env))
        status = answer.status
        if not webhooks.is_success(status):
            error = f"HTTP {status}: {answer.text.strip()[:200]}".strip().rstrip(":")
    except webhooks.InvalidUrl as invalid:
        error = str(invalid)
    except imap_errors.ImapError as failure:
        error = str(failure)
    values = {
        "attempt_count": attempts,
        "last_attempt_date": fields.Datetime.now(),
        "last_status_code": status,
        "last_error": error,
        "duration_ms": int((time.monotonic() - started) * 1000),
    }
    if error is None:
        values.update(state="delivered", delivered_date=values["last_attempt_date"], next_attempt_date=False)
        _logger.info("Webhook %s: delivery %s (%s) delivered", webhook.name, delivery.id, delivery.event)
    else:
        delay = None if delivery.event == webhooks.TEST_EVENT else webhooks.retry_delay(attempts)
        if delay is None:
            values.update(state="dead", next_attempt_date=False)
            # A test event is tried once, in front of the administrator: not a warning for the log.
            log = _logger.info if delivery.event == webhooks.TEST_EVENT else _logger.warning
            log(
                "Webhook %s: delivery %s (%s) given up after %s attempts: %s",
                webhook.name,
                delivery.id,
                delivery.event,
                attempts,
                error,
            )
        else:
            values.update(state="retrying", next_attempt_date=values["last_attempt_date"] + delay)
            _logger.info(
                "Webhook %s: delivery %s (%s) failed, next attempt in %s: %s",
                webhook.name,
                delivery.id,
                delivery.event,
                delay,
                error,
            )
    delivery.sudo().write(values)
    delivery.sudo().flush_recordset()
    return error is None


_DUE_HEADS = """
    SELECT w.id FROM imap_webhook w
     CROSS JOIN LATERAL (SELECT d.next_attempt_date FROM imap_webhook_delivery d
                          WHERE d.webhook_id = w.id AND d.state IN ('pending', 'retrying')
                          ORDER BY d.id LIMIT 1) head
     WHERE w.active AND head.next_attempt_date <= %s
     ORDER BY head.next_attempt_date, w.id
"""
_LOCK_HEAD = """
    SELECT id, next_attempt_date FROM imap_webhook_delivery
     WHERE webhook_id = %s AND state IN ('pending', 'retrying')
     ORDER BY id LIMIT 1
       FOR UPDATE SKIP LOCKED
"""
_OLDER_UNDELIVERED = """
    SELECT 1 FROM imap_webhook_delivery WHERE webhook_id = %s AND state IN ('pending', 'retrying') AND id < %s LIMIT 1
"""


def _lock_head(env, webhook_id):
    """The oldest undelivered delivery of the webhook, locked for this transaction, if it is due and
    no other worker holds an older one; else None."""
    cr = env.cr
    cr.execute(_LOCK_HEAD, [webhook_id])
    row = cr.fetchone()
    if not row:
        return None
    delivery_id, due = row
    cr.execute(_OLDER_UNDELIVERED, [webhook_id, delivery_id])
    if cr.fetchone() or due > now():
        return None  # an older one is being tried by another worker, or this one waits for its turn
    return delivery_id


def deliver_due(env, commit=None, deadline=None):
    """Deliver what is due, webhook by webhook in order, until nothing is due or *deadline* passes.

    *commit* (the cron's): each delivery is tried in a transaction of its own, committed once tried.
    Returns how many attempts were made.
    """
    Delivery = env["imap.webhook.delivery"].sudo()
    attempts = 0
    while True:
        env.flush_all()
        env.cr.execute(_DUE_HEADS, [now()])
        heads = [row[0] for row in env.cr.fetchall()]
        tried = 0
        for webhook_id in heads:
            if deadline is not None and time.monotonic() > deadline:
                env.ref(CRON)._trigger()
                return attempts
            if commit:
                commit()  # a fresh snapshot: what other workers committed is seen
            try:
                delivery_id = _lock_head(env, webhook_id)
            except psycopg2.errors.SerializationFailure:
                # Another worker changed that row since this transaction began: its turn, not ours.
                env.cr.rollback()
                continue
            if delivery_id is None:
                continue
            attempt(Delivery.browse(delivery_id))
            tried += 1
            if commit:
                commit()
        attempts += tried
        if not tried:
            return attempts


def forget_old(env):
    """Delivered and dead deliveries older than :data:`KEEP_DAYS` leave the log."""
    env["imap.webhook.delivery"].flush_model()
    env.cr.execute(
        "DELETE FROM imap_webhook_delivery WHERE state IN ('delivered', 'dead') "
        "AND create_date < now() at time zone 'UTC' - make_interval(days => %s)",
        [KEEP_DAYS],
    )
    env["imap.webhook.delivery"].invalidate_model()
