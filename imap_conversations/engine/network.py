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
