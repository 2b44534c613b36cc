from datetime import date

from odoo import http
from odoo.http import content_disposition, request


class SyncLogDownload(http.Controller):
    @http.route("/imap_conversations/mailbox/<int:mailbox_id>/log", type="http", auth="user")
    def download_log(self, mailbox_id):
        """The mailbox's sync log as a text file, for those who manage the mailbox (see imap.mailbox._allowed).

        To anyone else, another company's administrator included, the mailbox does not exist.
        """
        mailbox = request.env["imap.mailbox"].browse(mailbox_id).exists()
        if not mailbox or not mailbox._allowed("manage"):
            raise request.not_found()
        entries = request.env["imap.sync.log"].search([("mailbox_id", "=", mailbox.id)])
        header = f"IMAP sync log of {mailbox.name} ({mailbox.login}@{mailbox.host})\n\n"
        filename = f"imap-log-{mailbox.login}-{date.today().isoformat()}.txt"
        return request.make_response(
            header + entries._as_text(),
            headers=[
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
