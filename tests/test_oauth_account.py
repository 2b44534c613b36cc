"""Which account a token answer names ("Connected as"), from the OpenID id_token when there is one."""

import base64
import json

from engine.oauth_account import account_of, id_token_claims
from engine.presets import PRESETS, SELECTION


def jwt(claims):
    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part(claims)}.signature"


def test_google_names_the_account_by_its_email():
    assert account_of({"id_token": jwt({"email": "sam@example.com", "sub": "1234"})}) == "sam@example.com"


def test_a_microsoft_work_account_names_it_by_preferred_username():
    answer = {"id_token": jwt({"preferred_username": "sam@contoso.com", "name": "Sam"})}
    assert account_of(answer) == "sam@contoso.com"


def test_no_id_token_or_a_broken_one_names_nobody():
    for answer in (
        {},
        None,
        {"id_token": "not-a-jwt"},
        {"id_token": "a.!!!.c"},
        {"id_token": jwt(["a"])},
        {"id_token": jwt({"email": 42, "preferred_username": "no-address"})},
    ):
        assert account_of(answer) is None, answer
    assert id_token_claims("x.e30.y") == {}


def test_every_preset_names_its_servers_and_other_comes_last():
    assert SELECTION[-1][0] == "other"
    assert {PRESETS[key].auth_method for key in ("google", "microsoft")} == {"oauth2"}
    assert {preset.auth_method for key, preset in PRESETS.items() if key not in ("google", "microsoft")} == {"password"}
    for preset in PRESETS.values():
        assert preset.mailbox_values()["host"] and preset.mailbox_values()["smtp_port"] in (465, 587)
