"""The API's messages: failed ones listed and retried; new mail and answers sent through the composer."""

import base64

from odoo.tests import tagged

from .api_common import ApiCase
from .common import PoisonedStorage, make_email


@tagged("post_install", "-at_install")
class TestApiFailedMessages(ApiCase):
    def test_failed_messages_are_listed_for_those_who_use_the_mailbox_and_retried(self):
        mailbox = self.synced_mailbox(owner=self.imap_user)
        other = self.synced_mailbox(owner=self.other_user)
        for each in (mailbox, other):
            self.rig.append(each.login, "INBOX", [make_email(subject="poison")])
        with PoisonedStorage(self.env.cr) as poisoned:
            self.sync(mailbox)
            self.sync(other)
            failed, others_failed = self.messages(mailbox, state="failed"), self.messages(other, state="failed")
            listed = self.rpc(self.imap_user, "list_failed_messages")
            self.assertEqual(
                [(m["id"], m["mailbox_id"], m["subject"], m["attempts"]) for m in listed],
                [(failed.id, mailbox.id, "poison", 1)],
                "not another user's",
            )
            self.assertIn("storage refused this message", listed[0]["error"])
            self.assertEqual(self.rpc(self.imap_user, "list_failed_messages", [mailbox.id]), listed)
            self.assertRefused("AccessError", "not shared with you", self.imap_user, "list_failed_messages", [other.id])
            self.assertRefused(
                "AccessError", "doesn't have 'read' access", self.imap_user, "retry_failed_messages", [others_failed.id]
            )
            self.assertEqual(others_failed.attempt_count, 1, "not retried")

            answer = self.rpc(self.imap_user, "retry_failed_messages", [failed.id])
            self.assertEqual((answer["stored"], answer["still_failing"]), (0, 1))
            self.assertEqual([m["attempts"] for m in answer["failed"]], [2])
            poisoned.lift()
            answer = self.rpc(self.imap_user, "retry_failed_messages", [failed.id])
        self.assertEqual(answer, {"stored": 1, "still_failing": 0, "failed": []})
        self.assertEqual(self.messages(mailbox).mapped("state"), ["imported"])
        self.assertEqual(self.rpc(self.imap_user, "list_failed_messages"), [])


