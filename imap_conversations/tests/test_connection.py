import socket

from odoo.tests import tagged

from .common import UNRESOLVABLE_HOST, ImapCase, free_port


@tagged("post_install", "-at_install")
class TestConnection(ImapCase):
    """Test connection says exactly what happened, with no traceback."""

    def assertToast(self, action, kind, *fragments):
        self.assertEqual(action["type"], "ir.actions.client")
        self.assertIn(action["tag"], ("display_notification", "imap_conversations.notification"))
        params = action["params"]
        self.assertEqual(params["type"], kind, params["message"])
        shown = params["message"] + " " + params.get("details", "")  # details: unfolded by the reader
        for fragment in fragments:
            self.assertIn(fragment, shown)
        self.assertNotIn("Traceback", params["message"])
        return params["message"]

    def test_verified_tls_connection_reports_the_capabilities(self):
        # To administrators, about servers they chose (test_destinations.py: what others see).
        mailbox = self.make_mailbox(owner=self.imap_admin, security="ssl", port=self.rig.ssl_port)
        self.assertTrue(mailbox.verify_certificate)
        self.assertToast(mailbox.action_test_connection(), "success", "SSL/TLS", "IMAP4REV1", "IDLE", "MOVE")

    def test_starttls_and_cleartext_connect(self):
        for security, label in (("starttls", "STARTTLS"), ("none", "no encryption")):
            with self.subTest(security=security):
                mailbox = self.make_mailbox(security=security)
                self.assertToast(mailbox.action_test_connection(), "success", label, mailbox.login)

    def test_each_failure_has_its_own_message(self):
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the kernel completes the handshake; nobody ever speaks
        self.addCleanup(silent.close)
        cases = {
            "wrong password": ({"password": "wrong"}, "refused the login or password"),
            "untrusted certificate": (
                {"security": "ssl", "port": self.rig.ssl_port, "host": self.rig.untrusted_host},
                "is not trusted",
            ),
            "host not found": ({"host": UNRESOLVABLE_HOST}, "was not found"),
            "connection refused": ({"port": free_port()}, "refused the connection"),
            "timed out": ({"port": silent.getsockname()[1], "timeout": 1}, "did not answer within 1 seconds"),
        }
        messages = set()
        for case, (values, fragment) in cases.items():
            with self.subTest(case=case):
                mailbox = self.make_mailbox(**values)
                message = self.assertToast(mailbox.action_test_connection(), "danger", fragment)
                messages.add(message)
        self.assertEqual(len(messages), len(cases), "every outcome reads differently")

    def test_untrusted_certificate_connects_once_verification_is_switched_off(self):
        mailbox = self.make_mailbox(
            security="ssl", port=self.rig.ssl_port, host=self.rig.untrusted_host, verify_certificate=False
        )
        self.assertToast(mailbox.action_test_connection(), "success", "SSL/TLS")

    def test_a_failed_test_leaves_the_mailbox_as_it_was(self):
        mailbox = self.make_mailbox(password="wrong")
        mailbox.action_test_connection()
        self.assertEqual(mailbox.state, "draft")
