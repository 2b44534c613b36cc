import os
from datetime import UTC, datetime
from pathlib import Path

from odoo.tests import tagged

from .common import SyncCase, make_email

SAMPLES = Path(__file__).parent / "samples"


@tagged("post_install", "-at_install")
class TestLongSubjects(SyncCase):
    """A subject longer than a database index row (about 2.7 kB) is imported whole and still threads.

    The subjects are incompressible on purpose: PostgreSQL compresses index rows, and a repetitive
    subject of 10 kB fits in one.
    """

    def test_a_10_kb_subject_is_imported_and_its_reply_joins_by_subject(self):
        mailbox = self.synced_mailbox()
        raw = (SAMPLES / "subject_10kb.eml").read_bytes()
        self.rig.append(mailbox.login, "INBOX", [raw])
        self.sync(mailbox)
        root = self.messages(mailbox)
        self.assertEqual(root.mapped("state"), ["imported"], root.error_message)
        self.assertEqual(len(root.subject), 10240, "the subject is kept whole")
        self.assertTrue(root.subject.startswith("3a1b897888a1927b 77e0e4b7dda81435 "))
        self.assertEqual(root.conversation_id.subject, root.subject)

        # A reply without References, from the same sender: only the subject fallback can thread it.
        self.rig.append(
            mailbox.login,
            "INBOX",
            [
                make_email(
                    subject="Re: " + root.subject,
                    sender="Helpdesk <helpdesk@example.org>",
                    date=datetime(2026, 11, 30, 10, tzinfo=UTC),
                )
            ],
        )
        self.sync(mailbox)
        messages = self.messages(mailbox)
        self.assertEqual(messages.mapped("state"), ["imported", "imported"])
        self.assertEqual(len(messages.conversation_id), 1, "the reply joins by its normalized subject")

    def test_long_subjects_that_differ_only_at_their_end_stay_apart(self):
        mailbox = self.synced_mailbox()
        # Random, so that PostgreSQL cannot compress it into an index row.
        stem = os.urandom(2000).hex()
        self.rig.append(
            mailbox.login,
            "INBOX",
            [
                make_email(subject=stem + " first", sender="carol@example.org"),
                make_email(subject="Re: " + stem + " second", sender="carol@example.org"),
            ],
        )
        self.sync(mailbox)
        messages = self.messages(mailbox)
        self.assertEqual(messages.mapped("state"), ["imported", "imported"])
        self.assertEqual(len(messages.conversation_id), 2, "the bounded form still tells them apart")
