"""Quoted text folded in the thread: a long thread reads as its new parts, each quote one click away.

Golden samples in samples/quoted (Gmail, Outlook on the web and desktop, Apple Mail, Thunderbird,
plain text, a forward, a body that is all quote), synced from the real Dovecot.
"""

import json
from email import message_from_bytes, policy
from pathlib import Path

from lxml import html as lxml_html

from odoo.tests import Form, tagged

from ..models import imap_message
from .reading_common import ReadingCase

QUOTED_SAMPLES = Path(__file__).parent / "samples" / "quoted"


def folded_and_shown(html):
    """``(number of folds, text inside them, text outside them)`` of a rendered body."""
    root = lxml_html.fragment_fromstring(str(html or ""), create_parent="div")
    folds = root.xpath("//details[contains(concat(' ', @class, ' '), ' o_imap_quote ')]")
    inside = " ".join(" ".join(fold.itertext()) for fold in folds)
    for fold in folds:
        fold.tail = " " + (fold.tail or "")
        fold.drop_tree()
    return len(folds), " ".join(inside.split()), " ".join(" ".join(root.itertext()).split())


@tagged("post_install", "-at_install")
class TestQuoteFolding(ReadingCase):
    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox(owner=self.imap_user)

    def sample(self, name):
        """The sample *name*, delivered and synced: its message, as its mailbox owner reads it."""
        raw = (QUOTED_SAMPLES / f"{name}.eml").read_bytes()
        message_id = message_from_bytes(raw, policy=policy.default)["Message-ID"].strip()
        self.deliver(self.mailbox, raw)
        message = self.messages(self.mailbox).filtered(lambda m: m.message_id == message_id)
        self.assertEqual(len(message), 1, name)
        return self.as_user(message, self.imap_user)

    def test_each_sample_shows_its_new_part_and_folds_its_quote(self):
        samples = sorted(QUOTED_SAMPLES.glob("*.eml"))
        self.assertGreaterEqual(len(samples), 8)
        for sample in samples:
            with self.subTest(sample=sample.stem):
                expected = json.loads(sample.with_suffix(".json").read_text())
                folds, inside, outside = folded_and_shown(self.sample(sample.stem).body_html)
                self.assertEqual(folds, expected["folds"])
                for text in expected["shown"]:
                    self.assertIn(text, outside)
                for text in expected["folded"]:
                    self.assertIn(text, inside)
                    self.assertNotIn(text, outside)

    def test_the_engine_samples_are_what_odoo_makes_of_the_mail(self):
        # tests/test_quote_folding.py folds NAME.sanitized.html: it must be what Odoo's sanitizer gives.
        for fixture in sorted(QUOTED_SAMPLES.glob("*.sanitized.html")):
            name = fixture.name.removesuffix(".sanitized.html")
            with self.subTest(sample=name):
                message = self.sample(name)
                self.assertEqual(message.sudo()._sanitized_body().blocked, fixture.read_text())

    def test_a_synced_reply_shows_in_the_thread_with_its_quote_folded(self):
        message = self.sample("gmail_reply")
        thread = str(self.as_user(message.conversation_id, self.imap_user).thread_html)
        self.assertIn('<details class="o_imap_quote"><summary title="Show quoted text"', thread)
        folds, inside, outside = folded_and_shown(thread)
        self.assertEqual(folds, 1)
        self.assertIn("Great, see you at nine at the station.", outside)
        self.assertIn("Shall we meet at the station?", inside)

    def test_a_body_rendered_before_quotes_were_folded_is_rendered_again(self):
        message = self.sample("thunderbird_reply")
        self.assertEqual(folded_and_shown(message.body_html)[0], 1)
        self.env.cr.execute(
            "UPDATE imap_message SET body_html_blocked = %s, body_rendering = %s WHERE id = %s",
            [
                "<p>Thursday works.</p><blockquote>old rendering</blockquote>",
                imap_message.BODY_RENDERING - 1,
                message.id,
            ],
        )
        message = self.as_user(message, self.imap_user)
        folds, inside, _outside = folded_and_shown(message.body_html)
        self.assertEqual(folds, 1)
        self.assertIn("Can we meet on Thursday?", inside)

    def test_an_answer_quotes_the_message_whole_without_its_fold(self):
        message = self.sample("gmail_reply")
        action = message.conversation_id.with_user(self.imap_user).action_reply_to_message(message.id, "reply")
        composer = Form(self.env["imap.compose"].with_user(self.imap_user).with_context(**action["context"])).save()
        self.assertNotIn("o_imap_quote", composer.body)
        self.assertNotIn("<summary", composer.body)
        self.assertIn("Shall we meet at the station?", composer.body)
