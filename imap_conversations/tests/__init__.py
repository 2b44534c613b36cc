from . import (
    test_access,
    test_connection,
    test_folder_fetch,
    test_mailbox_form,
    test_reading_links,
    test_reading_list,
    test_reading_partner,
    test_reading_thread,
    test_reading_unread,
    test_sync_correctness,
    test_sync_import,
    test_sync_volume,
    test_templates,
    test_threading,
)
from . import test_credential_failures
from . import test_failed_messages
from . import test_recovery
from . import test_sync_log
from . import test_login_warning
from . import test_sending
from . import test_composer
from . import test_reply_tour
from . import test_user_actions
from . import test_scheduling
from . import test_destinations
from . import test_stalls
from . import test_oauth_provider
from . import test_access_company
from . import test_access_shared
from . import test_access_http
from . import test_composer_drafts
from . import test_sending_guarantees
from . import test_reading_links_restricted
from . import test_long_subjects
from . import test_credential_encryption
from . import test_large_messages
from . import test_reading_hostile_bodies
from . import test_reading_remote_content
from . import test_reading_rendering_cache
from . import test_reading_quotes
from . import test_views_labels
from . import test_mobile_tour
from . import test_attachment_types
from . import test_remote_content_tour
from . import test_sync_horizon
from . import test_folder_vanished
from . import test_imapclient_version
from . import test_access_moves
from . import test_private_apis
from . import test_routing_rules
from . import test_routing_once
from . import test_routing_automation
from . import test_conversation_work
from . import test_conversation_work_answers
from . import test_work_tour
from . import test_oauth_connect
from . import test_oauth_connect_states
from . import test_oauth_connect_admin
from . import test_oauth_connect_browser
from . import test_oauth_tokens
from . import test_oauth_tokens_connection
from . import test_oauth_tokens_concurrency
from . import test_oauth_app_only
from . import test_chatter_flow
from . import test_templates_placeholders
from . import test_templates_composer
from . import test_scheduling_due
from . import test_finding
from . import test_finding_contacts
from . import test_finding_settings
from . import test_finding_thread
from . import test_finding_mailbox
from . import test_redteam_new
from . import test_api_mailboxes
from . import test_api_messages
from . import test_api_templates
from . import test_older_mail
from . import test_older_mail_access
from . import test_older_mail_tour
from . import test_bulk_tables
from . import test_webhooks
from . import test_webhooks_access
from . import test_webhooks_routing
from . import test_finding_participants
from . import test_access_bookkeeping
from . import test_access_followers
from . import test_own_mailbox_chatter
from . import test_routing_go_live
from . import test_composer_new_recipients
from . import test_sync_listing
from . import test_idle_queue
from . import test_redteam_api
from . import test_redteam_older_mail
