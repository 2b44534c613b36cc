"""Which addresses a sanitized mail body may still point at, and which of them load remote content.

Odoo's sanitizer (run before this) removes scripts and unsafe attributes, but keeps any URL in
``src``, ``href`` and CSS ``url()``. Shown inside Odoo, a mail body must not:

- make the reader's browser call Odoo itself: ``<img src="/web/session/logout">`` logs the reader
  out, and ``//host/x``, ``https:/x`` or ``https:x`` are relative to Odoo for a browser too;
- tell the sender when and from where it was read (tracking pixels, remote images, videos,
  backgrounds) before the reader chooses to show remote content.

So every URL is classified as a browser would read it (surrounding spaces and control characters
removed, tabs and newlines ignored, ``\\`` read as ``/``), and only these are kept:

- ``cid:`` parts of the message, pointed at the URL the caller gives for each part (unknown parts
  are dropped);
- ``data:`` images of raster types (never SVG), which load nothing;
- ``http(s)://host/...`` resources, as *remote content*: present only in the version of the body
  that shows remote content;
- ``http(s)://`` and ``mailto:`` links (``<a href>``), which load nothing until clicked; they open
  in a new tab without telling the site where the reader came from.

Everything else (relative and protocol-relative URLs, other schemes, addresses of Odoo itself,
every other attribute holding a URL) is removed.
"""

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from lxml import etree
from lxml import html as lxml_html

from .mime.cid import CidLookup
from .network import is_internal

__all__ = ["FilteredBody", "filter_urls"]

#: Elements that load what their ``src`` names.
_RESOURCE_TAGS = frozenset({"img", "video", "audio", "source", "track", "input"})
#: Elements whose ``href`` is a link the reader may follow.
_LINK_TAGS = frozenset({"a", "area"})
#: Elements that have no place in a mail body shown inside Odoo, whatever the sanitizer let through.
_KILLED_TAGS = frozenset(
    {
        "script",
        "style",
        "link",
        "meta",
        "base",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "form",
        "portal",
        "template",
    }
)
#: Attributes dropped from every element: addresses nobody needs to read a mail (cite, longdesc,
#: background, poster, srcset, ping...) and ids and names, which could shadow Odoo's own DOM names.
_DROPPED_ATTRIBUTES = frozenset(
    {
        "action",
        "formaction",
        "background",
        "poster",
        "cite",
        "longdesc",
        "usemap",
        "lowsrc",
        "dynsrc",
        "data",
        "codebase",
        "classid",
        "archive",
        "profile",
        "manifest",
        "icon",
        "srcset",
        "imagesrcset",
        "ping",
        "download",
        "id",
        "name",
        "form",
        "srcdoc",
        "xmlns",
    }
)
_RASTER_DATA_IMAGE = re.compile(r"data:image/(?:png|jpe?g|gif|webp|bmp);base64,[a-z0-9+/=\s]*\Z", re.IGNORECASE)
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_IGNORED_BY_BROWSERS = re.compile(r"[\t\n\r]")
_EDGES = "".join(chr(c) for c in range(0x21))
# A CSS declaration as Odoo's sanitizer writes them back (odoo.tools.mail._Cleaner._style_re).
_DECLARATION = re.compile(r"""([\w-]+)\s*:\s*((?:[^;"']|"[^";]*"|'[^';]*')+)""")
_CSS_URL = re.compile(r"""url\(\s*(?P<quote>['"]?)(?P<url>.*?)(?P=quote)\s*\)""", re.IGNORECASE | re.DOTALL)
# CSS that can name a resource without url(), or hide one from a reader of the text (escapes).
_CSS_SUSPICIOUS = re.compile(r"\\|image-set|expression|@import|binding|behavior", re.IGNORECASE)

# What a browser reads as an IPv4 number when it ends a host: decimal, 0x-hex (octal is decimal-like).
_NUMERIC_LABEL = re.compile(r"(?:[0-9]+|0x[0-9a-f]*)\Z")
_ASCII_HOST = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\Z")

_LOCAL, _REMOTE, _DROP = "local", "remote", "drop"


@dataclass(frozen=True)
class FilteredBody:
    #: The body with no remote content: what is shown until the reader asks for more.
    blocked: str
    #: The body with its remote content, or None when it has none.
    remote: str | None


def filter_urls(html, *, cid_urls=None, own_hosts=()):
    """Apply the rules above to *html* (a sanitized fragment).

    *cid_urls*: ``{Content-ID: URL}`` of the message's parts, to show in place of ``cid:``.
    *own_hosts*: host names of the Odoo that shows the mail; URLs to them are dropped.
    """
    if not html or not html.strip():
        return FilteredBody(html or "", None)
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    own = {_browser_host(f"[{host}]" if ":" in host else host) for host in own_hosts if host}
    urls = _UrlRules(CidLookup(cid_urls or {}), own - {None})
    blocks = []  # what to undo to hide the remote content: (element, attribute, value without it)
    for element in list(root.iter()):
        if element is root:
            continue
        if not isinstance(element.tag, str):  # comments and processing instructions carry no URL
            continue
        if element.tag.lower() in _KILLED_TAGS:
            element.drop_tree()
            continue
        _filter_element(element, urls, blocks)
    remote = _serialize(root) if blocks else None
    for element, attribute, value in blocks:
        if value is None:
            element.attrib.pop(attribute, None)
        else:
            element.set(attribute, value)
        if element.tag.lower() in _RESOURCE_TAGS:
            element.set("data-imap-blocked", "1")
    return FilteredBody(_serialize(root), remote)


