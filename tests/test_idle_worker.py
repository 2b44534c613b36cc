"""The IDLE worker (``odoo-bin imap-idle``) as a real process: mail in Odoo without the cron.

Against the rig's Dovecot and a real Odoo 18 database (rig/odoo_database.py, one per session,
no cron thread anywhere): what a worker imports, it imports because the server announced it.
Skipped, like the Odoo tier, when no Odoo 18 is found.
"""

import time

from rig.idle_helpers import FAST, PROMPT, make_mailbox, message_count, new_mail, read, wait_count, wait_watched
from rig.imap_helpers import MailboxFixture
from rig.odoo_database import wait_until


def test_new_mail_is_imported_once_while_a_worker_watches(odoo_database, dovecot, mailbox):
    mailbox_id = make_mailbox(odoo_database, dovecot, mailbox.login, mailbox.password)
    new_mail(mailbox, "Before the worker")
    worker = odoo_database.worker(*FAST)
    wait_watched(odoo_database, mailbox_id)
    # What arrived before the watch began is caught up at once.
    wait_count(odoo_database, mailbox_id, 1)

    new_mail(mailbox, "While watched")
    wait_count(odoo_database, mailbox_id, 2)
    # Past several IDLE renewals (3 s here): still watched, and the next mail still comes in.
    wait_until(lambda: worker.log().count("watching mailbox") >= 1, PROMPT)
    time.sleep(7)
    new_mail(mailbox, "After renewals")
    wait_count(odoo_database, mailbox_id, 3)
    # Once: the FETCH answers of the worker's own sync and the renewals import nothing twice.
    time.sleep(2)
    assert message_count(odoo_database, mailbox_id) == 3
    assert read(odoo_database, mailbox_id, "state")["state"] == "active"
    assert worker.stop() == 0
    wait_watched(odoo_database, mailbox_id, False)
    assert not worker.error_lines()


def test_a_dovecot_restart_and_a_dropped_connection_are_survived(odoo_database, dovecot, mailbox):
    mailbox_id = make_mailbox(odoo_database, dovecot, mailbox.login, mailbox.password)
    worker = odoo_database.worker(*FAST)
    wait_watched(odoo_database, mailbox_id)
    wait_until(lambda: "watching mailbox" in worker.log(), PROMPT)

    dovecot.halt()
    dovecot.resume()
    new_mail(mailbox, "After the restart")
    wait_count(odoo_database, mailbox_id, 1)

    dovecot.doveadm("kick", mailbox.login)
    new_mail(mailbox, "After the kick")
    wait_count(odoo_database, mailbox_id, 2)
    assert "reconnecting" in worker.log()
    assert worker.stop() == 0
    assert not worker.error_lines()


def test_a_refused_login_stops_the_watch_and_notifies_once(odoo_database, dovecot):
    login, _password = dovecot.add_user()
    mailbox_id = make_mailbox(odoo_database, dovecot, login, "not the password")
    worker = odoo_database.worker(*FAST)
    wait_until(
        lambda: read(odoo_database, mailbox_id, "state")["state"] == "auth_failed",
        PROMPT,
        what="the refused login recorded",
    )
    wait_watched(odoo_database, mailbox_id, False)
    # Several scans later: no new attempt, one notification.
    time.sleep(4)
    assert worker.log().count(f"mailbox {mailbox_id} refused the login") == 1
    notes = odoo_database.call(
        "mail.message",
        "search_count",
        [("model", "=", "imap.mailbox"), ("res_id", "=", mailbox_id), ("body", "ilike", "login refused")],
    )
    assert notes == 1
    assert worker.stop() == 0
    assert not worker.error_lines()


def test_a_mailbox_added_or_archived_is_picked_up_or_dropped(odoo_database, dovecot):
    worker = odoo_database.worker(*FAST)
    wait_until(lambda: "IMAP IDLE worker started" in worker.log(), PROMPT)
    mailbox = MailboxFixture(dovecot, *dovecot.add_user())
    mailbox_id = make_mailbox(odoo_database, dovecot, mailbox.login, mailbox.password)
    wait_watched(odoo_database, mailbox_id)
    new_mail(mailbox, "To a new mailbox")
    wait_count(odoo_database, mailbox_id, 1)
    # Let the syncs of the first minute end (the watch is renewed once the first sync listed the folders):
    # archiving a mailbox while it syncs makes that sync's last write fail to serialize (it is done again,
    # but PostgreSQL's refusal is an ERROR line of Odoo's, which the test does not allow).
    time.sleep(4)

    odoo_database.call("imap.mailbox", "write", [mailbox_id], {"active": False})
    wait_watched(odoo_database, mailbox_id, False)
    new_mail(mailbox, "While archived")
    time.sleep(3)
    assert message_count(odoo_database, mailbox_id) == 1

    odoo_database.call("imap.mailbox", "write", [mailbox_id], {"active": True})
    wait_watched(odoo_database, mailbox_id)
    wait_count(odoo_database, mailbox_id, 2)
    assert worker.stop() == 0
    assert not worker.error_lines()
