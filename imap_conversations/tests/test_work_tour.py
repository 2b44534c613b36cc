import os

from odoo.tests import HttpCase, tagged

from ..services.mailbox_sync import MailboxSync
from .common import ImapRig, admin_mailbox, make_email


@tagged("post_install", "-at_install")
class TestWorkTour(HttpCase):
    """In Chromium: search, open, assign to me, note, activity, reply all with the quote, done;
    then the customer answers and the conversation is open again."""

    def test_working_a_conversation_from_search_to_done_and_reopened(self):
        rig = ImapRig(os.environ)
        login, carla_login, bob_login = rig.new_login(), rig.new_login(), rig.new_login()
        admin = self.env.ref("base.user_admin")
        mailbox = admin_mailbox(self.env, rig, login)
        carla, bob = f"Carla Customer <{rig.address(carla_login)}>", f"Bob Buyer <{rig.address(bob_login)}>"
        rig.append(
            login,
            "INBOX",
            [
                make_email(
                    subject="Offer for 40 chairs",
                    sender=carla,
                    to=f"{mailbox.email}, {bob}",
                    body="Could you give us a discount on 40 chairs?",
                ),
                make_email(subject="Offer for 12 tables", sender=carla, to=mailbox.email, body="Any news?"),
            ],
        )
        self.assertFalse(MailboxSync(mailbox).run().error)
        conversation = self.env["imap.conversation"].search(
            [("mailbox_id", "=", mailbox.id), ("subject", "=", "Offer for 40 chairs")]
        )
        conversation.assignee_id = False  # so that the tour takes it

        self.start_tour(
            "/odoo/action-imap_conversations.imap_conversation_action", "imap_conversations_work", login="admin"
        )

        self.assertEqual((conversation.assignee_id, conversation.status), (admin, "done"))
        self.assertIn("She buys if we deliver by Friday", "".join(conversation.message_ids.mapped("body")))
        self.assertEqual(conversation.activity_ids.summary, "Call Carla back")
        self.assertEqual(rig.subjects(carla_login, "INBOX"), ["Re: Offer for 40 chairs"])
        self.assertEqual(rig.subjects(bob_login, "INBOX"), ["Re: Offer for 40 chairs"], "in copy")
        reply = conversation.imap_message_ids.filtered(lambda m: m.direction == "outgoing")
        self.assertIn("wrote:", reply.body_html)

        rig.append(
            login,
            "INBOX",
            [
                make_email(
                    subject="Re: Offer for 40 chairs",
                    sender=carla,
                    to=mailbox.email,
                    body="Deal.",
                    In_Reply_To=reply.message_id,
                )
            ],
        )
        self.assertFalse(MailboxSync(mailbox).run().error)
        self.assertEqual(conversation.status, "open", "the customer answered: open again")
