"""Hostile HTML bodies, as Odoo shows them: sanitized like Odoo's own Html fields, and no address
left that would make the reader's browser call Odoo itself (samples/hostile, with the expected
rendering beside each mail: NAME.html without remote content, NAME.remote.html with it)."""

import re

from odoo.tests import tagged

from .content_common import HOSTILE_SAMPLES, ContentCase, addresses_in


def comparable(html, message):
    """*html* with the message's own attachment addresses written as in the expected files."""
    ids = "|".join(str(i) for i in message.attachment_ids.ids) or "none"
    return re.sub(rf"/web/image/(?:{ids})\b", "/web/image/ID", str(html or ""))


@tagged("post_install", "-at_install")
class TestHostileBodies(ContentCase):
    def setUp(self):
        super().setUp()
        # The sender knows where the company's Odoo is: its own address must not load either.
        self.env["ir.config_parameter"].set_param("web.base.url", "https://odoo.example.com")
        self.mailbox = self.synced_mailbox(owner=self.imap_user)

    def test_each_hostile_sample_renders_as_expected(self):
        samples = sorted(HOSTILE_SAMPLES.glob("*.eml"))
        self.assertEqual(len(samples), 3)
        for sample in samples:
            with self.subTest(sample=sample.stem):
                message = self.hostile_message(self.mailbox, sample.stem).with_user(self.imap_user)
                expected = sample.with_suffix(".html").read_text()
                self.assertEqual(comparable(message.body_html, message), expected)
                remote_file = sample.with_suffix(".remote.html")
                self.assertEqual(message.has_remote_content, remote_file.exists())
                if remote_file.exists():
                    message.action_show_remote_content()
                    self.assertEqual(comparable(message.body_html, message), remote_file.read_text())

    def test_no_address_of_odoo_itself_survives(self):
        for name in ("relative_urls", "script_vectors", "tracking"):
            message = self.hostile_message(self.mailbox, name).with_user(self.imap_user)
            own_images = {f"/web/image/{i}" for i in message.attachment_ids.ids}
            blocked = str(message.body_html)
            message.action_show_remote_content()
            body = str(message.body_html)
            for tag, attribute, value in addresses_in(blocked) + addresses_in(body):
                with self.subTest(sample=name, tag=tag, attribute=attribute):
                    addresses = re.findall(r'url\("([^"]*)"\)', value) if attribute == "style" else [value]
                    self.assertTrue(addresses)
                    for address in addresses:
                        # Remote addresses, raster data images and the message's own parts only.
                        self.assertRegex(address, r"^(?:https://[a-z]|data:image/png;base64,|/web/image/\d+$)")
                        if address.startswith("/"):
                            self.assertIn(address, own_images)
            self.assertNotIn("/web/session", body)
            self.assertNotIn("odoo.example.com", body)

    def test_attributes_odoo_html_fields_remove_are_removed(self):
        body = str(self.hostile_message(self.mailbox, "script_vectors").with_user(self.imap_user).body_html)
        for attribute in ("xlink:href", "ping=", "download=", "srcset=", "onclick", "formaction", 'id="', "name="):
            self.assertNotIn(attribute, body)
        self.assertNotIn("javascript", body.lower())
        self.assertNotIn("data:text", body)
        self.assertNotIn("data:image/svg", body)
        self.assertIn('href="https://shop.example/"', body, "a real link stays a link")

    def test_links_open_apart_without_telling_where_the_reader_came_from(self):
        body = str(self.hostile_message(self.mailbox, "relative_urls").with_user(self.imap_user).body_html)
        self.assertIn('<a href="https://shop.example/offer?id=1" target="_blank" rel="noopener noreferrer">', body)
        self.assertIn('<a href="mailto:sales@shop.example" target="_blank" rel="noopener noreferrer">', body)
        self.assertNotIn('opener"', body.replace("noopener", ""))
