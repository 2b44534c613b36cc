{
    "name": "IMAP Conversations - CRM",
    "summary": "Conversations on leads and opportunities: smart button and tab",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "imap_conversations developers",
    "website": "https://github.com/imap-conversations/imap_conversations",
    "license": "LGPL-3",
    "maintainers": ["imap-conversations"],
    "development_status": "Beta",
    "depends": ["imap_conversations", "crm"],
    "data": [
        "views/crm_lead_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
