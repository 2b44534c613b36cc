from odoo.tests import tagged

from ..services.sender import MailSender
from .common import SyncCase, make_email


@tagged("post_install", "-at_install")
class TestChatterSendsThroughTheMailbox(SyncCase):
    """ "Send message" in a contact's chatter, by a user whose own mailbox sends, goes through that mailbox."""

    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox()
        self.customer_login, self.customer = self.new_customer()

    def post(self, body="<p>Our offer stands</p>", **kwargs):
        # mail_auto_delete off: a mail.mail Odoo sent stays, to be seen (sent ones are deleted otherwise).
        values = {
            "message_type": "comment",
            "subtype_xmlid": "mail.mt_comment",
            "partner_ids": self.customer.ids,
            "mail_auto_delete": False,
            **kwargs,
        }
        # As the chatter does (mail's /mail/message/post): as superuser, once it checked the thread.
        return self.customer.with_user(self.imap_user).sudo().message_post(body=body, **values)

    def odoo_mails(self, message):
        return self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])

    def email_notifications(self, message):
        return message.notification_ids.filtered(lambda n: n.notification_type == "email")

    def test_a_chatter_message_is_sent_once_by_the_mailbox_and_lands_in_sent_and_a_linked_conversation(self):
        posted = self.post(subject="Offer 2027")
        self.assertEqual(self.rig.subjects(self.customer_login, "INBOX"), ["Offer 2027"], "received once")
        self.assertEqual(self.rig.subjects(self.mailbox.login, "Sent"), ["Offer 2027"])
        self.assertFalse(self.odoo_mails(posted), "Odoo's outgoing mail sends no second copy")
        [sent] = self.messages(self.mailbox)
        self.assertEqual((sent.state, sent.direction), ("sent", "outgoing"))
        self.assertIn("Our offer stands", sent.body_html)
        link = self.env["imap.conversation.link"].search([("conversation_id", "=", sent.conversation_id.id)])
        self.assertEqual((link.res_model, link.res_id), ("res.partner", self.customer.id))
        notification = self.email_notifications(posted)
        self.assertEqual(
            (notification.res_partner_id, notification.notification_status),
            (self.customer, "sent"),
            "the chatter shows the envelope as for Odoo's mail",
        )
        self.assertIn(posted, self.customer.message_ids, "the chatter still shows the message")

    def test_the_record_name_is_the_subject_when_the_chatter_gives_none(self):
        self.post()
        self.assertEqual(self.rig.subjects(self.customer_login, "INBOX"), [self.customer.display_name])

    def test_a_failed_send_shows_as_a_failed_mail_in_the_chatter_and_keeps_the_draft(self):
        self.mailbox.write({"smtp_same_credentials": False, "smtp_login": self.mailbox.login, "smtp_password": "wrong"})
        posted = self.post(subject="Lost?")
        notification = self.email_notifications(posted)
        self.assertEqual((notification.notification_status, notification.failure_type), ("exception", "mail_smtp"))
        self.assertIn("refused the login or password", notification.failure_reason)
        [draft] = self.messages(self.mailbox)
        self.assertEqual(draft.state, "draft", "nothing lost: the mail waits in its conversation")
        self.assertIn("Our offer stands", draft.body_html)
        self.assertFalse(self.odoo_mails(posted))

    def test_a_log_note_is_not_mailed(self):
        self.customer.with_user(self.imap_user).sudo().message_post(
            body="<p>internal</p>", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        self.assertFalse(self.messages(self.mailbox))

    def test_with_chatter_sending_off_odoo_sends_as_before(self):
        self.mailbox.chatter_send = False
        posted = self.post()
        self.assertFalse(self.messages(self.mailbox))
        self.assertTrue(self.odoo_mails(posted), "Odoo's outgoing mail")

    def test_a_user_without_a_mailbox_posts_through_odoo(self):
        posted = (
            self.customer.with_user(self.other_user)
            .sudo()
            .message_post(
                body="<p>Hi</p>",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.customer.ids,
                mail_auto_delete=False,
            )
        )
        self.assertFalse(self.messages(self.mailbox))
        self.assertTrue(self.odoo_mails(posted))


@tagged("post_install", "-at_install")
class TestIncomingMailInTheChatter(SyncCase):
    """An incoming message of a conversation linked to a record leaves one short entry in its chatter."""

    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox()
        self.customer_login, self.customer = self.new_customer()

    def entries(self, record):
        return record.message_ids.filtered(lambda m: "/odoo/imap.conversation/" in (m.body or ""))

    def answer(self, to_message, body="Yes, we take twelve units at the discount.\n\nBest, Carla"):
        self.rig.append(
            self.mailbox.login,
            "INBOX",
            [
                make_email(
                    subject="Re: Offer",
                    sender=f"Carla Customer <{self.customer.email}>",
                    to=self.mailbox.email,
                    body=body,
                    In_Reply_To=to_message.message_id,
                    References=to_message.message_id,
                )
            ],
        )

    def test_a_reply_in_a_linked_conversation_shows_once_in_the_record_chatter(self):
        sent = (
            MailSender(self.mailbox)
            .send(to=self.customer, subject="Offer", html="<p>Offer</p>", link_to=self.customer)
            .message
        )
        self.answer(sent)
        self.sync(self.mailbox)
        [entry] = self.entries(self.customer)
        conversation = sent.conversation_id
        self.assertIn(f"/odoo/imap.conversation/{conversation.id}", entry.body, "it opens the conversation")
        self.assertIn("Re: Offer", entry.body)
        self.assertIn("Yes, we take twelve units at the discount. Best, Carla", entry.body, "one line of the text")
        self.assertIn(self.customer.email, entry.body, "who wrote")
        self.assertEqual((entry.message_type, entry.subtype_id), ("notification", self.env.ref("mail.mt_note")))
        self.assertEqual(entry.author_id, self.customer)
        self.assertFalse(entry.notification_ids, "nobody is notified")
        self.sync(self.mailbox)
        self.assertEqual(len(self.entries(self.customer)), 1, "a re-sync logs nothing again")

    def test_mail_of_a_conversation_linked_to_nothing_leaves_no_entry(self):
        sent = MailSender(self.mailbox).send(to=self.customer, subject="Offer", html="<p>Offer</p>").message
        self.answer(sent)
        self.sync(self.mailbox)
        self.assertFalse(self.entries(self.customer))

    def test_the_entry_escapes_what_the_mail_says(self):
        sent = (
            MailSender(self.mailbox)
            .send(to=self.customer, subject="Offer", html="<p>Offer</p>", link_to=self.customer)
            .message
        )
        self.answer(sent, body="<script>alert(1)</script> <b>bold</b>")
        self.sync(self.mailbox)
        [entry] = self.entries(self.customer)
        self.assertNotIn("<script>", entry.body)
        self.assertNotIn("<b>", entry.body)
