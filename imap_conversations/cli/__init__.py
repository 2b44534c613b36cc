from . import imap_idle
