"""What the composer starts with when answering one message: recipients, subject, attachments, quote.

The rules are the engine's (engine/quoting.py); this finds the contacts of the addresses
and formats the date as the user reads it in the thread. Threading headers follow the
message answered in every mode (services/sender.py, from the composer's parent_id), so a
forward stays in the conversation too.
"""

from email.utils import formataddr

from markupsafe import Markup

from odoo.fields import Command
from odoo.tools import format_datetime

from ..engine.compose import reply_subject
from ..engine.quote_folding import unfold_html_quotes
from ..engine.quoting import FORWARD, REPLY_ALL, forward_subject, quote_html, reply_all_addresses


def answer_values(parent, mode):
    """Composer values for answering *parent* (an imap.message the user may read) in *mode*."""
    env = parent.env
    Partner = env["res.partner"]
    values = {"subject": reply_subject(parent.subject or "")}
    # Each mode finds (or makes) only the contacts it writes to: a forward writes to nobody yet.
    if mode not in (REPLY_ALL, FORWARD):
        values["partner_ids"] = [Command.set(parent._reply_partners().ids)]
    if mode == REPLY_ALL:
        to, cc = reply_all_addresses(
            sender=parent.email_from or "",
            reply_to=parent.reply_to or "",
            to=parent.email_to or "",
            cc=parent.email_cc or "",
            own=parent.mailbox_id.sudo()._own_addresses(),
            outgoing=parent.direction == "outgoing",
        )
        values["partner_ids"] = [Command.set(Partner._imap_partners_from(_header(to)).ids)]
        values["cc_partner_ids"] = [Command.set(Partner._imap_partners_from(_header(cc)).ids)]
    elif mode == FORWARD:
        values["subject"] = forward_subject(parent.subject or "")
        values["partner_ids"] = [Command.clear()]
        # Copies, owned by the composer: sending stores its own attachments on the new message,
        # and the originals stay with the message they came with.
        copies = [a.copy({"res_model": "imap.compose", "res_id": 0}).id for a in parent.attachment_ids]
        values["attachment_ids"] = [Command.set(copies)]
    tz = env.context.get("tz") or env.user.tz or "UTC"
    values["quote"] = Markup(
        quote_html(
            # Whole, as it was written: the fold is how Odoo shows it, not part of the mail.
            body_html=unfold_html_quotes(parent.body_html or ""),
            sender=parent.email_from or "",
            date=format_datetime(env, parent.date, tz=tz) if parent.date else "",
            mode=mode,
            to=parent.email_to or "",
            cc=parent.email_cc or "",
            subject=parent.subject or "",
        )
    )
    return values


def _header(addresses):
    """An address header of ``[(name, email)]``, for res.partner._imap_partners_from."""
    return ", ".join(formataddr((name, email)) for name, email in addresses)
