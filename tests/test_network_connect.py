"""The destination policy and the time limits, on real connections to the rig's Dovecot and SMTP server."""

import socket
import ssl
import time
from dataclasses import replace

import pytest

from engine import errors
from engine.network import MIN_WAIT, DestinationPolicy, parse_allowed_servers, tls_context
from engine.smtp import check_smtp
from engine.transport import check_connection, open_session
from rig.dovecot import LOCALHOST
from rig.silent_server import SilentServer


def restricted(text=""):
    return DestinationPolicy(restricted=True, allowed=parse_allowed_servers(text))


def test_a_refused_destination_is_never_connected_to(mailbox):
    with SilentServer() as silent:
        settings = mailbox.settings("none", port=silent.port, destination_policy=restricted())
        with pytest.raises(errors.DestinationRefused):
            check_connection(settings)
        with pytest.raises(errors.DestinationRefused):
            check_smtp(replace(settings_for_smtp(settings)))
        time.sleep(0.1)
        assert silent.accepted == 0, "no open/closed/filtered answer to learn from: nothing was tried"


def settings_for_smtp(imap_settings):
    from engine.smtp import SmtpSettings

    return SmtpSettings(
        host=imap_settings.host,
        port=imap_settings.port,
        security="none",
        timeout=1,
        destination_policy=imap_settings.destination_policy,
    )


def test_an_allowed_internal_server_is_reached(mailbox, smtp_server):
    policy = restricted(LOCALHOST)
    assert check_connection(mailbox.settings("ssl", destination_policy=policy)).capabilities
    assert check_smtp(replace(smtp_server.settings(mailbox.login, mailbox.password), destination_policy=policy))


def test_the_certificate_is_checked_against_the_name_while_connecting_to_its_checked_address(mailbox):
    """localhost is resolved once, checked, and connected to by address; TLS still verifies "localhost"."""
    policy = restricted("localhost")
    assert check_connection(mailbox.settings("ssl", host="localhost", destination_policy=policy)).capabilities
    context = tls_context(ca_file=mailbox.server.ca_file, server_name="not-the-certificate-name.example")
    with (
        socket.create_connection((LOCALHOST, mailbox.server.ssl_port), timeout=5) as sock,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        context.wrap_socket(sock, server_hostname=LOCALHOST)


@pytest.mark.parametrize("security", ["ssl", "starttls", "none"])
def test_a_server_that_greets_and_then_hangs_times_out(mailbox, security):
    """The greeting, the TLS handshake, STARTTLS and the login all obey the timeout."""
    greeting = None if security == "ssl" else b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"
    with SilentServer(greeting=greeting) as silent, pytest.raises(errors.ConnectionTimeout):
        open_session(mailbox.settings(security, port=silent.port, timeout=0.5))


def test_the_run_deadline_cuts_a_longer_timeout(mailbox):
    with SilentServer() as silent:
        started = time.monotonic()
        with pytest.raises(errors.ConnectionTimeout):
            open_session(mailbox.settings("none", port=silent.port, timeout=60, deadline=time.monotonic()))
    assert time.monotonic() - started < 60 - MIN_WAIT, "the deadline, not the mailbox's 60 s timeout"


def test_the_deadline_also_bounds_each_command_of_an_open_session(mailbox):
    deadline = time.monotonic() + 30
    with open_session(mailbox.settings("none", timeout=60, deadline=deadline)) as session:
        assert session.capabilities
        assert session._client.socket().gettimeout() <= 30
