"""Sending mail from a mailbox: compose, store, send over SMTP, keep a copy in Sent.

The message is stored before it is sent (its Message-ID known, committed
outside tests), so nothing is lost whatever happens next: a send that fails
leaves it as a *draft* with the error, ready to send again with the same
Message-ID (recipients' clients then see one message even if a first attempt
did get through). The copy in Sent is appended after a successful send; when
Sent syncs back, the copy is recognised by its Message-ID, not imported again.

Two phases, so that a refusal never comes after the mail has left: ``prepare``
does everything that can refuse (rights, the draft reused, the record to link,
recipients, attachments) and stores the draft; ``deliver`` talks SMTP, and once
the server has accepted the mail, nothing turns it back into "not sent": the
state is committed at once and what follows (summary, copy in Sent) is logged
and reported when it fails, never raised.
"""

import logging
import threading
from dataclasses import dataclass, field

import psycopg2

from odoo.exceptions import AccessError, UserError

from ..engine import errors as imap_errors
from ..engine import smtp, states
from ..engine.compose import Address, OutgoingAttachment, Parent, compose_message
from ..engine.sent import append_sent_copy
from . import error_texts, locations, oauth_tokens
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


@dataclass
class PreparedMail:
    """A message stored as a draft and ready to go: what ``MailSender.deliver`` sends."""

    message: object
    outgoing: object
    smtp_settings: object


