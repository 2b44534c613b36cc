from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..engine import states
from ..engine.folder_sync import FolderState
from ..engine.folders import ROLES, plan_reconciliation
from .bigint import BigInteger

ROLE_LABELS = {
    "inbox": "Inbox",
    "sent": "Sent",
    "archive": "Archive",
    "drafts": "Drafts",
    "junk": "Junk",
    "trash": "Trash",
    "all": "All mail",
    "flagged": "Flagged",
    "important": "Important",
    "other": "Other",
}


class ImapFolder(models.Model):
    """A folder of a mailbox on the server, and where its sync stands.

    The sync watermark (UIDVALIDITY, last UID seen, HIGHESTMODSEQ) lives here,
    per folder, never on the mailbox.
    """

    _name = "imap.folder"
    _description = "IMAP folder"
    _order = "mailbox_id, sequence, name"
    _rec_name = "name"

    mailbox_id = fields.Many2one("imap.mailbox", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="mailbox_id.company_id", store=True, index=True)
    name = fields.Char(string="Full name", required=True, readonly=True)
    sequence = fields.Integer(default=10, help="INBOX first, then special folders, then the rest.")
    delimiter = fields.Char(readonly=True)
    parent_id = fields.Many2one("imap.folder", string="Parent folder", ondelete="set null", index=True, readonly=True)
    child_ids = fields.One2many("imap.folder", "parent_id", string="Subfolders")
    role = fields.Selection([(r, ROLE_LABELS[r]) for r in ROLES], default="other", required=True, readonly=True)
    flags = fields.Char(readonly=True, help="The folder's attributes as the server lists them.")
    is_selectable = fields.Boolean(
        string="Selectable",
        default=True,
        readonly=True,
        help="Off for a folder that only groups subfolders and cannot hold mail (\\Noselect).",
    )
    sync_enabled = fields.Boolean(string="Sync", help="Import the mail of this folder.")
    state = fields.Selection(
        states.FOLDER_STATES,
        default=states.FOLDER_PRESENT,
        required=True,
        readonly=True,
        help="A folder that disappeared from the server but holds synced mail is kept, marked missing.",
    )

    # Where the sync of this folder stands
    uidvalidity = BigInteger(string="UIDVALIDITY", readonly=True, copy=False)
    uidnext = BigInteger(
        string="UIDNEXT",
        readonly=True,
        copy=False,
        help="The server's next UID when the last run began (during the first sync: when it began). "
        "Mail below it that the first sync did not take is older than the horizon and stays out.",
    )
    last_uid = BigInteger(string="Last UID synced", readonly=True, copy=False)
    highestmodseq = BigInteger(string="HIGHESTMODSEQ", readonly=True, copy=False)
    server_message_count = fields.Integer(string="Messages on server", readonly=True, copy=False)
    initial_sync_done = fields.Boolean(
        string="Initial sync done",
        readonly=True,
        copy=False,
        help="The first sync, limited to the mailbox's horizon, ran to its end.",
    )
    last_sync_date = fields.Datetime(string="Last sync", readonly=True, copy=False)
    location_ids = fields.One2many("imap.message.location", "folder_id", string="Messages here")

    _sql_constraints = [
        ("name_unique", "unique(mailbox_id, name)", "A folder name appears once per mailbox."),
    ]

    @api.depends("name", "mailbox_id.name")
    def _compute_display_name(self):
        for folder in self:
            folder.display_name = f"{folder.mailbox_id.name}: {folder.name}" if folder.mailbox_id else folder.name

    @api.constrains("sync_enabled", "is_selectable")
    def _check_sync_selectable(self):
        for folder in self:
            if folder.sync_enabled and not folder.is_selectable:
                raise ValidationError(
                    self.env._(
                        "The folder “%(folder)s” only groups subfolders on the server and holds no mail: "
                        "it cannot be synced.",
                        folder=folder.name,
                    )
                )

    def _has_synced_mail(self):
        """Whether deleting this folder locally would lose track of synced mail."""
        self.ensure_one()
        return bool(self.env["imap.message.location"].search_count([("folder_id", "=", self.id)], limit=1))

    # -- the sync position, written by the mailbox run -------------------------------

    #: What a user changes on a folder of their mailbox; the rest is the server's (Fetch folders, sync).
    USER_FIELDS = {"sync_enabled", "sequence"}

    def write(self, vals):
        # Odoo checks write rules on the record as it was: without this, a user could set any field
        # of a folder of their own mailbox, then move it into someone else's (or another company's),
        # or point its parent at a folder they may not read, and read that folder's name back.
        manager = self.env.su or self.env.user.has_group("imap_conversations.group_manager")
        if not manager and set(vals) - self.USER_FIELDS:
            raise AccessError(self.env._("Folders come from the server: you can choose which ones sync."))
        result = super().write(vals)
        if not self.env.su and {"mailbox_id", "parent_id"} & set(vals):
            self.check_access("write")
            self.parent_id.check_access("read")
        return result

    def _sync_state(self):
        self.ensure_one()
        return FolderState(
            uidvalidity=self.uidvalidity or None,
            last_uid=self.last_uid or 0,
            highestmodseq=self.highestmodseq or None,
            initial_sync_done=self.initial_sync_done,
            server_messages=self.server_message_count or 0,
            uidnext=self.uidnext or None,
        )

    def _begin_reset(self, uidvalidity):
        """UIDVALIDITY changed: every UID we knew means nothing now. Messages stay, their locations here go."""
        self.ensure_one()
        self.location_ids.filtered(lambda loc: loc.uidvalidity != uidvalidity).unlink()
        self.write(
            {
                "uidvalidity": uidvalidity,
                "last_uid": 0,
                "highestmodseq": False,
                "initial_sync_done": False,
                "server_message_count": 0,
                "uidnext": False,
            }
        )

    def _begin_first_sync(self, uidvalidity, uidnext):
        """Where the first sync's horizon ends, kept until it finishes even across runs."""
        self.ensure_one()
        self.write({"uidvalidity": uidvalidity, "uidnext": uidnext})

    def _advance(self, uidvalidity, last_uid):
        """The watermark after a stored batch: a run that dies later resumes from here."""
        self.write({"uidvalidity": uidvalidity, "last_uid": last_uid})

    def _finish_run(self, state):
        self.write(
            {
                "uidvalidity": state.uidvalidity,
                "last_uid": state.last_uid,
                "highestmodseq": state.highestmodseq or False,
                "initial_sync_done": state.initial_sync_done,
                "server_message_count": state.server_messages,
                "uidnext": state.uidnext or False,
                "last_sync_date": fields.Datetime.now(),
            }
        )

    @api.model
    def _reconcile(self, mailbox, listed):
        """Make the mailbox's folders match *listed* (engine FolderInfo); returns the plan applied."""
        existing = {f.name: f for f in mailbox.with_context(active_test=False).folder_ids}
        listed_names = {info.name for info in listed}
        # Asked only of folders gone from the server (one query each): every run lists folders.
        plan = plan_reconciliation(
            {name: name not in listed_names and f._has_synced_mail() for name, f in existing.items()}, listed
        )
        for info in plan.to_create:
            existing[info.name] = self.create(
                {
                    "mailbox_id": mailbox.id,
                    "name": info.name,
                    "sync_enabled": info.sync_by_default,
                    **self._values_from_server(info),
                }
            )
        for info in plan.to_update:
            folder = existing[info.name]
            # Every run lists folders: write only what changed, not every folder every time.
            changes = {key: value for key, value in self._values_from_server(info).items() if folder[key] != value}
            if changes:
                folder.write(changes)
        for name in plan.to_mark_missing:
            existing[name].write({"state": states.FOLDER_MISSING, "sync_enabled": False})
        self.browse([existing.pop(name).id for name in plan.to_delete]).unlink()
        for info in listed:
            parent = existing.get(info.parent_name, self.browse())
            if existing[info.name].parent_id != parent:
                existing[info.name].parent_id = parent
        return plan

    @api.model
    def _values_from_server(self, info):
        values = {
            "delimiter": info.delimiter,
            "role": info.role,
            "flags": " ".join(info.flags),
            "is_selectable": info.selectable,
            "state": states.FOLDER_PRESENT,
            "sequence": 0 if info.role == "inbox" else 5 if info.role != "other" else 10,
        }
        if not info.selectable:
            values["sync_enabled"] = False
        return values
