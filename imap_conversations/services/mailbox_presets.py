"""What a provider preset (engine/presets.py) writes on a mailbox being set up in the form."""

from ..engine import presets


def preset_values(mailbox):
    """The fields to set on *mailbox* for its ``provider_preset``; {} for "Other" (typed by hand)."""
    preset = presets.PRESETS.get(mailbox.provider_preset)
    if not preset:
        return {}
    values = preset.mailbox_values()
    if preset.oauth_kind:
        # The application of that kind, when there is exactly one to choose (record rules: of the company).
        applications = mailbox.env["imap.oauth.provider"].search([("kind", "=", preset.oauth_kind)], limit=2)
        chosen = mailbox.oauth_provider_id if mailbox.oauth_provider_id.kind == preset.oauth_kind else applications[:0]
        values["oauth_provider_id"] = applications if len(applications) == 1 else chosen
    owner_email = mailbox.user_id.email
    if owner_email and not mailbox.login:
        values["login"] = owner_email
    if owner_email and not mailbox.email:
        values["email"] = owner_email
    return values
