"""The IMAP connection: TLS modes, timeouts, capabilities and typed errors.

This is the only module of the engine that imports imapclient. Everything else
talks to an :class:`ImapSession`, whose methods raise only
:mod:`.errors` exceptions, so callers never see socket, ssl or imaplib errors.
"""

import contextlib
import imaplib
import logging
import re
import socket
import time
from dataclasses import dataclass

import imapclient
from imapclient import IMAPClient, SocketTimeout
from imapclient import exceptions as imapclient_errors
from imapclient.imapclient import _literal  # private, but imapclient offers no public way to send a literal

from . import replies
from .errors import (
    AuthenticationError,
    CharsetRefusedError,
    FolderNotFoundError,
    NetworkError,
    ProtocolError,
    ThrottledError,
    TlsError,
)
from .imapclient_support import check_version
from .network import (
    UNRESTRICTED,
    DestinationPolicy,
    ServerSettings,
    checked_addresses,
    connect_to_first,
    settings_tls_context,
    translated_network_errors,
)
from .sasl import imap_exchange, token_refusal
from .wire import wire_text

_logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "none": 143}


@dataclass(frozen=True, repr=False)
class ConnectionSettings(ServerSettings):
    host: str
    port: int
    login: str
    password: str
    security: str = "ssl"
    verify_certificate: bool = True
    #: Seconds allowed to connect, and to wait for any single answer (at most network.MAX_TIMEOUT).
    timeout: float = 30.0
    #: Extra trust anchors (a PEM file) instead of the system store.
    ca_file: str | None = None
    #: Where this connection may go: checked against every address of the host before connecting.
    destination_policy: DestinationPolicy = UNRESTRICTED
    #: A ``time.monotonic()`` value: the run's end; every wait is cut to the time left (network.wait_limit).
    deadline: float | None = None
    #: "password", or "oauth2": SASL XOAUTH2 / OAUTHBEARER with :attr:`access_token` (see sasl.py).
    auth_method: str = "password"
    #: The OAuth2 access token for "oauth2" (kept out of repr, like the password).
    access_token: str = ""


def _server_text(exc):
    text = str(exc)
    # imaplib renders server data as bytes reprs: b'[AUTHENTICATIONFAILED] ...'
    return re.sub(r"\bb(['\"])(.*?)\1", r"\2", text)


def _server_words(text):
    # imapclient appends the criteria and a pointer to its documentation to the text of a
    # SEARCH's BAD: only the server's own words are classified.
    return text.split("\n\n", 1)[0]


@contextlib.contextmanager
def translated_errors(action, host=None):
    """Turn socket, ssl and imaplib errors raised while doing *action* into engine errors."""
    with translated_network_errors(action, host):
        try:
            yield
        except imapclient_errors.LoginError as exc:
            text = _server_text(exc)
            if isinstance(exc.__context__, imaplib.IMAP4.abort):
                # imapclient makes a LoginError of any failure of LOGIN, a dropped connection too (a
                # server restarting): nothing was refused, and a refusal would stop the mailbox.
                raise NetworkError("Connection lost while logging in", detail=text) from exc
            if replies.classify(_server_words(text)) == replies.THROTTLED:
                raise ThrottledError("The server cannot log in now, try again later", detail=text) from exc
            raise AuthenticationError("Wrong login or password", detail=text) from exc
        except imaplib.IMAP4.abort as exc:
            raise NetworkError(f"Connection lost while {action}", detail=_server_text(exc)) from exc
        except imaplib.IMAP4.error as exc:
            text = _server_text(exc)
            reply_class = replies.classify(_server_words(text))
            if reply_class == replies.THROTTLED:
                raise ThrottledError(f"The server is busy ({action})", detail=text) from exc
            if reply_class == replies.FOLDER_MISSING:
                raise FolderNotFoundError(f"Folder not found while {action}", detail=text) from exc
            if reply_class == replies.CHARSET_REFUSED:
                raise CharsetRefusedError(f"The server refused the charset while {action}", detail=text) from exc
            if reply_class == replies.AUTH_FAILED:
                raise AuthenticationError(f"The server refused the credentials while {action}", detail=text) from exc
            raise ProtocolError(f"The server refused {action}", detail=text) from exc


