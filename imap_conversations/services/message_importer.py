"""Storing what the engine fetched: messages, conversations, contacts, attachments, locations.

A batch is written in bulk, one statement per table, inside one savepoint. If
anything in it cannot be stored, that savepoint is rolled back and the batch is
replayed one message per savepoint: the message at fault is kept as *failed*,
with its error and raw source, and every other message goes in. The outcome is
the one per-message savepoints promise; the common case costs a few statements
per batch instead of a dozen per message.
"""

import base64
import logging
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime

from odoo.tools import html2plaintext

from ..engine import states
from ..engine.identity import message_key
from ..engine.parse import parse_message
from . import locations, routing, webhooks
from .conversation_resolver import ConversationResolver
from .conversation_summary import add_participants
from .table_statistics import ImportStatistics
from .tables import imap_message as message_table
from .tables.imap_message_location import LocationRow, flags_text

_logger = logging.getLogger(__name__)

#: Folders whose mail was written by the mailbox's owner.
OUTGOING_ROLES = ("sent", "drafts")

#: The Message-ID column is indexed (a btree row holds about 2.7 kB): longer ids are kept cut,
#: and found by their dedupe key, which stands for the whole id.
MESSAGE_ID_STORED = 500

#: Mail attachments are the sender's files: one of a type a browser runs (HTML, SVG, XHTML, XML)
#: is stored as text/plain, as ir.attachment does for users who may not edit views. Always, so
#: that the cron (as superuser) and Sync now (as the user) store the same thing, and such a file
#: never opens as a page of Odoo's own site (the thread links download; see ir.attachment's
#: _check_contents).
INERT_ACTIVE_TYPES = {"attachments_mime_plainxml": True}
#: Declared types a browser may run that Odoo's check above lets through (it looks for "ht" and "xml").
_ACTIVE_TYPE_MARKS = ("xsl", "svg", "javascript", "ecmascript", "wml", "shockwave")


def stored_mimetype(declared):
    """The type an attachment is stored with: text/plain for anything a browser may run."""
    lowered = (declared or "").lower()
    return "text/plain" if any(mark in lowered for mark in _ACTIVE_TYPE_MARKS) else declared


@dataclass
class ImportCounts:
    new: int = 0
    #: Already imported (another folder, an earlier run): only their location was recorded.
    known: int = 0
    failed: int = 0
    #: Over the mailbox's maximum size: recorded from their headers, not imported.
    too_large: int = 0

    def __iadd__(self, other):
        self.new += other.new
        self.known += other.known
        self.failed += other.failed
        self.too_large += other.too_large
        return self


@dataclass
class _NewMessage:
    server: object
    parsed: object
    key: str
    outgoing: bool
    emails: set
    #: Where it sits on the server: [(folder id, uidvalidity, uid, flags)].
    locations: list
    id: int | None = None
    #: The conversation a reply written in Odoo belongs to, decided by the caller.
    into: int | None = None
    #: Decided while writing: redone from scratch when a failed batch is replayed.
    conversation: object = None
    extra: dict = field(default_factory=dict)


def format_address(address):
    if not address.email or not address.name:
        return address.email or address.name
    name = address.name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{name}" <{address.email}>'


def format_addresses(addresses):
    return ", ".join(format_address(a) for a in addresses) or None


def failure_values(error, attempts):
    return {
        "error_message": f"{type(error).__name__}: {error}"[:500],
        "error_details": "".join(traceback.format_exception(error)),
        "attempt_count": attempts,
        "failed_date": datetime.now(UTC).replace(tzinfo=None),
    }


def to_utc_naive(value):
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


