"""The API's mailboxes: listed, created, enabled and disabled, synced and recovered with the buttons' rights."""

import xmlrpc.client

from odoo.tests import tagged

from ..services.own_mailboxes import set_users_may_add
from .api_common import ApiCase
from .common import make_email


@tagged("post_install", "-at_install")
class TestApiMailboxes(ApiCase):
    def setUp(self):
        super().setUp()
        self.own = self.synced_mailbox(owner=self.imap_user)
        self.others = self.make_mailbox(owner=self.other_user)
        self.shared = self.make_mailbox(user_id=False, name="Support")

    def mailbox_values(self, **values):
        login = self.rig.new_login()
        return {
            "name": f"API {login}",
            "host": self.rig.host,
            "port": self.rig.port,
            "security": "none",
            "login": login,
            "password": self.rig.password,
            **values,
        }

    def test_a_user_lists_the_mailboxes_they_may_use_without_any_secret(self):
        listed = {m["id"]: m for m in self.rpc(self.imap_user, "list_mailboxes")}
        self.assertEqual(set(listed), {self.own.id, self.shared.id}, "not another user's mailbox")
        own = listed[self.own.id]
        self.assertEqual(
            (own["owner"]["id"], own["shared"], own["state"], own["auth_method"], own["can_manage"]),
            (self.imap_user.id, False, "draft", "password", True),
        )
        self.assertFalse(listed[self.shared.id]["can_manage"], "a shared mailbox is used, managed by administrators")
        self.assertNotIn(self.rig.password, str(listed), "no password, whatever the key's rights")
        self.assertEqual(
            [m["id"] for m in self.rpc(self.imap_user, "list_mailboxes", manageable_only=True)], [self.own.id]
        )
        every = {m["id"] for m in self.rpc(self.imap_admin, "list_mailboxes")}
        self.assertLessEqual({self.own.id, self.others.id, self.shared.id}, every, "administrators see all")

    def test_a_user_creates_their_own_mailbox_only_and_only_where_settings_allow_it(self):
        [created] = self.rpc(self.imap_user, "create_mailboxes", [self.mailbox_values()])
        self.assertEqual(created["owner"]["id"], self.imap_user.id, "one's own, without saying so")
        self.assertRefused(
            "AccessError",
            "doesn't have 'create' access",
            self.imap_user,
            "create_mailboxes",
            [self.mailbox_values(user_id=self.other_user.id)],
        )
        self.assertRefused(
            "AccessError",
            "doesn't have 'create' access",
            self.imap_user,
            "create_mailboxes",
            [self.mailbox_values(user_id=False)],
        )
        self.assertRefused(
            "UserError",
            "Unknown fields: state",
            self.imap_user,
            "create_mailboxes",
            [self.mailbox_values(state="active")],
        )
        self.assertRefused(
            "ValidationError",
            "Wrong value for imap.mailbox.security: 'tls'",
            self.imap_user,
            "create_mailboxes",
            [self.mailbox_values(security="tls")],
        )
        set_users_may_add(self.env, False)
        self.assertRefused(
            "AccessError",
            "Only IMAP administrators add mailboxes",
            self.imap_user,
            "create_mailboxes",
            [self.mailbox_values()],
        )
        created = self.rpc(
            self.imap_admin,
            "create_mailboxes",
            [self.mailbox_values(user_id=False), self.mailbox_values(user_id=self.other_user.id)],
        )
        self.assertEqual(
            [(m["shared"], (m["owner"] or {}).get("id")) for m in created], [(True, None), (False, self.other_user.id)]
        )

    def test_a_users_mailbox_reaches_only_allowed_servers(self):
        self.env["ir.config_parameter"].set_param("imap_conversations.allowed_servers", "imap.example.com")
        [created] = self.rpc(self.imap_user, "create_mailboxes", [self.mailbox_values()])
        [report] = self.rpc(self.imap_user, "sync_mailboxes", [created["id"]])
        self.assertFalse(report["ok"])
        self.assertIn("not allowed by your administrator", report["error"])

    def test_enable_and_disable_in_bulk_is_for_those_who_manage(self):
        disabled = self.rpc(self.imap_admin, "set_mailboxes_active", [self.own.id, self.shared.id], False)
        self.assertEqual([m["active"] for m in disabled], [False, False])
        self.assertFalse(self.own.active)
        self.assertEqual(self.rpc(self.imap_user, "list_mailboxes"), [])
        self.assertEqual(len(self.rpc(self.imap_user, "list_mailboxes", include_disabled=True)), 2)
        self.rpc(self.imap_user, "set_mailboxes_active", [self.own.id], True)
        self.assertTrue(self.own.active)
        self.assertRefused(
            "AccessError",
            "is for the owner of “Support” and IMAP administrators",
            self.imap_user,
            "set_mailboxes_active",
            [self.own.id, self.shared.id],
            True,
        )
        self.assertRefused(
            "AccessError", "not shared with you", self.imap_user, "set_mailboxes_active", [self.others.id], False
        )
        self.assertTrue(self.others.active)
        self.assertFalse(self.shared.active, "a refused batch changes nothing")
        self.assertRefused(
            "MissingError", "No IMAP mailbox with id 999999", self.imap_user, "set_mailboxes_active", [999999], False
        )

    def test_sync_is_for_those_who_use_recovery_for_those_who_manage(self):
        self.rig.append(self.own.login, "INBOX", [make_email(subject="Through the API")])
        [report] = self.rpc(self.imap_user, "sync_mailboxes", [self.own.id])
        self.assertEqual((report["mailbox_id"], report["ok"], report["new"]), (self.own.id, True, 1))
        self.assertEqual(self.messages(self.own).subject, "Through the API")
        [report] = self.rpc(self.imap_user, "recover_mailboxes", [self.own.id])
        self.assertEqual((report["ok"], report["new"]), (True, 0))
        self.assertRefused("AccessError", "not shared with you", self.imap_user, "sync_mailboxes", [self.others.id])
        self.assertRefused(
            "AccessError", "“Run recovery” is for the owner", self.imap_user, "recover_mailboxes", [self.shared.id]
        )
        self.assertFalse(self.others.last_run_date, "nothing ran on a refused mailbox")

    def test_callers_without_the_imap_role_or_with_a_wrong_key_are_refused(self):
        self.assertRefused(
            "AccessError", "The IMAP Conversations API is for IMAP users", self.outsider, "list_mailboxes"
        )
        self.assertRefused("AccessDenied", "Access Denied", self.imap_user, "list_mailboxes", key="not-a-key")
        self.assertRefused(
            "AccessDenied", "Access Denied", self.imap_user, "list_mailboxes", key=self.keys[self.other_user]
        )
        self.assertRefused("AccessError", "Private methods", self.imap_user, "_check_caller")

    def test_xmlrpc_answers_the_same_as_jsonrpc(self):
        models = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object")
        self.env.flush_all()  # as url_open does: the server reads the database
        listed = models.execute_kw(
            self.env.cr.dbname, self.imap_user.id, self.keys[self.imap_user], "imap.api", "list_mailboxes", [], {}
        )
        self.assertEqual(listed, self.rpc(self.imap_user, "list_mailboxes"))
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            models.execute_kw(
                self.env.cr.dbname,
                self.imap_user.id,
                self.keys[self.imap_user],
                "imap.api",
                "sync_mailboxes",
                [[self.others.id]],
            )
        self.assertIn("not shared with you", caught.exception.faultString)
