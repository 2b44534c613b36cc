"""Which conversation a message belongs to.

Every message-id a message mentions (its own, In-Reply-To, References) and the
thread ids some servers offer (Gmail's X-GM-THRID, RFC 8474 THREADID) are
*thread keys*. Messages sharing a key share a conversation, whatever order they
arrive in: a reply imported before its parent already carries the parent's id.
"""

import re

from .identity import bounded, bounded_text
from .subjects import is_reply_subject, strip_prefixes

__all__ = ["MAX_REFERENCES", "is_reply_subject", "normalize_subject", "subject_key", "thread_keys"]

#: Long reference chains add nothing past their root and their last few hops.
MAX_REFERENCES = 20

_LIST_TAG = re.compile(r"^\s*\[[^\]]{1,40}\]\s*")
_SPACES = re.compile(r"\s+")


def thread_keys(message_id, in_reply_to, references, gm_thread_id=None, server_thread_id=None):
    """The keys that tie a message to its conversation, strongest first."""
    keys = []
    if gm_thread_id:
        keys.append(f"gm:{gm_thread_id}")
    if server_thread_id:
        keys.append(f"thread:{server_thread_id}")
    chain = list(references or ())
    if len(chain) > MAX_REFERENCES:
        chain = chain[:1] + chain[-(MAX_REFERENCES - 1) :]
    for mid in (message_id, in_reply_to, *chain):
        key = bounded(mid)
        if key and key not in keys:
            keys.append(key)
    return keys


def normalize_subject(subject):
    """'Re: [Sales] AW: Offer  2026' -> 'offer 2026', for the subject fallback."""
    text = subject or ""
    while True:
        stripped = _LIST_TAG.sub("", strip_prefixes(text), count=1)
        if stripped == text:
            break
        text = stripped
    return _SPACES.sub(" ", text).strip().lower()


def subject_key(subject):
    """The normalized subject in a form a database index can hold, for the subject fallback.

    A btree index row holds about 2.7 kB: a longer normalized subject is stored as its
    start plus a hash of the whole, so two subjects still match exactly when they are equal.
    The full subject is kept elsewhere; this is only what the conversations are looked up by.
    """
    return bounded_text(normalize_subject(subject))
