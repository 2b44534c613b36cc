"""A loopback OAuth 2.0 authorization server for the rig: Authlib's server on Flask, in a thread.

It plays Google's or Microsoft's identity platform for the tests, with the rig's Dovecot users as its
users (their password is the rig's ``USER_PASSWORD``), everything on 127.0.0.1:

* ``GET/POST /authorize``: authorization code with PKCE (S256 or plain, always required), behind a
  consent page a browser can click through (fields ``username`` and ``password``, buttons
  ``decision=allow`` / ``decision=deny``);
* ``POST /token``: ``authorization_code``, ``refresh_token`` (rotated: each refresh gives a new
  refresh token and the old one is refused from then on) and ``client_credentials``;
  clients authenticate with ``client_secret_post`` or ``client_secret_basic``;
* ``POST /revoke``: RFC 7009; revoking a refresh token ends the whole grant (its access tokens too);
* ``POST /introspect``: RFC 7662, for the resource servers only (Dovecot and the rig's SMTP server,
  each a client of its own): a token is active for a resource server only if it carries that
  server's scope (:data:`IMAP_SCOPE`, :data:`SMTP_SCOPE`), so "scope missing" can be tested;
* ``GET /.well-known/oauth-authorization-server``: RFC 8414 metadata.

**Test-only administration** (``/rig/...``, with the header ``X-Rig-Admin-Token``): register a
client with its own token lifetime (so expiry happens during a test), revoke every grant of a user
(consent revoked at the provider), delete a client (application deleted). Tests in any process use
them through rig/oauth_admin.py (stdlib only), which also plays the user at the consent page
without a browser.

**App-only access**: a client registered with ``app_mailbox`` may use ``client_credentials``; its
tokens introspect with that mailbox as ``username`` (as Microsoft 365 grants a service principal
one mailbox), which is the login Dovecot then lets it in as. A client registered with a
``jwt_public_key`` is a service account (Google's domain-wide delegation): the JWT bearer grant
(RFC 7523, Authlib's ``JWTBearerGrant``) gives it tokens for whichever mailbox its signed assertion
names in ``sub``.

Tests can also slow one client's token endpoint down (``token_delay``) and read how many tokens
it was issued per grant type (``GET /rig/clients/<id>/stats``): "two runs refresh once" is counted
at the provider, not guessed.
"""

import html
import logging
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import Flask, abort, jsonify, request
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from .dovecot import LOCALHOST

_logger = logging.getLogger(__name__)

#: The scopes the rig's resource servers want to see in a token.
IMAP_SCOPE = "imap"
SMTP_SCOPE = "smtp"
DEFAULT_SCOPE = f"{IMAP_SCOPE} {SMTP_SCOPE}"
DEFAULT_ACCESS_TOKEN_LIFETIME = 3600
CODE_LIFETIME = 120
ADMIN_HEADER = "X-Rig-Admin-Token"


# -- the data ---------------------------------------------------------------------------------------


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: tuple = ()
    scope: str = DEFAULT_SCOPE
    grant_types: tuple = ("authorization_code", "refresh_token")
    #: Seconds (an integer, as RFC 6749's expires_in): 1 or 2 lets a test see its tokens expire.
    access_token_lifetime: int = DEFAULT_ACCESS_TOKEN_LIFETIME
    #: For client_credentials: the mailbox its app-only tokens stand for.
    app_mailbox: str = ""
    #: For a resource server (Dovecot, SMTP): the scope a token needs to be active for it.
    resource_scope: str = ""
    #: A service account (JWT bearer grant, RFC 7523): the PEM public key its assertions are signed with.
    jwt_public_key: str = ""
    #: Seconds the token endpoint takes to answer this client, so that two refreshes can overlap.
    token_delay: float = 0.0
    #: Tokens issued to it, by grant type (read by tests through /rig/clients/<id>/stats).
    issued: dict = field(default_factory=dict)

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        allowed = set(self.scope.split())
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return bool(self.client_secret) and secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method != "none"

    def check_response_type(self, response_type):
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types


@dataclass(frozen=True)
class User:
    name: str

    def get_user_id(self):
        return self.name


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    code_challenge: str | None
    code_challenge_method: str | None
    issued_at: float = field(default_factory=time.time)

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def is_expired(self):
        return time.time() > self.issued_at + CODE_LIFETIME


