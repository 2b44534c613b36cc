from odoo import fields, models


class ImapRoutingApplication(models.Model):
    """A routing rule applied to a message: what makes it act once, whatever the retries and re-syncs.

    Written in the same savepoint as what the rule did: both are kept, or neither. Keyed on
    the message's dedupe key in its mailbox, not on its row: a message lost in Odoo and
    imported again by a recovery run is the same message, and the rule does not act again.
    """

    _name = "imap.routing.application"
    _description = "Routing rule applied to a message"
    _order = "id desc"

    rule_id = fields.Many2one("imap.routing.rule", required=True, ondelete="cascade", index=True, readonly=True)
    mailbox_id = fields.Many2one("imap.mailbox", required=True, ondelete="cascade", readonly=True)
    dedupe_key = fields.Char(string="Dedupe key", required=True, index=True, readonly=True)
    message_id = fields.Many2one("imap.message", ondelete="set null", index="btree_not_null", readonly=True)
    company_id = fields.Many2one(related="mailbox_id.company_id", store=True)
    res_model = fields.Char(string="Model", readonly=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model", readonly=True)
    outcome = fields.Char(readonly=True, help="What the rule did.")

    _sql_constraints = [
        ("once", "unique(rule_id, mailbox_id, dedupe_key)", "A rule acts once per message."),
    ]
