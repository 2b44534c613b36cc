"""Red team of the external API (imap.api): a hostile IMAP user calling it over JSON-RPC as they please.

Each test attacks as the user its docstring names; its id (RT-A1...) is the finding's in the red team's report.
Any ERROR log line is a traceback an attacker can have the server write at will: every call below must be
refused with one of Odoo's own faults and log nothing at ERROR.
"""

import logging

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .api_common import ApiCase, ApiFault
from .common import make_email

_logger = logging.getLogger("odoo.addons.imap_conversations.tests.redteam")

#: The faults a refusal may be (Odoo's usual ones); anything else is a server failure with a traceback.
REFUSALS = {f"odoo.exceptions.{name}" for name in ("AccessError", "UserError", "ValidationError", "MissingError")}


class RedTeamApiCase(ApiCase):
    maxDiff = None

    def attempt(self, user, method, *args, **kwargs):
        """The answer of the call, or its fault's message: a refusal must be one of Odoo's and log no error."""
        with self.assertLogs("odoo", "WARNING") as logged:
            try:
                answer = self.rpc(user, method, *args, **kwargs)
            except ApiFault as fault:
                self.assertIn(fault.name, REFUSALS, fault.message)
                answer = fault.message
            # assertLogs needs a line at least: this one marks the end of the call.
            _logger.warning("call of %s done", method)
        self.assertEqual([r.getMessage() for r in logged.records if r.levelname in ("ERROR", "CRITICAL")], [])
        return answer

    def refused(self, user, method, *args, **kwargs):
        """The message of the fault the call must answer (one of Odoo's refusals, no error logged)."""
        with self.assertRaises(ApiFault) as caught, self.assertLogs("odoo.http", "WARNING") as logged:
            self.rpc(user, method, *args, **kwargs)
        self.assertIn(caught.exception.name, REFUSALS, caught.exception.message)
        self.assertEqual([r.getMessage() for r in logged.records if r.levelname != "WARNING"], [])
        return caught.exception.message

    def misbehaving(self, user, calls):
        """[(method, why)] of *calls* [(method, args, kwargs)] that did not answer cleanly as *user*."""
        bad = []
        for method, args, kwargs in calls:
            with self.assertLogs("odoo", "WARNING") as logged:
                try:
                    self.rpc(user, method, *args, **kwargs)
                except ApiFault as fault:
                    if fault.name not in REFUSALS:
                        bad.append((method, f"{fault.name}: {fault.message[:120]}"))
                # assertLogs needs a line at least: this one marks the end of the call.
                _logger.warning("call of %s done", method)
            errors = [r.getMessage()[:120] for r in logged.records if r.levelname in ("ERROR", "CRITICAL")]
            if errors:
                bad.append((method, f"logged {errors}"))
        return bad


@tagged("post_install", "-at_install")
class TestRedTeamApiOrm(RedTeamApiCase):
    def test_RT_A1_the_orm_methods_of_the_api_model_refuse_cleanly(self):
        """RT-A1. imap_user calls the ORM methods imap.api inherits (it has no table) with ids of their choice."""
        calls = [
            ("search", [[]], {}),
            ("search_read", [[]], {}),
            ("search_count", [[]], {}),
            ("read", [[1]], {}),
            ("create", [{}], {}),
            ("write", [[1], {}], {}),
            ("unlink", [[1]], {}),
            ("exists", [[1]], {}),
            ("copy", [[1]], {}),
            ("name_search", [], {}),
            ("name_create", ["x"], {}),
            ("read_group", [[], [], []], {}),
            ("web_search_read", [[], {}], {}),
            ("web_read", [[1], {}], {}),
            ("web_save", [[1], {}], {}),
            ("get_metadata", [[1]], {}),
            ("export_data", [[1], ["id"]], {}),
            ("load", [["id"], [["x"]]], {}),
            ("default_get", [[]], {}),
            ("fields_get", [], {}),
            ("get_views", [[[False, "form"], [False, "list"]]], {}),
            ("onchange", [[], {}, [], {}], {}),
            ("browse", [[1]], {}),
            ("toggle_active", [[1]], {}),
            ("action_archive", [[1]], {}),
            ("has_access", [[1], "read"], {}),
            ("check_access", [[1], "read"], {}),
        ]
        self.assertEqual(self.misbehaving(self.imap_user, calls), [])


