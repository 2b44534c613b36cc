from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from odoo.tests import tagged

from .common import PNG, SyncCase, make_email


def rich_email():
    message = EmailMessage()
    message["Subject"] = "Quote for 40 units \u2013 Überarbeitung"
    message["From"] = '"Alice Example" <alice@example.com>'
    message["To"] = '"Bob" <bob@example.com>, carol@example.com'
    message["Cc"] = '"Dan" <dan@example.com>'
    message["Bcc"] = "erin@example.com"
    message["Reply-To"] = "sales@example.com"
    message["Message-ID"] = "<rich-1@example.com>"
    message["In-Reply-To"] = "<parent-1@example.com>"
    message["References"] = "<root-1@example.com> <parent-1@example.com>"
    message["Date"] = "Tue, 03 Nov 2026 10:15:00 +0100"
    message["X-Custom"] = "kept"
    message.set_content("Hello Bob,\nthe quote is attached.\n")
    message.add_alternative(
        '<p>Hello <b>Bob</b>,</p><script>alert("x")</script><p><img src="cid:logo@example.com"></p>',
        subtype="html",
    )
    message.get_payload()[1].add_related(PNG, "image", "png", cid="<logo@example.com>", filename="logo.png")
    message.add_attachment(b"%PDF-1.4 quote", maintype="application", subtype="pdf", filename="quote.pdf")
    return message.as_bytes()


