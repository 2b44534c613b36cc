"""Watching one folder with IMAP IDLE (RFC 2177): the pure side of the IDLE worker.

A :class:`FolderWatch` holds one connection on one folder and calls its *on_change*
whenever the server announces that something happened there (new mail, an expunge,
a flag change), and once after every (re)connection, since whatever happened while
nobody watched was announced to nobody. It never syncs anything itself: the caller
decides what a change means (services/idle_worker.py syncs the mailbox).

Errors decide what the watch does, by their class: a refused login ends it (the
caller reports it once, through the run's failure path); a server without IDLE ends
it (the scheduled sync keeps the mailbox, as without any worker); anything transient
(network, TLS, throttling, a server restart) is retried with exponential backoff.
"""

import logging
import threading
import time
from dataclasses import dataclass

from .errors import AuthenticationError, FolderNotFoundError, ImapError
from .transport import open_session

_logger = logging.getLogger(__name__)

#: What the server says in IDLE when a folder changed (VANISHED: QRESYNC's expunge).
CHANGE_WORDS = frozenset({"EXISTS", "EXPUNGE", "FETCH", "VANISHED"})

# Why a watch ended (FolderWatch.ended).
ENDED_STOPPED = "stopped"
ENDED_REFUSED = "refused"
ENDED_NO_IDLE = "no_idle"
ENDED_FOLDER_MISSING = "folder_missing"


@dataclass(frozen=True)
class IdleTiming:
    #: Seconds before IDLE is re-issued: RFC 2177 lets a server drop an IDLE after 30 minutes.
    renew: float = 25 * 60
    #: Seconds of the first wait after a failure; doubled at each failure in a row, up to *backoff_max*.
    backoff_min: float = 1.0
    backoff_max: float = 300.0


def is_change(words):
    return any(word in CHANGE_WORDS for word in words)


class FolderWatch:
    """One IDLE connection on *folder*; :meth:`run` it in a thread of its own, :meth:`stop` it from any.

    *connect*: returns a logged-in engine session (``transport.open_session`` with the mailbox's
    settings by default). *on_change()*: called from this watch's thread; must not block long.
    *on_refused(error)*: the server refused the login; the watch has ended.
    """

    def __init__(self, settings, folder, on_change, on_refused, *, timing=IdleTiming(), connect=open_session):
        self.settings = settings
        self.folder = folder
        self.on_change = on_change
        self.on_refused = on_refused
        self.timing = timing
        self._connect = connect
        self._stopped = threading.Event()
        self._session = None
        #: Why :meth:`run` returned (one of ENDED_*), None while it runs.
        self.ended = None
        #: Connections made so far (the first one included): what tests and the log look at.
        self.connections = 0

    def stop(self):
        self._stopped.set()
        session = self._session
        if session is not None:
            session.interrupt()

    def run(self):
        delay = self.timing.backoff_min
        while not self._stopped.is_set():
            connections = self.connections
            try:
                self._watch()
            except AuthenticationError as error:
                self.ended = ENDED_REFUSED
                self.on_refused(error)
                return
            except FolderNotFoundError as error:
                _logger.info("IMAP IDLE %s %s: folder gone, not watched (%s)", self._who(), self.folder, error)
                self.ended = ENDED_FOLDER_MISSING
                return
            except ImapError as error:
                if self._stopped.is_set():
                    break
                if self.connections > connections:
                    # The connection worked before it broke: the backoff starts over.
                    delay = self.timing.backoff_min
                _logger.info("IMAP IDLE %s %s: %s; reconnecting in %.0fs", self._who(), self.folder, error, delay)
                self._stopped.wait(delay)
                delay = min(delay * 2, self.timing.backoff_max)
            else:
                if self.ended:
                    return
        self.ended = ENDED_STOPPED

    def _who(self):
        return f"{self.settings.login}@{self.settings.host}"

    def _watch(self):
        """Connect, select, IDLE until stopped; returns normally only when stopped or without IDLE."""
        session = self._connect(self.settings)
        self._session = session
        try:
            if self._stopped.is_set():
                return
            if not session.has("IDLE"):
                _logger.info(
                    "IMAP IDLE %s: the server offers no IDLE; the scheduled sync keeps this mailbox", self._who()
                )
                self.ended = ENDED_NO_IDLE
                return
            session.select(self.folder, readonly=True)
            self.connections += 1
            self.on_change()
            while not self._stopped.is_set():
                self._idle_once(session)
        finally:
            self._session = None
            session.close()

    def _idle_once(self, session):
        """One IDLE command, ended (DONE) before the renewal time so that the server never drops it."""
        session.idle_start()
        renew_at = time.monotonic() + self.timing.renew
        while not self._stopped.is_set():
            left = renew_at - time.monotonic()
            if left <= 0:
                break
            if is_change(session.idle_wait(left)):
                self.on_change()
        if not self._stopped.is_set() and is_change(session.idle_done()):
            self.on_change()