@dataclass
class Token(TokenMixin):
    client_id: str
    access_token: str
    refresh_token: str | None
    scope: str
    expires_in: float
    #: The user who consented, or for app-only tokens the client's mailbox.
    username: str
    #: Every token of one consent shares it: revoking the refresh token ends them all.
    grant_id: str
    issued_at: float = field(default_factory=time.time)
    access_revoked: bool = False
    refresh_revoked: bool = False
    #: A client_credentials token: no user consented to it.
    app_only: bool = False

    def check_client(self, client):
        return client.client_id == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self):
        return self.access_revoked

    def get_user(self):
        return User(self.username)

    def get_client(self):
        return None


class Store:
    """Everything the server knows, in memory, behind one lock (requests come in on many threads)."""

    def __init__(self):
        self.lock = threading.RLock()
        self.clients = {}
        self.codes = {}
        self.tokens = []

    def client(self, client_id):
        with self.lock:
            return self.clients.get(client_id)

    def by_access_token(self, value):
        with self.lock:
            return next((t for t in self.tokens if t.access_token == value), None)

    def by_refresh_token(self, value):
        with self.lock:
            return next((t for t in self.tokens if value and t.refresh_token == value), None)

    def revoke(self, predicate):
        with self.lock:
            tokens = [t for t in self.tokens if predicate(t)]
            for token in tokens:
                token.access_revoked = token.refresh_revoked = True
        return len(tokens)


# -- Authlib's grants and endpoints on that store ------------------------------------------------------


def _pkce_required(grant, redirect_uri):
    # Every client must send a code_challenge, as the addon always does: a code without one is refused.
    if not grant.request.payload.data.get("code_challenge"):
        raise InvalidRequestError("PKCE is required: missing 'code_challenge'")


class _CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code, request):
        data = request.payload.data
        item = AuthorizationCode(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.client.get_allowed_scope(request.payload.scope),
            user=request.user.name,
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
        )
        with self.server.store.lock:
            self.server.store.codes[code] = item

    def query_authorization_code(self, code, client):
        item = self.server.store.codes.get(code)
        if item and item.client_id == client.client_id and not item.is_expired():
            return item
        return None

    def delete_authorization_code(self, authorization_code):
        with self.server.store.lock:
            self.server.store.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        return User(authorization_code.user)


class _RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
    #: Rotation, as Microsoft does: a client that keeps the old refresh token is locked out.
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        token = self.server.store.by_refresh_token(refresh_token)
        if token and not token.refresh_revoked:
            return token
        return None

    def authenticate_user(self, refresh_token):
        return refresh_token.get_user()

    def revoke_old_credential(self, refresh_token):
        # Only the refresh token: the access token it went with stays valid until it expires.
        refresh_token.refresh_revoked = True


class _ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class _ServiceAccountGrant(JWTBearerGrant):
    """Google's domain-wide delegation: a service account's signed assertion names the mailbox (``sub``)."""

    def resolve_issuer_client(self, issuer):
        client = self.server.store.client(issuer)
        return client if client and client.jwt_public_key else None

    def resolve_client_public_key(self, client):
        return RSAKey.import_key(client.jwt_public_key)

    def authenticate_user(self, subject):
        return User(subject)

    def has_granted_permission(self, client, user):
        return True  # the domain's administrator delegated every mailbox to the service account

    def get_audiences(self):
        return [f"{self.server.base_url}/token"]


class _Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_token(self, token_string, token_type_hint):
        store = self.server.store
        if token_type_hint == "access_token":
            return store.by_access_token(token_string)
        return store.by_refresh_token(token_string) or store.by_access_token(token_string)

    def revoke_token(self, token, request):
        if token.refresh_token == request.form.get("token"):
            # RFC 7009 2.1: revoking a refresh token should end the access tokens of the same grant.
            self.server.store.revoke(lambda t: t.grant_id == token.grant_id)
        else:
            token.access_revoked = True


class _Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_token(self, token_string, token_type_hint):
        return self.server.store.by_access_token(token_string)

    def check_permission(self, token, client, request):
        # Only resource servers ask, and a token counts for one only if it was granted its scope.
        return bool(client.resource_scope) and client.resource_scope in token.scope.split()

    def introspect_token(self, token):
        return {
            "active": True,
            "client_id": token.client_id,
            "token_type": "Bearer",
            "username": token.username,
            "sub": token.username,
            "scope": token.scope,
            "iat": int(token.issued_at),
            "exp": int(token.issued_at + token.expires_in),
        }


