"""Helpers to seed and inspect a Dovecot user's mail from tests, without the engine."""

import ssl

from imapclient import IMAPClient

from engine.transport import ConnectionSettings

from .dovecot import MAIL_DOMAIN
from .mail_append import append_messages


class MailboxFixture:
    def __init__(self, server, login, password):
        self.server = server
        self.login = login
        self.password = password

    @property
    def address(self):
        """Where mail for this user goes (the rig's SMTP server delivers it to this INBOX)."""
        return f"{self.login}@{MAIL_DOMAIN}"

    def settings(
        self,
        security="none",
        *,
        host=None,
        port=None,
        password=None,
        timeout=10.0,
        verify_certificate=True,
        trust_rig_ca=True,
        **extra,
    ):
        if port is None:
            port = self.server.ssl_port if security == "ssl" else self.server.port
        return ConnectionSettings(
            host=host or self.server.host,
            port=port,
            login=self.login,
            password=self.password if password is None else password,
            security=security,
            verify_certificate=verify_certificate,
            timeout=timeout,
            ca_file=self.server.ca_file if trust_rig_ca else None,
            **extra,
        )

    def client(self):
        """A plain imapclient connection as this user (the test's own hands on the server)."""
        client = IMAPClient(self.server.host, port=self.server.port, ssl=False, timeout=10)
        client._imap.debug = 0
        client.login(self.login, self.password)
        return client

    def append(self, folder, messages, flags=(), msg_time=None):
        """Store raw messages in *folder* (see rig/mail_append.py)."""
        with self.client() as client:
            append_messages(client, folder, messages, flags, msg_time)

    def create_folder(self, folder):
        with self.client() as client:
            client.create_folder(folder)

    def delete_folder(self, folder):
        with self.client() as client:
            client.delete_folder(folder)

    def raw_messages(self, folder="INBOX"):
        """The bytes of every message in *folder*, by UID, without marking them read."""
        with self.client() as client:
            return {uid: data[b"BODY[]"] for uid, data in fetch_all(client, folder, ["BODY.PEEK[]"]).items()}

    def flags(self, folder):
        with self.client() as client:
            return {
                uid: set(data[b"FLAGS"]) - {b"\\Recent"} for uid, data in fetch_all(client, folder, ["FLAGS"]).items()
            }


def fetch_all(client, folder, items):
    """*items* of every message in *folder* (read-only), by UID.

    UIDs from a SEARCH, not a "1:*" range: imapclient 4 takes message numbers only in fetch().
    """
    client.select_folder(folder, readonly=True)
    uids = client.search(["ALL"])
    return client.fetch(uids, items) if uids else {}


def rig_ssl_context(server):
    return ssl.create_default_context(cafile=server.ca_file)
