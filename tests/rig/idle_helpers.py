"""What the IDLE worker's tests share: mailboxes made through XML-RPC, what Odoo holds, a message to append."""

import uuid
from email.message import EmailMessage
from email.utils import formatdate

from .odoo_database import wait_until

#: Short timings, so that a test sees a rescan, a renewed IDLE and a reconnection within seconds.
FAST = ("--scan-interval=1", "--idle-renew=3", "--backoff-max=1")
#: Seconds a test waits for what the worker should do at once (the machine may be busy).
PROMPT = 30


def make_mailbox(odoo, dovecot, login, password, **values):
    return odoo.call(
        "imap.mailbox",
        "create",
        [
            {
                "name": f"Mailbox {login}",
                "host": dovecot.host,
                "port": dovecot.port,
                "security": "none",
                "login": login,
                "password": password,
                "timeout": 5,
                **values,
            }
        ],
    )[0]


def read(odoo, mailbox_id, *names):
    return odoo.call("imap.mailbox", "read", [mailbox_id], list(names))[0]


def message_count(odoo, mailbox_id):
    return odoo.call("imap.message", "search_count", [("mailbox_id", "=", mailbox_id)])


def wait_watched(odoo, mailbox_id, watched=True, timeout=PROMPT):
    wait_until(
        lambda: read(odoo, mailbox_id, "idle_watched")["idle_watched"] == watched,
        timeout,
        interval=0.3,
        what=f"mailbox {mailbox_id} {'watched' if watched else 'not watched'}",
    )


def wait_count(odoo, mailbox_id, count, timeout=PROMPT):
    wait_until(
        lambda: message_count(odoo, mailbox_id) >= count,
        timeout,
        interval=0.2,
        what=f"{count} messages in mailbox {mailbox_id}",
    )
    assert message_count(odoo, mailbox_id) == count


def lease_holders(odoo):
    """``{mailbox id: backend pid}`` of the IDLE workers' leases."""
    # pg_locks is the whole cluster's: other databases' workers hold leases on their own mailbox ids.
    rows = odoo.sql(
        "SELECT objid, pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND classid = 1229212741 AND objsubid = 2 "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    return {int(objid): int(pid) for objid, pid in rows}


def message(subject):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "Ann <ann@example.com>", "me@rig.test", subject
    mail["Date"], mail["Message-ID"] = formatdate(localtime=True), f"<{uuid.uuid4().hex}@idle.test>"
    mail.set_content(f"{subject}\n")
    return mail.as_bytes()


def new_mail(mailbox, subject, folder="INBOX"):
    mailbox.append(folder, [message(subject)])
