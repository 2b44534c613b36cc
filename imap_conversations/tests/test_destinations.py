"""Where mailboxes may connect: administrators decide, non-administrators cannot probe internal hosts.

The rig's servers are on loopback: the shared test base lists them (common.py); the
tests here change the list to show what happens without it.
"""

import ipaddress
import socket

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..engine import errors as imap_errors
from ..services import destinations
from ..services.destinations import ALLOWED_SERVERS_PARAM
from .common import ImapCase

REFUSED = "not allowed by your administrator"


@tagged("post_install", "-at_install")
class TestAllowedServers(ImapCase):
    def allow(self, text):
        self.env["ir.config_parameter"].set_param(ALLOWED_SERVERS_PARAM, text)

    def listener(self):
        """A port on loopback that would accept a connection: the test can tell whether one was made."""
        sock = socket.socket()
        sock.bind((self.rig.host, 0))
        sock.listen(4)
        self.addCleanup(sock.close)
        return sock

    def assertNothingConnected(self, sock):
        sock.settimeout(0.3)
        with self.assertRaises(TimeoutError, msg="a refused destination is never connected to"):
            sock.accept()[0].close()

    def toast(self, action, kind):
        params = action["params"]
        self.assertEqual(params["type"], kind, params["message"])
        return params["message"] + " " + params.get("details", "")  # details: unfolded by the reader

    def test_loopback_is_refused_to_a_non_administrator_unless_allowed(self):
        self.allow("")
        sock = self.listener()
        port = sock.getsockname()[1]
        mailbox = self.make_mailbox(port=port, smtp_port=port).with_user(self.imap_user)
        for action in (mailbox.action_test_connection, mailbox.action_test_smtp):
            with self.subTest(action=action.__name__):
                message = self.toast(action(), "danger")
                self.assertIn(REFUSED, message)
                self.assertNotIn(str(port), message, "not even the port is said back")
        self.assertNothingConnected(sock)

    def test_a_name_resolving_to_loopback_is_refused(self):
        self.allow("*.example.com")
        sock = self.listener()
        mailbox = self.make_mailbox(host="localhost", port=sock.getsockname()[1]).with_user(self.imap_user)
        self.assertIn(REFUSED, self.toast(mailbox.action_test_connection(), "danger"))
        self.assertNothingConnected(sock)

    def test_private_ranges_are_refused_to_a_non_administrators_mailbox(self):
        """Decided on the address alone (nothing here leaves the machine)."""
        self.allow("")
        policy = destinations.policy(self.make_mailbox().with_user(self.imap_user))
        for address in ("10.0.0.1", "172.16.5.5", "192.168.1.1", "169.254.169.254", "fd00::1", "fe80::1"):
            with self.subTest(address=address), self.assertRaises(imap_errors.DestinationRefused):
                policy.check_address("mail.example.com", 993, ipaddress.ip_address(address))
        policy.check_address("mail.example.com", 993, ipaddress.ip_address("8.8.8.8"))

    def test_a_listed_server_is_reached_by_a_non_administrator_without_server_details(self):
        mailbox = self.make_mailbox(security="ssl", port=self.rig.ssl_port).with_user(self.imap_user)
        message = self.toast(mailbox.action_test_connection(), "success")
        self.assertIn("Connected to", message)
        self.assertNotIn("IMAP4REV1", message, "no capability list for non-administrators")
        message = self.toast(mailbox.action_test_smtp(), "success")
        self.assertNotIn("AUTH", message, "no extension list either")

    def test_administrators_connect_anywhere_and_see_what_the_server_offers(self):
        self.allow("")
        mailbox = self.make_mailbox(owner=self.imap_admin).with_user(self.imap_admin)
        self.assertIn("IMAP4REV1", self.toast(mailbox.action_test_connection(), "success"))

    def test_an_administrator_testing_a_users_mailbox_is_told_what_the_cron_will_do(self):
        self.allow("")
        mailbox = self.make_mailbox().with_user(self.imap_admin)
        self.assertIn("Allowed mail servers", self.toast(mailbox.action_test_connection(), "danger"))

    def test_the_scheduled_sync_refuses_a_non_administrators_mailbox_and_syncs_the_others(self):
        self.allow("")
        users, admins = self.make_mailbox(), self.make_mailbox(owner=self.imap_admin)
        admins.action_fetch_folders()
        self.env["imap.mailbox"]._cron_sync_mailboxes()
        self.assertEqual(users.state, "error")
        self.assertEqual(users.last_error_kind, "destination_refused")
        self.assertIn(REFUSED, users.last_error, "said in the owner's words, though the cron runs as superuser")
        self.assertEqual(admins.state, "active")

    def test_a_non_administrator_never_sees_the_servers_words(self):
        """A banner is what identifies a service: it is shown to administrators only."""
        banner = b"554 5.3.2 SECRET-BANNER internal-relay ready to refuse\r\n"
        sock = self.listener()
        mailbox = self.make_mailbox(smtp_port=sock.getsockname()[1], smtp_security="none")
        for user, shown in ((self.imap_user, False), (self.imap_admin, True)):
            with self.subTest(user=user.login):
                mailbox.user_id = user
                greeter = _Greeter(sock, banner)
                message = self.toast(mailbox.with_user(user).action_test_smtp(), "danger")
                greeter.join()
                self.assertEqual("SECRET-BANNER" in message, shown, message)

    def test_the_list_is_checked_when_saved(self):
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"imap_allowed_servers": "mail.example.com, not a/host"})
        self.env["res.config.settings"].create({"imap_allowed_servers": "mail.example.com:993 10.0.0.0/8"}).execute()
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(ALLOWED_SERVERS_PARAM), "mail.example.com:993 10.0.0.0/8"
        )


class _Greeter:
    """Answers one connection on *sock* with *banner*, then hangs up (in a thread)."""

    def __init__(self, sock, banner):
        import threading

        self._thread = threading.Thread(target=self._serve, args=(sock, banner), daemon=True)
        self._thread.start()

    @staticmethod
    def _serve(sock, banner):
        sock.settimeout(10)
        conn, _addr = sock.accept()
        with conn:
            conn.sendall(banner)

    def join(self):
        self._thread.join(10)
