"""Session fixtures: one real Dovecot and one SMTP server for the whole run, a fresh user per test."""

import os

import pytest

from rig.dovecot import DovecotServer, DovecotUnavailable
from rig.imap_helpers import MailboxFixture
from rig.smtp_server import SmtpServer


@pytest.fixture(scope="session")
def dovecot():
    server = DovecotServer()
    try:
        server.start()
    except DovecotUnavailable as exc:
        pytest.fail(f"the IMAP tests need Dovecot (Debian package dovecot-imapd): {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def smtp_server(dovecot):
    """aiosmtpd on loopback, delivering mail for user@rig.test into that Dovecot user's INBOX."""
    server = SmtpServer(dovecot).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mailbox(dovecot):
    """A new, empty Dovecot user with connection settings for the engine."""
    return MailboxFixture(dovecot, *dovecot.add_user())


#: Set by scripts/run-tests for its imapclient 3.x pass: the Odoo tier runs both majors in the other pass.
ENV_ENGINE_TIER_ONLY = "IMAP_CONVERSATIONS_ENGINE_TIER_ONLY"


def pytest_collection_modifyitems(config, items):
    if not os.environ.get(ENV_ENGINE_TIER_ONLY):
        return
    odoo_tier = [item for item in items if item.path.name == "test_odoo_tier.py"]
    if odoo_tier:
        config.hook.pytest_deselected(items=odoo_tier)
        items[:] = [item for item in items if item not in odoo_tier]


def pytest_report_header(config):
    import imapclient

    return f"imapclient {imapclient.__version__} ({imapclient.__file__})"


def pytest_terminal_summary(terminalreporter, config):
    for line in getattr(config, "odoo_tier_lines", ()):
        terminalreporter.write_sep("=", line)
