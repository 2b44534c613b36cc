from . import (
    imap_conversation,
    imap_conversation_key,
    imap_folder,
    imap_mailbox,
    imap_mailbox_credential,
    imap_message,
    imap_message_location,
    imap_template,
)
from . import imap_sync_log
from . import res_config_settings
