"""Red team of "Find older mail on the server": a hostile IMAP user with RPC and contacts of their own making.

Each test attacks as the user its docstring names; its id (RT-O1...) is the finding's in the red team's report.
"""

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .older_mail_common import OlderMailCase

#: A refusal (AccessError is a UserError), wherever the addon chooses to refuse.
REFUSED = UserError


@tagged("post_install", "-at_install")
class TestRedTeamOlderMail(OlderMailCase):
    def setUp(self):
        super().setUp()
        self.own = self.synced_mailbox(sync_horizon_days=365)
        self.colleagues = self.synced_mailbox(owner=self.other_user, sync_horizon_days=365)

    def test_RT_O1_crafted_addresses_search_the_server_as_text_never_as_syntax(self):
        """RT-O1. imap_user makes contacts whose address holds IMAP syntax (a literal's {n}, *, %, parentheses
        in a quoted local part, non-ASCII) and searches their older mail."""
        crafted = ["x{5}*%@customer.example", "{3}@customer.example", '"a)b("@customer.example', "ü@customer.example"]
        partners = self.env["res.partner"].create(
            [{"name": f"Crafted {n}", "email": address} for n, address in enumerate(crafted)]
        )
        self.old_mail(self.own, "INBOX", "for Carla")
        for partner in partners[:2]:
            self.old_mail(self.own, "INBOX", f"from {partner.name}", sender=f"X <{partner.email}>")
        self.sync(self.own)
        for partner in partners:
            with self.subTest(address=partner.email):
                wizard = self.find(partner)
                self.assertEqual([line.note for line in wizard.line_ids if line.note], [], "searched, no error")
                if partner in partners[:2]:
                    self.assertEqual(self.found(wizard), {(self.own.name, "INBOX"): 1}, "exactly its own mail")
                else:
                    self.assertEqual(self.found(wizard), {})

    def test_RT_O2_the_search_and_its_import_cannot_be_forged_over_rpc(self):
        """RT-O2. imap_user writes the wizard as RPC allows (its lines, its record, its state) and presses its
        buttons on what is not theirs: another user's search, a contact of another company."""
        self.old_mail(self.colleagues, "INBOX", "colleague's old mail")
        self.sync(self.colleagues)
        colleagues_inbox = self.folder(self.colleagues, "INBOX")
        Wizard = self.env["imap.older.mail.wizard"].with_user(self.imap_user)
        with self.assertRaises(REFUSED):
            Wizard.create(
                {
                    "res_model": "res.partner",
                    "res_id": self.carla.id,
                    "line_ids": [
                        Command.create(
                            {
                                "mailbox_id": self.colleagues.id,
                                "folder_id": colleagues_inbox.id,
                                "count": 1,
                                "uidvalidity": colleagues_inbox.uidvalidity,
                                "uids": "1:100",
                            }
                        )
                    ],
                }
            )
        others_search = self.find(self.carla, self.other_user)
        self.assertEqual(self.found(others_search), {(self.colleagues.name, "INBOX"): 1})
        mine = self.find(self.carla)
        with self.assertRaises(REFUSED):
            mine.write({"line_ids": [Command.link(others_search.line_ids[:1].id)]})
        with self.assertRaises(REFUSED):
            others_search.with_user(self.imap_user).action_import()
        with self.assertRaises(REFUSED):
            others_search.with_user(self.imap_user).action_search_again()

        elsewhere = self.env["res.company"].create({"name": "Elsewhere Ltd"})
        secret = self.env["res.partner"].create(
            {"name": "Secret", "email": "carla@customer.example", "company_id": elsewhere.id}
        )
        with self.assertRaises(REFUSED):
            secret.with_user(self.imap_user).action_find_older_mail()
        with self.assertRaises(REFUSED):
            Wizard.create({"res_model": "res.partner", "res_id": secret.id}).action_search_again()
        with self.assertRaises(REFUSED):
            mine.write({"res_id": secret.id})
        mine.sudo().write({"res_id": secret.id})  # had it got in anyway: the import reads the record itself
        with self.assertRaises(REFUSED):
            mine.action_import()
        self.assertFalse(self.messages(self.colleagues))
        self.assertFalse(self.env["imap.older.mail.job"].search([("user_id", "=", self.imap_user.id)]))

    def test_RT_O3_a_search_is_written_by_the_search_only(self):
        """RT-O3. imap_user rewrites their own search over RPC (its state, record, jobs: readonly in the form
        only) to import what was found again, or under another record's name."""
        self.old_mail(self.own, "INBOX", "old one")
        self.sync(self.own)
        wizard = self.find(self.carla)
        wizard.action_import()
        self.assertEqual(len(self.messages(self.own)), 1)
        jobs = self.env["imap.older.mail.job"].search([("user_id", "=", self.imap_user.id)])
        for values in (
            {"state": "found"},
            {"res_id": self.imap_user.partner_id.id},
            {"job_ids": [Command.clear()]},
            {"addresses": "anyone@example.com"},
        ):
            with self.subTest(values=values), self.assertRaises(REFUSED):
                wizard.write(values)
        with self.assertRaises(REFUSED):
            wizard.action_import()
        with self.assertRaises(REFUSED):
            self.env["imap.older.mail.wizard"].with_user(self.imap_user).create(
                {"res_model": "res.partner", "res_id": self.carla.id, "state": "found", "job_ids": jobs.ids}
            )
        self.assertEqual(
            self.env["imap.older.mail.job"].search([("user_id", "=", self.imap_user.id)]), jobs, "no second import"
        )
        self.assertEqual(self.find(self.carla).total, 0, "searching again is the way, and finds it imported")
