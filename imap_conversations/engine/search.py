"""IMAP SEARCH queries: an immutable, composable builder and the call that runs one.

    Query().sender("alice@example.com").subject("invoice")     # terms chained are ANDed
    Query.any_of(Query().sender("a@x"), Query().to("b@y"))      # OR; also a | b
    Query().unseen() & ~Query().flagged()                       # & is AND, ~ is NOT
    run_search(session, query)                                  # -> sorted UIDs of the selected folder

User text never becomes IMAP syntax. :meth:`Query.criteria` hands imapclient
bytes, ints and dates only, never str: imapclient would encode str with the
CHARSET name (failing on one Python does not know) and drops the charset inside
nested lists. imapclient then quotes text holding a space, a quote or a
backslash, sends 8-bit text as a literal, and would send anything else bare;
text that would break a bare atom (``(``, ``{``, ``*``...) is marked to go out
as a literal instead. CR, LF and NUL, which a quoted string cannot hold and an
unfolded header never does, are dropped.
"""

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime

from .errors import ProtocolError
from .transport import as_literal

_logger = logging.getLogger(__name__)

#: The charset asked for when a query holds non-ASCII text.
DEFAULT_CHARSET = "UTF-8"

#: UIDs are unsigned 32-bit numbers (RFC 3501); "n:MAX_UID" is "from n on".
MAX_UID = 2**32 - 1
#: Sizes are numbers too.
MAX_SIZE = 2**32 - 1

_UNSENDABLE = re.compile("[\r\n\0]")
# Bytes imapclient leaves bare although an IMAP atom may not hold them:
# atom-specials other than the ones that make it quote (space, quote, backslash), and controls.
_ATOM_BREAKERS = frozenset(b"(){%*") | frozenset(range(0x20)) | {0x7F}
# RFC 5322 field names: printable ASCII but the colon.
_FIELD_NAME = re.compile(r"[!-9;-~]+")

_MATCH_NOTHING = (b"NOT", b"ALL")


@dataclass(frozen=True)
class _Text:
    """User text in a term, UTF-8 encoded; how it is sent is decided when rendering."""

    data: bytes

    @property
    def is_ascii(self):
        return self.data.isascii()

    @property
    def breaks_atom(self):
        return any(byte in _ATOM_BREAKERS for byte in self.data)

    @property
    def may_go_as_literal(self):
        # imapclient sends every 8-bit item as a literal by itself.
        return not self.is_ascii or self.breaks_atom

    def criterion(self):
        return as_literal(self.data) if self.is_ascii and self.breaks_atom else self.data


def _criterion_text(value):
    if not isinstance(value, str):
        raise TypeError(f"search text must be a str, not {type(value).__name__}")
    return _Text(_UNSENDABLE.sub("", value).encode("utf-8"))


def _field_name(name):
    if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name):
        raise ValueError(f"not a header field name: {name!r}")
    return _criterion_text(name)


def _day(value):
    # datetime is a date too: reduce it first, IMAP dates have no time of day.
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"a search date must be a date or datetime, not {type(value).__name__}")


def _whole_number(value, what, *, minimum, maximum):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if not minimum <= value <= maximum:
        raise ValueError(f"{what} must be between {minimum} and {maximum}, not {value}")
    return value


def _uid(value):
    return _whole_number(value, "a UID", minimum=1, maximum=MAX_UID)


def uid_set(uids):
    """Sorted UIDs as a compact IMAP sequence set: ``[1, 2, 5, 6, 7]`` -> ``b"1:2,5:7"``."""
    runs = []
    for uid in sorted(set(uids)):
        if runs and runs[-1][1] == uid - 1:
            runs[-1][1] = uid
        else:
            runs.append([uid, uid])
    return ",".join(str(a) if a == b else f"{a}:{b}" for a, b in runs).encode("ascii")


def uids_in_set(text):
    """The UIDs of a sequence set written by :func:`uid_set` (bytes or str): ``"1:2,5"`` -> ``[1, 2, 5]``."""
    if isinstance(text, bytes):
        text = text.decode("ascii")
    uids = []
    for part in filter(None, (text or "").split(",")):
        first, _colon, last = part.partition(":")
        uids.extend(range(_uid(int(first)), _uid(int(last or first)) + 1))
    return uids


