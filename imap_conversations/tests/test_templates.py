from datetime import datetime

from markupsafe import Markup

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, freeze_time, tagged

from .common import ImapCase

BODY = (
    '<p>Hello <t t-out="object.name"/>,</p>'
    "<p>Since <t t-out=\"format_date(object.create_date, 'd MMMM y')\"/>"
    ' (<t t-out="format_date(object.create_date)"/>).</p>'
    '<div t-out="user.signature"/>'
)


@tagged("post_install", "-at_install")
class TestTemplates(ImapCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.imap_user.write(
            {
                "signature": Markup("<p>Alice Sender, Sales</p>"),
                "tz": "Europe/Paris",
                "lang": "en_US",
            }
        )
        cls.camille = cls.env["res.partner"].create(
            {
                "name": "Camille Martin",
                "email": "camille@example.com",
                "lang": "fr_FR",
            }
        )
        cls.john = cls.env["res.partner"].create(
            {
                "name": "John Smith",
                "email": "john@example.com",
                "lang": "en_US",
            }
        )
        # "Customer since": a date the test can fix (res.partner has no date field of its own).
        cls.env.cr.execute(
            "UPDATE res_partner SET create_date = %s WHERE id IN %s",
            [datetime(2025, 3, 5, 10, 0), (cls.camille.id, cls.john.id)],
        )
        cls.env.invalidate_all()
        cls.template = cls.env["imap.template"].create(
            {
                "name": "Follow-up",
                "subject": "Our call, {{ object.name }}",
                "body_html": BODY,
            }
        )
        cls.template.with_context(lang="fr_FR").subject = "Notre appel, {{ object.name }}"

    def render(self, record, user=None, template=None, **kwargs):
        user = user or self.imap_user
        template = (template or self.template).with_user(user)
        return template._render_for(record.with_user(user), **kwargs)

    def test_the_contact_name_and_the_senders_signature_are_filled_in(self):
        self.assertEqual(self.template.model, "res.partner", "templates are for contacts unless told otherwise")
        self.assertEqual(self.template.lang, "{{ object.lang }}", "a contact is written to in their language")
        subject, body = self.render(self.john)
        self.assertEqual(subject, "Our call, John Smith")
        self.assertEqual(
            body,
            "<p>Hello John Smith,</p><p>Since 5 March 2025 (03/05/2025).</p><div><p>Alice Sender, Sales</p></div>",
        )
        _subject, admin_body = self.render(self.john, user=self.imap_admin)
        self.assertNotIn("Alice Sender", admin_body, "the signature is the sender's, whoever wrote the template")

    def test_a_french_contact_gets_the_french_template_and_french_dates(self):
        subject, body = self.render(self.camille)
        self.assertEqual(subject, "Notre appel, Camille Martin")
        self.assertIn("<p>Since 5 mars 2025 (05/03/2025).</p>", body)
        # A language chosen by hand (the preview's) wins over the contact's.
        subject, body = self.render(self.camille, lang="en_US")
        self.assertEqual(subject, "Our call, Camille Martin")
        self.assertIn("Since 5 March 2025", body)

    def test_without_a_usable_language_the_senders_language_is_used(self):
        self.template.lang = False
        self.assertEqual(self.render(self.camille)[0], "Our call, Camille Martin")
        self.imap_user.lang = "fr_FR"
        self.assertEqual(self.render(self.john)[0], "Notre appel, John Smith")
        self.template.lang = "{{ 'xx_XX' }}"
        self.assertEqual(self.render(self.john)[0], "Notre appel, John Smith", "not installed: the sender's")

    def test_dates_and_times_follow_the_language_and_the_time_zone(self):
        mailbox = self.env["imap.mailbox"].create(
            {
                "name": "Mine",
                "host": "127.0.0.1",
                "login": "me",
                "user_id": self.imap_user.id,
            }
        )
        conversation = self.env["imap.conversation"].create(
            {
                "subject": "Quote 42",
                "mailbox_id": mailbox.id,
                "last_message_date": datetime(2025, 3, 5, 23, 30),
            }
        )
        template = self.env["imap.template"].create(
            {
                "name": "Conversation reply",
                "model_id": self.env["ir.model"]._get_id("imap.conversation"),
                "subject": "Re: {{ object.subject }}",
                "body_html": "<p t-out=\"format_datetime(object.last_message_date, dt_format='d MMMM y HH:mm')\"/>"
                "<p t-out=\"format_time(object.last_message_date, time_format='HH:mm')\"/>"
                '<p t-out="format_date(object.last_message_date)"/>',
            }
        )
        self.assertFalse(template.lang, "a conversation has no language: the sender's is used")
        self.imap_user.lang = "fr_FR"
        subject, body = self.render(conversation, template=template)
        self.assertEqual(subject, "Re: Quote 42")
        # 23:30 UTC is already the next day in Paris, the sender's time zone.
        self.assertEqual(body, "<p>6 mars 2025 00:30</p><p>00:30</p><p>06/03/2025</p>")
        _subject, body = self.render(conversation, template=template, tz="America/New_York")
        self.assertEqual(body, "<p>5 mars 2025 18:30</p><p>18:30</p><p>05/03/2025</p>")
        self.imap_user.write({"lang": "en_US", "tz": "Asia/Tokyo"})
        _subject, body = self.render(conversation, template=template)
        self.assertEqual(body, "<p>6 March 2025 08:30</p><p>08:30</p><p>03/06/2025</p>")

    def test_one_default_template_per_record_type(self):
        Template = self.env["imap.template"]
        self.assertFalse(Template._default_for("res.partner"))
        self.assertFalse(Template._default_for("crm.lead"), "a model that may not even be installed")
        first = Template.create({"name": "First", "is_default": True})
        conversation_default = Template.create(
            {
                "name": "For conversations",
                "is_default": True,
                "model_id": self.env["ir.model"]._get_id("imap.conversation"),
            }
        )
        second = Template.create({"name": "Second", "is_default": True})
        self.assertFalse(first.is_default, "setting a default unsets the previous one")
        self.assertTrue(conversation_default.is_default, "other record types keep theirs")
        self.assertEqual(Template._default_for("res.partner"), second)
        self.assertEqual(Template._default_for("imap.conversation"), conversation_default)
        first.is_default = True
        self.assertEqual(Template.with_user(self.imap_user)._default_for("res.partner"), first)
        self.assertFalse(second.is_default)
        first.action_archive()
        self.assertFalse(first.is_default, "an archived template is no longer the default")
        self.assertFalse(Template._default_for("res.partner"))
        shared = Template.create({"name": "Shared", "is_default": True, "company_id": False})
        own = Template.create({"name": "Ours", "is_default": True})
        self.assertTrue(shared.is_default, "one default per company, and one shared by all")
        self.assertEqual(Template._default_for("res.partner"), own, "the company's own default wins")
        own.is_default = False
        self.assertEqual(Template._default_for("res.partner"), shared)

    def preview_form(self, template=None, user=None):
        wizard = self.env["imap.template.preview"].with_user(user or self.imap_admin)
        return Form(wizard.with_context(default_template_id=(template or self.template).id))

    def test_preview_on_a_chosen_record_in_a_chosen_language(self):
        action = self.template.action_preview()
        self.assertEqual(
            (action["res_model"], action["context"]),
            (
                "imap.template.preview",
                {
                    "default_template_id": self.template.id,
                },
            ),
        )
        self.imap_admin.write({"signature": Markup("<p>Ada Admin</p>"), "tz": "Europe/Paris"})
        form = self.preview_form()
        form.res_id = self.camille.id
        self.assertFalse(form.is_sample)
        self.assertEqual(form.rendered_lang, "fr_FR", "the contact's language")
        self.assertEqual(form.subject, "Notre appel, Camille Martin")
        self.assertIn("<p>Since 5 mars 2025 (05/03/2025).</p>", form.body_html)
        self.assertIn("<p>Ada Admin</p>", form.body_html, "previewed as the one previewing")
        form.lang = "en_US"
        self.assertEqual(form.rendered_lang, "en_US")
        self.assertEqual(form.subject, "Our call, Camille Martin")
        self.assertIn("<p>Since 5 March 2025 (03/05/2025).</p>", form.body_html)
        self.assertFalse(form.error_msg)

    @freeze_time("2025-03-05 12:00:00")
    def test_preview_on_sample_data_creates_nothing(self):
        partners = self.env["res.partner"].search_count([])
        form = self.preview_form()
        self.assertTrue(form.is_sample)
        self.assertEqual(form.subject, "Our call, Jane Doe")
        self.assertIn("<p>Hello Jane Doe,</p><p>Since 5 March 2025 (03/05/2025).</p>", form.body_html)
        form.lang = "fr_FR"
        self.assertEqual(form.subject, "Notre appel, Jane Doe")
        self.assertIn("Since 5 mars 2025 (05/03/2025)", form.body_html)
        self.assertEqual(self.env["res.partner"].search_count([]), partners)

        conversations = self.env["imap.conversation"].search_count([])
        template = self.env["imap.template"].create(
            {
                "name": "Reply",
                "model_id": self.env["ir.model"]._get_id("imap.conversation"),
                "subject": "Re: {{ object.subject }}",
                "body_html": "<p t-out=\"format_datetime(object.last_message_date, dt_format='d MMM y HH:mm')\"/>",
            }
        )
        form = self.preview_form(template)
        form.tz = "Asia/Tokyo"
        self.assertEqual(form.subject, "Re: Sample Conversation")
        self.assertEqual(form.body_html, "<p>5 Mar 2025 21:00</p>")
        self.assertEqual(self.env["imap.conversation"].search_count([]), conversations)

    def test_a_failing_placeholder_is_shown_in_the_preview(self):
        self.template.body_html = '<p t-out="object.no_such_field"/>'
        form = self.preview_form(user=self.env.user)
        self.assertIn("Failed to render", form.error_msg)
        self.assertFalse(form.body_html)

    def test_rendering_a_record_of_another_type_is_refused(self):
        mailbox = self.env["imap.mailbox"].create({"name": "M", "host": "127.0.0.1", "login": "m"})
        with self.assertRaises(UserError):
            self.template._render_for(mailbox)

    def test_users_read_templates_and_administrators_manage_them(self):
        as_user = self.template.with_user(self.imap_user)
        self.assertEqual(as_user.read(["name", "model"])[0]["model"], "res.partner")
        self.assertEqual(as_user.read(["model_id"])[0]["model_id"][1], "Contact", "shown without reading ir.model")
        with self.assertRaises(AccessError):
            self.env["imap.template"].with_user(self.imap_user).create({"name": "Mine"})
        with self.assertRaises(AccessError):
            as_user.write({"subject": "Changed"})
        with self.assertRaises(AccessError):
            as_user.unlink()

        Template = self.env["imap.template"].with_user(self.imap_admin)
        self.assertFalse(self.imap_admin.has_group("mail.group_mail_template_editor"))
        self.assertIn(self.env.ref("base.model_res_partner"), Template.model_id.search([("model", "=", "res.partner")]))
        # The previous default runs code an IMAP administrator may not write: replacing it is allowed.
        self.template.write({"is_default": True, "subject": "{{ object.name.upper() }}"})
        with Form(Template) as form:
            form.name = "By the admin"
            form.subject = "{{ object.name }} / {{ user.name }}"
            form.body_html = BODY
            form.is_default = True
        created = form.record
        self.assertEqual(self.render(self.john, template=created)[0], "John Smith / IMAP User")
        self.assertEqual(Template._default_for("res.partner"), created)
        self.assertFalse(self.template.is_default)
        self.assertEqual(created.lang, "{{ object.lang }}")
        created.write({"body_html": '<p t-out="object.name or \'\'"/><p t-out="user.partner_id.email"/>'})
        created.copy().unlink()
        for subject, body in (
            ("{{ object.env.cr.dbname }}", BODY),
            ("{{ object.sudo().name }}", BODY),
            ("Hi", '<p t-out="object.name.upper()"/>'),
            ("Hi", '<p t-if="object.name">x</p>'),
        ):
            with self.subTest(subject=subject, body=body), self.assertRaises(AccessError):
                created.write({"subject": subject, "body_html": body})
        # Placeholders that run code are for Odoo's template editors, as on mail templates.
        self.imap_admin.groups_id = [Command.link(self.env.ref("mail.group_mail_template_editor").id)]
        created.write({"subject": "{{ object.name.upper() }}"})
        self.assertEqual(self.render(self.john, template=created)[0], "JOHN SMITH")
        created.unlink()

    def test_templates_of_another_company_are_hidden(self):
        elsewhere = self.env["res.company"].create({"name": "Elsewhere Ltd"})
        foreign = self.env["imap.template"].create({"name": "Foreign", "company_id": elsewhere.id})
        shared = self.env["imap.template"].create({"name": "Shared", "company_id": False})
        visible = self.env["imap.template"].with_user(self.imap_user).search([])
        self.assertIn(shared, visible)
        self.assertNotIn(foreign, visible)
        self.assertEqual(
            self.env.ref("imap_conversations.menu_templates").groups_id,
            self.env.ref("imap_conversations.group_manager"),
        )
