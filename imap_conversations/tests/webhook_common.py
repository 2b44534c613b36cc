"""A webhook receiver on 127.0.0.1 (a real HTTP server in a thread of the test), and webhook factories."""

import hashlib
import hmac
import http.server
import json
import threading
from datetime import timedelta

from odoo import fields

from .common import SyncCase, free_port


class Receiver:
    """Answers each POST with the next of *statuses* (the last one repeats), keeping what it was sent."""

    def __init__(self, statuses=(200,), port=0):
        self.statuses = list(statuses)
        self.requests = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"receiver error")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/imap"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def events(self):
        return [headers["X-Imap-Conversations-Event"] for headers, _body in self.requests]

    def payloads(self):
        return [json.loads(body) for _headers, body in self.requests]


def signature_is_valid(secret, headers, body):
    """What a receiver checks, written out with hmac (not the addon's code)."""
    signed = headers["X-Imap-Conversations-Timestamp"].encode() + b"." + body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Imap-Conversations-Signature"])


class WebhookCase(SyncCase):
    def receiver(self, statuses=(200,), port=0):
        receiver = Receiver(statuses, port)
        self.addCleanup(receiver.close)
        return receiver

    def make_webhook(self, url, events=None, **values):
        event_records = self.env["imap.webhook.event"].search([("code", "in", events)] if events else [])
        return self.env["imap.webhook"].create(
            {
                "name": "Support desk",
                "url": url,
                "event_ids": [(6, 0, event_records.ids)],
                **values,
            }
        )

    def deliveries(self, webhook, **domain):
        return self.env["imap.webhook.delivery"].search(
            [("webhook_id", "=", webhook.id), *((k, "=", v) for k, v in domain.items())], order="id"
        )

    def deliver(self):
        """The delivery cron, as Odoo runs it (no commits inside a test transaction)."""
        self.env["imap.webhook"]._cron_deliver_webhooks()

    def make_due(self, deliveries):
        """Time passes: their next attempt is now."""
        deliveries.sudo().write({"next_attempt_date": fields.Datetime.now() - timedelta(seconds=1)})

    def closed_port(self):
        return free_port()