@tagged("post_install", "-at_install")
class TestApiSending(ApiCase):
    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox(owner=self.imap_user)
        self.customer_login, self.customer = self.new_customer()

    def test_a_new_mail_with_an_attachment_reaches_the_customer_and_the_record(self):
        sent = self.rpc(
            self.imap_user,
            "send_message",
            [self.customer.email],
            "Catalogue",
            "<p>Here it is</p>",
            attachments=[
                {
                    "name": "catalogue.pdf",
                    "mimetype": "application/pdf",
                    "content": base64.b64encode(b"%PDF catalogue").decode(),
                }
            ],
            res_model="res.partner",
            res_id=self.customer.id,
        )
        self.assertEqual(
            (sent["sent"], sent["state"], sent["mailbox_id"], sent["error"]), (True, "sent", self.mailbox.id, False)
        )
        [received] = self.inbox_of(self.customer_login)
        self.assertEqual((received.message_id, received.subject), (sent["message_id"], "Catalogue"))
        self.assertIn("Here it is", received.text_body)
        self.assertEqual(
            [(a.filename, a.content) for a in received.attachments], [("catalogue.pdf", b"%PDF catalogue")]
        )
        self.assertEqual(self.rig.subjects(self.mailbox.login, "Sent"), ["Catalogue"])
        conversation = self.env["imap.conversation"].browse(sent["conversation_id"])
        self.assertEqual(
            [(link.res_model, link.res_id) for link in conversation.link_ids],
            [("res.partner", self.customer.id)],
            "linked to the record it is about",
        )

    def test_a_reply_with_a_template_answers_in_the_thread(self):
        self.rig.append(
            self.mailbox.login,
            "INBOX",
            [
                make_email(
                    subject="Question",
                    sender=f"Carla <{self.customer.email}>",
                    to=self.mailbox.email,
                    message_id="<question@client.test>",
                )
            ],
        )
        self.sync(self.mailbox)
        parent = self.messages(self.mailbox)
        template = self.env["imap.template"].create(
            {
                "name": "Thanks",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "subject": "Thanks {{ object.name }}",
                "body_html": "<p>Dear {{ object.name }},</p>",
            }
        )
        sent = self.rpc(
            self.imap_user,
            "send_message",
            body="<p>See our offer.</p>",
            template_id=template.id,
            reply_to_message_id=parent.id,
        )
        self.assertTrue(sent["sent"], sent["error"])
        self.assertEqual(sent["conversation_id"], parent.conversation_id.id)
        [received] = self.inbox_of(self.customer_login)
        self.assertEqual(
            (received.subject, received.in_reply_to),
            ("Re: Question", "<question@client.test>"),
            "a reply keeps its subject and threading; the template brings the words",
        )
        self.assertRegex(" ".join(received.text_body.split()), r"Dear Carla Customer,.*See our offer\.")

    def test_answering_a_conversation_to_all_and_writing_to_contacts_by_id(self):
        colleague_login, colleague = self.new_customer("Colin Colleague")
        self.rig.append(
            self.mailbox.login,
            "INBOX",
            [
                make_email(
                    subject="Team question",
                    sender=f"Carla <{self.customer.email}>",
                    to=self.mailbox.email,
                    Cc=colleague.email,
                    message_id="<team@client.test>",
                )
            ],
        )
        self.sync(self.mailbox)
        conversation = self.messages(self.mailbox).conversation_id
        sent = self.rpc(
            self.imap_user,
            "send_message",
            body="<p>To both of you</p>",
            conversation_id=conversation.id,
            mode="reply_all",
        )
        self.assertEqual((sent["sent"], sent["conversation_id"]), (True, conversation.id))
        for login in (self.customer_login, colleague_login):
            with self.subTest(login=login):
                [received] = self.inbox_of(login)
                self.assertEqual((received.subject, received.in_reply_to), ("Re: Team question", "<team@client.test>"))
                self.assertEqual([a.email for a in received.cc], [colleague.email])
        sent = self.rpc(self.imap_user, "send_message", [colleague.id], "By id", "<p>Hello</p>", cc=[self.customer.id])
        self.assertTrue(sent["sent"])
        self.assertEqual([m.subject for m in self.inbox_of(colleague_login)], ["Re: Team question", "By id"])
        shared_with_others = self.make_mailbox(user_id=False, member_ids=[self.other_user.id])
        self.assertRefused(
            "AccessError",
            "doesn't have 'read' access",
            self.imap_user,
            "send_message",
            [self.customer.id],
            "Not shared with me",
            mailbox_id=shared_with_others.id,
        )

    def test_every_refusal_comes_before_anything_is_sent(self):
        other = self.synced_mailbox(owner=self.other_user)
        self.rig.append(other.login, "INBOX", [make_email(subject="Private", sender=self.customer.email)])
        self.sync(other)
        not_theirs = self.messages(other)
        self.assertRefused(
            "AccessError",
            "doesn't have 'read' access",
            self.imap_user,
            "send_message",
            body="<p>Hi</p>",
            reply_to_message_id=not_theirs.id,
        )
        self.assertRefused(
            "AccessError",
            "doesn't have 'read' access",
            self.imap_user,
            "send_message",
            [self.customer.email],
            "From someone else's mailbox",
            mailbox_id=other.id,
        )
        self.assertRefused(
            "UserError",
            "is not base64",
            self.imap_user,
            "send_message",
            [self.customer.email],
            "Broken file",
            attachments=[{"name": "a.pdf", "content": "not base64!"}],
        )
        self.assertRefused("UserError", "Add at least one recipient", self.imap_user, "send_message", [], "Nobody")
        lead_template = self.env["imap.template"].create(
            {
                "name": "For conversations",
                "model_id": self.env["ir.model"]._get_id("imap.conversation"),
                "subject": "Hello",
            }
        )
        self.assertRefused(
            "UserError",
            "is written for imap.conversation",
            self.imap_user,
            "send_message",
            [self.customer.email],
            "Template",
            template_id=lead_template.id,
        )
        self.assertRefused(
            "UserError",
            "mode must be one of",
            self.imap_user,
            "send_message",
            [self.customer.email],
            "Mode",
            mode="shout",
        )
        self.assertEqual(self.inbox_of(self.customer_login), [], "nothing reached the customer")
        self.assertFalse(self.messages(self.mailbox), "nothing stored, not even a draft")
        self.assertEqual(len(self.messages(other)), 1)
