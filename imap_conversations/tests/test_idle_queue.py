"""The IDLE worker's queue: a change announced in a folder syncs that folder, and only once at a time."""

from odoo.tests import TransactionCase, tagged

from ..services.idle_worker import SYNC_DONE, IdleWorker


class RecordingWorker(IdleWorker):
    """A worker whose syncs only note what they were asked to sync (no thread, no server)."""

    def __init__(self, syncs, during_first_sync=()):
        super().__init__(registry=None)
        self.synced = []
        #: How many syncs the test expects: the loop ends after the last one.
        self.syncs = syncs
        self.during_first_sync = during_first_sync

    def _sync(self, mailbox_id, folders=None):
        self.synced.append((mailbox_id, folders))
        if len(self.synced) == 1:
            for folder in self.during_first_sync:
                self.request_sync(mailbox_id, folder)
        if len(self.synced) == self.syncs:
            self._queue.put(None)  # ends the loop once what is queued now is done
        return SYNC_DONE


@tagged("post_install", "-at_install")
class TestIdleQueue(TransactionCase):
    def test_changes_announced_before_a_sync_starts_are_one_sync_of_their_folders(self):
        worker = RecordingWorker(syncs=2)
        worker.request_sync(7, "INBOX")
        worker.request_sync(8, "INBOX")
        worker.request_sync(7, "Projects")
        worker._sync_loop()
        self.assertEqual(worker.synced, [(7, {"INBOX", "Projects"}), (8, {"INBOX"})])

    def test_a_whole_mailbox_request_takes_every_folder(self):
        worker = RecordingWorker(syncs=1)
        worker.request_sync(7, "INBOX")
        worker.request_sync(7)
        worker.request_sync(7, "Projects")
        worker._sync_loop()
        self.assertEqual(worker.synced, [(7, None)])

    def test_a_change_announced_during_a_sync_is_synced_after_it(self):
        worker = RecordingWorker(syncs=2, during_first_sync=["Projects"])
        worker.request_sync(7, "INBOX")
        worker._sync_loop()
        self.assertEqual(worker.synced, [(7, {"INBOX"}), (7, {"Projects"})])