class MailSender:
    def __init__(self, mailbox):
        self.mailbox = mailbox
        self.env = mailbox.env

    def send(
        self,
        *,
        to,
        cc=None,
        subject="",
        html="",
        attachments=None,
        parent=None,
        conversation=None,
        draft=None,
        link_to=None,
    ):
        """Prepare and deliver at once (see ``prepare`` for the arguments)."""
        return self.deliver(
            self.prepare(
                to=to,
                cc=cc,
                subject=subject,
                html=html,
                attachments=attachments,
                parent=parent,
                conversation=conversation,
                draft=draft,
                link_to=link_to,
            )
        )

    def prepare(
        self,
        *,
        to,
        cc=None,
        subject="",
        html="",
        attachments=None,
        parent=None,
        conversation=None,
        draft=None,
        link_to=None,
    ):
        """Check everything that can refuse, then store the message as a draft; nothing is sent yet.

        *to*, *cc*: res.partner records; *attachments*: ir.attachment; *parent*: the imap.message answered;
        *draft*: the current user's own message of this mailbox whose earlier send failed: it is sent
        again, with its Message-ID, and replaced; *link_to*: a record the conversation is linked to.
        Raises (AccessError, UserError) before anything is stored or sent.
        """
        # The user's own rights decide what they may write from and to; storing is the sync's job.
        for record in (self.mailbox, parent, conversation, draft):
            if record:
                record.check_access("read")
        self._check_reusable(draft)
        Link = self.env["imap.conversation.link"]
        if link_to:
            Link._linkable_record(link_to._name, link_to.id)
        mailbox = self.mailbox.sudo()
        # A personal mailbox writes as its owner, whoever presses Send; a shared one as itself.
        sender = Address(mailbox.user_id.name or mailbox.name, mailbox.email or mailbox.login)
        # Recipients and attachments are read with the user's rights, here: one they may not read
        # refuses the mail now, not after it left.
        try:
            outgoing = compose_message(
                sender=sender,
                to=[_address(p) for p in to],
                cc=[_address(p) for p in cc or ()],
                subject=subject,
                html=html or "",
                attachments=[
                    OutgoingAttachment(a.name, a.mimetype or "application/octet-stream", a.raw)
                    for a in attachments or ()
                ],
                reply_to_message=Parent(parent.message_id, (parent.references or "").split(), parent.subject or "")
                if parent and parent.message_id
                else None,
                message_id=draft.message_id if draft else None,
            )
        except imap_errors.InvalidAddressError as error:
            # A contact's address that is none ("<>@x": any user may make such a contact, or a mail
            # may bring one): said in words, before anything is stored or sent.
            raise UserError(self.env._("This mail cannot be sent: %(error)s", error=error)) from error
        # The OAuth2 access token is fetched when sending: a refusal then fails the send, not the draft.
        settings = mailbox._smtp_settings(with_token=False)
        conversation = conversation or (parent.conversation_id if parent else None) or (draft and draft.conversation_id)
        if conversation and conversation.mailbox_id != self.mailbox:
            # Sent from another mailbox than the thread's (one's own, answering in a shared one): it
            # starts that mailbox's own conversation; its threading headers still follow the parent.
            conversation = None
        if draft:
            draft.sudo().unlink()
        message = MessageImporter(mailbox).store_outgoing(outgoing.raw, conversation and conversation.sudo())
        message.write({"state": states.MESSAGE_DRAFT, "raw_source": False})
        message.conversation_id._refresh_summary()  # a draft is not a message of the thread yet
        if link_to:
            # Before sending, with the draft: a mail that fails to go is still found on the record.
            Link._link(message.conversation_id, link_to)
        return PreparedMail(message, outgoing, settings)

    def _check_reusable(self, draft):
        """A draft is sent again under its Message-ID and then deleted (as superuser): only the
        current user's own unsent message of this very mailbox may be, or anyone could replace
        a message of a shared mailbox with their own text, which sync and recovery would then
        take for the server's copy."""
        if not draft:
            return
        draft.ensure_one()
        stored = draft.sudo()
        if (
            stored.state == states.MESSAGE_SENT
            and stored.create_uid.id == self.env.uid
            and stored.mailbox_id == self.mailbox
        ):
            raise UserError(self.env._("This message has been sent already."))
        if not (stored._resendable() and stored.mailbox_id == self.mailbox):
            raise AccessError(
                self.env._(
                    "Only a message you wrote and whose sending failed can be sent again, from the mailbox it "
                    "was written in."
                )
            )

    def deliver(self, prepared):
        """Send a prepared message over SMTP; then keep a copy in Sent."""
        message, outgoing, settings = prepared.message, prepared.outgoing, prepared.smtp_settings
        mailbox = self.mailbox.sudo()
        self._commit()
        try:
            settings = oauth_tokens.with_token(mailbox, oauth_tokens.SMTP, settings)
            report = oauth_tokens.retrying_refused(
                mailbox,
                oauth_tokens.SMTP,
                settings,
                lambda ready: smtp.send_message(ready, outgoing.raw, outgoing.sender_email, outgoing.recipients),
            )
        except imap_errors.ImapError as error:
            _logger.warning("IMAP mailbox %s: sending %s failed: %s", mailbox.name, outgoing.message_id, error)
            message.write({"error_message": error_texts.describe(mailbox, error, smtp_settings=settings)})
            return SendResult(message, error=error)
        # The mail has left. Recorded at once: whatever fails next must not roll it back to "not
        # sent", where Send again would send it a second time.
        message.write({"state": states.MESSAGE_SENT, "error_message": False})
        self._commit()
        result = SendResult(message, refused=report.refused)
        self._after_sent(message.conversation_id._refresh_summary, outgoing, "counting it in its conversation")
        result.sent_copy_error = self._copy_to_sent(outgoing, message)
        return result

    def _commit(self):
        # Stored before the SMTP conversation starts: a worker that dies while sending leaves a draft,
        # not nothing, where the message may already have left (mail.mail commits for the same reason).
        # And committed again as soon as it is sent.
        if not getattr(threading.current_thread(), "testing", False):
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _after_sent(self, step, outgoing, what):
        """Run a bookkeeping *step* of a sent message in a savepoint; a database failure is logged, not raised.

        Returns whether it went through. What it would have recorded is found again by the next
        sync (the copy in Sent carries the message's Message-ID).
        """
        try:
            with self.env.cr.savepoint():
                step()
        except psycopg2.Error as error:
            _logger.warning(
                "IMAP mailbox %s: %s sent, but %s failed: %s", self.mailbox.name, outgoing.message_id, what, error
            )
            return False
        return True

    def _copy_to_sent(self, outgoing, message):
        """Append the sent message to Sent, as mail clients do. Failing here loses nothing: it was sent."""
        try:
            with self.mailbox._session() as session:
                copy = append_sent_copy(session, outgoing.raw, date=outgoing.date)
        except imap_errors.ImapError as error:
            _logger.warning(
                "IMAP mailbox %s: %s sent, but not copied to Sent: %s", self.mailbox.name, outgoing.message_id, error
            )
            return error
        folder = self.mailbox.folder_ids.filtered(lambda f: f.name == copy.folder)
        if copy.uid and folder and folder.uidvalidity == copy.uidvalidity:
            self._after_sent(
                lambda: locations.add(
                    self.env, self.mailbox, folder, copy.uidvalidity, [(message.id, _SentCopy(copy.uid))], outgoing=True
                ),
                outgoing,
                "recording its copy in Sent",
            )
        return None


@dataclass(frozen=True)
class _SentCopy:
    """What locations.add needs of a server message, for the copy just appended to Sent."""

    uid: int
    flags: frozenset = frozenset({states.SEEN})
    seen: bool = True
