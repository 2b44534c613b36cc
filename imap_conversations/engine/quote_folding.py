"""Folding the quoted history of a mail body, so that a long thread reads as its new parts.

Each reply usually carries every earlier message under it. Shown in a thread, where those earlier
messages already sit above, the quotes only repeat them; folded behind a small "…" toggle they
stay one click away. This module finds them in a body and wraps them in
``<details class="o_imap_quote"><summary>…</summary>…</details>``.

It works on HTML that has been **sanitized already** (classes and ids removed, so ``gmail_quote``
or ``divRplyFwdMsg`` cannot be seen any more), by what survives sanitizing:

- ``<blockquote>`` (Gmail, Apple Mail and Thunderbird ``type="cite"``, most webmails), with the
  attribution line just before it ("On <date>, <name> wrote:"), and the elements wrapping only
  those two (Gmail's quote container);
- a header block "From: … Sent/Date: … To/Subject: …" (Outlook, with or without
  "-----Original Message-----" above), folded with everything after it in its container and the
  ``<hr>`` just before it (Outlook on the web).

Plain-text bodies fold their ``>`` lines with the "On … wrote:" line above them, and anything
from an Outlook header block or "-----Original Message-----" to the end.

A forwarded message ("Forwarded message", "Begin forwarded message:") is what its sender meant
to show: it is never folded. Nor is a whole body: a message that is all quote is shown as it is.
"""

import re

from lxml import etree
from lxml import html as lxml_html

__all__ = [
    "FOLD_CLASS",
    "FOLD_TITLE",
    "fold_html_quotes",
    "fold_text_quotes",
    "split_text_quotes",
    "unfold_html_quotes",
]

#: The class of the ``<details>`` element that holds a folded quote.
FOLD_CLASS = "o_imap_quote"
#: The tooltip of the toggle, in English (the caller may translate it where it shows the body).
FOLD_TITLE = "Show quoted text"

_SPACES = re.compile(r"\s+")
# "On Mon, 4 Mar 2024 at 10:00, Carla <carla@x> wrote:" in the usual languages; the line must end there.
_ATTRIBUTION = re.compile(
    r"(?:wrote|writes|schrieb|a écrit|ha scritto|escribió|escreveu|schreef|skrev|napisał|kirjoitti)\s*:\s*\Z",
    re.IGNORECASE,
)
_FORWARD_INTRO = re.compile(
    r"(?:forwarded message|begin forwarded message|weitergeleitete nachricht|message transféré|"
    r"mensaje reenviado|messaggio inoltrato)",
    re.IGNORECASE,
)
_ORIGINAL_MESSAGE = (
    r"(?:-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|"
    r"mensaje original|messaggio originale)\s*-{2,}\s*)"
)
_FROM = r"(?:from|von|de|da|van|från|fra)\s*:"
_DATE = r"\b(?:sent|date|gesendet|datum|envoyé|enviado|inviato|verzonden|skickat|sendt)\s*:"
_TO = r"\b(?:to|subject|an|betreff|à|objet|para|asunto|a|oggetto|aan|onderwerp|till|ämne|til|emne)\s*:"
# An Outlook header block: "From:" first, then, soon after, a date and a recipient or subject.
_HEADER_BLOCK = re.compile(
    rf"\A{_ORIGINAL_MESSAGE}?{_FROM}(?=.{{0,400}}?{_DATE})(?=.{{0,600}}?{_TO})",
    re.IGNORECASE | re.DOTALL,
)
_HEADER_START = re.compile(rf"\A\s*(?:{_ORIGINAL_MESSAGE}|{_FROM})", re.IGNORECASE)
_ORIGINAL_ONLY = re.compile(rf"\A{_ORIGINAL_MESSAGE}\Z", re.IGNORECASE)
# An attribution wrapped by the sender's client over two lines is still at most this long.
_ATTRIBUTION_MAX = 300


# What is read of an element's text to know what it starts with: a header block fits in it. Reading
# no more keeps a large body (every element looked at) linear, not quadratic.
_TEXT_START = 800


def _text(element, limit=_TEXT_START):
    """The start of the text of *element*, its pieces apart ("From: A<br>Sent: B" reads "From: A Sent: B")."""
    pieces, length = [], 0
    for piece in element.itertext():
        pieces.append(piece)
        length += len(piece)
        if length > limit:
            break
    return _SPACES.sub(" ", " ".join(pieces)).strip()[:limit]


def _has_content(element):
    """Whether *element* shows anything: text or an image."""
    return any(piece.strip() for piece in element.itertext()) or element.find(".//img") is not None


