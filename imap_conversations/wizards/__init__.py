from . import imap_conversation_link_wizard
