from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine.oauth import InvalidEndpoint, check_endpoint
from ..engine.oauth_assertion import InvalidServiceAccountKey, parse_service_account
from ..services import oauth_connect, oauth_secret_expiry
from .secret_field import SecretChar, reencrypt_secrets

#: Endpoints and scopes of the providers the addon knows; ``{tenant}`` is Microsoft's directory.
PRESETS = {
    "google": {
        "authorization_endpoint": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_endpoint": "https://oauth2.googleapis.com/token",
        "revocation_endpoint": "https://oauth2.googleapis.com/revoke",
        # One scope covers IMAP and SMTP at Google.
        "imap_scopes": "https://mail.google.com/",
        "smtp_scopes": "https://mail.google.com/",
    },
    "microsoft": {
        "authorization_endpoint": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
        "token_endpoint": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        # The Microsoft identity platform has no RFC 7009 endpoint: Disconnect only forgets the tokens.
        "revocation_endpoint": "",
        # offline_access is what makes Microsoft hand out a refresh token.
        "imap_scopes": "https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
        "smtp_scopes": "https://outlook.office.com/SMTP.Send offline_access",
    },
}
#: App-only access (no user signs in): Microsoft 365 client credentials want the resource's ".default" scope.
APP_ONLY_SCOPES = {
    "microsoft": "https://outlook.office365.com/.default",
    "google": "https://mail.google.com/",
}
PRESET_FIELDS = ("authorization_endpoint", "token_endpoint", "revocation_endpoint", "imap_scopes", "smtp_scopes")
#: Where Odoo's own Gmail / Outlook integrations (General Settings) keep their client credentials.
SETTINGS_CREDENTIALS = {
    "google": ("google_gmail_client_id", "google_gmail_client_secret"),
    "microsoft": ("microsoft_outlook_client_identifier", "microsoft_outlook_client_secret"),
}
DEFAULT_TENANT = "common"
#: Administrators are warned this long before a client secret expires.
SECRET_EXPIRY_WARNING = timedelta(days=14)


