from unittest.mock import patch

from cryptography.fernet import Fernet

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import config

from ..services.mailbox_sync import MailboxSync
from .common import ImapCase

#: The odoo.conf option (services/secret_box.py), spelled out: it is what administrators write.
KEY_OPTION = "imap_conversations_encryption_key"
KEY_1 = Fernet.generate_key().decode()
KEY_2 = Fernet.generate_key().decode()


@tagged("post_install", "-at_install")
class TestCredentialEncryption(ImapCase):
    """Mailbox passwords are encrypted at rest with the key of odoo.conf, never stored in the database."""

    def use_keys(self, *keys):
        """Sets imap_conversations_encryption_key for the rest of the test (as odoo.conf would)."""
        patcher = patch.dict(config.options, {KEY_OPTION: ",".join(keys)})
        patcher.start()
        self.addCleanup(patcher.stop)
        self.env.invalidate_all()

    def stored(self, mailbox, column="password"):
        self.env.flush_all()
        self.env.cr.execute(f"SELECT {column} FROM imap_mailbox_credential WHERE mailbox_id = %s", [mailbox.id])
        return self.env.cr.fetchone()[0]

    def read_as(self, user, mailbox):
        self.env.invalidate_all()
        return mailbox.with_user(user).password

    def test_with_a_key_the_column_holds_ciphertext_and_the_owner_reads_the_password(self):
        self.use_keys(KEY_1)
        mailbox = self.make_mailbox(smtp_same_credentials=False, smtp_login="smtp-login", smtp_password="smtp-secret")
        stored = self.stored(mailbox)
        self.assertTrue(stored.startswith("fernet:"), stored)
        self.assertNotIn(self.rig.password, stored)
        self.assertEqual(Fernet(KEY_1).decrypt(stored[len("fernet:") :].encode()).decode(), self.rig.password)
        self.assertTrue(self.stored(mailbox, "smtp_password").startswith("fernet:"), "every secret field")
        self.assertEqual(self.read_as(self.imap_user, mailbox), self.rig.password)
        self.assertEqual(self.read_as(self.imap_admin, mailbox), self.rig.password)
        self.assertEqual(mailbox.with_user(self.imap_user).read(["smtp_password"])[0]["smtp_password"], "smtp-secret")
        with self.assertRaises(AccessError):
            mailbox.with_user(self.other_user).read(["password"])
        # The engine gets the clear password: the server accepts it.
        self.assertEqual(mailbox.action_test_connection()["params"]["type"], "success")

    def test_without_a_key_passwords_are_stored_as_before(self):
        self.use_keys()
        mailbox = self.make_mailbox()
        self.assertEqual(self.stored(mailbox), self.rig.password)
        self.assertEqual(self.read_as(self.imap_user, mailbox), self.rig.password)

    def test_a_password_stored_before_the_key_stays_readable_and_is_encrypted_at_its_next_write(self):
        self.use_keys()
        mailbox = self.make_mailbox()
        self.use_keys(KEY_1)
        self.assertEqual(self.read_as(self.imap_user, mailbox), self.rig.password)
        self.assertEqual(self.stored(mailbox), self.rig.password, "reading changes nothing")
        mailbox.with_user(self.imap_user).password = "changed"
        self.assertTrue(self.stored(mailbox).startswith("fernet:"))
        self.assertEqual(self.read_as(self.imap_user, mailbox), "changed")

    def test_rotation_reencrypts_old_and_plain_values_with_the_new_key(self):
        self.use_keys()
        plain = self.make_mailbox()
        self.use_keys(KEY_1)
        old = self.make_mailbox()
        self.use_keys(KEY_2, KEY_1)
        self.assertEqual(self.read_as(self.imap_user, old), self.rig.password, "old keys still decrypt")
        system_admin = new_test_user(self.env, "imap_system", groups="base.group_system,imap_conversations.group_user")
        with self.assertRaises(AccessError, msg="the Settings page alone is not enough"):
            self.env["res.config.settings"].with_user(system_admin).create({}).action_imap_reencrypt_credentials()
        system_admin.groups_id += self.env.ref("imap_conversations.group_manager")
        settings = self.env["res.config.settings"].with_user(system_admin).create({})
        self.assertTrue(settings.imap_encryption_configured)
        action = settings.action_imap_reencrypt_credentials()
        self.assertEqual(action["params"]["type"], "success")
        for mailbox in (plain, old):
            stored = self.stored(mailbox)
            self.assertEqual(Fernet(KEY_2).decrypt(stored[len("fernet:") :].encode()).decode(), self.rig.password)
        self.use_keys(KEY_2)
        self.assertEqual(self.read_as(self.imap_user, old), self.rig.password, "the old key can now go")
        self.assertEqual(self.env["imap.mailbox.credential"]._reencrypt_secrets(), 0, "nothing left to do")

    def test_a_wrong_key_is_a_clear_error_and_the_run_goes_on_to_other_mailboxes(self):
        self.use_keys(KEY_1)
        locked_out = self.make_mailbox()
        self.use_keys(KEY_2)
        with self.assertRaises(UserError) as caught:
            self.read_as(self.imap_user, locked_out)
        self.assertIn(KEY_OPTION, str(caught.exception))
        with self.assertLogs("odoo.addons.imap_conversations", "WARNING"):
            report = MailboxSync(locked_out).run()
        self.assertEqual(report.error.kind, "secret_key")
        self.assertEqual(locked_out.state, "error")
        self.assertIn("cannot be decrypted", locked_out.last_error)
        toast = locked_out.action_test_connection()["params"]
        self.assertEqual(toast["type"], "danger")
        self.assertIn(KEY_OPTION, toast["message"])
        # Entering the password again stores it with the current key.
        locked_out.password = self.rig.password
        self.assertEqual(self.read_as(self.imap_user, locked_out), self.rig.password)

    def test_an_encrypted_password_without_any_key_says_so(self):
        self.use_keys(KEY_1)
        mailbox = self.make_mailbox()
        self.use_keys()
        with self.assertRaisesRegex(UserError, "no key is configured"):
            self.read_as(self.imap_admin, mailbox)
        with self.assertRaisesRegex(UserError, "not a Fernet key"):
            self.use_keys("not-a-key")
            self.read_as(self.imap_admin, mailbox)