class _Server(AuthorizationServer):
    def __init__(self, app, store, base_url):
        self.store = store
        self.base_url = base_url
        super().__init__(app, query_client=store.client, save_token=self._save_token)

    def create_bearer_token_generator(self, config):
        def expires_in(client, grant_type):
            return client.access_token_lifetime

        return BearerTokenGenerator(
            lambda **_kw: secrets.token_urlsafe(32),
            lambda **_kw: secrets.token_urlsafe(40),
            expires_in,
        )

    def _save_token(self, token, request):
        client = request.client
        previous = getattr(request, "refresh_token", None)
        app_only = request.user is None
        username = client.app_mailbox if app_only else request.user.name
        item = Token(
            client_id=client.client_id,
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token"),
            scope=token.get("scope") or "",
            expires_in=token["expires_in"],
            username=username,
            grant_id=previous.grant_id if isinstance(previous, Token) else uuid.uuid4().hex,
            app_only=app_only,
        )
        grant_type = request.payload.grant_type if request.payload else "unknown"
        with self.store.lock:
            self.store.tokens.append(item)
            client.issued[grant_type] = client.issued.get(grant_type, 0) + 1


# -- the web application --------------------------------------------------------------------------------

CONSENT_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Rig sign-in</title></head>
<body>
<h1>Sign in to the rig's OAuth server</h1>
<p><b>{client}</b> asks for: <span id="scope">{scope}</span></p>
{error}
<form method="post" action="{action}">
  <label>User <input name="username" id="username" value="{username}" autocomplete="off"></label>
  <label>Password <input name="password" id="password" type="password"></label>
  <button type="submit" name="decision" value="allow" id="allow">Allow</button>
  <button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form>
