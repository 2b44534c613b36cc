"""One mail flow with Odoo's chatter, both ways.

Out: a mail written in the chatter of a record ("Send message") by a user whose own
mailbox can send goes through that mailbox (its SMTP server, a copy in its Sent
folder, a conversation linked to the record) instead of Odoo's outgoing server. The
chatter still shows the message as Odoo shows it, with one envelope per recipient:
sent, or failed with the server's reason, as Odoo's own failed mail is shown.
Colleagues who follow the record by email are still told by Odoo's notification:
the mailbox writes to the record's contacts, not to the sales team.

In: each incoming message of a conversation linked to a record leaves one short
entry in the record's chatter (from, subject, one line, a link to the
conversation). The mail's body stays in the conversation, where the mailbox's
rights guard it; the entry is logged, not posted: nobody is notified, nothing is
mailed. It is written in the transaction that imports the message, so a sync that
runs again, which never imports a message twice, logs nothing twice.
"""

import logging
from textwrap import shorten

import psycopg2
from markupsafe import Markup

from odoo.exceptions import UserError

from ..engine import states
from .sender import MailSender

_logger = logging.getLogger(__name__)

#: How a failed chatter mail is shown in the chatter (mail.notification.failure_type).
FAILURE_SMTP = "mail_smtp"
#: Odoo's notification kinds and states used here (mail.notification).
NOTIFY_EMAIL = "email"
STATUS_SENT = "sent"
STATUS_FAILED = "exception"
#: Odoo's kind of recipient that is an internal user (see mail.thread._notify_get_recipients).
RECIPIENT_USER = "user"
#: How long the line of an entry taken from the mail's text may be.
ENTRY_LINE_LENGTH = 140


# -- out: the chatter sends through the mailbox ------------------------------------------------


def chatter_mailbox(record, message):
    """The mailbox through which *message*, just posted on *record*, is sent; or None for Odoo's path.

    Only a message the current user wrote themself ("Send message", not "Log note", not
    one written by the system in their name), on a record conversations can be linked to,
    from the user's own mailbox that can send and has chatter sending on. The chatter posts
    as superuser (mail's /mail/message/post, once it checked the thread): the user's own
    rights are taken back here, for the mailbox and all that the send checks.
    """
    env = record.env(su=False)
    if not env.user._is_internal() or message.author_id != env.user.partner_id:
        return None
    if message.message_type != "comment" or message.subtype_id != env.ref("mail.mt_comment"):
        return None
    if record._name not in dict(env["imap.conversation.link"]._selection_target_model()):
        return None
    if not env.user.has_group("imap_conversations.group_user"):
        return None
    return (
        env["imap.mailbox"].search(
            [
                ("user_id", "=", env.uid),
                ("chatter_send", "=", True),
                ("smtp_host", "!=", False),
            ],
            order="id",
            limit=1,
        )
        or None
    )


def split_recipients(recipients_data):
    """(data of the contacts the mailbox writes to, data left to Odoo's notification email)."""
    ours, left = [], []
    for data in recipients_data:
        if data["notif"] == NOTIFY_EMAIL and data["type"] != RECIPIENT_USER:
            ours.append(data)
        else:
            left.append(data)
    return ours, left


def send_through_mailbox(mailbox, record, message, recipients_data, resend_existing=False):
    """Send *message* to the contacts among *recipients_data* from *mailbox*; returns the data left to Odoo.

    The recipients get one mail, the one in the mailbox's Sent folder and conversation.
    Contacts without an address are left to Odoo, which shows them as such.
    """
    record = record.with_env(mailbox.env)  # the user's rights (see chatter_mailbox)
    ours, left = split_recipients(recipients_data)
    partners = record.env["res.partner"].sudo().browse([data["id"] for data in ours])
    # sudo: the followers Odoo itself would mail; the poster need not read each contact.
    addressed = partners.filtered("email")
    left += [data for data in ours if data["id"] not in addressed.ids]
    if not addressed:
        return left
    sender = MailSender(mailbox)
    result = sender.send(
        to=addressed,
        subject=message.subject or record.display_name,
        html=message.body or "",
        attachments=message.attachment_ids,
        link_to=record,
    )
    _record_notifications(message, addressed, result, mailbox, resend_existing)
    return left


