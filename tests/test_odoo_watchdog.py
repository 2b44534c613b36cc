"""The Odoo tier's watchdog: a hung run is stopped, and the report says where it hung."""

import subprocess
import sys

from rig.odoo_watchdog import wait_for

# Stands in for the Odoo process (the watchdog only sees a process and its log): it
# logs a line, then waits forever inside a named function. On SIGQUIT, Odoo logs every
# thread's stack, unless its main thread is stuck in a C call (a PostgreSQL query).
HANGING_PROGRAM = """
import faulthandler, signal, sys, time
signal.signal(signal.SIGQUIT, {on_sigquit})
print("Starting TestX.test_y ...", flush=True)
def waiting_for_a_lock_forever():
    time.sleep(3600)
waiting_for_a_lock_forever()
"""
ODOO_DUMPS_STACKS = "lambda *_: faulthandler.dump_traceback(sys.stdout)"
STUCK_IN_C = "lambda *_: None"
#: Instead of PostgreSQL's sessions (the engine tier has no PostgreSQL): echo the query.
ECHO_PSQL = ["echo", "psql"]


def start(program, log_path):
    log = log_path.open("w")
    # -X faulthandler: as PYTHONFAULTHANDLER=1, set by the runner for Odoo.
    return subprocess.Popen(
        [sys.executable, "-X", "faulthandler", "-c", program],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def watch(process, log_path, timeout=60, stall_timeout=1):
    return wait_for(
        process, log_path, timeout=timeout, stall_timeout=stall_timeout, psql_command=ECHO_PSQL, psql_env=None, poll=0.1
    )


def test_a_run_that_ends_by_itself_is_left_alone(tmp_path):
    log_path = tmp_path / "odoo.log"
    outcome = watch(start("print('done')", log_path), log_path, stall_timeout=30)
    assert (outcome.returncode, outcome.hang) == (0, "")


def test_a_silent_run_is_stopped_with_the_stacks_odoo_logs_on_sigquit(tmp_path):
    log_path = tmp_path / "odoo.log"
    process = start(HANGING_PROGRAM.format(on_sigquit=ODOO_DUMPS_STACKS), log_path)
    outcome = watch(process, log_path)
    assert outcome.returncode == -1
    assert outcome.hang == "the Odoo run wrote nothing to its log for 1s"
    assert process.poll() is not None, "the hung process was killed"
    assert "waiting_for_a_lock_forever" in outcome.diagnosis
    assert "pg_stat_activity" in outcome.diagnosis, "the PostgreSQL sessions were asked for"
    assert outcome.log_end == len("Starting TestX.test_y ...\n"), "the report's log tail stops at the hang"


def test_a_process_stuck_in_c_still_gives_its_stacks_through_faulthandler(tmp_path):
    log_path = tmp_path / "odoo.log"
    process = start(HANGING_PROGRAM.format(on_sigquit=STUCK_IN_C), log_path)
    outcome = watch(process, log_path)
    assert "waiting_for_a_lock_forever" in outcome.diagnosis
    assert process.poll() is not None


def test_a_run_that_keeps_logging_is_stopped_at_the_overall_timeout(tmp_path):
    log_path = tmp_path / "odoo.log"
    # It outlives SIGQUIT and goes on logging: the watchdog must not wait for its log to settle.
    process = start(
        "import signal, time\nsignal.signal(signal.SIGQUIT, lambda *_: None)\n"
        "while True:\n    print('busy', flush=True)\n    time.sleep(0.1)",
        log_path,
    )
    outcome = watch(process, log_path, timeout=1, stall_timeout=30)
    assert outcome.hang == "the Odoo run did not finish within 1s"
    assert process.poll() is not None
