"""The rig, by hand: Dovecot, the SMTP server and the OAuth server on 127.0.0.1 until Ctrl-C.

For connecting a mailbox with OAuth2 from the web client of a local Odoo (scripts/run-odoo)::

    cd tests && PYTHONPATH=../imap_conversations ../.venv/bin/python -m rig.serve \
        [--redirect-uri http://127.0.0.1:8069/imap_conversations/oauth/callback]

It registers one OAuth application (client id and secret) with that redirect URI and prints what
to enter in Odoo: the application's endpoints and scopes, and a mailbox's servers and login. The
consent page signs in with that login and the printed password.
"""

import argparse
import contextlib
import signal
import threading

from .dovecot import MAIL_DOMAIN, DovecotServer, password_is_right
from .oauth_server import IMAP_SCOPE, SMTP_SCOPE, OAuthServer
from .smtp_server import SmtpServer

DEFAULT_REDIRECT_URI = "http://127.0.0.1:8069/imap_conversations/oauth/callback"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--redirect-uri", default=DEFAULT_REDIRECT_URI, help="Odoo's web.base.url + the callback route")
    parser.add_argument("--users", type=int, default=3, help="how many mailbox users to create")
    options = parser.parse_args(argv)

    oauth = OAuthServer(password_is_right).start()
    dovecot = DovecotServer(oauth_introspection=oauth.resource_server_credentials(IMAP_SCOPE))
    users = [dovecot.add_user() for _ in range(options.users)]
    dovecot.start()
    smtp = SmtpServer(dovecot, oauth_introspection=oauth.resource_server_credentials(SMTP_SCOPE)).start()
    client = oauth.register_client(redirect_uris=[options.redirect_uri])
    try:
        print(
            f"""
OAuth application (IMAP Conversations > Configuration > OAuth applications > New):
  Provider               Generic OAuth 2.0
  Client ID              {client.client_id}
  Client secret          {client.client_secret}
  Authorization endpoint {oauth.base_url}/authorize
  Token endpoint         {oauth.base_url}/token
  Revocation endpoint    {oauth.base_url}/revoke
  IMAP scopes            {IMAP_SCOPE}
  SMTP scopes            {SMTP_SCOPE}
  (registered redirect URI: {options.redirect_uri})

Mailbox (IMAP Conversations > Configuration > Mailboxes > New), Provider "Other":
  Host {dovecot.host}, security None (cleartext), port {dovecot.port}
  SMTP host {smtp.host}, security None (cleartext), port {smtp.port}
  Authentication OAuth2, with the application above; then Connect.
  Logins: {", ".join(login for login, _password in users)} (addresses @{MAIL_DOMAIN}), password {users[0][1]}
    (the consent page's user and password)
  Non-administrators: list {dovecot.host} in Settings > IMAP Conversations > allowed servers.

Ctrl-C stops everything.""",
            flush=True,
        )
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_args: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    finally:
        smtp.stop()
        dovecot.stop()
        oauth.stop()


if __name__ == "__main__":
    main()
