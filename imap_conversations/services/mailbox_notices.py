"""What the mailbox buttons tell: toasts with a detail to unfold and a button to what they are about.

Odoo's display_notification shows a title and a line; the client action
imap_conversations.notification (static/src/js/notification_action.js) adds
an unfoldable detail (the server's capabilities, for administrators) and a
button opening an action (the conversations a sync brought).
"""

NOTIFICATION_TAG = "imap_conversations.notification"


def notification(title, message, kind, *, sticky=False, reload=False, details=None, button=None):
    """A toast; *details* (text) unfolds under it, *button* is (label, action) opening that action."""
    params = {"title": title, "message": message, "type": kind, "sticky": sticky}
    if reload:
        params["next"] = {"type": "ir.actions.client", "tag": "soft_reload"}
    if not details and not button:
        return {"type": "ir.actions.client", "tag": "display_notification", "params": params}
    if details:
        params["details"] = details
    if button:
        params["button"] = {"label": button[0], "action": button[1]}
    return {"type": "ir.actions.client", "tag": NOTIFICATION_TAG, "params": params}


def conversations_action(mailbox, after_message_id=None):
    """The conversations of *mailbox*; only those with a message above *after_message_id* when given.

    Message ids grow with import order, so "above the highest id before a run" is "brought by that run".
    """
    domain = [("mailbox_id", "=", mailbox.id)]
    if after_message_id is not None:
        domain.append(("imap_message_ids.id", ">", after_message_id))
    env = mailbox.env
    return {
        "type": "ir.actions.act_window",
        "name": env._("New in %(mailbox)s", mailbox=mailbox.name)
        if after_message_id is not None
        else env._("Conversations of %(mailbox)s", mailbox=mailbox.name),
        "res_model": "imap.conversation",
        # The kanban is what a phone shows first (its cards read like rows; the list is cut there).
        "view_mode": "list,kanban,form",
        "views": [(False, "list"), (False, "kanban"), (False, "form")],
        "domain": domain,
        "context": {"create": False},
    }


def last_message_id(mailbox):
    """The highest message id of *mailbox* now (0 when it has none): the watermark of a run about to start."""
    mailbox.env["imap.message"].flush_model(["mailbox_id"])
    mailbox.env.cr.execute("SELECT coalesce(max(id), 0) FROM imap_message WHERE mailbox_id = %s", [mailbox.id])
    return mailbox.env.cr.fetchone()[0]