@tagged("post_install", "-at_install")
class TestRedTeamApiArguments(RedTeamApiCase):
    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox(owner=self.imap_user)
        self.template = self.env["imap.template"].create(
            {"name": "T", "model_id": self.env["ir.model"]._get_id("res.partner"), "subject": "Hi {{ object.name }}"}
        )

    def test_RT_A2_arguments_of_the_wrong_kind_are_refused_in_words(self):
        """RT-A2. imap_user gives booleans, strings, lists and ids beyond PostgreSQL's integers where ids,
        names and texts are expected."""
        mail = (["carla@example.com"], "Hi", "<p>Hi</p>")
        calls = [
            ("retry_failed_messages", [[True]], {}),
            ("list_failed_messages", [[True]], {}),
            ("list_failed_messages", [], {"limit": True}),
            ("list_failed_messages", [], {"offset": True}),
            ("list_mailboxes", [{"a": 1}, [1]], {}),
            ("set_mailboxes_active", [[2**40], False], {}),
            ("send_message", mail, {"mailbox_id": "mine"}),
            ("send_message", mail, {"mailbox_id": 2**40}),
            ("send_message", mail, {"reply_to_message_id": "x"}),
            ("send_message", mail, {"conversation_id": 2**40}),
            ("send_message", mail, {"res_model": "res.partner", "res_id": 2**40}),
            ("send_message", mail, {"res_model": ["res.partner"], "res_id": 1}),
            ("send_message", (["carla@example.com"], ["Hi"], {"p": 1}), {}),
            ("send_message", mail, {"attachments": [{"name": ["a"], "content": "", "mimetype": 5}]}),
            ("send_message", mail, {"attachments": "abc"}),
            ("preview_template", [self.template.id], {"lang": ["fr_FR"]}),
            ("preview_template", [self.template.id], {"tz": {"a": 1}}),
            ("preview_template", [self.template.id], {"res_id": 2**40}),
            ("preview_template", [self.template.id], {"res_id": "x"}),
            ("list_templates", [{"a": 1}], {}),
            ("get_default_template", [["res.partner"]], {}),
            ("create_mailboxes", [[{"name": "x", "host": "h", "login": "l", "port": 2**40}]], {}),
            ("create_mailboxes", [[{"name": "x", "host": "h", "login": "l", "company_id": "mine"}]], {}),
            ("create_mailboxes", [[{"name": ["x"], "host": "h", "login": "l"}]], {}),
            ("create_mailboxes", [[{}]], {}),
            ("create_mailboxes", [[{"name": "x", "host": None, "login": "l"}]], {}),
        ]
        self.assertEqual(self.misbehaving(self.imap_user, calls), [])
        admin_calls = [
            ("update_template", [self.template.id, {"company_id": 2**40}], {}),
            ("update_template", [self.template.id, {"name": {"a": 1}}], {}),
            ("create_templates", [[{"name": "x", "model": "res.partner", "company_id": "x"}]], {}),
            ("create_templates", [[{}]], {}),
            ("create_templates", [[{"model": "res.partner"}]], {}),
            ("update_template", [self.template.id, {"name": ""}], {}),
        ]
        self.assertEqual(self.misbehaving(self.imap_admin, admin_calls), [])
        self.assertEqual(self.inbox_of(self.rig.new_login()), [])
        self.assertFalse(self.messages(self.mailbox), "nothing was sent")


@tagged("post_install", "-at_install")
class TestRedTeamApiRecords(RedTeamApiCase):
    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox(owner=self.imap_user)
        self.elsewhere = self.env["res.company"].create({"name": "Elsewhere Ltd"})
        self.secret = self.env["res.partner"].create(
            {"name": "Secret Supplier", "email": "secret@elsewhere.example", "company_id": self.elsewhere.id}
        )
        self.template = self.env["imap.template"].create(
            {
                "name": "T",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "subject": "Hi {{ object.name }}",
                "body_html": "<p>{{ object.email }}</p>",
            }
        )

    def test_RT_A3_a_preview_does_not_render_a_record_the_caller_may_not_read(self):
        """RT-A3. imap_user previews a template on a contact of a company they are not in."""
        shown = self.attempt(self.imap_user, "preview_template", self.template.id, self.secret.id)
        self.assertNotIn("Secret Supplier", str(shown))
        self.assertNotIn("secret@elsewhere", str(shown))

    def test_RT_A4_a_mail_is_not_linked_to_a_record_the_caller_may_not_read(self):
        """RT-A4. imap_user sends a mail "about" a contact of another company (res_model/res_id), and one
        about a record of a model without conversations."""
        customer_login, customer = self.new_customer()
        for res_model, res_id in (
            ("res.partner", self.secret.id),
            ("res.users", self.imap_admin.id),
            ("ir.config_parameter", 1),
        ):
            with self.subTest(res_model=res_model):
                refusal = self.refused(
                    self.imap_user,
                    "send_message",
                    [customer.email],
                    "About it",
                    "<p>x</p>",
                    res_model=res_model,
                    res_id=res_id,
                )
                self.assertNotIn("Secret Supplier", refusal)
        self.assertEqual(self.inbox_of(customer_login), [])
        self.assertFalse(
            self.env["imap.conversation.link"].search(
                [("res_id", "=", self.secret.id), ("res_model", "=", "res.partner")]
            )
        )

    def test_RT_A5_no_answer_to_a_conversation_of_a_mailbox_the_caller_may_not_read(self):
        """RT-A5. imap_user answers (and links a new mail to) a conversation of another user's mailbox by id."""
        customer_login, customer = self.new_customer()
        others = self.synced_mailbox(owner=self.other_user)
        self.rig.append(
            others.login, "INBOX", [make_email(subject="Private deal", sender=customer.email, body="The price is 42")]
        )
        self.sync(others)
        conversation = self.messages(others).conversation_id
        for kwargs in (
            {"conversation_id": conversation.id},
            {"conversation_id": conversation.id, "mode": "forward", "to": [customer.email]},
            {"res_model": "imap.conversation", "res_id": conversation.id, "to": [customer.email], "subject": "x"},
        ):
            with self.subTest(**kwargs):
                refusal = self.refused(self.imap_user, "send_message", body="<p>Me too</p>", **kwargs)
                self.assertNotIn("Private deal", refusal)
        self.assertEqual(self.inbox_of(customer_login), [])
        self.assertEqual(len(self.messages(others)), 1)

    def test_RT_A6_a_template_of_another_company_is_neither_previewed_nor_used(self):
        """RT-A6. imap_user previews and sends with a template of a company they are not in, by id."""
        customer_login, customer = self.new_customer()
        theirs = self.env["imap.template"].create(
            {
                "name": "Elsewhere's pricing",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "subject": "Confidential rebate 37%",
                "company_id": self.elsewhere.id,
            }
        )
        for method, args, kwargs in (
            ("preview_template", [theirs.id], {}),
            (
                "send_message",
                [[customer.id], "x", "<p>x</p>"],
                {"template_id": theirs.id, "res_model": "res.partner", "res_id": customer.id},
            ),
        ):
            with self.subTest(method=method):
                answer = self.attempt(self.imap_user, method, *args, **kwargs)
                self.assertNotIn("rebate", str(answer))
                self.assertNotIn("Elsewhere's pricing", str(answer))
        self.assertEqual(self.inbox_of(customer_login), [])

    def test_RT_A7_a_user_creates_no_mailbox_in_a_company_they_are_not_in(self):
        """RT-A7. imap_user creates "their own" mailbox in another company."""
        login = self.rig.new_login()
        self.refused(
            self.imap_user,
            "create_mailboxes",
            [
                {
                    "name": "Mine elsewhere",
                    "host": self.rig.host,
                    "port": self.rig.port,
                    "security": "none",
                    "login": login,
                    "password": self.rig.password,
                    "company_id": self.elsewhere.id,
                }
            ],
        )
        self.assertFalse(self.env["imap.mailbox"].search([("login", "=", login)]))


