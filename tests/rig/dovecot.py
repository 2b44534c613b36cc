"""A throw-away Dovecot IMAP server on 127.0.0.1, for tests and benchmarks.

One server per test session (it takes about a second to stop); each test gets a
fresh user with :meth:`DovecotServer.add_user`, so tests never share a mailbox.

Listeners, all on loopback:

* ``port``: plain IMAP that offers STARTTLS,
* ``ssl_port``: implicit TLS,

and the same two ports answer on 127.0.0.1 with a certificate signed by the
rig's own CA (``ca_file``), and on :data:`UNTRUSTED_HOST` with a self-signed
certificate nobody trusts, so certificate checks can be tested both ways.

Logins: LOGIN, AUTHENTICATE PLAIN and LOGIN with the password; when started with an
``oauth_introspection`` (the rig's OAuth server, rig/oauth_server.py) also AUTHENTICATE XOAUTH2 and
OAUTHBEARER, whose bearer token Dovecot's ``oauth2`` passdb asks that server about (RFC 7662): the
token must be active, carry the IMAP scope, and belong to the user that logs in.
"""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

LOCALHOST = "127.0.0.1"
UNTRUSTED_HOST = "127.0.0.3"

SPECIAL_FOLDERS = {
    "Sent": r"\Sent",
    "Drafts": r"\Drafts",
    "Trash": r"\Trash",
    "Archive": r"\Archive",
    "Junk": r"\Junk",
}


#: Every test user has this password; the pools are "t" (pytest) and, for the Odoo tier, one per
#: Odoo run of the session ("o", "p": it runs once per imapclient major), each starting from fresh users.
USER_PASSWORD = "secret"
#: The rig's users receive mail as user@MAIL_DOMAIN (see rig/smtp_server.py); .test never resolves.
MAIL_DOMAIN = "rig.test"
ODOO_POOLS = ("o", "p")
USER_POOLS = ("t", *ODOO_POOLS)
#: A user whose password is not ASCII: IMAP's LOGIN cannot carry it, AUTHENTICATE PLAIN can.
UNICODE_USER = ("unicode-imap", "pässwörd-€")
POOL_SIZE = 2000


def pool_user_names(prefix):
    return [f"{prefix}{n:04d}" for n in range(1, POOL_SIZE + 1)]


class DovecotUnavailable(RuntimeError):
    """Dovecot is not installed or would not start."""


def free_port():
    with socket.socket() as sock:
        sock.bind((LOCALHOST, 0))
        return sock.getsockname()[1]


def _run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)