@tagged("post_install", "-at_install")
class TestSyncImport(SyncCase):
    def test_a_message_comes_in_with_everything_it_carries(self):
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [rich_email()])
        report = self.sync(mailbox)
        self.assertEqual((report.counts.new, report.counts.failed), (1, 0))
        message = self.messages(mailbox)
        self.assertEqual(message.subject, "Quote for 40 units \u2013 Überarbeitung")
        self.assertEqual(message.date, datetime(2026, 11, 3, 9, 15))
        self.assertEqual(message.email_from, '"Alice Example" <alice@example.com>')
        self.assertEqual(message.email_to, '"Bob" <bob@example.com>, carol@example.com')
        self.assertEqual(
            (message.email_cc, message.email_bcc, message.reply_to),
            ('"Dan" <dan@example.com>', "erin@example.com", "sales@example.com"),
        )
        self.assertEqual(
            (message.message_id, message.in_reply_to, message.references),
            ("<rich-1@example.com>", "<parent-1@example.com>", "<root-1@example.com> <parent-1@example.com>"),
        )
        self.assertEqual(message.direction, "incoming")
        self.assertIn("the quote is attached", message.body_text)
        self.assertIn("<b>Bob</b>", message.body_html)
        self.assertNotIn("<script", message.body_html, "the body is sanitized")
        self.assertIn("X-Custom: kept", message.headers)
        attachments = {a.name: a for a in message.attachment_ids}
        self.assertEqual(set(attachments), {"logo.png", "quote.pdf"})
        self.assertEqual(attachments["quote.pdf"].mimetype, "application/pdf")
        self.assertEqual(attachments["quote.pdf"].raw, b"%PDF-1.4 quote")
        self.assertEqual(attachments["quote.pdf"].file_size, 14)
        self.assertIn(f"/web/image/{attachments['logo.png'].id}", message.body_html, "inline images are shown")
        self.assertTrue(message.has_attachments)
        self.assertEqual(message.location_ids.folder_id.name, "INBOX")

    def test_mail_from_sent_is_outgoing_and_other_folders_wait_until_enabled(self):
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "Sent", [make_email(subject="Our offer", sender=mailbox.login)])
        self.rig.append(mailbox.login, "Archive", [make_email(subject="Old stuff")])
        self.sync(mailbox)
        self.assertEqual(self.messages(mailbox).mapped("subject"), ["Our offer"])
        self.assertEqual(self.messages(mailbox).direction, "outgoing")
        self.folder(mailbox, "Archive").sync_enabled = True
        self.sync(mailbox)
        self.assertEqual(sorted(self.messages(mailbox).mapped("subject")), ["Old stuff", "Our offer"])

    def test_running_again_imports_nothing_and_new_mail_comes_in_once(self):
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject=f"m{n}") for n in range(3)])
        self.assertEqual(self.sync(mailbox).counts.new, 3)
        again = self.sync(mailbox)
        self.assertEqual((again.counts.new, again.counts.known), (0, 0))
        self.assertEqual({f.action for f in again.folders}, {"unchanged"})
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="m3")])
        self.assertEqual(self.sync(mailbox).counts.new, 1)
        self.assertEqual(self.sync(mailbox).counts.new, 0)
        self.assertEqual(len(self.messages(mailbox)), 4)

    def test_first_sync_stops_at_the_horizon_later_syncs_take_everything_new(self):
        mailbox = self.synced_mailbox(sync_horizon_days=30)
        old = datetime.now(UTC) - timedelta(days=90)
        with self.rig.client(mailbox.login) as client:
            client.append("INBOX", make_email(subject="too old"), msg_time=old)
            client.append("INBOX", make_email(subject="recent"))
        self.sync(mailbox)
        self.assertEqual(self.messages(mailbox).mapped("subject"), ["recent"])
        with self.rig.client(mailbox.login) as client:
            client.append("INBOX", make_email(subject="late arrival, old date"), msg_time=old)
        self.sync(mailbox)
        self.assertIn("late arrival, old date", self.messages(mailbox).mapped("subject"))

    def test_seen_flags_on_the_server_are_left_alone(self):
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="unread")])
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="read")], flags=[b"\\Seen"])
        self.sync(mailbox)
        self.assertEqual(self.rig.seen_subjects(mailbox.login, "INBOX"), {"read"})
        by_subject = {m.subject: m for m in self.messages(mailbox)}
        self.assertTrue(by_subject["read"].is_seen)
        self.assertFalse(by_subject["unread"].is_seen)
        self.assertTrue(by_subject["unread"].conversation_id.is_unread)

    def test_mark_as_read_sets_seen_on_incoming_mail(self):
        mailbox = self.synced_mailbox(mark_as_read=True)
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="one"), make_email(subject="two")])
        self.sync(mailbox)
        self.assertEqual(self.rig.seen_subjects(mailbox.login, "INBOX"), {"one", "two"})
        self.assertTrue(all(self.messages(mailbox).mapped("is_seen")))

    def test_flags_changed_on_the_server_are_followed(self):
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="later read")])
        self.sync(mailbox)
        message = self.messages(mailbox)
        self.assertFalse(message.is_seen)
        with self.rig.client(mailbox.login) as client:
            client.select_folder("INBOX")
            client.add_flags([1], [b"\\Seen"])
        report = self.sync(mailbox)
        self.assertEqual(report.folders[0].flags_updated, 1)
        self.assertTrue(message.is_seen)
        self.assertFalse(message.conversation_id.is_unread)

    def test_contacts_are_linked_by_address(self):
        alice = self.env["res.partner"].create({"name": "Alice", "email": "Alice@Example.com"})
        mailbox = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email(sender="Alice <alice@example.com>", to="x@unknown.test")])
        self.sync(mailbox)
        message = self.messages(mailbox)
        self.assertEqual(message.author_id, alice)
        self.assertEqual(message.partner_ids, alice)
        self.assertEqual(message.conversation_id.partner_ids, alice)
        self.assertFalse(self.env["res.partner"].search([("email", "=", "x@unknown.test")]), "no contact is invented")

    def test_sync_now_reports_what_it_did_and_the_cron_syncs_every_mailbox(self):
        mailbox = self.synced_mailbox()
        other = self.synced_mailbox()
        self.rig.append(mailbox.login, "INBOX", [make_email(subject="a"), make_email(subject="b")])
        self.rig.append(other.login, "INBOX", [make_email(subject="c")])
        action = mailbox.action_sync_now()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("2 new messages", action["params"]["message"])
        cron = self.env.ref("imap_conversations.ir_cron_sync_mailboxes")
        self.assertEqual(
            (cron.interval_number, cron.interval_type, cron.code),
            (1, "minutes", "model._cron_sync_mailboxes()"),
            "each mailbox says when it is due",
        )
        cron.method_direct_trigger()
        self.assertEqual(self.messages(other).mapped("subject"), ["c"])
        self.assertEqual(mailbox.state, "active")
        self.assertTrue(mailbox.last_sync_date)
