"""Typed errors of the sync engine.

Callers decide what to do from the class (or its ``kind``), never from message
text: an authentication failure stops a mailbox until its settings change, a
network failure is retried at the next run, a protocol error is reported.
"""


class ImapError(Exception):
    """Base class of every error the engine raises on purpose."""

    kind = "protocol"
    #: True when the same operation may well succeed later without anyone
    #: changing the mailbox settings.
    transient = False

    def __init__(self, message, *, detail=None):
        super().__init__(message)
        self.message = message
        #: What the server or the operating system said, for the log.
        self.detail = detail

    def __str__(self):
        if self.detail and self.detail not in self.message:
            return f"{self.message} ({self.detail})"
        return self.message


class AuthenticationError(ImapError):
    """The server refused the login or password."""

    kind = "auth"


class TlsError(ImapError):
    """TLS could not be set up (handshake failure, no STARTTLS offered...)."""

    kind = "tls"
    transient = True


class CertificateError(TlsError):
    """The server's certificate does not verify (unknown CA, wrong host, expired)."""

    kind = "certificate"


class NetworkError(ImapError):
    """The server could not be reached, or the connection broke."""

    kind = "network"
    transient = True


class HostNotFoundError(NetworkError):
    kind = "host_not_found"


class ConnectionRefused(NetworkError):
    kind = "refused"


class ConnectionTimeout(NetworkError):
    kind = "timeout"


class ProtocolError(ImapError):
    """The server answered NO or BAD, or something the engine cannot read."""

    kind = "protocol"


class ThrottledError(ImapError):
    """The server asks us to slow down or is briefly unavailable."""

    kind = "throttled"
    transient = True


class FolderNotFoundError(ProtocolError):
    """A folder that was expected on the server is not there (any more)."""

    kind = "folder_missing"
