"""Access tokens for mailboxes that log in with OAuth2: kept, refreshed once, failures made plain.

:func:`access_token` gives the token a login needs: the stored one while it has more than
:data:`REFRESH_MARGIN` seconds left, otherwise a new one. A new one is fetched under a row lock on
the mailbox's credential, in a cursor of its own that commits at once:

* a rotated refresh token (Microsoft rotates them) is stored whatever becomes of the run's own
  transaction: a sync rolled back after the refresh must not leave the old, now refused, one;
* two runs (sync and send, or two workers) never refresh together: the second waits on the lock,
  reads the credential again and finds the first one's fresh token.

Delegated applications refresh with the refresh token of the user who connected the mailbox;
app-only applications (``access_mode`` "app_only") need no Connect: Microsoft 365's client
credentials grant, or a Google service account's JWT bearer grant (RFC 7523) naming the mailbox.
The token kept is the IMAP one; a purpose with other scopes (Microsoft wants one token per
resource, so SMTP differs) gets a token of its own each time it asks, its rotated refresh token
still stored.

:func:`retrying_refused` is the single retry: a token the server turns down (expired mid-run,
revoked) is replaced once and the step tried once more, never in a loop.
"""

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg2

from odoo import SUPERUSER_ID, api, fields
from odoo.tools import SQL

from ..engine import errors as imap_errors
from ..engine import oauth
from ..engine.oauth_assertion import InvalidServiceAccountKey, jwt_bearer_token
from ..engine.sasl import TokenRefused

_logger = logging.getLogger(__name__)

IMAP = "imap"
SMTP = "smtp"
DELEGATED = "delegated"
APP_ONLY = "app_only"
#: Seconds a stored access token must still be valid to be used rather than refreshed.
REFRESH_MARGIN = 120
#: Seconds a run waits for another run's refresh of the same mailbox before giving up for now.
LOCK_TIMEOUT = 30


class NotConnected(imap_errors.AuthenticationError):
    """The mailbox has no OAuth application, or was never connected (no refresh token): nothing to log in with."""

    kind = "oauth_not_connected"


class RefreshBusy(imap_errors.NetworkError):
    """Another run held the mailbox's credential for too long: tried again at the next run."""

    kind = "oauth_refresh_busy"


def access_token(mailbox, purpose=IMAP, refused=None):
    """A valid access token for *mailbox* (``auth_method`` "oauth2") to log in for *purpose* ("imap", "smtp").

    *refused*: the token the server just turned down; a new one is fetched even if it looks valid.
    Raises :class:`NotConnected` without touching the network when there is nothing to log in with,
    and the engine's typed errors (InvalidGrant, InvalidClient, TokenEndpointUnreachable...) otherwise.
    """
    mailbox = mailbox.sudo()
    provider = mailbox.oauth_provider_id
    if not provider:
        raise NotConnected("The mailbox has no OAuth application")
    if provider.access_mode == APP_ONLY and mailbox.user_id:
        # Never for a personal mailbox (the mailbox's constraint says so too): its owner chose the login.
        raise NotConnected("App-only OAuth applications are for shared mailboxes only")
    kept = _kept_purpose(provider, purpose)
    credential = _credential(mailbox)
    if provider.access_mode != APP_ONLY and not credential.oauth_refresh_token:
        raise NotConnected("The mailbox is not connected to its OAuth account yet")
    if kept and _usable(credential, refused):
        return credential.oauth_access_token
    return _fetch_locked(mailbox, purpose, refused)


def retrying_refused(mailbox, purpose, settings, step):
    """``step(settings)``; if the server refuses the token, once more with a new one (OAuth2 mailboxes only).

    *settings* (ConnectionSettings or SmtpSettings) carries the token; the retry gets a copy with the new one.
    """
    try:
        return step(settings)
    except TokenRefused as error:
        if getattr(settings, "auth_method", None) != "oauth2":
            raise
        _logger.info(
            "IMAP mailbox %s (id %s): the %s server refused the access token (%s); refreshing once",
            mailbox.name,
            mailbox.id,
            purpose,
            error.detail or error,
        )
        fresh = access_token(mailbox, purpose, refused=settings.access_token)
    return step(replace(settings, access_token=fresh))