def _is_attribution(element):
    text = _text(element, _ATTRIBUTION_MAX + 1)
    return (
        bool(text)
        and len(text) <= _ATTRIBUTION_MAX
        and bool(_ATTRIBUTION.search(text))
        and element.find(".//blockquote") is None
    )


def _previous_element(element):
    """The element before *element* in its parent, if only white space lies between them."""
    previous = element.getprevious()
    while previous is not None and not isinstance(previous.tag, str):  # comments
        if (previous.tail or "").strip():
            return None
        previous = previous.getprevious()
    if previous is None or (previous.tail or "").strip():
        return None
    return previous


def _only_range_in_parent(first, last):
    """Whether *first*..*last* (siblings) is all that their parent shows."""
    parent = first.getparent()
    if (parent.text or "").strip() or (last.tail or "").strip():
        return False
    inside = False
    for child in parent:
        if child is first:
            inside = True
        if not inside and isinstance(child.tag, str) and (_has_content(child) or (child.tail or "").strip()):
            return False
        if child is last:
            inside = False
    return True


def _widen(first, last, root):
    """The range made larger while it is all of its parent (a container holding only the quote)."""
    while first.getparent() is not root and _only_range_in_parent(first, last):
        first = last = first.getparent()
    return first, last


def _blockquote_ranges(root):
    ranges = []
    for quote in root.iter("blockquote"):
        if any(ancestor.tag == "blockquote" for ancestor in quote.iterancestors()):
            continue
        first = quote
        previous = _previous_element(quote)
        if previous is not None and _is_attribution(previous):
            first = previous
        intro = _text(first)[:_ATTRIBUTION_MAX]
        if _FORWARD_INTRO.search(intro) or _FORWARD_INTRO.search(_previous_text(first)):
            continue
        ranges.append(_widen(first, quote, root))
    return ranges


def _previous_text(element):
    """The text just before *element* in its parent: its two previous siblings and the text between."""
    parts, previous = [], element.getprevious()
    for _ in range(2):
        if previous is None:
            parts.append(element.getparent().text or "")
            break
        parts.append(previous.tail or "")
        if isinstance(previous.tag, str):
            parts.append(previous.text_content())
        previous = previous.getprevious()
    return "".join(reversed(parts))[-_ATTRIBUTION_MAX:]


def _header_ranges(root):
    ranges = []
    for element in root.iter(etree.Element):
        # Only an element whose own text starts like a header (few do) is read further.
        if element is root or not _HEADER_START.match(element.text or ""):
            continue
        # The highest element that starts with the header: the block around it, not only its first line.
        start = element
        while start.getparent() is not root and _starts_with(start.getparent(), start):
            start = start.getparent()
        if not _HEADER_BLOCK.match(_text(start)) or _FORWARD_INTRO.search(_previous_text(start)):
            continue
        first = start
        previous = _previous_element(start)
        if previous is not None and (previous.tag == "hr" or _ORIGINAL_ONLY.match(_text(previous))):
            first = previous
        if _FORWARD_INTRO.search(_text(first)[:_ATTRIBUTION_MAX]):
            continue
        siblings = list(first.itersiblings())
        ranges.append(_widen(first, siblings[-1] if siblings else first, root))
        break  # all that follows is the quote: nothing more to look for
    return ranges


def _starts_with(parent, child):
    """Whether *child* is the first thing *parent* shows."""
    if (parent.text or "").strip():
        return False
    for sibling in parent:
        if sibling is child:
            return True
        if (isinstance(sibling.tag, str) and _has_content(sibling)) or (sibling.tail or "").strip():
            return False
    return False


def _inside(element, folded):
    return any(element is node or node in element.iterancestors() for node in folded)


def _fold(first, last, title):
    parent = first.getparent()
    details = etree.Element("details", {"class": FOLD_CLASS})
    summary = etree.SubElement(details, "summary", {"title": title, "aria-label": title})
    summary.text = "…"
    tail, last.tail = last.tail, None
    parent.insert(parent.index(first), details)
    members = []
    for node in first.itersiblings(preceding=False):
        members.append(node)
        if node is last:
            break
    for node in [first, *([] if first is last else members)]:
        details.append(node)
    details.tail = tail


def fold_html_quotes(html, *, title=FOLD_TITLE):
    """*html* (a sanitized body) with its quoted history folded; as it was when there is none, or only that."""
    if not html or not html.strip():
        return html
    try:
        root = lxml_html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return html
    ranges, folded = [], []
    for first, last in _header_ranges(root) + _blockquote_ranges(root):
        if _inside(first, folded) or any(_inside(node, [first]) for node in folded):
            continue
        ranges.append((first, last))
        folded.extend(_members(first, last))
    if not ranges:
        return html
    for first, last in ranges:
        _fold(first, last, title)
    _merge_neighbours(root)
    if not _visible_outside_folds(root):
        return html
    return "".join([root.text or ""] + [lxml_html.tostring(child, encoding="unicode") for child in root])


