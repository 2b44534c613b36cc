"""Conversations merged before 18.0.1.3.0 lost the addresses of the branches they absorbed.

Their contacts did not find them (an empty Conversations tab): every conversation gets back the
addresses of all its messages, and the contacts with those addresses are linked.
"""

from odoo import SUPERUSER_ID, api

from odoo.addons.imap_conversations.services.partner_conversations import restore_participant_emails


def migrate(cr, version):
    if not version:
        return
    restore_participant_emails(api.Environment(cr, SUPERUSER_ID, {}))
