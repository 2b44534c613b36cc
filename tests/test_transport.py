"""Connecting to a real Dovecot: every way it can go, and what the caller is told."""

import pytest

from engine import errors
from engine.transport import ConnectionSettings, check_connection, open_session
from rig.dovecot import UNTRUSTED_HOST, free_port
from rig.silent_server import SilentServer

# glibc refuses a host name that starts with a hyphen without asking DNS, so this
# fails exactly like an unknown host while sending nothing off the machine.
UNRESOLVABLE_HOST = "-no-such-imap-host.invalid"


@pytest.mark.parametrize("security", ["ssl", "starttls", "none"])
def test_each_security_mode_connects_and_reports_capabilities(mailbox, security):
    report = check_connection(mailbox.settings(security))
    assert report.security == security
    assert {"IMAP4REV1", "IDLE", "MOVE", "UIDPLUS", "CONDSTORE"} <= report.capabilities


def test_verified_tls_connection_is_really_encrypted(mailbox):
    with open_session(mailbox.settings("ssl")) as session:
        cipher = session._client.socket().cipher()
    assert cipher and cipher[1].startswith("TLSv1.")


def test_starttls_upgrades_the_plain_connection(mailbox):
    with open_session(mailbox.settings("starttls")) as session:
        assert session._client.socket().version().startswith("TLSv1.")


def test_wrong_password_is_an_authentication_error(mailbox):
    with pytest.raises(errors.AuthenticationError) as caught:
        check_connection(mailbox.settings("ssl", password="not-the-password"))
    assert caught.value.kind == "auth"
    assert not caught.value.transient
    assert "AUTHENTICATIONFAILED" in caught.value.detail


def test_unknown_login_is_an_authentication_error(mailbox):
    settings = mailbox.settings("none")
    unknown = ConnectionSettings(**{**settings.__dict__, "login": "nobody-here"})
    with pytest.raises(errors.AuthenticationError):
        check_connection(unknown)


def test_self_signed_certificate_is_not_trusted(mailbox):
    with pytest.raises(errors.CertificateError) as caught:
        check_connection(mailbox.settings("ssl", host=UNTRUSTED_HOST))
    assert caught.value.kind == "certificate"
    assert "self-signed" in caught.value.detail


def test_certificate_of_an_unknown_ca_is_not_trusted_by_the_system_store(mailbox):
    with pytest.raises(errors.CertificateError):
        check_connection(mailbox.settings("ssl", trust_rig_ca=False))


def test_starttls_certificate_is_verified_too(mailbox):
    with pytest.raises(errors.CertificateError):
        check_connection(mailbox.settings("starttls", host=UNTRUSTED_HOST))


def test_certificate_check_can_be_switched_off_explicitly(mailbox):
    report = check_connection(
        mailbox.settings("ssl", host=UNTRUSTED_HOST, verify_certificate=False, trust_rig_ca=False)
    )
    assert "IMAP4REV1" in report.capabilities


def test_tls_spoken_to_a_plain_port_is_a_tls_error(mailbox, dovecot):
    with pytest.raises(errors.TlsError) as caught:
        check_connection(mailbox.settings("ssl", port=dovecot.port))
    assert caught.value.transient


def test_unknown_host_is_host_not_found(mailbox):
    with pytest.raises(errors.HostNotFoundError) as caught:
        check_connection(mailbox.settings("none", host=UNRESOLVABLE_HOST))
    assert caught.value.transient


def test_closed_port_is_connection_refused(mailbox):
    with pytest.raises(errors.ConnectionRefused):
        check_connection(mailbox.settings("none", port=free_port()))


def test_server_that_never_greets_times_out(mailbox):
    with SilentServer() as silent, pytest.raises(errors.ConnectionTimeout) as caught:
        check_connection(mailbox.settings("none", port=silent.port, timeout=0.5))
    assert caught.value.kind == "timeout"


def test_a_timeout_is_always_required():
    with pytest.raises(ValueError, match="timeout"):
        ConnectionSettings(host="127.0.0.1", port=143, login="a", password="b", timeout=0)


def test_settings_repr_never_shows_the_password(mailbox):
    assert mailbox.password not in repr(mailbox.settings("none"))


def test_missing_folder_is_a_typed_error(mailbox):
    with open_session(mailbox.settings("none")) as session, pytest.raises(errors.FolderNotFoundError):
        session.select("Does/Not/Exist")


def test_closing_a_broken_session_does_not_raise(mailbox):
    session = open_session(mailbox.settings("none"))
    session._client.socket().close()
    session.close()
    session.close()


def test_a_server_that_stops_mid_session_is_a_network_error():
    from rig.dovecot import DovecotServer
    from rig.imap_helpers import MailboxFixture

    with DovecotServer() as private:
        mailbox = MailboxFixture(private, *private.add_user())
        mailbox.append("INBOX", [b"Subject: x\r\n\r\nbody\r\n"])
        with open_session(mailbox.settings()) as session:
            session.select("INBOX")
            private.halt()
            with pytest.raises(errors.NetworkError) as caught:
                session.fetch([1], ["BODY.PEEK[]"])
        assert caught.value.transient
        private.resume()
        with open_session(mailbox.settings()) as session:
            session.select("INBOX")
            assert list(session.fetch([1], ["FLAGS"])) == [1], "the mail is still there after a restart"


def test_a_password_that_is_not_ascii_logs_in_with_authenticate_plain(dovecot):
    from rig.dovecot import UNICODE_USER
    from rig.imap_helpers import MailboxFixture

    mailbox = MailboxFixture(dovecot, *UNICODE_USER)
    for security in ("ssl", "starttls", "none"):
        assert "IMAP4REV1" in check_connection(mailbox.settings(security)).capabilities
    with pytest.raises(errors.AuthenticationError):
        check_connection(mailbox.settings("none", password="pässwörd-$"))
