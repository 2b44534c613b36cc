from odoo import models
from odoo.osv import expression


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "imap.conversation.mixin"]

    def _imap_conversation_domain(self):
        """Linked by hand, or taking part: found by address at import, or by address now.

        The address match finds the mail of a contact created after its mail was
        imported. A company also gets its people's conversations, as Odoo's other
        contact smart buttons (sales, invoices) count those of its contacts.
        """
        domain = super()._imap_conversation_domain()
        if not self.id:
            return domain
        people = self.with_context(active_test=False).search([("id", "child_of", self.id)])
        addresses = [a for a in people.mapped("email_normalized") if a]
        participants = [("partner_ids", "in", people.ids)]
        if addresses:
            participants = expression.OR([participants, [("participant_email", "in", addresses)]])
        return expression.OR([domain, participants])
