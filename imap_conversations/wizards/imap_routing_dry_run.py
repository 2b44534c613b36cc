from odoo import api, fields, models

from ..services import routing


class ImapRoutingDryRun(models.TransientModel):
    """Test on recent mail: which of the last messages the rules would act on, and how, writing nothing.

    The outcome is computed (``services.routing.dry_run``): matching and searching only;
    the records a rule would create are described by their values, never created.
    """

    _name = "imap.routing.dry.run"
    _description = "Routing rules: test on recent mail"

    rule_ids = fields.Many2many("imap.routing.rule", string="Rules", readonly=True)
    limit = fields.Integer("Last messages", default=routing.DRY_RUN_DEFAULT,
                           help="How many of the latest messages of each mailbox to try.")
    line_ids = fields.One2many("imap.routing.dry.run.line", "dry_run_id", string="Would act on", readonly=True)

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
            wizard.line_ids = [fields.Command.clear()] + [
                fields.Command.create({"message_id": message.id, "rule_id": rule.id, "outcome": outcome})
                for message, rule, outcome in results
            ]

    def action_run_again(self):
        self._compute_lines()
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id,
                "view_mode": "form", "target": "new", "name": self.env._("Test on recent mail")}
