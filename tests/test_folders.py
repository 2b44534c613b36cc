"""Listing folders: roles from SPECIAL-USE, hierarchy, selectability, status."""

from engine.folders import FolderInfo, folder_role, folder_status, list_folders, plan_reconciliation
from engine.transport import open_session


def test_special_use_folders_get_their_roles(mailbox):
    with open_session(mailbox.settings()) as session:
        roles = {f.name: f.role for f in list_folders(session)}
    assert roles == {
        "INBOX": "inbox",
        "Sent": "sent",
        "Drafts": "drafts",
        "Trash": "trash",
        "Archive": "archive",
        "Junk": "junk",
    }


def test_inbox_comes_first_and_only_inbox_and_sent_sync_by_default(mailbox):
    with open_session(mailbox.settings()) as session:
        folders = list_folders(session)
    assert folders[0].name == "INBOX"
    assert {f.name for f in folders if f.sync_by_default} == {"INBOX", "Sent"}


def test_nested_folders_know_their_parent(mailbox):
    mailbox.create_folder("Clients/ACME/Orders")
    with open_session(mailbox.settings()) as session:
        by_name = {f.name: f for f in list_folders(session)}
    orders = by_name["Clients/ACME/Orders"]
    assert (orders.parent_name, orders.leaf_name, orders.delimiter) == ("Clients/ACME", "Orders", "/")
    assert by_name["Clients/ACME"].parent_name == "Clients"
    assert by_name["Clients"].parent_name is None
    assert orders.role == "other" and not orders.sync_by_default


def test_non_ascii_folder_names_are_decoded(mailbox):
    mailbox.create_folder("Счета/Überweisungen 2026")
    with open_session(mailbox.settings()) as session:
        names = {f.name for f in list_folders(session)}
    assert "Счета/Überweisungen 2026" in names


def test_a_parent_that_only_exists_through_its_child_is_not_selectable(mailbox):
    # Maildir++ has no real folder for "Projects": Dovecot lists it \Noselect/\NonExistent.
    mailbox.create_folder("Projects/Alpha")
    with open_session(mailbox.settings()) as session:
        by_name = {f.name: f for f in list_folders(session)}
    assert by_name["Projects/Alpha"].selectable
    assert not by_name["Projects"].selectable
    assert not by_name["Projects"].sync_by_default


def test_roles_come_from_names_only_when_the_server_flags_nothing():
    assert folder_role("INBOX.Sent Items", ".", (), trust_names=True) == "sent"
    assert folder_role("Deleted Messages", None, (), trust_names=True) == "trash"
    assert folder_role("Sent", "/", (), trust_names=False) == "other"
    assert folder_role("inbox", "/", (), trust_names=False) == "inbox"
    assert folder_role("[Gmail]/All Mail", "/", ("\\HasNoChildren", "\\All"), trust_names=False) == "all"


def test_gmail_all_mail_important_and_starred_are_not_synced_by_default():
    for flag in ("\\All", "\\Important", "\\Flagged"):
        folder = FolderInfo("[Gmail]/X", "/", (flag,), folder_role("[Gmail]/X", "/", (flag,), trust_names=False), True)
        assert not folder.sync_by_default


def test_status_reports_counts_watermarks_and_modseq(mailbox):
    mailbox.append("INBOX", [b"Subject: one\r\n\r\nbody\r\n", b"Subject: two\r\n\r\nbody\r\n"])
    with open_session(mailbox.settings()) as session:
        status = folder_status(session, "INBOX")
    assert status.messages == 2
    assert status.uidnext == 3
    assert status.uidvalidity > 0
    assert status.highestmodseq >= 1


def _folder(name, role="other"):
    return FolderInfo(name, "/", (), role, True)


def test_reconciliation_adds_new_folders_and_refreshes_known_ones():
    plan = plan_reconciliation({"INBOX": True}, [_folder("INBOX", "inbox"), _folder("Projects")])
    assert [f.name for f in plan.to_create] == ["Projects"]
    assert [f.name for f in plan.to_update] == ["INBOX"]
    assert plan.to_delete == () and plan.to_mark_missing == ()


def test_a_vanished_folder_is_deleted_only_when_it_holds_no_synced_mail():
    plan = plan_reconciliation({"INBOX": True, "Empty": False, "Kept": True}, [_folder("INBOX", "inbox")])
    assert plan.to_delete == ("Empty",)
    assert plan.to_mark_missing == ("Kept",)
