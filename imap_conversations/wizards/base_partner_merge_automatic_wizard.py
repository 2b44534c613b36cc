from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_reference_fields(self, src_partners, dst_partner):
        # Links name their record by model and id, which Odoo's generic pass does not know
        # (it follows Reference fields only): move them to the surviving contact before the
        # merged ones are deleted, which would delete their links (see imap.conversation.mixin).
        self.env["imap.conversation.link"]._move_links(src_partners, dst_partner)
        return super()._update_reference_fields(src_partners, dst_partner)
