import contextlib
import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import email_normalize

from ..engine import errors as imap_errors
from ..engine import presets, smtp, states
from ..engine.folders import list_folders
from ..engine.network import MAX_TIMEOUT
from ..engine.transport import DEFAULT_PORTS, ConnectionSettings, check_connection, open_session
from ..services import (
    credential_alerts,
    destinations,
    error_texts,
    idle_leases,
    mailbox_notices,
    mailbox_presets,
    mailbox_run,
    oauth_connect,
    oauth_tokens,
    own_mailboxes,
    scheduler,
    webhooks,
)
from ..services.mailbox_sync import MailboxSync
from ..services.recovery import MailboxRecovery

_logger = logging.getLogger(__name__)

#: Changing any of these gives a failing mailbox a new chance at the next scheduled run.
CONNECTION_FIELDS = {
    "host",
    "port",
    "security",
    "verify_certificate",
    "login",
    "password",
    "timeout",
    # OAuth2: another application, or connected again (the callback writes the account).
    "auth_method",
    "oauth_provider_id",
    "oauth_account",
}
#: What the sync, the schedule and Connect keep about a mailbox: written by the addon's services after
#: their own checks (as superuser), never by a user over RPC, whose form shows them read-only.
BOOKKEEPING_FIELDS = frozenset(
    {
        "state",
        "sync_due_date",
        "oauth_account",
        "last_sync_date",
        "last_run_date",
        "last_error",
        "last_error_kind",
        "last_error_date",
        "consecutive_failures",
        "auth_failure_notified",
        "folders_listed_date",
    }
)
SECURITY_LABELS = {"ssl": "SSL/TLS", "starttls": "STARTTLS", "none": "no encryption"}