class _Client(IMAPClient):
    """IMAPClient whose implicit-TLS connection obeys the connect timeout.

    imapclient 3.x creates its TLS connection without the timeout it is given
    (``tls.IMAP4_TLS`` drops it; fixed in 4.0): the TCP connect, the handshake and
    the greeting of a server that accepts and never answers would wait forever.
    The standard library's IMAP4_SSL takes the timeout and the context.
    """

    def _create_IMAP4(self):
        if self.ssl and not self.stream:
            return imaplib.IMAP4_SSL(self.host, self.port, ssl_context=self.ssl_context, timeout=self._timeout.connect)
        return super()._create_IMAP4()


def _connect(settings, address):
    """The greeting (and, for implicit TLS, the handshake) within the connect timeout."""
    wait = settings.wait_limit()
    with translated_errors("connecting", settings.host):
        return _Client(
            address,
            port=settings.port,
            ssl=settings.security == "ssl",
            ssl_context=settings_tls_context(settings) if settings.security == "ssl" else None,
            timeout=SocketTimeout(connect=wait, read=wait),
        )


def open_session(settings):
    """Connect, secure and log in; the caller owns the returned session."""
    check_version(imapclient.__version__)
    addresses = checked_addresses(settings.host, settings.port, settings.destination_policy, settings.wait_limit())
    client = connect_to_first(addresses, lambda address: _connect(settings, address))
    quiet_imaplib(client)
    # Aware datetimes for INTERNALDATE, not naive ones in the server process's local time.
    client.normalise_times = False
    session = ImapSession(client, settings)
    try:
        if settings.security == "starttls":
            session._starttls()
        session._login()
    except BaseException:
        session.close()
        raise
    return session


class ImapSession:
    """One logged-in connection, reused for every folder of a mailbox run."""

    def __init__(self, client, settings):
        self._client = client
        self.settings = settings
        self.selected_folder = None
        self._selected_readonly = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _call(self, action, method, *args, **kwargs):
        with translated_errors(action, self.settings.host):
            # Every answer is waited for at most the timeout, and never past the run's deadline.
            self._client.socket().settimeout(self.settings.wait_limit())
            return method(*args, **kwargs)

    def _starttls(self):
        if not self._client.has_capability("STARTTLS"):
            # Falling back to cleartext would send the password in the clear.
            raise TlsError("The server does not offer STARTTLS")
        self._call("starting TLS", self._client.starttls, settings_tls_context(self.settings))

    def _login(self):
        if self.settings.auth_method == "oauth2":
            exchange = self._call("reading capabilities", imap_exchange, self._client, self.settings)
            with token_refusal(exchange):
                self._call("logging in", self._client.sasl_login, exchange.mechanism, exchange)
            return
        login, password = self.settings.login, self.settings.password
        if (login + password).isascii():
            self._call("logging in", self._client.login, login, password)
        elif self._client.has_capability("AUTH=PLAIN"):
            # LOGIN carries ASCII only; SASL PLAIN carries UTF-8 (RFC 4616).
            self._call("logging in", self._client.plain_login, login, password)
        else:
            raise AuthenticationError(
                "The login or password has non-ASCII characters and the server offers no AUTH=PLAIN to send them"
            )

    def close(self):
        """Log out; a connection that is already broken is simply dropped."""
        if self._client is None:
            return
        client, self._client = self._client, None
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                client.shutdown()

    # -- capabilities ---------------------------------------------------------

    @property
    def capabilities(self):
        caps = self._call("reading capabilities", self._client.capabilities)
        return frozenset(c.decode() if isinstance(c, bytes) else c for c in caps)

    def has(self, capability):
        return capability.upper() in self.capabilities

    # -- folders --------------------------------------------------------------

    def list_folders(self):
        """``[(flags, delimiter, name)]`` with flags and delimiter as ``str``."""
        rows = self._call("listing folders", self._client.list_folders)
        if self.has("XLIST") and not self.has("SPECIAL-USE"):
            # Old Gmail-style servers only give roles through XLIST.
            rows = self._call("listing folders", self._client.xlist_folders)
        return [
            (tuple(wire_text(f) for f in flags), wire_text(delimiter) if delimiter else None, name)
            for flags, delimiter, name in rows
        ]

    def status(self, folder, items):
        data = self._call(f"reading the status of {folder}", self._client.folder_status, folder, items)
        return {wire_text(k): v for k, v in data.items()}

    def select(self, folder, readonly=True):
        data = self._call(f"opening {folder}", self._client.select_folder, folder, readonly=readonly)
        self.selected_folder = folder
        self._selected_readonly = readonly
        return {wire_text(k): v for k, v in data.items()}

    def unselect(self):
        """Leave the selected folder without expunging anything in it."""
        if self.selected_folder is None:
            return
        if self.has("UNSELECT"):
            self._call("leaving the folder", self._client.unselect_folder)
        else:
            # CLOSE expunges \Deleted mail of a read-write folder: reopen read-only first.
            if not self._selected_readonly:
                self.select(self.selected_folder, readonly=True)
            self._call("leaving the folder", self._client.close_folder)
        self.selected_folder = None

    def create_folder(self, folder):
        self._call(f"creating {folder}", self._client.create_folder, folder)

    def folder_exists(self, folder):
        return self._call(f"looking for {folder}", self._client.folder_exists, folder)

    # -- messages -------------------------------------------------------------

    def search(self, criteria, charset=None):
        return self._call("searching", self._client.search, criteria, charset)

    def refused_charset(self, error):
        """True when *error*, raised by :meth:`search`, is the server refusing the CHARSET it was given."""
        return isinstance(error, CharsetRefusedError)

    def fetch(self, uids, items, modifiers=None):
        return self._call("fetching messages", self._client.fetch, uids, items, modifiers)

    def append(self, folder, message, flags=(), msg_time=None):
        return self._call(f"appending to {folder}", self._client.append, folder, message, flags, msg_time)

    def multiappend(self, folder, messages):
        return self._call(f"appending to {folder}", self._client.multiappend, folder, messages)

    def move(self, uids, folder):
        if self.has("MOVE"):
            return self._call(f"moving to {folder}", self._client.move, uids, folder)
        if not self.has("UIDPLUS"):
            # A plain EXPUNGE would also remove whatever else the user flagged \Deleted.
            raise ProtocolError("The server can neither move messages nor expunge only some of them")
        self._call(f"copying to {folder}", self._client.copy, uids, folder)
        self._call("flagging moved messages", self._client.delete_messages, uids)
        return self._call("expunging moved messages", self._client.uid_expunge, uids)

    def add_flags(self, uids, flags):
        return self._call("setting flags", self._client.add_flags, uids, flags)

    # -- IDLE (RFC 2177) --------------------------------------------------------

    def idle_start(self):
        self._call("starting IDLE", self._client.idle)

    def idle_wait(self, timeout):
        """The words of what the server announced within *timeout* seconds (``["EXISTS", ...]``).

        imapclient answers ``[]`` both when nothing came and when the server closed the
        connection (it swallows the EOF); only the first takes the whole timeout, so an
        empty answer before it is a lost connection, and so is a BYE.
        """
        started = time.monotonic()
        with translated_errors("waiting in IDLE", self.settings.host):
            responses = self._client.idle_check(timeout)
        words = _idle_words(responses)
        if "BYE" in words or (not responses and time.monotonic() - started < timeout - 0.05):
            raise NetworkError("Connection lost while waiting in IDLE")
        return words

    def idle_done(self):
        """End IDLE; the words of what the server announced since the last :meth:`idle_wait`."""
        _text_reply, responses = self._call("ending IDLE", self._client.idle_done)
        return _idle_words(responses)

    def interrupt(self):
        """From another thread: break the connection, so that a wait on it ends now."""
        client = self._client
        if client is not None:
            with contextlib.suppress(OSError):
                client.socket().shutdown(socket.SHUT_RDWR)


