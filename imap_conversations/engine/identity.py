"""What makes a message the same message wherever it is found.

The Message-ID when it has one; otherwise an id the server gives (Gmail's
X-GM-MSGID, RFC 8474 EMAILID); otherwise a hash of its content, which needs the
body. The same rule applies before download (to skip known mail) and after.
"""


def server_key(message_id, gm_msgid=None, email_id=None):
    """The dedupe key known before downloading the body, or None."""
    if message_id:
        return message_id
    if gm_msgid:
        return f"gm:{gm_msgid}"
    if email_id:
        return f"emailid:{email_id}"
    return None


def dedupe_key(message_id, content_hash, gm_msgid=None, email_id=None):
    return server_key(message_id, gm_msgid, email_id) or f"hash:{content_hash}"
