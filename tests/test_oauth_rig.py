"""The rig's OAuth server behaves like a provider where the addon's flows depend on it."""

import urllib.parse

import pytest
from conftest import OAUTH_REDIRECT_URI

from rig.oauth_admin import _call, pkce_pair


def registered(oauth):
    return oauth.register_client(redirect_uris=[OAUTH_REDIRECT_URI])


def test_the_consent_page_is_a_form_a_browser_can_fill_in(oauth):
    client = registered(oauth)
    _verifier, challenge = pkce_pair()
    status, _headers, body = _call(oauth.authorization_url(client["client_id"], OAUTH_REDIRECT_URI, "imap", challenge))
    page = body.decode()
    assert status == 200
    assert all(f'id="{name}"' in page for name in ("username", "password", "allow", "deny"))


def test_a_wrong_password_at_the_consent_page_gives_no_code(oauth, mailbox):
    client = registered(oauth)
    _verifier, challenge = pkce_pair()
    url = oauth.authorization_url(client["client_id"], OAUTH_REDIRECT_URI, "imap", challenge)
    with pytest.raises(RuntimeError, match="401"):
        oauth.consent(url, mailbox.login, "wrong")


def test_denying_consent_sends_access_denied_back_with_the_state(oauth, mailbox):
    client = registered(oauth)
    _verifier, challenge = pkce_pair()
    url = oauth.authorization_url(client["client_id"], OAUTH_REDIRECT_URI, "imap", challenge, state="s1")
    redirect = oauth.consent(url, mailbox.login, mailbox.password, decision="deny")
    answer = urllib.parse.parse_qs(urllib.parse.urlsplit(redirect).query)
    assert answer["error"] == ["access_denied"] and answer["state"] == ["s1"] and "code" not in answer


def test_an_authorization_request_without_pkce_or_with_an_unknown_redirect_is_refused(oauth):
    client = registered(oauth)
    without_pkce = oauth.authorization_url(client["client_id"], OAUTH_REDIRECT_URI, "imap", "").replace(
        "&code_challenge=&code_challenge_method=S256", ""
    )
    assert _call(without_pkce)[0] == 400
    _verifier, challenge = pkce_pair()
    elsewhere = oauth.authorization_url(client["client_id"], "http://127.0.0.1:9/elsewhere", "imap", challenge)
    assert _call(elsewhere)[0] == 400


def test_administration_needs_the_admin_token(oauth):
    assert _call(f"{oauth.base_url}/rig/clients", json_body={}, headers={})[0] == 403
