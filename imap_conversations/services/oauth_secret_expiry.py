"""Warn the IMAP administrators before an OAuth application's client secret expires.

Microsoft client secrets expire (at most two years); when one does, every mailbox of the
application stops syncing at once. So, from 14 days before, the administrators who can enter a
new secret get a notification (their Odoo inbox or an e-mail, as each prefers), once per
application and expiry date: a new secret with a new date is warned about again.
"""

from markupsafe import Markup

from odoo import fields

ADMIN_GROUP = "imap_conversations.group_manager"


def warn_administrators(env, warning_period):
    """Notify the administrators of every active application whose secret expires within *warning_period*."""
    today = fields.Date.context_today(env["imap.oauth.provider"])
    providers = (
        env["imap.oauth.provider"]
        .sudo()
        .search(
            [
                ("client_secret_expiry_date", "!=", False),
                ("client_secret_expiry_date", "<=", today + warning_period),
            ]
        )
        .filtered(lambda p: p.secret_expiry_warned_date != p.client_secret_expiry_date)
    )
    administrators = env.ref(ADMIN_GROUP).sudo().users.filtered(lambda u: u.active and not u.share)
    for provider in providers:
        recipients = administrators
        if provider.company_id:
            recipients = recipients.filtered(lambda u, company=provider.company_id: company in u.company_ids)
        if recipients:
            _notify(env, provider, recipients, today)
        provider.secret_expiry_warned_date = provider.client_secret_expiry_date


def _notify(env, provider, recipients, today):
    expiry = provider.client_secret_expiry_date
    if expiry < today:
        subject = env._(
            "The client secret of the OAuth application %(application)s has expired", application=provider.name
        )
    else:
        subject = env._(
            "The client secret of the OAuth application %(application)s expires on %(date)s",
            application=provider.name,
            date=expiry.isoformat(),
        )
    body = Markup("<p>%s</p><p>%s</p>") % (
        subject,
        env._(
            "Create a new client secret at the provider, enter it (and its expiry date) in the application: "
            "until then, the mailboxes that use it cannot log in."
        ),
    )
    env["mail.thread"].sudo().message_notify(
        partner_ids=recipients.partner_id.ids,
        subject=subject,
        body=body,
        model=provider._name,
        res_id=provider.id,
    )
