"""Run the addon's own tests inside a real Odoo 18, on a fresh database.

The run fails on any of: a non-zero exit, an ERROR or CRITICAL log line, a
WARNING about this addon from Odoo itself (install-time warnings such as a
missing access rule), a skipped test, no test summary, "0 tests", or fewer
tests run than the addon defines (a test module left out of tests/__init__).
"""

import ast
import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from . import odoo_watchdog
from .dovecot import free_port

REPO = Path(__file__).resolve().parents[2]
ADDONS = tuple(
    name for name in ("imap_conversations", "imap_conversations_crm") if (REPO / name / "__manifest__.py").exists()
)
#: Installed beside ours so the CRM bridge is exercised (it auto-installs with crm).
EXTRA_MODULES = ("crm", "base_automation")

LOG_LINE = re.compile(r"^\S+ \S+ \d+ (?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL) (?P<db>\S+) (?P<logger>\S+): ")
SUMMARY = re.compile(r"odoo\.tests\.result: (\d+) failed, (\d+) error\(s\) of (\d+) tests")
STARTING = re.compile(r"odoo\.addons\.imap_conversations\S*: Starting ")
SKIPPED = re.compile(r"odoo\.addons\.imap_conversations\S*: skipped ")
OUR_LOGGERS = re.compile(r"^odoo\.addons\.imap_conversations")
#: A developer's shortcut while working on a few tests (e.g. "/imap_conversations:TestComposer"):
#: replaces the test tags; the run then says it is partial and fails, so CI can never pass on it.
ENV_TEST_TAGS = "IMAP_CONVERSATIONS_ODOO_TEST_TAGS"


