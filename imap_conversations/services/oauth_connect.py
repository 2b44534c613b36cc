"""Connect and Disconnect a mailbox with OAuth2: the user's round trip to the provider's consent page.

Connect (:func:`start`) sends the browser to the application's authorization endpoint with PKCE
(S256) and a *state* that Odoo signed (HMAC with the database secret) and bound to the user, the
mailbox, an expiry and a nonce. The PKCE verifier and the nonce stay on the mailbox's credential
(server side, never in a URL); the nonce is the one pending Connect of that mailbox, spent by the
first callback that shows it, so a state works once. The callback (:func:`finish`) believes
nothing of the request until the state checks out; then it trades the code for tokens and keeps
them in the credential, like passwords. Disconnect (:func:`disconnect`) revokes at the provider
(RFC 7009) where it can, and forgets locally whatever the provider answers.

Callers check who may (``mailbox._check_allowed("manage", ...)``) before :func:`start` and
:func:`disconnect`; :func:`finish` checks it itself, since anyone can open the callback URL.
"""

import logging
import secrets
import time
from datetime import UTC, datetime, timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import consteq, hash_sign, verify_hash_signed

from ..engine import states
from ..engine.errors import NetworkError
from ..engine.oauth import OAuthClient, OAuthError, authorization_request, exchange_code, revoke_token
from ..engine.oauth_account import account_of

_logger = logging.getLogger(__name__)

CALLBACK_ROUTE = "/imap_conversations/oauth/callback"
#: The HMAC scope of a state: a signature made for anything else of Odoo's is no state.
STATE_SCOPE = "imap_conversations.oauth_state"
#: Long enough to sign in and consent (a second factor included), short enough that a leaked URL is stale.
STATE_LIFETIME = timedelta(minutes=15)
#: Seconds to wait for the provider's token and revocation endpoints.
PROVIDER_TIMEOUT = 30
#: OpenID scopes that make Google and Microsoft name the account in an id_token ("Connected as").
IDENTITY_SCOPES = {"google": ("openid", "email"), "microsoft": ("openid", "email")}
#: Google hands out a refresh token only when asked for offline access, and again only with prompt=consent.
EXTRA_PARAMS = {"google": {"access_type": "offline", "prompt": "consent"}}

# Why a callback is refused (ConnectRefused.reason).
FORGED = "forged"
EXPIRED = "expired"
OTHER_USER = "other_user"
NOT_ALLOWED = "not_allowed"
REPLAYED = "replayed"
DENIED = "denied"
PROVIDER_ERROR = "provider_error"
PENDING_FIELDS = ("oauth_pending_nonce", "oauth_pending_verifier")
TOKEN_FIELDS = ("oauth_refresh_token", "oauth_access_token", "oauth_access_token_expiry", "oauth_scope")