def _merge_neighbours(root):
    """One fold for quotes that follow each other (Apple Mail puts the attribution in a quote of its own)."""
    for details in list(root.iter("details")):
        if details.get("class") != FOLD_CLASS or details.getparent() is None:
            continue
        following = _next_element(details)
        while following is not None and following.tag == "details" and following.get("class") == FOLD_CLASS:
            tail = following.tail
            for node in following[1:]:  # past its summary
                details.append(node)
            following.getparent().remove(following)
            details.tail = tail
            following = _next_element(details)


def _next_element(element):
    """The element after *element* in its parent, if only white space lies between them."""
    if (element.tail or "").strip():
        return None
    following = element.getnext()
    return following if following is not None and isinstance(following.tag, str) else None


def unfold_html_quotes(html):
    """*html* with its folds undone: the body as it was written, to quote it in a mail that leaves Odoo."""
    if not html or FOLD_CLASS not in html:
        return html
    try:
        root = lxml_html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return html
    for details in root.xpath(f"//details[@class='{FOLD_CLASS}']"):
        summary = details.find("summary")
        if summary is not None:
            summary.drop_tree()
        details.drop_tag()
    return "".join([root.text or ""] + [lxml_html.tostring(child, encoding="unicode") for child in root])


def _members(first, last):
    nodes = [first]
    if first is not last:
        for node in first.itersiblings():
            nodes.append(node)
            if node is last:
                break
    return nodes


def _visible_outside_folds(root):
    copy = lxml_html.fragment_fromstring(lxml_html.tostring(root, encoding="unicode"))
    for details in copy.findall(f".//details[@class='{FOLD_CLASS}']"):
        details.drop_tree()
    return _has_content(copy)


# -- plain text ------------------------------------------------------------------------------

_QUOTED_LINE = re.compile(r"^\s*>")
_TEXT_HEADER_START = re.compile(rf"^\s*(?:{_ORIGINAL_MESSAGE}|{_FROM})", re.IGNORECASE)


def split_text_quotes(text):
    """``[(quoted, chunk)]``: *text* cut into what the sender wrote and what they quoted, in order.

    Quoted: runs of ``>`` lines with the attribution line(s) above them, and everything from an
    Outlook header block or "-----Original Message-----" on. Joined, the chunks give *text* back.
    """
    lines = (text or "").splitlines(keepends=True)
    kinds = [bool(_QUOTED_LINE.match(line)) for line in lines]
    for index, line in enumerate(lines):
        if kinds[index] or not _TEXT_HEADER_START.match(line):
            continue
        block = "".join(lines[index : index + 8])
        starts_quote = _HEADER_BLOCK.match(block.strip()) or _ORIGINAL_ONLY.match(line.strip())
        if starts_quote and not _FORWARD_INTRO.search("".join(lines[max(0, index - 2) : index])):
            kinds[index:] = [True] * (len(lines) - index)
            break
    # The attribution above a quote (wrapped over up to two lines), and blank lines between them.
    for index in range(len(lines)):
        if not kinds[index] or (index and kinds[index - 1]):
            continue
        above = index - 1
        while above >= 0 and not lines[above].strip():
            above -= 1
        for start in (above, above - 1):
            if start < 0 or kinds[start]:
                continue
            joined = " ".join(line.strip() for line in lines[start : above + 1])
            if _ATTRIBUTION.search(joined) and len(joined) <= _ATTRIBUTION_MAX:
                kinds[start:index] = [True] * (index - start)
                break
    chunks = []
    for line, quoted in zip(lines, kinds, strict=True):
        if chunks and chunks[-1][0] == quoted:
            chunks[-1] = (quoted, chunks[-1][1] + line)
        else:
            chunks.append((quoted, line))
    return chunks


def fold_text_quotes(text, to_html, *, title=FOLD_TITLE):
    """*text* as HTML (each chunk through *to_html*), its quotes folded; all of it shown when it is all quote."""
    chunks = split_text_quotes(text)
    if not any(quoted and chunk.strip() for quoted, chunk in chunks) or not any(
        not quoted and chunk.strip() for quoted, chunk in chunks
    ):
        return to_html(text)
    parts = []
    for quoted, chunk in chunks:
        if not chunk.strip():
            continue
        body = to_html(chunk.strip("\n"))
        if quoted:
            body = (
                f'<details class="{FOLD_CLASS}"><summary title="{_attribute(title)}" '
                f'aria-label="{_attribute(title)}">…</summary>{body}</details>'
            )
        parts.append(body)
    return "".join(parts)


def _attribute(value):
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
