"""What a server's NO or BAD means: by its response code first, by its wording second.

RFC 5530 gives refusals machine-readable codes (``NO [NONEXISTENT] ...``), but servers
do not always send one: Dovecot answers a SELECT of a missing folder ``NO Mailbox
doesn't exist: X``, Cyrus ``NO Mailbox does not exist``, Cyrus refuses an unknown search
charset with ``BAD Unrecognized character set``. So a code that says what happened
decides; without one (or with one that says nothing about the failure, like ALERT) the
text is read for the wording of the common servers (Dovecot, Cyrus, Gmail, Exchange,
Courier). The replies these rules were written from are kept, verbatim, as golden test
data in tests/data/server_replies.json.

The transport turns the class into a typed error; nothing else reads server text.
"""

import re

FOLDER_MISSING = "folder_missing"
CHARSET_REFUSED = "charset_refused"
#: Busy, limiting connections or briefly unavailable: worth trying again later.
THROTTLED = "throttled"
AUTH_FAILED = "auth_failed"
#: Any other refusal.
REFUSED = "refused"

_CLASS_BY_CODE = {
    "NONEXISTENT": FOLDER_MISSING,
    "TRYCREATE": FOLDER_MISSING,
    "BADCHARSET": CHARSET_REFUSED,
    "UNAVAILABLE": THROTTLED,
    "THROTTLED": THROTTLED,
    "LIMIT": THROTTLED,
    "INUSE": THROTTLED,
    "SERVERBUG": THROTTLED,
    "AUTHENTICATIONFAILED": AUTH_FAILED,
    "AUTHORIZATIONFAILED": AUTH_FAILED,
    "EXPIRED": AUTH_FAILED,
}
#: The other RFC 5530 (and RFC 3501, 4315, 7162) codes say what went wrong on their own: words
#: that look like one of the classes above ("does not exist" in a NOPERM) must not override them.
_OTHER_MEANINGFUL_CODES = frozenset(
    {
        "PRIVACYREQUIRED",
        "CONTACTADMIN",
        "NOPERM",
        "CANNOT",
        "OVERQUOTA",
        "ALREADYEXISTS",
        "CLIENTBUG",
        "CORRUPTION",
        "EXPUNGEISSUED",
        "HASCHILDREN",
        "TOOBIG",
        "READ-ONLY",
        "READ-WRITE",
        "UIDNOTSTICKY",
        "MODIFIED",
        "NOMODSEQ",
        "UNKNOWN-CTE",
        "USEATTR",
    }
)

# Wording, most specific first. Folder names appear in these texts too, which is why the
# throttling words are few and distinctive.
_WORDING = (
    (
        FOLDER_MISSING,
        re.compile(
            r"\b(doesn't|does not) exist"  # Dovecot, Cyrus, Exchange ("INBOX doesn't exist.")
            r"|unknown (mailbox|folder)"  # Gmail "Unknown Mailbox: X (Failure)"
            r"|no such (mailbox|folder)|(mailbox|folder) not found"
            r"|unable to open this mailbox",  # Courier
            re.IGNORECASE,
        ),
    ),
    (
        CHARSET_REFUSED,
        re.compile(
            r"\bcharset\b"  # Dovecot "Unknown charset", Exchange
            r"|character set",  # Cyrus "Unrecognized character set", Courier
            re.IGNORECASE,
        ),
    ),
    (
        THROTTLED,
        re.compile(
            r"too many (open |simultaneous |concurrent )?connections"  # Cyrus, Gmail
            r"|maximum number of connections"  # Dovecot (mail_max_userip_connections)
            r"|server\(s\) unavailable|\bretry operation\b"  # Cyrus (proxies, murder)
            r"|try again later|\bserver unavailable\b|temporarily unavailable",
            re.IGNORECASE,
        ),
    ),
    (
        AUTH_FAILED,
        re.compile(
            r"authentication failed|authentication failure|(login|authenticate) failed|invalid credentials"
            r"|login incorrect|application-specific password required",  # Cyrus, Gmail
            re.IGNORECASE,
        ),
    ),
)

# A response code is an atom in brackets, right after the status (imaplib may have put the
# command's name in front): "[NONEXISTENT]", "[BADCHARSET (US-ASCII UTF-8)]"; not the
# "[host:time]" or "[2026-08-03 06:00:06]" some servers append.
_RESPONSE_CODE = re.compile(r"\[([A-Za-z][A-Za-z0-9-]*)(?=[\] ])")


def response_code(text):
    """The response code of a server reply (upper case), or None."""
    match = _RESPONSE_CODE.search(text or "")
    return match.group(1).upper() if match else None


def classify(text):
    """The class of a refusal from the server's own words (``FOLDER_MISSING``, ... or ``REFUSED``)."""
    text = text or ""
    code = response_code(text)
    if code in _CLASS_BY_CODE:
        return _CLASS_BY_CODE[code]
    if code in _OTHER_MEANINGFUL_CODES:
        return REFUSED
    for reply_class, wording in _WORDING:
        if wording.search(text):
            return reply_class
    return REFUSED
