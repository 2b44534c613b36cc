"""A mailbox a user adds for themself sends their chatter mail (README: on by default)."""

from odoo.tests import Form, tagged

from .common import SyncCase


@tagged("post_install", "-at_install")
class TestOwnMailboxChatter(SyncCase):
    def test_a_mailbox_added_with_add_my_mailbox_sends_chatter_mail(self):
        composer = Form(self.env["imap.compose"].with_user(self.imap_user)).save()
        action = composer.action_add_own_mailbox()
        form = Form(self.env[action["res_model"]].with_user(self.imap_user).with_context(**action["context"]))
        form.name = "Mine"
        form.provider_preset = "fastmail"
        form.login = self.rig.address(self.rig.new_login())
        mailbox = form.save()
        self.assertEqual(mailbox.user_id, self.imap_user)
        self.assertTrue(mailbox.chatter_send)

    def test_a_mailbox_created_over_rpc_without_the_switch_sends_chatter_mail(self):
        mailbox = (
            self.env["imap.mailbox"]
            .with_user(self.imap_user)
            .create({"name": "Mine", "host": self.rig.host, "login": "mine", "smtp_host": self.rig.host})
        )
        self.assertTrue(mailbox.chatter_send)
