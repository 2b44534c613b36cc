"""How the composer meets what the writer already wrote, and what it shows once a mail is sent."""

from markupsafe import Markup

from odoo.tools import html2plaintext


def _text(html):
    return " ".join(html2plaintext(html or "").split())


def same_text(body, reference):
    """Whether *body* says what *reference* says: the web editor rewrites markup, never the words."""
    return _text(body) == _text(reference)


#: engine/quoting.py marks the quote of the message answered, as Odoo's own mail views do.
QUOTE_MARKER = "data-o-mail-quote"


def quoted_part(body):
    """The quote at the end of *body* (from its first marked element on), or an empty text."""
    body = str(body or "")
    marker = body.find(QUOTE_MARKER)
    start = body.rfind("<", 0, marker) if marker >= 0 else -1
    return Markup(body[start:]) if start >= 0 else Markup("")


def insert_above(template_body, body):
    """The template's body, then what the writer had written."""
    return Markup(template_body or "") + Markup(body or "")


#: The client action that closes the composer and scrolls the thread to the message sent
#: (static/src/js/sent_message.js).
SHOW_SENT_MESSAGE = "imap_conversations.show_sent_message"


def after_send_action(result):
    """What the web client does once the toast is up: close the composer; when sent, show the message."""
    if not result.sent:
        return {"type": "ir.actions.act_window_close"}
    return {"type": "ir.actions.client", "tag": SHOW_SENT_MESSAGE, "params": {"message_id": result.message.id}}
