"""The Odoo-tier verdict: what makes a run of the addon's tests fail."""

from pathlib import Path

from rig.odoo_runner import OdooTierResult, analyse_log, hang_report
from rig.odoo_watchdog import Outcome

PREFIX = "2026-11-22 10:00:00,000 4242"
PASSED = f"{PREFIX} INFO db odoo.tests.result: 0 failed, 0 error(s) of 12 tests when loading database 'db'"


def verdict(*lines, returncode=0, expected=12):
    result = OdooTierResult(returncode, Path("odoo.log"), 1.0, expected_tests=expected)
    analyse_log(result, list(lines))
    return result


def test_a_clean_run_passes():
    result = verdict(f"{PREFIX} INFO db odoo.modules.loading: Modules loaded.", PASSED)
    assert result.ok, result.problems
    assert result.tests == 12


def test_zero_tests_fails():
    result = verdict(
        f"{PREFIX} WARNING db odoo.tests.result: 0 failed, 0 error(s) of 0 tests when loading database 'db'", expected=0
    )
    assert not result.ok
    assert "Odoo ran 0 tests" in result.problems


def test_an_error_line_fails_even_when_every_test_passed():
    result = verdict(f"{PREFIX} ERROR db odoo.addons.base.models.ir_ui_view: invisible field", "  detail", PASSED)
    assert not result.ok
    assert "invisible field" in result.problems[0] and "detail" in result.problems[0]


def test_an_install_warning_about_the_addon_fails():
    result = verdict(f"{PREFIX} WARNING db odoo.modules.loading: The models ['imap.x'] have no access rules", PASSED)
    assert not result.ok


def test_other_warnings_pass_even_in_a_database_named_after_the_addon():
    result = verdict("2026-11-22 10:00:00,000 4242 WARNING imapconv_test_1 odoo.http: Access denied", PASSED)
    assert result.ok, result.problems


def test_the_addons_own_warnings_are_expected_behaviour():
    result = verdict(f"{PREFIX} WARNING db odoo.addons.imap_conversations.models.imap_mailbox: sync failed", PASSED)
    assert result.ok


def test_a_skipped_test_fails():
    result = verdict(
        f"{PREFIX} INFO db odoo.addons.imap_conversations.tests.test_x: skipped test_y : no chrome", PASSED
    )
    assert not result.ok


def test_fewer_tests_than_defined_fails():
    result = verdict(PASSED, expected=15)
    assert not result.ok
    assert "tests/__init__.py" in result.problems[0]


def test_no_summary_or_a_bad_exit_code_fails():
    assert not verdict(f"{PREFIX} CRITICAL db odoo.service.server: Failed to initialize database").ok
    assert not verdict(PASSED, returncode=1).ok


def test_a_hang_report_names_the_test_that_hung_and_ends_the_log_tail_there():
    lines = [
        f"{PREFIX} INFO db odoo.addons.imap_conversations.tests.test_a: Starting TestA.test_one ...",
        f"{PREFIX} INFO db odoo.addons.imap_conversations.tests.test_b: Starting TestB.test_two ...",
        f"{PREFIX} INFO db odoo.models.unlink: User #1 deleted mail.mail records",
    ]
    outcome = Outcome(-1, "the Odoo run wrote nothing to its log for 600s", "--- PostgreSQL sessions\nUPDATE ...")
    report = hang_report(outcome, lines).splitlines()
    assert report[0] == "the Odoo run wrote nothing to its log for 600s"
    assert report[1].endswith("Starting TestB.test_two ...")
    assert report[-5:] == [*lines, "--- PostgreSQL sessions", "UPDATE ..."][-5:]
