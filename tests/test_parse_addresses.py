"""engine.parse: address headers as real mailers write them."""

import pytest

from engine.parse import Address, parse_message


def addresses_in(value: bytes | str, header="To"):
    """(name, email) pairs parsed from one header written with ``value``."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    parsed = parse_message(header.encode() + b": " + value + b"\r\n\r\nx\r\n")
    field = "from_" if header == "From" else header.lower().replace("-", "_")
    return [(address.name, address.email) for address in getattr(parsed, field)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("bob@example.org", [("", "bob@example.org")]),
        ("<bob@example.org>", [("", "bob@example.org")]),
        ("Bob Stone <bob@example.org>", [("Bob Stone", "bob@example.org")]),
        ('"Stone, Bob" <bob@example.org>', [("Stone, Bob", "bob@example.org")]),
        ('"Bob \\"The Builder\\"" <bob@example.org>', [('Bob "The Builder"', "bob@example.org")]),
        ("bob@example.org (Bob Stone)", [("Bob Stone", "bob@example.org")]),
        ("bob@example.org (Bob (nested) Stone)", [("Bob (nested) Stone", "bob@example.org")]),
        ("Bob <bob@example.org> (work)", [("Bob", "bob@example.org")]),
        ("Bob  \t Stone <bob@example.org>", [("Bob Stone", "bob@example.org")]),
        ("Mixed.Case@Example.ORG", [("", "Mixed.Case@Example.ORG")]),
        ("bob@example.org <bob@example.org>", [("bob@example.org", "bob@example.org")]),
        ("<@relay.example.net:bob@example.org>", [("", "bob@example.org")]),
        ("<mailto:bob@example.org>", [("", "bob@example.org")]),
    ],
)
def test_single_mailbox_forms(value, expected):
    assert addresses_in(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a@x.org, b@x.org,c@x.org", [("", "a@x.org"), ("", "b@x.org"), ("", "c@x.org")]),
        ("a@x.org,, ,b@x.org,", [("", "a@x.org"), ("", "b@x.org")]),
        ("Doe, Jane <jane@x.org>, b@x.org", [("Doe, Jane", "jane@x.org"), ("", "b@x.org")]),
        ("Team, a@x.org", [("Team", ""), ("", "a@x.org")]),
        ("a@x.org; b@x.org", [("", "a@x.org"), ("", "b@x.org")]),
    ],
)
def test_address_lists_split_on_commas_outside_quotes(value, expected):
    assert addresses_in(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("undisclosed-recipients:;", []),
        ("Undisclosed recipients: ;", []),
        ("Friends: a@x.org, B <b@x.org>;", [("", "a@x.org"), ("B", "b@x.org")]),
        ('"Team: Sales" <sales@x.org>', [("Team: Sales", "sales@x.org")]),
        ("Friends: a@x.org;, c@x.org", [("", "a@x.org"), ("", "c@x.org")]),
    ],
)
def test_group_syntax_keeps_members_and_drops_group_names(value, expected):
    assert addresses_in(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=?utf-8?Q?J=C3=BCrgen?= <j@x.de>", [("Jürgen", "j@x.de")]),
        ("=?utf-8?Q?M=C3=BCller=2C_J=C3=BCrgen?= <j@x.de>", [("Müller, Jürgen", "j@x.de")]),
        ('"=?utf-8?B?SsO8cmdlbg==?=" <j@x.de>', [("Jürgen", "j@x.de")]),
        (
            "=?iso-8859-1?Q?Fran=E7ois?= <f@x.fr>, =?koi8-r?B?6dfBzg==?= <i@x.ru>",
            [("François", "f@x.fr"), ("Иван", "i@x.ru")],
        ),
    ],
)
def test_encoded_display_names_are_decoded_after_splitting(value, expected):
    assert addresses_in(value) == expected


def test_raw_utf8_and_latin1_display_names_are_decoded():
    assert addresses_in("Zoë <z@x.org>".encode()) == [("Zoë", "z@x.org")]
    assert addresses_in("Zoë <z@x.org>".encode("latin-1")) == [("Zoë", "z@x.org")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("John Smith", [("John Smith", "")]),
        ('"Nobody" <>', [("Nobody", "")]),
        ("<>", []),
        ("Broken <bob@x.org", [("", "bob@x.org")]),
        ('"Unterminated <bob@x.org>', [("Unterminated", "bob@x.org")]),
        ("bad<<a@x.org>>", [("bad", "a@x.org")]),
    ],
)
def test_unparseable_addresses_keep_what_can_be_read(value, expected):
    assert addresses_in(value) == expected


@pytest.mark.parametrize("header", ["From", "Cc", "Bcc", "Reply-To"])
def test_every_address_header_is_parsed_the_same_way(header):
    assert addresses_in('"Doe, J" <j@x.org>, k@x.org', header) == [("Doe, J", "j@x.org"), ("", "k@x.org")]


def test_addresses_are_frozen_and_comparable():
    first, second = Address("A", "a@x.org"), Address("A", "a@x.org")
    assert first == second and hash(first) == hash(second)
    with pytest.raises(AttributeError):
        first.email = "b@x.org"
