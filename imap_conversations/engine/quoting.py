"""Answering one message of a thread: Reply, Reply all or Forward.

Pure functions on address headers and sanitized HTML: who a Reply all goes to,
what a forward is called, and the quote of the message answered that the
composer puts under what the user writes.

Reply all is what mail clients do: the sender (or its Reply-To) in To, everyone
else of To and Cc in Cc, never the mailbox itself, nobody twice. When the message
answered is our own (sent from the mailbox), answering it all again writes to its
recipients as they were.
"""

import re
from email.utils import getaddresses
from html import escape

from .subjects import is_forward_subject, strip_forward_prefix

#: How the composer was opened from a message of the thread.
REPLY = "reply"
REPLY_ALL = "reply_all"
FORWARD = "forward"
MODES = (REPLY, REPLY_ALL, FORWARD)

_LINE_BREAKS = re.compile(r"[\r\n]+\s*")


def addresses(*headers):
    """``[(name, email)]`` of address headers ("A <a@x>, b@y"), e-mails lower-cased, in order, once each."""
    seen, result = set(), []
    for name, raw_email in getaddresses([h for h in headers if h]):
        email = (raw_email or "").strip().lower()
        if "@" not in email or email in seen:
            continue
        seen.add(email)
        result.append((name.strip(), email))
    return result


def reply_all_addresses(*, sender, reply_to="", to="", cc="", own=(), outgoing=False):
    """``(to, cc)``, each ``[(name, email)]``, of a Reply all to a message with these headers.

    *own* holds the mailbox's own addresses (lower-case): they are left out everywhere.
    An incoming message is answered to its Reply-To, else its sender, with its other
    To and Cc recipients in Cc; our own message goes again to its To, with its Cc.
    """
    own = {a.lower() for a in own}
    if outgoing:
        first, rest = addresses(to), addresses(cc)
    else:
        first, rest = addresses(reply_to or sender), addresses(to, cc)
    first = [a for a in first if a[1] not in own]
    taken = {email for _name, email in first} | own
    return first, [a for a in rest if a[1] not in taken]


def forward_subject(subject):
    """'Offer' -> 'Fwd: Offer'; 'Fwd: Offer' stays; 'Re: Offer' -> 'Fwd: Re: Offer'."""
    subject = _LINE_BREAKS.sub(" ", subject or "").strip()
    if is_forward_subject(subject):
        return "Fwd: " + strip_forward_prefix(subject)
    return f"Fwd: {subject}" if subject else "Fwd:"


def quote_html(*, body_html, sender, date, mode=REPLY, to="", cc="", subject=""):
    """The quote of the message answered, as HTML to put under the user's text.

    *body_html* must be sanitized already (it goes in as it is); *sender*, *date* and
    the headers are text and are escaped. A reply reads "On <date>, <sender> wrote:"
    above a blockquote; a forward shows the forwarded message's headers, as mail
    clients do, so that the recipient sees who wrote it to whom.
    """
    body = body_html or ""
    if mode == FORWARD:
        lines = [("From", sender), ("Date", date), ("Subject", subject), ("To", to), ("Cc", cc)]
        header = "".join(f"{label}: {escape(value)}<br>" for label, value in lines if value)
        return f'<div class="o_imap_forwarded"><p>---------- Forwarded message ----------<br>{header}</p>{body}</div>'
    intro = f"On {escape(date)}, {escape(sender)} wrote:" if date else f"{escape(sender)} wrote:"
    # data-o-mail-quote: what Odoo's mail views fold away as quoted text.
    return (
        f'<p data-o-mail-quote="1">{intro}</p>'
        '<blockquote data-o-mail-quote="1" style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">'
        f"{body}</blockquote>"
    )
