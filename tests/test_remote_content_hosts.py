"""A browser reads a URL's host before fetching it: the own-host filter must read it the same way.

``local%68ost``, full-width letters, ``2130706433``, ``0x7f.1`` and ``127.1`` are all Odoo on
the reader's machine for a browser. Hosts are therefore percent-decoded, mapped to ASCII as a
browser does (NFKC, IDNA, lower case, no trailing dot) before being compared with Odoo's own
names; numbers written as anything but a canonical dotted quad, and addresses that are not on
the public Internet, are refused like a relative URL.
"""

import pytest

from engine.remote_content import filter_urls

OWN = {"odoo.example.com"}

BYPASSES = [
    "http://local%68ost:8069/web/session/logout",
    "http://%EF%BD%8C%EF%BD%8F%EF%BD%83%EF%BD%81%EF%BD%8C%EF%BD%88%EF%BD%8F%EF%BD%93%EF%BD%94:8069/x",
    "http://2130706433:8069/x",
    "http://0x7f.1/x",
    "http://127.1/x",
    "http://[::1]:8069/x",
    # The same ways of writing a host, aimed at Odoo's own name or at other internal places.
    "https://odo%6F.example.com/web/session/logout",
    "https://%EF%BC%AFDOO.example.com/web/session/logout",  # full-width O
    "https://odoo.example.com%E3%80%82/web/session/logout",  # ideographic full stop as the last dot
    "http://0177.0.0.1/x",
    "http://127.0.0.01/x",
    "http://0x7f000001/x",
    "http://127.0.0.1./x",
    "http://10.0.0.1/x",
    "http://169.254.169.254/latest/meta-data",
    "http://[::ffff:127.0.0.1]/x",
    "http://[::ffff:7f00:1]/x",
    "http://[fe80::1]/x",
    "http://[fd00::1]/x",
    "http://[::]/x",
    "http://0.0.0.0/x",
    "http://app.localhost/x",
    "http://LOCALHOST./x",
    "http://%zz.example/x",
]


@pytest.mark.parametrize("src", BYPASSES)
def test_hosts_a_browser_reads_as_odoo_or_internal_are_dropped_from_both_versions(src):
    body = filter_urls(f'<img src="{src}" alt="x"><a href="{src}">a</a>', own_hosts=OWN)
    assert body.blocked == '<img alt="x"><a>a</a>'
    assert body.remote is None, "nothing remote is left to show"


def test_public_hosts_stay_remote_content():
    html = '<img src="https://cdn.example.com/logo.png"><img src="https://93.184.215.14/p.gif">'
    body = filter_urls(html, own_hosts=OWN)
    assert body.blocked == '<img data-imap-blocked="1"><img data-imap-blocked="1">'
    assert body.remote == html


def test_internationalised_names_are_kept_as_a_browser_sends_them():
    body = filter_urls('<img src="https://b%C3%BCcher.example/x.png">', own_hosts=OWN)
    assert body.remote == '<img src="https://b%C3%BCcher.example/x.png">'
