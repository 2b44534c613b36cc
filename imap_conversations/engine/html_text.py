"""The plain-text rendering of an HTML body, sent beside it for clients that read only text.

Not a browser: it keeps what a reader of the text needs (paragraphs, line
breaks, lists, quoted replies as ``> `` lines, where links point) and drops
what has no text form (scripts, styles, layout).
"""

import re
from html.parser import HTMLParser

__all__ = ["html_to_text"]

# Blocks that stand apart from their neighbours by a blank line.
_PARAGRAPHS = frozenset(
    {
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "dl",
        "table",
        "pre",
        "blockquote",
        "hr",
        "figure",
        "address",
    }
)
# Blocks that only start on a new line.
_LINES = frozenset(
    {
        "div",
        "li",
        "tr",
        "dt",
        "dd",
        "section",
        "article",
        "header",
        "footer",
        "nav",
        "main",
        "aside",
        "center",
        "form",
        "fieldset",
        "caption",
        "figcaption",
        "body",
        "html",
    }
)
# Elements whose content is not text for the reader.
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript", "object", "iframe"})
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "col", "area", "base", "source"})

_SPACES = re.compile(r"[ \t\r\n\f\v\xa0\u200b]+")
_GAP = object()


def html_to_text(html):
    """*html* (a fragment or a document) as readable plain text ending with a newline, or ''."""
    if not html:
        return ""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return parser.text()


class _TextParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self._blocks = []  # (quote depth, line) or _GAP
        self._inline = []
        self._hidden = 0
        self._pre = 0
        self._quote = 0
        self._lists = []  # per open list: the last number given (ol) or None (ul)
        self._links = []  # per open <a>: (href, index in _inline where its text starts)
        self._bullet = ""  # the list marker the next line starts with

    # -- events ---------------------------------------------------------------

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN:
            self._hidden += tag not in _VOID
            return
        if self._hidden:
            return
        attributes = dict(attrs)
        if tag == "br":
            self._inline.append("\n")
        elif tag == "img":
            alt = (attributes.get("alt") or "").strip()
            if alt:
                self._inline.append(f"[{alt}]")
        elif tag == "a":
            self._links.append((attributes.get("href") or "", len(self._inline)))
        elif tag in ("td", "th"):
            self._inline.append(" ")
        elif tag in _PARAGRAPHS or tag in _LINES:
            self._flush()
            if self._separates(tag):
                self._gap()
            if tag == "blockquote":
                self._quote += 1
            elif tag == "pre":
                self._pre += 1
            elif tag in ("ul", "ol"):
                self._lists.append(0 if tag == "ol" else None)
            elif tag == "li":
                self._bullet = self._list_marker()

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
            return
        if self._hidden:
            return
        if tag == "a" and self._links:
            href, start = self._links.pop()
            self._note_link_target(href, "".join(self._inline[start:]))
        elif tag in _PARAGRAPHS or tag in _LINES:
            self._flush()
            if tag == "blockquote":
                self._quote = max(0, self._quote - 1)
            elif tag == "pre":
                self._pre = max(0, self._pre - 1)
            elif tag in ("ul", "ol") and self._lists:
                self._lists.pop()
            if self._separates(tag):
                self._gap()

    def handle_data(self, data):
        if self._hidden:
            return
        self._inline.append(data if self._pre else _SPACES.sub(" ", data))

    # -- building -------------------------------------------------------------

    def _separates(self, tag):
        # A list inside a list item goes on with the item, without a blank line.
        return tag in _PARAGRAPHS and not (tag in ("ul", "ol") and self._lists)

    def _list_marker(self):
        indent = "   " * max(0, len(self._lists) - 1)
        if self._lists and self._lists[-1] is not None:
            self._lists[-1] += 1
            return f"{indent}{self._lists[-1]}. "
        return f"{indent}- "

    def _note_link_target(self, href, text):
        # The reader of the text cannot click: say where the link goes, unless the text says it already.
        target = href[len("mailto:") :] if href.lower().startswith("mailto:") else href
        if not target or target.startswith("#") or target.lower().startswith("javascript:"):
            return
        if target.strip() != text.strip():
            self._inline.append(f" <{target}>")

    def _flush(self):
        text, self._inline = "".join(self._inline), []
        for raw_line in text.split("\n"):
            line = raw_line.rstrip() if self._pre else _SPACES.sub(" ", raw_line).strip()
            if line or self._pre:
                self._blocks.append((self._quote, self._bullet + line))
                # Lines after a list item's first one line up under its text.
                self._bullet = " " * len(self._bullet)
        if not self._bullet.strip():
            self._bullet = ""

    def _gap(self):
        if self._blocks and self._blocks[-1] is not _GAP:
            self._blocks.append(_GAP)

    def text(self):
        self._flush()
        blocks = self._blocks
        while blocks and blocks[-1] is _GAP:
            blocks.pop()
        lines = []
        for index, block in enumerate(blocks):
            if block is _GAP:
                # A blank line between two quoted blocks stays inside the quote.
                before = blocks[index - 1][0]
                after = next((b[0] for b in blocks[index + 1 :] if b is not _GAP), 0)
                lines.append(">" * min(before, after))
            else:
                depth, line = block
                lines.append((">" * depth + " " + line if depth else line).rstrip())
        return "\n".join(lines) + "\n" if lines else ""
