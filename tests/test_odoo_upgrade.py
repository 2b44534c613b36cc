"""Upgrading a database from the last release (18.0.1.0.0) in a real Odoo 18.

The hardening release changed record rules that live in a ``noupdate`` block; Odoo never
rewrites those on an upgrade, so without the migration script an upgraded database would keep
the old, leakier rules while a fresh one has the new. This installs the addons as they were at
the release commit (taken from git history), stores a mailbox the new bounds refuse, upgrades
with the code of this tree and compares the rules with those of a fresh install.

Skipped, like the Odoo tier, when no Odoo 18 is found.
"""

import shutil
import subprocess
import tempfile
import uuid

import pytest

from rig import imapclient_versions, odoo_locator, odoo_runner
from rig.dovecot import free_port

#: The last commit of release 18.0.1.0.0 (the CI landing before the hardening release).
RELEASE_COMMIT = "3b31550"

RULES_SQL = """
    SELECT d.name, r.domain_force, d.noupdate FROM ir_rule r
      JOIN ir_model_data d ON d.model = 'ir.rule' AND d.res_id = r.id AND d.module = 'imap_conversations'
     ORDER BY d.name
"""


def _odoo(install, database, addons_dir, data_dir, *args, env):
    command = install.command(
        "-d",
        database,
        *odoo_runner.db_args(install),
        f"--addons-path={install.addons_dir},{addons_dir}",
        "--without-demo=all",
        "--stop-after-init",
        "--http-interface=127.0.0.1",
        f"--http-port={free_port()}",
        f"--data-dir={data_dir}",
        "--max-cron-threads=0",
        *args,
    )
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1200, check=False)
    lines = done.stdout.splitlines() + done.stderr.splitlines()
    errors = [
        line
        for line in lines
        if (match := odoo_runner.LOG_LINE.match(line)) and match["level"] in ("ERROR", "CRITICAL")
    ]
    assert done.returncode == 0 and not errors, f"odoo {' '.join(args)} failed:\n" + "\n".join(
        errors or done.stderr.splitlines()[-40:]
    )


def _shell(install, database, addons_dir, data_dir, *, code, env):
    command = install.command(
        "shell",
        "-d",
        database,
        *odoo_runner.db_args(install),
        f"--addons-path={install.addons_dir},{addons_dir}",
        f"--data-dir={data_dir}",
        "--log-level=warn",
    )
    done = subprocess.run(command, input=code, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-4000:]


def _sql(install, database, query):
    args, env = odoo_runner.connection_args(install)
    done = subprocess.run(
        ["psql", "-X", "-At", "-F", "|", *args, "-d", database, "-c", query],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return done.stdout.splitlines()


@pytest.fixture
def odoo_install():
    try:
        install = odoo_locator.locate()
    except odoo_locator.OdooNotFound as exc:
        pytest.skip(f"Odoo upgrade test skipped: {exc}")
    odoo_runner.ensure_postgres(install)
    return install


CRON_SQL = (
    "SELECT c.interval_number, c.interval_type FROM ir_cron c JOIN ir_model_data d ON d.res_id = c.id "
    "AND d.model = 'ir.cron' WHERE d.module = 'imap_conversations' AND d.name = 'ir_cron_sync_mailboxes'"
)


def test_an_upgraded_database_has_the_rules_and_bounds_of_a_fresh_one(odoo_install, tmp_path):
    release = tmp_path / "release"
    release.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(odoo_runner.REPO), "archive", RELEASE_COMMIT, *odoo_runner.ADDONS],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(release)], input=archive, check=True)
    # The release ran only on imapclient 3.x.
    env = imapclient_versions.env_for("3")
    upgraded, fresh = (f"imapconv_upgrade_{uuid.uuid4().hex[:8]}", f"imapconv_fresh_{uuid.uuid4().hex[:8]}")
    data_dir = tempfile.mkdtemp(prefix="odoo-data-")
    modules = ",".join((*odoo_runner.ADDONS, *odoo_runner.EXTRA_MODULES))
    try:
        _odoo(odoo_install, upgraded, release, data_dir, "-i", modules, env=env)
        _shell(
            odoo_install,
            upgraded,
            release,
            data_dir,
            env=env,
            code=(
                "env['imap.mailbox'].create({'name': 'Slow', 'host': 'mail.example.com', 'login': 'u@example.com', "
                "'password': 'secret', 'timeout': 2000000000}); env.cr.commit()\n"
            ),
        )

        _odoo(odoo_install, upgraded, odoo_runner.REPO, data_dir, "-u", "imap_conversations", env=env)
        _odoo(odoo_install, fresh, odoo_runner.REPO, data_dir, "-i", modules, env=env)

        assert _sql(odoo_install, upgraded, RULES_SQL) == _sql(odoo_install, fresh, RULES_SQL)
        assert _sql(odoo_install, upgraded, "SELECT name, timeout FROM imap_mailbox") == ["Slow|120"]
        assert _sql(
            odoo_install,
            upgraded,
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'imap_mailbox_timeout_positive'",
        ) == ["CHECK (((timeout > 0) AND (timeout <= 120)))"]
        assert _sql(odoo_install, upgraded, "SELECT password FROM imap_mailbox_credential") == ["secret"]
        # 18.0.1.2.0: the sync cron runs every minute for the mailboxes that are due, and they are.
        assert _sql(odoo_install, upgraded, CRON_SQL) == _sql(odoo_install, fresh, CRON_SQL) == ["1|minutes"]
        assert _sql(
            odoo_install,
            upgraded,
            "SELECT sync_interval_minutes, sync_due_date <= now() AT TIME ZONE 'UTC' FROM imap_mailbox",
        ) == ["30|t"]
    finally:
        for database in (upgraded, fresh):
            odoo_runner.drop_database(odoo_install, database)
        shutil.rmtree(data_dir, ignore_errors=True)
