"""Which conversation each new message joins, for a whole batch at once.

Thread keys (message-ids and server thread ids, see engine/threads.py) are
looked up once per batch. A message that starts a thread gets a *pending*
conversation, inserted with the others of its batch in one statement; later
messages of the same batch find it through the keys like any other.
"""

from datetime import UTC, datetime, timedelta

from ..engine.threads import is_reply_subject, subject_key, thread_keys
from .bulk_sql import execute_values
from .conversation_work import OPEN, follow_in_bulk
from .tables import imap_message as message_table

#: A "Re:" without References joins a same-subject conversation only this recent.
SUBJECT_FALLBACK_WINDOW = timedelta(days=30)


class PendingConversation:
    """A conversation decided in this batch, not inserted yet."""

    __slots__ = ("id", "merged_into", "subject")

    def __init__(self, subject):
        self.subject = subject
        self.id = None
        #: When a later message of the batch proves it is part of another conversation.
        self.merged_into = None


def final(conversation):
    """The conversation a reference ends up as: an id, or a pending one not merged away."""
    while isinstance(conversation, PendingConversation) and conversation.merged_into is not None:
        conversation = conversation.merged_into
    return conversation


def conversation_id(conversation):
    conversation = final(conversation)
    return conversation.id if isinstance(conversation, PendingConversation) else conversation


