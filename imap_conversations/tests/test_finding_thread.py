"""The thread names people, keeps long recipient lists short, and opens PDFs and images in Odoo's viewer."""

from email.message import EmailMessage

from lxml import html as lxml_html

from odoo.tests import tagged

from .common import PNG
from .reading_common import ReadingCase

CROWD = ", ".join(f'"Person {n}" <person{n}@team.test>' for n in range(1, 7))


def crowded_email():
    message = EmailMessage()
    message["Subject"] = "Kick-off"
    message["From"] = '"Olga Organizer" <olga@team.test>'
    message["To"] = CROWD
    message["Cc"] = "plain@team.test"
    message["Message-ID"] = "<kickoff@team.test>"
    message.set_content("See the agenda.")
    message.add_attachment(b"%PDF-1.4 agenda", maintype="application", subtype="pdf", filename="agenda.pdf")
    message.add_attachment(PNG, maintype="image", subtype="png", filename="map.png")
    message.add_attachment(
        b"<svg xmlns='http://www.w3.org/2000/svg'/>", maintype="image", subtype="svg+xml", filename="logo.svg"
    )
    return message.as_bytes()


@tagged("post_install", "-at_install")
class TestFindingThread(ReadingCase):
    def setUp(self):
        super().setUp()
        mailbox = self.synced_mailbox(owner=self.imap_user)
        conversation = self.deliver(mailbox, crowded_email())
        self.tree = lxml_html.fromstring(str(self.open_form(conversation, self.imap_user).thread_html))

    def test_recipients_are_names_with_the_address_in_the_tooltip(self):
        people = self.tree.xpath("//*[contains(@class, 'o_imap_recipients')]//span[@class='o_imap_person']")
        self.assertEqual(people[0].text_content(), "Person 1")
        self.assertEqual(people[0].get("title"), "person1@team.test")
        self.assertIn("plain@team.test", [p.text_content() for p in people], "an address without a name")
        self.assertNotIn("&lt;person1@team.test&gt;", lxml_html.tostring(self.tree, encoding="unicode"))

    def test_a_long_recipient_list_shows_a_few_and_the_rest_behind_a_toggle(self):
        [more] = self.tree.xpath("//details[contains(@class, 'o_imap_more_people')]")
        self.assertEqual(" ".join(more.find("summary").text_content().split()), "and 2 more")
        self.assertEqual(
            [p.text_content() for p in more.xpath(".//span[@class='o_imap_person']")], ["Person 5", "Person 6"]
        )

    def test_pdf_and_images_open_in_the_viewer_and_every_file_downloads(self):
        viewable = [b.get("data-name") for b in self.tree.xpath("//button[contains(@class, 'o_imap_attachment_view')]")]
        self.assertEqual(viewable, ["agenda.pdf", "map.png"], "an SVG can run script: download only")
        downloads = self.tree.xpath("//a[contains(@class, 'o_imap_attachment')]")
        self.assertEqual(len(downloads), 3)
        self.assertTrue(all(a.get("href").endswith("?download=true") for a in downloads))
