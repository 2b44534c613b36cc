"""Routing rules on real synced mail: records created with the mail's files, found and linked, in order."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import make_email
from .routing_common import RoutingCase, mail_with_attachment


@tagged("post_install", "-at_install")
class TestRoutingRules(RoutingCase):
    def test_a_matching_mail_creates_a_lead_with_its_attachments_and_its_conversation_linked(self):
        mailbox = self.synced_mailbox()
        rule = self.make_rule(
            model="crm.lead",
            subject_match="quote",
            from_match="customer.example.com",
            salesperson_id=self.author.id,
            field_values="name = Quote: {{ subject }}\nemail_from = {{ from }}\ncontact_name = {{ from_name }}\n"
            "description = {{ text }}",
        )
        self.rig.append(
            mailbox.login,
            "INBOX",
            [
                mail_with_attachment("Quote for chairs"),
                mail_with_attachment("Quote from elsewhere", sender="Zed <zed@other.example.org>"),
                make_email(subject="Unrelated", sender="Anna Buyer <anna@customer.example.com>"),
            ],
        )
        self.sync(mailbox)
        lead = self.records_from(rule)
        self.assertEqual(lead.mapped("name"), ["Quote: Quote for chairs"], "only the mail that matches")
        self.assertEqual((lead.email_from, lead.contact_name), ("Anna Buyer <anna@customer.example.com>", "Anna Buyer"))
        self.assertIn("Please quote.", lead.description)
        self.assertEqual(lead.user_id, self.author, "the salesperson the rule sets")
        self.assertEqual(lead.create_uid, self.author, "created with the rule author's rights")
        files = self.env["ir.attachment"].search([("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)])
        self.assertEqual((files.name, files.raw), ("specs.pdf", b"%PDF-1.4 specs"))
        message = self.messages(mailbox).filtered(lambda m: m.subject == "Quote for chairs")
        self.assertIn(message.conversation_id, lead.imap_conversation_ids, "the conversation shows on the lead")

    def test_find_links_the_conversation_to_the_contact_of_the_sender(self):
        mailbox = self.synced_mailbox()
        anna = self.env["res.partner"].create({"name": "Anna (known)", "email": "ANNA@customer.example.com"})
        self.make_rule(action="find", find_domain="[('email', '=ilike', '{{ from_email }}')]")
        self.rig.append(
            mailbox.login,
            "INBOX",
            [make_email(subject="Hi", sender="Anna <anna@customer.example.com>", to="someone@else.example")],
        )
        self.sync(mailbox)
        conversation = self.messages(mailbox).conversation_id
        link = self.env["imap.conversation.link"].search([("conversation_id", "=", conversation.id)])
        self.assertEqual((link.res_model, link.res_id), ("res.partner", anna.id))

    def test_a_rule_that_stops_keeps_later_rules_off_and_one_that_continues_lets_them_run(self):
        mailbox = self.synced_mailbox()
        first = self.make_rule(name="first", sequence=1, stop=False, field_values="name = first {{ subject }}")
        second = self.make_rule(name="second", sequence=2, field_values="name = second {{ subject }}")
        third = self.make_rule(name="third", sequence=3, field_values="name = third {{ subject }}")
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="hello")])
        self.sync(mailbox)
        self.assertEqual(self.records_from(first).name, "first hello")
        self.assertEqual(self.records_from(second).name, "second hello")
        self.assertFalse(self.records_from(third), "the second rule stops the routing")

    def test_rules_route_only_mail_of_their_mailboxes(self):
        mine, other = self.synced_mailbox(), self.synced_mailbox()
        rule = self.make_rule(mailbox_ids=[(6, 0, mine.ids)], field_values="name = {{ subject }}")
        self.rig.append(mine.login, "INBOX", [make_email(subject="mine")])
        self.rig.append(other.login, "INBOX", [make_email(subject="other")])
        self.sync(mine)
        self.sync(other)
        self.assertEqual(self.records_from(rule).mapped("name"), ["mine"])

    def test_only_imap_administrators_create_or_change_rules(self):
        rule = self.make_rule(field_values="name = {{ subject }}")
        values = {"name": "mine", "model_id": self.env["ir.model"]._get_id("res.partner")}
        with self.assertRaises(AccessError):
            self.env["imap.routing.rule"].with_user(self.imap_user).create(values)
        with self.assertRaises(AccessError):
            rule.with_user(self.imap_user).write({"field_values": "name = {{ header:X-Evil }}"})
        with self.assertRaises(AccessError):
            rule.with_user(self.imap_user).read(["name"])
        with self.assertRaises(AccessError):
            rule.with_user(self.imap_user).action_dry_run()

    def test_a_rule_is_checked_when_saved(self):
        from odoo.exceptions import ValidationError

        for values in (
            {"subject_match": "(a+)+$", "subject_is_pattern": True},
            {"field_values": "no_such_field = {{ subject }}"},
            {"field_values": "name = {{ sender }}"},
            {"find_domain": "[('name', '=', __import__('os'))]"},
            {"model": "imap.routing.dry.run"},
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                self.make_rule(**values)
