import os

from odoo.tests import HttpCase, tagged

from ..services.mailbox_sync import MailboxSync
from .common import ImapRig, admin_mailbox, make_email


@tagged("post_install", "-at_install")
class TestMobileTour(HttpCase):
    """In Chromium 390 px wide, a phone: the conversations show as cards that say who wrote, what about
    and how it starts; Reply all is at hand on the conversation (not in the gear menu), and its composer
    shows the message answered with the cursor in the text."""

    browser_size = "390x844"
    touch_enabled = True

    def test_a_phone_reads_the_list_as_cards_and_answers_from_the_conversation(self):
        rig = ImapRig(os.environ)
        login, carla_login = rig.new_login(), rig.new_login()
        mailbox = admin_mailbox(self.env, rig, login)
        rig.append(
            login,
            "INBOX",
            [
                make_email(
                    subject="Question about delivery",
                    sender=f"Carla Customer <{rig.address(carla_login)}>",
                    to=mailbox.email,
                    body="Hello, when will the 40 chairs arrive?",
                )
            ],
        )
        self.assertFalse(MailboxSync(mailbox).run().error)

        self.start_tour(
            "/odoo/action-imap_conversations.imap_conversation_action", "imap_conversations_mobile", login="admin"
        )
