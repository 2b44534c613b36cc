"""Who may add a personal mailbox, and what a writer without a mailbox that sends is told.

IMAP users add their own mailbox unless administrators turn that off (Settings, "Users may
add their own mailbox"); the record rules already make any mailbox a user creates their own
(security/imap_security.xml, rule_mailbox_user_write), so the setting decides only whether
they may at all.
"""

from odoo.exceptions import AccessError

#: ir.config_parameter: "False" when only IMAP administrators add mailboxes; absent or else: users may.
USERS_ADD_PARAM = "imap_conversations.users_add_mailbox"
MANAGER_GROUP = "imap_conversations.group_manager"


def users_may_add(env):
    return env["ir.config_parameter"].sudo().get_param(USERS_ADD_PARAM, "True") != "False"


def set_users_may_add(env, allowed):
    env["ir.config_parameter"].sudo().set_param(USERS_ADD_PARAM, "True" if allowed else "False")


def may_add(env):
    """Whether the current user may add a mailbox (their own; administrators any)."""
    return env.su or env.user.has_group(MANAGER_GROUP) or users_may_add(env)


def check_may_add(env):
    if not may_add(env):
        raise AccessError(env._("Only IMAP administrators add mailboxes here: ask one to add yours."))


def why_none_sends(env, sending_domain):
    """Why the current user has no mailbox to send from, in words that say what to do; or False.

    *sending_domain* is the composer's: one's own mailboxes and shared ones that can send.
    """
    Mailbox = env["imap.mailbox"]
    if Mailbox.search_count(sending_domain, limit=1):
        return False
    own = Mailbox.search([("user_id", "=", env.uid)], limit=1)
    if own:
        return env._(
            "Your mailbox “%(mailbox)s” has no outgoing server, so mail cannot be sent from it. Open it "
            "(IMAP Conversations ▸ Configuration ▸ Mailboxes) and fill in its Outgoing mail tab.",
            mailbox=own.name,
        )
    if may_add(env):
        return env._(
            "You have no mailbox that can send, so this mail cannot be sent. Add your own mailbox, with "
            "its outgoing server, in IMAP Conversations ▸ Configuration ▸ Mailboxes (button below), or "
            "ask an IMAP administrator to share a mailbox with you."
        )
    return env._(
        "You have no mailbox that can send, so this mail cannot be sent. Ask an IMAP administrator "
        "to add your mailbox or to share one with you."
    )


def new_mailbox_action(env):
    check_may_add(env)
    return {
        "type": "ir.actions.act_window",
        "name": env._("Your mailbox"),
        "res_model": "imap.mailbox",
        "view_mode": "form",
        "target": "current",
        "context": {"default_user_id": env.uid},
    }
