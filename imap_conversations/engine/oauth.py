"""An OAuth 2.0 client for mail accounts: authorization code with PKCE, refresh, revocation, app-only.

Pure Python (urllib, with timeouts), and it knows no provider: every endpoint comes from the caller
(the OAuth application record), so Google, Microsoft and any RFC 6749 server are the same code.

* :func:`authorization_request` builds the URL to send the user's browser to, with PKCE (S256,
  RFC 7636) and a state; the caller keeps the verifier and checks the state at the callback;
* :func:`exchange_code` trades the code for tokens; :func:`refresh_access_token` gets a new access
  token, and keeps the new refresh token when the provider rotates it (Microsoft does: one that
  keeps the old token is locked out once it expires); :func:`client_credentials_token` is app-only
  access (no user); :func:`revoke_token` is RFC 7009.

Failures are typed (the provider's ``error`` code, RFC 6749 5.2, decides, never its text):
:class:`TokenEndpointUnreachable` (network, or the provider is down: retry later),
:class:`InvalidGrant` (code or refresh token refused, consent revoked: the user must reconnect),
:class:`InvalidClient` (client id or secret refused, application deleted: an administrator must
fix the application), :class:`InvalidScope`, and :class:`OAuthProtocolError` for anything else.
"""

import base64
import hashlib
import http.client
import ipaddress
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from .errors import AuthenticationError, ImapError, NetworkError
from .network import tls_context

#: The most of a token endpoint's answer that is read: a real one is a few kilobytes.
MAX_RESPONSE_BYTES = 1024 * 1024
CLIENT_AUTH_METHODS = ("client_secret_post", "client_secret_basic")


# -- errors ---------------------------------------------------------------------------------------


class OAuthError(ImapError):
    """The authorization server refused a request; ``error`` is its RFC 6749 error code."""

    kind = "oauth"

    def __init__(self, message, *, error=None, description=None, detail=None):
        super().__init__(message, detail=detail or _detail(error, description))
        self.error = error
        self.description = description


class TokenEndpointUnreachable(NetworkError):
    """The token (or revocation) endpoint could not be reached, or answered that it is unavailable."""

    kind = "token_endpoint_unreachable"


class InvalidGrant(OAuthError, AuthenticationError):
    """The code or refresh token was refused: expired, revoked, consent withdrawn. Reconnect."""

    kind = "invalid_grant"


class InvalidClient(OAuthError, AuthenticationError):
    """The client id or secret was refused (or the application was deleted)."""

    kind = "invalid_client"


class InvalidScope(OAuthError):
    """The provider will not grant the scopes asked for."""

    kind = "invalid_scope"


class OAuthProtocolError(OAuthError):
    """Any other refusal, or an answer that is not what RFC 6749 says."""

    kind = "oauth_protocol"


class InvalidEndpoint(OAuthError, ValueError):
    """An endpoint that is not an https URL (or http on loopback)."""

    kind = "invalid_endpoint"


_ERRORS = {
    "invalid_grant": InvalidGrant,
    "invalid_client": InvalidClient,
    "unauthorized_client": InvalidClient,
    "invalid_scope": InvalidScope,
}
_MESSAGES = {
    InvalidGrant: "The provider refused the authorization: the account must be connected again",
    InvalidClient: "The provider refused the OAuth application's client id or secret",
    InvalidScope: "The provider will not grant the requested scopes",
}
_UNAVAILABLE = ("temporarily_unavailable", "server_error")


def _detail(error, description):
    return ": ".join(filter(None, [error, description])) or None


# -- what the caller handles -------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class OAuthClient:
    """One OAuth application at one provider."""

    client_id: str
    token_endpoint: str
    client_secret: str = ""
    authorization_endpoint: str = ""
    #: Empty when the provider has none (Microsoft's identity platform has no RFC 7009 endpoint).
    revocation_endpoint: str = ""
    #: How the client authenticates at the token endpoint; Google and Microsoft take both.
    client_auth_method: str = "client_secret_post"
    #: Seconds allowed to connect, and to wait for the answer.
    timeout: float = 30.0
    #: Extra trust anchors (a PEM file) instead of the system store.
    ca_file: str | None = None

    def __post_init__(self):
        if self.client_auth_method not in CLIENT_AUTH_METHODS:
            raise ValueError(f"client_auth_method must be one of {CLIENT_AUTH_METHODS}")
        if not self.timeout or self.timeout <= 0:
            raise ValueError("a timeout is always required")

    def __repr__(self):
        # Never the secret.
        return f"OAuthClient(client_id={self.client_id!r}, token_endpoint={self.token_endpoint!r})"


