"""Every address of every message of a conversation takes part in it, whatever stored the message.

A contact finds its conversations by these addresses (res.partner._imap_conversation_domain), so an
address missing here is a conversation missing from the contact's Conversations tab.
"""

from datetime import UTC, datetime, timedelta

from odoo.tests import tagged

from ..services.partner_conversations import restore_participant_emails
from ..services.recovery import MailboxRecovery
from .common import PoisonedStorage, make_email
from .reading_common import ReadingCase
from .test_large_messages import large_email

START = datetime.now(UTC) - timedelta(days=3)


def reply(sender, message_id, parent, subject="Re: Offer", **headers):
    return make_email(
        subject=subject, sender=sender, message_id=message_id, In_Reply_To=parent, References=parent, **headers
    )


@tagged("post_install", "-at_install")
class TestFindingParticipants(ReadingCase):
    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox()
        self.offer = self.deliver(
            self.mailbox,
            make_email(
                subject="Offer", sender="alice@one.test", to=self.mailbox.email, message_id="<root@x>", date=START
            ),
        )

    def assertTakesPart(self, address, conversation):
        conversation.invalidate_recordset()
        self.assertIn(address, (conversation.participant_emails or "").split())
        contact = self.env["res.partner"].create({"name": address, "email": address})
        self.assertIn(conversation, contact.imap_conversation_ids, "the contact finds the conversation")
        self.assertIn(contact, conversation.partner_ids)

    def test_a_later_message_adds_its_sender_and_recipients(self):
        self.deliver(self.mailbox, reply("bob@two.test", "<r1@x>", "<root@x>", Cc="carol@three.test"))
        self.assertEqual(self.messages(self.mailbox).conversation_id, self.offer)
        for address in ("alice@one.test", "bob@two.test", "carol@three.test", self.mailbox.email):
            self.assertTakesPart(address, self.offer)

    def test_a_message_that_merges_two_conversations_keeps_the_addresses_of_both(self):
        branch = self.deliver(self.mailbox, reply("bob@two.test", "<b@x>", "<mid@x>")) - self.offer
        self.assertTrue(branch, "a reply to a message not seen yet starts a conversation of its own")
        self.deliver(self.mailbox, reply("carol@three.test", "<mid@x>", "<root@x>"))
        self.assertEqual(self.messages(self.mailbox).conversation_id, self.offer, "the branch is merged in")
        for address in ("alice@one.test", "bob@two.test", "carol@three.test"):
            self.assertTakesPart(address, self.offer)

    def test_a_batch_that_adds_to_a_conversation_and_then_merges_it_away_is_stored(self):
        self.deliver(self.mailbox, reply("bob@two.test", "<b@x>", "<mid@x>"))
        # One batch: a reply joins the branch, then the branch's missing parent merges it into the offer.
        self.rig.append(
            self.mailbox.login,
            "INBOX",
            [
                reply("frank@six.test", "<c@x>", "<b@x>"),
                reply("carol@three.test", "<mid@x>", "<root@x>"),
            ],
        )
        report = self.sync(self.mailbox)
        self.assertEqual((report.counts.new, report.counts.failed), (2, 0))
        self.assertEqual(self.messages(self.mailbox).conversation_id, self.offer)
        for address in ("bob@two.test", "frank@six.test", "carol@three.test"):
            self.assertTakesPart(address, self.offer)

    def test_a_message_stored_by_retry_adds_its_addresses(self):
        with PoisonedStorage(self.env.cr) as poisoned:
            self.deliver(self.mailbox, reply("dave@four.test", "<p@x>", "<root@x>", subject="poison"))
            poisoned.lift()
            self.messages(self.mailbox, state="failed").with_user(self.imap_user).action_retry()
        self.assertFalse(self.messages(self.mailbox, state="failed"))
        self.assertTakesPart("dave@four.test", self.offer)

    def test_a_message_imported_anyway_adds_its_addresses(self):
        self.mailbox.max_message_size_mb = 1
        self.deliver(
            self.mailbox,
            large_email(
                subject="Re: Offer",
                sender="erin@five.test",
                message_id="<l@x>",
                In_Reply_To="<root@x>",
                References="<root@x>",
            ),
        )
        self.messages(self.mailbox, state="too_large").with_user(self.imap_user).action_import_anyway()
        self.assertTakesPart("erin@five.test", self.offer)

    def test_a_message_found_by_recovery_adds_its_addresses(self):
        self.rig.append(
            self.mailbox.login,
            "INBOX",
            [reply("gus@seven.test", "<g@x>", "<root@x>")],
            msg_time=datetime.now(UTC) - timedelta(hours=1),
        )
        self.sync(self.mailbox)
        lost = self.messages(self.mailbox).filtered(lambda m: m.message_id == "<g@x>")
        lost.unlink()  # whatever the cause, Odoo no longer holds it; nor its address, for this test
        self.env.cr.execute(
            "UPDATE imap_conversation SET participant_emails = 'alice@one.test' WHERE id = %s", [self.offer.id]
        )
        self.assertFalse(MailboxRecovery(self.mailbox).run().error)
        self.assertTakesPart("gus@seven.test", self.offer)

    def test_the_upgrade_gives_conversations_back_the_addresses_of_their_messages(self):
        self.deliver(
            self.mailbox, reply("Bob <Bob@Two.test>", "<r1@x>", "<root@x>", Cc='"Carol, C." <carol@three.test>')
        )
        # As a merge left them before this was fixed: addresses of absorbed branches gone.
        self.env.cr.execute(
            "UPDATE imap_conversation SET participant_emails = 'alice@one.test' WHERE id = %s", [self.offer.id]
        )
        bob = self.env["res.partner"].create({"name": "Bob", "email": "bob@two.test"})
        self.assertNotIn(self.offer, bob.imap_conversation_ids)
        restore_participant_emails(self.env)
        self.offer.invalidate_recordset()
        self.assertEqual(
            set(self.offer.participant_emails.split()),
            {"alice@one.test", "bob@two.test", "carol@three.test", "bob@example.com", self.mailbox.email},
        )
        self.assertIn(bob, self.offer.partner_ids)
        self.assertTakesPart("carol@three.test", self.offer)
