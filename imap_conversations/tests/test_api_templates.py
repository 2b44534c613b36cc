"""The API's templates (managed by IMAP administrators, read and previewed by users), time zones, and its surface."""

import os
import re

from odoo.tests import tagged

from ..models.imap_api import ImapApi
from .api_common import ApiCase

DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "api.md")


@tagged("post_install", "-at_install")
class TestApiTemplates(ApiCase):
    def new_template(self, **values):
        return self.env["imap.template"].create(
            {
                "name": "Welcome",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "subject": "Hello {{ object.name }}",
                "body_html": "<p>Dear {{ object.name }}</p>",
                **values,
            }
        )

    def test_administrators_create_change_and_delete_templates_users_read_them(self):
        [created] = self.rpc(
            self.imap_admin,
            "create_templates",
            [
                {
                    "name": "Welcome",
                    "model": "res.partner",
                    "subject": "Hello {{ object.name }}",
                    "body_html": "<p>Dear {{ object.name }}</p>",
                    "is_default": True,
                }
            ],
        )
        self.assertEqual(
            (created["model"], created["is_default"], created["subject"]),
            ("res.partner", True, "Hello {{ object.name }}"),
        )
        self.assertIn(created, self.rpc(self.imap_user, "list_templates", "res.partner"))
        self.assertEqual(self.rpc(self.imap_user, "get_default_template", "res.partner")["id"], created["id"])
        self.assertFalse(self.rpc(self.imap_user, "get_default_template", "imap.conversation"))
        changed = self.rpc(self.imap_admin, "update_template", created["id"], {"subject": "Hi {{ object.name }}"})
        self.assertEqual(changed["subject"], "Hi {{ object.name }}")

        for method, args in (
            ("create_templates", [[{"name": "Mine", "model": "res.partner"}]]),
            ("update_template", [created["id"], {"name": "Mine"}]),
            ("delete_templates", [[created["id"]]]),
        ):
            with self.subTest(method=method):
                self.assertRefused(
                    "AccessError", "This operation is allowed for the following groups", self.imap_user, method, *args
                )
        self.assertRefused(
            "UserError",
            "not 'ir.config_parameter'",
            self.imap_admin,
            "create_templates",
            [{"name": "Odd", "model": "ir.config_parameter"}],
        )
        self.assertRefused(
            "AccessError",
            "Only fields of the record",
            self.imap_admin,
            "update_template",
            created["id"],
            {"subject": "{{ object.sudo().env['res.users'].search([]) }}"},
        )
        self.assertEqual(self.rpc(self.imap_admin, "delete_templates", [created["id"]]), True)
        self.assertEqual(self.rpc(self.imap_user, "list_templates", "res.partner", True), [])

    def test_preview_with_sample_data_or_a_record_in_a_time_zone(self):
        template = self.new_template()
        sample = self.rpc(self.imap_user, "preview_template", template.id)
        self.assertEqual((sample["sample"], sample["subject"], sample["error"]), (True, "Hello Jane Doe", False))
        customer = self.env["res.partner"].create({"name": "Carla Customer"})
        shown = self.rpc(self.imap_user, "preview_template", template.id, customer.id, tz="Pacific/Auckland")
        self.assertEqual(
            (shown["sample"], shown["subject"], shown["tz"]), (False, "Hello Carla Customer", "Pacific/Auckland")
        )
        self.assertIn("Dear Carla Customer", shown["body_html"])
        gone = self.rpc(self.imap_user, "preview_template", template.id, 999999999)
        self.assertEqual(gone["error"], "The chosen record no longer exists.")
        self.assertRefused(
            "MissingError", "No Email template with id 999999", self.imap_user, "preview_template", 999999
        )
        self.assertRefused(
            "UserError",
            "Unknown time zone 'Mars/Olympus'",
            self.imap_user,
            "preview_template",
            template.id,
            tz="Mars/Olympus",
        )
        self.assertRefused(
            "UserError",
            "The language 'xx_XX' is not installed",
            self.imap_user,
            "preview_template",
            template.id,
            lang="xx_XX",
        )

    def test_the_time_zones_are_those_the_preview_offers(self):
        zones = self.rpc(self.imap_user, "list_time_zones")
        offered = [
            code for code, _label in self.env["imap.template.preview"]._fields["tz"]._description_selection(self.env)
        ]
        self.assertEqual(zones, offered)
        self.assertIn("Europe/Paris", zones)


@tagged("post_install", "-at_install")
class TestApiSurface(ApiCase):
    #: Arguments each method of imap.api accepts; the outsider is refused whatever they are.
    CALLS = {
        "list_mailboxes": [],
        "create_mailboxes": [[]],
        "set_mailboxes_active": [[1], False],
        "sync_mailboxes": [[1]],
        "recover_mailboxes": [[1]],
        "list_failed_messages": [],
        "retry_failed_messages": [[1]],
        "send_message": [["a@example.com"], "Hi", "<p>Hi</p>"],
        "list_templates": [],
        "create_templates": [[]],
        "update_template": [1, {}],
        "delete_templates": [[1]],
        "get_default_template": ["res.partner"],
        "preview_template": [1],
        "list_time_zones": [],
    }

    def test_every_public_method_is_documented_and_refuses_callers_without_the_imap_role(self):
        public = {
            name
            for name, value in vars(ImapApi).items()
            if callable(value) and not name.startswith("_") and not getattr(value, "_api_private", False)
        }
        self.assertEqual(public, set(self.CALLS))
        with open(DOCS, encoding="utf-8") as docs:
            documented = set(re.findall(r"^### `(\w+)", docs.read(), re.MULTILINE))
        self.assertEqual(documented, public, "docs/api.md documents exactly the public methods")
        for method, args in self.CALLS.items():
            with self.subTest(method=method):
                self.assertRefused(
                    "AccessError", "The IMAP Conversations API is for IMAP users", self.outsider, method, *args
                )
