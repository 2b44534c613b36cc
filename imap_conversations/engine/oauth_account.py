"""Which account a provider's token answer is for, to show "Connected as" on the mailbox.

Google and Microsoft put it in the OpenID ``id_token`` (asked for with the ``openid email``
scopes): ``email``, or Microsoft's ``preferred_username`` / ``upn`` for work accounts. The
id_token came straight from the token endpoint over TLS, in answer to our own request, so its
claims are read without checking its signature (OpenID Connect Core 3.1.3.7, point 6); it names
the account, it grants nothing. A provider without OpenID (the test rig, many generic ones)
names no account: the caller falls back to the mailbox's login.
"""

import base64
import json

#: Claims naming the account, best first.
ACCOUNT_CLAIMS = ("email", "preferred_username", "upn")


def id_token_claims(id_token):
    """The claims of a JWT's payload, or {} when *id_token* is not one."""
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return {}
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:  # bad base64 (binascii.Error), bad UTF-8 or bad JSON are all ValueErrors
        return {}
    return claims if isinstance(claims, dict) else {}


def account_of(raw_answer):
    """The account a token answer (TokenSet.raw) names, or None."""
    claims = id_token_claims((raw_answer or {}).get("id_token"))
    for name in ACCOUNT_CLAIMS:
        value = claims.get(name)
        if isinstance(value, str) and "@" in value:
            return value.strip()
    return None
