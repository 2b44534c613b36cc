"""The engine's OAuth 2.0 client (engine/oauth.py) against the rig's real authorization server."""

import time
import urllib.parse

import pytest
from conftest import OAUTH_REDIRECT_URI

from engine import oauth as engine_oauth
from engine.errors import AuthenticationError, NetworkError
from engine.oauth import (
    InvalidClient,
    InvalidEndpoint,
    InvalidGrant,
    InvalidScope,
    OAuthClient,
    TokenEndpointUnreachable,
    authorization_request,
    client_credentials_token,
    exchange_code,
    pkce_challenge,
    refresh_access_token,
    revoke_token,
)
from rig.dovecot import free_port
from rig.oauth_admin import introspect

SCOPES = ("imap", "smtp")


def query(url):
    return {key: values[0] for key, values in urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).items()}


def code_for(oauth, mailbox, request):
    return query(oauth.consent(request.url, mailbox.login, mailbox.password))["code"]


def test_the_authorization_url_carries_pkce_s256_and_the_state(oauth_app):
    app = oauth_app()
    request = authorization_request(
        app, OAUTH_REDIRECT_URI, SCOPES, state="signed-state", extra_params={"login_hint": "t0001@rig.test"}
    )
    params = query(request.url)
    assert request.url.startswith(app.authorization_endpoint + "?")
    assert params == {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": OAUTH_REDIRECT_URI,
        "scope": "imap smtp",
        "state": "signed-state",
        "code_challenge": pkce_challenge(request.code_verifier),
        "code_challenge_method": "S256",
        "login_hint": "t0001@rig.test",
    }
    assert 43 <= len(request.code_verifier) <= 128 and request.code_verifier not in request.url
    assert len(authorization_request(app, OAUTH_REDIRECT_URI, SCOPES).state) >= 32  # random when not given


def test_a_consented_code_gives_tokens_for_that_user(oauth_app, oauth, oauth_server, mailbox):
    app = oauth_app()
    request = authorization_request(app, OAUTH_REDIRECT_URI, SCOPES)
    redirect = oauth.consent(request.url, mailbox.login, mailbox.password)
    assert redirect.startswith(OAUTH_REDIRECT_URI + "?") and query(redirect)["state"] == request.state

    tokens = exchange_code(app, query(redirect)["code"], OAUTH_REDIRECT_URI, request.code_verifier)

    assert tokens.access_token and tokens.refresh_token and tokens.token_type == "Bearer"
    assert tokens.scopes == SCOPES and not tokens.expires_within(60)
    assert tokens.access_token not in repr(tokens) and tokens.refresh_token not in repr(tokens)
    _host, _port, resource, secret = oauth_server.resource_server_credentials("imap")
    assert introspect(oauth.introspection_endpoint, resource, secret, tokens.access_token)["username"] == mailbox.login


def test_a_code_with_the_wrong_pkce_verifier_is_refused(oauth_app, oauth, mailbox):
    app = oauth_app()
    request = authorization_request(app, OAUTH_REDIRECT_URI, SCOPES)
    code = code_for(oauth, mailbox, request)
    other_verifier = authorization_request(app, OAUTH_REDIRECT_URI, SCOPES).code_verifier
    with pytest.raises(InvalidGrant) as caught:
        exchange_code(app, code, OAUTH_REDIRECT_URI, other_verifier)
    assert caught.value.error == "invalid_grant" and caught.value.kind == "invalid_grant"
    assert isinstance(caught.value, AuthenticationError) and not caught.value.transient


def test_a_code_works_once(oauth_app, oauth, mailbox):
    app = oauth_app()
    request = authorization_request(app, OAUTH_REDIRECT_URI, SCOPES)
    code = code_for(oauth, mailbox, request)
    exchange_code(app, code, OAUTH_REDIRECT_URI, request.code_verifier)
    with pytest.raises(InvalidGrant):
        exchange_code(app, code, OAUTH_REDIRECT_URI, request.code_verifier)


