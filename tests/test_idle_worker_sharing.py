"""Several IDLE workers share the mailboxes through PostgreSQL, and one that dies is replaced.

A worker watches a mailbox while it holds the mailbox's lease (an advisory lock of its own
class, services/idle_leases.py): a second worker skips it, and takes it at its next scan once
the first is gone, even killed with SIGKILL (PostgreSQL ends its locks with its connection).
"""

import time

from rig.idle_helpers import FAST, PROMPT, lease_holders, make_mailbox, message_count, new_mail, wait_count
from rig.imap_helpers import MailboxFixture
from rig.odoo_database import wait_until

MAILBOXES = 4


def _holders(odoo, ids):
    """The one backend pid holding the leases of all of *ids*, or None while that is not so."""
    held = lease_holders(odoo)
    pids = {held.get(i) for i in ids}
    return pids.pop() if len(pids) == 1 and None not in pids else None


def test_a_second_worker_skips_watched_mailboxes_and_takes_them_when_the_first_is_killed(odoo_database, dovecot):
    users = [MailboxFixture(dovecot, *dovecot.add_user()) for _n in range(MAILBOXES)]
    ids = [make_mailbox(odoo_database, dovecot, user.login, user.password) for user in users]
    first = odoo_database.worker(*FAST)
    first_pid = wait_until(lambda: _holders(odoo_database, ids), PROMPT, what="the first worker watching all")
    for user, mailbox_id in zip(users, ids, strict=True):
        new_mail(user, "One worker")
        wait_count(odoo_database, mailbox_id, 1)

    second = odoo_database.worker(*FAST)
    wait_until(lambda: "IMAP IDLE worker started" in second.log(), PROMPT)
    time.sleep(3)  # several of its scans
    assert _holders(odoo_database, ids) == first_pid
    assert "watching mailbox" not in second.log()

    first.kill()
    second_pid = wait_until(
        lambda: (pid := _holders(odoo_database, ids)) != first_pid and pid,
        PROMPT,
        what="the second worker watching all",
    )
    assert second_pid != first_pid
    for user, mailbox_id in zip(users, ids, strict=True):
        new_mail(user, "After the kill")
        wait_count(odoo_database, mailbox_id, 2)
    time.sleep(2)
    # Exactly once each: the run lock keeps a sync by the dying worker and one by its successor apart.
    assert [message_count(odoo_database, i) for i in ids] == [2] * MAILBOXES
    assert second.stop() == 0
    assert not second.error_lines()
