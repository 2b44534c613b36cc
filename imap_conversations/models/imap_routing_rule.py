from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engine import routing, states
from ..models.imap_folder import ROLE_LABELS


class ImapRoutingRule(models.Model):
    """What to do with mail as it is imported: create a record from it, or find one, and link the conversation.

    Managed by IMAP administrators. Rules are tried in sequence on each newly imported
    message of the mailboxes they apply to (their company's, all or the chosen ones); a
    rule whose conditions all hold acts once per message (imap.routing.application), then
    stops the routing of that message or lets the next rule try.

    Runs as whom: the records are created and searched with the rights of the administrator
    who last saved the rule (``user_id``), in the mailbox's company, whoever runs the sync
    (the cron's superuser, or a user pressing Sync now). Odoo's mail gateway creates as
    superuser; an IMAP administrator is not a system administrator, so a rule never does
    what its author could not do by hand. The message's attachments and the conversation
    link are written by the sync once that create or search succeeded.

    Dry run before going live: a new rule is a draft, which the sync does not run, until an
    administrator has tested it on recent mail (``action_dry_run``) and activated it
    (``action_activate``, on the form or in the dry run's result).
    """

    _name = "imap.routing.rule"
    _description = "Mail routing rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    state = fields.Selection(
        states.RULE_STATES,
        default=states.RULE_DRAFT,
        required=True,
        readonly=True,
        copy=False,
        help="Draft: the sync does not run it yet; test it on recent mail, then activate it.",
    )
    dry_run_date = fields.Datetime(
        "Last tested",
        readonly=True,
        copy=False,
        help="When it was last tested on recent mail.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    mailbox_ids = fields.Many2many(
        "imap.mailbox",
        string="Mailboxes",
        check_company=True,
        help="Empty: every mailbox of the rule's company.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Runs as",
        readonly=True,
        default=lambda self: self.env.user,
        help="Records are created and found with this user's rights: whoever last saved the rule.",
    )

    # Conditions: all must hold; an empty one holds for any message.
    folder_ids = fields.Many2many("imap.folder", string="Folders", check_company=True)
    folder_role = fields.Selection(list(ROLE_LABELS.items()), string="Folder role")
    direction = fields.Selection(states.DIRECTIONS)
    from_match = fields.Char("From", help="Addresses or domains (example.com), separated by commas.")
    to_match = fields.Char("To", help="Addresses or domains (example.com), separated by commas.")
    cc_match = fields.Char("Cc", help="Addresses or domains (example.com), separated by commas.")
    subject_match = fields.Char("Subject contains")
    subject_is_pattern = fields.Boolean("Subject is a pattern", help="A regular expression, e.g. REF-(\\d+).")
    text_match = fields.Char("Text contains")
    text_is_pattern = fields.Boolean("Text is a pattern")
    header_name = fields.Char("Header", help="e.g. X-Ticket: the message must have it.")
    header_value = fields.Char("Header contains")
    attachments = fields.Selection(
        [
            (routing.ATTACHMENTS_ANY, "Any"),
            (routing.ATTACHMENTS_WITH, "With attachments"),
            (routing.ATTACHMENTS_WITHOUT, "Without attachments"),
        ],
        default=routing.ATTACHMENTS_ANY,
        required=True,
    )
    first_only = fields.Boolean("First message of a conversation only")

    # Action
    model_id = fields.Many2one(
        "ir.model",
        string="Record type",
        required=True,
        ondelete="cascade",
        domain="[('is_mail_thread', '=', True), ('transient', '=', False)]",
    )
    model = fields.Char(related="model_id.model", store=True)
    action = fields.Selection(
        [(routing.ACTION_CREATE, "Create a record"), (routing.ACTION_FIND, "Find a record and link the conversation")],
        default=routing.ACTION_CREATE,
        required=True,
    )
    field_values = fields.Text(
        "Values",
        help="One 'field = value' per line, with placeholders: from_name, from_email, from, to, cc, subject, "
        "text, html, date, match, header:<Name>. E.g. name = {{ subject }}.",
    )
    find_domain = fields.Char(
        "Find",
        default="[]",
        help="A domain with placeholders, e.g. [('email_normalized', '=', '{{ from_email }}')]; in a like "
        "condition the values are matched as written, never as patterns.",
    )
    copy_attachments = fields.Boolean("Attach the mail's files", default=True)
    salesperson_id = fields.Many2one("res.users", help="Set as user_id where the type has one.")
    stop = fields.Boolean("Stop here", default=True, help="When it applies, the next rules are not tried.")
    application_ids = fields.One2many("imap.routing.application", "rule_id", readonly=True)
    application_count = fields.Integer(string="Applications", compute="_compute_application_count")

    def _compute_application_count(self):
        counts = dict(
            self.env["imap.routing.application"]._read_group([("rule_id", "in", self.ids)], ["rule_id"], ["__count"])
        )
        for rule in self:
            rule.application_count = counts.get(rule, 0)

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([{**vals, "user_id": self.env.uid} for vals in vals_list])

    def write(self, vals):
        # Whoever changes what a rule does answers for it from then on.
        return super().write(
            {**vals, "user_id": self.env.uid} if set(vals) - {"sequence", "active", "state", "dry_run_date"} else vals
        )

    def action_activate(self):
        """Go live: the sync runs the rule on mail imported from now on. Only once it was tested."""
        untested = self.filtered(lambda r: not r.dry_run_date)
        if untested:
            raise UserError(
                self.env._(
                    "Test %(rules)s on recent mail first: a rule goes live once its dry run was seen.",
                    rules=", ".join(untested.mapped("name")),
                )
            )
        self.write({"state": states.RULE_LIVE})
        return True

    def action_set_draft(self):
        """Stop running it, to change and test it again."""
        self.write({"state": states.RULE_DRAFT})
        return True

    @api.constrains("model_id")
    def _check_model(self):
        for rule in self:
            if not rule.model_id.is_mail_thread or rule.model_id.transient:
                raise ValidationError(
                    self.env._(
                        "Rules create or find records of models with a chatter (mail.thread); %s is not one.",
                        rule.model_id.model,
                    )
                )

    @api.constrains(
        "subject_match",
        "subject_is_pattern",
        "text_match",
        "text_is_pattern",
        "field_values",
        "find_domain",
        "model_id",
    )
    def _check_expressions(self):
        for rule in self:
            try:
                rule._conditions()
                for pattern, is_pattern in (
                    (rule.subject_match, rule.subject_is_pattern),
                    (rule.text_match, rule.text_is_pattern),
                ):
                    if pattern and is_pattern:
                        routing.check_pattern(pattern)
                assignments = routing.parse_assignments(rule.field_values)
                routing.parse_domain(rule.find_domain)
            except routing.RoutingError as error:
                raise ValidationError(self.env._("Rule %(rule)s: %(error)s", rule=rule.name, error=error)) from error
            fields_ = self.env[rule.model]._fields if rule.model in self.env else {}
            unknown = [name for name, _template in assignments if name not in fields_ or not fields_[name].store]
            if unknown:
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s: %(model)s has no stored field %(fields)s.",
                        rule=rule.name,
                        model=rule.model,
                        fields=", ".join(unknown),
                    )
                )

    @api.constrains("mailbox_ids", "company_id")
    def _check_mailboxes(self):
        for rule in self:
            if rule.mailbox_ids.company_id - rule.company_id:
                raise ValidationError(self.env._("A rule routes only mail of its own company's mailboxes."))

    def _conditions(self):
        self.ensure_one()
        return routing.Conditions(
            folder_ids=frozenset(self.folder_ids.ids),
            folder_roles=frozenset([self.folder_role] if self.folder_role else []),
            direction=self.direction or "",
            from_=routing.address_list(self.from_match),
            to=routing.address_list(self.to_match),
            cc=routing.address_list(self.cc_match),
            subject=self.subject_match or "",
            subject_is_pattern=self.subject_is_pattern,
            text=self.text_match or "",
            text_is_pattern=self.text_is_pattern,
            header_name=(self.header_name or "").strip(),
            header_value=self.header_value or "",
            attachments=self.attachments,
            first_only=self.first_only,
        )

    def action_dry_run(self):
        """Test on recent mail: what these rules would do to the last messages, writing nothing."""
        return self.env["imap.routing.dry.run"]._open(self)

    def action_open_applications(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Applied to"),
            "res_model": "imap.routing.application",
            "view_mode": "list",
            "domain": [("rule_id", "=", self.id)],
        }
