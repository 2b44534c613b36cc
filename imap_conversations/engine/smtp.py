"""Sending mail over SMTP: TLS modes, timeouts, login and typed errors.

The SMTP counterpart of transport.py: callers see only :mod:`.errors`
exceptions, never smtplib, socket or ssl ones, so a failed send can be shown to
the user as what it is (wrong password, refused recipient, unreachable server).
"""

import base64
import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from typing import NamedTuple

from .errors import (
    AuthenticationError,
    ConnectionTimeout,
    MessageRejected,
    NetworkError,
    ProtocolError,
    RecipientsRefused,
    SenderRefused,
    ThrottledError,
    TlsError,
)
from .network import (
    UNRESTRICTED,
    DestinationPolicy,
    ServerSettings,
    checked_addresses,
    connect_to_first,
    settings_tls_context,
    translated_network_errors,
)
from .sasl import smtp_login
from .wire import wire_text

#: Submission ports (RFC 8314): 465 implicit TLS, 587 STARTTLS; 25 is server-to-server.
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}

_SUCCESS = 235
_CONTINUE = 334
_READY = 220
_AUTH_REQUIRED = 530
_TOO_LARGE = 552


@dataclass(frozen=True, repr=False)
class SmtpSettings(ServerSettings):
    host: str
    port: int
    #: Empty: send without logging in (a relay that trusts the network).
    login: str = ""
    password: str = ""
    security: str = "starttls"
    verify_certificate: bool = True
    #: Seconds allowed to connect (TLS handshake included), and to wait for any single answer.
    timeout: float = 30.0
    #: Extra trust anchors (a PEM file) instead of the system store.
    ca_file: str | None = None
    #: The name given in EHLO; by default the address literal of our end of the connection.
    local_hostname: str | None = None
    #: Where this connection may go: checked against every address of the host before connecting.
    destination_policy: DestinationPolicy = UNRESTRICTED
    #: A ``time.monotonic()`` value: every wait is cut to the time left before it (network.wait_limit).
    deadline: float | None = None
    #: "password", or "oauth2": SASL XOAUTH2 / OAUTHBEARER with :attr:`access_token` (see sasl.py).
    auth_method: str = "password"
    #: The OAuth2 access token for "oauth2" (kept out of repr, like the password).
    access_token: str = ""


class SmtpReply(NamedTuple):
    code: int
    text: str


@dataclass(frozen=True)
class SendReport:
    """The server took the message for ``accepted``; ``refused`` maps the others to its reply."""

    accepted: tuple
    refused: dict


@dataclass(frozen=True)
class SmtpReport:
    host: str
    security: str
    #: ESMTP extensions offered after TLS and login (upper case: 'SIZE', 'AUTH', '8BITMIME'...).
    extensions: frozenset
    #: The largest message the server accepts (SIZE), in bytes, or None when it does not say.
    max_size: int | None
    #: 'TLSv1.3' and so on, or None for a cleartext connection.
    tls_version: str | None
    #: What AUTH offers on this connection ('PLAIN', 'LOGIN'...), as the server lists them.
    auth_mechanisms: tuple = ()


def send_message(settings, raw, sender_email, recipients):
    """Send *raw* (bytes, as :func:`.compose.compose_message` builds them) to every envelope recipient.

    Returns a :class:`SendReport` once the server has taken the message, even if
    it refused some recipients (the others got it: sending again would duplicate
    it); raises :class:`.errors.RecipientsRefused` when it refused them all, and
    other typed errors when nothing was sent.
    """
    if not isinstance(raw, bytes):
        raise TypeError("raw must be the bytes of the message")
    recipients = list(dict.fromkeys(recipients))
    if not recipients:
        raise ValueError("a message needs at least one recipient")
    with _smtp_session(settings) as client, _translated("sending the message", settings.host):
        refused = client.sendmail(sender_email, recipients, raw)
    refused = {address: _reply(code, text) for address, (code, text) in refused.items()}
    return SendReport(accepted=tuple(r for r in recipients if r not in refused), refused=refused)


