"""Send again reuses a draft's Message-ID and replaces the draft: only one's own unsent message, in its mailbox.

The composer's ``draft_id`` is readonly in the form only: over RPC anyone can set it
(here: ``create`` as the user, which is what RPC does). The send must refuse every
message that is not the sender's own failed draft of the very mailbox it sends from.
"""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..services.sender import MailSender
from .common import SyncCase, make_email


@tagged("post_install", "-at_install")
class TestComposerDrafts(SyncCase):
    def setUp(self):
        super().setUp()
        self.shared = self.synced_mailbox(user_id=False, name="Support")
        self.customer_login, self.customer = self.new_customer()
        self.attacker = self.other_user

    def delivered(self):
        return self.rig.subjects(self.customer_login, "INBOX")

    def failed_draft(self, mailbox, user, subject):
        """A message *user* wrote in *mailbox* whose sending failed (the SMTP login refused)."""
        mailbox.write({"smtp_same_credentials": False, "smtp_login": mailbox.login, "smtp_password": "wrong"})
        result = MailSender(mailbox.with_user(user)).send(to=self.customer, subject=subject, html="<p>Original</p>")
        mailbox.smtp_same_credentials = True
        self.assertFalse(result.sent)
        return result.message

    def sent_message(self, mailbox, user, subject):
        result = MailSender(mailbox.with_user(user)).send(to=self.customer, subject=subject, html="<p>Original</p>")
        self.assertTrue(result.sent, result.error)
        return result.message

    def received_message(self, subject):
        self.rig.append(self.shared.login, "INBOX", [make_email(subject=subject, sender=self.customer.email)])
        self.sync(self.shared)
        return self.messages(self.shared, subject=subject)

    def forge(self, target, mailbox=None):
        """The attacker sends a text of theirs from *mailbox* (the shared one) with *target* as the draft."""
        composer = (
            self.env["imap.compose"]
            .with_user(self.attacker)
            .create(
                {
                    "mailbox_id": (mailbox or self.shared).id,
                    "partner_ids": [(6, 0, self.customer.ids)],
                    "subject": "Forged",
                    "body": "<p>Forged text</p>",
                    "draft_id": target.id,
                }
            )
        )
        return composer.action_send()

    def assertUntouched(self, message, state, message_id):
        message.invalidate_recordset()
        self.assertTrue(message.exists(), "the message is still there")
        self.assertEqual((message.state, message.message_id), (state, message_id))
        self.assertNotIn("Forged", message.body_html or "")

    def test_another_users_draft_received_mail_and_sent_mail_are_refused(self):
        targets = {
            "another user's draft": self.failed_draft(self.shared, self.imap_user, "Colleague's draft"),
            "a received message": self.received_message("Received"),
            "another user's sent message": self.sent_message(self.shared, self.imap_user, "Colleague's mail"),
        }
        delivered = self.delivered()
        for label, target in targets.items():
            with self.subTest(target=label):
                state, message_id = target.state, target.message_id
                with self.assertRaises(AccessError):
                    self.forge(target)
                self.assertUntouched(target, state, message_id)
        self.assertEqual(self.delivered(), delivered, "nothing was sent")
        self.assertFalse(self.messages(self.shared, subject="Forged"))

    def test_ones_own_draft_of_another_mailbox_is_refused(self):
        own_mailbox = self.synced_mailbox(owner=self.attacker)
        draft = self.failed_draft(own_mailbox, self.attacker, "My draft")
        with self.assertRaises(AccessError):
            self.forge(draft, mailbox=self.shared)
        self.assertUntouched(draft, "draft", draft.message_id)
        self.assertEqual(self.delivered(), [])

    def test_ones_own_sent_message_is_not_sent_twice(self):
        sent = self.sent_message(self.shared, self.attacker, "Mine")
        with self.assertRaisesRegex(UserError, "sent already"):
            self.forge(sent)
        self.assertUntouched(sent, "sent", sent.message_id)
        self.assertEqual(self.delivered(), ["Mine"])

    def test_ones_own_draft_of_the_same_mailbox_is_sent_again_and_replaced(self):
        draft = self.failed_draft(self.shared, self.attacker, "Mine")
        message_id = draft.message_id
        result = self.forge(draft)
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        self.assertFalse(draft.exists(), "the draft became the sent message")
        [sent] = self.messages(self.shared, message_id=message_id)
        self.assertEqual(sent.state, "sent")
        self.assertEqual(self.delivered(), ["Forged"])

    def test_send_again_is_offered_for_ones_own_drafts_only(self):
        draft = self.failed_draft(self.shared, self.imap_user, "Colleague's draft")
        conversation = draft.conversation_id
        self.assertEqual(conversation.with_user(self.imap_user).draft_count, 1)
        as_attacker = conversation.with_user(self.attacker)
        self.assertEqual(as_attacker.draft_count, 0, "no Send again button for a colleague's draft")
        with self.assertRaises(UserError):
            as_attacker.action_resend_draft()
        with self.assertRaises(UserError):
            draft.with_user(self.attacker).action_resend()
        action = conversation.with_user(self.imap_user).action_resend_draft()
        self.assertEqual(action["context"]["default_draft_id"], draft.id)
