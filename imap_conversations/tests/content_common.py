"""Helpers for the tests of what a mail body may load or call once shown in Odoo."""

import re
from pathlib import Path

from lxml import html as lxml_html

from .reading_common import ReadingCase

HOSTILE_SAMPLES = Path(__file__).parent / "samples" / "hostile"

_URL_LIKE = re.compile(r"(?:[a-z][a-z0-9+.\-]*:|/|\\)", re.IGNORECASE)


def addresses_in(html):
    """``[(tag, attribute, value)]`` of every attribute of *html* that holds an address.

    Links (``<a href>``) are left out: they load nothing until the reader clicks them. Styles
    count when they hold ``url(``. Values that are plain words (alt texts, sizes) do not count.
    """
    found = []
    root = lxml_html.fragment_fromstring(str(html or ""), create_parent="div")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute, value in element.attrib.items():
            if element.tag in ("a", "area") and attribute == "href":
                continue
            if attribute == "style":
                if "url(" in value.lower():
                    found.append((element.tag, attribute, value))
            elif attribute not in ("alt", "title", "width", "height") and _URL_LIKE.match(value.strip()):
                found.append((element.tag, attribute, value))
    return found


def remote_addresses_in(html):
    """The addresses of *html* (see addresses_in) that point off this Odoo."""
    return [found for found in addresses_in(html) if re.search(r"https?:|//", found[2], re.IGNORECASE)]


class ContentCase(ReadingCase):
    def hostile_message(self, mailbox, name):
        """The hostile sample *name* (tests/samples/hostile), delivered and synced."""
        self.deliver(mailbox, (HOSTILE_SAMPLES / f"{name}.eml").read_bytes())
        subject = next(
            line for line in (HOSTILE_SAMPLES / f"{name}.eml").read_text().splitlines() if line.startswith("Subject: ")
        )[len("Subject: ") :]
        return self.messages(mailbox).filtered(lambda m: m.subject == subject)
