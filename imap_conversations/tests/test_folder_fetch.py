from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import SyncCase, make_email


@tagged("post_install", "-at_install")
class TestFolderFetch(SyncCase):
    def folders(self, mailbox):
        return {f.name: f for f in mailbox.folder_ids}

    def test_fetch_lists_every_folder_with_its_role_and_syncs_inbox_and_sent(self):
        mailbox = self.make_mailbox()
        self.rig.create_folder(mailbox.login, "Clients/ACME")
        action = mailbox.action_fetch_folders()
        self.assertEqual(action["params"]["type"], "success")
        folders = self.folders(mailbox)
        self.assertEqual(
            {name: f.role for name, f in folders.items()},
            {
                "INBOX": "inbox",
                "Sent": "sent",
                "Drafts": "drafts",
                "Trash": "trash",
                "Archive": "archive",
                "Junk": "junk",
                "Clients": "other",
                "Clients/ACME": "other",
            },
        )
        self.assertEqual({n for n, f in folders.items() if f.sync_enabled}, {"INBOX", "Sent"})
        self.assertEqual(mailbox.synced_folder_count, 2)

    def test_hierarchy_and_folders_that_cannot_hold_mail(self):
        mailbox = self.make_mailbox()
        self.rig.create_folder(mailbox.login, "Projects/Alpha/Specs")
        mailbox.action_fetch_folders()
        folders = self.folders(mailbox)
        self.assertEqual(folders["Projects/Alpha/Specs"].parent_id, folders["Projects/Alpha"])
        self.assertEqual(folders["Projects/Alpha"].parent_id, folders["Projects"])
        self.assertFalse(folders["Projects"].is_selectable, "Maildir++ lists the bare parent \\Noselect")
        self.assertTrue(folders["Projects/Alpha/Specs"].is_selectable)
        with self.assertRaises(ValidationError):
            folders["Projects"].sync_enabled = True

    def test_other_folders_can_be_switched_on_and_the_choice_survives_a_refetch(self):
        mailbox = self.make_mailbox()
        mailbox.action_fetch_folders()
        folders = self.folders(mailbox)
        folders["Archive"].sync_enabled = True
        folders["Sent"].sync_enabled = False
        mailbox.action_fetch_folders()
        self.assertEqual({n for n, f in self.folders(mailbox).items() if f.sync_enabled}, {"INBOX", "Archive"})

    def test_refetch_adds_new_folders_and_deletes_empty_vanished_ones(self):
        mailbox = self.make_mailbox()
        self.rig.create_folder(mailbox.login, "Old")
        mailbox.action_fetch_folders()
        old = self.folders(mailbox)["Old"]
        self.rig.delete_folder(mailbox.login, "Old")
        self.rig.create_folder(mailbox.login, "New")
        action = mailbox.action_fetch_folders()
        self.assertIn("1 new, 1 removed", action["params"]["message"])
        self.assertFalse(old.exists())
        self.assertIn("New", self.folders(mailbox))

    def test_non_ascii_folder_names(self):
        mailbox = self.make_mailbox()
        self.rig.create_folder(mailbox.login, "Счета & Überweisungen")
        mailbox.action_fetch_folders()
        self.assertIn("Счета & Überweisungen", self.folders(mailbox))

    def test_a_server_that_cannot_be_reached_changes_nothing(self):
        mailbox = self.make_mailbox()
        mailbox.action_fetch_folders()
        before = mailbox.folder_ids
        mailbox.password = "wrong"
        action = mailbox.action_fetch_folders()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("refused the login or password", action["params"]["message"])
        self.assertEqual(mailbox.folder_ids, before)

    def test_a_vanished_folder_holding_synced_mail_is_kept_and_marked_missing(self):
        mailbox = self.synced_mailbox()
        self.synced_folder(mailbox, "Projects")
        self.rig.append(mailbox.login, "Projects", [make_email(subject="keep me")])
        self.sync(mailbox)
        self.rig.delete_folder(mailbox.login, "Projects")
        report = self.sync(mailbox)  # the run itself notices: no error, nothing lost
        projects = self.folder(mailbox, "Projects")
        self.assertEqual((projects.state, projects.sync_enabled), ("missing", False))
        self.assertNotIn("Projects", [f.name for f in report.folders], "not synced any more")
        self.assertEqual(self.messages(mailbox).mapped("subject"), ["keep me"])
        action = mailbox.action_fetch_folders()
        self.assertIn("0 removed, 1 kept but missing on the server", action["params"]["message"])
        self.assertTrue(projects.exists())
