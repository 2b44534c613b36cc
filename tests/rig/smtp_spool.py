"""What the rig's SMTP server received, on disk: readable from any process, stdlib only.

Each message is two files in the spool directory (``IMAP_TEST_SMTP_SPOOL``):

* ``00001.eml``: the bytes exactly as the client sent them (after SMTP dot-unstuffing),
* ``00001.json``: its envelope, written after the .eml (so a listed .json means a complete message):
  ``{"mail_from", "rcpt_tos", "login", "listener", "delivered_to", "received_at"}``.

An Odoo test reads it with ``read_spool(os.environ["IMAP_TEST_SMTP_SPOOL"])`` after putting
``IMAP_TEST_RIG_DIR`` on ``sys.path`` (``from rig.smtp_spool import read_spool``).
"""

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class ReceivedMail:
    number: int
    mail_from: str
    rcpt_tos: tuple
    raw: bytes
    #: The SMTP login the client authenticated with.
    login: str
    #: Which listener took it: "starttls", "ssl", "plain" or "untrusted-…".
    listener: str
    #: The Dovecot users whose INBOX got a copy.
    delivered_to: tuple = ()
    received_at: str = ""


class Spool:
    def __init__(self, directory):
        self.directory = Path(directory)

    def write(self, mail):
        stem = f"{mail.number:05d}"
        message_file = self.directory / f"{stem}.eml"
        message_file.write_bytes(mail.raw)
        os.chmod(message_file, 0o644)
        envelope = {key: value for key, value in asdict(mail).items() if key not in ("raw", "number")}
        temporary = self.directory / f".{stem}.json"
        temporary.write_text(json.dumps(envelope, indent=1))
        os.chmod(temporary, 0o644)
        temporary.rename(self.directory / f"{stem}.json")


def read_spool(directory):
    """Every message received so far, oldest first."""
    mails = []
    for envelope_file in sorted(Path(directory).glob("[0-9]*.json")):
        envelope = json.loads(envelope_file.read_text())
        mails.append(
            ReceivedMail(
                number=int(envelope_file.stem),
                mail_from=envelope["mail_from"],
                rcpt_tos=tuple(envelope["rcpt_tos"]),
                raw=envelope_file.with_suffix(".eml").read_bytes(),
                login=envelope["login"],
                listener=envelope["listener"],
                delivered_to=tuple(envelope["delivered_to"]),
                received_at=envelope["received_at"],
            )
        )
    return mails
