import os

from odoo.tests import HttpCase, new_test_user, tagged

from ..services.mailbox_sync import MailboxSync
from .common import PNG, ImapRig

NEWSLETTER = """\
From: Newsletter <news@shop.example>
To: team@example.com
Subject: Our offers
Message-ID: <tour-newsletter@shop.example>
MIME-Version: 1.0
Content-Type: multipart/related; boundary="REL"

--REL
Content-Type: text/html; charset=utf-8

<p>Our offers <img src="cid:logo@shop.example" alt="logo"></p>
<p><img src="http://localhost:9/open.gif?u=carla" width="1" height="1" alt=""></p>
--REL
Content-Type: image/png
Content-ID: <logo@shop.example>
Content-Transfer-Encoding: base64

{png}
--REL--
"""


@tagged("post_install", "-at_install")
class TestRemoteContentTour(HttpCase):
    """In Chromium, as a sales user: remote content hidden, then shown on request, by the server."""

    def test_a_sales_user_shows_the_remote_content_of_a_newsletter(self):
        import base64

        rig = ImapRig(os.environ)
        login = rig.new_login()
        seller = new_test_user(self.env, "imap_seller", groups="base.group_user,imap_conversations.group_user",
                               name="Sam Seller")
        mailbox = self.env["imap.mailbox"].create({
            "name": "Team mailbox", "host": rig.host, "port": rig.port, "security": "none",
            "login": login, "password": rig.password, "email": rig.address(login), "user_id": False,
        })
        mailbox.action_fetch_folders()
        # The remote image points at a closed port of this machine: nothing leaves it, even shown.
        rig.append(login, "INBOX", [NEWSLETTER.format(png=base64.b64encode(PNG).decode()).encode()])
        self.assertFalse(MailboxSync(mailbox).run().error)
        conversation = self.env["imap.conversation"].search([("mailbox_id", "=", mailbox.id)])

        self.start_tour(f"/odoo/imap.conversation/{conversation.id}", "imap_conversations_remote_content",
                        login="imap_seller")

        choice = self.env["imap.remote.content.choice"].search([])
        self.assertEqual((choice.user_id, choice.message_id), (seller, conversation.message_ids),
                         "the server recorded the seller's choice, for that message")
