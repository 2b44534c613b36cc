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
import contextlib
import imaplib
import logging
import os
import shutil
import socket
import ssl
import tempfile
import threading
from datetime import UTC, datetime
from email import policy as email_policy
from email.parser import BytesParser

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from imapclient import IMAPClient

from engine.smtp import SmtpSettings

from .dovecot import LOCALHOST, MAIL_DOMAIN, UNTRUSTED_HOST, USER_PASSWORD
from .smtp_spool import ReceivedMail, Spool

_logger = logging.getLogger(__name__)

MAX_MESSAGE_SIZE = 10 * 1024 * 1024
#: An SMTP-only account whose password is not ASCII (it has no Dovecot mailbox).
UNICODE_LOGIN = "unicode-user"
UNICODE_PASSWORD = "pässwörd-€"
#: The name the server gives itself; .test never resolves, and aiosmtpd would otherwise look ours up in DNS.
SERVER_NAME = "smtp.rig.test"


def _drop_aiosmtpd_deprecation_notes(record):
    # aiosmtpd itself sets the deprecated Session.login_data, then warns about it at every login.
    return "login_data is deprecated" not in record.getMessage()


class SmtpServer:
    """Start with :meth:`start`, stop with :meth:`stop` (also on failure)."""

    def __init__(self, dovecot):
        self.dovecot = dovecot
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
        self.port = starttls_socks[0].getsockname()[1]
        self.ssl_port = ssl_socks[0].getsockname()[1]
        self.plain_port = plain_sock.getsockname()[1]
        listeners = [
            # (name, socket, context for STARTTLS, context for implicit TLS, AUTH mechanisms left out)
            ("starttls", starttls_socks[0], trusted, None, ()),
            ("ssl", ssl_socks[0], None, trusted, ()),
            ("plain", plain_sock, None, None, ("PLAIN",)),
            ("untrusted-starttls", starttls_socks[1], untrusted, None, ()),
            ("untrusted-ssl", ssl_socks[1], None, untrusted, ()),
        ]
        for name, sock, starttls_context, implicit_context, excluded in listeners:
            self._servers.append(await self._loop.create_server(
                self._factory(name, starttls_context, excluded), sock=sock, ssl=implicit_context,
            ))

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

    def settings(self, login, password, security="starttls", *, host=None, port=None, timeout=10.0,
                 verify_certificate=True, trust_rig_ca=True):
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
        mail = self.rig._keep(mail_from=envelope.mail_from, recipients=envelope.rcpt_tos, raw=raw,
                              login=session.auth_data or "", listener=self.listener, delivered_to=delivered)
        return f"250 2.0.0 OK: queued as {mail.number}"


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
