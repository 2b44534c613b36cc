"""Logging in to the real Dovecot and SMTP server with an OAuth2 access token (SASL XOAUTH2 / OAUTHBEARER)."""

import time
from dataclasses import replace

import pytest

from engine import errors
from engine.compose import Address, compose_message
from engine.oauth import client_credentials_token, refresh_access_token
from engine.sasl import BearerExchange, TokenRefused
from engine.smtp import check_smtp, send_message
from engine.transport import check_connection, open_session


def imap_settings(mailbox, access_token, security="ssl"):
    return replace(mailbox.settings(security), auth_method="oauth2", access_token=access_token, password="")


def smtp_settings(smtp_server, mailbox, access_token, security="starttls"):
    return replace(smtp_server.settings(mailbox.login, "", security), auth_method="oauth2", access_token=access_token)


def dovecot_login_method(dovecot, login):
    """How Dovecot says *login* last logged in ("XOAUTH2", "OAUTHBEARER", "PLAIN"...)."""
    lines = [line for line in dovecot.read_log().splitlines() if f"Login: user=<{login}>" in line]
    return lines[-1].split("method=")[1].split(",")[0] if lines else None


@pytest.mark.parametrize("security", ["ssl", "starttls", "none"])
def test_a_fresh_token_logs_in_to_imap(oauth_app, oauth_connect, mailbox, dovecot, security):
    tokens = oauth_connect(oauth_app(), mailbox)
    report = check_connection(imap_settings(mailbox, tokens.access_token, security))
    assert "IMAP4REV1" in report.capabilities
    # Dovecot offers both: the standard mechanism is preferred.
    assert dovecot_login_method(dovecot, mailbox.login) == "OAUTHBEARER"


def test_the_session_works_as_with_a_password(oauth_app, oauth_connect, mailbox):
    tokens = oauth_connect(oauth_app(), mailbox)
    mailbox.append("INBOX", [b"Subject: hello\r\n\r\nbody\r\n"])
    with open_session(imap_settings(mailbox, tokens.access_token)) as session:
        session.select("INBOX")
        assert len(session.search(["ALL"])) == 1


def test_xoauth2_logs_in_and_answers_a_refusal_as_the_server_expects(oauth_app, oauth_connect, mailbox):
    tokens = oauth_connect(oauth_app(), mailbox)
    with mailbox_client_before_login(mailbox) as client:
        assert client.sasl_login("XOAUTH2", BearerExchange("XOAUTH2", mailbox.login, tokens.access_token))
    with mailbox_client_before_login(mailbox) as client:
        exchange = BearerExchange("XOAUTH2", mailbox.login, "not-a-token")
        with pytest.raises(Exception, match="AUTHENTICATIONFAILED"):
            client.sasl_login("XOAUTH2", exchange)
        assert exchange.server_error and "401" in exchange.server_error  # Dovecot's JSON error challenge


def mailbox_client_before_login(mailbox):
    from imapclient import IMAPClient

    return IMAPClient(mailbox.server.host, port=mailbox.server.port, ssl=False, timeout=10)


def test_an_expired_token_is_refused_as_a_token_not_a_password(oauth_app, oauth_connect, mailbox):
    tokens = oauth_connect(oauth_app(access_token_lifetime=1), mailbox)
    time.sleep(1.2)
    with pytest.raises(TokenRefused) as caught:
        check_connection(imap_settings(mailbox, tokens.access_token))
    assert isinstance(caught.value, errors.AuthenticationError)
    assert caught.value.kind == "token_refused" and not caught.value.transient
    assert "OAUTHBEARER" in caught.value.message and "invalid_token" in caught.value.detail


def test_a_refreshed_token_logs_in_again_after_expiry(oauth_app, oauth_connect, mailbox):
    app = oauth_app(access_token_lifetime=1)
    tokens = oauth_connect(app, mailbox)
    time.sleep(1.2)
    fresh = refresh_access_token(app, tokens.refresh_token)
    assert check_connection(imap_settings(mailbox, fresh.access_token)).capabilities


def test_another_users_token_is_refused(oauth_app, oauth_connect, mailbox, dovecot):
    other = type(mailbox)(dovecot, *dovecot.add_user())
    tokens = oauth_connect(oauth_app(), other)
    with pytest.raises(TokenRefused):
        check_connection(imap_settings(mailbox, tokens.access_token))


def test_a_token_without_the_imap_scope_is_refused(oauth_app, oauth_connect, mailbox):
    tokens = oauth_connect(oauth_app(), mailbox, scopes=("smtp",))
    with pytest.raises(TokenRefused):
        check_connection(imap_settings(mailbox, tokens.access_token))