</body></html>
"""


def create_app(store, check_password, admin_token, base_url):
    app = Flask("rig_oauth")
    server = _Server(app, store, base_url)
    server.register_grant(_CodeGrant, [CodeChallenge(required=True)])
    server.register_grant(_RefreshGrant)
    server.register_grant(_ClientCredentialsGrant)
    server.register_grant(_ServiceAccountGrant)
    server.register_endpoint(_Revocation)
    server.register_endpoint(_Introspection)

    def consent_page(grant, error="", username=""):
        return CONSENT_PAGE.format(
            client=html.escape(grant.client.client_id),
            scope=html.escape(grant.request.payload.scope or ""),
            action=html.escape(request.full_path),
            username=html.escape(username),
            error=f'<p class="error" id="error">{html.escape(error)}</p>' if error else "",
        )

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():
        try:
            grant = server.get_consent_grant(end_user=None)
            _pkce_required(grant, None)
        except OAuth2Error as error:
            # No trusted redirect URI to send the error to: show it, as real providers do.
            return f"<p id='error'>{html.escape(error.error)}: {html.escape(error.description or '')}</p>", 400
        if request.method == "GET":
            return consent_page(grant)
        if request.form.get("decision") != "allow":
            return server.create_authorization_response(grant_user=None, grant=grant)
        username = request.form.get("username", "")
        if not check_password(username, request.form.get("password", "")):
            return consent_page(grant, "Wrong user or password", username), 401
        return server.create_authorization_response(grant_user=User(username), grant=grant)

    @app.route("/token", methods=["POST"])
    def issue_token():
        client = store.client(request.form.get("client_id", ""))
        if client and client.token_delay:
            time.sleep(client.token_delay)
        return server.create_token_response()

    @app.route("/revoke", methods=["POST"])
    def revoke_token():
        return server.create_endpoint_response(_Revocation.ENDPOINT_NAME)

    @app.route("/introspect", methods=["POST"])
    def introspect_token():
        return server.create_endpoint_response(_Introspection.ENDPOINT_NAME)

    @app.route("/.well-known/oauth-authorization-server")
    def metadata():
        return jsonify(
            {
                "issuer": base_url,
                "authorization_endpoint": f"{base_url}/authorize",
                "token_endpoint": f"{base_url}/token",
                "revocation_endpoint": f"{base_url}/revoke",
                "introspection_endpoint": f"{base_url}/introspect",
                "grant_types_supported": [
                    "authorization_code",
                    "refresh_token",
                    "client_credentials",
                    JWTBearerGrant.GRANT_TYPE,
                ],
                "code_challenge_methods_supported": ["S256", "plain"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            }
        )

    def admin_only():
        if not secrets.compare_digest(request.headers.get(ADMIN_HEADER, ""), admin_token):
            abort(403)

    @app.route("/rig/clients", methods=["POST"])
    def add_client():
        admin_only()
        data = request.get_json()
        client = register_client(store, **data)
        return jsonify({"client_id": client.client_id, "client_secret": client.client_secret})

    @app.route("/rig/clients/<client_id>", methods=["DELETE"])
    def delete_client(client_id):
        admin_only()
        with store.lock:
            store.clients.pop(client_id, None)
        return jsonify({"revoked": store.revoke(lambda t: t.client_id == client_id)})

    @app.route("/rig/clients/<client_id>/stats", methods=["GET"])
    def client_stats(client_id):
        admin_only()
        client = store.client(client_id)
        if client is None:
            abort(404)
        with store.lock:
            return jsonify({"issued": dict(client.issued)})

    @app.route("/rig/users/<username>/revoke", methods=["POST"])
    def revoke_user(username):
        admin_only()
        return jsonify({"revoked": store.revoke(lambda t: t.username == username and not t.app_only)})

    return app


def register_client(
    store,
    *,
    redirect_uris=(),
    scope=DEFAULT_SCOPE,
    grant_types=None,
    access_token_lifetime=None,
    app_mailbox="",
    resource_scope="",
    client_id=None,
    client_secret=None,
    jwt_public_key="",
    token_delay=0.0,
):
    if grant_types is None:
        if jwt_public_key:
            grant_types = (JWTBearerGrant.GRANT_TYPE,)
        elif app_mailbox:
            grant_types = ("client_credentials",)
        else:
            grant_types = ("authorization_code", "refresh_token")
    client = Client(
        client_id=client_id or f"client-{secrets.token_hex(6)}",
        client_secret=client_secret or secrets.token_urlsafe(24),
        redirect_uris=tuple(redirect_uris),
        scope=scope,
        grant_types=tuple(grant_types),
        access_token_lifetime=int(access_token_lifetime or DEFAULT_ACCESS_TOKEN_LIFETIME),
        app_mailbox=app_mailbox,
        resource_scope=resource_scope,
        jwt_public_key=jwt_public_key,
        token_delay=float(token_delay or 0),
    )
    with store.lock:
        store.clients[client.client_id] = client
    return client


class OAuthServer:
    """Start with :meth:`start`, stop with :meth:`stop`; *check_password(user, password)* says who may sign in."""

    def __init__(self, check_password):
        self.check_password = check_password
        self.host = LOCALHOST
        self.port = None
        self.admin_token = secrets.token_urlsafe(16)
        self.store = Store()
        #: The resource servers' own clients, for introspection.
        self.imap_resource = self.smtp_resource = None
        self._server = None
        self._thread = None

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def introspection_endpoint(self):
        return f"{self.base_url}/introspect"

    def start(self):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
        self.imap_resource = register_client(
            self.store, client_id="rig-dovecot", grant_types=(), resource_scope=IMAP_SCOPE
        )
        self.smtp_resource = register_client(
            self.store, client_id="rig-smtp", grant_types=(), resource_scope=SMTP_SCOPE
        )
        # Port 0 first, to learn the port; the app needs its own address for the metadata document.
        self._server = make_server(self.host, 0, None, threaded=True)
        self.port = self._server.server_port
        self._server.app = create_app(self.store, self.check_password, self.admin_token, self.base_url)
        self._thread = threading.Thread(target=self._server.serve_forever, name="rig-oauth", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def resource_server_credentials(self, resource):
        """``(host, port, client_id, client_secret)`` with which *resource* ("imap" or "smtp") introspects tokens."""
        client = self.imap_resource if resource == IMAP_SCOPE else self.smtp_resource
        return self.host, self.port, client.client_id, client.client_secret

    def register_client(self, **kwargs):
        """A new client (see :func:`register_client`); returns it, with its ``client_id`` and ``client_secret``."""
        return register_client(self.store, **kwargs)

    def coordinates(self):
        """What a test in another process needs to reach this server (see rig/oauth_admin.py)."""
        return {
            "IMAP_TEST_OAUTH_URL": self.base_url,
            "IMAP_TEST_OAUTH_ADMIN_TOKEN": self.admin_token,
            "IMAP_TEST_OAUTH_IMAP_SCOPE": IMAP_SCOPE,
            "IMAP_TEST_OAUTH_SMTP_SCOPE": SMTP_SCOPE,
        }
