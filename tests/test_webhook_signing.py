"""Outgoing webhooks in the engine: the signature, the retry schedule, the URL, and the POST on loopback."""

import hashlib
import hmac
import http.server
import threading
from datetime import timedelta

import pytest

from engine import errors, webhooks
from engine.network import UNRESTRICTED, DestinationPolicy, parse_allowed_servers
from rig.dovecot import free_port


def test_the_signature_is_the_hmac_sha256_of_timestamp_dot_body_with_the_secret():
    body = b'{"event":"message.received","message":{"id":1}}'
    expected = hmac.new(b"s3cret", b"1796563200." + body, hashlib.sha256).hexdigest()
    assert webhooks.sign("s3cret", 1796563200, body) == f"sha256={expected}"


def test_a_signature_verifies_only_with_the_same_secret_timestamp_and_body():
    body = b'{"a":1}'
    signature = webhooks.sign("key", 100, body)
    assert webhooks.verify("key", 100, body, signature)
    assert not webhooks.verify("other key", 100, body, signature)
    assert not webhooks.verify("key", 101, body, signature), "a replayed body under a new timestamp fails"
    assert not webhooks.verify("key", 100, b'{"a":2}', signature)
    assert not webhooks.verify("key", 100, body, None)


def test_retries_wait_1_2_4_minutes_and_so_on_capped_then_give_up():
    delays = [webhooks.retry_delay(n) for n in range(1, webhooks.MAX_ATTEMPTS + 1)]
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert all(d <= webhooks.MAX_DELAY for d in delays[:-1])
    assert delays[-1] is None, "the last attempt failing makes the delivery dead"
    total = sum(delays[:-1], timedelta())
    assert timedelta(hours=20) < total < timedelta(hours=25), "about a day of retries"


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "example.com/hook", "https://", "https://u:p@example.com/", "http://example.com:99999/"],
)
def test_only_http_and_https_urls_with_a_host_and_no_credentials_are_accepted(url):
    with pytest.raises(webhooks.InvalidUrl):
        webhooks.parse_url(url)


def test_a_url_gives_the_host_port_path_and_host_header():
    target = webhooks.parse_url("https://hooks.example.com/in?team=5")
    assert (target.host, target.port, target.path, target.netloc) == (
        "hooks.example.com",
        443,
        "/in?team=5",
        "hooks.example.com",
    )
    target = webhooks.parse_url("http://[::1]:8080")
    assert (target.host, target.port, target.path, target.netloc) == ("::1", 8080, "/", "[::1]:8080")


class Receiver:
    """A real HTTP server on 127.0.0.1 answering *status* and keeping what it was sent."""

    def __init__(self, status=200):
        self.status, self.received = status, []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.path, dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"thanks")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def signed_post(url, policy, body=b'{"x":1}'):
    headers = webhooks.headers("webhook.test", 7, 1796563200, webhooks.sign("k", 1796563200, body))
    return webhooks.post(url, body, headers, policy, timeout=5)


def test_a_post_carries_the_body_and_signed_headers(receiver):
    answer = signed_post(f"http://127.0.0.1:{receiver.port}/hook?a=1", UNRESTRICTED)
    assert (answer.status, answer.text) == (200, "thanks")
    path, headers, body = receiver.received[0]
    assert (path, body) == ("/hook?a=1", b'{"x":1}')
    assert headers["X-Imap-Conversations-Event"] == "webhook.test"
    assert headers["X-Imap-Conversations-Delivery"] == "7"
    assert webhooks.verify(
        "k", int(headers["X-Imap-Conversations-Timestamp"]), body, headers["X-Imap-Conversations-Signature"]
    )
    assert headers["Host"] == f"127.0.0.1:{receiver.port}"


def test_an_error_answer_is_returned_not_raised(receiver):
    receiver.status = 500
    answer = signed_post(f"http://127.0.0.1:{receiver.port}/", UNRESTRICTED)
    assert answer.status == 500
    assert not webhooks.is_success(answer.status)


def test_loopback_is_reached_only_where_the_allowed_servers_list_says_so(receiver):
    url = f"http://127.0.0.1:{receiver.port}/"
    with pytest.raises(errors.DestinationRefused):
        signed_post(url, DestinationPolicy(restricted=True))
    with pytest.raises(errors.DestinationRefused):
        signed_post(f"http://localhost:{receiver.port}/", DestinationPolicy(restricted=True))
    assert receiver.received == [], "nothing was sent to a refused destination"
    allowed = DestinationPolicy(restricted=True, allowed=parse_allowed_servers("127.0.0.1"))
    assert signed_post(url, allowed).status == 200


def test_a_receiver_that_is_down_is_a_network_error():
    with pytest.raises(errors.NetworkError):
        signed_post(f"http://127.0.0.1:{free_port()}/", UNRESTRICTED)
