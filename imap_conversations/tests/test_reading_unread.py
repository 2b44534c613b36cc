from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import make_email
from .reading_common import ReadingCase


@tagged("post_install", "-at_install")
class TestUnreadPerUser(ReadingCase):
    def unread(self, conversation, user):
        seen_by = self.as_user(conversation, user)
        return seen_by.is_unread, seen_by.unread_message_count

    def test_each_user_of_a_shared_mailbox_reads_for_themselves(self):
        mailbox = self.shared_mailbox()
        conversation = self.conversation(mailbox, "Support request", message_id="<req@x>")
        self.deliver(mailbox, make_email(subject="Re: Support request", References="<req@x>"), seen=True)
        self.assertEqual(conversation.message_count, 2)
        for user in (self.imap_user, self.other_user):
            self.assertEqual(
                self.unread(conversation, user),
                (True, 2),
                "someone reading support@ in a mail client is not this user: \\Seen does not count",
            )

        self.open_form(conversation, self.imap_user)
        self.assertEqual(self.unread(conversation, self.imap_user), (False, 0), "opening it read it")
        self.assertEqual(self.unread(conversation, self.other_user), (True, 2), "for me only")
        read_state = self.env["imap.conversation.read"].search([("conversation_id", "=", conversation.id)])
        self.assertEqual(read_state.user_id, self.imap_user)
        self.assertEqual(read_state.last_read_message_id, max(conversation.imap_message_ids.ids))

    def test_on_a_personal_mailbox_the_server_flag_is_the_owners_reading(self):
        mailbox = self.synced_mailbox(owner=self.imap_user)
        read_on_server = self.conversation(mailbox, "Read in Thunderbird", message_id="<a@x>")
        self.deliver(mailbox, make_email(subject="Re: Read in Thunderbird", References="<a@x>"), seen=True)
        self.assertEqual(self.unread(read_on_server, self.imap_user), (True, 1), "the first one is still unseen")

        with self.rig.client(mailbox.login) as client:
            client.select_folder("INBOX")
            client.add_flags([1], [b"\\Seen"])
        self.sync(mailbox)
        self.assertEqual(self.unread(read_on_server, self.imap_user), (False, 0))
        self.assertEqual(
            self.unread(read_on_server, self.imap_admin),
            (False, 0),
            "an administrator looking in sees the owner's state",
        )
        self.assertFalse(
            self.env["imap.conversation.read"].search([("conversation_id", "=", read_on_server.id)]),
            "the server's flag needs no read row",
        )

    def test_mark_as_unread_holds_until_opened_again(self):
        mailbox = self.synced_mailbox(owner=self.imap_user)
        self.deliver(mailbox, make_email(subject="Old", message_id="<o@x>"), seen=True)
        self.deliver(mailbox, make_email(subject="Re: Old", References="<o@x>"), seen=True)
        conversation = self.messages(mailbox).conversation_id
        self.assertEqual(self.unread(conversation, self.imap_user), (False, 0))

        conversation.with_user(self.imap_user).action_mark_unread()
        self.assertEqual(
            self.unread(conversation, self.imap_user),
            (True, 1),
            "the latest incoming message is unread again, whatever the server says",
        )
        self.assertEqual(self.unread(conversation, self.imap_admin), (False, 0), "for me only")
        self.sync(mailbox)
        self.assertEqual(self.unread(conversation, self.imap_user), (True, 1), "a sync does not undo it")

        self.open_form(conversation, self.imap_user)
        self.assertEqual(self.unread(conversation, self.imap_user), (False, 0))

    def test_mark_as_unread_from_the_form_stays_on_the_form(self):
        conversation = self.conversation(self.shared_mailbox(), "Keep me")
        action = conversation.with_user(self.imap_user).with_context(imap_keep_form_open=True).action_mark_unread()
        self.assertEqual(
            action["params"]["next"]["infos"],
            {"noReload": True},
            "reloading the form would read the thread and mark it read at once",
        )
        self.assertFalse(conversation.with_user(self.imap_user).action_mark_unread(), "lists just reload")
        self.assertTrue(self.as_user(conversation, self.imap_user).is_unread)

    def test_a_new_incoming_message_makes_it_unread_again(self):
        mailbox = self.shared_mailbox()
        conversation = self.conversation(mailbox, "Quote", message_id="<q@x>")
        self.open_form(conversation, self.imap_user)
        self.assertFalse(self.as_user(conversation, self.imap_user).is_unread)

        self.deliver(mailbox, make_email(subject="Re: Quote", message_id="<q2@us>", References="<q@x>"), folder="Sent")
        self.assertEqual(conversation.message_count, 2)
        self.assertFalse(self.as_user(conversation, self.imap_user).is_unread, "our own reply is not unread mail")

        self.deliver(mailbox, make_email(subject="Re: Re: Quote", References="<q@x> <q2@us>"))
        self.assertEqual(self.unread(conversation, self.imap_user), (True, 1), "only the new message is unread")

    def test_with_mark_as_read_on_the_server_the_flag_means_nothing(self):
        mailbox = self.synced_mailbox(owner=self.imap_user, mark_as_read=True)
        conversation = self.conversation(mailbox, "Fetched")
        self.assertTrue(conversation.imap_message_ids.is_seen, "the sync set \\Seen itself")
        self.assertEqual(
            self.unread(conversation, self.imap_user),
            (True, 1),
            "nobody has read it: Odoo fetching it is not the owner reading it",
        )

    def test_only_reading_the_thread_marks_it_read(self):
        conversation = self.conversation(self.shared_mailbox(), "Listed only")
        as_user = conversation.with_user(self.imap_user)
        as_user.web_read({"subject": {}, "is_unread": {}, "unread_message_count": {}})
        self.env["imap.conversation"].with_user(self.imap_user).web_search_read(
            [("id", "=", conversation.id)], {"subject": {}, "is_unread": {}}
        )
        as_user.read(["thread_html"])
        self.assertTrue(
            self.as_user(conversation, self.imap_user).is_unread, "lists, tabs and API reads do not count as reading"
        )

        [values] = as_user.web_read({"thread_html": {}, "is_unread": {}})
        self.assertIn("o_imap_new", values["thread_html"], "what was unread until now is marked New")
        as_user.action_mark_read()  # what the form does once it shows the thread
        [values] = as_user.web_read({"thread_html": {}, "is_unread": {}})
        self.assertFalse(values["is_unread"], "read now")
        self.assertNotIn("o_imap_new", values["thread_html"], "and New only the first time")

    def test_unread_filter_and_counts_are_per_user(self):
        mailbox = self.shared_mailbox()
        first = self.conversation(mailbox, "First")
        second = self.conversation(mailbox, "Second")
        Conversation = self.env["imap.conversation"]
        self.open_form(first, self.imap_user)
        mine = Conversation.with_user(self.imap_user)
        theirs = Conversation.with_user(self.other_user)
        in_mailbox = [("mailbox_id", "=", mailbox.id)]
        self.assertEqual(mine.search([*in_mailbox, ("is_unread", "=", True)]), second)
        self.assertEqual(mine.search([*in_mailbox, ("is_unread", "=", False)]), first)
        self.assertEqual(mine.search([*in_mailbox, ("is_unread", "!=", True)]), first)
        self.assertEqual(theirs.search([*in_mailbox, ("is_unread", "=", True)]), first | second)
        self.assertEqual(
            self.search_filter("unread", self.imap_user).filtered(lambda c: c.mailbox_id == mailbox), second
        )

        (first | second).with_user(self.other_user).action_mark_read()
        self.assertFalse(theirs.search([*in_mailbox, ("is_unread", "=", True)]), "the list's bulk Mark as read")

    def test_nobody_marks_what_they_cannot_see(self):
        conversation = self.conversation(self.synced_mailbox(owner=self.imap_user), "Private")
        with self.assertRaises(AccessError):
            conversation.with_user(self.other_user).action_mark_read()
        with self.assertRaises(AccessError):
            conversation.with_user(self.other_user).action_mark_unread()
        self.assertFalse(self.env["imap.conversation.read"].search([("conversation_id", "=", conversation.id)]))
