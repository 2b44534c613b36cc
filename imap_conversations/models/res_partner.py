from email.utils import getaddresses

from odoo import api, models
from odoo.osv import expression
from odoo.tools import email_normalize

from ..services.partner_conversations import link_partner_conversations


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "imap.conversation.mixin"]

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        link_partner_conversations(partners)
        return partners

    def write(self, vals):
        result = super().write(vals)
        if vals.get("email") or "company_id" in vals:
            link_partner_conversations(self)
        return result

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

    def _imap_older_mail_addresses(self):
        """The contact's address, and a company's people's (as its conversations include theirs)."""
        self.ensure_one()
        people = self.with_context(active_test=False).search([("id", "child_of", self.id)])
        return [address for address in people.mapped("email_normalized") if address]

    def _imap_compose_recipients(self):
        return self

    @api.model
    def _imap_partners_from(self, addresses):
        """The contacts of an address header ("A <a@x>, b@y"): found by address, created when unknown.

        Found with the user's rights; an unknown address becomes a contact (name and address
        only) even for users without the right to create contacts, as Odoo's mail composer
        does: writing to someone must not depend on that right.
        """
        partners = self.browse()
        for name, email in getaddresses([addresses or ""]):
            if not email or "@" not in email:
                continue
            found = self.search([("email_normalized", "=", email_normalize(email))], limit=1)
            partners |= found or self.browse(self.sudo().create({"name": name or email, "email": email}).id)
        return partners