class ImapMailbox(models.Model):
    _name = "imap.mailbox"
    _description = "IMAP mailbox"
    _inherit = ["mail.thread"]
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        index=True,
        tracking=True,
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
        check_company=True,
        help="The user whose mailbox this is. Leave empty for a shared mailbox "
        "(support@, sales@...) that every IMAP user of the company can use.",
    )
    member_ids = fields.Many2many(
        "res.users",
        "imap_mailbox_member_rel",
        "mailbox_id",
        "user_id",
        string="Shared with",
        domain=[("share", "=", False)],
        check_company=True,
        tracking=True,
        help="A shared mailbox only: the users who read its conversations, answer from it and sync it. "
        "Empty: every IMAP user of its company. Its owner and IMAP administrators configure it.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    is_shared = fields.Boolean(string="Shared", compute="_compute_is_shared", search="_search_is_shared")

    # Connection
    host = fields.Char(required=True, tracking=True)
    port = fields.Integer(required=True, default=DEFAULT_PORTS["ssl"], tracking=True)
    security = fields.Selection(
        [("ssl", "SSL/TLS (implicit)"), ("starttls", "STARTTLS"), ("none", "None (cleartext)")],
        required=True,
        default="ssl",
        tracking=True,
    )
    verify_certificate = fields.Boolean(
        string="Verify certificate",
        default=True,
        tracking=True,
        help="Refuse servers whose TLS certificate is not trusted. Switch off only for a "
        "server you control, on a network you trust.",
    )
    login = fields.Char(required=True, tracking=True)
    # Authentication. OAuth2: the mailbox logs in with an access token of its OAuth application
    # (SASL XOAUTH2 / OAUTHBEARER, engine/sasl.py); the tokens live in imap.mailbox.credential.
    auth_method = fields.Selection(
        [("password", "Password"), ("oauth2", "OAuth2")],
        string="Authentication",
        required=True,
        default="password",
        tracking=True,
        help="OAuth2: sign in at the provider (Google, Microsoft 365...) instead of storing a password.",
    )
    oauth_provider_id = fields.Many2one(
        "imap.oauth.provider",
        string="OAuth application",
        tracking=True,
        check_company=True,
        ondelete="restrict",
    )
    provider_preset = fields.Selection(
        presets.SELECTION,
        string="Provider",
        default=presets.OTHER,
        copy=False,
        help="Fills the servers and the authentication of a new mailbox. Gmail and Microsoft 365 sign in with "
        "OAuth2 (Connect); Yahoo, iCloud, Fastmail and Zoho take an app password, made in the account's "
        "security settings: not the password you sign in with.",
    )
    oauth_account = fields.Char(
        "Connected as",
        readonly=True,
        copy=False,
        help="The account the provider said the tokens are for, when the mailbox was connected.",
    )

    email = fields.Char(
        string="Email address",
        compute="_compute_email",
        store=True,
        readonly=False,
        help="The address this mailbox receives and sends as; the login when it is an address.",
    )
    password = fields.Char(
        compute="_compute_password",
        inverse="_inverse_password",
        copy=False,
        help="Readable only by the mailbox owner and IMAP administrators.",
    )
    can_manage_credentials = fields.Boolean(string="Can manage credentials", compute="_compute_can_manage")
    can_manage = fields.Boolean(
        string="Can manage",
        compute="_compute_can_manage",
        help="The current user may configure this mailbox: test it, fetch its folders, run its recovery, read its log.",
    )
    timeout = fields.Integer(
        string="Timeout (seconds)",
        default=30,
        required=True,
        help=f"How long to wait for the server to connect or answer before giving up (at most {MAX_TIMEOUT}).",
    )

    # Sync behaviour
    sync_horizon_days = fields.Integer(
        string="First sync horizon (days)",
        default=365,
        required=True,
        help="The first sync of a folder imports only mail of the last N days; later syncs import everything new.",
    )
    log_level = fields.Selection(
        [("full", "Full"), ("errors", "Errors only"), ("off", "Off")],
        string="Log level",
        default="full",
        required=True,
        help="Full: every run with per-folder detail. Errors only: runs that failed. Off: nothing.",
    )
    sync_interval_minutes = fields.Integer(
        string="Sync every (minutes)",
        default=lambda self: scheduler.default_interval(self.env),
        required=True,
        tracking=True,
        help="How often the scheduled sync takes this mailbox: "
        f"{', '.join(map(str, scheduler.OFFERED_INTERVALS))} minutes, or 0 for only by hand (Sync now).",
    )
    sync_due_date = fields.Datetime(
        string="Next sync",
        compute="_compute_sync_due_date",
        store=True,
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="When the scheduled sync takes this mailbox next (as soon as a cron worker is free). Empty: only by hand.",
    )
    mark_as_read = fields.Boolean(
        string="Mark mail as read on the server",
        help="When off (the default), synced mail keeps its unread state on the server.",
    )
    # Outgoing mail (replies and new mail written in Odoo)
    smtp_host = fields.Char(
        string="SMTP host",
        tracking=True,
        help="The server that sends this mailbox's mail. Empty: Odoo cannot send from it.",
    )
    smtp_security = fields.Selection(
        [("ssl", "SSL/TLS (implicit)"), ("starttls", "STARTTLS"), ("none", "None (cleartext)")],
        string="SMTP security",
        required=True,
        default="starttls",
        tracking=True,
    )
    smtp_port = fields.Integer(string="SMTP port", required=True, default=smtp.DEFAULT_PORTS["starttls"], tracking=True)
    smtp_same_credentials = fields.Boolean(string="Same login and password as IMAP", default=True)
    smtp_login = fields.Char(string="SMTP login")
    smtp_password = fields.Char(
        string="SMTP password",
        compute="_compute_smtp_password",
        inverse="_inverse_smtp_password",
        copy=False,
    )
    can_send = fields.Boolean(string="Can send", compute="_compute_can_send")
    chatter_send = fields.Boolean(
        string="Send chatter mail through this mailbox",
        default=True,
        help="A personal mailbox: what its owner sends from the chatter of a contact or a lead (Send message) "
        "goes out through this mailbox, lands in its Sent folder and in a conversation linked to the record. "
        "Off: the chatter sends through Odoo's outgoing mail server.",
    )

    max_message_size_mb = fields.Integer(
        string="Maximum message size (MB)",
        default=50,
        required=True,
        help="A larger message is not downloaded by the sync: it is recorded from its headers (sender, subject, "
        "date, size, folder) and can be imported on demand. 0: no limit. Importing takes a few times the "
        "message's size in memory, so keep this well under the workers' memory limit.",
    )
    quarantine_enabled = fields.Boolean(
        string="Quarantine failed messages",
        help="Also move a message that cannot be stored into a folder of its own on the server. "
        "It is kept in Odoo with its source either way, and retried by the recovery pass.",
    )
    quarantine_folder = fields.Char(string="Quarantine folder", default="IMAP Conversations Failed", required=True)

    state = fields.Selection(
        states.MAILBOX_STATES,
        default=states.MAILBOX_PENDING,
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    last_sync_date = fields.Datetime(string="Last successful sync", readonly=True, copy=False)
    last_run_date = fields.Datetime(
        string="Last run",
        readonly=True,
        copy=False,
        help="When a sync or recovery last ran, finished or not: who goes next.",
    )
    folders_listed_date = fields.Datetime(
        string="Folders listed",
        readonly=True,
        copy=False,
        help="When a run last listed the folders on the server: the scheduled sync lists them again an hour "
        "later (Sync now and Fetch folders always list them).",
    )
    last_error = fields.Text(string="Last error", readonly=True, copy=False)
    last_error_kind = fields.Char(string="Last error kind", readonly=True, copy=False)
    last_error_date = fields.Datetime(string="Last error date", readonly=True, copy=False)
    consecutive_failures = fields.Integer(string="Consecutive failures", readonly=True, copy=False)
    auth_failure_notified = fields.Boolean(
        string="Authentication failure notified",
        readonly=True,
        copy=False,
        help="Those concerned were told about the current login failure.",
    )
    idle_watched = fields.Boolean(
        string="Watched live",
        compute="_compute_idle_watched",
        help="An IDLE worker (odoo-bin imap-idle) watches this mailbox: new mail arrives within seconds. "
        "Otherwise it is synced on the schedule.",
    )
    log_ids = fields.One2many("imap.sync.log", "mailbox_id", string="Sync log")
    failed_message_count = fields.Integer(string="Failed message count", compute="_compute_failed_message_count")
    conversation_count = fields.Integer(compute="_compute_conversation_count", string="Conversations")

    folder_ids = fields.One2many("imap.folder", "mailbox_id", string="Folders")
    folder_count = fields.Integer(string="Folder count", compute="_compute_folder_count")
    synced_folder_count = fields.Integer(string="Synced folder count", compute="_compute_folder_count")

    _sql_constraints = [
        ("port_range", "CHECK(port > 0 AND port < 65536)", "The port must be between 1 and 65535."),
        # One server must not hold the scheduled sync of every mailbox: every network wait is bounded.
        # (The old name, so that an upgrade replaces the constraint instead of adding a second one.)
        (
            "timeout_positive",
            f"CHECK(timeout > 0 AND timeout <= {MAX_TIMEOUT})",
            f"The timeout must be between 1 and {MAX_TIMEOUT} seconds.",
        ),
        ("horizon_positive", "CHECK(sync_horizon_days > 0)", "The first sync horizon must be at least one day."),
        (
            "sync_interval_positive",
            "CHECK(sync_interval_minutes >= 0)",
            "The sync interval cannot be negative (0 means only by hand).",
        ),
        (
            "max_message_size_positive",
            "CHECK(max_message_size_mb >= 0)",
            "The maximum message size cannot be negative (0 means no limit).",
        ),
    ]

    @api.depends("sync_interval_minutes")
    def _compute_sync_due_date(self):
        for mailbox in self:
            mailbox.sync_due_date = scheduler.first_due(mailbox.sync_interval_minutes, mailbox.last_sync_date)

    @api.depends("login")
    def _compute_email(self):
        for mailbox in self:
            login = (mailbox.login or "").strip()
            mailbox.email = mailbox.email or (login if "@" in login else False)

    def _compute_idle_watched(self):
        # From the workers' leases (PostgreSQL releases a dead worker's at once), not from a stored heartbeat.
        watched = idle_leases.watched_ids(self.env.cr, [mailbox.id for mailbox in self if isinstance(mailbox.id, int)])
        for mailbox in self:
            mailbox.idle_watched = mailbox.id in watched

    def _max_message_bytes(self):
        """The size above which the sync records a message instead of importing it; None: no limit."""
        self.ensure_one()
        return self.max_message_size_mb * 1024 * 1024 or None

    def _own_addresses(self):
        """Addresses meaning "the mailbox itself": mail from them is outgoing."""
        self.ensure_one()
        return {a for a in (email_normalize(self.email or ""), email_normalize(self.login or "")) if a}

    @api.depends("user_id")
    def _compute_is_shared(self):
        for mailbox in self:
            mailbox.is_shared = not mailbox.user_id

    def _search_is_shared(self, operator, value):
        if operator not in ("=", "!="):
            return NotImplemented
        shared = (operator == "=") == bool(value)
        return [("user_id", "=" if shared else "!=", False)]

    # One compute and one inverse per password: Odoo protects every field of a compute method while
    # one of them is written, so a shared inverse would read the other password as empty and wipe it.
    @api.depends_context("uid")
    def _compute_password(self):
        self._read_credential("password")

    def _inverse_password(self):
        self._write_credential("password")

    @api.depends_context("uid")
    def _compute_smtp_password(self):
        self._read_credential("smtp_password")

    def _inverse_smtp_password(self):
        self._write_credential("smtp_password")

    def _read_credential(self, name):
        # Read with the current user's rights: the credential rules decide who sees a password.
        credentials = self.env["imap.mailbox.credential"].search([("mailbox_id", "in", self.ids)])
        by_mailbox = {c.mailbox_id.id: c[name] for c in credentials}
        for mailbox in self:
            mailbox[name] = by_mailbox.get(mailbox.id, False)

    def _write_credential(self, name):
        # Whoever may write the mailbox (checked by write itself) may set its passwords.
        credentials = self.env["imap.mailbox.credential"].sudo()
        for mailbox in self:
            existing = credentials.search([("mailbox_id", "=", mailbox.id)])
            if existing:
                existing[name] = mailbox[name]
            else:
                credentials.create({"mailbox_id": mailbox.id, name: mailbox[name]})
        # Values cached for other users predate this change.
        self.invalidate_recordset([name])

    # -- who may do what -----------------------------------------------------------------
    # Using a mailbox (reading its conversations, answering from it, Sync now) is reading it: its
    # owner, the users a shared one is shared with (all IMAP users of its company when it names
    # none) and IMAP administrators (record rules in security/imap_security.xml). Managing it
    # (settings, Test connection, Test outgoing server, Fetch folders, recovery, its log) is
    # writing it: its owner and administrators. Both within the companies the user works in.
    _RIGHT_OPERATIONS = {"use": "read", "manage": "write"}

    def _allowed(self, right):
        """The mailboxes of *self* the current user may *right* ("use" or "manage")."""
        return self._filtered_access(self._RIGHT_OPERATIONS[right])

    def _check_allowed(self, right, action):
        """Refuse unless the current user may *right* every mailbox of *self*; *action* is the button's label.

        Called first by every button that acts: RPC calls a button the form does not show.
        The caller may use sudo() afterwards, for exactly these mailboxes.
        """
        if self - self._allowed("use"):
            # Not even its name: who may not use a mailbox may not read it.
            raise AccessError(
                self.env._("You cannot use “%(action)s” on a mailbox that is not shared with you.", action=action)
            )
        refused = self - self._allowed(right)
        if refused:
            raise AccessError(
                self.env._(
                    "“%(action)s” is for the owner of %(mailboxes)s and IMAP administrators.",
                    action=action,
                    mailboxes=", ".join(f"“{name}”" for name in refused.mapped("name")),
                )
            )

    @api.depends_context("uid", "allowed_company_ids")
    @api.depends("user_id", "company_id")
    def _compute_can_manage(self):
        manageable = self._origin._allowed("manage")
        for mailbox in self:
            # A mailbox being created (no id yet) is its creator's to set up; create checks the rest.
            mailbox.can_manage = mailbox.can_manage_credentials = not mailbox._origin or mailbox._origin in manageable

    @api.constrains("user_id", "oauth_provider_id")
    def _check_app_only_when_shared(self):
        # App-only tokens open any mailbox the application was granted, whatever login one types:
        # only a shared mailbox, which IMAP administrators alone create and configure, may use them.
        if self.filtered(lambda m: m.user_id and m.sudo().oauth_provider_id.access_mode == oauth_tokens.APP_ONLY):
            raise ValidationError(
                self.env._(
                    "An app-only OAuth application opens shared mailboxes only: choose a delegated application, "
                    "or remove the owner (administrators configure shared mailboxes)."
                )
            )

    @api.constrains("user_id", "member_ids")
    def _check_members_only_when_shared(self):
        if self.filtered(lambda m: m.user_id and m.member_ids):
            raise ValidationError(
                self.env._("Only a shared mailbox (without owner) is shared with users: remove them, or its owner.")
            )

    def _compute_folder_count(self):
        for mailbox in self:
            mailbox.folder_count = len(mailbox.folder_ids)
            mailbox.synced_folder_count = len(mailbox.folder_ids.filtered("sync_enabled"))

    def _compute_conversation_count(self):
        counts = dict(
            self.env["imap.conversation"]._read_group(
                [("mailbox_id", "in", self.ids)],
                ["mailbox_id"],
                ["__count"],
            )
        )
        for mailbox in self:
            mailbox.conversation_count = counts.get(mailbox, 0)

    def _compute_failed_message_count(self):
        counts = dict(
            self.env["imap.message"]._read_group(
                [("mailbox_id", "in", self.ids), ("state", "=", states.MESSAGE_FAILED)],
                ["mailbox_id"],
                ["__count"],
            )
        )
        for mailbox in self:
            mailbox.failed_message_count = counts.get(mailbox, 0)

    def _is_manager(self):
        return self.env.su or self.env.user.has_group("imap_conversations.group_manager")

    def _check_bookkeeping(self, vals_list):
        """Refuse the sync's bookkeeping (BOOKKEEPING_FIELDS) from users who are not IMAP administrators.

        RPC ignores the form's read-only: an owner could otherwise clear "Authentication failed"
        without new credentials, jump the schedule's queue or claim to be connected as anyone.
        """
        written = BOOKKEEPING_FIELDS & {name for vals in vals_list for name in vals}
        if written and not self._is_manager():
            raise AccessError(
                self.env._(
                    "%(fields)s of a mailbox are kept by the sync: they cannot be written by hand.",
                    fields=", ".join(sorted(self._fields[name].string for name in written)),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        own_mailboxes.check_may_add(self.env)  # the record rules make it the creator's own
        self._check_bookkeeping(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        # The write rule is checked on the record as it was: without this, an owner could share
        # their mailbox (or give it away), which creating it that way is refused.
        manager = self._is_manager()
        if "user_id" in vals and not manager and any(m.user_id.id != vals["user_id"] for m in self):
            raise AccessError(self.env._("Only IMAP administrators can share a mailbox or change its owner."))
        self._check_bookkeeping([vals])
        result = super().write(vals)
        if CONNECTION_FIELDS & set(vals):
            # New settings, a new chance: the scheduled sync tries again, and a new failure is news.
            failing = self.sudo().filtered(lambda m: m.state in states.MAILBOX_FAILED_STATES)
            failing.write(
                {
                    "state": states.MAILBOX_PENDING,
                    "last_error": False,
                    "last_error_kind": False,
                    "auth_failure_notified": False,
                }
            )
            scheduler.make_due(failing)
        return result

    @api.depends("smtp_host")
    def _compute_can_send(self):
        for mailbox in self:
            mailbox.can_send = bool((mailbox.smtp_host or "").strip())

    @api.onchange("smtp_security")
    def _onchange_smtp_security(self):
        if self.smtp_port in smtp.DEFAULT_PORTS.values():
            self.smtp_port = smtp.DEFAULT_PORTS[self.smtp_security]

    @api.onchange("security")
    def _onchange_security(self):
        # Follow the security mode only while the port is still one of the defaults.
        if self.port in DEFAULT_PORTS.values():
            self.port = DEFAULT_PORTS[self.security]

    # -- connecting --------------------------------------------------------------

    def _connection_settings(self, deadline=None):
        """*deadline*: the run's end (``time.monotonic()``); no network wait goes past it.

        OAuth2: with a current access token (services/oauth_tokens.py), which may refresh it.
        """
        self.ensure_one()
        oauth2 = self.auth_method == "oauth2"
        return ConnectionSettings(
            host=(self.host or "").strip(),
            port=self.port,
            login=self.login or "",
            password="" if oauth2 else self.sudo().password or "",
            security=self.security,
            verify_certificate=self.verify_certificate,
            timeout=float(self.timeout),
            destination_policy=destinations.policy(self),
            deadline=deadline,
            **({"auth_method": "oauth2", "access_token": oauth_tokens.access_token(self)} if oauth2 else {}),
        )

    def _smtp_settings(self, with_token=True):
        """*with_token* False: the settings without an OAuth2 access token yet (oauth_tokens.with_token adds it)."""
        self.ensure_one()
        mailbox = self.sudo()
        same = mailbox.smtp_same_credentials or mailbox.auth_method == "oauth2"
        settings = smtp.SmtpSettings(
            host=(mailbox.smtp_host or "").strip(),
            port=mailbox.smtp_port,
            login=(mailbox.login if same else mailbox.smtp_login) or "",
            password=""
            if mailbox.auth_method == "oauth2"
            else ((mailbox.password if same else mailbox.smtp_password) or ""),
            security=mailbox.smtp_security,
            verify_certificate=mailbox.verify_certificate,
            timeout=float(mailbox.timeout),
            destination_policy=destinations.policy(self),
        )
        return oauth_tokens.with_token(self, oauth_tokens.SMTP, settings) if with_token else settings

    @contextlib.contextmanager
    def _session(self, deadline=None):
        """An open, logged-in IMAP session; engine errors pass through typed.

        An OAuth2 token the server refuses (it expired during a long run) is refreshed once.
        """
        session = oauth_tokens.retrying_refused(
            self, oauth_tokens.IMAP, self._connection_settings(deadline), open_session
        )
        try:
            yield session
        finally:
            session.close()

    def _describe_error(self, error, smtp_settings=None):
        """What went wrong, in words an administrator can act on (see services/error_texts.py)."""
        return error_texts.describe(self, error, smtp_settings)

    @api.onchange("provider_preset")
    def _onchange_provider_preset(self):
        self.update(mailbox_presets.preset_values(self))

    def action_oauth_connect(self):
        """Connect (or Reconnect): to the provider's consent page; it comes back to the callback route."""
        self.ensure_one()
        self._check_allowed("manage", self.env._("Connect"))
        return {"type": "ir.actions.act_url", "url": oauth_connect.start(self), "target": "self"}

    def action_oauth_disconnect(self):
        """Revoke the tokens at the provider where it can, and forget them."""
        self.ensure_one()
        self._check_allowed("manage", self.env._("Disconnect"))
        failure = oauth_connect.disconnect(self)
        if failure:
            return self._notification(
                self.env._("Disconnected here only"),
                self.env._(
                    "The tokens are forgotten, but the provider did not revoke them: %(error)s. Remove the access in "
                    "the account's security settings at the provider.",
                    error=failure.message,
                ),
                "warning",
                sticky=True,
                reload=True,
            )
        return self._notification(
            self.env._("Disconnected"), self.env._("The tokens are revoked and forgotten."), "success", reload=True
        )

    def _notification(self, title, message, kind, *, sticky=False, reload=False, details=None, button=None):
        return mailbox_notices.notification(
            title, message, kind, sticky=sticky, reload=reload, details=details, button=button
        )

    def _connection_failed(self, error, doing):
        _logger.warning("IMAP mailbox %s (id %s): %s failed: %s", self.name, self.id, doing, error)
        return self._notification(self.env._("Connection failed"), self._describe_error(error), "danger", sticky=True)

    # -- buttons -------------------------------------------------------------------

    def action_test_connection(self):
        self.ensure_one()
        self._check_allowed("manage", self.env._("Test connection"))
        try:
            report = oauth_tokens.retrying_refused(
                self, oauth_tokens.IMAP, self._connection_settings(), check_connection
            )
        except imap_errors.ImapError as error:
            return self._connection_failed(error, "connection test")
        _logger.info("IMAP mailbox %s (id %s): connection test succeeded", self.name, self.id)
        message = self.env._(
            "Connected to %(host)s:%(port)s with %(security)s and logged in as %(login)s.",
            host=self.host,
            port=self.port,
            security=SECURITY_LABELS[self.security],
            login=self.login,
        )
        # The capability names mean something to administrators only, and are many: behind "Details".
        details = (
            self.env._("Server capabilities: %(capabilities)s.", capabilities=", ".join(sorted(report.capabilities)))
            if destinations.shows_server_words(self)
            else None
        )
        return self._notification(self.env._("Connected"), message, "success", details=details)

    def action_test_smtp(self):
        self.ensure_one()
        self._check_allowed("manage", self.env._("Test outgoing server"))
        if not self.can_send:
            return self._notification(
                self.env._("No outgoing server"), self.env._("Give the SMTP host first."), "warning"
            )
        settings = self._smtp_settings(with_token=False)
        try:
            settings = self._smtp_settings()
            report = oauth_tokens.retrying_refused(self, oauth_tokens.SMTP, settings, smtp.check_smtp)
        except imap_errors.ImapError as error:
            _logger.warning("IMAP mailbox %s (id %s): SMTP test failed: %s", self.name, self.id, error)
            return self._notification(
                self.env._("Outgoing server: connection failed"),
                self._describe_error(error, smtp_settings=settings),
                "danger",
                sticky=True,
            )
        message = self.env._(
            "Connected to %(host)s:%(port)s with %(security)s%(login)s.",
            host=settings.host,
            port=settings.port,
            security=SECURITY_LABELS[settings.security],
            login=self.env._(" and logged in as %s", settings.login) if settings.login else "",
        )
        if destinations.shows_server_words(self):
            message += " " + self.env._("The server offers: %(ext)s.", ext=", ".join(sorted(report.extensions)) or "-")
        return self._notification(self.env._("Outgoing server works"), message, "success")

    def action_fetch_folders(self):
        self.ensure_one()
        # Choosing folders configures the mailbox: for those who may change it.
        self._check_allowed("manage", self.env._("Fetch folders"))
        try:
            with self._session() as session:
                listed = list_folders(session)
        except imap_errors.ImapError as error:
            return self._connection_failed(error, "fetching folders")
        # Folders are the server's: written as superuser, for exactly the mailbox checked above.
        plan = self.env["imap.folder"].sudo()._reconcile(self.sudo(), listed)
        mailbox_run.bookkeeping(self).folders_listed_date = fields.Datetime.now()
        return self._notification(
            self.env._("Folders updated"),
            self.env._(
                "%(total)s folders on the server: %(new)s new, %(deleted)s removed, "
                "%(missing)s kept but missing on the server.",
                total=len(listed),
                new=len(plan.to_create),
                deleted=len(plan.to_delete),
                missing=len(plan.to_mark_missing),
            ),
            "success",
            reload=True,
        )

    def action_sync_now(self):
        """Sync now, in this request, for up to a minute; anything left continues in the background."""
        before = mailbox_notices.last_message_id(self) if len(self) == 1 else None
        reports = self._sync_now()
        if len(self) != 1:
            return self._notification(
                self.env._("Sync done"),
                self.env._("%(count)s mailboxes synced.", count=sum(r.ok for r in reports)),
                "info",
                reload=True,
            )
        return self._sync_now_notification(reports[0], before)

    def _sync_now(self):
        """Sync these mailboxes now (Sync now, the API): their run reports, in order.

        Up to a minute in this request; what is left continues in the background.
        """
        # Whoever may use a mailbox may sync it; storing the mail is the sync's job, not the user's.
        self._check_allowed("use", self.env._("Sync now"))
        deadline = scheduler.deadline_for(self.env, scheduler.SYNC_NOW_BUDGET, cron=False)
        reports = []
        for mailbox in self.sudo():
            reports.append(MailboxSync(mailbox, deadline=deadline).run())
            scheduler.after_manual_run(mailbox, reports[-1])
        if any(r.interrupted for r in reports):
            self.env.ref(scheduler.SYNC_CRON)._trigger()
        return reports

    def _sync_now_notification(self, report, before=None):
        if report.busy:
            return self._notification(
                self.env._("Already syncing"),
                self.env._("A sync of this mailbox is running right now; its mail will appear when it ends."),
                "warning",
            )
        if report.error:
            return self._notification(
                self.env._("Sync failed"),
                self._describe_error(report.error),
                "danger",
                sticky=True,
                reload=True,
            )
        message = self.env._(
            "%(new)s new messages, %(known)s already known, %(failed)s failed, in %(folders)s folders.",
            new=report.counts.new,
            known=report.counts.known,
            failed=report.counts.failed,
            folders=len(report.folders),
        )
        if report.counts.too_large:
            message += " " + self.env._(
                "%(count)s over the maximum message size were recorded without their content: import them from "
                "Messages too large.",
                count=report.counts.too_large,
            )
        if report.interrupted:
            message += " " + self.env._("The rest continues in the background.")
        kind = "warning" if report.counts.failed else "success"
        arrived = (
            (self.env._("Open what arrived"), mailbox_notices.conversations_action(self, before))
            if report.counts.new and before is not None
            else None
        )
        return self._notification(self.env._("Sync done"), message, kind, reload=True, button=arrived)

    @api.model
    def _cron_sync_mailboxes(self):
        """Scheduled sync (one lane): the due mailboxes whose login is not known to be refused."""
        scheduler.run_sync_lane(self.env)

    def _record_run_success(self, complete=True):
        self.ensure_one()
        values = {
            "state": states.MAILBOX_ACTIVE,
            "last_error": False,
            "last_error_kind": False,
            "consecutive_failures": 0,
            "auth_failure_notified": False,
        }
        # Only what changed: most runs find the mailbox as the last one left it, and writing a
        # tracked field costs the chatter's tracking even when its value stays.
        values = {name: value for name, value in values.items() if self[name] != value}
        if complete:
            values["last_sync_date"] = fields.Datetime.now()
        if values:
            # Only a change of state is news for the chatter (see mailbox_run.bookkeeping).
            (self.sudo() if "state" in values else mailbox_run.bookkeeping(self)).write(values)

    def _record_run_failure(self, error):
        """Refused credentials stop the mailbox until someone acts; anything else is retried next run.

        The owner (or, for a shared mailbox, the credential notification group) hears
        about a refused login once per failure episode, not at every run.
        """
        self.ensure_one()
        auth = isinstance(error, imap_errors.AuthenticationError)
        _logger.warning("IMAP mailbox %s (id %s): run failed (%s): %s", self.name, self.id, error.kind, error)
        # As superuser: the run checked who may start it (see _check_bookkeeping).
        self.sudo().write(
            {
                "state": states.MAILBOX_AUTH_FAILED if auth else states.MAILBOX_ERROR,
                "last_error": self._describe_error(error),
                "last_error_kind": error.kind,
                "last_error_date": fields.Datetime.now(),
                "consecutive_failures": self.consecutive_failures + 1,
            }
        )
        if auth and not self.auth_failure_notified:
            credential_alerts.notify_failure(self)
            webhooks.emit_auth_failed(self)
            self.sudo().auth_failure_notified = True

    # -- failed messages, recovery, log ------------------------------------------------

    def action_open_failed_messages(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Failed messages of %(mailbox)s", mailbox=self.name),
            "res_model": "imap.message",
            "view_mode": "list,form",
            "views": [(self.env.ref("imap_conversations.imap_message_view_list_failed").id, "list"), (False, "form")],
            "domain": [("mailbox_id", "=", self.id), ("state", "=", states.MESSAGE_FAILED)],
            "context": {"create": False},
        }

    def action_recover(self):
        """Run the recovery pass now for these mailboxes (their owners and administrators)."""
        reports = self._recover_now()
        return self._notification(
            self.env._("Recovery done"),
            self.env._(
                "%(mailboxes)s mailboxes: %(new)s messages recovered, %(failed)s still failing, %(errors)s errors.",
                mailboxes=len(self),
                new=sum(r.counts.new for r in reports),
                failed=sum(r.counts.failed for r in reports),
                errors=sum(1 for r in reports if r.error),
            ),
            "warning" if any(r.error or r.counts.failed for r in reports) else "success",
            reload=True,
        )

    def _recover_now(self):
        """Run the recovery pass of these mailboxes now (Run recovery, the API): their run reports, in order."""
        self._check_allowed("manage", self.env._("Run recovery"))
        deadline = scheduler.deadline_for(self.env, scheduler.SYNC_NOW_BUDGET, cron=False)
        return [MailboxRecovery(mailbox, deadline=deadline).run() for mailbox in self.sudo()]

    @api.model
    def _cron_recover_mailboxes(self):
        """Scheduled recovery: retry recent failures and pick up anything a sync missed."""
        scheduler.run_recovery_pass(self.env)

    def action_download_log(self):
        self.ensure_one()
        self._check_allowed("manage", self.env._("Download log"))
        return {"type": "ir.actions.act_url", "url": f"/imap_conversations/mailbox/{self.id}/log", "target": "self"}

    def action_open_conversations(self):
        self.ensure_one()
        return mailbox_notices.conversations_action(self)

    def action_open_folders(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Folders of %(mailbox)s", mailbox=self.name),
            "res_model": "imap.folder",
            "view_mode": "list,form",
            "domain": [("mailbox_id", "=", self.id)],
            "context": {"default_mailbox_id": self.id},
        }
