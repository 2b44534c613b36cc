"""Sending mail from a mailbox: compose, store, send over SMTP, keep a copy in Sent.

The message is stored before it is sent (its Message-ID known, committed
outside tests), so nothing is lost whatever happens next: a send that fails
leaves it as a *draft* with the error, ready to send again with the same
Message-ID (recipients' clients then see one message even if a first attempt
did get through). The copy in Sent is appended after a successful send; when
Sent syncs back, the copy is recognised by its Message-ID, not imported again.
"""

import logging
import threading
from dataclasses import dataclass, field

from ..engine import errors as imap_errors
from ..engine import smtp
from ..engine.compose import Address, OutgoingAttachment, Parent, compose_message
from ..engine.sent import append_sent_copy
from . import placements
from .message_importer import MessageImporter

_logger = logging.getLogger(__name__)


@dataclass
class SendResult:
    message: object
    error: imap_errors.ImapError | None = None
    #: Recipients the server refused while accepting the others: {address: (code, text)}.
    refused: dict = field(default_factory=dict)
    #: Why the copy could not be put in Sent (the message itself was sent).
    sent_copy_error: imap_errors.ImapError | None = None

    @property
    def sent(self):
        return self.error is None


def _address(partner):
    return Address(partner.name or "", partner.email_normalized or partner.email or "")


class MailSender:
    def __init__(self, mailbox):
        self.mailbox = mailbox
        self.env = mailbox.env

    def send(self, *, to, cc=None, subject="", html="", attachments=None, parent=None, conversation=None,
             draft=None):
        """*to*, *cc*: res.partner records; *attachments*: ir.attachment; *parent*: the imap.message answered.

        *draft*: a message whose earlier send failed: it is sent again, with its Message-ID.
        """
        # The user's own rights decide what they may write from and to; storing is the sync's job.
        for record in (self.mailbox, parent, conversation, draft):
            if record:
                record.check_access("read")
        mailbox = self.mailbox.sudo()
        # A personal mailbox writes as its owner, whoever presses Send; a shared one as itself.
        sender = Address(mailbox.user_id.name or mailbox.name, mailbox.email or mailbox.login)
        outgoing = compose_message(
            sender=sender,
            to=[_address(p) for p in to],
            cc=[_address(p) for p in cc or ()],
            subject=subject,
            html=html or "",
            attachments=[OutgoingAttachment(a.name, a.mimetype or "application/octet-stream", a.raw)
                         for a in attachments or ()],
            reply_to_message=Parent(parent.message_id, (parent.references or "").split(), parent.subject or "")
            if parent and parent.message_id else None,
            message_id=draft.message_id if draft else None,
        )
        conversation = conversation or (parent.conversation_id if parent else None) or (draft and draft.conversation_id)
        if conversation and conversation.mailbox_id != self.mailbox:
            # Sent from another mailbox than the thread's (one's own, answering in a shared one): it
            # starts that mailbox's own conversation; its threading headers still follow the parent.
            conversation = None
        if draft:
            draft.sudo().unlink()
        message = MessageImporter(mailbox).store_outgoing(outgoing.raw, conversation and conversation.sudo())
        message.write({"state": "draft", "raw_source": False})
        message.conversation_id._refresh_summary()  # a draft is not a message of the thread yet
        self._commit()
        settings = mailbox._smtp_settings()
        try:
            report = smtp.send_message(settings, outgoing.raw, outgoing.sender_email, outgoing.recipients)
        except imap_errors.ImapError as error:
            _logger.warning("IMAP mailbox %s: sending %s failed: %s", mailbox.name, outgoing.message_id, error)
            message.write({"error_message": mailbox._describe_error(error, smtp_settings=settings)})
            return SendResult(message, error=error)
        message.write({"state": "sent", "error_message": False})
        message.conversation_id._refresh_summary()
        result = SendResult(message, refused=report.refused)
        result.sent_copy_error = self._copy_to_sent(outgoing, message)
        return result

    def _commit(self):
        # Stored before the SMTP conversation starts: a worker that dies while sending leaves a draft,
        # not nothing, where the message may already have left (mail.mail commits for the same reason).
        if not getattr(threading.current_thread(), "testing", False):
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _copy_to_sent(self, outgoing, message):
        """Append the sent message to Sent, as mail clients do. Failing here loses nothing: it was sent."""
        try:
            with self.mailbox._session() as session:
                copy = append_sent_copy(session, outgoing.raw, date=outgoing.date)
        except imap_errors.ImapError as error:
            _logger.warning("IMAP mailbox %s: %s sent, but not copied to Sent: %s", self.mailbox.name,
                            outgoing.message_id, error)
            return error
        folder = self.mailbox.folder_ids.filtered(lambda f: f.name == copy.folder)
        if copy.uid and folder and folder.uidvalidity == copy.uidvalidity:
            placements.add(self.env, self.mailbox, folder, copy.uidvalidity, [(message.id, _SentPlacement(copy.uid))],
                           outgoing=True)
        return None


@dataclass(frozen=True)
class _SentPlacement:
    """What placements.add needs of a server message, for the copy just appended to Sent."""

    uid: int
    flags: frozenset = frozenset({placements.SEEN})
    seen: bool = True
