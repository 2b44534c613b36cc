"""The IDLE worker (``odoo-bin imap-idle``): mailboxes watched live, synced as soon as their server speaks.

One thread per watched folder (engine/idle.py, small stacks: they only wait on a socket),
a few sync threads, and the main thread scanning the mailbox table. A scan (every
:attr:`WorkerOptions.scan_interval` seconds) compares what should be watched with what
is: mailboxes added or brought back get a watch, those archived, deleted or whose login
is known refused lose it, and those whose connection settings or synced folders changed
are watched anew. A mailbox is watched by the worker that holds its lease
(services/idle_leases.py); one another worker holds is skipped, and taken at a later
scan when that worker is gone.

A change announced on a watched folder queues a sync of that folder alone (no LIST, no
other folder: those are the schedule's): the same MailboxSync as the cron, on a cursor of
its own, committing per batch, under the same run lock, so a mailbox is never synced twice
at once, whoever else runs it. Changes announced while a sync is queued or running add
their folder to the next one.
"""

import logging
import queue
import threading
import time
from dataclasses import dataclass, field

from odoo import SUPERUSER_ID, api
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ..engine import states
from ..engine.idle import FolderWatch, IdleTiming
from ..engine.transport import ConnectionSettings
from . import idle_leases
from .mailbox_run import synced_folders
from .mailbox_sync import LIST_WHEN_DUE, MailboxSync
from .secret_box import SecretKeyError

_logger = logging.getLogger(__name__)

#: Stack of a watch thread: it only waits on a socket and parses short answers (the default is 8 MB
#: of address space per thread).
WATCH_STACK_BYTES = 512 * 1024
#: Seconds before a sync skipped because another run held the mailbox (the cron, Sync now) is tried again.
RETRY_SKIPPED = 2.0
#: Seconds one sync of the worker may take before handing the rest of the mailbox to a later one
#: (a long first import must not keep new mail of other mailboxes waiting).
SYNC_BUDGET = 60

# What a worker's sync asks for next.
SYNC_DONE = "done"
SYNC_AGAIN = "again"
SYNC_LATER = "later"


@dataclass(frozen=True)
class WorkerOptions:
    #: Seconds between scans of the mailbox table (what is noticed "within a minute").
    scan_interval: float = 30.0
    #: Folders watched per mailbox: the INBOX first, then other synced folders (one connection each).
    folders_per_mailbox: int = 2
    sync_threads: int = 2
    timing: IdleTiming = field(default_factory=IdleTiming)


@dataclass(frozen=True)
class WatchSpec:
    """What a mailbox's watch depends on: any difference means watching it anew."""

    settings: ConnectionSettings
    folders: tuple


@dataclass
class Watch:
    spec: WatchSpec
    folders: list = field(default_factory=list)


def watched_folder_names(mailbox, limit):
    """The INBOX first (it exists before any sync listed it), then folders of the user's own before
    the role folders (Sent, Trash...), where new mail rarely arrives from elsewhere."""
    names = sorted(synced_folders(mailbox), key=lambda f: (f.name.upper() != "INBOX", bool(f.role), f.name))
    names = [f.name for f in names]
    if not any(name.upper() == "INBOX" for name in names):
        names.insert(0, "INBOX")
    return tuple(names[: max(limit, 1)])


