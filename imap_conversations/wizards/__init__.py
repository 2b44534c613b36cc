from . import imap_template_preview
