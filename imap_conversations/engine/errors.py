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


class UnsupportedLibraryError(ImapError):
    """The imapclient installed on the server is a release the engine does not support."""

    kind = "library"

    def __init__(self, message, *, version, supported, detail=None):
        super().__init__(message, detail=detail)
        self.version = version
        self.supported = supported


class ThrottledError(ImapError):
    """The server asks us to slow down or is briefly unavailable."""

    kind = "throttled"
    transient = True


class FolderNotFoundError(ProtocolError):
    """A folder that was expected on the server is not there (any more)."""

    kind = "folder_missing"


class CharsetRefusedError(ProtocolError):
    """The server does not know the CHARSET a search named (the search is then tried without one)."""

    kind = "charset_refused"


# -- sending ------------------------------------------------------------------
# SMTP answers 4xx for "try again later" and 5xx for "never": the errors below
# carry that per instance, from the server's reply code.


def _is_temporary(code):
    return code is not None and 400 <= code < 500


class InvalidAddressError(ImapError, ValueError):
    """An address an outgoing message cannot be written or sent with."""

    kind = "invalid_address"


class SenderRefused(ProtocolError):
    """The SMTP server will not send mail from this sender address."""

    kind = "sender_refused"

    def __init__(self, message, *, code=None, detail=None):
        super().__init__(message, detail=detail)
        self.code = code
        self.transient = _is_temporary(code)


class RecipientsRefused(ProtocolError):
    """The SMTP server refused every recipient: nothing was sent.

    ``refused`` maps each refused address to the server's ``(code, text)``.
    """

    kind = "recipients_refused"

    def __init__(self, message, *, refused, detail=None):
        super().__init__(message, detail=detail)
        self.refused = dict(refused)
        self.transient = all(_is_temporary(code) for code, _text in self.refused.values())


class MessageRejected(ProtocolError):
    """The SMTP server refused the message itself (too large, looks like spam...)."""

    kind = "message_rejected"

    def __init__(self, message, *, code=None, detail=None):
        super().__init__(message, detail=detail)
        self.code = code
        self.transient = _is_temporary(code)


class InternalError(ImapError):
    """Something nobody foresaw stopped a run (a bug, the database): reported, retried next run."""

    kind = "internal"
    transient = True


class DestinationRefused(ImapError):
    """The administrator does not allow connections to this host or address (checked before connecting)."""

    kind = "destination_refused"
