"""Calling the external API (imap.api) as a client does: JSON-RPC over real HTTP, with an API key."""

import json
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user

from .common import SyncCase


class ApiFault(Exception):
    """An RPC error answer: Odoo's exception class name and its message."""

    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


class ApiCase(SyncCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.outsider = new_test_user(
            cls.env, "imap_api_outsider", groups="base.group_user", email="outsider@example.com"
        )
        cls.keys = {user: cls.api_key(user) for user in (cls.imap_admin, cls.imap_user, cls.other_user, cls.outsider)}

    @classmethod
    def api_key(cls, user):
        """A key as the user makes one in their preferences (Odoo 18: at most a day for non-administrators)."""
        expires = fields.Datetime.now() + timedelta(hours=1)
        return cls.env["res.users.apikeys"].with_user(user)._generate(None, "imap api test", expires)

    def rpc(self, user, method, *args, key=None, **kwargs):
        """``imap.api.<method>(*args, **kwargs)`` through /jsonrpc as *user*; raises ApiFault on an error answer."""
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [self.env.cr.dbname, user.id, key or self.keys[user], "imap.api", method, list(args), kwargs],
            },
        }
        response = self.url_open(
            "/jsonrpc", data=json.dumps(payload), headers={"Content-Type": "application/json"}, timeout=120
        )
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        # The request wrote through its own cursor: what this test's environment cached is stale.
        self.env.invalidate_all()
        if "error" in answer:
            raise ApiFault(answer["error"]["data"]["name"], answer["error"]["data"]["message"])
        return answer["result"]

    def assertRefused(self, exception, text, user, method, *args, **kwargs):
        """The call answers Odoo's *exception* (its class name) with *text* in its message; the server logs
        the refusal as a warning, never an error."""
        with self.assertRaises(ApiFault) as caught, self.assertLogs("odoo.http", "WARNING") as logged:
            self.rpc(user, method, *args, **kwargs)
        self.assertEqual([r.getMessage() for r in logged.records if r.levelname != "WARNING"], [])
        self.assertEqual(caught.exception.name, f"odoo.exceptions.{exception}", caught.exception.message)
        self.assertIn(text, caught.exception.message)
        return caught.exception
