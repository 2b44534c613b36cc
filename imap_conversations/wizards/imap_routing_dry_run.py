from odoo import api, fields, models

from ..engine import states
from ..services import routing


class ImapRoutingDryRun(models.TransientModel):
    """Test on recent mail: which of the last messages the rules would act on, and how, writing nothing.

    The outcome is computed (``services.routing.dry_run``): matching and searching only;
    the records a rule would create are described by their values, never created.
    """

    _name = "imap.routing.dry.run"
    _description = "Routing rules: test on recent mail"

    rule_ids = fields.Many2many("imap.routing.rule", string="Rules", readonly=True)
    limit = fields.Integer(
        "Last messages", default=routing.DRY_RUN_DEFAULT, help="How many of the latest messages of each mailbox to try."
    )
    line_ids = fields.One2many("imap.routing.dry.run.line", "dry_run_id", string="Would act on", readonly=True)
    has_drafts = fields.Boolean(string="Has drafts", compute="_compute_has_drafts")

    @api.depends("rule_ids.state")
    def _compute_has_drafts(self):
        for wizard in self:
            wizard.has_drafts = any(rule.state == states.RULE_DRAFT for rule in wizard.rule_ids)

    @api.model
    def _open(self, rules):
        rules.check_access("read")
        wizard = self.create({"rule_ids": [fields.Command.set(rules.ids)]})
        wizard._compute_lines()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Test on recent mail"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def _compute_lines(self):
        for wizard in self:
            results = routing.dry_run(wizard.rule_ids, limit=max(1, wizard.limit))
            # Seen: the rules may go live now (imap.routing.rule.action_activate).
            wizard.rule_ids.write({"dry_run_date": fields.Datetime.now()})
            wizard.line_ids = [fields.Command.clear()] + [
                fields.Command.create({"message_id": message.id, "rule_id": rule.id, "outcome": outcome})
                for message, rule, outcome in results
            ]

    def action_run_again(self):
        self._compute_lines()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Test on recent mail"),
        }

    def action_activate(self):
        """Activate the tested rules from their dry run's result."""
        self.ensure_one()
        self.rule_ids.filtered(lambda r: r.state == states.RULE_DRAFT).action_activate()
        return {"type": "ir.actions.act_window_close"}
