from odoo.tests import Form, tagged

from .common import ImapCase


@tagged("post_install", "-at_install")
class TestTemplatePlaceholders(ImapCase):
    """The subject's {{ … }} works in the body too, and the preview says which placeholder gave nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact = cls.env["res.partner"].create({"name": "John Smith", "email": "john@example.com"})

    def template(self, subject="Hello {{ object.name }}", body="<p>Dear {{ object.name }},</p>"):
        return (
            self.env["imap.template"]
            .with_user(self.imap_admin)
            .create({"name": "Hello", "subject": subject, "body_html": body})
        )

    def preview(self, template, record=None):
        wizard = self.env["imap.template.preview"].with_user(self.imap_admin)
        form = Form(wizard.with_context(default_template_id=template.id))
        if record:
            form.res_id = record.id
        return form

    def test_the_subjects_syntax_fills_in_the_body_too(self):
        template = self.template(
            body="<p>Dear {{ object.name }}, from <b>{{ user.name }}</b> at {{ object.email }}</p>"
        )
        subject, body = template.with_user(self.imap_user)._render_for(self.contact.with_user(self.imap_user))
        self.assertEqual(subject, "Hello John Smith")
        self.assertEqual(body, "<p>Dear John Smith, from <b>IMAP User</b> at john@example.com</p>")

    def test_a_body_is_stored_as_the_qweb_it_means(self):
        template = self.template(body='<p>a {{ object.name }} b</p><p t-out="object.email"/>')
        self.assertEqual(str(template.body_html), '<p>a <t t-out="object.name"/> b</p><p t-out="object.email"/>')

    def test_what_an_administrator_may_not_write_is_refused_in_either_syntax(self):
        from odoo.exceptions import AccessError

        with self.assertRaises(AccessError):
            self.template(body="<p>{{ object.sudo().write({'name': 'x'}) }}</p>")

    def test_the_preview_warns_of_a_placeholder_empty_for_the_record(self):
        template = self.template(body="<p>Call me at {{ object.phone }}</p>")
        form = self.preview(template, self.contact)
        self.assertIn("object.phone: empty for this record", form.warning_msg)
        self.assertNotIn("object.name", form.warning_msg)
        self.contact.phone = "+1 555 0100"
        self.assertFalse(self.preview(template, self.contact).warning_msg)

    def test_the_preview_warns_of_a_placeholder_left_as_typed(self):
        # Formatting inside the braces: neither syntax reads it, and the customer would see it.
        template = self.template(body="<p>Dear {{ object.<b>name</b> }}</p>")
        self.assertIn("not read as a placeholder", self.preview(template, self.contact).warning_msg or "")

    def test_the_preview_on_sample_data_warns_too(self):
        template = self.template(body="<p>{{ object.website }}</p>")
        self.assertIn("object.website: empty for this record", self.preview(template).warning_msg)
