from odoo import fields, models
from odoo.exceptions import AccessError

from .secret_field import SecretChar, reencrypt_secrets


class ImapMailboxCredential(models.Model):
    """The password of a mailbox, kept apart so record rules can guard it.

    Field-level ``groups=`` cannot say "the owner of this record": a separate
    model with its own rules can. Shared mailboxes are readable by every IMAP
    user, their passwords only by administrators.
    """

    _name = "imap.mailbox.credential"
    _description = "IMAP mailbox password"

    mailbox_id = fields.Many2one("imap.mailbox", required=True, ondelete="cascade", index=True)
    # The mailbox's, for the company rule: an administrator of one company reads no other's passwords.
    company_id = fields.Many2one(related="mailbox_id.company_id", store=True, index=True)
    # Encrypted at rest when odoo.conf gives a key (services/secret_box.py): every secret is a SecretChar.
    password = SecretChar()
    smtp_password = SecretChar(
        string="SMTP password",
        help="Only when the outgoing server does not take the IMAP login and password.",
    )
    # OAuth2 (mailbox auth_method "oauth2"): the grant of the user who connected the mailbox, or
    # for app-only access just the latest access token. Never shown in a form.
    # Administrators only, unlike the password the owner typed: an app-only application's access token
    # opens every mailbox granted to the application, and the addon reads tokens as superuser anyway.
    oauth_refresh_token = SecretChar(string="OAuth refresh token", groups="imap_conversations.group_manager")
    oauth_access_token = SecretChar(string="OAuth access token", groups="imap_conversations.group_manager")
    oauth_access_token_expiry = fields.Datetime(
        string="OAuth access token expiry",
        help="When the access token stops being accepted (UTC).",
    )
    oauth_scope = fields.Char(string="OAuth scope", help="The scopes the provider granted, separated by spaces.")
    # A Connect under way (services/oauth_connect.py): the nonce its signed state carries, spent by the
    # first callback showing it, and the PKCE verifier, which never leaves the server.
    oauth_pending_nonce = fields.Char(string="OAuth pending nonce", copy=False)
    oauth_pending_verifier = SecretChar(
        string="OAuth pending verifier",
        copy=False,
        groups="imap_conversations.group_manager",
    )

    _sql_constraints = [
        ("mailbox_unique", "unique(mailbox_id)", "A mailbox has one password."),
    ]

    def write(self, vals):
        # Passwords are written through the mailbox (its inverse checks who may write it). A
        # credential row never changes mailbox: Odoo checks write rules on the record as it was,
        # so moving one's own row would set the password of a mailbox one may not touch.
        if "mailbox_id" in vals and not self.env.su:
            raise AccessError(self.env._("A password belongs to its mailbox."))
        return super().write(vals)

    def _reencrypt_secrets(self):
        """Encrypt every stored secret with the newest configured key; returns how many values changed.

        For key rotation (a new key first in ``imap_conversations_encryption_key``, the old one
        after it) and for values stored in plain text before a key was configured. Runs on the
        columns themselves, for every company: callers check who may do it (the Settings button
        is for IMAP administrators); from ``odoo-bin shell``::

            env["imap.mailbox.credential"]._reencrypt_secrets(); env.cr.commit()

        Either every value is re-encrypted or, if one cannot be decrypted, none is.
        """
        return reencrypt_secrets(self)