def _make_certificates(directory):
    """A CA, a server certificate signed by it, and an unrelated self-signed one."""
    d = Path(directory)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _run(
        [
            "openssl",
            "req",
            "-x509",
            *ec,
            "-keyout",
            d / "ca.key",
            "-out",
            d / "ca.pem",
            "-days",
            "30",
            "-subj",
            "/CN=imap_conversations test CA",
        ]
    )
    _run(["openssl", "req", *ec, "-keyout", d / "server.key", "-out", d / "server.csr", "-subj", "/CN=localhost"])
    (d / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _run(
        [
            "openssl",
            "x509",
            "-req",
            "-in",
            d / "server.csr",
            "-CA",
            d / "ca.pem",
            "-CAkey",
            d / "ca.key",
            "-CAcreateserial",
            "-out",
            d / "server.pem",
            "-days",
            "30",
            "-extfile",
            d / "san.ext",
        ]
    )
    _run(
        [
            "openssl",
            "req",
            "-x509",
            *ec,
            "-keyout",
            d / "untrusted.key",
            "-out",
            d / "untrusted.pem",
            "-days",
            "30",
            "-subj",
            "/CN=untrusted",
            "-addext",
            f"subjectAltName=IP:{UNTRUSTED_HOST}",
        ]
    )


CONFIG_TEMPLATE = """\
instance_name = {instance}
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
protocols = imap
listen = {listen}
{users}
ssl = yes
ssl_cert = <{dir}/server.pem
ssl_key = <{dir}/server.key
ssl_min_protocol = TLSv1.2
local {untrusted} {{
  ssl_cert = <{dir}/untrusted.pem
  ssl_key = <{dir}/untrusted.key
}}
auth_mechanisms = plain login{oauth_mechanisms}
disable_plaintext_auth = no
auth_failure_delay = 0
{oauth_passdb}passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/home/%u
}}
first_valid_uid = {uid}
mail_location = maildir:~/Maildir
mail_fsync = never
mail_max_userip_connections = 500
imap_max_line_length = 4M
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {ssl_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
{mailboxes}
}}
"""

OAUTH_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {dir}/oauth2.conf.ext
}}
"""

# Dovecot authenticates to the introspection endpoint with the credentials in the URL (HTTP Basic).
OAUTH_CONFIG = """\
introspection_mode = post
introspection_url = http://{client_id}:{client_secret}@{host}:{port}/introspect
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 5000
"""


def password_is_right(login, password):
    """Whether *login* / *password* is a user of the rig with its password (what the passwd file says)."""
    prefix, number = login[:1], login[1:]
    pool_user = prefix in USER_POOLS and len(number) == 4 and number.isdigit() and 1 <= int(number) <= POOL_SIZE
    return (pool_user and password == USER_PASSWORD) or (login, password) == UNICODE_USER


class DovecotServer:
    """Start with :meth:`start`, stop with :meth:`stop` (also on failure).

    *oauth_introspection*: ``(host, port, client_id, client_secret)`` of the OAuth server that
    validates bearer tokens; without it the server offers password logins only.
    """

    def __init__(self, oauth_introspection=None):
        self.oauth_introspection = oauth_introspection
        self.directory = None
        self.process = None
        self.port = None
        self.ssl_port = None
        self.host = LOCALHOST
        self.untrusted_host = UNTRUSTED_HOST
        self._pools = {}

    # -- life cycle ---------------------------------------------------------

    def start(self):
        if not shutil.which("dovecot"):
            raise DovecotUnavailable("dovecot is not installed (Debian package dovecot-imapd)")
        # Dovecot puts unix sockets under base_dir; a socket path over 108 bytes fails.
        self.directory = tempfile.mkdtemp(prefix="dc", dir="/tmp")
        os.chmod(self.directory, 0o755)
        _make_certificates(self.directory)
        self.port, self.ssl_port = free_port(), free_port()
        home = Path(self.directory, "home")
        home.mkdir()
        Path(self.passwd_file).write_text(
            "".join(
                f"{name}:{{PLAIN}}{USER_PASSWORD}::::::\n" for prefix in USER_POOLS for name in pool_user_names(prefix)
            )
            + "{}:{{PLAIN}}{}::::::\n".format(*UNICODE_USER),
            encoding="utf-8",
        )
        uid, gid = self._mail_ids()
        os.chown(home, uid, gid)
        oauth_passdb = ""
        if self.oauth_introspection:
            host, port, client_id, client_secret = self.oauth_introspection
            Path(self.directory, "oauth2.conf.ext").write_text(
                OAUTH_CONFIG.format(host=host, port=port, client_id=client_id, client_secret=client_secret)
            )
            oauth_passdb = OAUTH_PASSDB.format(dir=self.directory)
        Path(self.conf_path).write_text(
            CONFIG_TEMPLATE.format(
                oauth_mechanisms=" xoauth2 oauthbearer" if oauth_passdb else "",
                oauth_passdb=oauth_passdb,
                instance=os.path.basename(self.directory),
                dir=self.directory,
                listen=f"{LOCALHOST}, {UNTRUSTED_HOST}",
                untrusted=UNTRUSTED_HOST,
                users=self._process_users(),
                uid=uid,
                gid=gid,
                port=self.port,
                ssl_port=self.ssl_port,
                mailboxes="\n".join(
                    f"  mailbox {name} {{\n    special_use = {flag}\n    auto = subscribe\n  }}"
                    for name, flag in SPECIAL_FOLDERS.items()
                ),
            )
        )
        self.resume()
        return self

    def halt(self):
        """Stop the server but keep its mail, ports and certificates: :meth:`resume` brings it back."""
        self._terminate()

    def resume(self):
        self.process = subprocess.Popen(
            ["dovecot", "-F", "-c", self.conf_path],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait_for_greeting()

    def stop(self):
        self._terminate()
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def _terminate(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        # The master leaves its imap, log and stats children running: end them too, so a
        # stopped server is really gone (open sessions drop) and nothing outlives the rig.
        if self.directory:
            pattern = f"dovecot-{os.path.basename(self.directory)}/"
            subprocess.run(["pkill", "-KILL", "-f", pattern], check=False)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def conf_path(self):
        return os.path.join(self.directory, "dovecot.conf")

    @property
    def ca_file(self):
        return os.path.join(self.directory, "ca.pem")

    @property
    def server_cert(self):
        """The certificate served on 127.0.0.1, signed by :attr:`ca_file` (with its key beside it)."""
        return os.path.join(self.directory, "server.pem")

    @property
    def server_key(self):
        return os.path.join(self.directory, "server.key")

    @property
    def untrusted_cert(self):
        """The self-signed certificate served on :data:`UNTRUSTED_HOST`."""
        return os.path.join(self.directory, "untrusted.pem")

    @property
    def untrusted_key(self):
        return os.path.join(self.directory, "untrusted.key")

    def is_user(self, name):
        """True for every user of every pool (all exist from the start, see :meth:`add_user`)."""
        return name != UNICODE_USER[0] and password_is_right(name, USER_PASSWORD)

    @property
    def passwd_file(self):
        return os.path.join(self.directory, "passwd")

    @property
    def log_file(self):
        return os.path.join(self.directory, "dovecot.log")

    def _mail_ids(self):
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            return nobody.pw_uid, nobody.pw_gid
        return os.getuid(), os.getgid()

    def _process_users(self):
        if os.geteuid() == 0:
            # Internal processes run as dovecot, logins as dovenull, mail as nobody.
            return ""
        me = pwd.getpwuid(os.getuid()).pw_name
        return f"default_internal_user = {me}\ndefault_login_user = {me}"

    def _wait_for_greeting(self, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise DovecotUnavailable(
                    f"dovecot exited with {self.process.returncode}: "
                    f"{self.process.stderr.read().decode(errors='replace')}"
                    f"{self.read_log()}"
                )
            with contextlib.suppress(OSError), socket.create_connection((LOCALHOST, self.port), timeout=1) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return
            time.sleep(0.02)
        self.stop()
        raise DovecotUnavailable(f"dovecot did not greet within {timeout}s")

    def read_log(self):
        try:
            return Path(self.log_file).read_text(errors="replace")
        except OSError:
            return ""

    # -- users and mail -----------------------------------------------------

    def add_user(self, pool="t"):
        """The next unused user of *pool*, with an empty mailbox.

        Users are created before the server starts: Dovecot re-reads its passwd
        file at most once a second, so a user added later may be refused.
        """
        used = self._pools.get(pool, 0)
        if used >= POOL_SIZE:
            raise RuntimeError(f"user pool {pool!r} exhausted ({POOL_SIZE} users)")
        self._pools[pool] = used + 1
        return pool_user_names(pool)[used], USER_PASSWORD

    def doveadm(self, *args):
        return _run(["doveadm", "-c", self.conf_path, *args])

    def coordinates(self, odoo_pool="o"):
        """What a test in another process needs to reach this server (an Odoo run: its own user pool)."""
        return {
            "IMAP_TEST_HOST": self.host,
            "IMAP_TEST_PORT": str(self.port),
            "IMAP_TEST_SSL_PORT": str(self.ssl_port),
            "IMAP_TEST_UNTRUSTED_HOST": self.untrusted_host,
            "IMAP_TEST_CA_FILE": self.ca_file,
            # The Odoo process draws its users from its own pool.
            "IMAP_TEST_USER_PREFIX": odoo_pool,
            "IMAP_TEST_USER_COUNT": str(POOL_SIZE),
            "IMAP_TEST_PASSWORD": USER_PASSWORD,
            # Where the rig's own modules are (the mail generator), for tests in other processes.
            "IMAP_TEST_RIG_DIR": str(Path(__file__).resolve().parent.parent),
            "IMAP_TEST_DOVECOT_CONF": self.conf_path,
        }
