"""The addon's own Odoo tests (imap_conversations/tests), run in a real Odoo 18.

Skipped, with one clear line saying why, when no Odoo 18 can be found (see
rig/odoo_locator.py for where it is looked for).
"""

import pytest

from rig import odoo_locator, odoo_runner

LOG_PATH = odoo_runner.REPO / ".test-output" / "odoo-tier.log"


def test_addon_tests_pass_inside_a_real_odoo(dovecot, smtp_server, oauth_server, request):
    try:
        install = odoo_locator.locate()
    except odoo_locator.OdooNotFound as exc:
        request.config.odoo_tier_line = f"Odoo tier SKIPPED: {exc}"
        pytest.skip(f"Odoo tier skipped: {exc}")
    env = {**dovecot.coordinates(), **smtp_server.coordinates(), **oauth_server.coordinates(),
           "SSL_CERT_FILE": dovecot.ca_file}
    result = odoo_runner.run_addon_tests(install, env, LOG_PATH)
    request.config.odoo_tier_line = f"{result.summary()} [Odoo from {install.source}]"
    assert result.ok, result.report()
