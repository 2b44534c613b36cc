"""What the tests that drive Odoo's commands share: mailboxes made in a committed database."""

from email.message import EmailMessage
from email.utils import make_msgid

from rig.imap_helpers import MailboxFixture

CREATE_MAILBOXES = """
import json
ids = []
for login, password in {users!r}:
    mailbox = env["imap.mailbox"].create({{
        "name": f"Mailbox {{login}}", "host": {host!r}, "port": {port}, "security": "none", "login": login,
        "password": password, "user_id": False, "timeout": 10, **{values!r},
    }})
    mailbox.action_fetch_folders()
    ids.append(mailbox.id)
env.cr.commit()
print(json.dumps(ids))
"""


def mail(subject):
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "Alice <alice@example.com>"
    message["To"] = "bob@example.com"
    message["Message-ID"] = make_msgid(domain="example.com")
    message.set_content(f"Body of {subject}")
    return message.as_bytes()


def filled_users(dovecot, count, messages):
    """*count* new Dovecot users with *messages* mails each in their INBOX: [(login, password)]."""
    users = [dovecot.add_user() for _n in range(count)]
    for login, password in users:
        MailboxFixture(dovecot, login, password).append("INBOX", [mail(f"{login} {n}") for n in range(messages)])
    return users


def create_mailboxes(database, dovecot, users, **values):
    """Shared mailboxes (no owner, so no destination policy) for *users*, folders fetched; their ids."""
    return database.shell(CREATE_MAILBOXES.format(users=users, host=dovecot.host, port=dovecot.port, values=values))
