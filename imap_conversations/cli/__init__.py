from . import imap_idle
from . import imap_sync
