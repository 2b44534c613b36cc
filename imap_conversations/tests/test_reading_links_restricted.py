"""A conversation's links never tell a viewer the name of a record they may not read.

Everyone using a mailbox sees its conversations; a linked record may be out of their
reach (here: a contact of another company, linked by an administrator of both).
"""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .reading_common import ReadingCase

RESTRICTED = "Restricted record"


@tagged("post_install", "-at_install")
class TestRestrictedLinks(ReadingCase):
    def setUp(self):
        super().setUp()
        self.mailbox = self.shared_mailbox()
        self.conversation = self.conversation(self.mailbox, "Framework agreement")
        company = self.env["res.company"].create({"name": "Other Company"})
        self.hidden = self.env["res.partner"].create({"name": "Hidden Holdings", "company_id": company.id})
        self.acme = self.env["res.partner"].create({"name": "ACME Corp"})
        self.env["imap.conversation.link"]._link(self.conversation, self.hidden | self.acme)
        self.viewer = self.imap_user

    def links_as(self, user):
        return self.as_user(self.conversation, user).link_ids.sorted("id")

    def test_the_link_list_names_only_what_the_viewer_may_read(self):
        hidden_link, acme_link = self.links_as(self.viewer)
        self.assertEqual((hidden_link.res_name, acme_link.res_name), (RESTRICTED, "ACME Corp"))
        self.assertEqual(hidden_link.display_name, f"{RESTRICTED} (Contact)")
        self.assertEqual(hidden_link.model_description, "Contact", "the type is no secret")
        self.assertFalse(hidden_link.record_ref, "nothing to open")
        self.assertEqual(acme_link.record_ref, self.acme)
        with self.assertRaises(AccessError):
            hidden_link.action_open_record()
        admin_names = self.links_as(self.env.user).mapped("res_name")
        self.assertEqual(admin_names, ["Hidden Holdings", "ACME Corp"], "who may read it sees the name")

    def test_nothing_read_over_rpc_carries_the_name(self):
        links = self.links_as(self.viewer)
        answers = [
            links.read(["res_name", "display_name", "record_ref", "res_model", "res_id"]),
            links.web_read({"res_name": {}, "display_name": {}, "record_ref": {"fields": {"display_name": {}}}}),
            self.as_user(self.conversation, self.viewer).web_read(
                {"link_ids": {"fields": {"res_name": {}, "display_name": {}, "model_description": {}}}}
            ),
            links.name_search(""),
        ]
        for answer in answers:
            with self.subTest(answer=answer):
                self.assertNotIn("Hidden", str(answer))
        self.assertIn(RESTRICTED, str(answers[0]))

    def test_no_search_finds_a_record_by_a_name_the_viewer_may_not_read(self):
        Conversation = self.env["imap.conversation"].with_user(self.viewer)
        Link = self.env["imap.conversation.link"].with_user(self.viewer)
        self.assertFalse(Conversation.search([("link_ids.res_name", "ilike", "Hidden")]))
        self.assertFalse(Link.name_search("Hidden"))
        self.assertFalse(Conversation.search([("link_ids.res_name", "ilike", RESTRICTED)]), "nor by the placeholder")
        self.assertEqual(Conversation.search([("link_ids.res_name", "ilike", "acme")]), self.conversation)
        self.assertEqual(
            Link.search([("conversation_id", "=", self.conversation.id), ("res_name", "not ilike", "acme")]).res_id,
            self.hidden.id,
        )
        self.assertEqual(
            self.env["imap.conversation"].search([("link_ids.res_name", "ilike", "Hidden")]),
            self.conversation,
            "who may read it finds it",
        )