def test_a_revoked_consent_refuses_the_access_token_too(oauth_app, oauth_connect, oauth, mailbox):
    tokens = oauth_connect(oauth_app(), mailbox)
    oauth.revoke_user(mailbox.login)
    with pytest.raises(TokenRefused):
        check_connection(imap_settings(mailbox, tokens.access_token))


def test_an_app_only_token_opens_the_mailbox_it_was_granted(oauth_app, mailbox, dovecot):
    tokens = client_credentials_token(oauth_app(app_mailbox=mailbox.login), ["imap"])
    assert check_connection(imap_settings(mailbox, tokens.access_token)).capabilities
    other = type(mailbox)(dovecot, *dovecot.add_user())
    with pytest.raises(TokenRefused):
        check_connection(imap_settings(other, tokens.access_token))


def test_a_wrong_password_is_still_a_plain_authentication_error(mailbox):
    with pytest.raises(errors.AuthenticationError) as caught:
        check_connection(mailbox.settings("ssl", password="wrong"))
    assert caught.value.kind == "auth" and not isinstance(caught.value, TokenRefused)


def test_oauth2_settings_need_a_token_and_keep_it_out_of_repr(mailbox, smtp_server):
    with pytest.raises(ValueError, match="access token"):
        replace(mailbox.settings("ssl"), auth_method="oauth2", access_token="")
    with pytest.raises(ValueError, match="auth_method"):
        replace(mailbox.settings("ssl"), auth_method="kerberos")
    settings = imap_settings(mailbox, "the-secret-token")
    assert "the-secret-token" not in repr(settings)
    assert "the-secret-token" not in repr(smtp_settings(smtp_server, mailbox, "the-secret-token"))


# -- SMTP -----------------------------------------------------------------------------------------------


def outgoing_from(mailbox, to):
    return compose_message(
        sender=Address("", mailbox.address),
        to=[Address("", to)],
        subject="Over OAuth2",
        html="<p>Sent with a bearer token</p>",
    )


@pytest.fixture
def connected(oauth_app, oauth_connect, mailbox):
    """The test's user, and the tokens it got by consenting to a new application."""
    return mailbox, oauth_connect(oauth_app(), mailbox)


@pytest.mark.parametrize(("security", "mechanism"), [("starttls", "OAUTHBEARER"), ("ssl", "XOAUTH2")])
def test_mail_sent_with_a_token_is_delivered(connected, dovecot, smtp_server, security, mechanism):
    mailbox, tokens = connected
    recipient = type(mailbox)(dovecot, *dovecot.add_user())
    settings = smtp_settings(smtp_server, mailbox, tokens.access_token, security)
    assert mechanism in check_smtp(settings).auth_mechanisms
    outgoing = outgoing_from(mailbox, recipient.address)

    send_message(settings, outgoing.raw, outgoing.sender_email, outgoing.recipients)

    [received] = smtp_server.received_with(outgoing.message_id)
    assert received.login == mailbox.login and received.delivered_to == (recipient.login,)
    assert list(recipient.raw_messages().values()) == [outgoing.raw]


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_smtp_refuses_an_expired_token_as_a_token(oauth_app, oauth_connect, mailbox, smtp_server, security):
    tokens = oauth_connect(oauth_app(access_token_lifetime=1), mailbox)
    time.sleep(1.2)
    with pytest.raises(TokenRefused) as caught:
        check_smtp(smtp_settings(smtp_server, mailbox, tokens.access_token, security))
    assert caught.value.detail.startswith("535 ") and "server said" in caught.value.detail


def test_smtp_refuses_a_token_without_the_smtp_scope(oauth_app, oauth_connect, mailbox, smtp_server):
    tokens = oauth_connect(oauth_app(), mailbox, scopes=("imap",))
    with pytest.raises(TokenRefused):
        check_smtp(smtp_settings(smtp_server, mailbox, tokens.access_token))


def test_a_server_without_oauth2_login_says_so(oauth_app, oauth_connect, mailbox, smtp_server):
    tokens = oauth_connect(oauth_app(), mailbox)
    old_server = replace(smtp_settings(smtp_server, mailbox, tokens.access_token, "none"), port=smtp_server.plain_port)
    with pytest.raises(errors.AuthenticationError, match="no OAuth2 login") as caught:
        check_smtp(old_server)
    assert not isinstance(caught.value, TokenRefused)
