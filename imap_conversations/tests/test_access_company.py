"""Multi-company: an IMAP administrator of one company reaches nothing of another company's mailboxes.

Company B's mailbox holds a row of every model of the addon. Its administrators are
administrators of company A only, or of both companies working in A only (the company
switcher, ``allowed_company_ids``): over the ORM they neither find, read nor change any of it.
"""

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import ImapCase, company_administrators

#: Per model, a field to read and a harmless value to write.
PROBES = {
    "imap.mailbox": ("name", {"name": "Taken over"}),
    "imap.mailbox.credential": ("password", {"password": "stolen"}),
    "imap.sync.log": ("error", {"error": "rewritten"}),
    "imap.folder": ("name", {"sync_enabled": False}),
    "imap.conversation": ("subject", {"subject": "rewritten"}),
    "imap.message": ("subject", {"subject": "rewritten"}),
    "imap.message.location": ("uid", {"flags": "\\Deleted"}),
    "imap.conversation.key": ("key", {"key": "<rewritten@b.test>"}),
    "imap.conversation.read": ("last_read_message_id", {"marked_unread": True}),
    "imap.conversation.link": ("res_name", {"res_name": "rewritten"}),
    "imap.template": ("subject", {"subject": "rewritten"}),
}


@tagged("post_install", "-at_install")
class TestCompanyIsolation(ImapCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # admin_ab: an administrator of both companies, working in A (company switcher).
        cls.company_a, cls.company_b, cls.admin_a, cls.admin_ab = company_administrators(cls.env, "imap")
        cls.records = cls._company_b_data()

    @classmethod
    def _company_b_data(cls):
        """One record of every model, all belonging to company B's shared mailbox."""
        env = cls.env
        mailbox = env["imap.mailbox"].create(
            {
                "name": "B support",
                "host": "127.0.0.1",
                "login": "support-b",
                "password": "b-secret",
                "user_id": False,
                "company_id": cls.company_b.id,
            }
        )
        folder = env["imap.folder"].create({"mailbox_id": mailbox.id, "name": "INBOX", "role": "inbox"})
        conversation = env["imap.conversation"].create({"mailbox_id": mailbox.id, "subject": "B's customer"})
        message = env["imap.message"].create(
            {
                "mailbox_id": mailbox.id,
                "conversation_id": conversation.id,
                "dedupe_key": "<1@b.test>",
                "message_id": "<1@b.test>",
                "subject": "B's customer",
            }
        )
        partner = env["res.partner"].create({"name": "Customer of B", "company_id": cls.company_b.id})
        return {
            "imap.mailbox": mailbox,
            "imap.mailbox.credential": env["imap.mailbox.credential"].search([("mailbox_id", "=", mailbox.id)]),
            "imap.sync.log": env["imap.sync.log"].create(
                {
                    "mailbox_id": mailbox.id,
                    "state": "error",
                    "start_date": fields.Datetime.now(),
                    "error": "support-b@127.0.0.1 refused the login",
                }
            ),
            "imap.folder": folder,
            "imap.conversation": conversation,
            "imap.message": message,
            "imap.message.location": env["imap.message.location"].create(
                {
                    "message_id": message.id,
                    "folder_id": folder.id,
                    "uidvalidity": 1,
                    "uid": 1,
                }
            ),
            "imap.conversation.key": env["imap.conversation.key"].create(
                {
                    "mailbox_id": mailbox.id,
                    "key": "<1@b.test>",
                    "conversation_id": conversation.id,
                }
            ),
            # Even a read state of the administrator's own, once B's conversation was opened in B.
            "imap.conversation.read": env["imap.conversation.read"].create(
                {
                    "conversation_id": conversation.id,
                    "user_id": cls.admin_ab.id,
                    "last_read_message_id": message.id,
                }
            ),
            "imap.conversation.link": env["imap.conversation.link"].create(
                {
                    "conversation_id": conversation.id,
                    "res_model": "res.partner",
                    "res_id": partner.id,
                }
            ),
            "imap.template": env["imap.template"].create(
                {
                    "name": "B's offer",
                    "subject": "Our offer",
                    "company_id": cls.company_b.id,
                }
            ),
        }

    def administrators_of_a(self):
        """(label, environment) for each way of being an administrator working in company A only."""
        return [
            ("administrator of A", self.env(user=self.admin_a)),
            (
                "administrator of A and B, working in A",
                self.env(user=self.admin_ab, context={"allowed_company_ids": [self.company_a.id]}),
            ),
        ]

    def test_every_model_is_out_of_reach_of_another_companys_administrator(self):
        self.assertEqual(set(self.records), set(PROBES), "a probe per model")
        for label, env in self.administrators_of_a():
            for model, (field, values) in PROBES.items():
                records = self.records[model].with_env(env)
                self.assertTrue(records, model)
                with self.subTest(who=label, model=model):
                    self.assertFalse(env[model].search([("id", "in", records.ids)]), "search finds nothing")
                    self.assertFalse(env[model].search([]) & records, "nor does a search for everything")
                    with self.assertRaises(AccessError, msg="read is refused"):
                        records.read([field])
                    with self.assertRaises(AccessError, msg="write is refused"):
                        records.write(values)
                    with self.assertRaises(AccessError, msg="unlink is refused"):
                        records.unlink()

    def test_its_passwords_do_not_reach_another_company_through_the_mailbox(self):
        for label, env in self.administrators_of_a():
            with self.subTest(who=label):
                self.assertFalse(
                    env["imap.mailbox.credential"]
                    .search([])
                    .filtered(lambda c: c.sudo().mailbox_id.company_id == self.company_b)
                )
                self.assertFalse(env["imap.sync.log"].search([("error", "ilike", "support-b")]))
        # The same administrator working in B does read them: the rule is the company, not the person.
        in_b = self.env(user=self.admin_ab, context={"allowed_company_ids": [self.company_b.id]})
        self.assertEqual(self.records["imap.mailbox"].with_env(in_b).password, "b-secret")
        self.assertEqual(
            in_b["imap.sync.log"].search([("id", "=", self.records["imap.sync.log"].id)]), self.records["imap.sync.log"]
        )

    def test_another_companys_mailbox_cannot_be_acted_on(self):
        mailbox = self.records["imap.mailbox"]
        actions = (
            "action_test_connection",
            "action_test_smtp",
            "action_fetch_folders",
            "action_sync_now",
            "action_recover",
            "action_download_log",
        )
        for label, env in self.administrators_of_a():
            for action in actions:
                with self.subTest(who=label, action=action), self.assertRaises(AccessError):
                    getattr(mailbox.with_env(env), action)()
            with self.subTest(who=label, action="retry"), self.assertRaises(AccessError):
                self.records["imap.message"].with_env(env).action_retry()

    def test_wizards_refuse_another_companys_mailbox_and_templates(self):
        for label, env in self.administrators_of_a():
            with self.subTest(who=label, wizard="composer"), self.assertRaises(AccessError):
                env["imap.compose"].create({"mailbox_id": self.records["imap.mailbox"].id, "subject": "x"})
            with self.subTest(who=label, wizard="template preview"), self.assertRaises(AccessError):
                env["imap.template.preview"].create({"template_id": self.records["imap.template"].id})

    def test_owners_and_members_belong_to_the_mailboxs_company(self):
        mailbox = self.records["imap.mailbox"]
        for field in ("user_id", "member_ids"):
            # assertRaises, not assertRaisesRegex: Odoo's rolls the refused write back.
            with self.subTest(field=field), self.assertRaises(UserError) as refused:
                mailbox[field] = self.admin_a
            self.assertIn("Incompatible companies", str(refused.exception))
        mailbox.member_ids = self.admin_ab
        self.assertEqual(mailbox.member_ids, self.admin_ab, "a user of both companies may be a member")