def with_token(mailbox, purpose, settings):
    """*settings* of an OAuth2 mailbox with a current access token for *purpose*; others unchanged."""
    if mailbox.auth_method != "oauth2":
        return settings
    return replace(settings, auth_method="oauth2", access_token=access_token(mailbox, purpose))


def _kept_purpose(provider, purpose):
    """The IMAP token is the one kept; another purpose shares it only when it asks for the same scopes."""
    return purpose == IMAP or provider._scopes(purpose) == provider._scopes(IMAP)


def _credential(mailbox):
    return mailbox.env["imap.mailbox.credential"].sudo().search([("mailbox_id", "=", mailbox.id)], limit=1)


def _usable(credential, refused=None):
    token, expiry = credential.oauth_access_token, credential.oauth_access_token_expiry
    if not token or token == refused:
        return False
    return not expiry or expiry - timedelta(seconds=REFRESH_MARGIN) > fields.Datetime.now()


def _fetch_locked(mailbox, purpose, refused):
    """Fetch a token under the credential's row lock, in a cursor that commits at once (see the module doc)."""
    # What this transaction changed (a Connect just now, the application's settings) is what the other cursor
    # must read.
    mailbox.env.flush_all()
    try:
        with mailbox.env.registry.cursor() as cr:
            if not mailbox.env.registry.in_test_mode():
                # Odoo's REPEATABLE READ would read the credential as it was before waiting for the lock
                # (or fail on the other run's update): after the wait, this run must see what it stored.
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            env = api.Environment(cr, SUPERUSER_ID, {})
            token = _fetch_in(env["imap.mailbox"].browse(mailbox.id), purpose, refused)
            # At once, whatever the caller's transaction becomes (see the module doc).
            cr.commit()  # pylint: disable=invalid-commit
    except psycopg2.errors.LockNotAvailable as error:
        raise RefreshBusy("Another run is refreshing this mailbox's access token", detail=str(error)) from error
    # What this transaction read of the credential predates the commit above.
    mailbox.env["imap.mailbox.credential"].invalidate_model()
    return token


def _fetch_in(mailbox, purpose, refused):
    cr = mailbox.env.cr
    cr.execute(SQL("SET LOCAL lock_timeout = %s", f"{LOCK_TIMEOUT}s"))
    cr.execute(SQL("SELECT id FROM imap_mailbox_credential WHERE mailbox_id = %s FOR UPDATE", mailbox.id))
    row = cr.fetchone()
    Credential = mailbox.env["imap.mailbox.credential"]
    credential = Credential.browse(row[0]) if row else Credential
    provider = mailbox.oauth_provider_id
    kept = _kept_purpose(provider, purpose)
    # Under the lock, read again: a run that waited here finds the token the other one just stored.
    if kept and credential and _usable(credential, refused):
        _logger.info("IMAP mailbox %s (id %s): another run refreshed the access token", mailbox.name, mailbox.id)
        return credential.oauth_access_token
    tokens = _request(mailbox, provider, credential, provider._scopes(purpose))
    values = {}
    if tokens.refresh_token and tokens.refresh_token != credential.oauth_refresh_token:
        values["oauth_refresh_token"] = tokens.refresh_token
    if kept:
        values.update(
            {
                "oauth_access_token": tokens.access_token,
                "oauth_access_token_expiry": _expiry(tokens),
                "oauth_scope": " ".join(tokens.scopes) or False,
            }
        )
    if values:
        if credential:
            credential.write(values)
        else:
            Credential.create({"mailbox_id": mailbox.id, **values})
    _logger.info(
        "IMAP mailbox %s (id %s): new %s access token%s",
        mailbox.name,
        mailbox.id,
        purpose,
        " (refresh token rotated)" if tokens.rotated else "",
    )
    return tokens.access_token


def _request(mailbox, provider, credential, scopes):
    """One call to the provider's token endpoint, by the application's access mode."""
    client = oauth_client(provider, mailbox.timeout)
    if provider.access_mode != APP_ONLY:
        if not credential.oauth_refresh_token:
            raise NotConnected("The mailbox is not connected to its OAuth account yet")
        return oauth.refresh_access_token(client, credential.oauth_refresh_token, scopes)
    if provider.service_account_key:
        # Google: the service account acts as the mailbox named in the assertion.
        return jwt_bearer_token(client, provider.service_account_key, mailbox.login, scopes)
    return oauth.client_credentials_token(client, scopes)