@tagged("post_install", "-at_install")
class TestRedTeamApiTemplateCode(RedTeamApiCase):
    def test_RT_A8_an_imap_administrator_writes_no_code_in_a_template(self):
        """RT-A8. imap_admin (not a Mail Template Editor) writes placeholders that run code, in every field a
        template renders, through create_templates and update_template."""
        self.assertFalse(self.imap_admin.has_group("mail.group_mail_template_editor"))
        [template] = self.rpc(
            self.imap_admin,
            "create_templates",
            [{"name": "Plain", "model": "res.partner", "subject": "Hi {{ object.name }}"}],
        )
        code = {
            "subject": [
                "{{ object.env['res.users'].sudo().search([]).login }}",
                "{{ object.sudo().name }}",
                "{{ __import__('os').getcwd() }}",
                "{{ user.env.cr.dbname }}",
            ],
            "body_html": [
                "<p t-out=\"object.env['ir.config_parameter'].sudo().get_param('database.secret')\"/>",
                "<p t-esc=\"__import__('os').environ\"/>",
                '<t t-call="web.login_layout"/>',
                '<t t-set="x" t-value="object.env.cr"/>',
                '<a t-attf-href="/{{ object.env.user.sudo().password }}">x</a>',
                '<p t-foreach="object.env[\'res.users\'].sudo().search([])" t-as="u">x</p>',
            ],
            "lang": ["{{ object.env.lang }}"],
        }
        for field, sources in code.items():
            for source in sources:
                with self.subTest(field=field, source=source):
                    self.refused(
                        self.imap_admin, "create_templates", [{"name": "Code", "model": "res.partner", field: source}]
                    )
                    self.refused(self.imap_admin, "update_template", template["id"], {field: source})
        self.assertEqual(self.env["imap.template"].browse(template["id"]).subject, "Hi {{ object.name }}")
        self.assertEqual(self.env["imap.template"].search_count([("name", "=", "Code")]), 0)


@tagged("post_install", "-at_install")
class TestRedTeamApiAddresses(RedTeamApiCase):
    def test_RT_A9_a_contact_whose_address_is_not_one_is_refused_in_words(self):
        """RT-A9. imap_user writes to "<>@x" (a contact made from it, as an unknown address is) through the
        API, and to a contact of that address in the web client's composer: Send must say what is wrong."""
        mailbox = self.synced_mailbox(owner=self.imap_user)
        refusal = self.refused(self.imap_user, "send_message", ["<>@x"], "Hi", "<p>Hi</p>")
        self.assertIn("@x is not an e-mail address", refusal)
        contact = self.env["res.partner"].create({"name": "Odd", "email": "<>@x"})
        composer = (
            self.env["imap.compose"]
            .with_user(self.imap_user)
            .create({"mailbox_id": mailbox.id, "partner_ids": [Command.set(contact.ids)], "subject": "Hi"})
        )
        with self.assertRaisesRegex(UserError, "is not an e-mail address"):
            composer.action_send()
        self.assertFalse(self.messages(mailbox), "nothing stored, not even a draft")
