"""A database with the addon installed, reached by XML-RPC, and IDLE workers running on it.

For what needs Odoo as separate, real processes holding real connections (the IDLE worker's
tests, bench/idle_latency_benchmark.py): one database is made per pytest session (or
benchmark run), an ``odoo-bin`` server on loopback answers XML-RPC to create and read records,
and ``odoo-bin imap-idle`` workers are started and stopped (or killed) at will.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
import xmlrpc.client
from pathlib import Path

from . import odoo_runner
from .dovecot import free_port

ADMIN = ("admin", "admin")
#: A developer's shortcut: the name of a database that already has the addon installed (by
#: ``odoo-bin -i imap_conversations``), used as it is and never dropped. Not for CI.
ENV_REUSE_DATABASE = "IMAP_CONVERSATIONS_IDLE_DATABASE"


def wait_until(predicate, timeout, interval=0.1, what="the condition"):
    """Poll *predicate* until it is true (its value is returned) or *timeout* seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout}s")
        time.sleep(interval)


class OdooDatabase:
    def __init__(self, install, env, log_dir):
        self.install = install
        self.env = env
        self.log_dir = Path(log_dir)
        # Odoo appends to its log files: each run starts with none.
        shutil.rmtree(self.log_dir, ignore_errors=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.reused = os.environ.get(ENV_REUSE_DATABASE)
        self.name = self.reused or f"imapconv_idle_{uuid.uuid4().hex[:8]}"
        self.data_dir = tempfile.mkdtemp(prefix="odoo-data-")
        self.addons_path = f"--addons-path={install.addons_dir},{odoo_runner.REPO}"
        self.server = None
        self.port = None
        self.workers = []

    def _common(self):
        return ["-d", self.name, *odoo_runner.db_args(self.install), f"--data-dir={self.data_dir}"]

    def create(self):
        odoo_runner.ensure_postgres(self.install)
        if not self.reused:
            self._install()
        self.port = free_port()
        self.server = subprocess.Popen(
            self.install.command(
                self.addons_path,
                *self._common(),
                f"--db-filter=^{self.name}$",
                "--http-interface=127.0.0.1",
                f"--http-port={self.port}",
                "--max-cron-threads=0",
                "--log-level=warn",
                f"--logfile={self.log_dir / 'server.log'}",
            ),
            env=self.env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(self._answers, 120, interval=0.5, what="the Odoo server answering")
        return self

    def _install(self):
        log = self.log_dir / "install.log"
        with log.open("w") as out:
            done = subprocess.run(
                self.install.command(
                    self.addons_path,
                    *self._common(),
                    "-i",
                    "imap_conversations",
                    "--without-demo=all",
                    "--stop-after-init",
                    "--http-interface=127.0.0.1",
                    f"--http-port={free_port()}",
                    "--max-cron-threads=0",
                    "--log-level=warn",
                ),
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                timeout=1200,
                check=False,
            )
        if done.returncode != 0:
            raise RuntimeError(f"installing the addon failed, see {log}")

    def _answers(self):
        try:
            return self.uid
        except OSError:
            return None

    @property
    def uid(self):
        common = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{self.port}/xmlrpc/2/common")
        return common.authenticate(self.name, *ADMIN, {})

    def call(self, model, method, *args, **kwargs):
        proxy = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{self.port}/xmlrpc/2/object", allow_none=True)
        return proxy.execute_kw(self.name, 2, ADMIN[1], model, method, list(args), kwargs)

    def sql(self, query):
        args, env = odoo_runner.connection_args(self.install)
        done = subprocess.run(
            ["psql", "-X", "-At", *args, "-d", self.name, "-c", query],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        return [line.split("|") for line in done.stdout.splitlines()]

    def worker(self, *options, name="worker"):
        """A running ``odoo-bin imap-idle`` on this database; *options* are the worker's own."""
        worker = WorkerProcess(self, options, self.log_dir / f"{name}-{len(self.workers)}.log")
        self.workers.append(worker)
        return worker

    def stop_workers(self):
        for worker in self.workers:
            worker.stop()

    def close(self):
        self.stop_workers()
        if self.server:
            self.server.terminate()
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
        if not self.reused:
            odoo_runner.drop_database(self.install, self.name)
        shutil.rmtree(self.data_dir, ignore_errors=True)


class WorkerProcess:
    def __init__(self, database, options, log_path):
        self.log_path = log_path
        command = database.install.command(
            database.addons_path,
            "imap-idle",
            *options,
            *database._common(),
            "--log-level=info",
            f"--logfile={log_path}",
        )
        # Odoo logs to the file; what goes wrong before its logging starts goes to stderr, kept beside it.
        with log_path.with_suffix(".stderr").open("w") as stderr:
            self.process = subprocess.Popen(
                command,
                env=database.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )

    @property
    def pid(self):
        return self.process.pid

    def log(self):
        return "".join(
            path.read_text(errors="replace")
            for path in (self.log_path, self.log_path.with_suffix(".stderr"))
            if path.exists()
        )

    def error_lines(self):
        return [
            line
            for line in self.log().splitlines()
            if (match := odoo_runner.LOG_LINE.match(line)) and match["level"] in ("ERROR", "CRITICAL")
        ]

    def stop(self):
        """SIGTERM, as systemd stops it; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def kill(self):
        """SIGKILL: the worker dies without a chance to release anything."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def session_database(dovecot, log_dir):
    """The pytest session's database (a generator for a fixture); skips plainly without an Odoo 18."""
    import pytest

    from . import imapclient_versions, odoo_locator

    try:
        install = odoo_locator.locate()
    except odoo_locator.OdooNotFound as exc:
        pytest.skip(f"IDLE worker tests skipped: {exc}")
    major = os.environ.get("IMAP_CONVERSATIONS_IMAPCLIENT_MAJOR", "4")
    env = imapclient_versions.env_for(major, {**os.environ, "SSL_CERT_FILE": dovecot.ca_file})
    database = OdooDatabase(install, env, log_dir)
    try:
        yield database.create()
    finally:
        database.close()
