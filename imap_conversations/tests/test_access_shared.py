"""Who may do what on a mailbox, checked in the methods that act (RPC ignores what the form shows).

- Using a mailbox (its conversations, replying from it, Sync now): its owner; for a shared
  mailbox the users it is shared with, or every IMAP user of its company when it names
  none; IMAP administrators.
- Managing it (Test connection, Test outgoing server, Fetch folders, Run recovery, Download
  log, its settings): the owner of a personal mailbox, and IMAP administrators.
"""

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import SyncCase, make_email

#: The buttons that configure or probe a mailbox.
MANAGING_ACTIONS = (
    "action_test_connection",
    "action_test_smtp",
    "action_fetch_folders",
    "action_recover",
    "action_download_log",
)


@tagged("post_install", "-at_install")
class TestSharedMailboxRights(SyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.member = new_test_user(
            cls.env,
            "imap_member",
            groups="base.group_user,imap_conversations.group_user",
            email="imap.member@example.com",
            name="Team Member",
        )

    def setUp(self):
        super().setUp()
        # A shared mailbox on the rig, with mail; shared with nobody in particular until a test says so.
        self.team = self.synced_mailbox(user_id=False)
        self.rig.append(self.team.login, "INBOX", [make_email(subject="for the team")])
        self.sync(self.team)

    def share_with_member(self):
        """The team mailbox shared with one user: imap_user and other_user are not members."""
        self.team.member_ids = self.member

    def as_user(self, user, records=None):
        return (records or self.team).with_user(user)

    def test_a_shared_mailbox_with_members_is_theirs_and_the_administrators(self):
        self.share_with_member()
        conversation = self.team.env["imap.conversation"].search([("mailbox_id", "=", self.team.id)])
        related = {
            "imap.mailbox": self.team,
            "imap.folder": self.team.folder_ids,
            "imap.conversation": conversation,
            "imap.message": self.messages(self.team),
            "imap.message.location": self.messages(self.team).location_ids,
            "imap.conversation.key": self.env["imap.conversation.key"].search([("mailbox_id", "=", self.team.id)]),
        }
        for model, records in related.items():
            self.assertTrue(records, model)
            for user in (self.member, self.imap_admin):
                with self.subTest(model=model, user=user.login):
                    self.assertEqual(self.env[model].with_user(user).search([("id", "in", records.ids)]), records)
            with self.subTest(model=model, user="not a member"):
                self.assertFalse(self.env[model].with_user(self.imap_user).search([("id", "in", records.ids)]))
                with self.assertRaises(AccessError):
                    records.with_user(self.imap_user).read(["display_name"])

    def test_without_members_every_imap_user_of_the_company_uses_it(self):
        for user in (self.imap_user, self.other_user, self.member):
            with self.subTest(user=user.login):
                conversations = self.env["imap.conversation"].with_user(user)
                self.assertTrue(conversations.search([("mailbox_id", "=", self.team.id)]))
                self.assertEqual(self.as_user(user).action_sync_now()["params"]["type"], "success")

    def test_members_sync_it_and_others_are_refused(self):
        self.share_with_member()
        self.rig.append(self.team.login, "INBOX", [make_email(subject="more for the team")])
        self.assertEqual(self.as_user(self.member).action_sync_now()["params"]["type"], "success")
        self.assertEqual(len(self.messages(self.team)), 2)
        with self.assertRaisesRegex(AccessError, "not shared with you"):
            self.as_user(self.imap_user).action_sync_now()
        self.assertTrue(self.as_user(self.imap_admin).action_sync_now())

    def test_users_of_a_shared_mailbox_may_not_manage_it(self):
        self.assertManagedByAdministratorsOnly(users=self.imap_user | self.member)

    def test_members_may_not_manage_it_nor_may_non_members(self):
        self.share_with_member()
        self.assertManagedByAdministratorsOnly(users=self.imap_user | self.member)

    def assertManagedByAdministratorsOnly(self, users):
        for user in users:
            for action in MANAGING_ACTIONS:
                with self.subTest(user=user.login, action=action), self.assertRaises(AccessError):
                    getattr(self.as_user(user), action)()
            with self.subTest(user=user.login, action="change its settings"), self.assertRaises(AccessError):
                self.as_user(user).write({"host": "10.0.0.1"})
            self.assertFalse(self.as_user(user).can_manage, "the buttons are hidden")

    def test_administrators_manage_it(self):
        self.share_with_member()
        self.assertTrue(self.as_user(self.imap_admin).can_manage)
        for action in MANAGING_ACTIONS:
            with self.subTest(action=action):
                self.assertIn("type", getattr(self.as_user(self.imap_admin), action)())
        self.as_user(self.imap_admin).member_ids = [(4, self.imap_user.id)]
        self.assertTrue(self.as_user(self.imap_user).action_sync_now(), "a new member uses it at once")

    def test_only_administrators_choose_the_members(self):
        self.share_with_member()
        for user in (self.member, self.imap_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.as_user(user).member_ids = [(4, self.other_user.id)]
        self.assertEqual(self.team.member_ids, self.member)

    def test_a_personal_mailbox_is_managed_by_its_owner_and_shared_with_nobody(self):
        personal = self.synced_mailbox(owner=self.imap_user)
        self.assertTrue(self.as_user(self.imap_user, personal).can_manage)
        for action in (*MANAGING_ACTIONS, "action_sync_now"):
            with self.subTest(action=action):
                self.assertIn("type", getattr(self.as_user(self.imap_user, personal), action)())
                with self.assertRaises(AccessError):
                    getattr(self.as_user(self.other_user, personal), action)()
        with self.assertRaises(ValidationError):
            self.as_user(self.imap_user, personal).member_ids = [(4, self.other_user.id)]

    def test_non_members_cannot_reply_from_it(self):
        self.share_with_member()
        composer = self.env["imap.compose"].with_user(self.imap_user)
        offered = self.env["imap.mailbox"].with_user(self.imap_user).search(composer._sending_mailboxes_domain())
        self.assertNotIn(self.team, offered, "not offered")
        with self.assertRaises(AccessError):
            composer.create(
                {
                    "mailbox_id": self.team.id,
                    "subject": "forged",
                    "partner_ids": self.imap_admin.partner_id.ids,
                }
            ).action_send()
        self.assertIn(
            self.team,
            self.env["imap.mailbox"].with_user(self.member).search(composer._sending_mailboxes_domain()),
            "members are offered it",
        )
