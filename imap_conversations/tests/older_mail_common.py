"""Helpers for the tests of "Find older mail on the server": a contact with mail beyond the horizon."""

from datetime import UTC, datetime, timedelta

from .common import SyncCase, make_email


class OlderMailCase(SyncCase):
    def setUp(self):
        super().setUp()
        now = datetime.now(UTC)
        self.two_years_ago = now - timedelta(days=730)
        self.last_week = now - timedelta(days=7)
        self.carla = self.env["res.partner"].create({"name": "Carla Customer", "email": "carla@customer.example"})

    def old_mail(self, mailbox, folder, *subjects, sender="Carla <carla@customer.example>", to=None, **kwargs):
        """Mail received two years ago (beyond the 365-day horizon) into *folder* of *mailbox*."""
        self.rig.append(
            mailbox.login,
            folder,
            [
                make_email(subject=subject, sender=sender, to=to or mailbox.email, date=self.two_years_ago, **kwargs)
                for subject in subjects
            ],
            msg_time=self.two_years_ago,
        )

    def find(self, record, user=None):
        """Press "Find older mail on the server" on *record* as *user*: the wizard it opens."""
        user = user or self.imap_user
        action = record.with_user(user).action_find_older_mail()
        self.assertEqual((action["res_model"], action["target"]), ("imap.older.mail.wizard", "new"))
        return self.env["imap.older.mail.wizard"].with_user(user).browse(action["res_id"])

    def found(self, wizard):
        """{(mailbox name, folder name): count} of what the wizard found."""
        return {(line.mailbox_id.name, line.folder_id.name): line.count for line in wizard.line_ids if line.count}

    def subjects(self, mailbox):
        return sorted(self.messages(mailbox).mapped("subject"))