def check_smtp(settings):
    """Connect, secure, log in and quit; raises a typed error, or reports what the server offers."""
    with _smtp_session(settings) as client:
        size = client.esmtp_features.get("size", "").strip()
        return SmtpReport(
            host=settings.host,
            security=settings.security,
            extensions=frozenset(name.upper() for name in client.esmtp_features),
            max_size=int(size) if size.isdigit() and int(size) > 0 else None,
            tls_version=client.sock.version() if isinstance(client.sock, ssl.SSLSocket) else None,
            auth_mechanisms=tuple(client.esmtp_features.get("auth", "").upper().split()),
        )


# -- the session ----------------------------------------------------------------


@contextlib.contextmanager
def _smtp_session(settings):
    """A connected, secured and (when a login is set) authenticated smtplib client."""
    addresses = checked_addresses(settings.host, settings.port, settings.destination_policy, settings.wait_limit())
    client = connect_to_first(addresses, lambda address: _connect_to(settings, address))
    try:
        with _translated("greeting the server", settings.host):
            _limit_wait(client, settings)
            _hello(client, settings)
        if settings.security == "starttls":
            with _translated("starting TLS", settings.host):
                _limit_wait(client, settings)
                _starttls(client, settings)
        if settings.login:
            with _translated("logging in", settings.host):
                _limit_wait(client, settings)
                _authenticate(client, settings)
        _limit_wait(client, settings)
        yield client
    except BaseException:
        client.close()
        raise
    # Only a polite goodbye: the work is done whatever the server answers.
    with contextlib.suppress(smtplib.SMTPException, OSError):
        client.quit()
    client.close()


def _connect_to(settings, address):
    """Connect to *address* (checked) and read the greeting (smtplib raises SMTPConnectError unless it is a 220)."""
    # The socket's timeout covers the TCP connect, the TLS handshake of implicit TLS, and each reply.
    # A local_hostname is always given: without one smtplib calls socket.getfqdn(),
    # a DNS lookup of our own name on every connection.
    local_hostname = settings.local_hostname or "localhost"
    wait = settings.wait_limit()
    with _translated("connecting", settings.host):
        if settings.security == "ssl":
            return smtplib.SMTP_SSL(
                address,
                settings.port,
                local_hostname=local_hostname,
                timeout=wait,
                context=settings_tls_context(settings),
            )
        return smtplib.SMTP(address, settings.port, local_hostname=local_hostname, timeout=wait)


def _limit_wait(client, settings):
    """The next answers are waited for at most the timeout, and never past the deadline."""
    client.sock.settimeout(settings.wait_limit())


def _hello(client, settings):
    if not settings.local_hostname:
        # RFC 5321 4.1.4: a client without a (known) name introduces itself by its address.
        client.local_hostname = _address_literal(client.sock.getsockname()[0])
    client.ehlo_or_helo_if_needed()


def _address_literal(address):
    """How RFC 5321 4.1.3 writes a host by its address: [192.0.2.1], [IPv6:2001:db8::1]."""
    return f"[IPv6:{address}]" if ":" in address else f"[{address}]"


def _starttls(client, settings):
    if not client.has_extn("starttls"):
        # Going on in cleartext would send the password and the mail unencrypted.
        raise TlsError("The server does not offer STARTTLS")
    code, text = client.starttls(context=settings_tls_context(settings))
    if code != _READY:
        raise TlsError("The server refused to start TLS", detail=f"{code} {wire_text(text)}")
    client.ehlo_or_helo_if_needed()


