"""A real Odoo 18 database with the addon installed, for tests that run Odoo's own commands on it.

Unlike the Odoo tier (whose tests live inside one transaction), what happens here is committed:
several Odoo processes (``odoo-bin shell``, ``odoo-bin imap-sync``) work on it at once, as cron
workers and administrators do.
"""

import json
import shutil
import subprocess
import tempfile
import uuid

from . import imapclient_versions, odoo_locator, odoo_runner


class CommandDatabase:
    def __init__(self, install, imapclient_major="4"):
        self.install = install
        self.name = f"imapconv_cmd_{uuid.uuid4().hex[:8]}"
        self.data_dir = tempfile.mkdtemp(prefix="odoo-data-")
        self.env = imapclient_versions.env_for(imapclient_major)
        self.addons_path = f"{install.addons_dir},{odoo_runner.REPO}"

    @classmethod
    def located(cls):
        """Raises odoo_locator.OdooNotFound when there is no Odoo 18."""
        install = odoo_locator.locate()
        odoo_runner.ensure_postgres(install)
        return cls(install)

    def _options(self):
        return ["-d", self.name, *odoo_runner.db_args(self.install), f"--data-dir={self.data_dir}"]

    def create(self):
        done = self.odoo(
            "-i",
            "imap_conversations",
            "--without-demo=all",
            "--stop-after-init",
            "--max-cron-threads=0",
            "--http-interface=127.0.0.1",
            f"--http-port={odoo_runner.free_port()}",
            timeout=1200,
        )
        assert done.returncode == 0, done.stderr[-4000:]
        return self

    def odoo(self, *args, timeout=600):
        """``odoo-bin --addons-path=... ARGS``: the addons path first, so that the addon's commands are found."""
        command = self.install.command(f"--addons-path={self.addons_path}", *args, *self._options())
        return subprocess.run(command, capture_output=True, text=True, env=self.env, timeout=timeout, check=False)

    def command(self, name, *args, timeout=600):
        """An Odoo command (``imap-sync``...) on this database."""
        return self.odoo(name, "--log-level=warn", *args, timeout=timeout)

    def shell_process(self, code):
        """``odoo-bin shell`` running *code* (with ``env``), started and left running."""
        command = self.install.command(
            f"--addons-path={self.addons_path}", "shell", "--log-level=warn", *self._options()
        )
        with tempfile.TemporaryFile("w+") as script:
            script.write(code)
            script.seek(0)
            # The shell reads its code from a non-terminal stdin (it keeps its own copy of the file).
            return subprocess.Popen(
                command, stdin=script, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env
            )

    def shell(self, code, timeout=600):
        """Run *code* in ``odoo-bin shell``; returns what it printed last, as JSON."""
        process = self.shell_process(code)
        out, err = process.communicate(timeout=timeout)
        assert process.returncode == 0, err[-4000:]
        return json.loads(out.strip().splitlines()[-1])

    def sql(self, query):
        args, env = odoo_runner.connection_args(self.install)
        done = subprocess.run(
            ["psql", "-X", "-At", "-F", "|", *args, "-d", self.name, "-c", query],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        return done.stdout.splitlines()

    def drop(self):
        odoo_runner.drop_database(self.install, self.name)
        shutil.rmtree(self.data_dir, ignore_errors=True)
