"""What IMAP and SMTP connections share: where they may go, how long they wait, TLS, socket errors.

Both protocols fail the same ways below their own commands (unknown host,
refused port, timeout, untrusted certificate, broken TLS), and the user must be
told the same thing whichever of the two failed.

Where a connection may go is a :class:`DestinationPolicy`, checked here against
every address a host name resolves to, before connecting. The connection is then
made to the checked address itself (:func:`checked_addresses`), never by
resolving the name a second time, so a name that answers a public address to the
check and 127.0.0.1 to the connect (DNS rebinding) reaches nothing it should not;
TLS still checks the certificate against, and sends SNI for, the name
(:func:`tls_context` with ``server_name``).
"""

import contextlib
import ipaddress
import socket
import ssl
import sys
import threading
import time
from dataclasses import dataclass

from .errors import (
    CertificateError,
    ConnectionRefused,
    ConnectionTimeout,
    DestinationRefused,
    HostNotFoundError,
    ImapError,
    NetworkError,
    TlsError,
)
from .sasl import check_auth_settings

#: Implicit TLS, STARTTLS, or none: the same three choices for IMAP and SMTP.
SECURITY_MODES = ("ssl", "starttls", "none")

#: The longest any single network wait may be, in seconds: one server must not hold a run for longer.
MAX_TIMEOUT = 120
#: The shortest wait a call still gets once a run's deadline has passed: enough for one answer from a
#: healthy server, so the run can stop at its next check instead of failing half-way through a command.
MIN_WAIT = 5.0


def wait_limit(timeout, deadline=None):
    """Seconds the next network wait may take: *timeout*, cut to what is left before *deadline*.

    *deadline* is a ``time.monotonic()`` value or None. Never more than :data:`MAX_TIMEOUT`,
    never less than :data:`MIN_WAIT` (or *timeout* when that is shorter).
    """
    limit = min(timeout, MAX_TIMEOUT)
    if deadline is not None:
        limit = min(limit, max(deadline - time.monotonic(), MIN_WAIT))
    return limit


# -- where connections may go ------------------------------------------------------


@dataclass(frozen=True)
class AllowedServer:
    """One entry of the allowed list: a host name, ``*.domain``, or an address or network; maybe a port."""

    #: "name", "domain" (``*.domain``: any name below it) or "network".
    kind: str
    #: The name (lower case, no trailing dot), the domain, or an ``ipaddress`` network.
    value: object
    port: int | None = None

    def matches_name(self, host):
        if self.kind == "name":
            return host == self.value
        if self.kind == "domain":
            return host.endswith("." + self.value)
        return False

    def covers(self, address):
        return self.kind == "network" and address.version == self.value.version and address in self.value

    def allows_port(self, port):
        return self.port is None or self.port == port


def _normal_name(host):
    return host.strip().rstrip(".").lower()