def _authenticate(client, settings):
    """AUTH PLAIN or LOGIN in UTF-8 (smtplib's own login only takes ASCII passwords)."""
    if not client.has_extn("auth"):
        hint = ": it may want STARTTLS or SSL first" if settings.security == "none" else ""
        raise AuthenticationError(
            f"The server offers no login on this connection{hint}", detail="no AUTH in the EHLO reply"
        )
    mechanisms = client.esmtp_features["auth"].upper().split()
    if settings.auth_method == "oauth2":
        return smtp_login(client, settings, mechanisms)
    login, password = settings.login.encode(), settings.password.encode()
    if "PLAIN" in mechanisms:
        code, text = client.docmd("AUTH", "PLAIN " + _b64(b"\0" + login + b"\0" + password))
    elif "LOGIN" in mechanisms:
        code, text = client.docmd("AUTH", "LOGIN")
        for answer in (login, password):
            if code != _CONTINUE:
                break
            code, text = client.docmd(_b64(answer))
    else:
        # CRAM-MD5 and the like: smtplib knows them (ASCII passwords only).
        try:
            client.login(settings.login, settings.password)
        except smtplib.SMTPAuthenticationError as exc:
            code, text = exc.smtp_code, exc.smtp_error
        else:
            return
    if code == _SUCCESS:
        return
    detail = f"{code} {wire_text(text)}"
    if 400 <= code < 500:
        raise ThrottledError("The server cannot log in now, try again later", detail=detail)
    raise AuthenticationError("Wrong login or password", detail=detail)


def _b64(data):
    return base64.b64encode(data).decode("ascii")


# -- errors ---------------------------------------------------------------------


@contextlib.contextmanager
def _translated(action, host):
    """Turn smtplib errors (and, around them, socket and ssl ones) into engine errors."""
    with translated_network_errors(action, host):
        try:
            yield
        except smtplib.SMTPServerDisconnected as exc:
            # smtplib reports a read that timed out as a lost connection: the timeout is the news.
            if isinstance(exc.__context__, TimeoutError):
                raise ConnectionTimeout(f"Timed out while {action}", detail=str(exc)) from exc
            raise NetworkError(f"Connection lost while {action}", detail=str(exc) or None) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            refused = {address: _reply(code, text) for address, (code, text) in exc.recipients.items()}
            raise RecipientsRefused(
                "The server refused every recipient: " + ", ".join(refused),
                refused=refused,
                detail="; ".join(f"{address}: {code} {text}" for address, (code, text) in refused.items()),
            ) from exc
        except smtplib.SMTPSenderRefused as exc:
            code, text = exc.smtp_code, wire_text(exc.smtp_error)
            detail = f"{code} {text}"
            if code == _AUTH_REQUIRED:
                raise AuthenticationError("The server wants a login before it sends mail", detail=detail) from exc
            if code == _TOO_LARGE:
                # Said at MAIL FROM already, when the server announced SIZE and the message is bigger.
                raise MessageRejected("The message is too large for the server", code=code, detail=detail) from exc
            raise SenderRefused(f"The server refused the sender {exc.sender}", code=code, detail=detail) from exc
        except smtplib.SMTPDataError as exc:
            code = exc.smtp_code
            raise MessageRejected(
                "The server refused the message", code=code, detail=f"{code} {wire_text(exc.smtp_error)}"
            ) from exc
        except smtplib.SMTPConnectError as exc:
            raise _busy_or_refused(
                "The server does not accept mail now",
                "The server refused the connection",
                exc.smtp_code,
                exc.smtp_error,
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise _busy_or_refused(
                f"The server is busy ({action})", f"The server refused {action}", exc.smtp_code, exc.smtp_error
            ) from exc
        except smtplib.SMTPException as exc:
            raise ProtocolError(f"The server refused {action}", detail=str(exc)) from exc


def _busy_or_refused(busy_message, refused_message, code, text):
    detail = f"{code} {wire_text(text)}"
    if 400 <= code < 500:
        return ThrottledError(busy_message, detail=detail)
    return ProtocolError(refused_message, detail=detail)


def _reply(code, text):
    return SmtpReply(code, wire_text(text))
