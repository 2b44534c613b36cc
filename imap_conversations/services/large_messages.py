"""Importing on demand a message recorded as too large (see MessageImporter._record_too_large).

The sync records such a message from its headers and moves on; whoever may sync the
mailbox can then have it downloaded and imported in full. One message at a time, so
memory holds one of them, under the mailbox's run lock, so no sync stores it meanwhile.
"""

from odoo.exceptions import UserError

from ..engine import errors as imap_errors
from ..engine import states
from ..engine.folder_sync import download_message
from . import error_texts
from .mailbox_run import try_lock, unlock
from .message_importer import MessageImporter


def import_too_large(mailbox, messages):
    """Download and import *messages* (records of *mailbox*); returns (imported, gone, failed).

    *gone*: no longer where their locations say (moved or deleted on the server since):
    they stay as they are, and the next sync updates their locations.
    """
    env = mailbox.env
    if not try_lock(env.cr, mailbox.id):
        raise UserError(
            env._("Mailbox %(mailbox)s is being synced right now: try again when the sync ends.", mailbox=mailbox.name)
        )
    imported = gone = failed = 0
    try:
        with mailbox._session() as session:
            importer = MessageImporter(mailbox)
            for message in messages:
                downloaded = _download(session, message)
                if downloaded is None:
                    gone += 1
                    continue
                done, not_done = importer.retry(message, {message: downloaded})
                imported, failed = imported + done, failed + not_done
                del downloaded
    except imap_errors.ImapError as error:
        raise UserError(error_texts.describe(mailbox, error)) from error
    finally:
        unlock(env.cr, mailbox.id)
    return imported, gone, failed


def _download(session, message):
    for location in message.location_ids.filtered(lambda loc: loc.folder_id.state == states.FOLDER_PRESENT):
        try:
            downloaded = download_message(session, location.folder_id.name, location.uidvalidity, location.uid)
        except imap_errors.FolderNotFoundError:
            continue
        if downloaded is not None:
            return downloaded
    return None
