from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import SyncCase, make_email


@tagged("post_install", "-at_install")
class TestComposer(SyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["imap.template"].create(
            {
                "name": "Friendly",
                "model_id": cls.env["ir.model"]._get_id("res.partner"),
                "is_default": True,
                "subject": "Hello {{ object.name }}",
                "body_html": "<p>Dear <t t-out='object.name'/>,</p><p>best regards</p>",
            }
        )

    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox()
        self.customer_login = self.rig.new_login()
        self.customer_address = self.rig.address(self.customer_login)

    def received_subjects(self):
        return self.rig.subjects(self.customer_login, "INBOX")

    def conversation_with_customer(self):
        self.rig.append(
            self.mailbox.login,
            "INBOX",
            [
                make_email(
                    subject="Question",
                    sender=f"Carla <{self.customer_address}>",
                    to=self.mailbox.email,
                )
            ],
        )
        self.sync(self.mailbox)
        return self.messages(self.mailbox).conversation_id

    def test_a_reply_is_prefilled_rendered_with_the_default_template_and_sent_into_the_thread(self):
        conversation = self.conversation_with_customer().with_user(self.imap_user)
        action = conversation.action_reply()
        composer = Form(self.env["imap.compose"].with_user(self.imap_user).with_context(**action["context"])).save()
        self.assertEqual(composer.mailbox_id, self.mailbox, "the user's own mailbox")
        self.assertEqual(composer.partner_ids.mapped("email"), [self.customer_address], "the contact, made on the fly")
        self.assertEqual(composer.subject, "Re: Question")
        self.assertEqual(composer.template_id.name, "Friendly", "the default template is preselected")
        self.assertIn("Dear Carla", composer.body)
        result = composer.action_send()
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        self.assertEqual(self.received_subjects(), ["Re: Question"])
        self.assertEqual(conversation.message_count, 2)
        reply = conversation.imap_message_ids.filtered(lambda m: m.direction == "outgoing")
        self.assertEqual(reply.state, "sent")
        self.assertIn("Dear Carla", conversation.thread_html)

    def test_new_mail_from_a_contact_starts_a_conversation_on_that_contact(self):
        carla = self.env["res.partner"].create({"name": "Carla", "email": self.customer_address})
        action = carla.with_user(self.imap_user).action_imap_compose()
        composer = Form(self.env["imap.compose"].with_user(self.imap_user).with_context(**action["context"])).save()
        self.assertEqual(composer.partner_ids, carla)
        self.assertEqual(composer.subject, "Hello Carla", "a new mail takes the template's subject")
        composer.action_send()
        self.assertEqual(self.received_subjects(), ["Hello Carla"])
        self.assertEqual(carla.with_user(self.imap_user).imap_conversation_count, 1)
        self.assertEqual(carla.imap_conversation_ids.link_ids.res_id, carla.id, "linked to the contact")

    def test_a_failed_send_keeps_the_draft_in_the_conversation_to_send_again(self):
        conversation = self.conversation_with_customer()
        self.mailbox.write({"smtp_same_credentials": False, "smtp_login": self.mailbox.login, "smtp_password": "wrong"})
        form = Form(
            self.env["imap.compose"]
            .with_user(self.imap_user)
            .with_context(**conversation.with_user(self.imap_user).action_reply()["context"])
        )
        form.body = "<p>Worth keeping</p>"
        result = form.save().action_send()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn("kept as a draft", result["params"]["message"])
        self.assertEqual(conversation.with_user(self.imap_user).draft_count, 1, "a Send again button for its writer")
        self.assertIn("Not sent", conversation.thread_html)
        self.assertEqual(self.received_subjects(), [])
        self.mailbox.smtp_same_credentials = True
        again = conversation.with_user(self.imap_user).action_resend_draft()
        composer = Form(self.env["imap.compose"].with_user(self.imap_user).with_context(**again["context"])).save()
        self.assertIn("Worth keeping", composer.body)
        self.assertEqual(composer.partner_ids.mapped("email"), [self.customer_address])
        result = composer.action_send()
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        self.assertEqual(conversation.with_user(self.imap_user).draft_count, 0)
        self.assertEqual(self.received_subjects(), ["Re: Question"])

    def test_one_writes_from_ones_own_mailbox_or_a_shared_one_never_someone_elses(self):
        others = self.synced_mailbox(owner=self.other_user)
        carla = self.env["res.partner"].create({"name": "Carla", "email": self.customer_address})
        admin_compose = self.env["imap.compose"].with_user(self.imap_admin)
        self.assertFalse(
            admin_compose._default_mailbox(), "an administrator without a mailbox of their own gets none by default"
        )
        shared = self.synced_mailbox(user_id=False, name="Support")
        self.assertEqual(admin_compose._default_mailbox(), shared)
        composer = admin_compose.create({"mailbox_id": others.id, "partner_ids": [(6, 0, carla.ids)]})
        with self.assertRaisesRegex(UserError, "own mailbox or a shared one"):
            composer.action_send()
        self.assertEqual(self.received_subjects(), [])

    def test_answering_a_shared_conversation_from_ones_own_mailbox_starts_ones_own_conversation(self):
        shared = self.synced_mailbox(user_id=False, name="Support")
        self.rig.append(shared.login, "INBOX", [make_email(subject="Help", sender=self.customer_address)])
        self.sync(shared)
        team_conversation = self.messages(shared).conversation_id
        composer = (
            self.env["imap.compose"]
            .with_user(self.imap_user)
            .with_context(**team_conversation.with_user(self.imap_user).action_reply()["context"])
            .create({})
        )
        self.assertEqual(composer.mailbox_id, shared, "the thread's own mailbox by default")
        composer.mailbox_id = self.mailbox
        composer.action_send()
        self.assertEqual(team_conversation.message_count, 1, "the team's thread is left as it was")
        mine = self.messages(self.mailbox).conversation_id
        self.assertEqual((mine.mailbox_id, mine.message_count), (self.mailbox, 1))
        self.assertEqual(self.received_subjects(), ["Re: Help"])

    def test_nonsense_is_refused_before_anything_is_sent(self):
        composer = (
            self.env["imap.compose"].with_user(self.imap_user).create({"mailbox_id": self.mailbox.id, "subject": "x"})
        )
        with self.assertRaisesRegex(UserError, "at least one recipient"):
            composer.action_send()
        composer.partner_ids = self.env["res.partner"].create({"name": "No address"})
        with self.assertRaisesRegex(UserError, "no email address"):
            composer.action_send()
        self.mailbox.smtp_host = False
        with self.assertRaisesRegex(UserError, "no outgoing server"):
            composer.action_send()
