"""One folder watched with IMAP IDLE (engine/idle.py) on the real Dovecot, without Odoo.

The watch calls back on every announced change and after every (re)connection, re-issues
IDLE before its renewal time, reconnects after a dropped connection, and ends at a refused
login, saying so once.
"""

import socket
import threading
import time

from engine import errors
from engine.idle import ENDED_REFUSED, ENDED_STOPPED, FolderWatch, IdleTiming
from engine.transport import open_session
from rig.dovecot import LOCALHOST
from rig.idle_helpers import message
from rig.odoo_database import wait_until

FAST = IdleTiming(renew=1.0, backoff_min=0.2, backoff_max=0.5)


class Recorder:
    def __init__(self):
        self.changes = 0
        self.refusals = []

    def change(self):
        self.changes += 1

    def refused(self, error):
        self.refusals.append(error)


def _watch(settings, recorder, folder="INBOX"):
    watch = FolderWatch(settings, folder, recorder.change, recorder.refused, timing=FAST)
    thread = threading.Thread(target=watch.run, daemon=True)
    thread.start()
    return watch, thread


def test_new_mail_is_announced_and_idle_is_renewed(mailbox):
    recorder = Recorder()
    watch, thread = _watch(mailbox.settings(), recorder)
    try:
        # Once connected: whatever happened while nobody watched.
        wait_until(lambda: recorder.changes == 1, 10)
        time.sleep(2.5)  # past two renewals
        assert recorder.changes == 1 and watch.connections == 1, "a renewal is no change and no reconnection"
        mailbox.append("INBOX", [message("Announced")])
        wait_until(lambda: recorder.changes >= 2, 10, what="the new mail announced")
    finally:
        watch.stop()
        thread.join(10)
    assert not thread.is_alive() and watch.ended == ENDED_STOPPED


def test_a_dropped_connection_is_reconnected(mailbox, dovecot):
    recorder = Recorder()
    watch, thread = _watch(mailbox.settings(), recorder)
    try:
        wait_until(lambda: watch.connections == 1, 10)
        dovecot.doveadm("kick", mailbox.login)
        wait_until(lambda: watch.connections == 2, 10, what="a new connection")
        mailbox.append("INBOX", [message("After the kick")])
        wait_until(lambda: recorder.changes >= 3, 10, what="the new mail announced")
    finally:
        watch.stop()
        thread.join(10)
    assert not recorder.refusals


def test_a_refused_login_ends_the_watch_and_is_told_once(mailbox):
    recorder = Recorder()
    watch, thread = _watch(mailbox.settings(password="wrong"), recorder)
    thread.join(10)
    assert not thread.is_alive() and watch.ended == ENDED_REFUSED
    assert len(recorder.refusals) == 1 and isinstance(recorder.refusals[0], errors.AuthenticationError)
    assert recorder.changes == 0


def test_a_connection_closed_during_login_is_a_network_error_not_a_refusal(mailbox):
    """A server restarting while a client logs in closes the connection without an answer: the
    login was never refused, so the mailbox must not be stopped (nor its owner told) for it."""
    with socket.socket() as listener:
        listener.bind((LOCALHOST, 0))
        listener.listen(1)

        def greet_then_hang_up_at_login():
            conn, _addr = listener.accept()
            with conn, conn.makefile("rb") as lines:
                conn.sendall(b"* OK ready\r\n")
                while (line := lines.readline()) and b" LOGIN " not in line.upper():
                    tag = line.split(b" ")[0]
                    conn.sendall(b"* CAPABILITY IMAP4rev1 IDLE\r\n" + tag + b" OK done\r\n")

        server = threading.Thread(target=greet_then_hang_up_at_login, daemon=True)
        server.start()
        settings = mailbox.settings(host=LOCALHOST, port=listener.getsockname()[1])
        try:
            open_session(settings).close()
        except errors.ImapError as error:
            raised = error
        server.join(5)
    assert isinstance(raised, errors.NetworkError), f"{type(raised).__name__}: {raised}"