@dataclass(frozen=True, repr=False)
class AuthorizationRequest:
    """Where to send the browser, and what to keep until the callback."""

    url: str
    state: str
    #: PKCE: sent with the code to the token endpoint, never to the browser.
    code_verifier: str

    def __repr__(self):
        return f"AuthorizationRequest(url={self.url!r})"


@dataclass(frozen=True, repr=False)
class TokenSet:
    access_token: str
    token_type: str = "Bearer"
    #: The refresh token to keep: the new one when the provider rotated it, else the one refreshed with.
    refresh_token: str | None = None
    #: Seconds since the epoch, or None when the provider does not say.
    expires_at: float | None = None
    scopes: tuple = ()
    #: True when a refresh brought a new refresh token (the old one may no longer work).
    rotated: bool = False
    #: The provider's whole answer (an OpenID id_token, Microsoft's ext_expires_in...), tokens included.
    raw: dict = field(default_factory=dict)

    def expires_within(self, seconds, now=None):
        """True when the access token is expired, or will be within *seconds*."""
        if self.expires_at is None:
            return False
        return (time.time() if now is None else now) + seconds >= self.expires_at

    def __repr__(self):
        return f"TokenSet(token_type={self.token_type!r}, expires_at={self.expires_at!r}, scopes={self.scopes!r})"


# -- the flows ------------------------------------------------------------------------------------------


def authorization_request(client, redirect_uri, scopes, *, state=None, extra_params=None):
    """The authorization URL with PKCE S256 and *state* (a random one unless given).

    *extra_params* go into the URL too (Google wants ``access_type=offline`` and ``prompt=consent``
    for a refresh token, ``login_hint`` preselects the account).
    """
    check_endpoint(client.authorization_endpoint, "authorization")
    verifier = secrets.token_urlsafe(64)
    state = state or secrets.token_urlsafe(32)
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scopes),
        "state": state,
        "code_challenge": pkce_challenge(verifier),
        "code_challenge_method": "S256",
        **(extra_params or {}),
    }
    separator = "&" if urllib.parse.urlsplit(client.authorization_endpoint).query else "?"
    url = client.authorization_endpoint + separator + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
    return AuthorizationRequest(url=url, state=state, code_verifier=verifier)


def pkce_challenge(verifier):
    """RFC 7636 4.2: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def exchange_code(client, code, redirect_uri, code_verifier):
    """Trade the authorization code from the callback for tokens."""
    return _token_request(
        client,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        },
    )


def refresh_access_token(client, refresh_token, scopes=None):
    """A new access token; the :class:`TokenSet`'s refresh token is the one to keep from now on."""
    params = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if scopes:
        params["scope"] = " ".join(scopes)
    tokens = _token_request(client, params)
    if tokens.refresh_token and tokens.refresh_token != refresh_token:
        return _replace(tokens, rotated=True)
    # No new one in the answer: the old refresh token stays valid (RFC 6749 6).
    return _replace(tokens, refresh_token=refresh_token)


def client_credentials_token(client, scopes):
    """An app-only access token (no user, no refresh token): Microsoft 365's IMAP.AccessAsApp and the like."""
    return _token_request(client, {"grant_type": "client_credentials", "scope": " ".join(scopes)})


def revoke_token(client, token, token_type_hint="refresh_token"):
    """RFC 7009. Returns False when the provider has no revocation endpoint (nothing was sent)."""
    if not client.revocation_endpoint:
        return False
    check_endpoint(client.revocation_endpoint, "revocation")
    status, body = _post(client, client.revocation_endpoint, {"token": token, "token_type_hint": token_type_hint})
    if status != 200:
        # 7009 2.2.1: unsupported_token_type, or the usual 5.2 errors.
        raise _refusal(status, _json(body, allow_empty=True))
    return True


