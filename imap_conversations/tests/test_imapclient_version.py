"""Test connection says plainly when the Odoo server has an imapclient the addon does not support."""

from unittest.mock import patch

import imapclient

from odoo.tests import tagged

from ..engine.imapclient_support import SUPPORTED_SPEC, is_supported
from .common import ImapCase


@tagged("post_install", "-at_install")
class TestImapclientVersion(ImapCase):
    def test_this_odoo_runs_a_supported_imapclient(self):
        self.assertTrue(is_supported(imapclient.__version__), imapclient.__version__)

    def test_an_unsupported_imapclient_is_named_by_test_connection(self):
        mailbox = self.make_mailbox()
        # What a server upgraded to an imapclient 5 (not released yet) would report.
        with (
            patch.object(imapclient, "__version__", "5.0.0"),
            self.assertLogs("odoo.addons.imap_conversations.models.imap_mailbox", "WARNING"),
        ):
            action = mailbox.action_test_connection()
        params = action["params"]
        self.assertEqual(params["type"], "danger")
        self.assertIn("imapclient 5.0.0", params["message"])
        self.assertIn(SUPPORTED_SPEC, params["message"])
        self.assertEqual(
            mailbox.action_test_connection()["params"]["type"],
            "success",
            "once a supported version is back, the same mailbox connects",
        )