class IdleWorker:
    def __init__(self, registry, options=WorkerOptions()):
        self.registry = registry
        self.options = options
        self.watches = {}
        self._queue = queue.Queue()
        self._lock = threading.Lock()
        #: Mailboxes queued and not started yet / syncing now / changed again while syncing.
        self._pending, self._running, self._dirty = set(), set(), set()
        #: ``{mailbox id: folder names}`` the next sync of the mailbox takes (None: the whole mailbox).
        self._folders = {}
        self._stopped = threading.Event()
        self._lease_cr = None

    # -- life cycle ---------------------------------------------------------------

    def run(self, stop):
        """Scan and watch until *stop* (a threading.Event) is set; then end every watch and lease."""
        self._lease_cr = self.registry.cursor()
        sync_threads = [
            threading.Thread(target=self._sync_loop, name=f"imap-idle-sync-{n}", daemon=True)
            for n in range(self.options.sync_threads)
        ]
        for thread in sync_threads:
            thread.start()
        # Only the watch threads, created from here on, get the small stack.
        threading.stack_size(WATCH_STACK_BYTES)
        _logger.info(
            "IMAP IDLE worker started (scan every %ss, %s folders per mailbox, %s sync threads)",
            self.options.scan_interval,
            self.options.folders_per_mailbox,
            self.options.sync_threads,
        )
        try:
            while not stop.is_set():
                self.scan()
                stop.wait(self.options.scan_interval)
        finally:
            self._stopped.set()
            for mailbox_id in list(self.watches):
                self._drop(mailbox_id)
            self._lease_cr.commit()  # pylint: disable=invalid-commit
            self._lease_cr.close()
            for _thread in sync_threads:
                self._queue.put(None)
            for thread in sync_threads:
                thread.join(timeout=SYNC_BUDGET)
            _logger.info("IMAP IDLE worker stopped")

    # -- scanning -------------------------------------------------------------------

    def scan(self):
        cr = self._lease_cr
        try:
            wanted = self._wanted(api.Environment(cr, SUPERUSER_ID, {}))
            for mailbox_id, watch in list(self.watches.items()):
                spec = wanted.get(mailbox_id)
                if spec is None:
                    self._drop(mailbox_id)
                elif spec != watch.spec:
                    # Watched anew with the new settings or folders; the lease is kept all along.
                    self._stop_watch(mailbox_id)
                    self._start(mailbox_id, spec)
            for mailbox_id, spec in wanted.items():
                if mailbox_id not in self.watches and idle_leases.try_lease(cr, mailbox_id):
                    self._start(mailbox_id, spec)
        finally:
            # Ends the scan's transaction (the worker's own cursor, as a cron commits its own); the leases
            # are session locks and stay.
            cr.commit()  # pylint: disable=invalid-commit

    def _wanted(self, env):
        """``{mailbox id: WatchSpec}`` of every mailbox that should be watched (by some worker)."""
        wanted = {}
        for mailbox in env["imap.mailbox"].search([("state", "!=", states.MAILBOX_AUTH_FAILED)]):
            try:
                settings = mailbox._connection_settings()
            except (SecretKeyError, ValueError) as error:
                # The scheduled sync reports it on the mailbox; watching it would fail the same way.
                _logger.info("IMAP IDLE: mailbox %s (id %s) not watched: %s", mailbox.name, mailbox.id, error)
                continue
            wanted[mailbox.id] = WatchSpec(settings, watched_folder_names(mailbox, self.options.folders_per_mailbox))
        env.invalidate_all()
        return wanted

    def _start(self, mailbox_id, spec):
        watch = self.watches[mailbox_id] = Watch(spec)
        for folder in spec.folders:
            folder_watch = FolderWatch(
                spec.settings,
                folder,
                timing=self.options.timing,
                on_change=lambda mailbox_id=mailbox_id, folder=folder: self.request_sync(mailbox_id, folder),
                on_refused=lambda error, mailbox_id=mailbox_id: self._refused(mailbox_id, error),
            )
            watch.folders.append(folder_watch)
            threading.Thread(target=folder_watch.run, name=f"imap-idle-{mailbox_id}-{folder}", daemon=True).start()
        _logger.info("IMAP IDLE: watching mailbox %s (%s)", mailbox_id, ", ".join(spec.folders))

    def _stop_watch(self, mailbox_id):
        for folder_watch in self.watches.pop(mailbox_id).folders:
            folder_watch.stop()

    def _drop(self, mailbox_id):
        self._stop_watch(mailbox_id)
        idle_leases.release(self._lease_cr, mailbox_id)
        _logger.info("IMAP IDLE: mailbox %s not watched any more", mailbox_id)

    def _refused(self, mailbox_id, error):
        """The login was refused: this folder's watch has ended; a sync records it on the mailbox (and
        notifies once) through the run's failure path, and the next scan drops the mailbox."""
        _logger.info("IMAP IDLE: mailbox %s refused the login (%s)", mailbox_id, error)
        self.request_sync(mailbox_id)

    # -- syncing --------------------------------------------------------------------

    def request_sync(self, mailbox_id, folder=None):
        """Queue a sync of *folder* (None: of the whole mailbox), unless one of the mailbox is queued
        already (it takes this folder too)."""
        self._request(mailbox_id, None if folder is None else frozenset([folder]))

    def _request(self, mailbox_id, folders):
        with self._lock:
            queued = self._folders.get(mailbox_id, frozenset())
            self._folders[mailbox_id] = None if queued is None or folders is None else queued | folders
            if mailbox_id in self._running:
                self._dirty.add(mailbox_id)
            elif mailbox_id not in self._pending:
                self._pending.add(mailbox_id)
                self._queue.put(mailbox_id)

    def _sync_loop(self):
        while (mailbox_id := self._queue.get()) is not None:
            with self._lock:
                self._pending.discard(mailbox_id)
                self._running.add(mailbox_id)
                folders = self._folders.pop(mailbox_id, None)
            after = SYNC_DONE
            try:
                after = self._sync(mailbox_id, folders)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as error:
                # Someone wrote the mailbox (its form, an archive) while it synced: what the run committed
                # stays, the rest is rolled back with the cursor, and the sync is simply done again.
                _logger.warning(
                    "IMAP IDLE: the sync of mailbox %s met a concurrent update (%s); again",
                    mailbox_id,
                    type(error).__name__,
                )
                after = SYNC_LATER
            except Exception:  # a database failure must not end the thread: logged, the next change retries
                _logger.exception("IMAP IDLE: the sync of mailbox %s failed", mailbox_id)
            finally:
                with self._lock:
                    self._running.discard(mailbox_id)
                    again = mailbox_id in self._dirty
                    self._dirty.discard(mailbox_id)
            if after == SYNC_LATER:
                self._later(mailbox_id, folders)
            elif after == SYNC_AGAIN:
                self._request(mailbox_id, folders)
            elif again:
                # Changes announced during the run: their folders are queued already.
                self._request(mailbox_id, frozenset())

    def _sync(self, mailbox_id, folders=None):
        """Sync *folders* (None: the whole mailbox) like the cron; returns what to do next (SYNC_*)."""
        if self._stopped.is_set():
            return SYNC_DONE
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            mailbox = env["imap.mailbox"].browse(mailbox_id).exists()
            if not mailbox.active or mailbox.state == states.MAILBOX_AUTH_FAILED:
                return SYNC_DONE
            report = MailboxSync(
                mailbox,
                commit=cr.commit,
                deadline=time.monotonic() + SYNC_BUDGET,
                listing=LIST_WHEN_DUE,
                folder_names=folders,
            ).run()
        if report.busy:
            return SYNC_LATER
        return SYNC_AGAIN if report.interrupted else SYNC_DONE

    def _later(self, mailbox_id, folders):
        timer = threading.Timer(RETRY_SKIPPED, self._request, [mailbox_id, folders])
        timer.daemon = True
        timer.start()
