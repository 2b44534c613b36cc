"""A throw-away SMTP server on loopback (aiosmtpd) that delivers into the rig's Dovecot.

One server per test session, one asyncio loop in one thread, listening on:

* ``port`` on 127.0.0.1: plain SMTP offering STARTTLS (AUTH is offered before TLS too, so that
  security "none" can be tested),
* ``ssl_port`` on 127.0.0.1: implicit TLS,
* ``plain_port`` on 127.0.0.1: an old server: plain SMTP without STARTTLS, and AUTH LOGIN only,
* ``port`` and ``ssl_port`` on :data:`UNTRUSTED_HOST` (127.0.0.3): the same two, with a self-signed
  certificate nobody trusts.

The certificates are the Dovecot rig's: on 127.0.0.1 signed by its CA (``IMAP_TEST_CA_FILE``).

**Login**: AUTH PLAIN or LOGIN as any user of the Dovecot rig's pools (``t0001``, ``o0042``...)
with its password, or as :data:`UNICODE_LOGIN` / :data:`UNICODE_PASSWORD` (a non-ASCII password).
When started with an ``oauth_introspection`` (rig/oauth_server.py), also AUTH XOAUTH2 and
OAUTHBEARER (``ssl_port`` offers XOAUTH2 only, as Outlook's server does; ``plain_port``, the old
server, neither) with a bearer token that the OAuth server's
introspection endpoint says is active, carries the SMTP scope and belongs to that user; a refused
token gets the JSON error challenge real servers send (RFC 7628 3.2.2), then ``535``.
MAIL FROM without a login is answered ``530``.

**What happens to mail** (decided per address, case-insensitively):

* ``<pool user>@rig.test``: accepted, and delivered (IMAP APPEND) into that user's Dovecot INBOX
  before the server answers the DATA, so the message is there when sending returns;
* any other ``@rig.test`` recipient: refused, ``550 5.1.1`` (no such user);
* a recipient whose local part starts with ``greylisted``: refused for now, ``450 4.2.0``;
* any other recipient: accepted and only kept;
* a ``@rig.test`` sender that is not a pool user: refused, ``553 5.7.1``;
* a message over :data:`MAX_MESSAGE_SIZE` (announced with SIZE): refused, ``552``.

Every accepted message is kept, envelope and exact bytes, in :attr:`SmtpServer.received` and in the
spool directory (``.eml`` + ``.json`` per message, see rig/smtp_spool.py).

**Environment for tests in other processes** (:meth:`SmtpServer.coordinates`; the CA is the
Dovecot rig's ``IMAP_TEST_CA_FILE``, the users and password its ``IMAP_TEST_USER_PREFIX`` pool
and ``IMAP_TEST_PASSWORD``):

``IMAP_TEST_SMTP_HOST``             127.0.0.1
``IMAP_TEST_SMTP_PORT``             STARTTLS offered (cleartext AUTH allowed, for security "none")
``IMAP_TEST_SMTP_SSL_PORT``         implicit TLS
``IMAP_TEST_SMTP_PLAIN_PORT``       no TLS at all (STARTTLS asked for must fail here), AUTH LOGIN only
``IMAP_TEST_SMTP_UNTRUSTED_HOST``   127.0.0.3: the SMTP_PORT and SMTP_SSL_PORT with an untrusted certificate
``IMAP_TEST_SMTP_SPOOL``            the spool directory (read it with rig.smtp_spool.read_spool)
``IMAP_TEST_MAIL_DOMAIN``           rig.test: user ``o0007`` receives mail as ``o0007@rig.test``
"""

import asyncio
import binascii
import contextlib
import imaplib
import json
import logging
import os
import shutil
import socket
import ssl
import tempfile
import threading
from base64 import b64decode
from datetime import UTC, datetime
from email import policy as email_policy
from email.parser import BytesParser

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, LoginPassword
from imapclient import IMAPClient

from engine.smtp import SmtpSettings

from .dovecot import LOCALHOST, MAIL_DOMAIN, UNTRUSTED_HOST, USER_PASSWORD
from .oauth_admin import introspect
from .smtp_spool import ReceivedMail, Spool

_logger = logging.getLogger(__name__)

