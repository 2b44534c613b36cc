"""Dry run before going live: a new rule acts on no mail until an administrator tested and activated it."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import make_email
from .routing_common import RoutingCase


@tagged("post_install", "-at_install")
class TestRoutingGoLive(RoutingCase):
    def test_a_new_rule_waits_for_its_dry_run_and_its_activation(self):
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="quote 1")])
        self.sync(mailbox)
        rule = self.make_rule(live=False, subject_match="quote", field_values="name = {{ subject }}")
        self.assertEqual((rule.state, rule.active), ("draft", True))
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="quote 2")])
        self.sync(mailbox)
        self.assertFalse(self.records_from(rule), "a draft acts on no mail")
        as_author = rule.with_user(self.author)
        with self.assertRaisesRegex(UserError, "Test Rule on recent mail first"):
            as_author.action_activate()
        action = as_author.action_dry_run()
        dry_run = self.env[action["res_model"]].with_user(self.author).browse(action["res_id"])
        self.assertEqual(sorted(dry_run.line_ids.message_id.mapped("subject")), ["quote 1", "quote 2"])
        self.assertTrue(dry_run.has_drafts, "the result offers to activate")
        self.assertFalse(self.records_from(rule), "the dry run wrote nothing")
        dry_run.action_activate()
        self.assertEqual(rule.state, "live")
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="quote 3")])
        self.sync(mailbox)
        self.assertEqual(self.records_from(rule).mapped("name"), ["quote 3"], "live from now on")
        rule.with_user(self.author).action_set_draft()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="quote 4")])
        self.sync(mailbox)
        self.assertEqual(self.records_from(rule).mapped("name"), ["quote 3"], "back to draft, it waits again")
