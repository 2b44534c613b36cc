"""Routing rules act once per message, whatever the re-syncs, recovery runs and retries; failures wait for Retry."""

from datetime import UTC, datetime, timedelta

from odoo.tests import tagged

from .common import make_email
from .routing_common import RoutingCase


@tagged("post_install", "-at_install")
class TestRoutingOnce(RoutingCase):
    def test_a_rule_acts_once_across_a_resync_and_a_recovery_that_imports_the_message_again(self):
        mailbox = self.synced_mailbox()
        rule = self.make_rule(field_values="name = {{ from_name }}\nemail = {{ from_email }}")
        # An hour old: the recovery leaves younger mail to the sync.
        self.rig.append(
            mailbox.login,
            "INBOX",
            [make_email(subject="hello", sender="Bea <bea@once.example>")],
            msg_time=datetime.now(UTC) - timedelta(hours=1),
        )
        self.sync(mailbox)
        self.sync(mailbox)
        self.assertEqual(len(self.records_from(rule)), 1)
        self.messages(mailbox).unlink()  # lost in Odoo: the recovery imports it again
        self.env["imap.mailbox"]._cron_recover_mailboxes()
        self.assertEqual(self.messages(mailbox).subject, "hello", "the recovery brought it back")
        self.assertEqual(
            self.env["res.partner"].search_count([("email", "=", "bea@once.example")]),
            1,
            "the same message: the rule did not act again",
        )

    def test_a_failing_rule_makes_the_message_failed_with_the_rule_and_retry_runs_it_after_a_fix(self):
        mailbox = self.synced_mailbox()
        earlier = self.make_rule(name="earlier", sequence=1, stop=False, field_values="name = earlier {{ subject }}")
        # A mistake of the rule's author: the parent contact's id written as the subject.
        failing = self.make_rule(
            name="tags", sequence=2, field_values="name = {{ subject }}\nparent_id = {{ subject }}"
        )
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="order 1"), make_email(subject="order 2")])
        report = self.sync(mailbox)
        self.assertEqual(report.counts.new, 2, "stored, whatever the rules")
        failed = self.messages(mailbox, state="failed")
        self.assertEqual(len(failed), 2)
        self.assertEqual(failed.failed_rule_id, failing)
        self.assertIn("Rule tags:", failed[0].error_message)
        self.assertEqual(len(self.records_from(earlier)), 2, "the rule before it acted, and is kept")
        self.assertFalse(self.records_from(failing))
        self.assertEqual(failed[0].attempt_count, 1)
        failed.action_retry()
        self.assertEqual(failed.mapped("state"), ["failed", "failed"], "not fixed yet: still failed")
        self.assertEqual(failed[0].attempt_count, 2)
        wizard = self.env["imap.routing.dry.run"].browse(failing.with_user(self.author).action_dry_run()["res_id"])
        self.assertIn("Would fail: invalid literal for int()", wizard.line_ids[0].outcome, "the dry run says why")
        failing.write({"field_values": "name = {{ subject }}"})  # the fix
        action = failed.action_retry()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(failed.mapped("state"), ["imported", "imported"])
        self.assertFalse(failed.failed_rule_id)
        self.assertEqual(sorted(self.records_from(failing).mapped("name")), ["order 1", "order 2"])
        self.assertEqual(len(self.records_from(earlier)), 2, "the earlier rule did not act a second time")

    def test_the_dry_run_shows_what_would_happen_and_writes_nothing(self):
        mailbox = self.synced_mailbox()
        known = self.env["res.partner"].create({"name": "Known", "email": "known@dry.example"})
        create = self.make_rule(
            name="create", sequence=1, stop=False, subject_match="offer", field_values="name = {{ subject }}"
        )
        find = self.make_rule(
            name="find", sequence=2, action="find", find_domain="[('email', '=', '{{ from_email }}')]"
        )
        self.rig.append(
            mailbox.login,
            "INBOX",
            [
                make_email(subject="offer A", sender="known@dry.example"),
                make_email(subject="other", sender="x@y.example"),
            ],
        )
        # Routed on import: switched off for the sync, on for the dry run.
        (create | find).active = False
        self.sync(mailbox)
        (create | find).active = True
        counts = self._counts()
        action = (create | find).with_user(self.author).action_dry_run()
        wizard = self.env["imap.routing.dry.run"].browse(action["res_id"])
        lines = {(line.message_id.subject, line.rule_id.name): line.outcome for line in wizard.line_ids}
        self.assertEqual(set(lines), {("offer A", "create"), ("offer A", "find"), ("other", "find")})
        self.assertEqual(lines[("offer A", "create")], "Create Contact: name = offer A")
        self.assertEqual(lines[("offer A", "find")], f"Link to Contact {known.display_name}")
        self.assertEqual(lines[("other", "find")], "No record found")
        self.assertEqual(self._counts(), counts, "no record, link, application or attachment written")

    def _counts(self):
        return {
            model: self.env[model].search_count([])
            for model in (
                "res.partner",
                "imap.conversation.link",
                "imap.routing.application",
                "ir.attachment",
                "imap.message",
            )
        }