MAX_MESSAGE_SIZE = 10 * 1024 * 1024
#: An SMTP-only account whose password is not ASCII (it has no Dovecot mailbox).
UNICODE_LOGIN = "unicode-user"
UNICODE_PASSWORD = "pässwörd-€"
#: The name the server gives itself; .test never resolves, and aiosmtpd would otherwise look ours up in DNS.
SERVER_NAME = "smtp.rig.test"
OAUTH_MECHANISMS = ("XOAUTH2", "OAUTHBEARER")


def _drop_aiosmtpd_deprecation_notes(record):
    # aiosmtpd itself sets the deprecated Session.login_data, then warns about it at every login.
    return "login_data is deprecated" not in record.getMessage()


class SmtpServer:
    """Start with :meth:`start`, stop with :meth:`stop` (also on failure)."""

    def __init__(self, dovecot, oauth_introspection=None):
        self.dovecot = dovecot
        #: ``(host, port, client_id, client_secret)`` to ask the OAuth server about bearer tokens.
        self.oauth_introspection = oauth_introspection
        self.host = LOCALHOST
        self.untrusted_host = UNTRUSTED_HOST
        self.port = self.ssl_port = self.plain_port = None
        self.spool_directory = None
        #: Every accepted message, oldest first (:class:`rig.smtp_spool.ReceivedMail`).
        self.received = []
        self._spool = None
        self._lock = threading.Lock()
        self._loop = None
        self._thread = None
        self._servers = []

    # -- life cycle -----------------------------------------------------------

    def start(self):
        logging.getLogger("mail.log").addFilter(_drop_aiosmtpd_deprecation_notes)
        self.spool_directory = tempfile.mkdtemp(prefix="smtp-spool-")
        os.chmod(self.spool_directory, 0o755)  # the Odoo tier may read it as another user
        self._spool = Spool(self.spool_directory)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="rig-smtp", daemon=True)
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=15)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        if self._loop is not None:
            if self._loop.is_running():
                # Stopping goes on whatever the closing says: a test run must not hang on it.
                with contextlib.suppress(TimeoutError, OSError, RuntimeError):
                    asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=10)
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(timeout=10)
            if not self._loop.is_running():
                self._loop.close()
            self._loop = None
        if self.spool_directory:
            shutil.rmtree(self.spool_directory, ignore_errors=True)
            self.spool_directory = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    async def _listen(self):
        trusted = _server_tls(self.dovecot.server_cert, self.dovecot.server_key)
        untrusted = _server_tls(self.dovecot.untrusted_cert, self.dovecot.untrusted_key)
        starttls_socks = _bind_same_port(LOCALHOST, UNTRUSTED_HOST)
        ssl_socks = _bind_same_port(LOCALHOST, UNTRUSTED_HOST)
        plain_sock = _bind_same_port(LOCALHOST)[0]
        no_oauth = () if self.oauth_introspection else OAUTH_MECHANISMS
        self.port = starttls_socks[0].getsockname()[1]
        self.ssl_port = ssl_socks[0].getsockname()[1]
        self.plain_port = plain_sock.getsockname()[1]
        listeners = [
            # (name, socket, context for STARTTLS, context for implicit TLS, AUTH mechanisms left out)
            ("starttls", starttls_socks[0], trusted, None, no_oauth),
            ("ssl", ssl_socks[0], None, trusted, no_oauth or ("OAUTHBEARER",)),
            ("plain", plain_sock, None, None, ("PLAIN", *OAUTH_MECHANISMS)),
            ("untrusted-starttls", starttls_socks[1], untrusted, None, no_oauth),
            ("untrusted-ssl", ssl_socks[1], None, untrusted, no_oauth),
        ]
        for name, sock, starttls_context, implicit_context, excluded in listeners:
            self._servers.append(
                await self._loop.create_server(
                    self._factory(name, starttls_context, excluded),
                    sock=sock,
                    ssl=implicit_context,
                )
            )

    def _factory(self, listener, starttls_context, excluded_mechanisms):
        handler = _Handler(self, listener)

        def protocol():
            return SMTP(
                handler,
                hostname=SERVER_NAME,
                tls_context=starttls_context,
                # Login is required by handle_MAIL; allowing it before TLS lets "security none" be tested.
                auth_require_tls=False,
                authenticator=self._authenticate,
                auth_exclude_mechanism=excluded_mechanisms,
                data_size_limit=MAX_MESSAGE_SIZE,
                loop=self._loop,
            )

        return protocol

    async def _close(self):
        for server in self._servers:
            server.close()
            await server.wait_closed()
        self._servers = []
        current = asyncio.current_task()
        pending = [task for task in asyncio.all_tasks() if task is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self._loop.shutdown_default_executor()

    # -- for tests ------------------------------------------------------------

    def coordinates(self):
        """What a test in another process needs to reach this server (see the module docstring)."""
        return {
            "IMAP_TEST_SMTP_HOST": self.host,
            "IMAP_TEST_SMTP_PORT": str(self.port),
            "IMAP_TEST_SMTP_SSL_PORT": str(self.ssl_port),
            "IMAP_TEST_SMTP_PLAIN_PORT": str(self.plain_port),
            "IMAP_TEST_SMTP_UNTRUSTED_HOST": self.untrusted_host,
            "IMAP_TEST_SMTP_SPOOL": self.spool_directory,
            "IMAP_TEST_MAIL_DOMAIN": MAIL_DOMAIN,
        }

    def settings(
        self,
        login,
        password,
        security="starttls",
        *,
        host=None,
        port=None,
        timeout=10.0,
        verify_certificate=True,
        trust_rig_ca=True,
    ):
        """Engine settings to send through this server."""
        if port is None:
            port = self.ssl_port if security == "ssl" else self.port
        return SmtpSettings(
            host=host or self.host,
            port=port,
            login=login,
            password=password,
            security=security,
            verify_certificate=verify_certificate,
            timeout=timeout,
            ca_file=self.dovecot.ca_file if trust_rig_ca else None,
        )

    def received_with(self, message_id):
        """The received messages whose Message-ID header is *message_id*."""
        with self._lock:
            mails = list(self.received)
        return [mail for mail in mails if _message_id(mail.raw) == message_id]

    # -- the server's decisions -----------------------------------------------

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        valid = (self.dovecot.is_user(login) and password == USER_PASSWORD) or (
            login == UNICODE_LOGIN and password == UNICODE_PASSWORD
        )
        return AuthResult(success=valid, handled=False, auth_data=login if valid else None)

    def _token_owner(self, token):
        """The user the OAuth server says *token* belongs to, or None when it is not active for SMTP."""
        host, port, client_id, client_secret = self.oauth_introspection
        answer = introspect(f"http://{host}:{port}/introspect", client_id, client_secret, token)
        return answer.get("username") if answer.get("active") is True else None

    def _is_rig_user_address(self, address):
        local, domain = _split(address)
        return domain == MAIL_DOMAIN and self.dovecot.is_user(local)

    def _deliver(self, recipients, raw):
        """APPEND *raw* to the INBOX of each recipient that is a rig user; returns those users."""
        users = list(dict.fromkeys(_split(r)[0] for r in recipients if self._is_rig_user_address(r)))
        for user in users:
            with IMAPClient(self.dovecot.host, port=self.dovecot.port, ssl=False, timeout=10) as client:
                client._imap.debug = 0
                client.login(user, USER_PASSWORD)
                client.append("INBOX", raw)
        return tuple(users)

    def _keep(self, *, mail_from, recipients, raw, login, listener, delivered_to):
        with self._lock:
            mail = ReceivedMail(
                number=len(self.received) + 1,
                mail_from=mail_from,
                rcpt_tos=tuple(recipients),
                raw=raw,
                login=login,
                listener=listener,
                delivered_to=delivered_to,
                received_at=datetime.now(UTC).isoformat(),
            )
            self._spool.write(mail)
            self.received.append(mail)
        return mail


class _Handler:
    """aiosmtpd's hooks: each returns the SMTP reply to give."""

    def __init__(self, rig, listener):
        self.rig = rig
        self.listener = listener

    # aiosmtpd offers every handler method named auth_<MECHANISM> in EHLO's AUTH line.
    async def auth_XOAUTH2(self, server, args):
        return await self._bearer_login(server, args, "XOAUTH2")

    async def auth_OAUTHBEARER(self, server, args):
        return await self._bearer_login(server, args, "OAUTHBEARER")

    async def _bearer_login(self, server, args, mechanism):
        if len(args) == 1:
            blob = await server.challenge_auth("")
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        else:
            try:
                blob = b64decode(args[1].encode(), validate=True)
            except binascii.Error:
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        user, token = _parse_bearer(mechanism, blob)
        try:
            owner = await asyncio.get_running_loop().run_in_executor(None, self.rig._token_owner, token)
        except (OSError, RuntimeError):
            _logger.warning("rig SMTP: the OAuth server could not be asked about a token", exc_info=True)
            return AuthResult(success=False, handled=False, message="454 4.7.0 Temporary authentication failure")
        if user and owner == user:
            return AuthResult(success=True, auth_data=user)
        # The error comes as a challenge the client must answer (XOAUTH2: empty, OAUTHBEARER: %x01).
        error = {"status": "invalid_token", "scope": "smtp"}
        if mechanism == "XOAUTH2":
            error = {"status": "401", "schemes": "bearer", "scope": "smtp"}
        if await server.challenge_auth(json.dumps(error)) is MISSING:
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False, message="535 5.7.8 Username and token not accepted")

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        if _split(address)[1] == MAIL_DOMAIN and not self.rig._is_rig_user_address(address):
            return f"553 5.7.1 <{address}>: Sender address rejected: not a user of this server"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local, domain = _split(address)
        if local.startswith("greylisted"):
            return f"450 4.2.0 <{address}>: Recipient address rejected: greylisted, try again later"
        if domain == MAIL_DOMAIN and not self.rig._is_rig_user_address(address):
            return f"550 5.1.1 <{address}>: Recipient address rejected: no such user"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        loop = asyncio.get_running_loop()
        try:
            # IMAP is blocking: off the loop, so other connections are served meanwhile.
            delivered = await loop.run_in_executor(None, self.rig._deliver, envelope.rcpt_tos, raw)
        except (OSError, imaplib.IMAP4.error) as exc:
            _logger.exception("rig SMTP: delivery into Dovecot failed")
            return f"451 4.3.0 Delivery into the rig's Dovecot failed: {exc}"
        mail = self.rig._keep(
            mail_from=envelope.mail_from,
            recipients=envelope.rcpt_tos,
            raw=raw,
            login=session.auth_data or "",
            listener=self.listener,
            delivered_to=delivered,
        )
        return f"250 2.0.0 OK: queued as {mail.number}"


