from . import imap_sync
