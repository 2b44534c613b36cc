"""Reply, Reply all and Forward on one message of the thread, from its buttons.

Reply all goes to the sender and copies every other recipient but the mailbox; Forward
starts with no recipient, a "Fwd:" subject and the original's attachments; each quotes
the message under what the user writes and threads under it.
"""

from email import message_from_bytes, policy

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import SyncCase, make_email


@tagged("post_install", "-at_install")
class TestConversationAnswers(SyncCase):
    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox()
        mail = message_from_bytes(
            make_email(
                subject="Offer",
                sender="Carla <carla@example.com>",
                to=f"Shop <{self.mailbox.email}>, Bob <bob@example.com>",
                cc="dana@example.com",
                body="Can you do 10% discount?",
            ),
            policy=policy.default,
        )
        mail.add_attachment(b"terms", maintype="text", subtype="plain", filename="terms.txt")
        self.rig.append(self.mailbox.login, "INBOX", [mail.as_bytes()])
        self.sync(self.mailbox)
        self.message = self.messages(self.mailbox)
        self.conversation = self.message.conversation_id.with_user(self.imap_user)

    def composer(self, mode):
        action = self.conversation.action_reply_to_message(self.message.id, mode)
        return Form(self.env["imap.compose"].with_user(self.imap_user).with_context(**action["context"])).save()

    def test_reply_all_goes_to_the_sender_and_copies_the_others_but_not_the_mailbox(self):
        composer = self.composer("reply_all")
        self.assertEqual(composer.partner_ids.mapped("email"), ["carla@example.com"])
        self.assertEqual(sorted(composer.cc_partner_ids.mapped("email")), ["bob@example.com", "dana@example.com"])
        self.assertEqual((composer.subject, composer.parent_id), ("Re: Offer", self.message))

    def test_a_reply_quotes_the_message_answered(self):
        composer = self.composer("reply")
        self.assertEqual(composer.partner_ids.mapped("email"), ["carla@example.com"])
        self.assertFalse(composer.cc_partner_ids)
        self.assertIn("wrote:", composer.body)
        self.assertIn("Carla", composer.body)
        self.assertRegex(composer.body, r"<blockquote[^>]*>.*10% discount")

    def test_forward_has_no_recipient_a_fwd_subject_and_the_attachments(self):
        composer = self.composer("forward")
        self.assertFalse(composer.partner_ids)
        self.assertEqual(composer.subject, "Fwd: Offer")
        self.assertEqual(composer.attachment_ids.mapped("name"), ["terms.txt"])
        self.assertNotEqual(composer.attachment_ids, self.message.attachment_ids, "copies: the originals stay")
        self.assertIn("Forwarded message", composer.body)
        self.assertIn("10% discount", composer.body)

    def test_the_message_must_be_one_of_the_conversation(self):
        other = self.synced_mailbox(owner=self.other_user)
        self.rig.append(other.login, "INBOX", [make_email(subject="private")])
        self.sync(other)
        foreign = self.messages(other)
        with self.assertRaises(UserError):
            self.conversation.action_reply_to_message(foreign.id, "reply")
        with self.assertRaises(AccessError):
            foreign.conversation_id.with_user(self.imap_user).action_reply_to_message(foreign.id, "reply")

    def test_a_reply_all_sent_threads_under_the_message_answered(self):
        composer = self.composer("reply_all")
        composer.action_send()
        sent = self.conversation.imap_message_ids.filtered(lambda m: m.direction == "outgoing")
        self.assertEqual(sent.in_reply_to, self.message.message_id)
        self.assertIn("bob@example.com", sent.email_cc)

    def test_the_composer_shows_the_message_answered_beside_the_text(self):
        action = self.conversation.action_reply_to_message(self.message.id, "reply")
        self.assertEqual(action["context"]["dialog_size"], "extra-large", "wide enough for both")
        self.assertEqual(self.conversation.action_reply()["context"]["dialog_size"], "extra-large")
        preview = str(self.composer("reply").parent_preview)
        self.assertIn("<strong>Carla</strong>", preview)
        self.assertIn("Can you do 10% discount?", preview)
        view = self.env.ref("imap_conversations.imap_compose_view_form")
        self.assertIn('disable_autofocus="1"', view.arch, "the body gets the cursor, not From (compose_form.js)")

    def test_a_new_email_has_no_message_answered(self):
        action = self.env["imap.compose"]._open({"default_res_model": "res.partner"}, "New email")
        self.assertNotIn("dialog_size", action["context"])
        composer = Form(self.env["imap.compose"].with_user(self.imap_user)).save()
        self.assertFalse(composer.parent_preview)

    def test_the_preview_shows_no_message_the_writer_may_not_read(self):
        other = self.synced_mailbox(owner=self.other_user)
        self.rig.append(other.login, "INBOX", [make_email(subject="private", body="secret terms")])
        self.sync(other)
        composer = self.env["imap.compose"].with_user(self.imap_user).new({})
        # Past the form's own check (_check_references), the preview still shows nothing of it.
        composer.parent_id = self.messages(other).sudo()
        self.assertFalse(composer.parent_preview)

    def test_reply_all_and_forward_of_the_form_answer_the_last_message_received(self):
        # The form's buttons on a phone, where Odoo puts the header's Reply in the gear menu.
        for method, mode in (("action_reply_all", "reply_all"), ("action_forward", "forward")):
            action = getattr(self.conversation, method)()
            self.assertEqual(
                (action["context"]["default_parent_id"], action["context"]["imap_compose_mode"]),
                (self.message.id, mode),
            )
        arch = self.env["imap.conversation"].get_view(view_type="form")["arch"]
        for method in ("action_reply", "action_reply_all", "action_forward"):
            self.assertRegex(arch, rf'(?s)o_imap_mobile_answers[^>]*>(?:(?!</div>).)*name="{method}"')

    def test_the_form_buttons_answer_only_a_conversation_one_may_read(self):
        other = self.synced_mailbox(owner=self.other_user)
        self.rig.append(other.login, "INBOX", [make_email(subject="private")])
        self.sync(other)
        foreign = self.messages(other).conversation_id.with_user(self.imap_user)
        for method in ("action_reply_all", "action_forward"):
            with self.assertRaises(AccessError):
                getattr(foreign, method)()
