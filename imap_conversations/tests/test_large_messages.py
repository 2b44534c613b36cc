import base64
import os

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..services.recovery import MailboxRecovery
from .common import SyncCase, make_email


def large_email(subject="Scans", megabytes=1.5, **kwargs):
    """A message of about *megabytes* MB: a short text and an incompressible attachment."""
    from email import message_from_bytes, policy

    message = message_from_bytes(
        make_email(subject=subject, body="The scans you asked for.", **kwargs), policy=policy.default
    )
    message.add_attachment(
        os.urandom(int(megabytes * 1024 * 1024 * 3 / 4)), maintype="application", subtype="pdf", filename="scans.pdf"
    )
    return message.as_bytes()


@tagged("post_install", "-at_install")
class TestLargeMessages(SyncCase):
    """Over the mailbox's maximum size, a message is recorded from its headers and imported on demand."""

    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox(max_message_size_mb=1)
        self.rig.append(
            self.mailbox.login,
            "INBOX",
            [
                make_email(subject="Small one", message_id="<small@x>"),
                large_email(message_id="<large@x>", sender="Scanner <scanner@example.org>"),
                make_email(subject="After it", message_id="<after@x>"),
            ],
        )

    def large(self):
        return self.messages(self.mailbox).filtered(lambda m: m.message_id == "<large@x>")

    def test_a_message_over_the_limit_is_recorded_with_its_headers_and_not_its_body(self):
        report = self.sync(self.mailbox)
        self.assertEqual(report.counts.new, 2)
        self.assertEqual(report.counts.too_large, 1)
        large = self.large()
        self.assertEqual(large.state, "too_large")
        self.assertEqual((large.subject, large.email_from), ("Scans", '"Scanner" <scanner@example.org>'))
        self.assertTrue(large.date)
        self.assertGreater(large.size, 1024 * 1024)
        self.assertIn("maximum message size of 1.0 MB", large.error_message)
        self.assertIn("Message-Id: <large@x>", large.headers.replace("Message-ID", "Message-Id"))
        self.assertFalse(large.body_text or large.body_html_source or large.attachment_ids or large.conversation_id)
        inbox = self.folder(self.mailbox, "INBOX")
        self.assertEqual(large.location_ids.folder_id, inbox)
        self.assertEqual(large.location_ids.uid, 2)
        self.assertEqual(inbox.last_uid, 3, "the watermark moves past it")
        self.assertIn("INBOX: initial, 2 new, 0 failed, 0 skipped, 1 too large", self.mailbox.log_ids[:1].details)

    def test_a_rerun_and_the_recovery_pass_neither_duplicate_it_nor_treat_it_as_missing(self):
        self.sync(self.mailbox)
        self.rig.append(self.mailbox.login, "INBOX", [make_email(subject="Later", message_id="<later@x>")])
        self.sync(self.mailbox)
        self.env["ir.config_parameter"].sudo().set_param("imap_conversations.recovery_grace_minutes", 0)
        recovery = MailboxRecovery(self.mailbox).run()
        self.assertFalse(recovery.error)
        self.assertEqual(recovery.counts.new, 0, "recovery does not take it for missing mail")
        self.assertEqual(len(self.large()), 1)
        self.assertEqual(self.large().state, "too_large")
        self.assertEqual(len(self.messages(self.mailbox)), 4)

    def test_import_anyway_imports_it_in_full_once(self):
        self.sync(self.mailbox)
        action = self.large().with_user(self.imap_user).action_import_anyway()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        large = self.large()
        self.assertEqual(large.state, "imported")
        self.assertEqual(large.attachment_ids.mapped("name"), ["scans.pdf"])
        self.assertGreater(len(large.attachment_ids.raw), 1024 * 1024)
        self.assertIn("The scans you asked for.", large.body_text)
        self.assertTrue(large.conversation_id)
        self.assertEqual(large.location_ids.uid, 2, "its placement is kept")
        self.rig.append(self.mailbox.login, "INBOX", [make_email(subject="Later", message_id="<later@x>")])
        self.sync(self.mailbox)
        self.assertEqual(len(self.large()), 1, "a rerun does not import it again")

    def test_only_administrators_and_the_owner_may_import_it(self):
        shared = self.synced_mailbox(user_id=False, max_message_size_mb=1)
        self.rig.append(shared.login, "INBOX", [large_email(message_id="<shared-large@x>")])
        self.sync(shared)
        large = self.messages(shared, state="too_large")
        self.assertEqual(len(large), 1)
        with self.assertRaises(AccessError):
            large.with_user(self.imap_user).action_import_anyway()
        self.assertEqual(large.state, "too_large")
        large.with_user(self.imap_admin).action_import_anyway()
        self.assertEqual(self.messages(shared).mapped("state"), ["imported"])

    def test_a_message_gone_from_the_server_is_left_as_recorded(self):
        self.sync(self.mailbox)
        with self.rig.client(self.mailbox.login) as client:
            client.select_folder("INBOX")
            client.delete_messages([2])
            client.expunge()
        action = self.large().action_import_anyway()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("no longer where", action["params"]["message"])
        self.assertEqual(self.large().state, "too_large")

    def test_without_a_limit_it_is_imported_by_the_sync(self):
        self.mailbox.max_message_size_mb = 0
        self.sync(self.mailbox)
        self.assertEqual(self.large().state, "imported")
        self.assertEqual(base64.b64decode(self.large().attachment_ids.datas)[:4], self.large().attachment_ids.raw[:4])