def test_refresh_gives_a_new_access_token_and_rotates_the_refresh_token(oauth_app, oauth_connect, mailbox):
    app = oauth_app()
    first = oauth_connect(app, mailbox)

    second = refresh_access_token(app, first.refresh_token)

    assert second.access_token != first.access_token
    assert second.rotated and second.refresh_token not in (None, first.refresh_token)
    with pytest.raises(InvalidGrant):
        refresh_access_token(app, first.refresh_token)  # the old one is dead once rotated
    assert refresh_access_token(app, second.refresh_token).access_token


def test_refresh_after_revocation_is_refused(oauth_app, oauth_connect, mailbox):
    app = oauth_app()
    tokens = oauth_connect(app, mailbox)
    assert revoke_token(app, tokens.refresh_token) is True
    with pytest.raises(InvalidGrant):
        refresh_access_token(app, tokens.refresh_token)


def test_consent_withdrawn_at_the_provider_refuses_the_refresh(oauth_app, oauth_connect, oauth, mailbox):
    app = oauth_app()
    tokens = oauth_connect(app, mailbox)
    assert oauth.revoke_user(mailbox.login) >= 1
    with pytest.raises(InvalidGrant, match="connected again"):
        refresh_access_token(app, tokens.refresh_token)


def test_refresh_asking_for_more_than_was_granted_is_invalid_scope(oauth_app, oauth_connect, mailbox):
    app = oauth_app()
    tokens = oauth_connect(app, mailbox, scopes=("imap",))
    with pytest.raises(InvalidScope):
        refresh_access_token(app, tokens.refresh_token, scopes=("imap", "smtp"))


def test_a_wrong_client_secret_or_a_deleted_application_is_invalid_client(oauth_app, oauth_connect, oauth, mailbox):
    app = oauth_app()
    tokens = oauth_connect(app, mailbox)
    with pytest.raises(InvalidClient):
        refresh_access_token(OAuthClient(**{**vars(app), "client_secret": "wrong"}), tokens.refresh_token)
    oauth.delete_client(app.client_id)
    with pytest.raises(InvalidClient) as caught:
        refresh_access_token(app, tokens.refresh_token)
    assert isinstance(caught.value, AuthenticationError)


def test_client_credentials_give_an_app_only_token_without_refresh_token(oauth_app, mailbox):
    app = oauth_app(app_mailbox=mailbox.login)
    tokens = client_credentials_token(app, ["imap"])
    assert tokens.access_token and tokens.refresh_token is None and tokens.scopes == ("imap",)


def test_short_lived_tokens_say_when_they_expire(oauth_app, oauth_connect, mailbox):
    app = oauth_app(access_token_lifetime=1)
    tokens = oauth_connect(app, mailbox)
    assert tokens.expires_within(5) and not tokens.expires_within(0, now=tokens.expires_at - 0.5)
    time.sleep(1.1)
    assert tokens.expires_within(0)


def test_an_unreachable_token_endpoint_is_a_transient_network_error(oauth_app):
    app = oauth_app()
    closed = OAuthClient(**{**vars(app), "token_endpoint": f"http://127.0.0.1:{free_port()}/token"})
    with pytest.raises(TokenEndpointUnreachable) as caught:
        refresh_access_token(closed, "whatever")
    assert isinstance(caught.value, NetworkError) and caught.value.transient
    assert caught.value.kind == "token_endpoint_unreachable"


def test_endpoints_must_be_https_unless_on_loopback(oauth_app):
    app = oauth_app()
    for endpoint in ("http://oauth.example.com/token", "file:///etc/passwd", ""):
        with pytest.raises(InvalidEndpoint):
            refresh_access_token(OAuthClient(**{**vars(app), "token_endpoint": endpoint}), "whatever")
    assert revoke_token(OAuthClient(**{**vars(app), "revocation_endpoint": ""}), "whatever") is False


def test_the_client_secret_stays_out_of_repr(oauth_app):
    app = oauth_app()
    assert app.client_secret not in repr(app)
    assert engine_oauth.AuthorizationRequest("u", "s", "verifier").code_verifier not in repr(
        engine_oauth.AuthorizationRequest("u", "s", "verifier")
    )
