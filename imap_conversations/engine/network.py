"""What IMAP and SMTP connections share: TLS contexts and socket-level errors.

Both protocols fail the same ways below their own commands (unknown host,
refused port, timeout, untrusted certificate, broken TLS), and the user must be
told the same thing whichever of the two failed.
"""

import contextlib
import socket
import ssl

from .errors import (
    CertificateError,
    ConnectionRefused,
    ConnectionTimeout,
    HostNotFoundError,
    ImapError,
    NetworkError,
    TlsError,
)
from .sasl import check_auth_settings

#: Implicit TLS, STARTTLS, or none: the same three choices for IMAP and SMTP.
SECURITY_MODES = ("ssl", "starttls", "none")


class ServerSettings:
    """Checks and a safe repr for the connection settings dataclasses of both protocols.

    Subclasses are ``@dataclass(frozen=True, repr=False)`` with at least host, port, login,
    security, verify_certificate, timeout, auth_method and access_token.
    """

    def __post_init__(self):
        if self.security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {SECURITY_MODES}, not {self.security!r}")
        if not self.timeout or self.timeout <= 0:
            raise ValueError("a timeout is always required")
        check_auth_settings(self)

    def __repr__(self):
        # Never let the password or the access token reach a log line or a traceback.
        return (f"{type(self).__name__}(host={self.host!r}, port={self.port!r}, login={self.login!r}, "
                f"security={self.security!r}, verify_certificate={self.verify_certificate!r})")


def tls_context(verify_certificate=True, ca_file=None):
    """The client context: system trust store (or *ca_file*), host name checked, unless switched off."""
    context = ssl.create_default_context(cafile=ca_file)
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
