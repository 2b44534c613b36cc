"""Encryption at rest of stored secrets (mailbox passwords, tokens), with a key kept out of the database.

The key lives in odoo.conf, never in the database a backup or a leaked dump exposes::

    [options]
    imap_conversations_encryption_key = <new key>,<old key>

Keys are Fernet keys (``python3 -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``).
The first key encrypts; every listed key decrypts, so a new key is put in front,
the credentials are re-encrypted (Settings, IMAP Conversations, "Re-encrypt passwords", or
``env["imap.mailbox.credential"]._reencrypt_secrets()`` from ``odoo-bin shell``),
and the old key is then removed.

A stored value is ``fernet:<token>`` when encrypted; anything else is a value stored
in plain text (before a key was configured, or with none), read as it is and
encrypted at its next write or at the next re-encryption. Without a key, values are
stored in plain text, as Odoo itself stores passwords.
"""

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from odoo.exceptions import UserError
from odoo.tools import config

from ..engine.errors import ImapError

#: The odoo.conf option holding the keys, newest first, comma separated.
KEY_OPTION = "imap_conversations_encryption_key"
#: What marks a stored value as encrypted.
PREFIX = "fernet:"


class SecretKeyError(ImapError, UserError):
    """A stored secret cannot be decrypted: the key in odoo.conf is missing, wrong or malformed.

    A UserError, so the interface shows it as it is; an ImapError, so a mailbox run records
    it on the mailbox like any other reason it could not connect, and the next mailbox goes on.
    """

    kind = "secret_key"


def configured_keys():
    """The keys from odoo.conf, newest first ([] when none is configured)."""
    value = config.get(KEY_OPTION) or ""
    return [key.strip() for key in str(value).split(",") if key.strip()]


@functools.lru_cache(maxsize=8)
def _ciphers(keys):
    try:
        fernets = [Fernet(key.encode()) for key in keys]
    except (ValueError, TypeError) as error:
        raise SecretKeyError(
            f"The option {KEY_OPTION} in odoo.conf holds a key that is not a Fernet key (32 url-safe base64 bytes; "
            f"generate one with cryptography's Fernet.generate_key())",
            detail=str(error),
        ) from error
    return MultiFernet(fernets), fernets[0]


def cipher():
    """The MultiFernet of the configured keys, or None when no key is configured."""
    keys = tuple(configured_keys())
    return _ciphers(keys)[0] if keys else None


def is_encrypted(stored):
    return isinstance(stored, str) and stored.startswith(PREFIX)


def encrypt(value):
    """What to store for the clear *value*: encrypted when a key is configured, else *value* itself."""
    if not value or is_encrypted(value):
        return value
    box = cipher()
    if box is None:
        return value
    return PREFIX + box.encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(stored):
    """The clear value of what is stored; plain values are returned as they are."""
    if not is_encrypted(stored):
        return stored
    box = cipher()
    if box is None:
        raise SecretKeyError(
            f"A stored password is encrypted, but no key is configured: set {KEY_OPTION} in odoo.conf to the key "
            f"it was encrypted with."
        )
    try:
        return box.decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken as error:
        raise SecretKeyError(
            f"A stored password cannot be decrypted with the keys in {KEY_OPTION} (odoo.conf): the key it was "
            f"encrypted with is missing or wrong. Put that key back in the list, or enter the password again.",
        ) from error


def reencrypted(stored):
    """*stored* encrypted with the newest key (plain values encrypted; None when nothing changes)."""
    if not stored:
        return None
    keys = tuple(configured_keys())
    if not keys:
        raise SecretKeyError(f"No encryption key is configured: set {KEY_OPTION} in odoo.conf first.")
    if not is_encrypted(stored):
        return encrypt(stored)
    box, newest = _ciphers(keys)
    token = stored[len(PREFIX) :].encode("ascii")
    if _decrypts(newest, token):
        return None  # already the newest key's
    try:
        return PREFIX + box.rotate(token).decode("ascii")
    except InvalidToken as error:
        raise SecretKeyError(
            f"A stored password cannot be decrypted with the keys in {KEY_OPTION} (odoo.conf); nothing was "
            f"re-encrypted. Keep the old key in the list (after the new one) until re-encryption is done.",
        ) from error


def _decrypts(fernet, token):
    try:
        fernet.decrypt(token)
    except InvalidToken:
        return False
    return True