class ImapOAuthProvider(models.Model):
    """An OAuth 2.0 application registered at a provider (Google, Microsoft, or any other).

    Mailboxes that log in with OAuth2 name one; nothing in the addon knows a
    provider's address except through these fields, so a generic provider (or the
    test rig's) works like Google or Microsoft. Every IMAP user may read which
    applications exist (to choose one for a mailbox); only administrators manage
    them, and only they read the client secret.
    """

    _name = "imap.oauth.provider"
    _description = "OAuth application"
    _order = "name, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    kind = fields.Selection(
        [("google", "Google"), ("microsoft", "Microsoft"), ("generic", "Generic OAuth 2.0")],
        required=True,
        default="generic",
        help="Google and Microsoft fill in their endpoints and scopes; a generic provider takes yours.",
    )
    company_id = fields.Many2one("res.company", help="Empty: every company may use it.")
    # Computed (prefilled) fields cannot be required=True: the row is inserted before they are computed.
    # _check_application requires them instead.
    client_id = fields.Char("Client ID", compute="_compute_client_id", store=True, readonly=False)
    # One compute each: a value typed for one must not stop the other from being prefilled.
    # Encrypted at rest like the mailboxes' passwords (services/secret_box.py).
    client_secret = SecretChar(
        string="Client secret",
        compute="_compute_client_secret",
        store=True,
        readonly=False,
        groups="imap_conversations.group_manager",
        help="Kept from every user but administrators. Empty for a public client.",
    )
    client_secret_expiry_date = fields.Date(
        "Client secret expires on",
        help="Microsoft client secrets expire (at most two years): administrators are warned 14 days before.",
    )
    secret_expiry_warned_date = fields.Date(
        string="Secret expiry warned on",
        copy=False,
        readonly=True,
        help="The expiry date administrators were last warned about (once per date).",
    )
    secret_expiry_state = fields.Selection(
        [("ok", "Valid"), ("soon", "Expires soon"), ("expired", "Expired")],
        string="Secret expiry state",
        compute="_compute_secret_expiry_state",
    )
    tenant = fields.Char(
        default=DEFAULT_TENANT,
        help="Microsoft: the directory (tenant) ID or domain; 'common' lets any work or personal account sign in.",
    )
    authorization_endpoint = fields.Char(
        string="Authorization endpoint",
        compute="_compute_presets",
        store=True,
        readonly=False,
    )
    token_endpoint = fields.Char(string="Token endpoint", compute="_compute_presets", store=True, readonly=False)
    revocation_endpoint = fields.Char(
        string="Revocation endpoint",
        compute="_compute_presets",
        store=True,
        readonly=False,
        help="RFC 7009. Empty when the provider has none: Disconnect then only forgets the tokens.",
    )
    redirect_uri = fields.Char(
        "Redirect URI",
        compute="_compute_redirect_uri",
        help="Register this address at the provider as the application's redirect (reply) URI.",
    )
    imap_scopes = fields.Char(
        "IMAP scopes",
        compute="_compute_presets",
        store=True,
        readonly=False,
        help="Separated by spaces.",
    )
    smtp_scopes = fields.Char(
        "SMTP scopes",
        compute="_compute_presets",
        store=True,
        readonly=False,
        help="Separated by spaces.",
    )

    @api.depends_context("uid")
    def _compute_redirect_uri(self):
        self.redirect_uri = oauth_connect.redirect_uri(self.env)

    # App-only access (services/oauth_tokens.py): for shared mailboxes no one signs in to.
    access_mode = fields.Selection(
        [
            ("delegated", "Each mailbox is connected by signing in"),
            ("app_only", "App-only: the application itself opens shared mailboxes"),
        ],
        string="Access",
        required=True,
        default="delegated",
        help="App-only needs no Connect. Microsoft 365: client credentials, with the IMAP.AccessAsApp and "
        "SMTP.SendAsApp application permissions granted by an administrator and the mailbox given to the "
        "application's service principal; the mailbox login is the shared address. Google: a service "
        "account with domain-wide delegation; paste its JSON key below.",
    )
    service_account_key = SecretChar(
        "Service account key (JSON)",
        groups="imap_conversations.group_manager",
        help="Google app-only access: the service account's JSON key file. It signs a request for each mailbox "
        "(RFC 7523). Only administrators read it.",
    )

    @api.depends("kind", "tenant", "access_mode")
    def _compute_presets(self):
        for provider in self:
            preset = PRESETS.get(provider.kind)
            if not preset:
                continue  # generic: whatever the administrator wrote stays
            tenant = (provider.tenant or DEFAULT_TENANT).strip()
            for name in PRESET_FIELDS:
                provider[name] = preset[name].format(tenant=tenant)
            if provider.access_mode == "app_only":
                provider.imap_scopes = provider.smtp_scopes = APP_ONLY_SCOPES[provider.kind]

    @api.constrains("service_account_key")
    def _check_service_account_key(self):
        for provider in self.sudo().filtered("service_account_key"):
            try:
                parse_service_account(provider.service_account_key)
            except InvalidServiceAccountKey as error:
                raise ValidationError(
                    self.env._("%(application)s: %(error)s.", application=provider.name, error=error.message)
                ) from error

    @api.depends("kind")
    def _compute_client_id(self):
        self._prefill_from_settings("client_id", 0)

    @api.depends("kind")
    def _compute_client_secret(self):
        self._prefill_from_settings("client_secret", 1)

    def _prefill_from_settings(self, field_name, index):
        """Offer the General Settings' Gmail / Outlook credentials where none is typed."""
        # Only administrators create or edit applications (ACL), so reading the settings as superuser is theirs to do.
        parameters = self.env["ir.config_parameter"].sudo()
        for provider in self:
            keys = SETTINGS_CREDENTIALS.get(provider.kind)
            if keys and not provider[field_name]:
                provider[field_name] = parameters.get_param(keys[index]) or False

    @api.depends("client_secret_expiry_date")
    def _compute_secret_expiry_state(self):
        today = fields.Date.context_today(self)
        for provider in self:
            expiry = provider.client_secret_expiry_date
            if not expiry or expiry - today > SECRET_EXPIRY_WARNING:
                provider.secret_expiry_state = "ok"
            else:
                provider.secret_expiry_state = "expired" if expiry < today else "soon"

    @api.constrains("kind", "client_id", "authorization_endpoint", "token_endpoint", "revocation_endpoint")
    def _check_application(self):
        for provider in self:
            if not provider.client_id:
                raise ValidationError(
                    self.env._(
                        "%(application)s: the client ID is missing (the provider shows it where the application "
                        "was registered).",
                        application=provider.name,
                    )
                )
            for name in ("authorization_endpoint", "token_endpoint", "revocation_endpoint"):
                if name == "revocation_endpoint" and not provider[name]:
                    continue
                try:
                    check_endpoint(provider[name], name.removesuffix("_endpoint"))
                except InvalidEndpoint as error:
                    raise ValidationError(
                        self.env._(
                            "%(application)s: %(error)s (not %(url)s).",
                            application=provider.name,
                            error=error.message,
                            url=provider[name] or "empty",
                        )
                    ) from error

    def _scopes(self, purpose):
        """The scopes to ask for: ``"imap"``, ``"smtp"`` or ``"both"``, each named once, in order."""
        self.ensure_one()
        wanted = {"imap": self.imap_scopes, "smtp": self.smtp_scopes}
        texts = list(wanted.values()) if purpose == "both" else [wanted[purpose]]
        return tuple(dict.fromkeys(" ".join(filter(None, texts)).split()))

    def _reencrypt_secrets(self):
        """Encrypt every stored client secret with the newest key (Settings' "Re-encrypt" does it)."""
        return reencrypt_secrets(self)

    @api.model
    def _cron_warn_secret_expiry(self):
        """Daily: tell the IMAP administrators of each client secret about to expire, once per expiry date."""
        oauth_secret_expiry.warn_administrators(self.env, SECRET_EXPIRY_WARNING)
