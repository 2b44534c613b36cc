"""Opening a composer to answer a message makes contacts only of the people it writes to.

Forward writes to nobody until the writer chooses: opening it (and discarding it) leaves no contact
behind. Reply and Reply all still make contacts of unknown recipients when the composer opens (see
the report of branch i9-fixes: deferring that to the send needs the composer's form).
"""

from odoo.tests import tagged

from .common import SyncCase, make_email


@tagged("post_install", "-at_install")
class TestComposerNewRecipients(SyncCase):
    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox()
        self.rig.append(
            self.mailbox.login,
            "INBOX",
            [
                make_email(
                    subject="Offer",
                    sender="Carla New <carla@new.example>",
                    to=self.mailbox.email,
                    cc="Dana New <dana@new.example>",
                )
            ],
        )
        self.sync(self.mailbox)
        self.message = self.messages(self.mailbox)
        self.conversation = self.message.conversation_id.with_user(self.imap_user)

    def new_contacts(self):
        return (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("email_normalized", "like", "@new.example")])
        )

    def test_opening_forward_creates_no_contact(self):
        action = self.conversation.action_reply_to_message(self.message.id, "forward")
        values = (
            self.env["imap.compose"]
            .with_user(self.imap_user)
            .with_context(**action["context"])
            .onchange({}, [], {"partner_ids": {"fields": {"display_name": {}}}, "subject": {}, "body": {}})["value"]
        )
        self.assertEqual(values["subject"], "Fwd: Offer")
        self.assertFalse(self.new_contacts(), "nobody is written to yet")
