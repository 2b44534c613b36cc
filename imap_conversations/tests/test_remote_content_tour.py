import os
from unittest.mock import patch

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser

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
<p><img src="http://tracker.shop.example/open.gif?u=carla" width="1" height="1" alt=""></p>
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
        seller = new_test_user(
            self.env, "imap_seller", groups="base.group_user,imap_conversations.group_user", name="Sam Seller"
        )
        mailbox = self.env["imap.mailbox"].create(
            {
                "name": "Team mailbox",
                "host": rig.host,
                "port": rig.port,
                "security": "none",
                "login": login,
                "password": rig.password,
                "email": rig.address(login),
                "user_id": False,
            }
        )
        mailbox.action_fetch_folders()
        # Remote content names a host of the Internet (an address of this machine is dropped as
        # Odoo's own); the browser below resolves no name at all, so showing it sends nothing anywhere.
        rig.append(login, "INBOX", [NEWSLETTER.format(png=base64.b64encode(PNG).decode()).encode()])
        self.assertFalse(MailboxSync(mailbox).run().error)
        conversation = self.env["imap.conversation"].search([("mailbox_id", "=", mailbox.id)])

        spawn = ChromeBrowser._spawn_chrome

        def spawn_resolving_nothing(browser, cmd):
            return spawn(browser, [cmd[0], "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", *cmd[1:]])

        with patch.object(ChromeBrowser, "_spawn_chrome", spawn_resolving_nothing):
            self.start_tour(
                f"/odoo/imap.conversation/{conversation.id}", "imap_conversations_remote_content", login="imap_seller"
            )

        choice = self.env["imap.remote.content.choice"].search([])
        self.assertEqual(
            (choice.user_id, choice.message_id),
            (seller, conversation.imap_message_ids),
            "the server recorded the seller's choice, for that message",
        )
