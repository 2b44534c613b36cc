"""Where a mailbox may connect, and how much of a server's answers its readers are shown.

Any IMAP user could otherwise point their mailbox at an internal host and port and
read, from Test connection, whether it is open, closed or filtered and what it
says. So the administrators decide (Settings > Allowed mail servers), and the
engine enforces it at the point of connection (engine/network.py). The policy
applies to mailboxes whose owner is not an IMAP administrator, whoever runs them
(the cron runs as superuser), and to anything a non-administrator runs.
"""

import logging

from ..engine.network import UNRESTRICTED, DestinationPolicy, parse_allowed_server

_logger = logging.getLogger(__name__)

ALLOWED_SERVERS_PARAM = "imap_conversations.allowed_servers"
MANAGER_GROUP = "imap_conversations.group_manager"


def is_imap_admin(user):
    return user._is_superuser() or user.has_group(MANAGER_GROUP)


def allowed_servers(env):
    """The administrators' list; an entry that does not parse (set by hand as a system parameter) is skipped."""
    text = env["ir.config_parameter"].sudo().get_param(ALLOWED_SERVERS_PARAM) or ""
    entries = []
    for part in text.replace(",", " ").split():
        try:
            entries.append(parse_allowed_server(part))
        except ValueError as error:
            _logger.warning("IMAP allowed mail servers: entry ignored: %s", error)
    return tuple(entries)


def is_restricted(mailbox):
    """A mailbox of a non-administrator, or anything a non-administrator runs, goes only where allowed."""
    owner = mailbox.user_id
    return bool(owner and not is_imap_admin(owner)) or not is_imap_admin(mailbox.env.user)


def policy(mailbox):
    if not is_restricted(mailbox):
        return UNRESTRICTED
    return DestinationPolicy(restricted=True, allowed=allowed_servers(mailbox.env))


def reader(mailbox):
    """Who reads what is said about this mailbox's connection now: the user, or for a run kept on the
    mailbox (the cron and Sync now run as superuser) its owner."""
    return (mailbox.user_id or mailbox.env.user) if mailbox.env.su else mailbox.env.user


def shows_server_words(mailbox):
    """Banners, server replies and capability lists: for administrators, about servers the policy does
    not restrict. Everyone else is told what to fix in their own settings, in our words."""
    return is_imap_admin(reader(mailbox)) and not is_restricted(mailbox)
