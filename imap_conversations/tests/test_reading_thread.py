from datetime import UTC, datetime
from email.message import EmailMessage

from lxml import html as lxml_html

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..engine.sizes import format_size
from .common import PNG, make_email
from .reading_common import ReadingCase


def question():
    message = EmailMessage()
    message["Subject"] = "First question"
    message["From"] = '"Alice Example" <alice@example.com>'
    message["To"] = '"Bob" <bob@example.com>'
    message["Cc"] = "carol@example.com"
    message["Message-ID"] = "<question@example.com>"
    message["Date"] = "Tue, 03 Nov 2026 10:15:00 +0100"
    message.set_content("Hello Bob")
    message.add_alternative(
        '<p>Hello <b>Bob</b>, <a href="https://example.com">see</a></p><script>alert("x")</script>'
        '<p><img src="cid:logo@example.com"></p>',
        subtype="html",
    )
    message.get_payload()[1].add_related(PNG, "image", "png", cid="<logo@example.com>", filename="logo.png")
    message.add_attachment(b"%PDF-1.4 quote", maintype="application", subtype="pdf", filename="quote.pdf")
    return message.as_bytes()


@tagged("post_install", "-at_install")
class TestThreadRendering(ReadingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.imap_user.tz = "Europe/Brussels"

    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox(owner=self.imap_user)
        # The follow-up is on the server first: the thread follows the dates, not the arrival order.
        self.rig.append(
            self.mailbox.login,
            "INBOX",
            [
                make_email(
                    subject="Re: First question",
                    body="Any news?",
                    message_id="<followup@example.com>",
                    References="<question@example.com> <answer@us>",
                    date=datetime(2026, 11, 5, 8, tzinfo=UTC),
                ),
                question(),
            ],
        )
        self.rig.append(
            self.mailbox.login,
            "Sent",
            [
                make_email(
                    subject="Re: First question",
                    sender=self.mailbox.login,
                    to="alice@example.com",
                    body="Our answer",
                    message_id="<answer@us>",
                    References="<question@example.com>",
                    date=datetime(2026, 11, 4, 8, tzinfo=UTC),
                ),
            ],
        )
        self.sync(self.mailbox)
        self.conversation = self.messages(self.mailbox).conversation_id
        self.assertEqual(len(self.conversation), 1)

    def thread(self, user):
        return lxml_html.fromstring(str(self.open_form(self.conversation, user).thread_html))

    def cards(self, tree):
        return tree.xpath("//div[contains(concat(' ', @class, ' '), ' o_imap_message ')]")

    def test_the_whole_thread_oldest_first_incoming_and_outgoing_apart(self):
        cards = self.cards(self.thread(self.imap_user))
        by_date = self.conversation.imap_message_ids.sorted("date")
        self.assertEqual([int(c.get("data-message-id")) for c in cards], by_date.ids)
        self.assertEqual([c.text_content().count("Received") for c in cards], [1, 0, 1])
        sides = [("o_imap_outgoing" in c.get("class"), "o_imap_incoming" in c.get("class")) for c in cards]
        self.assertEqual(sides, [(False, True), (True, False), (False, True)])
        self.assertIn("Sent", cards[1].text_content())
        self.assertIn("Our answer", cards[1].text_content())
        self.assertIn("Any news?", cards[2].text_content())
        self.assertFalse(
            [c for c in cards if c.xpath(".//*[contains(@class, 'o_imap_subject')]")],
            "Re: the same subject is not repeated on every message",
        )

    def test_each_message_shows_sender_recipients_and_date_in_the_users_time_zone(self):
        first = self.cards(self.thread(self.imap_user))[0]
        header = first.xpath(".//*[contains(@class, 'card-header')]")[0].text_content()
        self.assertIn("Alice Example", header)
        self.assertIn("alice@example.com", header)
        self.assertIn("11/03/2026 10:15", header, "09:15 UTC is 10:15 in Brussels")
        [recipients] = first.xpath(".//*[contains(@class, 'o_imap_recipients')]")
        people = {p.text_content(): p.get("title") for p in recipients.xpath(".//*[@class='o_imap_person']")}
        self.assertEqual(
            people,
            {"Bob": "bob@example.com", "carol@example.com": "carol@example.com"},
            "named by name, the address in the tooltip (test_finding_thread.py)",
        )

        shared_view = self.conversation.with_user(self.imap_admin).with_context(tz="America/New_York")
        self.assertIn("11/03/2026 04:15", str(shared_view.thread_html), "each reader their own time zone")

    def test_bodies_are_sanitized_with_inline_images_and_attachments_to_download(self):
        thread = str(self.open_form(self.conversation, self.imap_user).thread_html)
        question_message = self.conversation.imap_message_ids.filtered(lambda m: m.subject == "First question")
        attachments = {a.name: a for a in question_message.attachment_ids}
        self.assertIn("<b>Bob</b>", thread)
        self.assertNotIn("<script", thread)
        self.assertNotIn('alert("x")', thread)
        self.assertIn(f'src="/web/image/{attachments["logo.png"].id}"', thread, "the inline image is shown")
        self.assertNotIn(f"/web/content/{attachments['logo.png'].id}", thread, "and not listed again")
        pdf = attachments["quote.pdf"]
        tree = lxml_html.fromstring(thread)
        [link] = tree.xpath("//a[contains(@class, 'o_imap_attachment')]")
        self.assertEqual(link.get("href"), f"/web/content/{pdf.id}?download=true")
        self.assertIn("quote.pdf", link.text_content())
        self.assertIn(format_size(pdf.file_size), link.text_content(), 'as "1.2 kB", one style everywhere')
        # Downloading checks the message: whoever may read the conversation gets its files.
        pdf.with_user(self.imap_user).check("read")
        with self.assertRaises(AccessError):
            pdf.with_user(self.other_user).check("read")
        attachments_of_message = [("res_model", "=", "imap.message"), ("res_id", "=", pdf.res_id)]
        self.assertFalse(self.env["ir.attachment"].with_user(self.other_user).search(attachments_of_message))

    def test_what_was_unread_when_opened_is_marked_new(self):
        cards = self.cards(self.thread(self.imap_user))
        self.assertEqual(
            [bool(c.xpath(".//*[contains(@class, 'o_imap_new')]")) for c in cards],
            [True, False, True],
            "both incoming messages were unread, ours never is",
        )
        self.assertFalse(self.as_user(self.conversation, self.imap_user).is_unread)

    def test_the_form_shows_the_conversation(self):
        form = self.open_form(self.conversation, self.imap_user)
        self.assertEqual(form.subject, "First question")
        self.assertEqual(form.message_count, 3)
        self.assertEqual(form.mailbox_id, self.mailbox)
        self.assertEqual(len(form.imap_message_ids), 3)
