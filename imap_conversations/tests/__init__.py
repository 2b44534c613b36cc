from . import (
    test_access,
    test_connection,
    test_folder_fetch,
    test_mailbox_form,
    test_sync_correctness,
    test_sync_import,
    test_sync_volume,
    test_templates,
    test_threading,
)
