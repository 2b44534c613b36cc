"""What makes a message the same message wherever it is found.

The Message-ID when it has one; otherwise an id the server gives (Gmail's
X-GM-MSGID, RFC 8474 EMAILID); otherwise a hash of its content, which needs the
body. The same rule applies before download (to skip known mail) and after.
"""

import hashlib

#: Longer keys (a broken mailer's multi-kilobyte Message-ID) are stored hashed: a database index
#: row holds about 2.7 kB.
MAX_KEY_LENGTH = 250


def bounded(key):
    """*key* itself, or a fixed-size stand-in when it is too long to index."""
    if not key or len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def bounded_text(text):
    """*text* itself, or its start followed by a hash of the whole when it is too long to index.

    Unlike :func:`bounded`, what is kept stays readable; equal texts give equal results.
    """
    if not text or len(text) <= MAX_KEY_LENGTH:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{text[: MAX_KEY_LENGTH - len(digest) - 9]}… sha256:{digest}"


def server_key(message_id, gm_msgid=None, email_id=None):
    """The dedupe key known before downloading the body, or None."""
    if message_id:
        return bounded(message_id)
    if gm_msgid:
        return f"gm:{gm_msgid}"
    if email_id:
        return bounded(f"emailid:{email_id}")
    return None


def dedupe_key(message_id, content_hash, gm_msgid=None, email_id=None):
    return server_key(message_id, gm_msgid, email_id) or f"hash:{content_hash}"


def message_key(server, parsed=None):
    """The dedupe key of a message: what the sync, the recovery and the sender all compute.

    *server*: the message as the server describes it (``folder_sync.ServerMessage``: Message-ID,
    X-GM-MSGID, EMAILID). *parsed*: the message once downloaded and parsed, whose own Message-ID
    wins and whose content hash stands in when there is no id at all; without it, the key known
    before downloading, or None (see :func:`server_key`).
    """
    if parsed is None:
        return server_key(server.message_id, server.gm_msgid, server.email_id)
    return dedupe_key(parsed.message_id or server.message_id, parsed.content_hash, server.gm_msgid, server.email_id)
