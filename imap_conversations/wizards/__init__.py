from . import base_partner_merge_automatic_wizard
from . import imap_compose
from . import imap_conversation_link_wizard
from . import imap_template_preview
from . import imap_routing_dry_run
from . import imap_routing_dry_run_line
from . import imap_older_mail_wizard
from . import imap_older_mail_wizard_line
