"""Tests' hands on the rig's OAuth server (rig/oauth_server.py), from any process: stdlib only.

The Odoo tier imports it too (after putting ``IMAP_TEST_RIG_DIR`` on ``sys.path``), so it must not
need Authlib or Flask. :meth:`RigOAuth.from_environ` reads the server's coordinates::

    IMAP_TEST_OAUTH_URL           http://127.0.0.1:PORT (endpoints: /authorize /token /revoke /introspect)
    IMAP_TEST_OAUTH_ADMIN_TOKEN   the secret for the test-only /rig/... administration
    IMAP_TEST_OAUTH_IMAP_SCOPE    the scope Dovecot wants in a token ("imap")
    IMAP_TEST_OAUTH_SMTP_SCOPE    the scope the rig's SMTP server wants ("smtp")

Playing the user at the consent page without a browser (:meth:`RigOAuth.consent`) goes through the
same HTTP form a browser would submit, so a code obtained this way is a real authorization code.
"""

import base64
import hashlib
import json
import os
import secrets
import urllib.error
import urllib.parse
import urllib.request

ADMIN_HEADER = "X-Rig-Admin-Token"
TIMEOUT = 10


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the redirect is the answer: it carries the code, and points at the client


#: Loopback only, whatever proxy the environment names.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def _call(url, *, data=None, json_body=None, headers=None, method=None):
    """``(status, headers, body bytes)`` of one request; HTTP errors are answers too."""
    headers = dict(headers or {})
    if json_body is not None:
        data = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    elif data is not None:
        data = urllib.parse.urlencode(data).encode()
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with _opener.open(req, timeout=TIMEOUT) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def basic_auth(client_id, client_secret):
    pair = f"{urllib.parse.quote(client_id)}:{urllib.parse.quote(client_secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def introspect(endpoint, client_id, client_secret, token):
    """RFC 7662 as a resource server asks: the answer's dict (``active`` False for a bad token)."""
    status, _headers, body = _call(endpoint, data={"token": token}, headers=basic_auth(client_id, client_secret))
    if status != 200:
        raise RuntimeError(f"introspection answered {status}: {body[:200]!r}")
    return json.loads(body)


def pkce_pair():
    """A code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class RigOAuth:
    def __init__(self, base_url, admin_token):
        self.base_url = base_url.rstrip("/")
        self.admin_token = admin_token

    @classmethod
    def from_environ(cls, environ=None):
        environ = os.environ if environ is None else environ
        return cls(environ["IMAP_TEST_OAUTH_URL"], environ["IMAP_TEST_OAUTH_ADMIN_TOKEN"])

    @property
    def authorization_endpoint(self):
        return f"{self.base_url}/authorize"

    @property
    def token_endpoint(self):
        return f"{self.base_url}/token"

    @property
    def revocation_endpoint(self):
        return f"{self.base_url}/revoke"

    @property
    def introspection_endpoint(self):
        return f"{self.base_url}/introspect"

    # -- administration (test-only) ---------------------------------------------------------------

    def _admin(self, path, *, json_body=None, method="POST"):
        status, _headers, body = _call(
            f"{self.base_url}{path}",
            json_body=json_body if json_body is not None else {},
            headers={ADMIN_HEADER: self.admin_token},
            method=method,
        )
        if status != 200:
            raise RuntimeError(f"rig OAuth administration {path} answered {status}: {body[:200]!r}")
        return json.loads(body)

    def register_client(
        self,
        *,
        redirect_uris=(),
        scope=None,
        grant_types=None,
        access_token_lifetime=None,
        app_mailbox="",
        jwt_public_key="",
        client_id=None,
        token_delay=0,
    ):
        """A new client application: ``{"client_id", "client_secret"}``.

        *access_token_lifetime* in whole seconds, so a test can watch its tokens expire;
        *app_mailbox*: an app-only client (client_credentials) whose tokens open that mailbox;
        *jwt_public_key* (PEM): a service account (JWT bearer grant) named *client_id*, acting for any mailbox;
        *token_delay*: seconds its token requests take, so that two of them overlap.
        """
        options = {
            "redirect_uris": list(redirect_uris),
            "app_mailbox": app_mailbox,
            "jwt_public_key": jwt_public_key,
            "token_delay": token_delay,
        }
        if client_id:
            options["client_id"] = client_id
        if scope is not None:
            options["scope"] = scope
        if grant_types is not None:
            options["grant_types"] = list(grant_types)
        if access_token_lifetime is not None:
            options["access_token_lifetime"] = access_token_lifetime
        return self._admin("/rig/clients", json_body=options)

    def issued(self, client_id):
        """How many tokens the provider issued to *client_id*, per grant type (``{"refresh_token": 1, ...}``)."""
        status, _headers, body = _call(
            f"{self.base_url}/rig/clients/{urllib.parse.quote(client_id)}/stats",
            headers={ADMIN_HEADER: self.admin_token},
        )
        if status != 200:
            raise RuntimeError(f"rig OAuth stats answered {status}: {body[:200]!r}")
        return json.loads(body)["issued"]

    def delete_client(self, client_id):
        """The application is deleted at the provider: its tokens die, its credentials are refused."""
        return self._admin(f"/rig/clients/{urllib.parse.quote(client_id)}", method="DELETE")["revoked"]

    def revoke_user(self, username):
        """The user withdraws consent at the provider: every grant of theirs ends (app-only tokens stay)."""
        return self._admin(f"/rig/users/{urllib.parse.quote(username)}/revoke")["revoked"]

    # -- the user's part, without a browser ----------------------------------------------------

    def consent(self, authorization_url, username, password, decision="allow"):
        """Open the consent page at *authorization_url*, sign in and decide; returns where it redirects.

        That is the client's redirect URI with ``code`` and ``state`` (or ``error=access_denied``).
        Raises RuntimeError when the page refuses (bad request, wrong password): its text says why.
        """
        status, _headers, body = _call(authorization_url)
        if status != 200:
            raise RuntimeError(f"the consent page answered {status}: {body.decode(errors='replace')}")
        status, headers, body = _call(
            authorization_url,
            data={
                "username": username,
                "password": password,
                "decision": decision,
            },
        )
        if status != 302:
            raise RuntimeError(f"consenting answered {status}: {body.decode(errors='replace')}")
        return headers["Location"]

    def authorization_url(self, client_id, redirect_uri, scope, code_challenge, state="rig-state"):
        return (
            self.authorization_endpoint
            + "?"
            + urllib.parse.urlencode(
                {
                    "response_type": "code",
                    "client_id": client_id,
                    "redirect_uri": redirect_uri,
                    "scope": scope,
                    "state": state,
                    "code_challenge": code_challenge,
                    "code_challenge_method": "S256",
                }
            )
        )

    def code(self, client_id, redirect_uri, scope, code_challenge, *, username, password):
        """An authorization code for *username*, consented over HTTP."""
        location = self.consent(
            self.authorization_url(client_id, redirect_uri, scope, code_challenge), username, password
        )
        return urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]

    def tokens(self, client, username, password, *, redirect_uri, scope):
        """The whole code flow with PKCE for *client* (``{"client_id", "client_secret"}``): the token answer."""
        verifier, challenge = pkce_pair()
        code = self.code(client["client_id"], redirect_uri, scope, challenge, username=username, password=password)
        status, _headers, body = _call(
            self.token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
                "client_id": client["client_id"],
                "client_secret": client["client_secret"],
            },
        )
        if status != 200:
            raise RuntimeError(f"the token endpoint answered {status}: {body[:300]!r}")
        return json.loads(body)