# -- HTTP ---------------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirected POST would come back as a GET without its body: report it instead of following.
    def redirect_request(self, *args, **kwargs):
        return None


def _replace(tokens, **changes):
    values = {name: getattr(tokens, name) for name in tokens.__dataclass_fields__}
    return TokenSet(**{**values, **changes})


def _token_request(client, params):
    check_endpoint(client.token_endpoint, "token")
    status, body = _post(client, client.token_endpoint, params)
    answer = _json(body)
    if status != 200:
        raise _refusal(status, answer)
    access_token = answer.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise OAuthProtocolError("The token endpoint's answer has no access_token", detail=f"HTTP {status}")
    expires_in = answer.get("expires_in")
    try:
        expires_at = time.time() + float(expires_in) if expires_in is not None else None
    except (TypeError, ValueError):
        expires_at = None
    scope = answer.get("scope")
    return TokenSet(
        access_token=access_token,
        token_type=answer.get("token_type") or "Bearer",
        refresh_token=answer.get("refresh_token") or None,
        expires_at=expires_at,
        # RFC 6749 5.1: no scope in the answer means the scope asked for.
        scopes=tuple((scope if isinstance(scope, str) else params.get("scope", "")).split()),
        raw=answer,
    )


def _post(client, url, params):
    """``(status, body)`` of a form POST authenticated as *client*; network failures are typed."""
    params = dict(params)
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
    if client.client_auth_method == "client_secret_basic" and client.client_secret:
        # RFC 6749 2.3.1: both parts form-urlencoded before Basic.
        pair = f"{_form(client.client_id)}:{_form(client.client_secret)}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    else:
        params["client_id"] = client.client_id
        if client.client_secret:
            params["client_secret"] = client.client_secret
    request = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(), headers=headers, method="POST")
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=tls_context(True, client.ca_file)),
        _NoRedirect,
    )
    try:
        with opener.open(request, timeout=client.timeout) as response:
            return response.status, response.read(MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as error:
        with error:
            if error.code >= 500 or error.code in (301, 302, 303, 307, 308):
                raise _unavailable_or_moved(url, error) from error
            return error.code, error.read(MAX_RESPONSE_BYTES)
    except (OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise TokenEndpointUnreachable(
            f"The OAuth provider at {_host(url)} cannot be reached", detail=str(reason) or type(reason).__name__
        ) from exc


def _unavailable_or_moved(url, error):
    if error.code >= 500:
        return TokenEndpointUnreachable(
            f"The OAuth provider at {_host(url)} is unavailable", detail=f"HTTP {error.code} {error.reason}"
        )
    return OAuthProtocolError(
        f"The OAuth endpoint {url} redirects elsewhere: check the application's endpoints",
        detail=f"HTTP {error.code} to {error.headers.get('Location')}",
    )


def _json(body, allow_empty=False):
    if allow_empty and not body.strip():
        return {}
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise OAuthProtocolError(
            "The OAuth provider's answer is not a JSON object", detail=body[:200].decode("utf-8", "replace")
        )
    return answer


def _refusal(status, answer):
    error = answer.get("error") if isinstance(answer.get("error"), str) else None
    description = answer.get("error_description") if isinstance(answer.get("error_description"), str) else None
    if error in _UNAVAILABLE:
        return TokenEndpointUnreachable("The OAuth provider is unavailable", detail=_detail(error, description))
    cls = _ERRORS.get(error)
    if cls is None and status == 401:
        cls = InvalidClient  # RFC 6749 5.2: a refused client authentication may come as a bare 401
    cls = cls or OAuthProtocolError
    message = _MESSAGES.get(cls, f"The OAuth provider refused the request (HTTP {status})")
    return cls(message, error=error, description=description)


def check_endpoint(url, name):
    """https, or http to a loopback address only: the client secret and the tokens travel in it."""
    parts = urllib.parse.urlsplit(url or "")
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return
    raise InvalidEndpoint(f"The {name} endpoint must be an https:// URL", detail=url or "(empty)")


def _is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host(url):
    return urllib.parse.urlsplit(url).hostname or url


def _form(value):
    return urllib.parse.quote_plus(value)
