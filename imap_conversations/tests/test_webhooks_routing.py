from odoo.tests import tagged

from .common import make_email
from .routing_common import RoutingCase
from .webhook_common import Receiver


@tagged("post_install", "-at_install")
class TestWebhookRoutingFailures(RoutingCase):
    def test_a_rule_failing_on_a_message_is_one_event_whatever_the_retries(self):
        receiver = Receiver()
        self.addCleanup(receiver.close)
        event = self.env["imap.webhook.event"].search([("code", "=", "message.failed")])
        webhook = self.env["imap.webhook"].create(
            {"name": "Ops", "url": receiver.url, "event_ids": [(6, 0, event.ids)]}
        )
        mailbox = self.synced_mailbox()
        self.make_rule(name="tags", field_values="name = {{ subject }}\nparent_id = {{ subject }}")
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="order 1")])
        self.sync(mailbox)
        failed = self.messages(mailbox, state="failed")
        failed.action_retry()
        failed.action_retry()
        self.assertEqual(failed.state, "failed", "the rule still fails")
        self.env["imap.webhook"]._cron_deliver_webhooks()
        self.assertEqual(receiver.events(), ["message.failed"], "once per message")
        payload = receiver.payloads()[0]
        self.assertEqual(payload["message"]["id"], failed.id)
        self.assertIn("Rule tags:", payload["message"]["error"])
        self.assertEqual(webhook.delivery_ids.state, "delivered")
