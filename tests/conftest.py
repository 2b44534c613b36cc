"""Session fixtures: one real Dovecot, SMTP and OAuth server for the whole run, a fresh user per test."""

import os
import urllib.parse

import pytest

from engine.oauth import OAuthClient, authorization_request, exchange_code
from rig.dovecot import DovecotServer, DovecotUnavailable, password_is_right
from rig.imap_helpers import MailboxFixture
from rig.oauth_admin import RigOAuth
from rig.oauth_server import IMAP_SCOPE, SMTP_SCOPE, OAuthServer
from rig.odoo_command_database import CommandDatabase
from rig.odoo_database import session_database
from rig.odoo_locator import OdooNotFound
from rig.smtp_server import SmtpServer


@pytest.fixture(scope="session")
def oauth_server():
    """The loopback OAuth 2.0 authorization server; its users are the rig's Dovecot users."""
    server = OAuthServer(password_is_right).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def oauth(oauth_server):
    """Tests' hands on it (rig/oauth_admin.py): register clients, consent as a user, revoke grants."""
    return RigOAuth.from_environ(oauth_server.coordinates())


#: Where the rig's OAuth server sends the browser back to; nothing listens there, the tests read the redirect.
OAUTH_REDIRECT_URI = "http://127.0.0.1:9/imap_conversations/oauth/callback"


@pytest.fixture
def oauth_app(oauth):
    """Factory: a new client application at the rig's OAuth server, as the engine's :class:`OAuthClient`.

    Keyword arguments go to the registration (``access_token_lifetime``, ``scope``, ``app_mailbox``...).
    """

    def register(**options):
        registered = oauth.register_client(redirect_uris=[OAUTH_REDIRECT_URI], **options)
        return OAuthClient(
            client_id=registered["client_id"],
            client_secret=registered["client_secret"],
            authorization_endpoint=oauth.authorization_endpoint,
            token_endpoint=oauth.token_endpoint,
            revocation_endpoint=oauth.revocation_endpoint,
            timeout=10,
        )

    return register


@pytest.fixture
def oauth_connect(oauth):
    """``connect(app, mailbox, scopes)``: the engine's code flow with PKCE, the user consenting over HTTP."""

    def connect(app, mailbox, scopes=(IMAP_SCOPE, SMTP_SCOPE)):
        request = authorization_request(app, OAUTH_REDIRECT_URI, scopes)
        callback = urllib.parse.parse_qs(
            urllib.parse.urlsplit(oauth.consent(request.url, mailbox.login, mailbox.password)).query
        )
        assert callback["state"] == [request.state]
        return exchange_code(app, callback["code"][0], OAUTH_REDIRECT_URI, request.code_verifier)

    return connect


@pytest.fixture(scope="session")
def dovecot(oauth_server):
    """Dovecot, also taking XOAUTH2 / OAUTHBEARER logins whose tokens the OAuth server vouches for."""
    server = DovecotServer(oauth_introspection=oauth_server.resource_server_credentials(IMAP_SCOPE))
    try:
        server.start()
    except DovecotUnavailable as exc:
        pytest.fail(f"the IMAP tests need Dovecot (Debian package dovecot-imapd): {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def smtp_server(dovecot, oauth_server):
    """aiosmtpd on loopback, delivering mail for user@rig.test into that Dovecot user's INBOX."""
    server = SmtpServer(dovecot, oauth_introspection=oauth_server.resource_server_credentials(SMTP_SCOPE)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def odoo_session_database(dovecot):
    """One database with the addon installed, for every test that runs Odoo as processes (the IDLE worker)."""
    yield from session_database(dovecot, ".test-output/idle")


@pytest.fixture
def odoo_database(odoo_session_database):
    """That database; the workers a test started are stopped when it ends, passed or failed."""
    yield odoo_session_database
    odoo_session_database.stop_workers()


@pytest.fixture(scope="session")
def command_database():
    """A committed Odoo database with the addon, for tests that run several Odoo processes on it."""
    try:
        database = CommandDatabase.located()
    except OdooNotFound as exc:
        pytest.skip(f"skipped, as the Odoo tier is: {exc}")
    database.create()
    try:
        yield database
    finally:
        database.drop()


@pytest.fixture
def mailbox(dovecot):
    """A new, empty Dovecot user with connection settings for the engine."""
    return MailboxFixture(dovecot, *dovecot.add_user())


#: Set by scripts/run-tests for its imapclient 3.x pass: the Odoo tier runs both majors in the other pass.
ENV_ENGINE_TIER_ONLY = "IMAP_CONVERSATIONS_ENGINE_TIER_ONLY"


def pytest_collection_modifyitems(config, items):
    if not os.environ.get(ENV_ENGINE_TIER_ONLY):
        return
    # Tests that run Odoo itself (a test database of their own) run once, in the other pass.
    odoo_tier = [
        item
        for item in items
        if item.path.name in ("test_odoo_tier.py", "test_odoo_upgrade.py")
        or {"odoo_database", "command_database"} & set(getattr(item, "fixturenames", ()))
    ]
    if odoo_tier:
        config.hook.pytest_deselected(items=odoo_tier)
        items[:] = [item for item in items if item not in odoo_tier]


def pytest_report_header(config):
    import imapclient

    return f"imapclient {imapclient.__version__} ({imapclient.__file__})"


def pytest_terminal_summary(terminalreporter, config):
    for line in getattr(config, "odoo_tier_lines", ()):
        terminalreporter.write_sep("=", line)