@dataclass(frozen=True)
class Query:
    """A SEARCH query; every method returns a new query, the terms of one query are ANDed.

    ``Query()`` alone matches every message (``ALL``).
    """

    terms: tuple = ()

    # -- composing ------------------------------------------------------------

    def _and(self, *term):
        return Query((*self.terms, term))

    def __and__(self, other):
        if not isinstance(other, Query):
            return NotImplemented
        return Query(self.terms + other.terms)

    def __or__(self, other):
        if not isinstance(other, Query):
            return NotImplemented
        return Query(((b"OR", self, other),))

    def __invert__(self):
        return Query(((b"NOT", self),))

    @classmethod
    def all_of(cls, *queries):
        combined = cls()
        for query in queries:
            combined &= query
        return combined

    @classmethod
    def any_of(cls, *queries):
        """OR of any number of queries; none at all matches nothing."""
        if not queries:
            return cls().nothing()
        if len(queries) == 1:
            return queries[0]
        # IMAP's OR takes two keys: split in halves so the nesting stays log(n) deep.
        middle = len(queries) // 2
        return cls.any_of(*queries[:middle]) | cls.any_of(*queries[middle:])

    def nothing(self):
        """Matches no message (NOT ALL); :func:`run_search` then does not even ask."""
        return self._and(*_MATCH_NOTHING)

    # -- addresses and text (substrings, case-insensitive on the server) --------

    def sender(self, text):
        return self._and(b"FROM", _criterion_text(text))

    def recipient_to(self, text):
        return self._and(b"TO", _criterion_text(text))

    to = recipient_to

    def cc(self, text):
        return self._and(b"CC", _criterion_text(text))

    def bcc(self, text):
        return self._and(b"BCC", _criterion_text(text))

    def subject(self, text):
        return self._and(b"SUBJECT", _criterion_text(text))

    def body(self, text):
        return self._and(b"BODY", _criterion_text(text))

    def text(self, text):
        """Headers or body."""
        return self._and(b"TEXT", _criterion_text(text))

    def header(self, name, text=""):
        """*name* holding *text*; with no text, every message that has a *name* header."""
        return self._and(b"HEADER", _field_name(name), _criterion_text(text))

    # -- dates: the day only, of INTERNALDATE (since...) or of the Date header (sent_since...) --

    def since(self, day):
        """Received on *day* or later."""
        return self._and(b"SINCE", _day(day))

    def before(self, day):
        """Received before *day*, not on it."""
        return self._and(b"BEFORE", _day(day))

    def on(self, day):
        return self._and(b"ON", _day(day))

    def sent_since(self, day):
        return self._and(b"SENTSINCE", _day(day))

    def sent_before(self, day):
        return self._and(b"SENTBEFORE", _day(day))

    def sent_on(self, day):
        return self._and(b"SENTON", _day(day))

    # -- flags and sizes --------------------------------------------------------

    def seen(self):
        return self._and(b"SEEN")

    def unseen(self):
        return self._and(b"UNSEEN")

    def flagged(self):
        return self._and(b"FLAGGED")

    def unflagged(self):
        return self._and(b"UNFLAGGED")

    def larger(self, size):
        """Strictly larger than *size* bytes (RFC822.SIZE)."""
        return self._and(b"LARGER", _whole_number(size, "a size", minimum=0, maximum=MAX_SIZE))

    def smaller(self, size):
        """Strictly smaller than *size* bytes."""
        return self._and(b"SMALLER", _whole_number(size, "a size", minimum=0, maximum=MAX_SIZE))

    def changed_since(self, modseq):
        """Flags (or anything else) changed after mod-sequence *modseq* (CONDSTORE, RFC 7162).

        SEARCH MODSEQ matches mod-sequences equal to or above its value; FETCH's CHANGEDSINCE,
        which this stands for, those strictly above.
        """
        return self._and(b"MODSEQ", _whole_number(modseq, "a mod-sequence", minimum=0, maximum=2**63 - 2) + 1)

    # -- UIDs -----------------------------------------------------------------

    def uids(self, uids):
        """One of these UIDs; an empty collection matches nothing."""
        uids = [_uid(uid) for uid in uids]
        if not uids:
            return self.nothing()
        return self._and(b"UID", uid_set(uids))

    def uid_range(self, start, end=None):
        """UIDs from *start* to *end* included, or from *start* on.

        An *end* below *start* matches nothing, like ``range()``, so "after the
        last known UID up to UIDNEXT - 1" needs no special case when nothing is new.
        """
        start = _uid(start)
        if end is None:
            # Not "start:*": "*" is the highest UID in the folder, so "13:*" also
            # matches UID 12 when 12 is the last. The largest possible UID does not.
            return self._and(b"UID", f"{start}:{MAX_UID}".encode("ascii"))
        end = _whole_number(end, "a UID", minimum=0, maximum=MAX_UID)
        if end < start:
            return self.nothing()
        span = str(start) if end == start else f"{start}:{end}"
        return self._and(b"UID", span.encode("ascii"))

    # -- what goes to the server ------------------------------------------------

    @property
    def matches_nothing(self):
        """True when the query is known to match nothing without asking the server."""
        return _MATCH_NOTHING in self.terms

    @property
    def needs_charset(self):
        """True when some text is not ASCII, so the search must name its charset."""
        return any(_needs_charset(item) for term in self.terms for item in term)

    def criteria(self):
        """The criteria list for imapclient's ``search()``: bytes, ints, dates and nested lists."""
        return _criteria(self.terms) or [b"ALL"]


def _needs_charset(item):
    if isinstance(item, _Text):
        return not item.is_ascii
    if isinstance(item, Query):
        return item.needs_charset
    return False


def _criteria(terms):
    return [_criterion(item) for term in terms for item in term]


def _criterion(item):
    if isinstance(item, _Text):
        return item.criterion()
    if isinstance(item, Query):
        return _group(item)
    return item


def _group(query):
    """*query* as a nested list, which imapclient sends in parentheses."""
    group = query.criteria()
    last = query.terms[-1][-1] if query.terms else None
    if isinstance(last, _Text) and last.may_go_as_literal:
        # imapclient glues ")" onto a group's last item: 8-bit text then takes
        # the ")" into its literal, marked text stops being a literal, and the
        # group is broken either way. A neutral ALL ends the group instead.
        group.append(b"ALL")
    return group


def run_search(session, query, *, charset=DEFAULT_CHARSET):
    """Sorted UIDs matching *query* in the folder selected on *session*.

    Non-ASCII text is searched with CHARSET *charset*; a server that refuses that
    charset is asked once more without CHARSET, with the same UTF-8 bytes, which
    most servers then read as UTF-8 anyway.
    """
    if query.matches_nothing:
        return []
    criteria = query.criteria()
    if not query.needs_charset:
        return _sorted_uids(session.search(criteria))
    try:
        return _sorted_uids(session.search(criteria, charset))
    except ProtocolError as exc:
        if not session.refused_charset(exc):
            raise
        _logger.info("The server refused CHARSET %s (%s); searching without it", charset, exc.detail)
    return _sorted_uids(session.search(criteria))


def _sorted_uids(uids):
    return sorted(int(uid) for uid in uids)
