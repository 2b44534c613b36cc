"""Telling people that a mailbox's login is refused.

Who: the owner of a personal mailbox; for a shared mailbox, every user of the
"credential notifications" group. How: a toast in their open web client, an
e-mail, and a warning each time they log in while the mailbox is still failing.
The mailbox calls ``notify_failure`` once per failure episode.
"""

from markupsafe import Markup

from ..engine import states

NOTIFICATION_GROUP = "imap_conversations.group_credential_notifications"


def recipients(mailbox):
    """The users told about *mailbox*'s refused login."""
    if mailbox.user_id:
        return mailbox.user_id
    group = mailbox.env.ref(NOTIFICATION_GROUP)
    return group.sudo().users.filtered(lambda user: user.active and not user.share and _readable_by(mailbox, user))


def _readable_by(mailboxes, user):
    """Those of *mailboxes* that *user* may read, in any of their companies: a warning names them,
    so nobody hears of a mailbox of another company, or of a shared one not shared with them."""
    as_user = mailboxes.with_user(user).with_context(allowed_company_ids=user.company_ids.ids)
    return as_user._filtered_access("read").with_env(mailboxes.env)


def _texts(mailbox):
    env = mailbox.env
    title = env._("IMAP mailbox “%(name)s”: login refused", name=mailbox.name)
    if mailbox.auth_method == "oauth2":
        # The error text says who must do what (reconnect, or an administrator fixes the application).
        message = env._("%(error)s Nothing is synced until then.", error=mailbox.last_error or "")
    else:
        message = env._(
            "%(error)s Nothing is synced until its password or settings are updated, or someone presses Sync now.",
            error=mailbox.last_error or "",
        )
    return title, message


def mailbox_link(mailbox):
    """The mailbox's form, where its settings are fixed and an OAuth2 mailbox is connected again."""
    return f"{mailbox.get_base_url()}/odoo/imap.mailbox/{mailbox.id}"


def notify_failure(mailbox):
    """A new failure episode: toast, e-mail and a note on the mailbox."""
    users = recipients(mailbox)
    title, message = _texts(mailbox)
    users._bus_send("simple_notification", {"type": "danger", "title": title, "message": message, "sticky": True})
    _send_emails(mailbox, users, title, message)
    mailbox.sudo()._message_log(
        body=Markup("<p>%s</p><p>%s</p>")
        % (title, mailbox.env._("Told: %(users)s", users=", ".join(users.mapped("name")) or "-"))
    )


def _send_emails(mailbox, users, title, message):
    env = mailbox.env
    sender = mailbox.company_id.email_formatted or env["ir.mail_server"].sudo()._get_default_from_address()
    label = env._("Reconnect") if mailbox.auth_method == "oauth2" else env._("Open the mailbox")
    body = Markup("<p>%s</p><p><a href='%s'>%s</a></p>") % (message, mailbox_link(mailbox), label)
    env["mail.mail"].sudo().create(
        [
            {
                "subject": title,
                "body_html": body,
                "email_from": sender,
                "email_to": user.email_formatted,
                "auto_delete": True,
            }
            for user in users
            if user.email
        ]
    )


def mailboxes_to_warn(user):
    """Failing mailboxes *user* must hear about: their own, and shared ones if they are in the group."""
    domain = [("state", "=", states.MAILBOX_AUTH_FAILED), ("user_id", "=", user.id)]
    if user.has_group(NOTIFICATION_GROUP):
        domain = [
            "&",
            ("state", "=", states.MAILBOX_AUTH_FAILED),
            "|",
            ("user_id", "=", user.id),
            ("user_id", "=", False),
        ]
    return _readable_by(user.env["imap.mailbox"].sudo().search(domain), user)


def warn_at_login(user):
    """Right after a successful login: one sticky warning listing the mailboxes still failing."""
    mailboxes = mailboxes_to_warn(user)
    if not mailboxes:
        return
    env = user.env
    names = ", ".join(f"“{name}”" for name in mailboxes.mapped("name"))
    user._bus_send(
        "simple_notification",
        {
            "type": "warning",
            "title": env._("IMAP: login refused"),
            "message": env._(
                "The server refuses the login of %(mailboxes)s: nothing is synced until the password is updated.",
                mailboxes=names,
            ),
            "sticky": True,
        },
    )
    return mailboxes
