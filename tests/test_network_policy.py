"""Where a connection may go: the destination policy, decided on every address before connecting.

Administrators may connect anywhere; for everyone else a mailbox may only point at
public servers, or at what the administrator listed (host names, *.domain, addresses
and networks, optionally with a port). These are pure decisions: nothing here
connects to anything.
"""

import ipaddress
import time

import pytest

from engine import errors
from engine.network import (
    MAX_TIMEOUT,
    MIN_WAIT,
    UNRESTRICTED,
    DestinationPolicy,
    checked_addresses,
    parse_allowed_servers,
    wait_limit,
)
from engine.smtp import SmtpSettings
from engine.transport import ConnectionSettings

INTERNAL = [
    "127.0.0.1",
    "127.0.0.3",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "::1",
    "fe80::1",
    "fd00::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
]
PUBLIC = ["8.8.8.8", "2a00:1450:4001:80b::200e"]
#: Python calls these global, but each carries an IPv4 address a relay or the host itself may reach
#: (IPv4-compatible, IPv4-translated, NAT64, local-use NAT64, 6to4) or is an IETF protocol address.
TUNNELLED = ["::127.0.0.1", "::ffff:0:7f00:1", "64:ff9b::7f00:1", "64:ff9b:1::7f00:1", "2002:7f00:1::", "192.0.0.8"]


def restricted(text=""):
    return DestinationPolicy(restricted=True, allowed=parse_allowed_servers(text))


def check(policy, host, address, port=993):
    policy.check_address(host, port, ipaddress.ip_address(address))


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_are_refused_unless_allowed(address):
    with pytest.raises(errors.DestinationRefused) as caught:
        check(restricted(), "mail.example.com", address)
    assert caught.value.kind == "destination_refused"
    assert not caught.value.transient, "retrying does not help: the settings must change"
    check(UNRESTRICTED, "mail.example.com", address)  # administrators


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed_when_no_list_is_given(address):
    check(restricted(), "mail.example.com", address)


@pytest.mark.parametrize("address", TUNNELLED)
def test_addresses_that_wrap_ipv4_are_internal(address):
    with pytest.raises(errors.DestinationRefused, match="not allowed"):
        check(restricted(), "mail.example.com", address)
    network = f"[{address}]" if ":" in address else address
    check(restricted(network), "mail.example.com", address)  # listed by address: allowed
    check(
        restricted("64:ff9b::/96 2002::/16 192.0.0.0/24 ::/96 ::ffff:0:0:0/96 64:ff9b:1::/48"),
        "mail.example.com",
        address,
    )  # or by network
    check(UNRESTRICTED, "mail.example.com", address)


def test_with_a_list_only_the_listed_hosts_are_allowed():
    policy = restricted("imap.example.com, *.example.org")
    check(policy, "imap.example.com", "8.8.8.8")
    check(policy, "IMAP.Example.COM.", "8.8.8.8")
    check(policy, "mail.eu.example.org", "8.8.8.8")
    for host in ("example.org", "imap.example.net", "evil-example.org", "imap.example.com.evil.net"):
        with pytest.raises(errors.DestinationRefused):
            check(policy, host, "8.8.8.8")


def test_a_port_in_the_list_allows_that_port_only():
    policy = restricted("imap.example.com:993 [2001:db8::1]:143")
    check(policy, "imap.example.com", "8.8.8.8", port=993)
    with pytest.raises(errors.DestinationRefused):
        check(policy, "imap.example.com", "8.8.8.8", port=22)
    policy = restricted("10.0.0.0/8:143 [2001:db8::1]:143")
    check(policy, "mail.lan", "10.9.9.9", port=143)
    with pytest.raises(errors.DestinationRefused):
        check(policy, "mail.lan", "10.9.9.9", port=6379)


def test_internal_addresses_need_an_explicit_entry():
    """A listed address or network, or the host's exact name; a *.domain wildcard is not enough."""
    check(restricted("127.0.0.1"), "127.0.0.1", "127.0.0.1")
    check(restricted("10.0.0.0/8"), "mail.lan", "10.20.30.40")
    check(restricted("mail.corp.example"), "mail.corp.example", "10.20.30.40")
    with pytest.raises(errors.DestinationRefused):
        check(restricted("*.corp.example"), "mail.corp.example", "10.20.30.40")
    with pytest.raises(errors.DestinationRefused):
        check(restricted("127.0.0.1"), "127.0.0.2", "127.0.0.2")


def test_a_name_resolving_to_loopback_is_refused():
    """localhost (from /etc/hosts: no DNS traffic) resolves to loopback, so it is checked as loopback."""
    with pytest.raises(errors.DestinationRefused):
        checked_addresses("localhost", 143, restricted(), timeout=5)
    with pytest.raises(errors.DestinationRefused):
        checked_addresses("localhost", 143, restricted("*.example.com"), timeout=5)
    assert "127.0.0.1" in checked_addresses("localhost", 143, restricted("localhost"), timeout=5)
    # The same place as a listed address: reaching it by another name changes nothing.
    assert "127.0.0.1" in checked_addresses("localhost", 143, restricted("127.0.0.0/8 ::1"), timeout=5)


def test_an_unlisted_name_is_refused_without_asking_dns():
    # A name that cannot resolve: refused (not "not found"), so it was never looked up.
    with pytest.raises(errors.DestinationRefused):
        checked_addresses("-no-such-imap-host.invalid", 143, restricted("imap.example.com"), timeout=5)
    with pytest.raises(errors.HostNotFoundError):
        checked_addresses("-no-such-imap-host.invalid", 143, restricted(), timeout=5)


@pytest.mark.parametrize(
    "entry", ["imap example", "*.", "mail..example.com", "host:99999", "host:x", "[::1", "ex*ample.com", "[::1]x"]
)
def test_an_invalid_entry_is_refused_with_its_text(entry):
    with pytest.raises(ValueError, match="“"):
        parse_allowed_servers(entry.replace(" ", "/"))


def test_entries_are_separated_by_commas_spaces_or_lines():
    entries = parse_allowed_servers("a.example.com,*.b.example.com\n10.0.0.0/8 [::1]:993\n\n")
    assert [(e.kind, str(e.value), e.port) for e in entries] == [
        ("name", "a.example.com", None),
        ("domain", "b.example.com", None),
        ("network", "10.0.0.0/8", None),
        ("network", "::1/128", 993),
    ]


# -- how long a network wait may be ---------------------------------------------------


def test_every_wait_has_an_upper_bound():
    for settings_class, extra in ((ConnectionSettings, {"login": "a", "password": "b"}), (SmtpSettings, {})):
        with pytest.raises(ValueError, match="at most"):
            settings_class(host="127.0.0.1", port=143, timeout=2_000_000_000, **extra)
        assert settings_class(host="127.0.0.1", port=143, timeout=MAX_TIMEOUT, **extra).wait_limit() == MAX_TIMEOUT


def test_waits_are_cut_to_the_time_left_before_the_deadline():
    now = time.monotonic()
    assert wait_limit(30) == 30
    assert 59 < wait_limit(90, deadline=now + 60) <= 60
    assert wait_limit(30, deadline=now + 600) == 30
    assert wait_limit(30, deadline=now - 10) == MIN_WAIT, "past the deadline: one last short wait"
    assert wait_limit(1, deadline=now - 10) == 1
