"""Rows a user may write cannot be moved, or pointed, at what the user may not touch or read.

Odoo checks write rules on a record as it was before the write: a user who may write a row of
their own mailbox must not be able to move it into another mailbox, nor name, through a field
Odoo labels as superuser, a record they may not read (found by attacking the addon).
"""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import company_administrators
from .reading_common import ReadingCase


@tagged("post_install", "-at_install")
class TestMovesAndReferences(ReadingCase):
    def setUp(self):
        super().setUp()
        self.own = self.make_mailbox(owner=self.other_user)
        self.victim = self.synced_mailbox(owner=self.imap_user)
        self.victim_message = self.conversation(self.victim, "Top secret merger").imap_message_ids[:1]
        self.attacker = self.env(user=self.other_user)

    def test_a_password_row_cannot_be_moved_to_another_mailbox(self):
        bare = self.env["imap.mailbox"].create(
            {
                "name": "No password yet",
                "host": self.rig.host,
                "login": "nobody",
                "user_id": self.imap_user.id,
            }
        )
        credential = self.attacker["imap.mailbox.credential"].search([("mailbox_id", "=", self.own.id)])
        self.assertTrue(credential, "the owner reads the password row of their mailbox")
        for target in (bare, self.shared_mailbox()):
            with self.subTest(target=target.name), self.assertRaises(AccessError):
                credential.write({"mailbox_id": target.id, "password": "chosen-by-attacker"})
        with self.assertRaises(AccessError):
            self.attacker["imap.mailbox.credential"].create({"mailbox_id": bare.id, "password": "planted"})
        self.assertFalse(bare.sudo().password)
        self.assertEqual(self.own.sudo().password, self.rig.password)

    def test_a_folder_cannot_be_planted_in_another_mailbox(self):
        folder = self.env["imap.folder"].create({"mailbox_id": self.own.id, "name": "Mine", "is_selectable": True})
        folder = folder.with_user(self.other_user)
        folder.sync_enabled = True  # what a user may change on their own folders
        for values in ({"mailbox_id": self.victim.id}, {"role": "inbox"}, {"state": "ok", "last_uid": 0}):
            with self.subTest(values=values), self.assertRaises(AccessError):
                folder.write(values)
        with self.assertRaises(AccessError):
            self.attacker["imap.folder"].create({"mailbox_id": self.own.id, "name": "Planted"})
        self.assertEqual(folder.sudo().mailbox_id, self.own)

    def test_a_folder_of_another_company_cannot_be_adopted_by_an_administrator(self):
        _company_a, company_b, admin_a, _admin_ab = company_administrators(self.env, "moves")
        self.imap_admin.company_ids |= company_b
        theirs = self.make_mailbox(owner=self.imap_admin, company_id=company_b.id)
        folder = self.env["imap.folder"].create({"mailbox_id": self.own.id, "name": "Adopted"}).with_user(admin_a)
        with self.assertRaises(AccessError):
            folder.write({"mailbox_id": theirs.id})
        with self.assertRaises(AccessError):
            folder.write({"parent_id": self.env["imap.folder"].create({"mailbox_id": theirs.id, "name": "X"}).id})

    def test_the_composer_names_nothing_the_writer_may_not_read(self):
        conversation = self.victim_message.conversation_id
        for values in (
            {"parent_id": self.victim_message.id},
            {"draft_id": self.victim_message.id},
            {"conversation_id": conversation.id},
            {"mailbox_id": self.victim.id},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                self.attacker["imap.compose"].create({"mailbox_id": self.own.id, **values})
        composer = self.attacker["imap.compose"].create({"mailbox_id": self.own.id})
        with self.assertRaises(AccessError):
            composer.write({"parent_id": self.victim_message.id})
        with self.assertRaises(AccessError):
            self.attacker["imap.compose"].onchange(
                {"mailbox_id": self.own.id, "parent_id": self.victim_message.id},
                ["parent_id"],
                {"parent_id": {"fields": {"display_name": {}}}},
            )