class ConversationResolver:
    def __init__(self, mailbox, own_addresses):
        self.mailbox = mailbox
        self.env = mailbox.env
        self.cr = mailbox.env.cr
        self.own_addresses = own_addresses
        self.keys = {}
        self._pending = []
        self._new_keys = {}
        #: Ids of the conversations inserted since the importer last took them (for the webhooks' events).
        self.created_ids = []
        #: Conversations merged away in this run: ``{absorbed id: the id that absorbed it}``. Messages
        #: of the batch may have been resolved to one of them before the merge.
        self.absorbed = {}

    # -- state, saved and restored around savepoints -------------------------------------

    def snapshot(self):
        return dict(self.keys), list(self._pending), dict(self._new_keys), list(self.created_ids), dict(self.absorbed)

    def restore(self, snapshot):
        self.keys, self._pending, self._new_keys, self.created_ids, self.absorbed = snapshot

    def final_id(self, conversation):
        """The id a conversation decided earlier ends up as, after the merges decided since."""
        conversation_id_ = conversation_id(conversation)
        while conversation_id_ in self.absorbed:
            conversation_id_ = self.absorbed[conversation_id_]
        return conversation_id_

    def prefetch(self, parsed_messages, server_messages):
        keys = set()
        for parsed in parsed_messages:
            keys.update(thread_keys(parsed.message_id, parsed.in_reply_to, parsed.references))
        keys.update(f"gm:{m.gm_thrid}" for m in server_messages if m.gm_thrid)
        keys.update(f"thread:{m.thread_id}" for m in server_messages if m.thread_id)
        self.keys = {}
        if keys:
            self.cr.execute(
                "SELECT key, conversation_id FROM imap_conversation_key WHERE mailbox_id = %s AND key = ANY(%s)",
                [self.mailbox.id, list(keys)],
            )
            self.keys = dict(self.cr.fetchall())

    # -- deciding ---------------------------------------------------------------------

    def resolve(self, parsed, server_message, outgoing, into=None):
        """The conversation (an id or a PendingConversation) of a new message; records its keys.

        *into*: a conversation decided by the caller (a reply written in Odoo): its keys
        then lead there, whatever they led to before.
        """
        keys = thread_keys(
            parsed.message_id, parsed.in_reply_to, parsed.references, server_message.gm_thrid, server_message.thread_id
        )
        found = {into} if into else {final(self.keys[k]) for k in keys if k in self.keys}
        if not found and not parsed.references and not parsed.in_reply_to and is_reply_subject(parsed.subject):
            found = self._by_subject(parsed, outgoing)
        if not found:
            conversation = PendingConversation(parsed.subject)
            self._pending.append(conversation)
        else:
            conversation = self._merge(found)
        for key in keys:
            if final(self.keys.get(key)) is not conversation:
                self.keys[key] = conversation
                self._new_keys[key] = conversation
        return conversation

    def _by_subject(self, parsed, outgoing):
        """A recent conversation with the same subject that the other party already takes part in.

        For replies without references. The other party is the sender of incoming mail, the
        recipients of our own; the mailbox's own address proves nothing, it is in every conversation.
        """
        since = (parsed.date or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None) - SUBJECT_FALLBACK_WINDOW
        self.env["imap.conversation"].flush_model(["normalized_subject", "last_message_date", "participant_emails"])
        self.cr.execute(
            "SELECT id, participant_emails FROM imap_conversation WHERE mailbox_id = %s AND normalized_subject = %s "
            "AND last_message_date >= %s ORDER BY last_message_date DESC LIMIT 10",
            [self.mailbox.id, subject_key(parsed.subject), since],
        )
        counterparts = {a.normalized for a in (parsed.to + parsed.cc if outgoing else parsed.from_)}
        counterparts -= self.own_addresses
        for found_id, participants in self.cr.fetchall():
            if counterparts & set((participants or "").split()):
                return {found_id}
        return set()

    def _merge(self, found):
        """A message tying several conversations together joins them: the oldest one absorbs the rest."""
        existing = sorted(c for c in found if not isinstance(c, PendingConversation))
        pending = [c for c in found if isinstance(c, PendingConversation)]
        target = existing[0] if existing else pending[0]
        for other in pending:
            if other is not target:
                other.merged_into = target
        if len(existing) > 1:
            self._absorb(target, existing[1:])
        return target

    def _absorb(self, target, others):
        self.env["imap.message"].flush_model()
        self.env["imap.conversation"].flush_model(["participant_emails"])
        # Whoever took part in a branch takes part in the whole conversation.
        self.cr.execute(
            """
            UPDATE imap_conversation SET participant_emails = (
                   SELECT string_agg(DISTINCT address, ' ' ORDER BY address)
                     FROM imap_conversation c,
                          unnest(string_to_array(c.participant_emails, ' ')) AS address
                    WHERE c.id = %(target)s OR c.id = ANY(%(others)s))
             WHERE id = %(target)s
            """,
            {"target": target, "others": others},
        )
        self.env["imap.conversation"].browse(target).invalidate_recordset(["participant_emails"])
        message_table.move_to_conversation(self.cr, target, others)
        self.cr.execute(
            "UPDATE imap_conversation_key SET conversation_id = %s WHERE conversation_id = ANY(%s)", [target, others]
        )
        # Links made by hand (a lead, a contact) follow; the absorbed conversations' read states go.
        self.cr.execute(
            """
            UPDATE imap_conversation_link SET conversation_id = %(target)s
             WHERE id IN (SELECT DISTINCT ON (res_model, res_id) id FROM imap_conversation_link l
                           WHERE l.conversation_id = ANY(%(others)s)
                             AND NOT EXISTS (SELECT 1 FROM imap_conversation_link t
                                              WHERE t.conversation_id = %(target)s
                                                AND t.res_model = l.res_model AND t.res_id = l.res_id)
                        ORDER BY res_model, res_id, id)
            """,
            {"target": target, "others": others},
        )
        self.keys = {k: (target if c in others else c) for k, c in self.keys.items()}
        self.absorbed.update(dict.fromkeys(others, target))
        self.env["imap.message"].invalidate_model(["conversation_id"])
        self.env["imap.conversation.link"].invalidate_model(["conversation_id"])
        self.env["imap.conversation"].browse(others).unlink()

    # -- writing ---------------------------------------------------------------------

    def flush(self):
        """Insert the pending conversations and the new keys, in one statement each."""
        pending = [c for c in self._pending if c.merged_into is None and c.id is None]
        if pending:
            uid, now = self.env.uid, datetime.now(UTC).replace(tzinfo=None)
            mailbox = self.mailbox
            rows = execute_values(
                self.cr,
                "INSERT INTO imap_conversation (create_uid, create_date, write_uid, write_date, mailbox_id, "
                "company_id, user_id, subject, normalized_subject, message_count, assignee_id, status, needs_reply) "
                "VALUES %s RETURNING id",
                # Open, and a personal mailbox's owner has it (as imap.conversation.create does).
                [
                    (
                        uid,
                        now,
                        uid,
                        now,
                        mailbox.id,
                        mailbox.company_id.id,
                        mailbox.user_id.id or None,
                        c.subject,
                        subject_key(c.subject),
                        0,
                        mailbox.user_id.id or None,
                        OPEN,
                        False,
                    )
                    for c in pending
                ],
                fetch=True,
            )
            for conversation, (new_id,) in zip(pending, rows, strict=True):
                conversation.id = new_id
            self.created_ids.extend(row[0] for row in rows)
            follow_in_bulk(self.env, [row[0] for row in rows], mailbox.user_id.partner_id.id)
        self._pending = []
        if self._new_keys:
            execute_values(
                self.cr,
                "INSERT INTO imap_conversation_key (mailbox_id, key, conversation_id) VALUES %s "
                "ON CONFLICT (mailbox_id, key) DO UPDATE SET conversation_id = EXCLUDED.conversation_id",
                [(self.mailbox.id, key, self.final_id(c)) for key, c in self._new_keys.items()],
            )
        self.keys = {k: self.final_id(c) for k, c in self.keys.items()}
        self._new_keys = {}
