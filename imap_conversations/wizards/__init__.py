from . import base_partner_merge_automatic_wizard
from . import imap_compose
from . import imap_conversation_link_wizard
from . import imap_template_preview
