"""Session fixtures: one real Dovecot and one SMTP server for the whole run, a fresh user per test."""

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


def pytest_terminal_summary(terminalreporter, config):
    line = getattr(config, "odoo_tier_line", None)
    if line:
        terminalreporter.write_sep("=", line)
