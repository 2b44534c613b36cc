from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import SyncCase


def set_users_may_add(env, allowed):
    """Settings ▸ IMAP Conversations ▸ "Users may add their own mailbox"."""
    settings = env["res.config.settings"].create({})
    settings.imap_users_add_mailbox = allowed
    settings.execute()


@tagged("post_install", "-at_install")
class TestComposerKeepsWhatWasWritten(SyncCase):
    """A template fills an untouched composer; it never replaces what the writer wrote."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Template = cls.env["imap.template"]
        cls.default = Template.create(
            {
                "name": "Friendly",
                "is_default": True,
                "subject": "Hello {{ object.name }}",
                "body_html": "<p>Dear <t t-out='object.name'/>, friendly words</p>",
            }
        )
        cls.offer = Template.create({"name": "Offer", "subject": "Offer", "body_html": "<p>Our offer: 10%</p>"})
        cls.carla = cls.env["res.partner"].create({"name": "Carla", "email": "carla@example.com"})
        cls.dan = cls.env["res.partner"].create({"name": "Dan", "email": "dan@example.com"})

    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox()

    def composer(self):
        return Form(self.env["imap.compose"].with_user(self.imap_user))

    def test_the_default_template_fills_an_empty_composer(self):
        form = self.composer()
        form.partner_ids.add(self.carla)
        self.assertEqual(form.template_id, self.default)
        self.assertIn("friendly words", form.body)

    def test_the_default_template_does_not_replace_what_was_written_first(self):
        form = self.composer()
        form.body = "<p>My own words</p>"
        form.partner_ids.add(self.carla)
        self.assertFalse(form.template_id, "no default over a text of one's own")
        self.assertEqual(form.body, "<p>My own words</p>")

    def test_a_template_replaces_only_the_previous_templates_unchanged_text(self):
        form = self.composer()
        form.partner_ids.add(self.carla)
        form.template_id = self.offer
        self.assertNotIn("friendly words", form.body, "the untouched default text is replaced")
        self.assertIn("Our offer: 10%", form.body)

    def test_a_template_chosen_over_ones_own_text_is_inserted_above_it(self):
        form = self.composer()
        form.partner_ids.add(self.carla)
        form.body = "<p>My own words</p>"
        form.template_id = self.offer
        self.assertIn("Our offer: 10%", form.body)
        self.assertIn("My own words", form.body, "what was written is kept")
        self.assertLess(form.body.index("Our offer"), form.body.index("My own words"))

    def test_a_sent_mail_closes_the_composer_and_shows_the_message_in_the_thread(self):
        form = self.composer()
        form.partner_ids.add(self.dan)
        result = form.save().action_send()
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        [sent] = self.messages(self.mailbox)
        self.assertEqual(
            result["params"]["next"],
            {
                "type": "ir.actions.client",
                "tag": "imap_conversations.show_sent_message",
                "params": {"message_id": sent.id},
            },
        )


@tagged("post_install", "-at_install")
class TestWritingWithoutAMailbox(SyncCase):
    """A salesperson without a mailbox that sends is told why, and how to get one."""

    def composer(self, user=None):
        return Form(self.env["imap.compose"].with_user(user or self.imap_user))

    def test_without_a_mailbox_the_composer_says_why_and_offers_to_add_ones_own(self):
        form = self.composer()
        self.assertIn("You have no mailbox that can send", form.no_mailbox_reason)
        self.assertTrue(form.can_add_mailbox)
        composer = form.save()
        with self.assertRaisesRegex(UserError, "no mailbox that can send"):
            composer.action_send()
        action = composer.action_add_own_mailbox()
        self.assertEqual(
            (action["res_model"], action["context"]), ("imap.mailbox", {"default_user_id": self.imap_user.id})
        )

    def test_a_mailbox_without_outgoing_server_is_named_with_what_to_fill_in(self):
        mailbox = self.make_mailbox(smtp_host=False)
        form = self.composer()
        self.assertIn(f"Your mailbox “{mailbox.name}” has no outgoing server", form.no_mailbox_reason)
        self.assertFalse(form.can_add_mailbox)

    def test_when_administrators_keep_mailboxes_to_themselves_the_user_is_told_to_ask(self):
        set_users_may_add(self.env, False)
        form = self.composer()
        self.assertIn("Ask an IMAP administrator", form.no_mailbox_reason)
        self.assertFalse(form.can_add_mailbox)
        with self.assertRaises(AccessError):
            self.env["imap.mailbox"].with_user(self.imap_user).create(
                {"name": "Mine", "host": self.rig.host, "login": "mine"}
            )
        self.assertTrue(self.make_mailbox(), "administrators (and the system) still add them")

    def test_a_user_adds_only_a_mailbox_of_their_own(self):
        Mailbox = self.env["imap.mailbox"].with_user(self.imap_user)
        mine = Mailbox.create(
            {
                "name": "Mine",
                "host": self.rig.host,
                "port": self.rig.port,
                "security": "none",
                "login": self.rig.new_login(),
            }
        )
        self.assertEqual(mine.user_id, self.imap_user)
        with self.assertRaises(AccessError):
            Mailbox.create(
                {
                    "name": "Theirs",
                    "host": self.rig.host,
                    "port": self.rig.port,
                    "security": "none",
                    "login": self.rig.new_login(),
                    "user_id": self.other_user.id,
                }
            )
