"""What went wrong, in words an administrator can act on: one text per kind of engine error.

Every error the engine raises has a ``kind`` (engine/errors.py); :data:`TEXTS` gives each kind
that needs words of its own a function of the :class:`Facts` of the failure. An error whose own
kind has no text takes the text of the nearest class it derives from (an OAuth refresh refused
is a refused login), and one without any the generic "answered unexpectedly". OAuth2 failures
of a mailbox that logs in with OAuth2 are worded by services/oauth_tokens.py, which knows the
application and its grant. Shown on the mailbox (its last error, its log, Test connection), in
notifications, and on messages whose sending failed.
"""

from dataclasses import dataclass

from ..engine import errors as imap_errors
from . import destinations, oauth_tokens
from .secret_box import SecretKeyError

#: Errors whose detail is ours (our TLS library on the certificate, our own failure), never the server's:
#: shown to everyone, since it is what the reader must act on.
OWN_WORDS = (imap_errors.CertificateError, imap_errors.InternalError, imap_errors.InvalidAddressError)


@dataclass(frozen=True)
class Facts:
    """What the texts may say about a failure."""

    mailbox: object
    error: imap_errors.ImapError
    host: str
    port: int
    login: str
    #: The error's detail where the reader may see the server's own words, else its message.
    reason: str

    @property
    def target(self):
        return f"{self.host}:{self.port}"

    def _(self, text, **values):
        return self.mailbox.env._(text, **values)


def describe(mailbox, error, smtp_settings=None):
    """The text for *error* of *mailbox* (IMAP, or SMTP when its settings are given)."""
    mailbox.ensure_one()
    if isinstance(error, SecretKeyError):
        return str(error)
    oauth_text = mailbox.auth_method == "oauth2" and oauth_tokens.describe(
        mailbox, error, oauth_tokens.SMTP if smtp_settings else oauth_tokens.IMAP
    )
    if oauth_text:
        return oauth_text
    settings = smtp_settings or mailbox
    # The server's own words (banners, replies) only where the destination policy allows them.
    server_words = isinstance(error, OWN_WORDS) or destinations.shows_server_words(mailbox)
    facts = Facts(
        mailbox,
        error,
        settings.host,
        settings.port,
        settings.login,
        (error.detail or error.message) if server_words else error.message,
    )
    for cls in type(error).__mro__:
        text = TEXTS.get(cls.__dict__.get("kind"))
        if text:
            return text(facts)
    return mailbox.env._(
        "The server answered unexpectedly: %(reason)s",
        reason=str(error) if destinations.shows_server_words(mailbox) else error.message,
    )


def _destination_refused(f):
    if destinations.is_imap_admin(destinations.reader(f.mailbox)):
        return f._(
            "%(target)s is not allowed for this mailbox (%(reason)s). Add it to “Allowed mail servers” "
            "in IMAP Conversations > Configuration > Settings if it is trusted.",
            target=f.target,
            reason=f.error.detail or f.error.message,
        )
    return f._(
        "This server is not allowed by your administrator. Choose another server, or ask "
        "your administrator to allow %(host)s.",
        host=f.host,
    )


TEXTS = {
    imap_errors.DestinationRefused.kind: _destination_refused,
    imap_errors.AuthenticationError.kind: lambda f: f._(
        "The server refused the login or password for “%(login)s”.", login=f.login
    ),
    imap_errors.CertificateError.kind: lambda f: f._(
        "The certificate of %(host)s is not trusted (%(reason)s). Install the certificate of its authority "
        "on the Odoo server, or switch off “Verify certificate” only for a server you control.",
        host=f.host,
        reason=f.reason,
    ),
    imap_errors.TlsError.kind: lambda f: f._(
        "No secure connection could be set up with %(target)s (%(reason)s). Check the port and the security setting.",
        target=f.target,
        reason=f.reason,
    ),
    imap_errors.HostNotFoundError.kind: lambda f: f._(
        "The host “%(host)s” was not found. Check the host name.", host=f.host
    ),
    imap_errors.ConnectionRefused.kind: lambda f: f._(
        "%(target)s refused the connection. Check the port, and that the mail server is running.", target=f.target
    ),
    imap_errors.ConnectionTimeout.kind: lambda f: f._(
        "%(target)s did not answer within %(seconds)s seconds.", target=f.target, seconds=f.mailbox.timeout
    ),
    imap_errors.ThrottledError.kind: lambda f: f._(
        "The server is temporarily unavailable or limiting connections (%(reason)s). It will be tried again later.",
        reason=f.reason,
    ),
    imap_errors.NetworkError.kind: lambda f: f._(
        "Network error with %(target)s: %(reason)s", target=f.target, reason=f.reason
    ),
    imap_errors.RecipientsRefused.kind: lambda f: f._(
        "The server refused every recipient: %(refused)s",
        refused="; ".join(f"{address} ({code} {text})" for address, (code, text) in f.error.refused.items()),
    ),
    imap_errors.SenderRefused.kind: lambda f: f._(
        "The server will not send mail from this address: %(reason)s", reason=f.reason
    ),
    imap_errors.MessageRejected.kind: lambda f: f._("The server refused the message: %(reason)s", reason=f.reason),
    imap_errors.FolderNotFoundError.kind: lambda f: f._(
        "A folder is no longer on the server (%(reason)s); the next sync updates the folder list.", reason=f.reason
    ),
    imap_errors.UnsupportedLibraryError.kind: lambda f: f._(
        "The Odoo server has imapclient %(version)s, a version this addon does not work with: it needs "
        "imapclient %(supported)s. Ask the administrator of the Odoo server to install a supported version "
        '(pip install "imapclient%(supported)s") and restart Odoo.',
        version=f.error.version,
        supported=f.error.supported,
    ),
    imap_errors.InternalError.kind: lambda f: f._(
        "The run stopped on an unexpected error (%(reason)s). It is tried again at the next "
        "run; the server log has the details.",
        reason=f.reason,
    ),
    imap_errors.InvalidAddressError.kind: lambda f: f._("An address is not valid: %(reason)s", reason=f.reason),
}