def oauth_client(provider, timeout=30):
    """The engine's view of an OAuth application record (read as superuser by the caller)."""
    return oauth.OAuthClient(
        client_id=provider.client_id or "",
        client_secret=provider.client_secret or "",
        token_endpoint=provider.token_endpoint or "",
        authorization_endpoint=provider.authorization_endpoint or "",
        revocation_endpoint=provider.revocation_endpoint or "",
        timeout=float(timeout or 30),
    )


def _expiry(tokens):
    if tokens.expires_at is None:
        return False
    return datetime.fromtimestamp(tokens.expires_at, UTC).replace(tzinfo=None)


# -- words for the user ----------------------------------------------------------------------------


def missing_scopes(mailbox, purpose):
    """Scopes the purpose needs that the provider did not grant (per the stored grant), if known."""
    mailbox = mailbox.sudo()
    granted = set((_credential(mailbox).oauth_scope or "").split())
    if not granted or not mailbox.oauth_provider_id:
        return []
    return [s for s in mailbox.oauth_provider_id._scopes(purpose) if s not in granted]


def describe(mailbox, error, purpose=IMAP):
    """What an OAuth2 failure means and what to do, or None for an error that is not about OAuth2."""
    env = mailbox.env
    application = mailbox.sudo().oauth_provider_id.name or "-"
    reconnect = env._("Press Connect on the mailbox to sign in to %(application)s again.", application=application)
    if isinstance(error, NotConnected):
        if not mailbox.sudo().oauth_provider_id:
            return env._("Choose the OAuth application this mailbox signs in with.")
        return env._("The mailbox is not connected yet: %(reconnect)s", reconnect=reconnect)
    if isinstance(error, oauth.InvalidGrant):
        return env._(
            "%(application)s no longer accepts this mailbox's authorization (consent revoked, password "
            "changed or the authorization expired). %(reconnect)s",
            application=application,
            reconnect=reconnect,
        )
    if isinstance(error, oauth.InvalidClient):
        return env._(
            "%(application)s refused the OAuth application's client ID or secret (the application may "
            "have been deleted, or its secret expired): an IMAP administrator must fix the application, "
            "then the mailbox must be connected again.",
            application=application,
        )
    if isinstance(error, oauth.TokenEndpointUnreachable):
        return env._(
            "The sign-in service of %(application)s cannot be reached (%(reason)s). It is tried again at the next run.",
            application=application,
            reason=error.detail or error.message,
        )
    if isinstance(error, RefreshBusy):
        return env._("Another run was renewing this mailbox's access; it is tried again at the next run.")
    missing = isinstance(error, TokenRefused | oauth.InvalidScope) and missing_scopes(mailbox, purpose)
    if missing:
        return env._(
            "The access granted does not include the scope %(scopes)s, which the %(purpose)s server needs. "
            "%(reconnect)s",
            scopes=", ".join(missing),
            purpose=purpose.upper(),
            reconnect=reconnect,
        )
    if isinstance(error, oauth.InvalidScope):
        return env._(
            "%(application)s will not grant the access this mailbox needs (%(reason)s): check the "
            "application's scopes.",
            application=application,
            reason=error.detail or error.message,
        )
    if isinstance(error, InvalidServiceAccountKey):
        return env._(
            "The service account key of %(application)s cannot be used (%(reason)s): an IMAP "
            "administrator must enter the key file again.",
            application=application,
            reason=error.message,
        )
    if isinstance(error, TokenRefused):
        return env._(
            "The %(purpose)s server refused the access token for “%(login)s” (it may be for another "
            "account, or lack the mail permission). %(reconnect)s",
            purpose=purpose.upper(),
            login=mailbox.login,
            reconnect=reconnect,
        )
    if isinstance(error, oauth.OAuthError):
        return env._(
            "%(application)s refused the request: %(reason)s",
            application=application,
            reason=error.detail or error.message,
        )
    return None