class MessageImporter:
    """Stores batches of one mailbox; create one per mailbox run."""

    def __init__(self, mailbox):
        self.mailbox = mailbox
        self.env = mailbox.env
        self.cr = mailbox.env.cr
        self.messages = self.env["imap.message"]
        self.own_addresses = mailbox._own_addresses()
        self.threads = ConversationResolver(mailbox, self.own_addresses)
        self.statistics = ImportStatistics(self.cr)
        self.router = routing.Router(mailbox)
        self.new_incoming_ids = []

    # -- before download ---------------------------------------------------------

    def known_uids(self, server_messages):
        """UIDs whose message this mailbox already holds, judged from headers alone."""
        keys = {m.uid: message_key(m) for m in server_messages}
        existing = self._message_ids_by_key({k for k in keys.values() if k})
        return {uid for uid, key in keys.items() if key in existing}

    def _message_ids_by_key(self, keys):
        if not keys:
            return {}
        self.messages.flush_model(["mailbox_id", "dedupe_key"])
        self.cr.execute(
            "SELECT dedupe_key, id FROM imap_message WHERE mailbox_id = %s AND dedupe_key = ANY(%s)",
            [self.mailbox.id, list(keys)],
        )
        return dict(self.cr.fetchall())

    # -- a batch -------------------------------------------------------------------

    def import_batch(self, folder, uidvalidity, batch):
        self._folder, self._uidvalidity = folder, uidvalidity
        #: UIDs of this batch kept as failed, for the quarantine.
        self.failed_uids = []
        outgoing_folder = folder.role in OUTGOING_ROLES
        known_keys = [message_key(m) for m in batch.known]
        parsed = [(m, parse_message(m.raw)) for m in batch.new]
        # Too large to download: what their headers say is all there is to record.
        large = [(m, parse_message(m.header)) for m in batch.too_large]
        self._by_key = self._message_ids_by_key(
            {k for k in known_keys if k} | {message_key(m, p) for m, p in (*parsed, *large)}
        )
        located = [(key, m) for key, m in zip(known_keys, batch.known, strict=True) if key in self._by_key]
        self._prefetch([p for _m, p in parsed], batch.new)
        self._touched, self._participants = set(), {}

        new, counts = {}, ImportCounts()
        for server_message, message in parsed:
            key = message_key(server_message, message)
            if key in self._by_key or key in new:
                located.append((key, server_message))  # twice in the folder, or imported meanwhile
                continue
            sender = message.sender.normalized if message.sender else ""
            new[key] = _NewMessage(
                server_message,
                message,
                key,
                outgoing_folder or sender in self.own_addresses,
                self._addresses_of(message),
                [self._location_of(server_message)],
            )
        stored, failed = self._write_isolating_failures(list(new.values()))
        counts.new, counts.failed = stored, failed
        #: The incoming messages this batch stored (not those kept as failed): for the chatter entries.
        self.new_incoming_ids = [
            item.id for item in new.values() if not item.outgoing and item.id and self._by_key.get(item.key) == item.id
        ]
        for server_message, headers in large:
            key = message_key(server_message, headers)
            if key in self._by_key:
                located.append((key, server_message))
            else:
                self._record_too_large(server_message, headers, key, outgoing_folder)
                counts.too_large += 1
        known = [(self._by_key[key], m) for key, m in located if key in self._by_key]
        counts.known = len(known)
        self._touched |= locations.add(self.env, self.mailbox, folder, uidvalidity, known, outgoing=outgoing_folder)
        self._flush_participants()
        self.env["imap.conversation"].browse(self._touched)._refresh_summary()
        self.statistics.stored_messages(stored)
        self._emit_events(new.values())
        self._route(new.values())
        return counts

    def _emit_events(self, items):
        """Webhook events of the messages just stored (and the conversations they started): one statement.

        In the batch's transaction: a batch rolled back emits nothing, one committed cannot lose them.
        """
        created, self.threads.created_ids = self.threads.created_ids, []
        stored = [
            (
                item.id,
                item.parsed.subject,
                format_addresses(item.parsed.from_),
                to_utc_naive(item.parsed.date or item.server.internaldate),
                states.OUTGOING if item.outgoing else states.INCOMING,
                item.parsed.message_id or item.server.message_id,
            )
            for item in items
            if item.id and self._by_key.get(item.key) == item.id
        ]
        webhooks.emit_stored(self.mailbox, stored, created)

    def _route(self, items):
        """The extension point after storing: routing rules and automations see the messages stored."""
        # An item whose write was rolled back may hold the id it had: only those _by_key kept count.
        self.router.route([item.id for item in items if item.id and self._by_key.get(item.key) == item.id])

    def _location_of(self, server_message):
        return (self._folder.id, self._uidvalidity, server_message.uid, flags_text(server_message.flags))

    def _prefetch(self, parsed_messages, server_messages):
        self.threads.prefetch(parsed_messages, server_messages)
        emails = set().union(*(self._addresses_of(p) for p in parsed_messages)) if parsed_messages else set()
        self._partners = {}
        if emails:
            # The oldest contact wins when several share an address.
            for partner in (
                self.env["res.partner"]
                .with_context(active_test=False)
                .search_read(
                    [("email_normalized", "in", list(emails))],
                    ["email_normalized"],
                    order="id desc",
                )
            ):
                self._partners[partner["email_normalized"]] = partner["id"]

    @staticmethod
    def _addresses_of(parsed):
        return {a.normalized for a in (*parsed.from_, *parsed.to, *parsed.cc, *parsed.bcc) if a.normalized}

    # -- writing, with failures isolated -------------------------------------------------

    def _write_isolating_failures(self, items):
        """Write *items* at once; if that fails, one by one. Returns (stored, failed)."""
        if not items:
            return 0, 0
        snapshot = self._snapshot()
        try:
            with self.cr.savepoint():
                self._write(items)
            return len(items), 0
        # Storing can fail in ways nobody can list (a constraint, a bug, the filestore):
        # whatever it is, replay one message per savepoint to find the one at fault.
        except Exception:  # noqa: BLE001
            self._restore(snapshot)
            _logger.info(
                "IMAP mailbox %s: storing a batch failed, storing its %s messages one by one",
                self.mailbox.name,
                len(items),
            )
        stored = failed = 0
        for item in items:
            snapshot = self._snapshot()
            try:
                with self.cr.savepoint():
                    self._write([item])
                stored += 1
            except Exception as error:  # noqa: BLE001 - see above: the message is kept as failed, not lost
                self._restore(snapshot)
                self._store_failed(item, error)
                failed += 1
        return stored, failed

    def _snapshot(self):
        return (
            self.threads.snapshot(),
            dict(self._by_key),
            set(self._touched),
            {k: set(v) for k, v in self._participants.items()},
        )

    def _restore(self, snapshot):
        threads, self._by_key, self._touched, self._participants = snapshot
        self.threads.restore(threads)

    def _write(self, items):
        for item in items:
            item.conversation = self.threads.resolve(item.parsed, item.server, item.outgoing, into=item.into)
        self.threads.flush()
        now = datetime.now(UTC).replace(tzinfo=None)
        ids = message_table.insert(self.cr, [self._row(item, now) for item in items])
        for item, new_id in zip(items, ids, strict=True):
            item.id = new_id
            self._by_key[item.key] = new_id
            conversation = self.threads.final_id(item.conversation)
            self._touched.add(conversation)
            self._participants.setdefault(conversation, set()).update(item.emails)
        message_table.link_partners(self.cr, [(item.id, pid) for item in items for pid in item.extra["partner_ids"]])
        self._create_attachments([item for item in items if item.parsed.attachments])
        self._insert_locations([(item.id, *location) for item in items for location in item.locations])
        # Rows the ORM did not write: relations cached before them are stale now.
        self.env["imap.conversation"].invalidate_model(["imap_message_ids"])

    def _row(self, item, now):
        parsed, server = item.parsed, item.server
        sender = parsed.sender.normalized if parsed.sender else ""
        item.extra["partner_ids"] = sorted({self._partners[e] for e in item.emails if e in self._partners})
        html = parsed.html_body
        # Mail with only an HTML part still gets its text, which is what search reads.
        text = parsed.text_body or (html2plaintext(html) if html else "")
        uid, conversation = self.env.uid, self.threads.final_id(item.conversation)
        return {
            "create_uid": uid,
            "create_date": now,
            "write_uid": uid,
            "write_date": now,
            "mailbox_id": self.mailbox.id,
            "company_id": self.mailbox.company_id.id,
            "conversation_id": conversation,
            "state": states.MESSAGE_IMPORTED,
            "dedupe_key": item.key,
            "message_id": (parsed.message_id or server.message_id or "")[:MESSAGE_ID_STORED] or None,
            "in_reply_to": parsed.in_reply_to[:MESSAGE_ID_STORED] or None,
            "references": " ".join(parsed.references) or None,
            "gm_msgid": server.gm_msgid,
            "gm_thrid": server.gm_thrid,
            "email_id": server.email_id,
            "server_thread_id": server.thread_id,
            "subject": parsed.subject,
            "date": to_utc_naive(parsed.date or server.internaldate) or now,
            "direction": states.OUTGOING if item.outgoing else states.INCOMING,
            "email_from": format_addresses(parsed.from_),
            "author_id": self._partners.get(sender),
            "email_to": format_addresses(parsed.to),
            "email_cc": format_addresses(parsed.cc),
            "email_bcc": format_addresses(parsed.bcc),
            "reply_to": format_addresses(parsed.reply_to),
            "body_html_source": html or None,
            "body_text": text or None,
            "headers": "\n".join(f"{name}: {value}" for name, value in parsed.headers),
            "has_attachments": any(not a.inline for a in parsed.attachments),
            "size": parsed.size,
            "defects": "\n".join(parsed.defects) or None,
            "is_seen": server.seen,
        }

    def _create_attachments(self, items):
        """All attachments of the batch in one create (inline ones keep their Content-ID for display)."""
        if not items:
            return
        values = []
        for item in items:
            for attachment in item.parsed.attachments:
                values.append(
                    {
                        "name": attachment.filename,
                        "raw": attachment.content,
                        "mimetype": stored_mimetype(attachment.mimetype),
                        "res_model": "imap.message",
                        "res_id": item.id,
                        "description": f"cid:{attachment.content_id}" if attachment.content_id else False,
                    }
                )
        self.env["ir.attachment"].with_context(**INERT_ACTIVE_TYPES).create(values)

    def _store_failed(self, item, error):
        """Keep a message that could not be stored: its error, its source, where it is on the server.

        If even that fails (whatever in the message broke storing may break this too), a bare
        record named after its location on the server keeps the source and the location.
        """
        server_message, parsed = item.server, item.parsed
        _logger.warning(
            "IMAP mailbox %s: UID %s could not be stored, kept as failed: %s",
            self.mailbox.name,
            server_message.uid,
            error,
        )
        described = {
            "dedupe_key": item.key,
            "message_id": (parsed.message_id or server_message.message_id or "")[:MESSAGE_ID_STORED] or False,
            "subject": parsed.subject,
            "date": to_utc_naive(parsed.date or server_message.internaldate),
            "email_from": format_addresses(parsed.from_),
        }
        bare = {"dedupe_key": "failed:{}:{}:{}".format(*item.locations[0][:3]) if item.locations else item.key}
        for values in (described, bare):
            try:
                with self.cr.savepoint():
                    failed = self._create_failed(server_message, values, error, item.locations)
                break
            except Exception as second_error:  # the bare record is the last resort (re-raised below if it fails)
                if values is bare:
                    raise
                _logger.warning(
                    "IMAP mailbox %s: UID %s kept as a bare failed record: %s",
                    self.mailbox.name,
                    server_message.uid,
                    second_error,
                )
        self._by_key[item.key] = failed.id
        self.failed_uids.append(server_message.uid)

    def _record_too_large(self, server_message, headers, key, outgoing_folder):
        """Keep a message over the maximum size from its headers: who, when, what, where; no body.

        It is imported in full only when someone asks (imap.message.action_import_anyway). Its
        location is recorded, so recovery does not count it as missing, and its dedupe key,
        so a later run (or another folder holding it) finds it known.
        """
        limit = self.mailbox._max_message_bytes()
        sender = headers.sender.normalized if headers.sender else ""
        record = self.messages.create(
            {
                "mailbox_id": self.mailbox.id,
                "state": states.MESSAGE_TOO_LARGE,
                "dedupe_key": key,
                "message_id": (headers.message_id or server_message.message_id or "")[:MESSAGE_ID_STORED] or False,
                "in_reply_to": headers.in_reply_to[:MESSAGE_ID_STORED] or False,
                "references": " ".join(headers.references) or False,
                "gm_msgid": server_message.gm_msgid,
                "gm_thrid": server_message.gm_thrid,
                "email_id": server_message.email_id,
                "server_thread_id": server_message.thread_id,
                "subject": headers.subject,
                "date": to_utc_naive(headers.date or server_message.internaldate),
                "direction": states.OUTGOING if outgoing_folder or sender in self.own_addresses else states.INCOMING,
                "email_from": format_addresses(headers.from_),
                "email_to": format_addresses(headers.to),
                "email_cc": format_addresses(headers.cc),
                "reply_to": format_addresses(headers.reply_to),
                "headers": "\n".join(f"{name}: {value}" for name, value in headers.headers),
                "size": server_message.size,
                "is_seen": server_message.seen,
                "error_message": self.env._(
                    "Not imported: %(size)s MB, over this mailbox's maximum message size of %(limit)s MB.",
                    size=round(server_message.size / 2**20, 1),
                    limit=round(limit / 2**20, 1),
                ),
            }
        )
        self.messages.flush_model()
        self._insert_locations([(record.id, *self._location_of(server_message))])
        self._by_key[key] = record.id
        _logger.info(
            "IMAP mailbox %s: UID %s of %s is %s bytes, over the maximum size: recorded, not imported",
            self.mailbox.name,
            server_message.uid,
            self._folder.name,
            server_message.size,
        )

    def _create_failed(self, server_message, values, error, locations_):
        failed = self.messages.with_context(**INERT_ACTIVE_TYPES).create(
            {
                "mailbox_id": self.mailbox.id,
                "state": states.MESSAGE_FAILED,
                "size": server_message.size,
                "is_seen": server_message.seen,
                "raw_source": base64.b64encode(server_message.raw or b""),
                **values,
                **failure_values(error, attempts=1),
            }
        )
        self.messages.flush_model()
        self._insert_locations([(failed.id, *location) for location in locations_])
        # In the savepoint that keeps it: emitted once, with the record.
        webhooks.emit_failed(failed)
        return failed

    # -- mail written in Odoo -----------------------------------------------------------

    def store_outgoing(self, raw, conversation=None):
        """A message composed in Odoo, stored like a synced one before it is sent; returns it.

        Its Message-ID is then known, so the copy found later in Sent is recognised, and
        replies to it join its conversation. *conversation*: the one it answers, if any.
        """
        from ..engine.folder_sync import ServerMessage

        parsed = parse_message(raw)
        server = ServerMessage(
            uid=0,
            flags=frozenset({states.SEEN}),
            internaldate=None,
            size=len(raw),
            message_id=parsed.message_id,
            raw=raw,
        )
        item = _NewMessage(
            server,
            parsed,
            message_key(server, parsed),
            True,
            self._addresses_of(parsed),
            [],
            into=conversation.id if conversation else None,
        )
        self._touched, self._participants, self._by_key = set(), {}, {}
        self._prefetch([parsed], [server])
        self._write([item])
        self._flush_participants()
        self.env["imap.conversation"].browse(self._touched)._refresh_summary()
        self._emit_events([item])
        return self.messages.browse(item.id)

    # -- retrying failed messages ------------------------------------------------------

    def retry(self, failed_messages, downloaded=None):
        """Store failed messages again from their source; returns (stored, still failed).

        A message that goes in replaces its failed record, keeping its locations; one
        that fails again keeps its record with one more attempt and the new error.
        *downloaded*: ``{record: ServerMessage}`` just fetched from the server, for records
        that hold no source (recorded as too large, imported on demand).
        """
        self.failed_uids = []
        # Stored fine, then a routing rule failed on them: it is the routing that is retried.
        routed = failed_messages.filtered("failed_rule_id")
        rerouted, still_unrouted = self.router.retry(routed) if routed else (0, 0)
        failed_messages -= routed
        self._touched, self._participants = set(), {}
        downloaded = downloaded or {}
        items = {message: self._item_from_failed(message, downloaded.get(message)) for message in failed_messages}
        self._prefetch([item.parsed for item in items.values()], [item.server for item in items.values()])
        self._by_key = self._message_ids_by_key({item.key for item in items.values()})
        stored = 0
        for message, item in items.items():
            snapshot = self._snapshot()
            try:
                with self.cr.savepoint():
                    message.unlink()
                    existing = self._by_key.get(item.key)
                    if existing and existing != message.id:
                        # Imported meanwhile from another folder: the failed copy only adds its locations.
                        self._insert_locations([(existing, *location) for location in item.locations])
                        self._touched.add(self.messages.browse(existing).conversation_id.id)
                    else:
                        self._write([item])
                stored += 1
            except Exception as error:  # noqa: BLE001 - whatever failed, the message stays failed, not lost
                self._restore(snapshot)
                message.write(failure_values(error, attempts=message.attempt_count + 1))
        self._flush_participants()
        self.env["imap.conversation"].browse(self._touched)._refresh_summary()
        self._emit_events(items.values())
        self._route(items.values())
        return stored + rerouted, len(items) - stored + still_unrouted

    def _item_from_failed(self, message, server=None):
        from ..engine.folder_sync import ServerMessage

        located = [(loc.folder_id.id, loc.uidvalidity, loc.uid, loc.flags or "") for loc in message.location_ids]
        if server is None:
            raw = message.sudo()._raw_bytes()
            flags = frozenset((located[0][3] if located else "").split())
            server = ServerMessage(
                uid=located[0][2] if located else 0,
                flags=flags,
                internaldate=message.date,
                size=len(raw),
                message_id=message.message_id or "",
                gm_msgid=message.gm_msgid or None,
                gm_thrid=message.gm_thrid or None,
                email_id=message.email_id or None,
                thread_id=message.server_thread_id or None,
                raw=raw,
            )
        parsed = parse_message(server.raw)
        key = message_key(server, parsed)
        outgoing_location = any(loc.folder_id.role in OUTGOING_ROLES for loc in message.location_ids)
        sender = parsed.sender.normalized if parsed.sender else ""
        return _NewMessage(
            server, parsed, key, outgoing_location or sender in self.own_addresses, self._addresses_of(parsed), located
        )

    def _insert_locations(self, rows):
        """Locations ``(message id, folder id, uidvalidity, uid, flags)``, in one statement."""
        locations.insert(
            self.env,
            [
                LocationRow(message_id, folder_id, self.mailbox.id, uidvalidity, uid, flags)
                for message_id, folder_id, uidvalidity, uid, flags in rows
            ],
        )

    def _flush_participants(self):
        """Add the addresses of the messages stored to their conversations, in one statement.

        Through the merges decided since a message was stored (ConversationResolver.final_id):
        the conversation it was stored in may have been merged into another one since.
        """
        wanted = {}
        for conversation, emails in self._participants.items():
            if conversation:
                wanted.setdefault(self.threads.final_id(conversation), set()).update(emails)
        add_participants(self.env, wanted)
