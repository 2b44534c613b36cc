"""SASL bearer-token logins (XOAUTH2, OAUTHBEARER) for IMAP and SMTP.

Both mechanisms carry an OAuth2 access token instead of a password. XOAUTH2 is Google's and
Microsoft's own; OAUTHBEARER (RFC 7628) is the standard one, used where the server offers it.
When the server refuses the token it does not just say NO: it sends a JSON error as a SASL
challenge (``{"status": "invalid_token", ...}``), which the client must answer (XOAUTH2: an empty
response, OAUTHBEARER: ``%x01``) before the final failure comes. Answering with the token again,
as imapclient's own ``oauth2_login`` does, leaves the server waiting or confused.

A refused token raises :class:`TokenRefused`: still an :class:`.errors.AuthenticationError`,
but one that says the token, not a password, was turned down, so the caller can tell the user to
reconnect the account (or refresh the token) rather than to fix a password.

No protocol library is imported here: transport.py and smtp.py hand in their connection.
"""

import base64
import contextlib
import json

from .errors import AuthenticationError, ThrottledError

#: How a mailbox logs in: with its password, or with an OAuth2 access token.
AUTH_METHODS = ("password", "oauth2")
#: Preferred first: the standard mechanism where the server offers it.
BEARER_MECHANISMS = ("OAUTHBEARER", "XOAUTH2")

_SMTP_SUCCESS = 235
_SMTP_CONTINUE = 334


class TokenRefused(AuthenticationError):
    """The server refused the OAuth2 access token (expired, revoked, wrong user or scope)."""

    kind = "token_refused"


def check_auth_settings(settings):
    """Raise ValueError for an unknown auth method, or OAuth2 without a login or access token."""
    if settings.auth_method not in AUTH_METHODS:
        raise ValueError(f"auth_method must be one of {AUTH_METHODS}, not {settings.auth_method!r}")
    if settings.auth_method == "oauth2" and not (settings.login and settings.access_token):
        raise ValueError("an OAuth2 login needs the login and an access token")


def choose_mechanism(offered):
    """The bearer mechanism to use among *offered* (upper-case names), or raise AuthenticationError."""
    for mechanism in BEARER_MECHANISMS:
        if mechanism in offered:
            return mechanism
    raise AuthenticationError(
        "The server offers no OAuth2 login (neither XOAUTH2 nor OAUTHBEARER)",
        detail="offered: " + (" ".join(sorted(offered)) or "nothing"),
    )


def initial_response(mechanism, user, access_token):
    """The client's first message (bytes, before base64) for *mechanism*."""
    if mechanism == "XOAUTH2":
        return f"user={user}\x01auth=Bearer {access_token}\x01\x01".encode()
    # RFC 7628 3.1: a GS2 header naming the authorization identity, then key=value pairs.
    authzid = user.replace("=", "=3D").replace(",", "=2C")
    return f"n,a={authzid},\x01auth=Bearer {access_token}\x01\x01".encode()


def _error_answer(mechanism):
    # RFC 7628 3.2.3: the client answers an error challenge with a lone %x01; XOAUTH2 wants an empty line.
    return b"\x01" if mechanism == "OAUTHBEARER" else b""


def _describe(challenge):
    """The server's JSON error challenge in a few words, for the log."""
    try:
        error = json.loads(challenge)
    except ValueError:
        return challenge.decode("utf-8", "replace")[:200]
    if not isinstance(error, dict):
        return str(error)[:200]
    return ", ".join(f"{key}={error[key]}" for key in ("status", "scope", "schemes") if key in error)


class BearerExchange:
    """One SASL conversation, called by imapclient's ``sasl_login`` with each server challenge.

    The first call sends the token; a later one is the server's error, kept in :attr:`server_error`
    and answered as the mechanism requires.
    """

    def __init__(self, mechanism, user, access_token):
        self.mechanism = mechanism
        self._first = initial_response(mechanism, user, access_token)
        self._sent = False
        self.server_error = None

    def __call__(self, challenge):
        if not self._sent:
            self._sent = True
            return self._first
        self.server_error = _describe(challenge or b"")
        return _error_answer(self.mechanism)


@contextlib.contextmanager
def token_refusal(exchange):
    """Make a failed bearer login a :class:`TokenRefused` (busy-server errors pass through as they are)."""
    try:
        yield
    except TokenRefused:
        raise
    except AuthenticationError as exc:
        detail = "; ".join(filter(None, [exc.detail, exchange.server_error and f"server said {exchange.server_error}"]))
        raise TokenRefused(
            f"The server refused the OAuth2 token ({exchange.mechanism})", detail=detail or None
        ) from exc


def imap_exchange(client, settings):
    """The :class:`BearerExchange` for an imapclient *client* about to log in with *settings*."""
    offered = {m for m in BEARER_MECHANISMS if client.has_capability(f"AUTH={m}")}
    return BearerExchange(choose_mechanism(offered), settings.login, settings.access_token)


def smtp_login(client, settings, offered):
    """AUTH with the access token on an smtplib *client* whose EHLO offered *offered* mechanisms."""
    mechanism = choose_mechanism(set(offered))
    exchange = BearerExchange(mechanism, settings.login, settings.access_token)
    code, text = client.docmd("AUTH", f"{mechanism} {_b64(exchange(b''))}")
    if code == _SMTP_CONTINUE:
        exchange(_unb64(text))
        code, text = client.docmd(_b64(_error_answer(mechanism)))
    if code == _SMTP_SUCCESS:
        return
    detail = f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
    if exchange.server_error:
        detail += f"; server said {exchange.server_error}"
    if 400 <= code < 500:
        raise ThrottledError("The server cannot log in now, try again later", detail=detail)
    raise TokenRefused(f"The server refused the OAuth2 token ({mechanism})", detail=detail)


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def _unb64(text):
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        return text if isinstance(text, bytes) else str(text).encode()
