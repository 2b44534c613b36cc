from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..services.mailbox_sync import MailboxSync
from .common import PoisonedStorage, make_email
from .webhook_common import WebhookCase, signature_is_valid


class WorkerDied(BaseException):
    """The cron worker killed (not an error anything may catch)."""


@tagged("post_install", "-at_install")
class TestWebhookDelivery(WebhookCase):
    def test_a_synced_incoming_message_reaches_the_receiver_signed(self):
        receiver = self.receiver()
        webhook = self.make_webhook(receiver.url)
        mailbox = self.synced_mailbox()
        self.rig.append(
            mailbox.login,
            "INBOX",
            [make_email(subject="Quote please", sender="Anna <anna@example.com>", body="secret body text")],
        )
        self.sync(mailbox)
        message = self.messages(mailbox)
        self.assertEqual(self.deliveries(webhook).mapped("state"), ["pending", "pending"], "written with the batch")
        self.deliver()
        self.assertEqual(receiver.events(), ["conversation.created", "message.received"])
        for headers, body in receiver.requests:
            self.assertTrue(signature_is_valid(webhook.secret, headers, body), "signed with the webhook's secret")
            self.assertEqual(headers["Content-Type"], "application/json")
        received = receiver.payloads()[1]
        self.assertEqual(received["mailbox"], {"id": mailbox.id, "name": mailbox.name, "email": mailbox.email})
        self.assertEqual(received["conversation"]["id"], message.conversation_id.id)
        self.assertEqual(received["message"]["id"], message.id)
        self.assertEqual(received["message"]["subject"], "Quote please")
        self.assertEqual(received["message"]["from"], '"Anna" <anna@example.com>')
        self.assertEqual(received["message"]["direction"], "incoming")
        self.assertTrue(received["message"]["url"].endswith(f"/odoo/imap.message/{message.id}"))
        self.assertNotIn("secret body text", receiver.requests[1][1].decode(), "never a body")
        deliveries = self.deliveries(webhook)
        self.assertEqual(deliveries.mapped("state"), ["delivered", "delivered"])
        self.assertEqual(receiver.requests[1][0]["X-Imap-Conversations-Delivery"], str(deliveries[1].id))
        self.assertEqual(deliveries.mapped("last_status_code"), [200, 200])
        self.deliver()
        self.assertEqual(len(receiver.requests), 2, "delivered once")

    def test_a_receiver_error_is_retried_later_and_delivered_once(self):
        receiver = self.receiver(statuses=(500, 200))
        webhook = self.make_webhook(receiver.url, events=["message.received"])
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="one")])
        self.sync(mailbox)
        self.deliver()
        delivery = self.deliveries(webhook)
        self.assertEqual((delivery.state, delivery.attempt_count, delivery.last_status_code), ("retrying", 1, 500))
        self.assertIn("receiver error", delivery.last_error)
        wait = delivery.next_attempt_date - delivery.last_attempt_date
        self.assertEqual(wait, timedelta(minutes=1), "first retry a minute later")
        self.deliver()
        self.assertEqual(len(receiver.requests), 1, "not before its time")
        self.make_due(delivery)
        self.deliver()
        self.assertEqual((delivery.state, delivery.attempt_count), ("delivered", 2))
        self.assertEqual(len(receiver.requests), 2)
        first, second = (headers for headers, _body in receiver.requests)
        self.assertEqual(
            first["X-Imap-Conversations-Delivery"],
            second["X-Imap-Conversations-Delivery"],
            "the same delivery id: receivers can tell a retry",
        )
        self.make_due(delivery)
        self.deliver()
        self.assertEqual(len(receiver.requests), 2, "delivered once")

    def test_a_receiver_that_is_down_loses_nothing_and_gets_everything_in_order(self):
        port = self.closed_port()
        webhook = self.make_webhook(f"http://127.0.0.1:{port}/in", events=["message.received"])
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="first"), make_email(subject="second")])
        self.sync(mailbox)
        self.deliver()
        first, second = self.deliveries(webhook)
        self.assertEqual((first.state, first.attempt_count), ("retrying", 1))
        self.assertIn("refused", first.last_error)
        self.assertEqual((second.state, second.attempt_count), ("pending", 0), "held back behind the first")
        receiver = self.receiver(port=port)
        self.make_due(first)
        self.deliver()
        self.assertEqual([p["message"]["subject"] for p in receiver.payloads()], ["first", "second"])
        self.assertEqual((first | second).mapped("state"), ["delivered", "delivered"])

    def test_after_the_last_attempt_a_delivery_is_given_up_and_retry_sends_it_again(self):
        receiver = self.receiver(statuses=(503,))
        webhook = self.make_webhook(receiver.url, events=["message.received"])
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="one")])
        self.sync(mailbox)
        delivery = self.deliveries(webhook)
        delivery.sudo().attempt_count = 11
        self.deliver()
        self.assertEqual((delivery.state, delivery.attempt_count), ("dead", 12))
        self.assertFalse(delivery.next_attempt_date)
        self.assertEqual(webhook.dead_count, 1)
        receiver.statuses = [200]
        delivery.with_user(self.imap_admin).action_retry()
        self.deliver()
        self.assertEqual(delivery.state, "delivered")

    def test_a_batch_rolled_back_emits_nothing(self):
        receiver = self.receiver()
        webhook = self.make_webhook(receiver.url)
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="lost with the batch")])
        commits = self.cron_commits()
        seen_at_death = []

        def commit():
            # The worker dies at the batch's commit: the messages and their events are written, not committed.
            if self.messages(mailbox):
                seen_at_death.append(len(self.deliveries(webhook)))
                raise WorkerDied
            commits()

        # Not assertRaises: it opens a savepoint of its own, which a "commit" here would release.
        try:
            MailboxSync(mailbox, commit=commit).run()
        except WorkerDied:
            commits.lose_uncommitted()
        self.assertEqual(seen_at_death, [2], "the events were written in the batch's transaction")
        self.assertFalse(self.messages(mailbox))
        self.assertFalse(self.deliveries(webhook), "and went with it")
        self.deliver()
        self.assertEqual(receiver.requests, [])

    def test_a_failed_message_is_an_event_once_and_its_later_import_is_news(self):
        receiver = self.receiver()
        webhook = self.make_webhook(receiver.url, events=["message.failed", "message.received"])
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="fine"), make_email(subject="poison")])
        with PoisonedStorage(self.env.cr) as poisoned:
            self.sync(mailbox)
            failed = self.messages(mailbox, state="failed")
            failed.action_retry()  # fails again: not news
            self.assertEqual(sorted(self.deliveries(webhook).mapped("event")), ["message.failed", "message.received"])
            poisoned.lift()
            failed.action_retry()
        self.deliver()
        events = [(p["event"], p["message"]["subject"]) for p in receiver.payloads()]
        self.assertEqual(sorted(events[:2]), [("message.failed", "poison"), ("message.received", "fine")])
        self.assertEqual(events[2:], [("message.received", "poison")], "stored at last: news")
        failure = next(p for p in receiver.payloads() if p["event"] == "message.failed")
        self.assertIn("storage refused this message", failure["message"]["error"])

    def test_a_refused_login_is_an_event_once_per_episode(self):
        receiver = self.receiver()
        webhook = self.make_webhook(receiver.url, events=["mailbox.auth_failed"])
        mailbox = self.synced_mailbox()
        mailbox.password = "changed-on-the-server"
        self.sync_failing(mailbox)
        self.sync_failing(mailbox)
        self.assertEqual(len(self.deliveries(webhook)), 1, "a second failing run is the same episode")
        mailbox.password = self.rig.password
        self.sync(mailbox)
        mailbox.password = "wrong again"
        self.sync_failing(mailbox)
        self.assertEqual(len(self.deliveries(webhook)), 2, "a new episode is news again")
        self.deliver()
        payload = receiver.payloads()[0]
        self.assertEqual(payload["event"], "mailbox.auth_failed")
        self.assertEqual(payload["mailbox"]["id"], mailbox.id)
        self.assertIn("refused", payload["error"])

    def sync_failing(self, mailbox):
        self.assertEqual(MailboxSync(mailbox).run().error.kind, "auth")

    def test_only_the_chosen_mailboxes_of_the_webhooks_company_emit(self):
        receiver = self.receiver()
        mailbox, other = self.synced_mailbox(), self.synced_mailbox(owner=self.other_user)
        only_other = self.make_webhook(receiver.url, mailbox_ids=[(6, 0, other.ids)])
        company = self.env["res.company"].create({"name": "Elsewhere Ltd"})
        elsewhere = self.make_webhook(receiver.url, company_id=company.id)
        archived = self.make_webhook(receiver.url, active=False)
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="hello")])
        self.sync(mailbox)
        for webhook in (only_other, elsewhere, archived):
            self.assertFalse(self.deliveries(webhook), webhook.name)

    def test_send_test_event_says_how_the_receiver_answered(self):
        receiver = self.receiver()
        webhook = self.make_webhook(receiver.url)
        action = webhook.with_user(self.imap_admin).action_send_test_event()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(receiver.events(), ["webhook.test"])
        self.assertTrue(signature_is_valid(webhook.secret, *receiver.requests[0]))
        down = self.make_webhook(f"http://127.0.0.1:{self.closed_port()}/")
        action = down.with_user(self.imap_admin).action_send_test_event()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("refused", action["params"]["message"])
        self.assertEqual(self.deliveries(down).state, "dead", "a test event is not retried by itself")

    def test_old_delivered_deliveries_leave_the_log(self):
        receiver = self.receiver()
        webhook = self.make_webhook(receiver.url)
        webhook.action_send_test_event()
        delivery = self.deliveries(webhook)
        self.env.cr.execute(
            "UPDATE imap_webhook_delivery SET create_date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(days=31), delivery.id],
        )
        self.deliver()
        self.assertFalse(delivery.exists())
