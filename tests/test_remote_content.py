"""Which addresses a sanitized mail body keeps once shown in Odoo (engine/remote_content.py)."""

import pytest

from engine.remote_content import filter_urls


def blocked(html, **kwargs):
    return filter_urls(html, **kwargs).blocked


def remote(html, **kwargs):
    return filter_urls(html, **kwargs).remote


@pytest.mark.parametrize(
    "src",
    [
        "/web/session/logout",
        "web/session/logout",
        "//evil.example/x.png",
        "https:/web/session/logout",
        "https:web/session/logout",
        "HTTPS:%5C%5Cevil.example%5Cx.png",
        "javascript:alert(1)",
        "ftp://evil.example/x.png",
        "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
        "data:text/html;base64,PHNjcmlwdD4=",
        "https://odoo.example.com/web/session/logout",
        "https://ODOO.example.com./web/session/logout",
        "cid:unknown@part",
        "https://",
    ],
)
def test_addresses_that_load_nothing_safe_are_dropped_in_both_versions(src):
    body = filter_urls(f'<img src="{src}" alt="x">', own_hosts={"odoo.example.com"})
    assert body.blocked == '<img alt="x">'
    assert body.remote is None


def test_remote_resources_are_only_in_the_version_with_remote_content():
    html = (
        '<img src=" https://shop.example/open.gif?u=1 "><video src="https://shop.example/v.mp4"></video>'
        '<img src="ht\ttps://shop.example/tab.png"><img src="https:\\\\shop.example\\b.png">'
    )
    body = filter_urls(html)
    assert body.blocked == (
        '<img data-imap-blocked="1"><video data-imap-blocked="1"></video>'
        '<img data-imap-blocked="1"><img data-imap-blocked="1">'
    )
    assert body.remote == (
        '<img src="https://shop.example/open.gif?u=1"><video src="https://shop.example/v.mp4">'
        '</video><img src="https://shop.example/tab.png"><img src="https://shop.example/b.png">'
    )


def test_parts_of_the_message_and_raster_data_images_are_not_remote():
    html = (
        '<img src="cid:Logo@Shop"><img src="cid:%3Cother@shop%3E">'
        '<img src="data:image/png;base64,iVBORw0KGgo=">'
        '<p style="background-image: url(cid:logo@shop); color: red">x</p>'
    )
    body = filter_urls(html, cid_urls={"<logo@shop>": "/web/image/7", "other@shop": "/web/image/8"})
    assert body.blocked == (
        '<img src="/web/image/7"><img src="/web/image/8">'
        '<img src="data:image/png;base64,iVBORw0KGgo=">'
        "<p style='background-image:url(\"/web/image/7\"); color:red'>x</p>"
    )
    assert body.remote is None


def test_styles_keep_what_loads_nothing_and_lose_what_loads_from_afar():
    html = (
        '<td style="background-image: url(https://shop.example/bg.png); color: red">a</td>'
        '<td style="background-image: url(/web/session/logout); color: blue">b</td>'
        '<td style="background-image: \\75rl(https://shop.example/escaped.png)">c</td>'
        "<td style=\"background-image: url('https://shop.example/a&quot;b (1).png')\">d</td>"
    )
    body = filter_urls(f"<table><tr>{html}</tr></table>")
    assert body.blocked == (
        '<table><tr><td style="color:red">a</td><td style="color:blue">b</td><td>c</td><td>d</td></tr></table>'
    )
    assert body.remote == (
        '<table><tr><td style=\'background-image:url("https://shop.example/bg.png"); '
        'color:red\'>a</td><td style="color:blue">b</td><td>c</td>'
        "<td style='background-image:url(\"https://shop.example/a%22b%20%281%29.png\")'>d</td>"
        "</tr></table>"
    )


def test_links_stay_links_that_tell_nothing_about_the_reader():
    html = (
        '<a href="https://shop.example/x" target="_self" rel="opener" ping="https://t.example/">shop</a>'
        '<a href="mailto:anna@example.com">anna</a><a href="/web/session/logout">out</a>'
        '<a href="#top">top</a><a href="javascript:alert(1)">js</a><a href="tel:+32">call</a>'
    )
    assert blocked(html) == (
        '<a href="https://shop.example/x" target="_blank" rel="noopener noreferrer">shop</a>'
        '<a href="mailto:anna@example.com" target="_blank" rel="noopener noreferrer">anna</a>'
        "<a>out</a><a>top</a><a>js</a><a>call</a>"
    )


def test_addresses_outside_src_and_href_and_names_of_the_page_are_dropped():
    html = (
        '<img src="cid:x" srcset="https://e.example/2x.png 2x" id="o_main_navbar" name="n" onerror="x()">'
        '<blockquote cite="https://e.example/c">q</blockquote><video poster="https://e.example/p.png"></video>'
        '<a xlink:href="javascript:alert(1)">svg</a><img href="https://e.example/i.png">'
    )
    assert blocked(html, cid_urls={"x": "/web/image/1"}) == (
        '<img src="/web/image/1"><blockquote>q</blockquote><video></video><a>svg</a><img>'
    )


def test_elements_that_load_or_run_are_removed_whatever_let_them_through():
    html = (
        '<p>a</p><link rel="stylesheet" href="https://e.example/s.css"><style>p{}</style>'
        '<iframe src="https://e.example/"></iframe><meta http-equiv="refresh" content="0;url=/x"><p>b</p>'
    )
    assert blocked(html) == "<p>a</p><p>b</p>"


def test_empty_and_text_only_bodies():
    assert filter_urls("").blocked == ""
    assert filter_urls("plain <b>text</b>").blocked == "plain <b>text</b>"
