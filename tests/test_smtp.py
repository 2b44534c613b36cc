"""Sending through a real SMTP server on loopback: every way it can go, and what the caller is told."""

import socket
import threading
import time
from dataclasses import replace

import pytest

from engine import errors
from engine.compose import Address, compose_message
from engine.smtp import SmtpSettings, check_smtp, send_message
from rig.dovecot import LOCALHOST, UNTRUSTED_HOST, free_port
from rig.silent_server import SilentServer
from rig.smtp_server import MAX_MESSAGE_SIZE, UNICODE_LOGIN, UNICODE_PASSWORD

# glibc refuses a host name that starts with a hyphen without asking DNS (see test_transport.py).
UNRESOLVABLE_HOST = "-no-such-smtp-host.invalid"


@pytest.fixture
def sender(mailbox, smtp_server):
    """The test's user, and settings to send as it."""
    return mailbox, smtp_server.settings(mailbox.login, mailbox.password)


def message_to(mailbox, *recipients, size=0):
    outgoing = compose_message(
        sender=Address("Test Sender", mailbox.address),
        to=[Address("", r) for r in recipients or ["customer@example.com"]],
        subject="Rig test",
        html="<p>Hello</p><!--" + "x" * size + "-->",
    )
    return outgoing


def send(settings, outgoing):
    return send_message(settings, outgoing.raw, outgoing.sender_email, outgoing.recipients)


@pytest.mark.parametrize(("security", "tls"), [("ssl", True), ("starttls", True), ("none", False)])
def test_each_security_mode_sends(sender, smtp_server, security, tls):
    mailbox, _settings = sender
    settings = smtp_server.settings(mailbox.login, mailbox.password, security)
    outgoing = message_to(mailbox)

    report = send(settings, outgoing)

    assert report.accepted == ("customer@example.com",) and report.refused == {}
    [received] = smtp_server.received_with(outgoing.message_id)
    assert received.raw == outgoing.raw
    assert received.login == mailbox.login
    assert received.mail_from == mailbox.address
    assert received.listener == {"ssl": "ssl", "starttls": "starttls", "none": "starttls"}[security]
    assert (check_smtp(settings).tls_version or "").startswith("TLSv1.") is tls


def test_check_reports_what_the_server_offers(sender):
    _mailbox, settings = sender
    report = check_smtp(settings)
    assert report.security == "starttls"
    assert {"AUTH", "SIZE", "8BITMIME"} <= report.extensions
    assert "STARTTLS" not in report.extensions  # read again after TLS, where it is no longer offered
    assert report.max_size == MAX_MESSAGE_SIZE
    assert report.auth_mechanisms == ("LOGIN", "OAUTHBEARER", "PLAIN", "XOAUTH2")


def test_wrong_password_is_an_authentication_error(sender):
    _mailbox, settings = sender
    with pytest.raises(errors.AuthenticationError) as caught:
        check_smtp(replace(settings, password="not-the-password"))
    assert caught.value.kind == "auth"
    assert not caught.value.transient
    assert caught.value.detail.startswith("535 ")


def test_without_a_login_the_server_wants_one(sender, smtp_server):
    mailbox, settings = sender
    outgoing = message_to(mailbox)
    assert check_smtp(replace(settings, login="", password="")).security == "starttls"  # no AUTH tried
    with pytest.raises(errors.AuthenticationError, match="wants a login"):
        send(replace(settings, login="", password=""), outgoing)
    assert smtp_server.received_with(outgoing.message_id) == []


def test_a_password_with_non_ascii_characters_logs_in(smtp_server):
    for security in ("starttls", "ssl"):
        assert check_smtp(smtp_server.settings(UNICODE_LOGIN, UNICODE_PASSWORD, security)).extensions


def test_a_server_offering_only_auth_login_is_logged_in_to(sender, smtp_server):
    mailbox, _settings = sender
    old_server = smtp_server.settings(mailbox.login, mailbox.password, "none", port=smtp_server.plain_port)
    assert check_smtp(old_server).auth_mechanisms == ("LOGIN",)
    outgoing = message_to(mailbox)
    send(old_server, outgoing)
    assert smtp_server.received_with(outgoing.message_id)[0].listener == "plain"
    with pytest.raises(errors.AuthenticationError):
        check_smtp(replace(old_server, password="wrong"))
    check_smtp(smtp_server.settings(UNICODE_LOGIN, UNICODE_PASSWORD, "none", port=smtp_server.plain_port))


def test_self_signed_certificate_is_not_trusted(sender, smtp_server):
    mailbox, _settings = sender
    for security in ("ssl", "starttls"):
        settings = smtp_server.settings(mailbox.login, mailbox.password, security, host=UNTRUSTED_HOST)
        with pytest.raises(errors.CertificateError) as caught:
            check_smtp(settings)
        assert "self-signed" in caught.value.detail


def test_certificate_of_an_unknown_ca_is_not_trusted_by_the_system_store(sender, smtp_server):
    mailbox, _settings = sender
    with pytest.raises(errors.CertificateError):
        check_smtp(smtp_server.settings(mailbox.login, mailbox.password, "ssl", trust_rig_ca=False))


def test_certificate_check_can_be_switched_off_explicitly(sender, smtp_server):
    mailbox, _settings = sender
    settings = smtp_server.settings(
        mailbox.login, mailbox.password, "ssl", host=UNTRUSTED_HOST, verify_certificate=False, trust_rig_ca=False
    )
    assert check_smtp(settings).tls_version.startswith("TLSv1.")