def _address(text):
    """*text* as an IP address (IPv4-mapped IPv6 as the IPv4 it is), or None for a host name."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    return address.ipv4_mapped or address if address.version == 6 else address


#: Prefixes Python calls global that carry an IPv4 address inside, reached through a relay or the
#: host's own stack (so ``64:ff9b::7f00:1`` may be 127.0.0.1), or that are IETF protocol addresses.
_WRAPPED_OR_PROTOCOL = tuple(
    ipaddress.ip_network(n)
    for n in (
        "::/96",  # IPv4-compatible (deprecated)
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b::/96",  # NAT64, well-known prefix
        "64:ff9b:1::/48",  # NAT64, local use
        "2002::/16",  # 6to4
        "192.0.0.0/24",  # IETF protocol assignments
    )
)


def is_internal(address):
    """Loopback, private, link-local, shared, reserved, multicast, unspecified, or an IPv4 address
    wrapped in IPv6: not (or not surely) the public Internet."""
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        not address.is_global
        or address.is_multicast
        or any(address.version == n.version and address in n for n in _WRAPPED_OR_PROTOCOL)
    )


def parse_allowed_server(text):
    """One entry: ``mail.example.com``, ``*.example.com``, ``10.1.2.3``, ``10.0.0.0/8``, ``[::1]``,
    each optionally followed by ``:port`` (``[2001:db8::1]:993`` for IPv6). Raises ValueError."""
    entry = text.strip()
    port = None
    if entry.startswith("["):
        host, bracket, rest = entry[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"“{text}” is not a valid server: write IPv6 addresses as [2001:db8::1]:993")
        port = rest[1:] or None
    elif entry.count(":") == 1:
        host, port = entry.split(":")
    else:
        host = entry
    if port is not None:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"“{text}” has an invalid port")
        port = int(port)
    host = _normal_name(host)
    if not host:
        raise ValueError(f"“{text}” names no server")
    with contextlib.suppress(ValueError):
        return AllowedServer("network", ipaddress.ip_network(host, strict=False), port)
    kind = "name"
    if host.startswith("*."):
        kind, host = "domain", host[2:]
    labels = host.split(".")
    if not all(labels) or any(not label.replace("-", "").replace("_", "").isalnum() for label in labels):
        raise ValueError(f"“{text}” is not a host name, a *.domain, an address or a network")
    return AllowedServer(kind, host, port)


def parse_allowed_servers(text):
    """Entries separated by commas, spaces or new lines (see :func:`parse_allowed_server`)."""
    return tuple(parse_allowed_server(part) for part in (text or "").replace(",", " ").split())


@dataclass(frozen=True)
class DestinationPolicy:
    """Where a connection may go.

    Unrestricted (the default, and what administrators get): anywhere. Restricted:
    with an empty list, any host whose every address is public; with a list, only
    the hosts it names (exact names or ``*.domain``) or the addresses it covers. An
    internal address (loopback, private, link-local...) is reached only when the list
    allows it explicitly: by an address or network entry covering it, or by the host's
    exact name (never through a ``*.domain`` wildcard).
    """

    restricted: bool = False
    allowed: tuple = ()

    def check_name(self, host, port):
        """Before resolving: a restricted list refuses unlisted names without even asking DNS."""
        if not self.restricted or not self.allowed or _address(host) is not None:
            return
        if not self._names_allowing(host, port) and not any(e.kind == "network" for e in self.allowed):
            raise self._refused(host, port, "not in the allowed list")

    def check_address(self, host, port, address):
        """*address* (an ``ipaddress`` address) is where *host* resolved: may we connect to it?"""
        if not self.restricted:
            return
        address = address.ipv4_mapped or address if address.version == 6 else address
        if any(e.covers(address) and e.allows_port(port) for e in self.allowed):
            return
        names = self._names_allowing(host, port)
        if self.allowed and not names:
            raise self._refused(host, port, f"{address} is not in the allowed list")
        if is_internal(address) and not any(e.kind == "name" for e in names):
            raise self._refused(host, port, f"{address} is an internal address")

    def _names_allowing(self, host, port):
        host = _normal_name(host)
        return [e for e in self.allowed if e.matches_name(host) and e.allows_port(port)]

    @staticmethod
    def _refused(host, port, why):
        return DestinationRefused(f"{host}:{port} is not allowed by the administrator", detail=why)


#: What code that is not told otherwise (the engine's own tests, the benchmark) may reach.
UNRESTRICTED = DestinationPolicy()


def _resolve(host, port, timeout):
    """getaddrinfo, bounded by *timeout* (the C resolver has no timeout of its own we can set)."""
    if _address(host) is not None:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    outcome = {}

    def lookup():
        try:
            outcome["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            outcome["error"] = exc

    # A daemon thread: a resolver that never answers is abandoned, not waited for.
    worker = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise ConnectionTimeout(f"Timed out while looking up {host}")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["infos"]


def checked_addresses(host, port, policy, timeout):
    """The addresses to connect to for *host*, every one allowed by *policy*; raises typed errors.

    All of them are checked before any is used: one internal address among public
    ones refuses the host, whichever address a connection would have picked.
    """
    policy.check_name(host, port)
    with translated_network_errors(f"looking up {host}", host):
        infos = _resolve(host, port, timeout)
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        policy.check_address(host, port, ipaddress.ip_address(address.split("%", 1)[0]))
    return addresses


def connect_to_first(addresses, connect):
    """``connect(address)`` for each address in turn until one answers; the last failure is raised."""
    for position, address in enumerate(addresses):
        try:
            return connect(address)
        except (NetworkError, TlsError):
            if position == len(addresses) - 1:
                raise
    raise HostNotFoundError("The host has no address")


class ServerSettings:
    """Checks and a safe repr for the connection settings dataclasses of both protocols.

    Subclasses are ``@dataclass(frozen=True, repr=False)`` with at least host, port, login,
    security, verify_certificate, timeout, destination_policy, deadline, auth_method and access_token.
    """

    def __post_init__(self):
        if self.security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {SECURITY_MODES}, not {self.security!r}")
        if not self.timeout or self.timeout <= 0:
            raise ValueError("a timeout is always required")
        if self.timeout > MAX_TIMEOUT:
            raise ValueError(f"the timeout must be at most {MAX_TIMEOUT} seconds")
        check_auth_settings(self)

    def wait_limit(self):
        """Seconds the next network wait may take (see :func:`wait_limit`)."""
        return wait_limit(self.timeout, self.deadline)

    def __repr__(self):
        # Never let the password or the access token reach a log line or a traceback.
        return (
            f"{type(self).__name__}(host={self.host!r}, port={self.port!r}, login={self.login!r}, "
            f"security={self.security!r}, verify_certificate={self.verify_certificate!r})"
        )


class _NamedContext(ssl.SSLContext):
    """A client context that verifies (and sends SNI for) ``server_name``, whatever address the socket has.

    The protocol libraries pass the host they connected to as ``server_hostname``: the
    checked address here, not the name the certificate is for.
    """

    server_name = None

    def wrap_socket(self, sock, *args, server_hostname=None, **kwargs):
        return super().wrap_socket(sock, *args, server_hostname=self.server_name or server_hostname, **kwargs)


def settings_tls_context(settings):
    """The TLS context for IMAP or SMTP *settings*: the socket goes to the checked address, the
    certificate is checked against the name the user typed."""
    return tls_context(settings.verify_certificate, settings.ca_file, server_name=settings.host)


def tls_context(verify_certificate=True, ca_file=None, server_name=None):
    """The client context: system trust store (or *ca_file*), host name checked, unless switched off.

    With *server_name*, the certificate is checked against that name (see :class:`_NamedContext`).
    """
    if server_name is None:
        context = ssl.create_default_context(cafile=ca_file)
    else:
        # What ssl.create_default_context() does, on the subclass.
        context = _NamedContext(ssl.PROTOCOL_TLS_CLIENT)
        context.server_name = server_name
        if sys.version_info >= (3, 13):
            context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
        if ca_file:
            context.load_verify_locations(cafile=ca_file)
        else:
            context.load_default_certs()
    if not verify_certificate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


@contextlib.contextmanager
def translated_network_errors(action, host=None):
    """Turn socket and ssl errors raised while doing *action* into engine errors.

    Protocol modules wrap their own error translation inside this one: engine
    errors pass through untouched, and whatever is left is an OS-level failure.
    """
    where = f" {host}" if host else ""
    try:
        yield
    except ImapError:
        raise
    except socket.gaierror as exc:
        raise HostNotFoundError(f"Host{where} not found", detail=str(exc)) from exc
    except ConnectionRefusedError as exc:
        raise ConnectionRefused(f"Connection refused by{where or ' the server'}", detail=str(exc)) from exc
    except TimeoutError as exc:
        raise ConnectionTimeout(f"Timed out while {action}", detail=str(exc) or None) from exc
    except ssl.SSLCertVerificationError as exc:
        raise CertificateError(
            "The server's certificate is not trusted", detail=exc.verify_message or str(exc)
        ) from exc
    except ssl.SSLError as exc:
        raise TlsError(f"TLS failed while {action}", detail=str(exc)) from exc
    except OSError as exc:
        raise NetworkError(f"Network error while {action}", detail=str(exc)) from exc
