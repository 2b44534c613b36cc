"""Attachments a browser would run (HTML, SVG, XHTML, XML) are stored inert and served as downloads.

Whoever syncs (the scheduled action as superuser, or a user pressing Sync now), the same file is
stored the same way: as text/plain, as Odoo does for users who may not edit views, so it never
opens as a page of Odoo's own site. The thread offers every attachment as a download.
"""

from email.message import EmailMessage

from odoo.tests import HttpCase, tagged

from .common import SyncCase

ACTIVE = {
    "page.html": ("text", "html", b"<html><body><script>alert(document.cookie)</script></body></html>"),
    "drawing.svg": ("image", "svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    "page.xhtml": (
        "application",
        "xhtml+xml",
        b'<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
    ),
    "data.xml": ("text", "xml", b"<?xml version='1.0'?><root/>"),
    # Types Odoo's own check lets through (found by attacking the addon):
    "style.xsl": ("text", "xsl", b"<xsl:stylesheet version='1.0' xmlns:xsl='http://www.w3.org/1999/XSL/Transform'/>"),
    "bare.svg": ("image", "svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    "app.js": ("application", "javascript", b"alert(document.cookie)"),
    "deck.wml": ("text", "vnd.wap.wml", b"<wml><card><p>hi</p></card></wml>"),
}


def mail_with_active_attachments():
    message = EmailMessage()
    message["Subject"] = "Files"
    message["From"] = "Mallory <mallory@evil.example>"
    message["To"] = "bob@example.com"
    message["Message-ID"] = "<active-files@evil.example>"
    message.set_content("See the files")
    for name, (maintype, subtype, content) in ACTIVE.items():
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    message.add_attachment(b"%PDF-1.4 quote", maintype="application", subtype="pdf", filename="quote.pdf")
    return message.as_bytes()


@tagged("post_install", "-at_install")
class TestAttachmentTypes(SyncCase, HttpCase):
    def stored(self, mailbox):
        attachments = self.messages(mailbox).attachment_ids.sorted("name")
        return [(a.name, a.mimetype, a.checksum, a.file_size) for a in attachments]

    def test_the_scheduled_sync_and_sync_now_store_the_same_inert_files_served_as_downloads(self):
        by_cron = self.synced_mailbox(owner=self.imap_user)
        self.rig.append(by_cron.login, "INBOX", [mail_with_active_attachments()])
        self.env.ref("imap_conversations.ir_cron_sync_mailboxes").method_direct_trigger()
        by_user = self.synced_mailbox(owner=self.imap_user)
        self.rig.append(by_user.login, "INBOX", [mail_with_active_attachments()])
        action = by_user.with_user(self.imap_user).action_sync_now()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])

        self.assertEqual(len(self.stored(by_cron)), len(ACTIVE) + 1)
        self.assertEqual(self.stored(by_cron), self.stored(by_user), "the same files, whoever synced")
        types = {name: mimetype for name, mimetype, _checksum, _size in self.stored(by_cron)}
        self.assertEqual(types, {**dict.fromkeys(ACTIVE, "text/plain"), "quote.pdf": "application/pdf"})

        self.authenticate("imap_user", "imap_user")
        thread = str(self.messages(by_user).conversation_id.with_user(self.imap_user).thread_html)
        for attachment in self.messages(by_user).attachment_ids:
            with self.subTest(attachment=attachment.name):
                link = f"/web/content/{attachment.id}?download=true"
                self.assertIn(f'href="{link}"', thread, "the thread offers it as a download")
                response = self.url_open(link)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.headers["Content-Disposition"].startswith("attachment"))
                self.assertEqual(response.headers["X-Content-Type-Options"], "nosniff")
                # Even opened by hand, without download=true, nothing runs as a page of Odoo's site.
                inline = self.url_open(f"/web/content/{attachment.id}")
                self.assertNotRegex(inline.headers["Content-Type"], r"html|svg|xml|xsl|javascript|wml")