def _idle_words(responses):
    """``[(3, b"EXISTS"), (b"OK", b"Still here")]`` -> ``["EXISTS", "OK"]``."""
    return [wire_text(r[1] if isinstance(r[0], int) else r[0]).upper() for r in responses if len(r) > 1]


def quiet_imaplib(client):
    """Turn off imaplib's debug level under *client* (private: imapclient keeps imaplib in ``_imap``).

    imapclient sets imaplib's debug level to 5, which formats every line it reads or sends
    even when nobody logs it: most of a big FETCH's time. tests/test_private_apis.py fails
    loudly if a release of imapclient moves the attribute.
    """
    client._imap.debug = 0


def as_literal(value):
    """*value* (bytes) marked to go out as an IMAP literal, the one string form that carries any byte.

    imapclient quotes a search criterion only when it holds a space, a quote or a
    backslash and sends anything else bare: ``(x)`` then breaks the command, and
    ``{3}`` makes the server wait for three bytes that never come.
    ``_literal`` is imapclient's private marker for that; tests/test_private_apis.py fails
    loudly if a release drops it.
    """
    return _literal(value)


@dataclass(frozen=True)
class ConnectionReport:
    host: str
    security: str
    capabilities: frozenset


def check_connection(settings):
    """Connect, log in and out; raises a typed error, or reports what the server offers."""
    with open_session(settings) as session:
        return ConnectionReport(settings.host, settings.security, session.capabilities)
