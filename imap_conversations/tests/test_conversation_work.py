"""Conversations as work: assignee and status, tracked in the chatter; the sync posts nothing there.

- A personal mailbox's conversation is its owner's; a shared one's is nobody's at first. The
  assignee follows it.
- Anyone who may use the mailbox assigns (to someone who may use it too) and sets the status.
- New incoming mail reopens a waiting or done conversation; a reply sent keeps the status.
"""

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import SyncCase, make_email


@tagged("post_install", "-at_install")
class TestConversationWork(SyncCase):
    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox()
        self.deliver("Question")

    def deliver(self, subject, **kwargs):
        self.rig.append(
            self.mailbox.login,
            "INBOX",
            [make_email(subject=subject, sender="Carla <carla@example.com>", to=self.mailbox.email, **kwargs)],
        )
        self.sync(self.mailbox)
        return self.messages(self.mailbox)[-1:].conversation_id

    def conversation(self, user=None):
        return self.messages(self.mailbox)[:1].conversation_id.with_user(user or self.imap_user)

    def test_a_new_conversation_is_open_needs_a_reply_and_is_the_owners(self):
        conversation = self.conversation()
        self.assertEqual((conversation.status, conversation.assignee_id), ("open", self.imap_user))
        self.assertTrue(conversation.needs_reply, "its last message came in")
        self.assertIn(self.imap_user.partner_id, conversation.message_partner_ids, "the assignee follows it")
        self.assertIn(
            conversation, conversation.search([("assignee_id", "=", self.imap_user.id), ("needs_reply", "=", True)])
        )

    def test_a_shared_mailboxs_conversation_is_unassigned(self):
        team = self.synced_mailbox(user_id=False)
        self.rig.append(team.login, "INBOX", [make_email(subject="for the team")])
        self.sync(team)
        conversation = self.messages(team).conversation_id
        self.assertFalse(conversation.assignee_id)
        conversation.with_user(self.other_user).action_assign_to_me()
        self.assertEqual(conversation.assignee_id, self.other_user)
        self.assertIn(self.other_user.partner_id, conversation.message_partner_ids)

    def test_the_sync_posts_nothing_in_the_chatter(self):
        self.deliver("Re: Question")
        conversation = self.conversation()
        self.assertEqual(conversation.message_count, 2)
        self.assertFalse(conversation.message_ids, "the imported mail is the thread, not chatter messages")

    def test_assignment_and_status_changes_are_tracked(self):
        conversation = self.conversation()
        conversation.write({"status": "waiting"})
        conversation.message_post(body="Called her, she sends the order", subtype_xmlid="mail.mt_note")
        self.env.cr.precommit.run()  # tracking is written before the commit
        tracked = conversation.sudo().message_ids.tracking_value_ids
        self.assertEqual(tracked.field_id.mapped("name"), ["status"])
        self.assertEqual(len(conversation.message_ids), 2, "the status change and the note")

    def test_new_incoming_mail_reopens_a_done_or_waiting_conversation(self):
        conversation = self.conversation()
        for status in ("done", "waiting"):
            conversation.status = status
            self.deliver("Re: Question", body=f"answer while {status}")
            self.assertEqual(conversation.status, "open", f"the customer answered a {status} conversation")

    def test_a_resync_without_new_mail_keeps_done(self):
        conversation = self.conversation()
        conversation.status = "done"
        self.sync(self.mailbox)
        self.assertEqual(conversation.status, "done")

    def test_a_reply_sent_keeps_the_status_and_no_longer_needs_a_reply(self):
        conversation = self.conversation()
        conversation.status = "waiting"
        customer = self.env["res.partner"].create({"name": "Carla", "email": "carla@example.com"})
        composer = (
            self.env["imap.compose"]
            .with_user(self.imap_user)
            .with_context(default_conversation_id=conversation.id)
            .create({"partner_ids": [(6, 0, customer.ids)]})
        )
        composer.action_send()
        self.sync(self.mailbox)
        self.assertEqual(conversation.status, "waiting")
        self.assertFalse(conversation.needs_reply)

    def test_assigning_to_someone_who_cannot_use_the_mailbox_is_refused(self):
        conversation = self.conversation()
        with self.assertRaises(UserError):
            conversation.write({"assignee_id": self.other_user.id})
        with self.assertRaises(UserError):
            conversation.with_user(self.imap_admin).write({"assignee_id": self.other_user.id})
        self.assertEqual(conversation.assignee_id, self.imap_user)

    def test_a_user_who_cannot_use_the_mailbox_cannot_assign_or_set_status(self):
        conversation = self.conversation(self.other_user)
        with self.assertRaises(UserError):  # the record is not theirs to see
            conversation.action_assign_to_me()
        from odoo.exceptions import AccessError

        with self.assertRaises(AccessError):
            conversation.write({"status": "done"})

    def test_other_fields_stay_the_syncs(self):
        from odoo.exceptions import AccessError

        with self.assertRaises(AccessError):
            self.conversation().write({"subject": "mine now"})