def _filter_element(element, urls, blocks):
    tag = element.tag.lower()
    for attribute in list(element.attrib):
        name = attribute.rsplit("}", 1)[-1].split(":")[-1].lower()  # xlink:href and {ns}href too
        value = element.get(attribute)
        if name in _DROPPED_ATTRIBUTES or name.startswith("on") or ":" in attribute or "}" in attribute:
            del element.attrib[attribute]
        elif name == "href":
            url = urls.link(value) if tag in _LINK_TAGS else None
            if url is None:
                del element.attrib[attribute]
            else:
                element.set(attribute, url)
        elif name == "src":
            kind, url = urls.resource(value) if tag in _RESOURCE_TAGS else (_DROP, None)
            if kind == _DROP:
                del element.attrib[attribute]
            else:
                element.set(attribute, url)
                if kind == _REMOTE:
                    blocks.append((element, attribute, None))
        elif name == "style":
            _filter_style(element, attribute, value, urls, blocks)
    if tag in _LINK_TAGS and element.get("href"):
        element.set("target", "_blank")
        element.set("rel", "noopener noreferrer")


def _filter_style(element, attribute, value, urls, blocks):
    kept, without_remote, has_remote = [], [], False
    for prop, raw_value in _DECLARATION.findall(value or ""):
        if _CSS_SUSPICIOUS.search(raw_value):
            continue
        kinds = []
        prop_value = _CSS_URL.sub(lambda match, kinds=kinds: _css_url(match, urls, kinds), raw_value.strip())
        if _DROP in kinds or ("url(" in prop_value.lower() and not kinds):
            continue
        declaration = f"{prop}:{prop_value}"
        kept.append(declaration)
        if _REMOTE in kinds:
            has_remote = True
        else:
            without_remote.append(declaration)
    if not kept:
        del element.attrib[attribute]
        return
    element.set(attribute, "; ".join(kept))
    if has_remote:
        blocks.append((element, attribute, "; ".join(without_remote) or None))


class _UrlRules:
    def __init__(self, cids, own_hosts):
        self.cids = cids
        self.own_hosts = own_hosts

    def link(self, value):
        """The URL a link may keep, or None."""
        url = _as_browsers_read(value)
        scheme = _scheme(url)
        if scheme == "mailto":
            return url
        if scheme in ("http", "https"):
            return self._web(url)
        return None

    def resource(self, value):
        """``(kind, URL)`` for a URL that loads something: local (a part, a data image), remote or dropped."""
        url = _as_browsers_read(value)
        scheme = _scheme(url)
        if scheme == "cid":
            part_url = self.cids.get(url[4:])
            return (_LOCAL, part_url) if part_url else (_DROP, None)
        if scheme == "data" and _RASTER_DATA_IMAGE.match(url):
            return _LOCAL, url
        if scheme in ("http", "https"):
            web = self._web(url)
            return (_REMOTE, web) if web else (_DROP, None)
        return _DROP, None

    def _web(self, url):
        # "https:/x" and "https:x" are relative to the page for a browser: a host is required.
        rest = url.split(":", 1)[1].replace("\\", "/")
        if not rest.startswith("//"):
            return None
        normalized = url.split(":", 1)[0].lower() + ":" + rest
        try:
            netloc = urlsplit(normalized).netloc
        except ValueError:
            return None
        host = _browser_host(netloc.rpartition("@")[2])
        if not host or host in self.own_hosts or host == "localhost" or host.endswith(".localhost"):
            return None
        return normalized


def _browser_host(authority):
    """The host of *authority* (``host[:port]``) as a browser will look it up, or None to refuse it.

    Browsers percent-decode the host, map it to ASCII (IDNA: NFKC, lower case, ``。`` as ``.``)
    and read one ending in a number as an IPv4 address in any base (``2130706433``, ``0x7f.1``,
    ``127.1``): compared as written, such a host would not look like Odoo's own. Only canonical
    addresses of the public Internet and plain ASCII names come out.
    """
    if authority.startswith("["):
        literal, bracket, _port = authority[1:].partition("]")
        try:
            address = ipaddress.IPv6Address(literal) if bracket else None
        except ValueError:
            return None
        return None if address is None or is_internal(address) else str(address)
    host = authority.rsplit(":", 1)[0] if authority.count(":") == 1 else authority
    try:
        host = unquote(host, errors="strict")
        host = unicodedata.normalize("NFKC", host).lower().encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    host = host.rstrip(".")
    if not _ASCII_HOST.match(host):
        return None
    if _NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]):
        try:
            address = ipaddress.IPv4Address(host)  # four decimal parts, no leading zeros
        except ValueError:
            return None
        return None if is_internal(address) else host
    return host


def _as_browsers_read(value):
    return _IGNORED_BY_BROWSERS.sub("", (value or "").strip(_EDGES))


def _scheme(url):
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


def _css_url(match, urls, kinds):
    kind, url = urls.resource(match.group("url"))
    kinds.append(kind)
    return f'url("{_css_escaped(url)}")' if url is not None else match.group(0)


def _css_escaped(url):
    # Inside url("..."): nothing in the address may end the string or the function.
    return re.sub(r"""["'()\s]""", lambda m: f"%{ord(m.group(0)):02X}", url)


def _serialize(root):
    text = etree.tostring(root, encoding="unicode", method="html")
    # The <div> is the parent fragment_fromstring made: only its content is the body.
    return text[len("<div>") : -len("</div>")]
