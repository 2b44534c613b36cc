"""Red team of the new features (issues 8-12): a hostile user of the same Odoo, each hole a test.

Each test attacks as the user named in its docstring and asserts what a closed hole looks like;
a failing test is an open hole, named by its finding id (RT-N) in the report of helper RT.
"""

import contextlib

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from ..services.mailbox_sync import MailboxSync
from .common import ImapCase, SyncCase, make_email
from .oauth_common import OAuthCase
from .routing_common import RoutingCase

#: What a refusal looks like, wherever the addon chooses to refuse.
REFUSED = (AccessError, UserError, ValidationError)


@tagged("post_install", "-at_install")
class TestRedTeamNewAppOnly(OAuthCase):
    """App-only OAuth applications open mailboxes without anyone signing in: who may point one at a mailbox?"""

    def setUp(self):
        super().setUp()
        self.team_login = self.rig.new_login()
        # As Microsoft 365 grants a service principal a shared mailbox (or a Google service account with
        # domain-wide delegation, which opens any mailbox of the domain it is asked for).
        self.registered = self.rig_oauth.register_client(app_mailbox=self.team_login)
        self.app = self.provider_for(self.registered, access_mode="app_only")
        self.team = self.make_mailbox(
            login=self.team_login,
            user_id=False,
            member_ids=[(6, 0, self.other_user.ids)],
            auth_method="oauth2",
            oauth_provider_id=self.app.id,
            password=False,
        )
        self.rig.append(self.team_login, "INBOX", [make_email(subject="Board minutes: confidential")])

    def test_RT1_a_user_cannot_open_a_mailbox_not_shared_with_them_through_the_app_only_application(self):
        """imap_user, not a member of the team mailbox, adds "their own" mailbox with the team's login and the
        company's app-only application (RPC: imap.mailbox.create, then the scheduled sync or Fetch folders)."""
        self.assertFalse(self.team.with_user(self.imap_user)._allowed("use"), "the team mailbox is not theirs")
        subjects = []
        with contextlib.suppress(*REFUSED):
            own = (
                self.env["imap.mailbox"]
                .with_user(self.imap_user)
                .create(
                    {
                        "name": "Mine, honestly",
                        "host": self.rig.host,
                        "port": self.rig.port,
                        "security": "none",
                        "login": self.team_login,
                        "timeout": 5,
                        "user_id": self.imap_user.id,
                        "auth_method": "oauth2",
                        "oauth_provider_id": self.app.id,
                    }
                )
            )
            own.action_fetch_folders()
            MailboxSync(own.sudo()).run()  # what the scheduled sync does with it
            subjects = self.messages(own).mapped("subject")
        self.assertNotIn(
            "Board minutes: confidential",
            subjects,
            "RT-1: a personal mailbox logged in with the app-only application and imported the "
            "mail of a mailbox its owner may not use",
        )

    def test_RT2_the_owner_of_a_mailbox_cannot_read_its_oauth_tokens(self):
        """The tokens are the addon's to use, not the owner's to read (RPC: imap.mailbox.credential.read):
        an app-only application's token opens every mailbox its grant covers, and a personal mailbox may
        not use such an application at all (RT-1)."""
        login = self.rig.new_login()
        registered = self.rig_oauth.register_client(app_mailbox=login)
        app = self.provider_for(registered, access_mode="app_only")
        with self.assertRaises(ValidationError, msg="RT-2: a personal mailbox took the app-only application"):
            self.make_mailbox(login=login, auth_method="oauth2", oauth_provider_id=app.id, password=False)
        own = self.make_mailbox(login=login, password=False)
        self.credential(own).write({"oauth_access_token": "the-access-token", "oauth_refresh_token": "the-refresh"})
        token = False
        with contextlib.suppress(AccessError):
            credential = (
                self.env["imap.mailbox.credential"].with_user(self.imap_user).search([("mailbox_id", "=", own.id)])
            )
            token = credential.read(["oauth_access_token"])[0]["oauth_access_token"] if credential else False
        self.assertFalse(token, "RT-2: the owner reads the mailbox's OAuth access token")


