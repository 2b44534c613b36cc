"""App-only access with a service account (RFC 7523 JWT bearer grant), against the rig's Authlib server and Dovecot."""

import json
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from engine.oauth import InvalidGrant, OAuthClient
from engine.oauth_assertion import InvalidServiceAccountKey, jwt_bearer_token, parse_service_account
from engine.transport import check_connection
from rig.oauth_server import IMAP_SCOPE


def service_account(oauth, name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    oauth.register_client(client_id=name, jwt_public_key=public_pem)
    return json.dumps({"type": "service_account", "client_email": name, "private_key": _pem(key)})


def _pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_a_service_account_gets_a_token_for_the_mailbox_it_names(oauth, mailbox):
    key_json = service_account(oauth, "svc-a@rig.test")
    client = OAuthClient(client_id="svc-a@rig.test", token_endpoint=oauth.token_endpoint, timeout=10)
    tokens = jwt_bearer_token(client, key_json, mailbox.login, [IMAP_SCOPE])
    assert tokens.refresh_token is None, "no refresh token: a new assertion is signed each time"
    settings = replace(mailbox.settings("none"), auth_method="oauth2", access_token=tokens.access_token, password="")
    assert check_connection(settings).capabilities


def test_an_assertion_signed_with_another_key_is_refused(oauth, mailbox):
    service_account(oauth, "svc-b@rig.test")
    impostor = json.dumps(
        {
            "client_email": "svc-b@rig.test",
            "private_key": _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        }
    )
    client = OAuthClient(client_id="svc-b@rig.test", token_endpoint=oauth.token_endpoint, timeout=10)
    with pytest.raises(InvalidGrant):
        jwt_bearer_token(client, impostor, mailbox.login, [IMAP_SCOPE])


@pytest.mark.parametrize(
    "key_json", ["", "not json", "[]", '{"client_email": "a@b"}', '{"client_email": "a@b", "private_key": "garbage"}']
)
def test_a_broken_key_file_is_a_typed_error(key_json):
    with pytest.raises(InvalidServiceAccountKey):
        parse_service_account(key_json)


def test_only_an_rsa_key_signs_rs256():
    key_json = json.dumps({"client_email": "a@b", "private_key": _pem(ec.generate_private_key(ec.SECP256R1()))})
    with pytest.raises(InvalidServiceAccountKey, match="not an RSA key"):
        parse_service_account(key_json)
