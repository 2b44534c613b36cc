"""A body is sanitized once: the first time it is shown, then kept (a 9 MB body takes seconds).

Not at import: most synced mail is never opened. What is kept is the rendering, the same for
every reader; each reader's choice about remote content only picks one of its two versions.
"""

from odoo.tests import tagged

from ..models import imap_message
from .content_common import ContentCase


@tagged("post_install", "-at_install")
class TestRenderingCache(ContentCase):
    def setUp(self):
        super().setUp()
        self.mailbox = self.shared_mailbox()
        self.message = self.hostile_message(self.mailbox, "tracking")
        self.rules = imap_message.BODY_RENDERING

    def stored(self):
        self.env.cr.execute(
            "SELECT body_rendering, body_html_blocked, body_html_remote FROM imap_message WHERE id = %s",
            [self.message.id],
        )
        return self.env.cr.fetchone()

    def test_the_first_display_renders_and_keeps_the_body_the_next_ones_reuse_it(self):
        rendering, blocked, remote = self.stored()
        self.assertEqual((rendering or 0, blocked, remote), (0, None, None), "the import leaves the body as received")
        first = str(self.as_user(self.message.conversation_id, self.imap_user).thread_html)
        rendering, blocked, remote = self.stored()
        self.assertEqual(rendering, self.rules)
        self.assertIn("Our offers", blocked)
        self.assertIn("https://shop.example/open.gif", remote)
        self.assertIn(blocked, first)

        # Were it sanitized again, this mark would vanish: each later display reads what is kept.
        self.env.cr.execute(
            "UPDATE imap_message SET body_html_blocked = %s, body_html_remote = %s WHERE id = %s",
            ["<p>kept rendering</p>", "<p>kept remote rendering</p>", self.message.id],
        )
        self.message.invalidate_recordset()
        thread = self.as_user(self.message.conversation_id, self.other_user).thread_html
        self.assertIn("<p>kept rendering</p>", str(thread))
        self.assertEqual(str(self.as_user(self.message, self.imap_user).body_html), "<p>kept rendering</p>")
        self.as_user(self.message, self.imap_user).action_show_remote_content()
        self.assertEqual(str(self.as_user(self.message, self.imap_user).body_html), "<p>kept remote rendering</p>")
        self.assertEqual(self.stored()[0], self.rules)

    def test_a_body_rendered_by_older_rules_is_rendered_again(self):
        self.env.cr.execute(
            "UPDATE imap_message SET body_html_blocked = %s, body_rendering = %s WHERE id = %s",
            ["<p>old rules</p>", self.rules - 1, self.message.id],
        )
        self.message.invalidate_recordset()
        self.assertIn("Our offers", str(self.as_user(self.message, self.imap_user).body_html))
        self.assertEqual(self.stored()[0], self.rules)

    def test_the_conversation_form_reads_on_a_read_write_cursor_to_keep_it(self):
        # Odoo 18 gives web_read a read-only cursor unless the method says otherwise
        # (web/controllers/dataset.py _call_kw_readonly); a read-only cursor could not keep it.
        for model in ("imap.conversation", "imap.message"):
            method = type(self.env[model]).web_read
            self.assertFalse(getattr(method, "_readonly", True), model)
