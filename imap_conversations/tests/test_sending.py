from odoo.tests import tagged

from ..services.sender import MailSender
from .common import SyncCase, make_email


@tagged("post_install", "-at_install")
class TestSending(SyncCase):
    """Sending from a mailbox through the rig's SMTP server, which delivers to the rig's Dovecot users."""

    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox()
        self.customer_login = self.rig.new_login()
        self.customer = self.env["res.partner"].create(
            {
                "name": "Carla Customer",
                "email": self.rig.address(self.customer_login),
            }
        )

    def test_a_reply_carries_its_threading_headers_and_lands_in_the_conversation(self):
        self.rig.append(
            self.mailbox.login,
            "INBOX",
            [
                make_email(
                    subject="Offer",
                    sender=f"Carla <{self.customer.email}>",
                    to=self.mailbox.email,
                    message_id="<offer@client.test>",
                    References="<root@client.test>",
                )
            ],
        )
        self.sync(self.mailbox)
        parent = self.messages(self.mailbox)
        result = MailSender(self.mailbox).send(
            to=self.customer, subject="Offer", html="<p>Thanks, <b>yes</b></p>", parent=parent
        )
        self.assertTrue(result.sent, result.error)
        sent = result.message
        self.assertEqual((sent.state, sent.direction), ("sent", "outgoing"))
        self.assertEqual(sent.conversation_id, parent.conversation_id)
        self.assertEqual(sent.conversation_id.message_count, 2)
        received = self.inbox_of(self.customer_login)
        self.assertEqual(len(received), 1)
        self.assertEqual(received[0].message_id, sent.message_id, "the Message-ID stored is the one sent")
        self.assertEqual(received[0].in_reply_to, "<offer@client.test>")
        self.assertEqual(received[0].references, ["<root@client.test>", "<offer@client.test>"])
        self.assertEqual(received[0].subject, "Re: Offer")
        self.assertEqual(received[0].sender.name, self.imap_user.name, "a personal mailbox writes as its owner")
        self.assertIn("Thanks, yes", received[0].text_body)

    def test_the_copy_in_sent_is_recognised_when_sent_syncs_back(self):
        result = MailSender(self.mailbox).send(to=self.customer, subject="Hello", html="<p>First mail</p>")
        self.assertEqual(self.rig.subjects(self.mailbox.login, "Sent"), ["Hello"])
        self.assertEqual(self.rig.seen_subjects(self.mailbox.login, "Sent"), {"Hello"}, "the Sent copy is read")
        report = self.sync(self.mailbox)
        self.assertEqual(report.counts.new, 0, "not imported a second time")
        self.assertEqual(self.messages(self.mailbox), result.message)
        self.assertEqual(result.message.location_ids.folder_id.name, "Sent")

    def test_new_mail_starts_a_conversation_that_the_answer_joins(self):
        result = MailSender(self.mailbox).send(to=self.customer, subject="Catalogue 2027", html="<p>Here</p>")
        conversation = result.message.conversation_id
        self.assertTrue(conversation)
        answer = make_email(
            subject="Re: Catalogue 2027",
            sender=self.customer.email,
            to=self.mailbox.email,
            In_Reply_To=result.message.message_id,
            References=result.message.message_id,
        )
        self.rig.append(self.mailbox.login, "INBOX", [answer])
        self.sync(self.mailbox)
        self.assertEqual(self.messages(self.mailbox).conversation_id, conversation)
        self.assertEqual(conversation.message_count, 2)

    def test_a_failed_send_keeps_a_draft_that_can_be_sent_again_with_the_same_message_id(self):
        self.mailbox.write({"smtp_same_credentials": False, "smtp_login": self.mailbox.login, "smtp_password": "wrong"})
        result = MailSender(self.mailbox).send(to=self.customer, subject="Important", html="<p>Do not lose me</p>")
        self.assertFalse(result.sent)
        draft = result.message
        self.assertEqual(draft.state, "draft")
        self.assertIn("refused the login or password", draft.error_message)
        self.assertIn("Do not lose me", draft.body_html)
        self.assertEqual(self.inbox_of(self.customer_login), [])
        self.mailbox.smtp_same_credentials = True
        first_message_id = draft.message_id
        self.assertEqual(draft.conversation_id.message_count, 0, "a draft is not a message of the thread yet")
        again = MailSender(self.mailbox).send(
            to=self.customer, subject="Important", html="<p>Do not lose me</p>", draft=draft
        )
        self.assertTrue(again.sent)
        self.assertEqual(again.message.message_id, first_message_id, "sent again under the same Message-ID")
        self.assertEqual(again.message.conversation_id.message_count, 1)
        received = self.inbox_of(self.customer_login)
        self.assertEqual([m.message_id for m in received], [again.message.message_id])
        self.assertEqual(len(self.messages(self.mailbox)), 1, "the draft became the sent message")

    def test_attachments_and_cc_are_sent(self):
        colleague_login = self.rig.new_login()
        colleague = self.env["res.partner"].create({"name": "Col", "email": self.rig.address(colleague_login)})
        attachment = self.env["ir.attachment"].create(
            {"name": "offer.pdf", "raw": b"%PDF offer", "mimetype": "application/pdf"}
        )
        MailSender(self.mailbox).send(
            to=self.customer, cc=colleague, subject="Files", html="<p>See</p>", attachments=attachment
        )
        for login in (self.customer_login, colleague_login):
            with self.subTest(login=login):
                [received] = self.inbox_of(login)
                self.assertEqual(
                    [(a.filename, a.content) for a in received.attachments], [("offer.pdf", b"%PDF offer")]
                )
                self.assertEqual([a.email for a in received.cc], [colleague.email])

    def test_test_outgoing_server_says_what_happened(self):
        self.assertEqual(self.mailbox.action_test_smtp()["params"]["type"], "success")
        self.mailbox.smtp_security = "ssl"  # implicit TLS spoken to the STARTTLS port
        self.assertIn("No secure connection", self.mailbox.action_test_smtp()["params"]["message"])
        self.mailbox.write(
            {
                "smtp_security": "starttls",
                "smtp_same_credentials": False,
                "smtp_login": self.mailbox.login,
                "smtp_password": "wrong",
            }
        )
        self.assertIn("refused the login or password", self.mailbox.action_test_smtp()["params"]["message"])
