"""Parallel scheduled sync: two lanes (two real Odoo processes, as two cron workers) on one database."""

import json

from odoo_commands import create_mailboxes, filled_users

MAILBOXES, MESSAGES = 10, 20

LANE = """
import json, pathlib, time
from odoo.addons.imap_conversations.services import scheduler
barrier = pathlib.Path({barrier!r})
(barrier / "{name}").touch()
deadline = time.monotonic() + 300
while len(list(barrier.iterdir())) < 2 and time.monotonic() < deadline:
    time.sleep(0.02)  # both lanes start together
print(json.dumps({{"processed": scheduler.run_sync_lane(env)}}))
"""


def test_two_lanes_claim_different_mailboxes_and_import_everything_exactly_once(command_database, dovecot, tmp_path):
    users = filled_users(dovecot, MAILBOXES, messages=MESSAGES)
    ids = create_mailboxes(command_database, dovecot, users)
    in_ids = ",".join(map(str, ids))
    # Only these mailboxes are due (others of the database are synced only by hand).
    assert command_database.sql(
        f"SELECT count(*) FROM imap_mailbox WHERE sync_due_date <= now() at time zone 'UTC' AND id NOT IN ({in_ids})"
    ) == ["0"]
    lanes = [command_database.shell_process(LANE.format(barrier=str(tmp_path), name=name)) for name in ("a", "b")]
    processed = []
    for lane in lanes:
        out, err = lane.communicate(timeout=600)
        assert lane.returncode == 0, err[-4000:]
        processed.append(json.loads(out.strip().splitlines()[-1])["processed"])
    assert sum(processed) == MAILBOXES, f"each mailbox taken by one lane only: {processed}"
    assert min(processed) >= 1, f"both lanes worked: {processed}"
    runs = command_database.sql(
        f"SELECT mailbox_id, count(*) FROM imap_sync_log WHERE kind = 'sync' "
        f"AND mailbox_id IN ({in_ids}) GROUP BY mailbox_id"
    )
    assert sorted(runs) == sorted(f"{i}|1" for i in ids), "one run per mailbox"
    imported = command_database.sql(
        f"SELECT mailbox_id, count(*), count(DISTINCT message_id) FROM imap_message "
        f"WHERE mailbox_id IN ({in_ids}) GROUP BY mailbox_id"
    )
    assert sorted(imported) == sorted(f"{i}|{MESSAGES}|{MESSAGES}" for i in ids), "every message exactly once"
    assert command_database.sql(
        f"SELECT count(*) FROM imap_mailbox WHERE id IN ({in_ids}) AND sync_due_date > now() at time zone 'UTC'"
    ) == [str(MAILBOXES)], "next turns set"
