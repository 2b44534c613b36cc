"""The prefixes mail clients put before a subject they answer or forward, in their languages.

One list of each, read by threading (``normalize_subject`` strips both, so "AW: Fwd: Offer"
joins "Offer"), by the composer (a reply strips reply prefixes only and writes one "Re:",
so a reply to a forward reads "Re: Fwd: ...", as mail clients write it) and by the quoting
of a forward (a forward's subject keeps its "Fwd:").
"""

import re

#: Reply prefixes: English, German (AW, Antw, Antwort), Nordic (SV, VS), Dutch (Antw), Italian
#: (R, RIF), Portuguese (RES), Polish (ODP), Turkish (YNT), Greek, Russian, Chinese, French (RÉF).
REPLY_PREFIXES = (
    "re",
    "aw",
    "sv",
    "vs",
    "antw",
    "antwort",
    "rif",
    "r",
    "res",
    "odp",
    "ynt",
    "réf",
    "απ",
    "ответ",
    "回复",
    "答复",
    "回覆",
)
#: Forward prefixes: English (FW, FWD), German (WG), French (TR), Spanish (RV), Dutch (Doorst),
#: Portuguese (ENC), Czech, Russian.
FORWARD_PREFIXES = ("fw", "fwd", "wg", "tr", "rv", "doorst", "enc", "přeposlat", "пересл")


def _prefixes(words, repeated=True):
    """One (or, *repeated*, one or more) of *words*, each with an optional counter ("Re[2]:", "AW(3):") and a colon.

    \\uff1a, the full-width colon, is how CJK mail clients write "Re:". Longer words first, so
    that "antwort" is not read as "antw" followed by garbage.
    """
    choice = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(
        rf"^\s*(?:(?:{choice})\s*(?:\[\d+\]|\(\d+\))?\s*[:\uff1a]\s*){'+' if repeated else ''}", re.IGNORECASE
    )


_REPLY = _prefixes(REPLY_PREFIXES)
#: One forward prefix: a forward of a forward keeps the second "Fwd:" (see quoting.forward_subject).
_FORWARD = _prefixes(FORWARD_PREFIXES, repeated=False)
_ANY = _prefixes(REPLY_PREFIXES + FORWARD_PREFIXES)


def strip_prefixes(subject):
    """*subject* without the reply and forward prefixes in front of it."""
    return _ANY.sub("", subject or "", count=1)


def strip_reply_prefixes(subject):
    """*subject* without the reply prefixes in front of it (forward prefixes stay)."""
    return _REPLY.sub("", subject or "", count=1)


def is_reply_subject(subject):
    """Whether *subject* answers or forwards another message ("Re: ...", "Fwd: ...")."""
    return bool(_ANY.match(subject or ""))


def strip_forward_prefix(subject):
    """*subject* without the first forward prefix in front of it."""
    return _FORWARD.sub("", subject or "", count=1)


def is_forward_subject(subject):
    """Whether *subject* is a forward's ("Fwd: Offer"), which a reply prefix must not be put before."""
    return bool(_FORWARD.match(subject or ""))
