"""The addon's own Odoo tests (imap_conversations/tests), run in a real Odoo 18, once per imapclient major.

An Odoo server may have imapclient 3.x or 4.x: each run puts one of them first on the Odoo
process's PYTHONPATH (rig/imapclient_versions.py) and checks that Odoo's interpreter really
imports it. Skipped, with one clear line saying why, when no Odoo 18 can be found (see
rig/odoo_locator.py for where it is looked for).
"""

import pytest

from rig import imapclient_versions, odoo_locator, odoo_runner
from rig.dovecot import ODOO_POOLS


@pytest.mark.parametrize("major", sorted(imapclient_versions.REQUIREMENTS), ids=lambda m: f"imapclient{m}")
def test_addon_tests_pass_inside_a_real_odoo(dovecot, smtp_server, oauth_server, request, major):
    lines = request.config.__dict__.setdefault("odoo_tier_lines", [])
    try:
        install = odoo_locator.locate()
    except odoo_locator.OdooNotFound as exc:
        lines.append(f"Odoo tier SKIPPED: {exc}")
        pytest.skip(f"Odoo tier skipped: {exc}")
    # Each run draws fresh Dovecot users: the other run's mail must not be in its mailboxes.
    pool = ODOO_POOLS[sorted(imapclient_versions.REQUIREMENTS).index(major)]
    env = imapclient_versions.env_for(
        major,
        {
            **dovecot.coordinates(odoo_pool=pool),
            **smtp_server.coordinates(),
            **oauth_server.coordinates(),
            "SSL_CERT_FILE": dovecot.ca_file,
        },
    )
    version, _file = imapclient_versions.version_seen_by(install.python, env)
    assert version.split(".")[0] == major, f"Odoo's interpreter imports imapclient {version}, not {major}.x"
    log_path = odoo_runner.REPO / ".test-output" / f"odoo-tier-imapclient{major}.log"
    result = odoo_runner.run_addon_tests(install, env, log_path)
    lines.append(f"{result.summary()} [Odoo from {install.source}, imapclient {version}]")
    assert result.ok, result.report()
