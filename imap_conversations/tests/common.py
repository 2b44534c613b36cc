"""What every test of this addon stands on: the real Dovecot started by the test rig.

The rig (tests/test_odoo_tier.py at the repository root) starts Dovecot and
passes its coordinates in IMAP_TEST_* environment variables. Without them these
tests fail loudly instead of skipping: a skipped IMAP test proves nothing.
"""

import base64
import itertools
import os
import socket
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from imapclient import IMAPClient

from odoo.tests import TransactionCase, new_test_user

from ..engine.parse import parse_message
from ..services.destinations import ALLOWED_SERVERS_PARAM

_RIG_VARIABLES = (
    "IMAP_TEST_HOST",
    "IMAP_TEST_PORT",
    "IMAP_TEST_SSL_PORT",
    "IMAP_TEST_UNTRUSTED_HOST",
    "IMAP_TEST_USER_PREFIX",
    "IMAP_TEST_USER_COUNT",
    "IMAP_TEST_PASSWORD",
    "IMAP_TEST_SMTP_PORT",
    "IMAP_TEST_SMTP_SSL_PORT",
    "IMAP_TEST_MAIL_DOMAIN",
)
# Test classes share one pool of Dovecot users for the whole Odoo run.
_next_user_number = itertools.count(1)
#: Modules of the rig (tests/rig/), loaded once from IMAP_TEST_RIG_DIR.
_rig_modules = {}

# A real 1x1 PNG, for inline images (cid:).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNg+M/AAAADAQEAyf6S7wAAAABJRU5ErkJggg=="
)

# glibc refuses a host name that starts with a hyphen without asking DNS, so this
# fails exactly like an unknown host while sending nothing off the machine.
UNRESOLVABLE_HOST = "-no-such-imap-host.invalid"


