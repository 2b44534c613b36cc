"""App-only access with a service account: the JWT bearer grant (RFC 7523), as Google's domain-wide delegation.

A Google Workspace administrator lets a service account act for the mailboxes of the domain; the
service account then signs, with its own private key, a short JWT that names the mailbox (``sub``)
and the scopes, and trades it at the token endpoint for an access token. No user consents and no
refresh token exists: a new assertion is signed whenever a token is needed.

The key is the JSON file Google hands out (``client_email``, ``private_key``, ``private_key_id``);
:func:`parse_service_account` checks it, :func:`jwt_bearer_token` does the exchange. Pure Python
(the ``cryptography`` package, which Odoo itself depends on, signs RS256).
"""

import base64
import json
import time

from .oauth import OAuthProtocolError, _token_request

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: Google accepts assertions valid for at most an hour.
ASSERTION_LIFETIME = 3600


class InvalidServiceAccountKey(OAuthProtocolError, ValueError):
    """The service account key is not a JSON key file with a client e-mail and an RSA private key."""

    kind = "invalid_service_account_key"


def parse_service_account(key_json):
    """``(client_email, private key object, key id)`` of a service account key file; raises InvalidServiceAccountKey."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        data = json.loads(key_json or "")
    except ValueError as error:
        raise InvalidServiceAccountKey("The service account key is not JSON", detail=str(error)) from error
    if not isinstance(data, dict) or not data.get("client_email") or not data.get("private_key"):
        raise InvalidServiceAccountKey("The service account key has no client_email or private_key")
    try:
        key = load_pem_private_key(str(data["private_key"]).encode(), password=None)
    except (ValueError, TypeError) as error:
        raise InvalidServiceAccountKey("The service account's private key cannot be read", detail=str(error)) from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InvalidServiceAccountKey("The service account's private key is not an RSA key")
    return data["client_email"], key, data.get("private_key_id")


def signed_assertion(key_json, audience, subject, scopes, now=None):
    """The RS256 JWT a service account sends: issued by it, for *audience* (the token endpoint), as *subject*."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    issuer, key, key_id = parse_service_account(key_json)
    issued = int(time.time() if now is None else now)
    header = {"alg": "RS256", "typ": "JWT", **({"kid": key_id} if key_id else {})}
    claims = {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "scope": " ".join(scopes),
        "iat": issued,
        "exp": issued + ASSERTION_LIFETIME,
    }
    signing_input = f"{_b64json(header)}.{_b64json(claims)}".encode("ascii")
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input.decode('ascii')}.{_b64(signature)}"


def jwt_bearer_token(client, key_json, subject, scopes):
    """An access token for *subject*'s mailbox, from the service account key *key_json* (RFC 7523 2.1)."""
    assertion = signed_assertion(key_json, client.token_endpoint, subject, scopes)
    # The assertion authenticates the service account: no client secret goes with it.
    return _token_request(
        _without_secret(client),
        {
            "grant_type": JWT_BEARER_GRANT,
            "assertion": assertion,
            "scope": " ".join(scopes),
        },
    )


def _without_secret(client):
    from dataclasses import replace

    return replace(client, client_secret="", client_auth_method="client_secret_post")


def _b64json(value):
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