def defined_test_count(addon_dir):
    """How many ``test_*`` methods the addon's test modules define."""
    count = 0
    for path in Path(addon_dir, "tests").glob("test_*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                count += sum(isinstance(item, ast.FunctionDef) and item.name.startswith("test_") for item in node.body)
    return count


@dataclass
class OdooTierResult:
    returncode: int
    log_path: Path
    duration: float
    tests: int = 0
    failed: int = 0
    errors: int = 0
    expected_tests: int = 0
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems

    def summary(self):
        state = "passed" if self.ok else "FAILED"
        return (
            f"Odoo tier {state}: {self.tests} tests, {self.failed} failed, {self.errors} errors "
            f"in {self.duration:.0f}s (log: {self.log_path})"
        )

    def report(self):
        return "\n".join([self.summary(), *self.problems])


def analyse_log(result, lines):
    summary = None
    for index, line in enumerate(lines):
        match = LOG_LINE.match(line)
        if match:
            level, logger = match["level"], match["logger"]
            if level in ("ERROR", "CRITICAL"):
                block = [line, *_continuation(lines, index + 1)]
                result.problems.append("\n".join(block[:40]))
            elif level == "WARNING" and not OUR_LOGGERS.match(logger) and "imap" in line[match.end() :].lower():
                result.problems.append(f"warning about the addon: {line}")
        if SKIPPED.search(line):
            result.problems.append(f"a test was skipped (the rig must run every test): {line}")
        found = SUMMARY.search(line)
        if found:
            summary = found
    if result.returncode != 0:
        result.problems.append(f"odoo exited with code {result.returncode}")
    if not summary:
        result.problems.append("no test summary in the log: the install probably failed")
        return
    result.failed, result.errors, result.tests = map(int, summary.groups())
    if result.tests == 0:
        result.problems.append("Odoo ran 0 tests")
    elif result.tests < result.expected_tests:
        result.problems.append(
            f"Odoo ran {result.tests} tests but the addons define {result.expected_tests}: "
            "is every test module imported in tests/__init__.py?"
        )


def _continuation(lines, start):
    for line in lines[start:]:
        if LOG_LINE.match(line):
            return
        yield line


def ensure_postgres(install):
    """Start the local PostgreSQL cluster if it is down, and give us a role in it."""
    if install.db_options.get("db_host"):
        return
    if subprocess.run(["pg_isready", "-q"], check=False).returncode == 0:
        _ensure_role()
        return
    if not shutil.which("pg_lsclusters"):
        raise RuntimeError("PostgreSQL is not running and pg_lsclusters is not installed")
    for row in subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout.splitlines():
        version, name, _port, status = row.split()[:4]
        if status != "online":
            subprocess.run(["pg_ctlcluster", version, name, "start"], check=True)
    for _attempt in range(50):
        if subprocess.run(["pg_isready", "-q"], check=False).returncode == 0:
            break
        time.sleep(0.2)
    _ensure_role()


def _ensure_role():
    """Odoo refuses the 'postgres' role; peer authentication needs one named like us."""
    me = (
        os.environ.get("USER")
        or subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
    )
    probe = subprocess.run(["psql", "-d", "postgres", "-Atc", "select 1"], capture_output=True, check=False)
    if probe.returncode == 0:
        return
    if os.geteuid() != 0:
        raise RuntimeError(f"cannot connect to PostgreSQL as {me}: {probe.stderr.decode().strip()}")
    subprocess.run(["runuser", "-u", "postgres", "--", "createuser", "--superuser", me], check=True)


def db_args(install):
    options = install.db_options
    args = []
    for key, flag in (
        ("db_host", "--db_host"),
        ("db_port", "--db_port"),
        ("db_user", "--db_user"),
        ("db_password", "--db_password"),
    ):
        if options.get(key):
            args += [flag, options[key]]
    return args


def run_addon_tests(install, env_extra, log_path, timeout=3000, stall_timeout=600):
    """Install the addons in a new database, run their tests, drop the database.

    A run that hangs is stopped by rig/odoo_watchdog.py, which says what it was doing.
    """
    ensure_postgres(install)
    database = f"imapconv_test_{uuid.uuid4().hex[:10]}"
    data_dir = tempfile.mkdtemp(prefix="odoo-data-")
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = install.command(
        "-d",
        database,
        *db_args(install),
        f"--addons-path={install.addons_dir},{REPO}",
        "-i",
        ",".join((*ADDONS, *EXTRA_MODULES)),
        "--without-demo=all",
        "--test-tags=" + (os.environ.get(ENV_TEST_TAGS) or ",".join(f"/{a}" for a in ADDONS)),
        "--stop-after-init",
        "--http-interface=127.0.0.1",
        f"--http-port={free_port()}",
        f"--data-dir={data_dir}",
        "--max-cron-threads=0",
        "--log-level=info",
    )
    env = {**os.environ, **env_extra, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
    pg_args, pg_env = connection_args(install)
    psql = ["psql", "-X", "-P", "pager=off", *pg_args, "-d", database]
    started = time.monotonic()
    try:
        with log_path.open("w") as log:
            # A session of its own, so that a hung run is stopped with everything it started.
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True
            )
            outcome = odoo_watchdog.wait_for(
                process, log_path, timeout=timeout, stall_timeout=stall_timeout, psql_command=psql, psql_env=pg_env
            )
    finally:
        drop_database(install, database)
        shutil.rmtree(data_dir, ignore_errors=True)
    result = OdooTierResult(outcome.returncode, log_path, time.monotonic() - started)
    result.expected_tests = sum(defined_test_count(REPO / addon) for addon in ADDONS)
    log = log_path.read_bytes()
    analyse_log(result, log.decode(errors="replace").splitlines())
    if os.environ.get(ENV_TEST_TAGS):
        result.problems.append(
            f"partial run: {ENV_TEST_TAGS}={os.environ[ENV_TEST_TAGS]} chose the tests "
            f"({result.tests} ran, {result.failed} failed, {result.errors} errors)"
        )
    if outcome.hang:
        # log_end counts bytes: the log holds non-ASCII text.
        result.problems.append(hang_report(outcome, log[: outcome.log_end].decode(errors="replace").splitlines()))
    return result


def hang_report(outcome, lines, tail=60):
    """What a hung run was doing: the test it was in, its last log lines (up to the hang), the
    watchdog's findings."""
    current = next((line for line in reversed(lines) if STARTING.search(line)), "(no test had started)")
    return "\n".join(
        [
            outcome.hang,
            f"--- the test running: {current}",
            f"--- the last {tail} lines of the log",
            *lines[-tail:],
            outcome.diagnosis,
        ]
    )


def connection_args(install):
    """Options (and environment) for PostgreSQL's command-line tools to reach Odoo's server."""
    env = dict(os.environ)
    args = []
    options = install.db_options
    if options.get("db_host"):
        args = ["-h", options["db_host"], "-p", options.get("db_port", "5432"), "-U", options.get("db_user", "")]
        if options.get("db_password"):
            env["PGPASSWORD"] = options["db_password"]
    return args, env


def drop_database(install, database):
    args, env = connection_args(install)
    subprocess.run(
        ["dropdb", "--if-exists", "--force", *args, database], capture_output=True, env=env, check=False, timeout=120
    )
