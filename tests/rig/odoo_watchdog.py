"""Waiting for the Odoo test run, and telling why when it hangs.

A run that stops writing to its log for ``stall_timeout`` seconds (or outlives
``timeout``) is taken for hung. Before it is killed, what it was doing is
collected, because a CI log that only says "timed out" cannot be acted on:

- the PostgreSQL sessions of the test database (a lock wait shows here even
  when the Odoo process is stuck inside a C call and cannot run Python);
- the processes of the run (Odoo and whatever it started: Chromium, Dovecot);
- the Python stack of every Odoo thread, which the Odoo process writes to its
  log on SIGQUIT (Odoo's handler) or SIGABRT (faulthandler).
"""

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

_PG_ACTIVITY = (
    "SELECT a.pid, a.state, a.wait_event_type || ':' || a.wait_event AS waiting_on, "
    "now() - a.query_start AS for, pg_blocking_pids(a.pid) AS blocked_by, left(a.query, 300) AS query "
    "FROM pg_stat_activity a WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() "
    "ORDER BY a.pid"
)


@dataclass
class Outcome:
    returncode: int
    #: Why the run was stopped (empty when it ended by itself).
    hang: str = ""
    diagnosis: str = ""
    #: The log's size when the hang was noticed: what follows is the watchdog's doing.
    log_end: int = None


def wait_for(process, log_path, *, timeout, stall_timeout, psql_command, psql_env, poll=1.0):
    """Wait for *process*; stop it when it hangs, after collecting what it was doing."""
    started = last_change = time.monotonic()
    last_size = -1
    while process.poll() is None:
        now, size = time.monotonic(), _size(log_path)
        if size != last_size:
            last_size, last_change = size, now
        hang = ""
        if now - started > timeout:
            hang = f"the Odoo run did not finish within {timeout}s"
        elif now - last_change > stall_timeout:
            hang = f"the Odoo run wrote nothing to its log for {stall_timeout}s"
        if hang:
            return _stop(process, hang, log_path, psql_command, psql_env)
        time.sleep(poll)
    return Outcome(process.returncode)


def _size(path):
    try:
        return Path(path).stat().st_size
    except FileNotFoundError:
        return 0


def _stop(process, hang, log_path, psql_command, psql_env):
    log_end = _size(log_path)
    sections = [
        ("PostgreSQL sessions of the test database", _run([*psql_command, "-c", _PG_ACTIVITY], env=psql_env)),
        ("processes of the run", _run(["ps", "-s", str(process.pid), "-o", "pid,ppid,stat,etime,args", "--forest"])),
        ("Python stacks of the Odoo process", _python_stacks(process, log_path)),
    ]
    _kill_session(process)
    diagnosis = "\n".join(f"--- {title}\n{text.rstrip()}" for title, text in sections)
    return Outcome(-1, hang, diagnosis, log_end)


def _python_stacks(process, log_path):
    """Every Odoo thread's stack, written to the log by the Odoo process itself."""
    start = _size(log_path)
    # Odoo's own handler: readable stacks, but only if its main thread gets to run Python.
    process.send_signal(signal.SIGQUIT)
    if not _grows(log_path, start) and process.poll() is None:
        # faulthandler (PYTHONFAULTHANDLER=1, set by the runner) answers from C, even
        # while every thread waits inside a call such as a PostgreSQL query.
        process.send_signal(signal.SIGABRT)
        _grows(log_path, start)
    with Path(log_path).open("rb") as log:
        log.seek(start)
        return log.read()[-20000:].decode(errors="replace") or "(the Odoo process wrote no stacks)"


def _grows(log_path, size, within=5.0, settle=0.5):
    """Whether the log grows past *size*, waiting until it settles, for *within* seconds at most
    (a run that logs without end must not hold the watchdog)."""
    deadline = time.monotonic() + within
    grew = False
    while time.monotonic() < deadline:
        time.sleep(settle)
        now = _size(log_path)
        if grew and now == size:
            break
        grew, size = grew or now != size, now
    return grew


def _run(command, timeout=60, env=None):
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{command[0]}: {exc}"
    return done.stdout + done.stderr


def _kill_session(process):
    """Odoo and everything it started (it runs in a session of its own)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
