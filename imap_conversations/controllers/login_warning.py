from odoo.http import request

from odoo.addons.web.controllers.home import Home

from ..services.credential_alerts import warn_at_login


class ImapLoginWarning(Home):
    """Right after logging in, a user hears about mailboxes of theirs whose login the server refuses.

    The hook Odoo itself uses for its "default admin password" warning
    (bus/controllers/home.py): the toast sent here is delivered when the web client
    opens, since the bus replays the last 50 seconds to a new tab.
    """

    def _login_redirect(self, uid, redirect=None):
        if request.params.get("login_success"):
            warn_at_login(request.env["res.users"].sudo().browse(uid))
        return super()._login_redirect(uid, redirect=redirect)
