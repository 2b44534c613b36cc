"""What can refuse a mail refuses it before it leaves; once the SMTP server took it, it stays sent.

Counted where the mail really arrives: the recipient's INBOX on the rig's Dovecot, fed by
the rig's SMTP server.
"""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SyncCase, free_port

SENDER_LOG = "odoo.addons.imap_conversations.services.sender"


class RefusedPlacements:
    """PostgreSQL refusing to record where a message sits on the server, as a real fault would."""

    def __init__(self, cr):
        self.cr = cr

    def __enter__(self):
        self.cr.execute("""
            CREATE OR REPLACE FUNCTION imap_test_refuse_placement() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'placement refused (test trigger)'; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER imap_test_refuse_placement BEFORE INSERT ON imap_message_location
            FOR EACH ROW EXECUTE FUNCTION imap_test_refuse_placement();
        """)
        return self

    def __exit__(self, *exc):
        self.cr.execute("DROP TRIGGER IF EXISTS imap_test_refuse_placement ON imap_message_location")


@tagged("post_install", "-at_install")
class TestSendingGuarantees(SyncCase):
    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox()
        self.customer_login, self.customer = self.new_customer()
        company = self.env["res.company"].create({"name": "Other Company"})
        self.hidden = self.env["res.partner"].create({"name": "Hidden", "company_id": company.id})

    def delivered(self):
        return self.rig.subjects(self.customer_login, "INBOX")

    def composer(self, **values):
        return (
            self.env["imap.compose"]
            .with_user(self.imap_user)
            .create(
                {
                    "mailbox_id": self.mailbox.id,
                    "partner_ids": [(6, 0, self.customer.ids)],
                    "subject": "Offer",
                    "body": "<p>Our offer</p>",
                    **values,
                }
            )
        )

    def test_a_record_that_cannot_be_linked_stops_the_mail_before_it_is_sent(self):
        refusals = {
            "a record the user may not read": ({"res_model": "res.partner", "res_id": self.hidden.id}, AccessError),
            "a record that shows no conversations": (
                {"res_model": "imap.mailbox", "res_id": self.mailbox.id},
                UserError,
            ),
            "a record that no longer exists": ({"res_model": "res.partner", "res_id": 2**31 - 1}, UserError),
        }
        for label, (values, error) in refusals.items():
            with self.subTest(link=label), self.assertRaises(error):
                self.composer(**values).action_send()
        self.assertEqual(self.delivered(), [], "nothing reached the recipient")
        self.assertFalse(self.messages(self.mailbox), "and no draft was left behind")

    def test_an_attachment_the_user_may_not_read_stops_the_mail_before_it_is_sent(self):
        attachment = self.env["ir.attachment"].create(
            {
                "name": "secret.pdf",
                "raw": b"%PDF secret",
                "res_model": "res.partner",
                "res_id": self.hidden.id,
            }
        )
        with self.assertRaises(AccessError):
            self.composer(attachment_ids=[(6, 0, attachment.ids)]).action_send()
        self.assertEqual(self.delivered(), [])

    def test_one_composer_sends_once(self):
        composer = self.composer()
        self.assertEqual(composer.action_send()["params"]["type"], "success")
        with self.assertRaisesRegex(UserError, "sent already"):
            composer.action_send()  # a double click, or the request run again after the mail left
        self.assertEqual(self.delivered(), ["Offer"])

    def test_the_mail_stays_sent_when_recording_its_copy_in_sent_fails(self):
        self.sync(self.mailbox)  # Sent known (its UIDVALIDITY): the copy appended there gets recorded
        composer = self.composer(res_model="res.partner", res_id=self.customer.id)
        with RefusedPlacements(self.env.cr), self.assertLogs(SENDER_LOG, "WARNING") as logs:
            result = composer.action_send()
        self.assertIn("recording its copy in Sent failed", logs.output[0])
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        message = self.messages(self.mailbox)
        self.assertEqual(message.state, "sent")
        self.assertEqual(message.conversation_id.message_count, 1)
        self.assertEqual(message.conversation_id.link_ids.res_id, self.customer.id)
        self.assertEqual(self.delivered(), ["Offer"])
        self.assertEqual(self.rig.subjects(self.mailbox.login, "Sent"), ["Offer"])
        report = self.sync(self.mailbox)
        self.assertEqual(report.counts.new, 0, "the copy in Sent is recognised by the next sync")
        self.assertEqual(message.location_ids.folder_id.name, "Sent")
        with self.assertRaisesRegex(UserError, "sent already"):
            composer.action_send()
        self.assertEqual(self.delivered(), ["Offer"], "sent once")

    def test_the_mail_stays_sent_when_the_imap_server_cannot_take_the_copy(self):
        self.mailbox.port = free_port()  # nothing listens there: the APPEND to Sent cannot happen
        result = self.composer().action_send()
        self.assertEqual(result["params"]["type"], "warning")
        self.assertIn("No copy could be stored in the Sent folder", result["params"]["message"])
        self.assertEqual(self.messages(self.mailbox).state, "sent")
        self.assertEqual(self.delivered(), ["Offer"])