def test_starttls_not_offered_is_a_tls_error_before_any_login(sender, smtp_server):
    mailbox, _settings = sender
    outgoing = message_to(mailbox)
    settings = smtp_server.settings(mailbox.login, mailbox.password, "starttls", port=smtp_server.plain_port)
    with pytest.raises(errors.TlsError, match="does not offer STARTTLS"):
        send(settings, outgoing)
    assert smtp_server.received_with(outgoing.message_id) == []


def test_tls_spoken_to_a_plain_port_is_a_tls_error(sender, smtp_server):
    mailbox, _settings = sender
    with pytest.raises(errors.TlsError) as caught:
        check_smtp(smtp_server.settings(mailbox.login, mailbox.password, "ssl", port=smtp_server.port))
    assert caught.value.transient


def test_unknown_host_is_host_not_found(sender):
    _mailbox, settings = sender
    with pytest.raises(errors.HostNotFoundError):
        check_smtp(replace(settings, host=UNRESOLVABLE_HOST))


def test_closed_port_is_connection_refused(sender):
    _mailbox, settings = sender
    with pytest.raises(errors.ConnectionRefused):
        check_smtp(replace(settings, port=free_port()))


@pytest.mark.parametrize("security", ["none", "starttls", "ssl"])
def test_server_that_never_answers_times_out(sender, security):
    """No greeting, or (implicit TLS) no handshake: the timeout holds for both."""
    _mailbox, settings = sender
    with SilentServer() as silent:
        started = time.monotonic()
        with pytest.raises(errors.ConnectionTimeout) as caught:
            check_smtp(replace(settings, port=silent.port, security=security, timeout=0.5))
    assert time.monotonic() - started < 5
    assert caught.value.transient


def greeting_server(greeting):
    """A server that answers every connection with *greeting*, then hangs up; returns its port."""
    listener = socket.create_server((LOCALHOST, 0))

    def serve():
        with listener:
            conn, _addr = listener.accept()
            with conn:
                conn.sendall(greeting)
                conn.recv(100)

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


@pytest.mark.parametrize(
    ("greeting", "error", "transient"),
    [
        (b"421 4.3.2 Too busy, come back later\r\n", errors.ThrottledError, True),
        (b"554 5.3.2 No SMTP service here\r\n", errors.ProtocolError, False),
    ],
)
def test_a_server_that_refuses_at_the_greeting_says_why(sender, greeting, error, transient):
    _mailbox, settings = sender
    with pytest.raises(error) as caught:
        check_smtp(replace(settings, port=greeting_server(greeting), security="none"))
    assert caught.value.detail == greeting.decode().strip()
    assert caught.value.transient is transient


def test_refused_recipients_are_listed_and_nothing_is_sent(sender, smtp_server):
    mailbox, settings = sender
    outgoing = message_to(mailbox, "nobody-here@rig.test", "t9999x@rig.test")
    with pytest.raises(errors.RecipientsRefused) as caught:
        send(settings, outgoing)
    assert set(caught.value.refused) == {"nobody-here@rig.test", "t9999x@rig.test"}
    assert caught.value.refused["nobody-here@rig.test"].code == 550
    assert "no such user" in caught.value.refused["nobody-here@rig.test"].text
    assert not caught.value.transient
    assert smtp_server.received_with(outgoing.message_id) == []


def test_a_temporary_refusal_is_transient(sender):
    mailbox, settings = sender
    with pytest.raises(errors.RecipientsRefused) as caught:
        send(settings, message_to(mailbox, "greylisted@example.com"))
    assert caught.value.refused["greylisted@example.com"].code == 450
    assert caught.value.transient


def test_some_recipients_refused_the_others_get_it(sender, smtp_server):
    """Sent is sent: raising here would make the user send it again to those who have it."""
    mailbox, settings = sender
    outgoing = message_to(mailbox, "customer@example.com", "nobody-here@rig.test")
    report = send(settings, outgoing)
    assert report.accepted == ("customer@example.com",)
    assert report.refused["nobody-here@rig.test"].code == 550
    [received] = smtp_server.received_with(outgoing.message_id)
    assert received.rcpt_tos == ("customer@example.com",)


def test_a_refused_sender_is_a_typed_error(sender):
    mailbox, settings = sender
    outgoing = message_to(mailbox)
    with pytest.raises(errors.SenderRefused) as caught:
        send_message(settings, outgoing.raw, "not-a-user@rig.test", outgoing.recipients)
    assert caught.value.code == 553
    assert not caught.value.transient


def test_a_message_over_the_size_limit_is_rejected(sender, smtp_server):
    mailbox, settings = sender
    outgoing = message_to(mailbox, size=MAX_MESSAGE_SIZE)
    with pytest.raises(errors.MessageRejected, match="too large") as caught:
        send(settings, outgoing)
    assert caught.value.code == 552
    assert smtp_server.received_with(outgoing.message_id) == []


def test_settings_need_a_timeout_and_a_known_security():
    with pytest.raises(ValueError, match="timeout"):
        SmtpSettings(host="127.0.0.1", port=587, timeout=0)
    with pytest.raises(ValueError, match="security"):
        SmtpSettings(host="127.0.0.1", port=587, security="tls")


def test_settings_repr_never_shows_the_password(sender):
    mailbox, settings = sender
    assert mailbox.password not in repr(settings)
