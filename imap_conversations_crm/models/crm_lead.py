from odoo import models
from odoo.osv import expression


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "imap.conversation.mixin"]

    def _imap_conversation_domain(self):
        """Linked by hand, or with the lead's contact, or with the lead's address taking part.

        The address finds the mail of a lead that has no contact yet, as most new leads.
        """
        domain = super()._imap_conversation_domain()
        if not self.id:
            return domain
        extra = []
        if self.partner_id:
            extra.append([("partner_ids", "in", self.partner_id.ids)])
        if self.email_normalized:
            extra.append([("participant_email", "=", self.email_normalized)])
        return expression.OR([domain, *extra])

    def _imap_older_mail_addresses(self):
        """The lead's address and its contact's."""
        self.ensure_one()
        return [address for address in (self.email_normalized, self.partner_id.email_normalized) if address]

    def _imap_compose_recipients(self):
        """The lead's contact, or a contact for its address (found or created)."""
        if self.partner_id:
            return self.partner_id
        return self.env["res.partner"]._imap_partners_from(self.email_from)
