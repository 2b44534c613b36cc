"""Helpers for the reading tests: conversations synced from the real Dovecot, seen by several users."""

from lxml import etree

from odoo.tests import Form
from odoo.tools.safe_eval import safe_eval

from .common import SyncCase, make_email


class ReadingCase(SyncCase):
    def shared_mailbox(self, **values):
        return self.synced_mailbox(user_id=False, **values)

    def deliver(self, mailbox, *emails, folder="INBOX", seen=False):
        """Put mail on the server and sync it; returns the conversations it landed in."""
        self.rig.append(mailbox.login, folder, list(emails), flags=[b"\\Seen"] if seen else [])
        self.sync(mailbox)
        return self.messages(mailbox).conversation_id

    def conversation(self, mailbox, subject="Hello", **kwargs):
        """One new conversation of one incoming message."""
        conversations = self.deliver(mailbox, make_email(subject=subject, **kwargs))
        return conversations.filtered(lambda c: c.subject == subject)

    def open_form(self, conversation, user):
        """Open the conversation in its form view as the web client does: read the form's fields, then
        mark it read (the form's controller does that once it shows the record; see the tour)."""
        form = Form(conversation.with_user(user))
        conversation.with_user(user).action_mark_read()
        return form

    def as_user(self, records, user):
        """The records as *user* sees them, with nothing cached from another user."""
        records.invalidate_recordset()
        return records.with_user(user)

    def search_filter(self, name, user):
        """Conversations found by the search view's filter *name*, as *user*."""
        view = self.env.ref("imap_conversations.imap_conversation_view_search")
        node = etree.fromstring(view.arch).find(f".//filter[@name='{name}']")
        domain = safe_eval(node.get("domain"), {"uid": user.id})
        return self.env["imap.conversation"].with_user(user).search(domain)
