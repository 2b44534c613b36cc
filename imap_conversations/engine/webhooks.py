"""Outgoing webhooks: how a delivery is signed, when a failed one is tried again, and the POST itself.

A delivery is a JSON body POSTed to the receiver's URL with these headers::

    X-Imap-Conversations-Event: message.received
    X-Imap-Conversations-Delivery: 812            (the same on every attempt: receivers dedupe on it)
    X-Imap-Conversations-Timestamp: 1796563200   (Unix seconds of this attempt)
    X-Imap-Conversations-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>

The timestamp is signed with the body, so a receiver that refuses old timestamps
cannot be fed a recorded delivery again. The connection goes only where the
administrators' destination policy allows (engine/network.py), to the address
that was checked, never by resolving the name a second time.
"""

import hashlib
import hmac
import http.client
import ipaddress
import urllib.parse
from dataclasses import dataclass
from datetime import timedelta

from .errors import ImapError
from .network import checked_addresses, connect_to_first, tls_context, translated_network_errors

HEADER_EVENT = "X-Imap-Conversations-Event"
HEADER_DELIVERY = "X-Imap-Conversations-Delivery"
HEADER_TIMESTAMP = "X-Imap-Conversations-Timestamp"
HEADER_SIGNATURE = "X-Imap-Conversations-Signature"

#: Seconds any one network wait of a delivery may take (connect, send, each read).
TIMEOUT = 10
#: A failed delivery is tried again after 1, 2, 4, ... minutes, each wait at most this long...
MAX_DELAY = timedelta(hours=6)
#: ...and after this many attempts (about 23 hours after the first) it is given up ("dead").
MAX_ATTEMPTS = 12
#: What the delivery log keeps of a receiver's answer.
RESPONSE_KEPT = 300

EVENTS = {
    "conversation.created": "New conversation",
    "message.received": "New incoming message",
    "message.failed": "Message failed",
    "mailbox.auth_failed": "Mailbox authentication failed",
}
TEST_EVENT = "webhook.test"


def sign(secret, timestamp, body):
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of ``timestamp.body``."""
    message = str(int(timestamp)).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret, timestamp, body, signature):
    """What a receiver checks (in constant time); the README shows the same in a few lines."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")


def retry_delay(attempts):
    """How long to wait after the *attempts*-th failed attempt before the next; None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return min(timedelta(minutes=2 ** (max(attempts, 1) - 1)), MAX_DELAY)


def is_success(status):
    return status is not None and 200 <= status < 300


def headers(event, delivery_id, timestamp, signature):
    return {
        "Content-Type": "application/json",
        "User-Agent": "imap_conversations-webhook/1",
        HEADER_EVENT: event,
        HEADER_DELIVERY: str(delivery_id),
        HEADER_TIMESTAMP: str(int(timestamp)),
        HEADER_SIGNATURE: signature,
    }


class InvalidUrl(ValueError):
    """Not an http(s) URL with a host (and without credentials in it)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    #: Path and query, as sent in the request line.
    path: str
    #: What the Host header says (the name and a port that is not the scheme's own).
    netloc: str


def literal_address(host):
    """*host* as an ``ipaddress`` address when it is one (a URL may name an address), else None."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def parse_url(url):
    """*url* as a :class:`Target`; raises :class:`InvalidUrl` saying what is wrong."""
    try:
        parts = urllib.parse.urlsplit((url or "").strip())
        port = parts.port
    except ValueError as error:
        raise InvalidUrl(f"“{url}” is not a valid URL: {error}") from error
    if parts.scheme not in ("http", "https"):
        raise InvalidUrl(f"“{url}” must start with https:// (or http://)")
    if not parts.hostname:
        raise InvalidUrl(f"“{url}” names no host")
    if parts.username or parts.password:
        raise InvalidUrl("A webhook URL may not hold a user name or password: receivers check the signature")
    default = 443 if parts.scheme == "https" else 80
    host = parts.hostname
    shown = f"[{host}]" if ":" in host else host
    return Target(
        scheme=parts.scheme,
        host=host,
        port=port or default,
        path=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
        netloc=shown if port in (None, default) else f"{shown}:{port}",
    )


@dataclass(frozen=True)
class Answer:
    status: int
    #: The start of the receiver's answer, for the delivery log.
    text: str


def post(url, body, request_headers, policy, timeout=TIMEOUT):
    """POST *body* to *url*, going only where *policy* allows; returns the :class:`Answer`.

    Raises :class:`InvalidUrl`, or an engine error (:class:`DestinationRefused`, NetworkError
    and its kinds, TlsError) when no answer came. Redirects are not followed: a 3xx is an
    answer like any other that is not 2xx.
    """
    target = parse_url(url)
    addresses = checked_addresses(target.host, target.port, policy, timeout)

    def attempt(address):
        if target.scheme == "https":
            connection = http.client.HTTPSConnection(
                address, target.port, timeout=timeout, context=tls_context(True, server_name=target.host)
            )
        else:
            connection = http.client.HTTPConnection(address, target.port, timeout=timeout)
        try:
            with translated_network_errors(f"posting to {target.netloc}", target.host):
                connection.request("POST", target.path, body=body, headers={"Host": target.netloc, **request_headers})
                response = connection.getresponse()
                text = response.read(RESPONSE_KEPT).decode("utf-8", "replace")
            return Answer(response.status, text)
        except (http.client.HTTPException, UnicodeError) as error:
            raise ReceiverError(f"{target.netloc} did not answer in HTTP", detail=str(error)) from error
        finally:
            connection.close()

    return connect_to_first(addresses, attempt)


class ReceiverError(ImapError):
    """The receiver answered something that is not HTTP."""

    kind = "protocol"
    transient = True
