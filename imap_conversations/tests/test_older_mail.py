"""Find older mail on the server: a contact's mail beyond the horizon, found per mailbox and imported once."""

from odoo.sql_db import db_connect
from odoo.tests import Form, tagged

from ..services.mailbox_run import LOCK_CLASS
from .common import free_port, make_email
from .older_mail_common import OlderMailCase


@tagged("post_install", "-at_install")
class TestOlderMail(OlderMailCase):
    def setUp(self):
        super().setUp()
        self.mailbox = self.synced_mailbox(sync_horizon_days=365)
        self.old_mail(self.mailbox, "INBOX", "old question", "old order")
        self.old_mail(self.mailbox, "INBOX", "someone else", sender="Dan <dan@elsewhere.example>")
        self.old_mail(self.mailbox, "INBOX", "a namesake", sender="Jim <jim.carla@customer.example>")
        self.old_mail(
            self.mailbox, "Sent", "old answer", sender=self.mailbox.email, to="Carla <carla@customer.example>"
        )
        self.rig.append(
            self.mailbox.login,
            "INBOX",
            [make_email(subject="recent", sender="carla@customer.example")],
            msg_time=self.last_week,
        )
        self.sync(self.mailbox)

    def test_mail_beyond_the_horizon_is_found_per_folder_and_imported_once(self):
        self.assertEqual(self.subjects(self.mailbox), ["recent"], "the sync stopped at the horizon")
        wizard = self.find(self.carla)
        self.assertEqual(wizard.addresses, "carla@customer.example")
        self.assertEqual(
            self.found(wizard),
            {(self.mailbox.name, "INBOX"): 2, (self.mailbox.name, "Sent"): 1},
            "her mail only: not a stranger's, not an address that merely contains hers",
        )
        self.assertEqual(wizard.total, 3)
        self.assertIn("3 messages", wizard.summary)
        watermarks = {folder.name: (folder.last_uid, folder.uidnext) for folder in self.mailbox.folder_ids}

        result = wizard.action_import()
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        self.assertIn("3 imported", result["params"]["message"])
        self.assertEqual(self.subjects(self.mailbox), ["old answer", "old order", "old question", "recent"])
        answer = self.messages(self.mailbox).filtered(lambda m: m.subject == "old answer")
        self.assertEqual((answer.direction, answer.location_ids.folder_id.name), ("outgoing", "Sent"))
        self.assertEqual(len(self.carla.with_user(self.imap_user).imap_conversation_ids), 4, "they show on her contact")
        self.assertEqual(
            {f.name: (f.last_uid, f.uidnext) for f in self.mailbox.folder_ids},
            watermarks,
            "the sync's watermarks are untouched",
        )

        self.assertEqual(self.find(self.carla).total, 0, "searching again finds nothing new")
        self.rig.append(self.mailbox.login, "INBOX", [make_email(subject="newer", sender="carla@customer.example")])
        report = self.sync(self.mailbox)
        self.assertEqual(report.counts.new, 1, "a later sync takes the new mail only")
        self.assertEqual(len(self.messages(self.mailbox)), 5)

    def test_mail_imported_meanwhile_from_another_folder_is_placed_not_duplicated(self):
        wizard = self.find(self.carla)
        archive = self.synced_folder(self.mailbox, "Archive")
        self.sync(self.mailbox)
        # The old question filed in Archive after its first sync: the next sync takes it, whatever its date.
        with self.rig.client(self.mailbox.login) as client:
            client.select_folder("INBOX")
            client.copy([1], "Archive")
        self.sync(self.mailbox)
        self.assertEqual(self.subjects(self.mailbox), ["old question", "recent"])
        wizard.action_import()
        question = self.messages(self.mailbox).filtered(lambda m: m.subject == "old question")
        self.assertEqual(len(question), 1)
        self.assertEqual(question.location_ids.folder_id, self.folder(self.mailbox, "INBOX") | archive)
        self.assertEqual((wizard.job_ids.known_count, wizard.job_ids.imported_count), (1, 2))

    def test_a_folder_recreated_between_search_and_import_is_searched_again(self):
        self.synced_folder(self.mailbox, "Archive")
        self.old_mail(self.mailbox, "Archive", "filed old 1", "filed old 2")
        self.sync(self.mailbox)
        wizard = self.find(self.carla)
        self.assertEqual(self.found(wizard)[(self.mailbox.name, "Archive")], 2)
        # Recreated: a new UIDVALIDITY, and UIDs 1 and 2 are now strangers' mail.
        self.rig.delete_folder(self.mailbox.login, "Archive")
        self.old_mail(self.mailbox, "Archive", "stranger 1", "stranger 2", sender="dan@elsewhere.example")
        self.old_mail(self.mailbox, "Archive", "filed old 2", "filed old 1")
        result = wizard.action_import()
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        self.assertIn("Archive changed on the server", result["params"]["message"])
        self.assertEqual(
            self.subjects(self.mailbox),
            ["filed old 1", "filed old 2", "old answer", "old order", "old question", "recent"],
            "the right messages, none lost, no stranger's",
        )
        placed = self.messages(self.mailbox).filtered(lambda m: m.subject == "filed old 1").location_ids
        self.assertEqual(placed.uid, 4)
        self.assertNotEqual(placed.uidvalidity, self.folder(self.mailbox, "Archive").uidvalidity)
        self.sync(self.mailbox)
        self.assertEqual(len(self.messages(self.mailbox)), 6, "the sync's reset of the folder duplicates nothing")
        self.assertEqual(self.find(self.carla).total, 0)

    def test_a_vanished_folder_and_a_refused_login_say_so_and_lose_nothing(self):
        wizard = self.find(self.carla)
        self.mailbox.sudo().password = "wrong"
        result = wizard.action_import()
        self.assertEqual(result["params"]["type"], "warning")
        self.assertIn("refused the login", result["params"]["message"])
        job = wizard.job_ids
        self.assertEqual((job.state, job.done_count, job.total), ("failed", 0, 3))
        self.assertEqual(self.subjects(self.mailbox), ["recent"])

        self.mailbox.sudo().password = self.rig.password
        job.with_user(self.imap_user).action_retry()
        self.assertEqual(job.state, "queued")
        self.env.ref("imap_conversations.ir_cron_older_mail_jobs").method_direct_trigger()
        self.assertEqual((job.state, job.imported_count), ("done", 3), "Retry imports what was left")

        self.synced_folder(self.mailbox, "Projects")
        self.old_mail(self.mailbox, "Projects", "filed old")
        self.sync(self.mailbox)
        wizard = self.find(self.carla)
        self.assertEqual(self.found(wizard), {(self.mailbox.name, "Projects"): 1})
        self.rig.delete_folder(self.mailbox.login, "Projects")
        result = wizard.action_import()
        self.assertEqual(result["params"]["type"], "success")
        self.assertIn("Projects is not on the server any more: 1 messages not imported", result["params"]["message"])
        self.assertEqual((wizard.job_ids.state, wizard.job_ids.imported_count), ("done", 0))

    def test_a_mailbox_or_folder_that_cannot_be_searched_says_why(self):
        self.synced_folder(self.mailbox, "Projects")
        self.rig.delete_folder(self.mailbox.login, "Projects")
        notes = {line.folder_id.name: line.note for line in self.find(self.carla).line_ids}
        self.assertIn("Not on the server any more", notes["Projects"])
        self.assertEqual(
            self.found(self.find(self.carla)),
            {(self.mailbox.name, "INBOX"): 2, (self.mailbox.name, "Sent"): 1},
            "the others are searched",
        )
        for values, words in (
            ({"password": "wrong"}, "refused the login"),
            ({"port": free_port()}, "refused the connection"),
        ):
            self.mailbox.sudo().write(values)
            wizard = self.find(self.carla)
            self.assertEqual(wizard.total, 0)
            self.assertIn(words, wizard.line_ids.note)
            self.mailbox.sudo().write({"password": self.rig.password, "port": self.rig.port})
        self.mailbox.sudo().state = "auth_failed"
        self.assertIn("refused the login at the last sync", self.find(self.carla).line_ids.note)

    def test_a_mailbox_being_synced_is_imported_in_the_background_when_the_sync_ends(self):
        wizard = self.find(self.carla)
        with db_connect(self.env.cr.dbname).cursor() as other_worker:
            other_worker.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, self.mailbox.id])
            try:
                result = wizard.action_import()
            finally:
                other_worker.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, self.mailbox.id])
        self.assertIn("in the background", result["params"]["message"])
        self.assertEqual((wizard.job_ids.state, wizard.job_ids.background), ("queued", True))
        self.assertEqual(self.subjects(self.mailbox), ["recent"])
        self.env.ref("imap_conversations.ir_cron_older_mail_jobs").method_direct_trigger()
        self.assertEqual(wizard.job_ids.state, "done")
        self.assertEqual(len(self.messages(self.mailbox)), 4)

    def test_a_contact_without_an_address_searches_nothing(self):
        wizard = self.find(self.env["res.partner"].create({"name": "No address"}))
        self.assertFalse(wizard.line_ids)
        self.assertEqual(wizard.total, 0)

    def test_the_contact_form_offers_it_and_its_dialog_opens(self):
        arch = (
            self.env["res.partner"]
            .with_user(self.imap_user)
            .get_view(self.env.ref("base.view_partner_form").id)["arch"]
        )
        self.assertIn('name="action_find_older_mail"', arch)
        form = Form(self.find(self.carla))
        self.assertEqual((form.total, form.addresses, len(form.line_ids)), (3, "carla@customer.example", 2))
