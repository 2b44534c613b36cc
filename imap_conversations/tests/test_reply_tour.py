from odoo.tests import HttpCase, tagged

from ..services.mailbox_sync import MailboxSync
from .common import ImapRig, admin_mailbox, make_email


@tagged("post_install", "-at_install")
class TestReplyTour(HttpCase):
    """In Chromium: open a contact, open its conversation, reply with a template, see the reply."""

    def test_reply_to_a_customer_with_a_template_from_the_contact(self):
        import os

        rig = ImapRig(os.environ)
        login, customer_login = rig.new_login(), rig.new_login()
        admin = self.env.ref("base.user_admin")
        mailbox = admin_mailbox(self.env, rig, login)
        carla = self.env["res.partner"].create({"name": "Carla Customer", "email": rig.address(customer_login)})
        rig.append(
            login,
            "INBOX",
            [
                make_email(
                    subject="Question about delivery",
                    sender=f"Carla Customer <{carla.email}>",
                    to=mailbox.email,
                    body="Hello, when will it arrive?",
                )
            ],
        )
        self.assertFalse(MailboxSync(mailbox).run().error)
        self.env["imap.template"].create(
            {
                "name": "Friendly",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "subject": "Hello",
                "body_html": "<p>Dear <t t-out='object.name.split()[0]'/>, tomorrow.</p>",
            }
        )

        self.start_tour(f"/odoo/res.partner/{carla.id}", "imap_conversations_reply_with_template", login="admin")

        reply = self.env["imap.message"].search([("mailbox_id", "=", mailbox.id), ("direction", "=", "outgoing")])
        self.assertEqual((reply.state, reply.subject), ("sent", "Re: Question about delivery"))
        self.assertEqual(rig.subjects(customer_login, "INBOX"), ["Re: Question about delivery"])
        self.assertFalse(reply.conversation_id.with_user(admin).is_unread, "opening it in the browser read it")