class ImapRig:
    def __init__(self, environ):
        missing = [name for name in _RIG_VARIABLES if not environ.get(name)]
        if missing:
            raise RuntimeError(
                f"The IMAP test server is not configured (missing {', '.join(missing)}). Run these tests "
                "through the repository's test command, which starts Dovecot and sets them."
            )
        self.host = environ["IMAP_TEST_HOST"]
        self.port = int(environ["IMAP_TEST_PORT"])
        self.ssl_port = int(environ["IMAP_TEST_SSL_PORT"])
        self.untrusted_host = environ["IMAP_TEST_UNTRUSTED_HOST"]
        self.prefix = environ["IMAP_TEST_USER_PREFIX"]
        self.user_count = int(environ["IMAP_TEST_USER_COUNT"])
        self.password = environ["IMAP_TEST_PASSWORD"]
        self.rig_dir = environ.get("IMAP_TEST_RIG_DIR")
        # The rig's SMTP server (tests/rig/smtp_server.py): delivers to pool users at this domain.
        self.smtp_port = int(environ["IMAP_TEST_SMTP_PORT"])
        self.smtp_ssl_port = int(environ["IMAP_TEST_SMTP_SSL_PORT"])
        self.mail_domain = environ["IMAP_TEST_MAIL_DOMAIN"]

    def address(self, login):
        return f"{login}@{self.mail_domain}"

    @property
    def allowed_servers(self):
        """The rig's servers listed for non-administrators: they are on loopback, refused unless listed
        (and *.invalid, where the test host that never resolves lives)."""
        return f"{self.host} {self.untrusted_host} *.invalid"

    def _rig_module(self, name):
        import importlib.util

        if name not in _rig_modules:
            spec = importlib.util.spec_from_file_location(f"imap_rig_{name}", f"{self.rig_dir}/rig/{name}.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            _rig_modules[name] = module
        return _rig_modules[name]

    def generate(self, count, seed):
        """Varied, deterministic mail from the rig's generator (tests/rig/mailgen.py)."""
        return self._rig_module("mailgen").generate(count, seed=seed)

    def append_generated(self, login, folder, count, seed):
        """Generated mail into *folder*, made and sent by another process: this one stays lean."""
        import subprocess
        import sys

        script = (
            "import sys\n"
            "sys.path.insert(0, sys.argv[1])\n"
            "from imapclient import IMAPClient\n"
            "from rig.mail_append import append_messages\n"
            "from rig.mailgen import generate\n"
            "with IMAPClient(sys.argv[2], port=int(sys.argv[3]), ssl=False, timeout=30) as client:\n"
            "    client._imap.debug = 0\n"
            "    client.login(sys.argv[4], sys.argv[5])\n"
            "    append_messages(client, sys.argv[8], generate(int(sys.argv[6]), seed=int(sys.argv[7])))\n"
        )
        subprocess.run(
            [
                sys.executable,
                "-c",
                script,
                self.rig_dir,
                self.host,
                str(self.port),
                login,
                self.password,
                str(count),
                str(seed),
                folder,
            ],
            check=True,
            timeout=600,
        )

    def private_server(self):
        """A Dovecot of the test's own (tests/rig/dovecot.py), to stop and restart at will."""
        return self._rig_module("dovecot").DovecotServer()

    def new_login(self):
        """A Dovecot user nobody else in this run has touched."""
        number = next(_next_user_number)
        if number > self.user_count:
            raise RuntimeError("the rig's Dovecot user pool is exhausted")
        return f"{self.prefix}{number:04d}"

    def client(self, login):
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client._imap.debug = 0
        client.login(login, self.password)
        return client

    def append(self, login, folder, messages, flags=(), msg_time=None):
        """*msg_time* (an aware datetime) is the INTERNALDATE, which the first sync's horizon looks at."""
        with self.client(login) as client:
            self._rig_module("mail_append").append_messages(client, folder, messages, flags, msg_time)

    def create_folder(self, login, folder):
        with self.client(login) as client:
            client.create_folder(folder)

    def delete_folder(self, login, folder):
        with self.client(login) as client:
            client.delete_folder(folder)

    def seen_subjects(self, login, folder):
        """Subjects of the messages of *folder* that carry \\Seen on the server."""
        with self.client(login) as client:
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])  # imapclient 4 fetches message numbers only, no "1:*"
            data = client.fetch(uids, ["FLAGS", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]"]) if uids else {}
        return {
            d[b"BODY[HEADER.FIELDS (SUBJECT)]"].decode().split(":", 1)[1].strip()
            for d in data.values()
            if b"\\Seen" in d[b"FLAGS"]
        }

    def subjects(self, login, folder):
        """Subjects of the messages of *folder* on the server, in UID order ([] when it does not exist)."""
        with self.client(login) as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            data = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"]) if uids else {}
        return [data[uid][b"BODY[HEADER.FIELDS (SUBJECT)]"].decode().split(":", 1)[1].strip() for uid in sorted(data)]

    def folder_names(self, login):
        with self.client(login) as client:
            return {name for _flags, _delimiter, name in client.list_folders()}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_email(
    *,
    subject="Hello",
    sender="Alice Example <alice@example.com>",
    to="bob@example.com",
    body="Hello Bob",
    message_id=None,
    date=None,
    **headers,
):
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Message-ID"] = message_id or make_msgid(domain="example.com")
    if date is not None:
        message["Date"] = format_datetime(date)
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


class ImapCase(TransactionCase):
    """A TransactionCase with the rig, three users of each kind, and mailbox factories."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rig = ImapRig(os.environ)
        cls.env["ir.config_parameter"].set_param(ALLOWED_SERVERS_PARAM, cls.rig.allowed_servers)
        cls.imap_admin = new_test_user(
            cls.env,
            "imap_admin",
            groups="base.group_user,imap_conversations.group_manager",
            email="imap.admin@example.com",
            name="IMAP Admin",
        )
        cls.imap_user = new_test_user(
            cls.env,
            "imap_user",
            groups="base.group_user,imap_conversations.group_user",
            email="imap.user@example.com",
            name="IMAP User",
        )
        cls.other_user = new_test_user(
            cls.env,
            "imap_other",
            groups="base.group_user,imap_conversations.group_user",
            email="imap.other@example.com",
            name="Other User",
        )

    def make_mailbox(self, owner=None, **values):
        """A mailbox on a fresh Dovecot user, plain IMAP on loopback unless told otherwise."""
        login = values.pop("login", None) or self.rig.new_login()
        vals = {
            "name": f"Mailbox {login}",
            "host": self.rig.host,
            "port": self.rig.port,
            "security": "none",
            "login": login,
            "password": self.rig.password,
            "timeout": 5,
            "user_id": (owner or self.imap_user).id,
            "email": self.rig.address(login),
            "smtp_host": self.rig.host,
            "smtp_port": self.rig.smtp_port,
            "smtp_security": "starttls",
            **values,
        }
        return self.env["imap.mailbox"].create(vals)


class SavepointCommits:
    """What a commit per batch is to a test transaction: a savepoint kept, a new one opened.

    Pass it as a run's ``commit``; ``lose_uncommitted()`` is a worker dying: what was not
    "committed" is rolled back.
    """

    def __init__(self, cr):
        self.cr = cr
        self.savepoints = [cr.savepoint()]

    def __call__(self):
        self.savepoints[-1].close(rollback=False)
        self.savepoints.append(self.cr.savepoint())

    def lose_uncommitted(self):
        self.savepoints[-1].close(rollback=True)


class SyncCase(ImapCase):
    """Helpers for tests that sync a mailbox and look at what it imported."""

    def sync(self, mailbox, **kwargs):
        from ..services.mailbox_sync import MailboxSync

        report = MailboxSync(mailbox, **kwargs).run()
        self.assertFalse(report.error, f"the sync failed: {report.error}")
        return report

    def cron_commits(self):
        return SavepointCommits(self.env.cr)

    def synced_mailbox(self, owner=None, **values):
        """A mailbox whose folders are fetched (INBOX and Sent enabled)."""
        mailbox = self.make_mailbox(owner=owner, **values)
        mailbox.action_fetch_folders()
        return mailbox

    def messages(self, mailbox, **domain):
        return self.env["imap.message"].search(
            [("mailbox_id", "=", mailbox.id), *((k, "=", v) for k, v in domain.items())], order="id"
        )

    def new_customer(self, name="Carla Customer"):
        """A contact whose address is a fresh rig user: what is sent to it arrives in that user's INBOX."""
        login = self.rig.new_login()
        return login, self.env["res.partner"].create({"name": name, "email": self.rig.address(login)})

    def inbox_of(self, login):
        """What arrived in *login*'s INBOX, parsed."""
        with self.rig.client(login) as client:
            client.select_folder("INBOX", readonly=True)
            uids = client.search(["ALL"])
            data = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
        return [parse_message(data[uid][b"BODY[]"]) for uid in sorted(data)]

    def folder(self, mailbox, name):
        return mailbox.folder_ids.filtered(lambda f: f.name == name)

    def synced_folder(self, mailbox, name):
        """A new folder on the server, listed in Odoo, its sync switched on."""
        self.rig.create_folder(mailbox.login, name)
        mailbox.action_fetch_folders()
        folder = self.folder(mailbox, name)
        folder.sync_enabled = True
        return folder


def admin_mailbox(env, rig, login):
    """The administrator's mailbox on the rig user *login*, folders fetched (for tours, which log in as admin)."""
    mailbox = env["imap.mailbox"].create(
        {
            "name": "Admin's mailbox",
            "host": rig.host,
            "port": rig.port,
            "security": "none",
            "login": login,
            "password": rig.password,
            "email": rig.address(login),
            "user_id": env.ref("base.user_admin").id,
            "smtp_host": rig.host,
            "smtp_port": rig.smtp_port,
            "smtp_security": "starttls",
        }
    )
    mailbox.action_fetch_folders()
    return mailbox


def web_login(case, login):
    """Log in through the login form, as a browser does (an HttpCase; the password is the login)."""
    import re

    page = case.url_open("/web/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    case.url_open("/web/login", data={"login": login, "password": login, "csrf_token": token, "redirect": "/odoo"})


def company_administrators(env, prefix, groups="base.group_user,imap_conversations.group_manager"):
    """A company B, and two IMAP administrators working in the current company A: one of A only, one of A and B."""
    company_a = env.company
    company_b = env["res.company"].create({"name": "Company B"})
    admin_a, admin_ab = (
        new_test_user(
            env,
            f"{prefix}_admin_{suffix}",
            groups=groups,
            company_id=company_a.id,
            company_ids=companies.ids,
            email=f"{prefix}.{suffix}@example.com",
        )
        for suffix, companies in (("a", company_a), ("ab", company_a | company_b))
    )
    return company_a, company_b, admin_a, admin_ab


def bus_notifications(env, user, notification_type="simple_notification"):
    """Payloads of bus notifications sent to *user* in this transaction."""
    import json

    env.cr.precommit.run()  # the bus records notifications at commit time
    channel = json.dumps([env.cr.dbname, "res.partner", user.partner_id.id], separators=(",", ":"))
    messages = env["bus.bus"].sudo().search([("channel", "=", channel)]).mapped("message")
    return [m["payload"] for m in map(json.loads, messages) if m["type"] == notification_type]


class PoisonedStorage:
    """Makes PostgreSQL refuse to store imported messages with a given subject, as a real bug would.

    The failed record itself (state 'failed') still goes in: that is what must happen.
    """

    def __init__(self, cr, subject="poison"):
        self.cr = cr
        self.subject = subject

    def __enter__(self):
        self.cr.execute(
            """
            CREATE OR REPLACE FUNCTION imap_test_poison() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'storage refused this message (test trigger)'; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER imap_test_poison BEFORE INSERT ON imap_message FOR EACH ROW
            WHEN (NEW.state = 'imported' AND NEW.subject = %s) EXECUTE FUNCTION imap_test_poison();
        """,
            [self.subject],
        )
        return self

    def __exit__(self, *exc):
        self.lift()

    def lift(self):
        self.cr.execute("DROP TRIGGER IF EXISTS imap_test_poison ON imap_message")