@tagged("post_install", "-at_install")
class TestRedTeamNewTemplates(ImapCase):
    """IMAP administrators may write field placeholders only; Mail Template Editors write code."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact = cls.env["res.partner"].create({"name": "John Smith", "email": "john@example.com"})

    def test_RT3_an_imap_administrator_runs_no_code_through_the_previews_placeholder_check(self):
        """imap_admin (not a Mail Template Editor) writes a t-out that is a field path followed by a Python
        comment; the preview's "placeholders that put nothing" check wraps it in {{ }}, where the comment's
        }} ... {{ become a second placeholder that is evaluated (RPC: imap.template.create, then
        imap.template.preview.onchange / create, by anyone who previews it)."""
        self.assertFalse(self.imap_admin.has_group("mail.group_mail_template_editor"))
        payload = "object.env['ir.config_parameter'].sudo().set_param('imap_redteam.pwned', object.env.uid)"
        body = f'<p>Dear <t t-out="object.name # }}}} {{{{ {payload} }}}} {{{{ 1\n"/></p>'
        try:
            template = (
                self.env["imap.template"]
                .with_user(self.imap_admin)
                .create({"name": "Innocent", "subject": "Hello", "body_html": body})
            )
        except REFUSED:
            return
        form = Form(
            self.env["imap.template.preview"].with_user(self.imap_user).with_context(default_template_id=template.id)
        )
        form.res_id = self.contact.id
        self.assertFalse(
            self.env["ir.config_parameter"].sudo().get_param("imap_redteam.pwned"),
            f"RT-3: code of an IMAP administrator ran as superuser in the preview "
            f"(body {form.body_html!r}, warning {form.warning_msg!r})",
        )


@tagged("post_install", "-at_install")
class TestRedTeamNewChatter(SyncCase):
    """Entries of incoming mail in the chatter of linked records."""

    def entries(self, record):
        return record.sudo().message_ids.filtered(lambda m: "/odoo/imap.conversation/" in (m.body or ""))

    def test_RT4_who_may_not_post_on_a_record_cannot_make_mail_appear_in_its_chatter(self):
        """imap_user may read the key account's contact but not write it (no Contact Creation right), so
        Odoo lets them post nothing there. They link a conversation of their own mailbox to it (RPC:
        imap.conversation.link.create, which asks only read) and mail they send themselves, From forged
        as a colleague, is logged in the contact's chatter as written by that colleague."""
        mailbox = self.synced_mailbox()
        account = self.env["res.partner"].create({"name": "Key Account", "email": "buyer@key-account.test"})
        self.assertFalse(account.with_user(self.imap_user).has_access("write"), "Odoo: no posting there")
        forged = f"{self.other_user.name} <{self.other_user.email}>"
        first = make_email(subject="Contract", sender=forged, to=mailbox.email, body="Hello")
        self.rig.append(mailbox.login, "INBOX", [first])
        self.sync(mailbox)
        conversation = self.messages(mailbox).conversation_id
        try:
            self.env["imap.conversation.link"].with_user(self.imap_user).create(
                {"conversation_id": conversation.id, "res_model": "res.partner", "res_id": account.id}
            )
        except REFUSED:
            return
        message_id = self.messages(mailbox).message_id
        self.rig.append(
            mailbox.login,
            "INBOX",
            [
                make_email(
                    subject="Re: Contract",
                    sender=forged,
                    to=mailbox.email,
                    In_Reply_To=message_id,
                    References=message_id,
                    body="We cancel the contract, effective today. Do not call the customer.",
                )
            ],
        )
        self.sync(mailbox)
        entries = self.entries(account)
        self.assertFalse(
            entries,
            "RT-4: an entry was logged on a record its linker may not post on, author "
            f"{entries.author_id.mapped('name')}: {entries.mapped('body')}",
        )

    def test_RT6_the_composers_defaults_quote_no_message_of_a_mailbox_one_may_not_use(self):
        """other_user asks the composer's defaults for a message of imap_user's mailbox (RPC:
        imap.compose.default_get / onchange with context default_parent_id), which create would refuse."""
        mailbox = self.synced_mailbox()
        self.rig.append(
            mailbox.login,
            "INBOX",
            [make_email(subject="Salary review", to=mailbox.email, body="Your raise is 12 percent")],
        )
        self.sync(mailbox)
        message = self.messages(mailbox)
        values = {}
        with contextlib.suppress(AccessError):
            values = (
                self.env["imap.compose"]
                .with_user(self.other_user)
                .with_context(default_parent_id=message.id, imap_compose_mode="forward")
                .default_get(["body", "subject", "parent_id", "conversation_id", "attachment_ids"])
            )
        self.assertNotIn("12 percent", str(values.get("body") or ""), "RT-6: the quote of a message one may not read")


@tagged("post_install", "-at_install")
class TestRedTeamNewRouting(RoutingCase):
    """Routing rules fill placeholders with what a stranger's mail says."""

    def test_RT7_a_senders_address_is_no_pattern_in_a_find_rule(self):
        """An outside sender writes from _nna@customer.example.com (a valid address) to a mailbox whose rule
        finds the contact as the field's help and the routing tests write it, [('email', '=ilike',
        '{{ from_email }}')]: "_" is LIKE's any-character, so the stranger's mail is linked to Anna's contact
        and shows in its chatter (no RPC: a mail is enough)."""
        mailbox = self.synced_mailbox()
        anna = self.env["res.partner"].create({"name": "Anna (known)", "email": "anna@customer.example.com"})
        self.make_rule(action="find", find_domain="[('email', '=ilike', '{{ from_email }}')]")
        self.rig.append(
            mailbox.login,
            "INBOX",
            [
                make_email(
                    subject="Change of bank account",
                    sender="Anna <_nna@customer.example.com>",
                    to=mailbox.email,
                    body="Please pay our invoices to our new account from now on.",
                )
            ],
        )
        self.sync(mailbox)
        conversation = self.messages(mailbox).conversation_id
        self.assertNotIn(
            conversation,
            anna.imap_conversation_ids.filtered("link_ids"),
            "RT-7: a stranger's mail was linked to another contact, found by a LIKE pattern in their address",
        )
