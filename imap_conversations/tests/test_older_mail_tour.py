import os
from datetime import UTC, datetime, timedelta

from odoo.tests import HttpCase, new_test_user, tagged

from ..services.destinations import ALLOWED_SERVERS_PARAM
from ..services.mailbox_sync import MailboxSync
from .common import ImapRig, make_email


@tagged("post_install", "-at_install")
class TestOlderMailTour(HttpCase):
    """In Chromium, as a sales user: Find older mail on the server, on a contact, then Import."""

    def test_a_sales_user_imports_a_customers_older_mail_from_the_contact(self):
        rig = ImapRig(os.environ)
        self.env["ir.config_parameter"].set_param(ALLOWED_SERVERS_PARAM, rig.allowed_servers)
        login = rig.new_login()
        seller = new_test_user(
            self.env, "imap_older_seller", groups="base.group_user,imap_conversations.group_user", name="Sam Seller"
        )
        mailbox = self.env["imap.mailbox"].create(
            {
                "name": "Sam's mailbox",
                "host": rig.host,
                "port": rig.port,
                "security": "none",
                "login": login,
                "password": rig.password,
                "email": rig.address(login),
                "user_id": seller.id,
            }
        )
        mailbox.action_fetch_folders()
        two_years_ago = datetime.now(UTC) - timedelta(days=730)
        rig.append(
            login,
            "INBOX",
            [
                make_email(subject=subject, sender="carla@customer.example", date=two_years_ago)
                for subject in ("old question", "old order")
            ],
            msg_time=two_years_ago,
        )
        rig.append(login, "INBOX", [make_email(subject="recent", sender="carla@customer.example")])
        self.assertFalse(MailboxSync(mailbox).run().error)
        carla = self.env["res.partner"].create({"name": "Carla Customer", "email": "carla@customer.example"})

        self.start_tour(f"/odoo/res.partner/{carla.id}", "imap_conversations_older_mail", login="imap_older_seller")

        self.assertEqual(
            sorted(self.env["imap.message"].search([("mailbox_id", "=", mailbox.id)]).mapped("subject")),
            ["old order", "old question", "recent"],
        )
