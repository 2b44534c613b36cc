import base64
import json
import urllib.parse
from datetime import datetime, timedelta

from odoo.tests import HttpCase, freeze_time, new_test_user, tagged
from odoo.tools.misc import hash_sign

from ..services import oauth_connect
from ..services.oauth_connect import ConnectRefused
from .oauth_connect_common import OAuthConnectCase


def state_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["state"]


@tagged("post_install", "-at_install")
class TestOAuthConnectStates(OAuthConnectCase):
    """The callback believes nothing until the signed state says: this user, this mailbox, now, once."""

    def start(self, user=None, mailbox=None):
        return (mailbox or self.mailbox).with_user(user or self.imap_user).action_oauth_connect()["url"]

    def refused(self, params, user=None, reason=None):
        # Not assertRaises: it rolls back to a savepoint, and what a refusal writes (a spent state) must stay,
        # as it does in the route, which shows the refusal and commits.
        try:
            oauth_connect.finish(self.env(user=user or self.imap_user), params)
        except ConnectRefused as refusal:
            if reason:
                self.assertEqual(refusal.reason, reason, refusal.message)
            self.assertFalse(self.credential(self.mailbox).oauth_access_token, "nothing connected")
            return refusal
        self.fail("the callback was not refused")

    def test_a_forged_or_tampered_state_is_refused(self):
        params = self.consent(self.start(), self.mailbox.login)
        other = self.make_mailbox()
        token = base64.urlsafe_b64decode(params["state"] + "===")
        values = json.loads(token[41:])
        tampered = token[:41] + json.dumps({**values, "mailbox": other.id}).encode()
        for state in (
            "",
            "garbage",
            "AAAA",
            base64.urlsafe_b64encode(tampered).decode(),
            hash_sign(self.env(su=True), "another.scope", values),
        ):
            with self.subTest(state=state):
                refused = self.refused({**params, "state": state}, reason=oauth_connect.FORGED)
                self.assertIn("not started by this Odoo", refused.message)
        self.assertTrue(self.credential(self.mailbox).oauth_pending_nonce, "a forgery spends nobody's Connect")
        oauth_connect.finish(self.env(user=self.imap_user), params)
        self.assertEqual(self.mailbox.oauth_account, self.mailbox.login, "the genuine answer still connects")

    def test_a_state_of_another_user_is_refused_even_for_an_administrator(self):
        params = self.consent(self.start(), self.mailbox.login)
        self.refused(params, user=self.imap_admin, reason=oauth_connect.OTHER_USER)

    def test_a_state_is_used_once(self):
        params = self.consent(self.start(), self.mailbox.login)
        oauth_connect.finish(self.env(user=self.imap_user), params)
        self.credential(self.mailbox).write(dict.fromkeys(oauth_connect.TOKEN_FIELDS, False))
        self.refused(params, reason=oauth_connect.REPLAYED)

    def test_a_newer_connect_replaces_the_one_before(self):
        first = self.consent(self.start(), self.mailbox.login)
        self.start()
        self.refused(first, reason=oauth_connect.REPLAYED)

    def test_an_expired_state_is_refused(self):
        with freeze_time(datetime.now()) as frozen:
            params = self.consent(self.start(), self.mailbox.login)
            frozen.tick(oauth_connect.STATE_LIFETIME + timedelta(seconds=1))
            self.refused(params, reason=oauth_connect.EXPIRED)

    def test_a_user_who_may_no_longer_manage_the_mailbox_is_refused(self):
        params = self.consent(self.start(), self.mailbox.login)
        self.mailbox.user_id = self.other_user
        self.refused(params, reason=oauth_connect.NOT_ALLOWED)

    def test_access_declined_at_the_provider_connects_nothing_and_spends_the_state(self):
        params = self.consent(self.start(), self.mailbox.login, decision="deny")
        self.assertEqual(params["error"], "access_denied")
        refused = self.refused(params, reason=oauth_connect.DENIED)
        self.assertEqual(refused.mailbox, self.mailbox, "the page leads back to the mailbox")
        self.assertFalse(self.credential(self.mailbox).oauth_pending_nonce)


@tagged("post_install", "-at_install")
class TestOAuthCallbackRoute(HttpCase):
    """The route itself: a refused answer is a clear page and a warning in the log, never an error."""

    def test_a_forged_callback_shows_why_and_logs_a_warning(self):
        new_test_user(self.env, "imap_route_user", groups="base.group_user,imap_conversations.group_user")
        self.authenticate("imap_route_user", "imap_route_user")
        with self.assertLogs("odoo.addons.imap_conversations.controllers.oauth_callback", "WARNING") as logs:
            response = self.url_open(f"{oauth_connect.CALLBACK_ROUTE}?code=stolen&state=forged")
        self.assertEqual(response.status_code, 400)
        self.assertIn("not started by this Odoo", response.text)
        self.assertIn("forged", logs.output[0])

    def test_the_callback_needs_a_signed_in_user(self):
        response = self.url_open(f"{oauth_connect.CALLBACK_ROUTE}?code=x&state=y", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])
