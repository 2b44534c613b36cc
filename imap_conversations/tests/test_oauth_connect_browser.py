import base64
import json
import os
import time
from unittest.mock import patch

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser, ChromeBrowserException

from .common import ImapRig
from .oauth_connect_common import RigApplicationMixin

#: Set to a file path to keep a picture of the connected mailbox (docs/screenshots/oauth-connected.png).
SCREENSHOT_VARIABLE = "IMAP_CONVERSATIONS_OAUTH_SCREENSHOT"
WAIT_SECONDS = 60


@tagged("post_install", "-at_install")
class TestOAuthConnectBrowser(RigApplicationMixin, HttpCase):
    """In Chromium: the owner presses Connect, consents at the provider's page, and comes back connected.

    A tour cannot leave Odoo's origin, so the test drives the browser itself over the DevTools
    protocol (Odoo's ChromeBrowser): each step is a script evaluated in whatever page is open.
    """

    browser_size = "1366,900"

    def evaluate(self, browser, expression):
        answer = browser._websocket_request(
            "Runtime.evaluate",
            params={
                "expression": expression,
                "returnByValue": True,
                "awaitPromise": True,
            },
            timeout=WAIT_SECONDS,
        )
        return answer["result"].get("value")

    def wait_for(self, browser, expression, what):
        deadline = time.monotonic() + WAIT_SECONDS
        check = f"(() => {{ try {{ return !!({expression}); }} catch {{ return false; }} }})()"
        while time.monotonic() < deadline:
            try:
                ready = self.evaluate(browser, check)
            except (ChromeBrowserException, TimeoutError):
                ready = False  # the page is being replaced (a navigation): ask the next one
            if ready:
                return
            time.sleep(0.25)
        self.fail(f"waited {WAIT_SECONDS} s for {what}")

    def test_the_owner_connects_a_mailbox_at_the_provider_and_comes_back_connected(self):
        self.rig = ImapRig(os.environ)
        owner = new_test_user(
            self.env, "imap_connie", groups="base.group_user,imap_conversations.group_user", name="Connie Owner"
        )
        application = self.rig_application(name="Rig provider")
        login = self.rig.new_login()
        mailbox = self.env["imap.mailbox"].create(
            {
                "name": "Connie's mailbox",
                "host": self.rig.host,
                "port": self.rig.port,
                "security": "none",
                "login": login,
                "email": self.rig.address(login),
                "user_id": owner.id,
                "auth_method": "oauth2",
                "oauth_provider_id": application.id,
            }
        )
        provider_origin = application.authorization_endpoint.rsplit("/", 1)[0]

        spawn = ChromeBrowser._spawn_chrome

        def spawn_resolving_nothing(browser, cmd):
            # Odoo and the provider are both on 127.0.0.1; nothing else is reached.
            return spawn(browser, [cmd[0], "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", *cmd[1:]])

        with patch.object(ChromeBrowser, "_spawn_chrome", spawn_resolving_nothing):
            browser = ChromeBrowser(self)
        try:
            self.authenticate("imap_connie", "imap_connie", browser=browser)
            browser.navigate_to(f"{self.base_url()}/odoo/imap.mailbox/{mailbox.id}", wait_stop=True)
            connect = "document.querySelector('.o_form_view button[name=action_oauth_connect]')"
            self.wait_for(browser, connect, "the Connect button")
            self.evaluate(browser, f"{connect}.click()")

            self.wait_for(
                browser,
                f"location.href.startsWith({json.dumps(provider_origin)}) && document.getElementById('allow')",
                "the provider's consent page",
            )
            self.evaluate(
                browser,
                f"""
                document.getElementById('username').value = {json.dumps(login)};
                document.getElementById('password').value = {json.dumps(self.rig.password)};
                document.getElementById('allow').click();
            """,
            )

            account = "document.querySelector('.o_form_view .o_field_widget[name=oauth_account]')"
            self.wait_for(
                browser,
                f"location.pathname.startsWith('/odoo/imap.mailbox/{mailbox.id}') "
                f"&& {account}.textContent.includes({json.dumps(login)})",
                "the mailbox form saying Connected as",
            )
            self.assertIn("Connected as", self.evaluate(browser, "document.querySelector('.o_form_view').innerText"))
            self.assertTrue(self.evaluate(browser, "!!document.querySelector('button[name=action_oauth_disconnect]')"))
            if os.environ.get(SCREENSHOT_VARIABLE):
                shot = browser._websocket_request("Page.captureScreenshot", timeout=WAIT_SECONDS)
                with open(os.environ[SCREENSHOT_VARIABLE], "wb") as file:
                    file.write(base64.b64decode(shot["data"]))
            self.assertFalse(browser.had_failure, "no error in the browser's console")
        finally:
            browser.stop()
            self._wait_remaining_requests()

        self.env.invalidate_all()
        credential = self.credential(mailbox)
        self.assertTrue(credential.oauth_refresh_token and credential.oauth_access_token, "tokens stored")
        self.assertEqual((mailbox.auth_method, mailbox.oauth_account), ("oauth2", login))
