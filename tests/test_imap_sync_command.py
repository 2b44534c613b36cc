"""``odoo-bin imap-sync``: a real Odoo command on a real database, against the real Dovecot."""

import pytest
from odoo_commands import create_mailboxes, filled_users


@pytest.fixture(scope="module")
def mailboxes(command_database, dovecot):
    """Two mailboxes with mail, and one whose password is wrong; synced only by hand (interval 0)."""
    good = filled_users(dovecot, 2, messages=3)
    login, _password = dovecot.add_user()
    ids = create_mailboxes(command_database, dovecot, [*good, (login, "wrong password")], sync_interval_minutes=0)
    return ids


def imap_sync(database, *args):
    return database.command("imap-sync", *args)


def test_it_syncs_the_mailboxes_given_prints_each_and_a_summary_and_exits_0(command_database, mailboxes):
    first, second, _wrong = mailboxes
    done = imap_sync(command_database, "--mailbox", str(first), "--mailbox", str(second))
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("[1/2] Mailbox t") and f"(id {first}): 3 new, 0 known, 0 failed" in lines[0]
    assert f"(id {second}): 3 new" in lines[1]
    assert lines[-1] == (
        "sync: 2 mailboxes, 2 done, 0 failed, 0 skipped (already running); 6 new messages, 0 failed messages."
    )
    assert command_database.sql(f"SELECT count(*) FROM imap_message WHERE mailbox_id IN ({first}, {second})") == ["6"]
    again = imap_sync(command_database, "--mailbox", str(first))
    assert again.returncode == 0 and "0 new, 0 known" in again.stdout, "committed: nothing twice"


def test_a_refused_login_fails_the_command_and_says_why(command_database, mailboxes):
    done = imap_sync(command_database)  # every active mailbox
    assert done.returncode == 1
    wrong = next(line for line in done.stdout.splitlines() if f"(id {mailboxes[2]})" in line)
    assert "FAILED (auth)" in wrong and "refused the login or password" in wrong
    assert "3 mailboxes, 2 done, 1 failed" in done.stdout.splitlines()[-1]


def test_recovery_runs_with_recover(command_database, mailboxes):
    done = imap_sync(command_database, "--recover", "--mailbox", str(mailboxes[0]))
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert done.stdout.splitlines()[-1].startswith("recovery: 1 mailboxes, 1 done, 0 failed")


@pytest.mark.parametrize(
    "args, said",
    [
        (["--mailbox", "999999"], "No mailbox with id 999999."),
        (["--mailbox", "first"], "invalid integer value: 'first'"),
    ],
)
def test_bad_arguments_exit_2(command_database, mailboxes, args, said):
    done = imap_sync(command_database, *args)
    assert done.returncode == 2
    assert said in done.stdout + done.stderr
