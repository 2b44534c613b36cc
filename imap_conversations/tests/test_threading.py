from datetime import UTC, datetime, timedelta

from odoo.tests import tagged

from .common import SyncCase, make_email


@tagged("post_install", "-at_install")
class TestThreading(SyncCase):
    def conversation_of(self, mailbox, subject):
        return self.messages(mailbox).filtered(lambda m: m.subject == subject).conversation_id

    def test_replies_join_their_conversation_by_references(self):
        mailbox = self.synced_mailbox()
        self.rig.append(
            mailbox.login,
            "INBOX",
            [
                make_email(subject="Offer", message_id="<root@x>", date=datetime(2026, 11, 1, 9, tzinfo=UTC)),
                make_email(
                    subject="Re: Offer",
                    message_id="<r1@x>",
                    In_Reply_To="<root@x>",
                    References="<root@x>",
                    date=datetime(2026, 11, 2, 9, tzinfo=UTC),
                ),
                make_email(
                    subject="Re: Re: Offer",
                    message_id="<r2@x>",
                    In_Reply_To="<r1@x>",
                    References="<root@x> <r1@x>",
                    date=datetime(2026, 11, 3, 9, tzinfo=UTC),
                ),
                make_email(subject="Unrelated", message_id="<other@x>"),
            ],
        )
        self.sync(mailbox)
        conversation = self.conversation_of(mailbox, "Offer")
        self.assertEqual(len(self.messages(mailbox).conversation_id), 2)
        self.assertEqual(conversation.message_count, 3)
        self.assertEqual(
            conversation.imap_message_ids.sorted("date").mapped("subject"), ["Offer", "Re: Offer", "Re: Re: Offer"]
        )
        self.assertEqual(conversation.first_message_date, datetime(2026, 11, 1, 9))
        self.assertEqual(conversation.last_message_date, datetime(2026, 11, 3, 9))
        self.assertTrue(conversation.is_unread)

    def test_a_reply_found_before_its_parent_still_shares_its_conversation(self):
        mailbox = self.synced_mailbox()
        # INBOX syncs before Sent: the customer's answer arrives before our message it answers.
        self.rig.append(
            mailbox.login,
            "INBOX",
            [
                make_email(
                    subject="Re: Our proposal",
                    message_id="<answer@client>",
                    In_Reply_To="<ours@us>",
                    References="<ours@us>",
                ),
            ],
        )
        self.rig.append(mailbox.login, "Sent", [make_email(subject="Our proposal", message_id="<ours@us>")])
        self.sync(mailbox)
        messages = self.messages(mailbox)
        self.assertEqual(len(messages), 2)
        self.assertEqual(len(messages.conversation_id), 1)
        self.assertEqual(set(messages.mapped("direction")), {"incoming", "outgoing"})

    def test_a_late_parent_merges_two_branches_it_connects(self):
        mailbox = self.synced_mailbox()
        self.rig.append(
            mailbox.login,
            "INBOX",
            [
                make_email(subject="Re: Plan", message_id="<a@x>", In_Reply_To="<root@x>", References="<root@x>"),
                make_email(subject="Re: Plan", message_id="<b@x>", In_Reply_To="<mid@x>", References="<mid@x>"),
            ],
        )
        self.sync(mailbox)
        self.assertEqual(len(self.messages(mailbox).conversation_id), 2)
        # Somebody linked each branch to a record by hand: the links must survive the merge.
        first, second = self.messages(mailbox).conversation_id.sorted("id")
        lead_like = self.env["res.partner"].create({"name": "Linked by hand"})
        other = self.env["res.partner"].create({"name": "Also linked"})
        links = self.env["imap.conversation.link"]
        links._link(first, lead_like)
        links._link(second, lead_like | other)
        self.rig.append(
            mailbox.login,
            "INBOX",
            [
                make_email(subject="Re: Plan", message_id="<mid@x>", In_Reply_To="<root@x>", References="<root@x>"),
            ],
        )
        self.sync(mailbox)
        conversation = self.messages(mailbox).conversation_id
        self.assertEqual(len(conversation), 1, "the bridging message joins both branches")
        self.assertEqual(
            sorted(conversation.link_ids.mapped("res_name")), ["Also linked", "Linked by hand"], "every link, once"
        )
        self.assertEqual(conversation.message_count, 3)
        self.assertEqual(self.env["imap.conversation"].search_count([("mailbox_id", "=", mailbox.id)]), 1)

    def test_a_reply_without_references_joins_by_subject_and_participant_only(self):
        mailbox = self.synced_mailbox()
        now = datetime.now(UTC)
        self.rig.append(
            mailbox.login,
            "INBOX",
            [
                make_email(subject="Delivery date", sender="alice@example.com", date=now - timedelta(days=2)),
            ],
        )
        self.sync(mailbox)
        self.rig.append(
            mailbox.login,
            "INBOX",
            [
                make_email(subject="RE: Delivery date", sender="alice@example.com", date=now - timedelta(days=1)),
                make_email(subject="Re: Delivery date", sender="stranger@elsewhere.test", date=now),
            ],
        )
        self.sync(mailbox)
        alice = self.messages(mailbox).filtered(lambda m: "alice" in m.email_from)
        stranger = self.messages(mailbox).filtered(lambda m: "stranger" in m.email_from)
        self.assertEqual(len(alice.conversation_id), 1)
        self.assertNotEqual(stranger.conversation_id, alice.conversation_id)

    def test_reading_on_the_server_clears_the_unread_state(self):
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="Ping")], flags=[b"\\Seen"])
        self.rig.append(mailbox.login, "Sent", [make_email(subject="Re: Ping", References="<x@y>")])
        self.sync(mailbox)
        self.assertFalse(
            any(self.messages(mailbox).conversation_id.mapped("is_unread")),
            "read incoming mail and our own mail are not unread",
        )