class ConnectRefused(Exception):
    """A callback that connects nothing; *message* is for the user, *reason* one of the constants above."""

    def __init__(self, reason, message, mailbox=None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        #: The mailbox the user may go back to, when the state named one they may manage.
        self.mailbox = mailbox


def redirect_uri(env):
    """Where the provider sends the browser back: what administrators register at the provider."""
    base = env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
    return base.rstrip("/") + CALLBACK_ROUTE


def oauth_client(provider):
    """The engine's client for an application; reads the client secret, so only after a rights check."""
    provider = provider.sudo()
    return OAuthClient(
        client_id=provider.client_id,
        client_secret=provider.client_secret or "",
        authorization_endpoint=provider.authorization_endpoint or "",
        token_endpoint=provider.token_endpoint,
        revocation_endpoint=provider.revocation_endpoint or "",
        timeout=PROVIDER_TIMEOUT,
    )


def credential_of(mailbox):
    """The mailbox's credential row (created when it has none), as superuser: callers checked the rights."""
    credentials = mailbox.env["imap.mailbox.credential"].sudo()
    return credentials.search([("mailbox_id", "=", mailbox.id)]) or credentials.create({"mailbox_id": mailbox.id})


def start(mailbox):
    """The URL of the provider's consent page for *mailbox*; remembers the verifier and the nonce."""
    mailbox.ensure_one()
    env = mailbox.env
    provider = mailbox.oauth_provider_id
    if not provider:
        raise UserError(env._("Choose the OAuth application of %(mailbox)s first.", mailbox=mailbox.name))
    if not provider.active:
        raise UserError(
            env._("The OAuth application “%(application)s” is archived: choose another one.", application=provider.name)
        )
    nonce = secrets.token_urlsafe(24)
    state = hash_sign(
        env(su=True),
        STATE_SCOPE,
        {
            "uid": env.uid,
            "mailbox": mailbox.id,
            "nonce": nonce,
            "expires": int(time.time() + STATE_LIFETIME.total_seconds()),
        },
    )
    kind = provider.kind
    scopes = tuple(dict.fromkeys(provider._scopes("both") + IDENTITY_SCOPES.get(kind, ())))
    extra = dict(EXTRA_PARAMS.get(kind, {}))
    if "@" in (mailbox.login or ""):
        extra["login_hint"] = mailbox.login.strip()
    request = authorization_request(oauth_client(provider), redirect_uri(env), scopes, state=state, extra_params=extra)
    credential_of(mailbox).write({"oauth_pending_nonce": nonce, "oauth_pending_verifier": request.code_verifier})
    return request.url


def _signed_values(env, state):
    """What the state says, once its signature checks out; refuses a forged or expired one."""
    try:
        values = verify_hash_signed(env(su=True), STATE_SCOPE, state or "")
    except ValueError:  # not even the shape of a signed state (base64, version byte, JSON)
        values = None
    if not isinstance(values, dict) or not {"uid", "mailbox", "nonce", "expires"} <= set(values):
        raise ConnectRefused(
            FORGED,
            env._(
                "This sign-in answer was not started by this Odoo: the mailbox is "
                "not connected. Press Connect on the mailbox again."
            ),
        )
    if time.time() > values["expires"]:
        raise ConnectRefused(
            EXPIRED, env._("The sign-in took too long and has expired: press Connect on the mailbox again.")
        )
    return values


def _checked_mailbox(env, values):
    """The mailbox of a genuine state, if it is the current user's and they may still manage it."""
    if values["uid"] != env.uid:
        raise ConnectRefused(
            OTHER_USER,
            env._(
                "This sign-in was started by another user: the mailbox is not "
                "connected. Ask them to finish it, or press Connect yourself."
            ),
        )
    mailbox = env["imap.mailbox"].browse(values["mailbox"]).exists()
    try:
        if not mailbox:
            raise AccessError(env._("The mailbox no longer exists."))
        mailbox._check_allowed("manage", env._("Connect"))
    except AccessError as error:
        raise ConnectRefused(NOT_ALLOWED, str(error)) from error
    return mailbox


def finish(env, params):
    """Handle the provider's answer (the callback's query *params*); returns the connected mailbox."""
    values = _signed_values(env, params.get("state"))
    mailbox = _checked_mailbox(env, values)
    credential = credential_of(mailbox)
    pending = credential.oauth_pending_nonce
    verifier = credential.oauth_pending_verifier
    if not pending or not consteq(pending, str(values["nonce"])):
        raise ConnectRefused(
            REPLAYED,
            env._("This sign-in answer was already used, or a newer Connect replaced it: press Connect again."),
            mailbox,
        )
    # Spent now, whatever comes next: a state works once.
    credential.write(dict.fromkeys(PENDING_FIELDS, False))
    error = params.get("error")
    if error:
        if error == "access_denied":
            raise ConnectRefused(
                DENIED, env._("Access was declined at the provider: the mailbox is not connected."), mailbox
            )
        raise ConnectRefused(
            PROVIDER_ERROR,
            env._(
                "The provider refused the sign-in (%(error)s): the mailbox is not connected.",
                error=" ".join(filter(None, [error, params.get("error_description")])),
            ),
            mailbox,
        )
    if not params.get("code"):
        raise ConnectRefused(PROVIDER_ERROR, env._("The provider's answer has no authorization code."), mailbox)
    provider = mailbox.oauth_provider_id
    if not provider.active:
        raise ConnectRefused(
            NOT_ALLOWED,
            env._("The OAuth application “%(application)s” is archived.", application=provider.name),
            mailbox,
        )
    try:
        tokens = exchange_code(oauth_client(provider), params["code"], redirect_uri(env), verifier)
    except (OAuthError, NetworkError) as failure:
        raise ConnectRefused(
            PROVIDER_ERROR,
            env._("The provider did not give tokens: %(error)s. The mailbox is not connected.", error=failure.message),
            mailbox,
        ) from failure
    _store(mailbox, credential, tokens)
    return mailbox


def _store(mailbox, credential, tokens):
    expiry = tokens.expires_at and datetime.fromtimestamp(tokens.expires_at, UTC).replace(tzinfo=None)
    credential.write(
        {
            "oauth_refresh_token": tokens.refresh_token or False,
            "oauth_access_token": tokens.access_token,
            "oauth_access_token_expiry": expiry or False,
            "oauth_scope": " ".join(tokens.scopes) or False,
        }
    )
    values = {"auth_method": "oauth2", "oauth_account": account_of(tokens.raw) or mailbox.login}
    if mailbox.state in states.MAILBOX_FAILED_STATES:
        # Connected again, a new chance: the next scheduled run tries, and a new failure is news.
        values.update(
            state=states.MAILBOX_PENDING, last_error=False, last_error_kind=False, auth_failure_notified=False
        )
    # Bookkeeping (imap.mailbox._check_bookkeeping): as superuser, the callback checked the user.
    mailbox.sudo().write(values)


def disconnect(mailbox):
    """Revoke the mailbox's grant where the provider can, and forget it; returns the revocation's failure or None.

    Whatever the provider answers, the tokens are forgotten here: Disconnect must never leave them behind.
    """
    mailbox.ensure_one()
    credential = credential_of(mailbox)
    token, hint = credential.oauth_refresh_token, "refresh_token"
    if not token:
        token, hint = credential.oauth_access_token, "access_token"
    failure = None
    if token and mailbox.oauth_provider_id:
        try:
            # RFC 7009 2.1: revoking the refresh token ends the access tokens of the same grant.
            revoke_token(oauth_client(mailbox.oauth_provider_id), token, hint)
        except (OAuthError, NetworkError) as error:
            _logger.warning(
                "Disconnect of mailbox %s: the provider did not revoke its token (%s); forgotten here",
                mailbox.id,
                error,
            )
            failure = error
    credential.write(dict.fromkeys(TOKEN_FIELDS + PENDING_FIELDS, False))
    mailbox.sudo().write({"oauth_account": False})
    return failure
