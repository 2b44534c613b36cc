"""A contact that appears after its mail was imported takes part in its conversations."""

from odoo.tests import tagged

from .common import make_email
from .reading_common import ReadingCase


@tagged("post_install", "-at_install")
class TestFindingContactsLater(ReadingCase):
    def setUp(self):
        super().setUp()
        self.mine = self.synced_mailbox(owner=self.imap_user)
        self.quote = self.conversation(self.mine, "Quote", sender="Gina <gina@later.test>")
        self.cc = (
            self.deliver(self.mine, make_email(subject="Meeting", sender="hal@other.test", Cc="Gina@Later.test"))
            - self.quote
        )
        self.unrelated = self.conversation(self.mine, "Unrelated", sender="ivan@other.test")
        self.assertFalse((self.quote | self.cc).partner_ids, "no contact had the address at import")

    def test_a_contact_created_later_picks_up_its_conversations(self):
        gina = self.env["res.partner"].create({"name": "Gina", "email": "gina@later.test"})
        self.assertEqual(self.quote.partner_ids, gina)
        self.assertEqual(self.cc.partner_ids, gina, "as a recipient too, whatever the address's case")
        self.assertFalse(self.unrelated.partner_ids)
        self.assertIn(self.quote, gina.imap_conversation_ids)

    def test_a_contact_given_the_address_later_picks_them_up(self):
        gina = self.env["res.partner"].create({"name": "Gina"})
        self.assertFalse(self.quote.partner_ids)
        gina.write({"email": "Gina Later <GINA@later.test>"})
        self.assertEqual(self.quote.partner_ids | self.cc.partner_ids, gina)

    def test_a_contact_of_another_company_is_not_linked(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        stranger = self.env["res.partner"].create({"name": "Gina", "email": "gina@later.test", "company_id": other.id})
        self.assertFalse(self.quote.partner_ids & stranger)

    def test_merging_contacts_keeps_the_conversations(self):
        first = self.env["res.partner"].create({"name": "Gina", "email": "gina@later.test"})
        second = self.env["res.partner"].create({"name": "Gina L.", "email": "gina@later.test"})
        self.assertEqual(self.quote.partner_ids, first | second)
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((first | second).ids, first)
        self.quote.invalidate_recordset()
        self.assertEqual(self.quote.partner_ids, first)
