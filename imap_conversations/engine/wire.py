"""Text of what servers send: imaplib and smtplib hand out bytes or str, depending on the call."""


def wire_text(value):
    """*value* as str: bytes decoded as UTF-8 (bad bytes replaced), anything else through ``str``."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