def _record_notifications(message, partners, result, mailbox, resend_existing):
    """The envelopes of the chatter: one per recipient, sent or failed with the reason."""
    values = {"notification_status": STATUS_SENT, "failure_type": False, "failure_reason": False}
    if not result.sent:
        values = {
            "notification_status": STATUS_FAILED,
            "failure_type": FAILURE_SMTP,
            "failure_reason": result.message.error_message or str(result.error),
        }
    # sudo: mail.notification, as Odoo's notify methods write them.
    Notification = message.env["mail.notification"].sudo()
    existing = Notification.browse()
    if resend_existing:
        existing = Notification.search(
            [
                ("mail_message_id", "=", message.id),
                ("notification_type", "=", NOTIFY_EMAIL),
                ("res_partner_id", "in", partners.ids),
            ]
        )
        existing.write(values)
    Notification.create(
        [
            {
                **values,
                "author_id": message.author_id.id,
                "mail_message_id": message.id,
                "is_read": True,
                "notification_type": NOTIFY_EMAIL,
                "res_partner_id": partner.id,
            }
            for partner in partners - existing.res_partner_id
        ]
    )
    if not result.sent:
        _logger.warning(
            "IMAP mailbox %s: chatter message %s not sent: %s", mailbox.name, message.id, values["failure_reason"]
        )


# -- in: incoming mail leaves an entry on linked records -------------------------------------------


def log_incoming(env, message_ids):
    """Log one short entry per incoming message of *message_ids* on each record its conversation is linked to.

    One query when nothing is linked, which is the usual case of a large import. Only links made by
    someone who may post on the record count: linking needs only read access, and an entry must not
    be a way to write in the chatter of a record one may only read.
    """
    if not message_ids:
        return
    env["imap.conversation.link"].flush_model(["conversation_id", "res_model", "res_id"])
    env.cr.execute(
        """SELECT m.id, l.res_model, l.res_id, l.create_uid
             FROM imap_message m JOIN imap_conversation_link l ON l.conversation_id = m.conversation_id
            WHERE m.id = ANY(%s) AND m.direction = %s
            ORDER BY m.date, m.id, l.id""",
        [list(message_ids), states.INCOMING],
    )
    rows = env.cr.fetchall()
    messages = env["imap.message"].sudo().browse([row[0] for row in rows])
    for message_id, model_name, res_id, linker in rows:
        Model = env.get(model_name)
        if Model is None or not hasattr(Model, "_message_log"):
            continue
        record = Model.sudo().browse(res_id).exists()
        if not record or not _may_post(record, linker):
            continue
        try:
            with env.cr.savepoint():
                _log_entry(record, messages.browse(message_id))
        except (psycopg2.Error, UserError) as error:
            # The message is imported all the same: an entry is a pointer to it, not the mail.
            _logger.warning(
                "IMAP message %s: no entry in the chatter of %s,%s: %s", message_id, model_name, res_id, error
            )


def _may_post(record, user_id):
    """Whether *user_id* (who linked the conversation) may post in *record*'s chatter."""
    if not user_id:
        return False
    operation = getattr(record, "_mail_post_access", "write")
    return bool(record.with_user(user_id)._filtered_access(operation))


def _log_entry(record, message):
    # sudo (caller): the sync logs what the mailbox received; _message_log notifies nobody. The From
    # address proves nothing: a colleague's contact (one with a user) is never taken as the author.
    author = message.author_id
    if author and author.with_context(active_test=False).user_ids:
        author = None
    record._message_log(
        body=entry_body(message),
        author_id=author.id if author else record.env.ref("base.partner_root").id,
        email_from=message.email_from or False,
        message_type="notification",
    )


def entry_body(message):
    """From, subject and one line of the text, linking to the conversation."""
    line = shorten(" ".join((message.body_text or "").split()), ENTRY_LINE_LENGTH, placeholder="…")
    subject = message.subject or message.env._("(no subject)")
    return Markup(
        '<p>{label} {sender}: <a href="/odoo/imap.conversation/{conversation}">{subject}</a></p><p>{line}</p>'
    ).format(
        label=message.env._("Email from"),
        sender=message.email_from or "",
        conversation=message.conversation_id.id,
        subject=subject,
        line=line,
    )
