"""Storing raw messages in a Dovecot folder, for tests on either side of the rig.

Free of package-relative imports: the engine tier imports it as ``rig.mail_append``;
the Odoo tests load it from ``IMAP_TEST_RIG_DIR`` (imap_conversations/tests/common.py).
"""

MULTIAPPEND_BATCH = 100


def append_messages(client, folder, messages, flags=(), msg_time=None):
    """Store *messages* in *folder* (created when missing), 100 per MULTIAPPEND.

    *client* is a logged-in imapclient; *msg_time* sets the INTERNALDATE (what IMAP's SINCE looks at).
    """
    if not client.folder_exists(folder):
        client.create_folder(folder)
    messages = list(messages)
    for start in range(0, len(messages), MULTIAPPEND_BATCH):
        client.multiappend(
            folder,
            [
                {"msg": m, "flags": flags, **({"date": msg_time} if msg_time else {})}
                for m in messages[start : start + MULTIAPPEND_BATCH]
            ],
        )
