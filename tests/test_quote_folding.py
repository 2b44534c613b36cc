"""Quoted text folded behind a toggle (engine/quote_folding.py), on the replies of the usual mail clients.

Golden samples: imap_conversations/tests/samples/quoted/NAME.sanitized.html (the HTML part as Odoo's
sanitizer leaves it) with NAME.json (what stays shown, what is folded); plain-text ones from NAME.eml.
"""

import json
from email import message_from_bytes, policy
from html import escape
from pathlib import Path

import pytest
from lxml import html as lxml_html

import engine
from engine.quote_folding import FOLD_CLASS, fold_html_quotes, fold_text_quotes, split_text_quotes, unfold_html_quotes

SAMPLES = Path(engine.__file__).resolve().parent.parent / "tests" / "samples" / "quoted"
SAMPLE_NAMES = sorted(path.stem for path in SAMPLES.glob("*.eml"))


def text_to_html(text):
    return "<p>" + escape(text).replace("\n", "<br>") + "</p>"


def folded_and_shown(html):
    """``(number of folds, text inside them, text outside them)`` of a rendered body."""
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    folds = root.findall(f".//details[@class='{FOLD_CLASS}']")
    inside = " ".join(" ".join(fold.itertext()) for fold in folds)
    for fold in folds:
        fold.tail = " " + (fold.tail or "")  # words on either side of a fold stay apart
        fold.drop_tree()
    return len(folds), " ".join(inside.split()), " ".join(" ".join(root.itertext()).split())


def render(name):
    sanitized = SAMPLES / f"{name}.sanitized.html"
    if sanitized.exists():
        return fold_html_quotes(sanitized.read_text())
    mail = message_from_bytes((SAMPLES / f"{name}.eml").read_bytes(), policy=policy.default)
    return fold_text_quotes(mail.get_body(("plain",)).get_content(), text_to_html)


def test_there_are_samples_of_each_mail_client():
    assert len(SAMPLE_NAMES) >= 8


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_each_sample_shows_its_new_part_and_folds_its_quote(name):
    expected = json.loads((SAMPLES / f"{name}.json").read_text())
    folds, inside, outside = folded_and_shown(render(name))
    assert folds == expected["folds"]
    for text in expected["shown"]:
        assert text in outside
    for text in expected["folded"]:
        assert text in inside
        assert text not in outside


def test_the_toggle_says_what_it_opens():
    html = render("gmail_reply")
    assert '<summary title="Show quoted text" aria-label="Show quoted text">…</summary>' in html
    assert 'title="Zitierten Text anzeigen"' in fold_html_quotes(
        (SAMPLES / "gmail_reply.sanitized.html").read_text(), title="Zitierten Text anzeigen"
    )


def test_a_body_that_is_all_quote_is_left_as_it_is():
    body = (SAMPLES / "quote_only.sanitized.html").read_text()
    assert fold_html_quotes(body) == body
    only_quote = "> only a quote\n> of a quote"
    assert fold_text_quotes(only_quote, text_to_html) == text_to_html(only_quote)


def test_a_body_without_quote_is_left_as_it_is():
    body = "<p>Hello <b>Bob</b>,</p><p>no quote here. Sent: nothing. From: me</p>"
    assert fold_html_quotes(body) == body
    assert fold_html_quotes("") == ""


def test_an_outlook_header_written_without_spaces_between_its_lines_is_found():
    body = (
        '<div><p>Signed.</p><div><div style="border-top:solid #E1E1E1 1.0pt"><p><b>From:</b> Eve<br>'
        "<b>Sent:</b> Tuesday 10:00<br><b>To:</b> Bob Stone<br><b>Subject:</b> Contract</p></div></div>"
        "<p>Please sign.</p></div>"
    )
    folds, inside, outside = folded_and_shown(fold_html_quotes(body))
    assert (folds, outside) == (1, "Signed.")
    assert inside.endswith("Please sign.")


def test_interleaved_answers_fold_each_quote_and_keep_the_answers_between_them():
    body = (
        "<p>Answers below.</p><blockquote>Price?</blockquote><p>100 EUR.</p>"
        "<blockquote>Delivery?</blockquote><p>Monday.</p>"
    )
    folds, inside, outside = folded_and_shown(fold_html_quotes(body))
    assert (folds, inside, outside) == (2, "… Price? … Delivery?", "Answers below. 100 EUR. Monday.")


def test_text_after_a_quote_in_the_same_element_stays_shown():
    folds, inside, outside = folded_and_shown(
        fold_html_quotes("<div>Yes.<blockquote>Shall we?</blockquote>See you then.</div>")
    )
    assert (folds, inside, outside) == (1, "… Shall we?", "Yes. See you then.")


def test_plain_text_interleaved_quotes():
    text = "Hi,\n> Price?\n100 EUR.\n> Delivery?\n> Soon?\nMonday.\n"
    assert split_text_quotes(text) == [
        (False, "Hi,\n"),
        (True, "> Price?\n"),
        (False, "100 EUR.\n"),
        (True, "> Delivery?\n> Soon?\n"),
        (False, "Monday.\n"),
    ]
    assert "".join(chunk for _quoted, chunk in split_text_quotes(text)) == text


def test_plain_text_outlook_header_block_folds_to_the_end():
    text = (
        "Fine by me.\n\n-----Original Message-----\nFrom: Bob <bob@example.org>\n"
        "Sent: Monday, 25 March 2024 16:00\nTo: Carla\nSubject: Offer\n\nHere is the offer.\n"
    )
    chunks = split_text_quotes(text)
    assert chunks[0] == (False, "Fine by me.\n\n")
    assert chunks[1][0] is True and chunks[1][1].endswith("Here is the offer.\n")


def test_a_forwarded_message_is_not_folded():
    text = "See below.\n\n---------- Forwarded message ---------\nFrom: A <a@x.example>\nDate: today\nTo: b\n\nBody\n"
    assert split_text_quotes(text) == [(False, text)]
    folds, _inside, outside = folded_and_shown(render("gmail_forward"))
    assert folds == 0 and "Please find invoice 88 attached." in outside


def test_markup_in_a_hostile_title_is_escaped():
    html = fold_text_quotes("Yes.\n> No?", text_to_html, title='"><script>')
    assert "<script>" not in html and "&quot;&gt;&lt;script&gt;" in html


@pytest.mark.parametrize("name", [n for n in SAMPLE_NAMES if (SAMPLES / f"{n}.sanitized.html").exists()])
def test_unfolding_gives_the_body_back_as_it_was(name):
    body = (SAMPLES / f"{name}.sanitized.html").read_text()
    assert unfold_html_quotes(fold_html_quotes(body)) == body
