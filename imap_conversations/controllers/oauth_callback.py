import logging

from markupsafe import Markup, escape

from odoo import http
from odoo.http import request

from ..services import oauth_connect

_logger = logging.getLogger(__name__)

REFUSED_PAGE = Markup("""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>%(title)s</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto;">
<h1>%(title)s</h1>
<p id="imap-oauth-refused">%(message)s</p>
<p><a href="%(back)s">%(back_label)s</a></p>
</body></html>
""")


class OAuthCallback(http.Controller):
    @http.route(oauth_connect.CALLBACK_ROUTE, type="http", auth="user", methods=["GET"])
    def imap_oauth_callback(self, **params):
        """Where the provider sends the browser back after Connect: tokens stored, back to the mailbox.

        Anyone can open this URL with anything in it: services/oauth_connect.finish checks the
        signed state (this user, a mailbox they manage, not expired, not used) before anything else.
        """
        try:
            mailbox = oauth_connect.finish(request.env, params)
        except oauth_connect.ConnectRefused as refused:
            # Expected (a declined consent, a stale tab) or an attack: a warning either way, never an error.
            _logger.warning(
                "OAuth callback refused for user %s (%s): %s", request.env.uid, refused.reason, refused.message
            )
            back = f"/odoo/imap.mailbox/{refused.mailbox.id}" if refused.mailbox else "/odoo"
            page = REFUSED_PAGE % {
                "title": request.env._("The mailbox is not connected"),
                "message": escape(refused.message),
                "back": back,
                "back_label": request.env._("Back to the mailbox")
                if refused.mailbox
                else request.env._("Back to Odoo"),
            }
            return request.make_response(page, status=400, headers=[("Content-Type", "text/html; charset=utf-8")])
        return request.redirect(f"/odoo/imap.mailbox/{mailbox.id}")
