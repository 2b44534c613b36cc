"""Only people who may read a conversation follow it, whichever way they are added (RPC included).

A follower receives the conversation's notes and messages: a member of a shared mailbox must not
make a colleague the mailbox is not shared with, or an outside contact, a reader of it.
"""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import make_email
from .reading_common import ReadingCase


@tagged("post_install", "-at_install")
class TestAccessFollowers(ReadingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.member, cls.colleague = (
            new_test_user(
                cls.env,
                login,
                groups="base.group_user,imap_conversations.group_user",
                email=f"{login}@example.com",
                name=login,
            )
            for login in ("follow_member", "follow_colleague")
        )

    def setUp(self):
        super().setUp()
        team = self.shared_mailbox()
        team.member_ids = self.member | self.colleague  # not imap_user nor other_user
        self.conversation = self.deliver(team, make_email(subject="Prices for the team"))
        self.as_member = self.conversation.with_user(self.member)
        self.outsider = self.other_user.partner_id
        self.customer = self.env["res.partner"].create({"name": "Customer", "email": "customer@example.org"})

    def followers(self):
        self.conversation.invalidate_recordset()
        return self.conversation.message_partner_ids

    def test_a_member_cannot_make_someone_who_may_not_read_it_a_follower(self):
        for partner in (self.outsider, self.customer):
            with self.subTest(partner=partner.name):
                with self.assertRaises(AccessError):
                    self.as_member.message_subscribe(partner_ids=partner.ids)
                wizard = (
                    self.env["mail.wizard.invite"]
                    .with_user(self.member)
                    .create(
                        {
                            "res_model": "imap.conversation",
                            "res_id": self.conversation.id,
                            "partner_ids": partner.ids,
                        }
                    )
                )
                with self.assertRaises(AccessError):
                    wizard.add_followers()
                with self.assertRaises(AccessError):
                    self.as_member.write({"message_partner_ids": [(4, partner.id)]})
                with self.assertRaises(AccessError):
                    self.as_member.with_context(mail_post_autofollow=True).message_post(
                        body="FYI", partner_ids=partner.ids, message_type="comment"
                    )
        self.assertNotIn(self.outsider, self.followers())
        self.assertNotIn(self.customer, self.followers())

    def test_people_who_may_read_it_are_added(self):
        self.as_member.message_subscribe(partner_ids=self.colleague.partner_id.ids)
        wizard = (
            self.env["mail.wizard.invite"]
            .with_user(self.member)
            .create(
                {
                    "res_model": "imap.conversation",
                    "res_id": self.conversation.id,
                    "partner_ids": self.imap_admin.partner_id.ids,
                }
            )
        )
        wizard.add_followers()
        self.as_member.message_subscribe(partner_ids=self.member.partner_id.ids)
        self.assertLessEqual(
            self.colleague.partner_id | self.imap_admin.partner_id | self.member.partner_id, self.followers()
        )