def _parse_bearer(mechanism, blob):
    """``(user, token)`` from an XOAUTH2 or OAUTHBEARER (RFC 7628) initial response; empty strings if unreadable."""
    text = blob.decode("utf-8", "replace")
    user = ""
    if mechanism == "OAUTHBEARER":
        gs2_header, _sep, text = text.partition("\x01")
        for part in gs2_header.split(","):
            if part.startswith("a="):
                user = part[2:].replace("=2C", ",").replace("=3D", "=")
    fields = dict(part.split("=", 1) for part in text.split("\x01") if "=" in part)
    user = fields.get("user", user)
    scheme, _sep, token = fields.get("auth", "").partition(" ")
    return user, token if scheme.lower() == "bearer" else ""


def _split(address):
    local, _at, domain = address.rpartition("@")
    return local.lower(), domain.lower()


def _message_id(raw):
    headers = BytesParser(policy=email_policy.compat32).parsebytes(raw, headersonly=True)
    return (headers.get("Message-ID") or "").strip()


def _server_tls(cert, key):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def _bind_same_port(*hosts, attempts=50):
    """One listening-ready socket per host, all on the same free port."""
    for _attempt in range(attempts):
        socks = []
        try:
            for host in hosts:
                sock = socket.socket()
                socks.append(sock)
                sock.bind((host, socks[0].getsockname()[1] if len(socks) > 1 else 0))
        except OSError:
            for sock in socks:
                sock.close()
            continue
        return socks
    raise RuntimeError(f"no port free on all of {hosts}")
