"""The plain-text alternative of an HTML body: what a reader of the text sees."""

from engine.html_text import html_to_text


def test_paragraphs_are_separated_and_line_breaks_kept():
    html = "<p>Hello   <b>Anna</b>,\n</p><p>thanks for\nthe offer.<br>Best regards,<br/>Bob</p>"
    assert html_to_text(html) == "Hello Anna,\n\nthanks for the offer.\nBest regards,\nBob\n"


def test_entities_are_decoded():
    assert html_to_text("<p>Fish &amp; chips&nbsp;for 5&euro; &lt;today&gt;</p>") == "Fish & chips for 5€ <today>\n"


def test_quoted_replies_become_quote_lines():
    html = (
        "<p>Yes, agreed.</p>"
        "<blockquote><p>On Monday Anna wrote:</p><p>Shall we?</p>"
        "<blockquote>First question</blockquote></blockquote>"
        "<p>Bob</p>"
    )
    assert html_to_text(html) == (
        "Yes, agreed.\n\n> On Monday Anna wrote:\n>\n> Shall we?\n>\n>> First question\n\nBob\n"
    )


def test_lists_get_bullets_and_numbers():
    html = "<ul><li>apples</li><li>pears<ol><li>green</li><li>red<br>and ripe</li></ol></li></ul><p>end</p>"
    assert html_to_text(html) == "- apples\n- pears\n   1. green\n   2. red\n      and ripe\n\nend\n"


def test_links_say_where_they_go_unless_the_text_says_it():
    html = (
        '<p><a href="https://shop.example.com/x">our shop</a>, '
        '<a href="https://shop.example.com/">https://shop.example.com/</a>, '
        '<a href="mailto:anna@example.com">anna@example.com</a>, <a href="#top">top</a></p>'
    )
    assert html_to_text(html) == (
        "our shop <https://shop.example.com/x>, https://shop.example.com/, anna@example.com, top\n"
    )


def test_scripts_styles_and_the_head_are_not_text():
    html = (
        "<html><head><title>Mail</title><style>p { color: red }</style></head>"
        "<body><script>alert(1)</script><div>Visible</div><img src='cid:x' alt='Company logo'></body></html>"
    )
    assert html_to_text(html) == "Visible\n[Company logo]\n"


def test_preformatted_text_keeps_its_spaces():
    assert html_to_text("<pre>total   42\n  net    35</pre>") == "total   42\n  net    35\n"


def test_table_cells_stay_apart():
    assert html_to_text("<table><tr><td>Item</td><td>Price</td></tr><tr><td>Tea</td><td>3</td></tr></table>") == (
        "Item Price\nTea 3\n"
    )


def test_nothing_in_nothing_out():
    assert html_to_text("") == ""
    assert html_to_text("<div><br></div>") == ""
    assert html_to_text("just text") == "just text\n"
