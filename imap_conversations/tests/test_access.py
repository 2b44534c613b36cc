from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import ImapCase


@tagged("post_install", "-at_install")
class TestAccess(ImapCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.personal = cls.env["imap.mailbox"].create(
            {
                "name": "Personal",
                "host": "127.0.0.1",
                "login": "me",
                "password": "personal-secret",
                "user_id": cls.imap_user.id,
            }
        )
        cls.shared = cls.env["imap.mailbox"].create(
            {
                "name": "Support",
                "host": "127.0.0.1",
                "login": "support",
                "password": "shared-secret",
                "user_id": False,
            }
        )
        cls.personal.folder_ids = [(0, 0, {"name": "INBOX", "role": "inbox", "sync_enabled": True})]

    def visible(self, user):
        return self.env["imap.mailbox"].with_user(user).search([("id", "in", (self.personal | self.shared).ids)])

    def test_a_personal_mailbox_is_visible_to_its_owner_and_administrators_only(self):
        self.assertEqual(self.visible(self.imap_user), self.personal | self.shared)
        self.assertEqual(self.visible(self.imap_admin), self.personal | self.shared)
        self.assertEqual(self.visible(self.other_user), self.shared)
        with self.assertRaises(AccessError):
            self.personal.with_user(self.other_user).read(["name"])
        with self.assertRaises(AccessError):
            self.personal.folder_ids.with_user(self.other_user).read(["name"])

    def test_the_password_is_readable_by_the_owner_and_administrators_only(self):
        self.assertEqual(self.personal.with_user(self.imap_user).password, "personal-secret")
        self.assertEqual(self.personal.with_user(self.imap_admin).password, "personal-secret")
        self.assertEqual(self.shared.with_user(self.imap_admin).password, "shared-secret")
        self.assertFalse(self.shared.with_user(self.imap_user).password, "a shared mailbox's password is the admins'")
        self.assertFalse(self.shared.with_user(self.imap_user).read(["password"])[0]["password"])
        credentials = self.env["imap.mailbox.credential"].with_user(self.other_user)
        self.assertFalse(credentials.search([]), "nobody reads passwords around the mailbox")
        self.assertFalse(self.shared.with_user(self.imap_user).can_manage_credentials)
        self.assertTrue(self.personal.with_user(self.imap_user).can_manage_credentials)

    def test_users_manage_their_own_mailbox_but_not_others_or_shared_ones(self):
        self.personal.with_user(self.imap_user).write({"host": "imap.example.com", "password": "new"})
        self.assertEqual(self.personal.with_user(self.imap_user).password, "new")
        for mailbox in (self.shared, self.personal):
            with self.subTest(mailbox=mailbox.name), self.assertRaises(AccessError):
                mailbox.with_user(self.other_user).write({"host": "evil.example.com"})
        with self.assertRaises(AccessError):
            self.shared.with_user(self.imap_user).write({"password": "stolen"})
        own = (
            self.env["imap.mailbox"]
            .with_user(self.other_user)
            .create(
                {
                    "name": "Mine",
                    "host": "127.0.0.1",
                    "login": "other",
                }
            )
        )
        self.assertEqual(own.user_id, self.other_user)
        with self.assertRaises(AccessError):
            self.env["imap.mailbox"].with_user(self.other_user).create(
                {
                    "name": "Sneaky shared",
                    "host": "127.0.0.1",
                    "login": "x",
                    "user_id": False,
                }
            )

    def test_setting_one_password_leaves_the_other_alone(self):
        self.personal.write({"smtp_same_credentials": False, "smtp_password": "smtp-secret"})
        self.assertEqual((self.personal.password, self.personal.smtp_password), ("personal-secret", "smtp-secret"))
        self.personal.password = "rotated"
        self.assertEqual((self.personal.password, self.personal.smtp_password), ("rotated", "smtp-secret"))
        self.assertFalse(self.shared.with_user(self.imap_user).smtp_password)

    def test_an_owner_can_neither_share_nor_give_away_their_mailbox(self):
        for owner in (False, self.other_user.id):
            with self.subTest(owner=owner), self.assertRaises(AccessError):
                self.personal.with_user(self.imap_user).write({"user_id": owner})
        self.personal.with_user(self.imap_admin).user_id = False
        self.assertTrue(self.personal.is_shared, "administrators can")

    def test_users_read_conversations_and_edit_their_links_but_only_the_sync_writes_the_rest(self):
        conversation = self.env["imap.conversation"].create({"mailbox_id": self.shared.id, "subject": "Team"})
        for values in ({"mailbox_id": self.personal.id}, {"subject": "Mine now"}):
            with self.subTest(values=values), self.assertRaises(AccessError):
                conversation.with_user(self.imap_user).write(values)
        self.assertEqual(conversation.with_user(self.imap_user).subject, "Team")
        with self.assertRaises(AccessError):
            self.env["imap.conversation"].with_user(self.imap_user).create({"mailbox_id": self.shared.id})

    def test_administrators_manage_every_mailbox(self):
        self.shared.with_user(self.imap_admin).write({"password": "rotated"})
        self.assertEqual(self.shared.with_user(self.imap_admin).password, "rotated")
        self.personal.with_user(self.imap_admin).unlink()
        self.assertFalse(self.personal.exists())

    def test_mailboxes_of_other_companies_are_hidden(self):
        other_company = self.env["res.company"].create({"name": "Elsewhere Ltd"})
        foreign = self.env["imap.mailbox"].create(
            {
                "name": "Foreign",
                "host": "127.0.0.1",
                "login": "f",
                "user_id": False,
                "company_id": other_company.id,
            }
        )
        self.assertFalse(self.env["imap.mailbox"].with_user(self.imap_admin).search([("id", "=", foreign.id)]))

    def test_menus_and_groups_are_installed(self):
        admin_group = self.env.ref("imap_conversations.group_manager")
        self.assertIn(self.env.ref("imap_conversations.group_user"), admin_group.implied_ids)
        self.assertTrue(self.env.ref("imap_conversations.group_credential_notifications"))
        self.assertTrue(self.env.ref("imap_conversations.menu_root").web_icon)
        self.assertTrue(self.env.user.has_group("imap_conversations.group_manager"), "the admin administers it")
