from odoo import models

from ..services import chatter_flow


class MailThread(models.AbstractModel):
    """The chatter's "Send message" goes through the author's own mailbox when they have one that sends.

    Hooked at ``_notify_thread_by_email``, the step where Odoo turns a posted message into
    mail.mail for the recipients who get email: the contacts the mailbox wrote to are taken
    out there, so Odoo creates no second mail for them (see services/chatter_flow.py).
    """

    _inherit = "mail.thread"

    def _notify_thread_by_email(self, message, recipients_data, msg_vals=False, **kwargs):
        if len(self) == 1 and recipients_data:
            mailbox = chatter_flow.chatter_mailbox(self, message)
            if mailbox:
                recipients_data = chatter_flow.send_through_mailbox(
                    mailbox, self, message, recipients_data, resend_existing=kwargs.get("resend_existing", False)
                )
        return super()._notify_thread_by_email(message, recipients_data, msg_vals=msg_vals, **kwargs)
