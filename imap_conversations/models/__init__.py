from . import (
    imap_conversation,
    imap_conversation_key,
    imap_conversation_link,
    imap_conversation_mixin,
    imap_conversation_read,
    imap_folder,
    imap_mailbox,
    imap_mailbox_credential,
    imap_message,
    imap_message_location,
    res_partner,
)
