"""What a Query hands imapclient's search(), checked without a server."""

import dataclasses
from datetime import UTC, date, datetime

import pytest

from engine.search import MAX_UID, Query, uid_set


def test_no_term_is_all():
    assert Query().criteria() == [b"ALL"]


def test_chained_terms_are_one_flat_and():
    query = Query().sender("alice@example.com").subject("invoice").unseen()
    assert query.criteria() == [b"FROM", b"alice@example.com", b"SUBJECT", b"invoice", b"UNSEEN"]


def test_and_operator_concatenates_terms():
    assert (Query().seen() & Query().flagged()).criteria() == [b"SEEN", b"FLAGGED"]


def test_or_and_not_become_nested_lists_that_imapclient_parenthesises():
    assert (Query().sender("a@x") | Query().to("b@y")).criteria() == [b"OR", [b"FROM", b"a@x"], [b"TO", b"b@y"]]
    assert (Query().unseen() & ~Query().flagged()).criteria() == [b"UNSEEN", b"NOT", [b"FLAGGED"]]
    assert (~Query()).criteria() == [b"NOT", [b"ALL"]]


def test_any_of_nests_binary_ors_in_balanced_halves():
    a, b, c, d = (Query().subject(s) for s in "abcd")
    assert Query.any_of(a) == a
    assert Query.any_of(a, b, c).criteria() == [
        b"OR",
        [b"SUBJECT", b"a"],
        [b"OR", [b"SUBJECT", b"b"], [b"SUBJECT", b"c"]],
    ]
    assert Query.any_of(a, b, c, d).criteria() == [
        b"OR",
        [b"OR", [b"SUBJECT", b"a"], [b"SUBJECT", b"b"]],
        [b"OR", [b"SUBJECT", b"c"], [b"SUBJECT", b"d"]],
    ]


def test_any_of_nothing_and_all_of_nothing():
    assert Query.any_of().matches_nothing
    assert Query.all_of() == Query()
    assert Query.all_of(Query().seen(), Query().flagged()) == Query().seen().flagged()


def test_queries_are_immutable_and_compare_by_value():
    base = Query().seen()
    narrowed = base.flagged()
    assert base.criteria() == [b"SEEN"]
    assert narrowed == Query().seen().flagged()
    with pytest.raises(dataclasses.FrozenInstanceError):
        base.terms = ()


@pytest.mark.parametrize(
    ("uids", "expected"),
    [
        ([1, 2, 5, 6, 7], b"1:2,5:7"),
        ([7, 5, 6, 6, 2, 1], b"1:2,5:7"),
        ([3], b"3"),
        ([1, 3, 5], b"1,3,5"),
        (range(10, 20), b"10:19"),
        ([MAX_UID, 1], b"1,4294967295"),
    ],
)
def test_uid_sets_are_sent_compactly(uids, expected):
    assert uid_set(uids) == expected
    assert Query().uids(uids).criteria() == [b"UID", expected]


def test_an_empty_uid_set_matches_nothing_and_sends_no_set():
    query = Query().uids([])
    assert query.matches_nothing
    assert query.criteria() == [b"NOT", b"ALL"]
    assert Query().seen().uids(iter(())).matches_nothing


@pytest.mark.parametrize("bad", [0, -1, MAX_UID + 1])
def test_impossible_uids_are_refused(bad):
    with pytest.raises(ValueError, match="UID"):
        Query().uids([1, bad])
    with pytest.raises(ValueError, match="UID"):
        Query().uid_range(bad)


@pytest.mark.parametrize("bad", [True, "5", 2.0, None])
def test_uids_must_be_ints(bad):
    with pytest.raises(TypeError):
        Query().uids([bad])


def test_uid_ranges():
    assert Query().uid_range(5).criteria() == [b"UID", b"5:4294967295"]
    assert Query().uid_range(3, 9).criteria() == [b"UID", b"3:9"]
    assert Query().uid_range(3, 3).criteria() == [b"UID", b"3"]
    assert Query().uid_range(3, 2).matches_nothing
    assert Query().uid_range(1, 0).matches_nothing
    with pytest.raises(ValueError):
        Query().uid_range(3, -1)


@pytest.mark.parametrize("method", ["larger", "smaller"])
def test_sizes_are_whole_non_negative_numbers(method):
    assert getattr(Query(), method)(0).criteria() == [method.upper().encode(), 0]
    with pytest.raises(ValueError):
        getattr(Query(), method)(-5)
    with pytest.raises(ValueError):
        getattr(Query(), method)(2**32)
    with pytest.raises(TypeError):
        getattr(Query(), method)("500")


def test_dates_go_as_dates_and_a_datetime_as_its_day():
    query = Query().since(date(2026, 1, 1)).before(datetime(2026, 2, 1, 23, 30, tzinfo=UTC)).sent_on(date(2025, 1, 2))
    assert query.criteria() == [b"SINCE", date(2026, 1, 1), b"BEFORE", date(2026, 2, 1), b"SENTON", date(2025, 1, 2)]
    assert type(query.criteria()[3]) is date
    with pytest.raises(TypeError):
        Query().on("2026-01-01")


def test_every_criterion_is_bytes_so_no_charset_is_ever_used_to_encode():
    query = Query().subject("Счёт").sender("a") | Query().header("X-Tag", "é")
    flat = [query.criteria()]
    while flat:
        items = flat.pop()
        flat.extend(i for i in items if isinstance(i, list))
        assert all(isinstance(i, bytes | list) for i in items), items


def test_non_ascii_text_is_utf8_and_needs_a_charset():
    query = Query().subject("Счёт 🎉")
    assert query.criteria() == [b"SUBJECT", "Счёт 🎉".encode()]
    assert query.needs_charset
    assert not Query().subject("invoice").needs_charset
    assert (Query().seen() | ~Query().body("請求書")).needs_charset


def test_line_breaks_and_nul_are_dropped_from_text():
    assert Query().subject("a\r\nb\rc\nd\0e").criteria() == [b"SUBJECT", b"abcde"]


def test_text_is_left_to_imapclient_to_quote():
    # No quotes of our own: imapclient quotes "a b", escapes \ and ", and quotes "".
    assert Query().subject('say "hi" \\o/').criteria() == [b"SUBJECT", b'say "hi" \\o/']
    assert Query().subject("").criteria() == [b"SUBJECT", b""]


def test_text_that_would_break_a_bare_atom_is_marked_as_a_literal():
    for text in ["(paren)", "{3}", "*", "100%", "tab\there", "a)b"]:
        [_, item] = Query().subject(text).criteria()
        assert item == text.encode()
        assert type(item) is not bytes, f"{text!r} would go out bare"
    [_, plain] = Query().subject("invoice").criteria()
    assert type(plain) is bytes


def test_a_group_never_ends_with_a_literal():
    # imapclient glues ")" to a group's last item, which would stop it being a literal.
    assert (Query().subject("Счёт") | Query().seen()).criteria() == [
        b"OR",
        [b"SUBJECT", "Счёт".encode(), b"ALL"],
        [b"SEEN"],
    ]
    assert (~Query().subject("(x)")).criteria() == [b"NOT", [b"SUBJECT", b"(x)", b"ALL"]]
    assert (~Query().subject("plain")).criteria() == [b"NOT", [b"SUBJECT", b"plain"]]
    assert Query().subject("Счёт").criteria() == [b"SUBJECT", "Счёт".encode()], "the top level needs no parenthesis"


def test_header_names_are_checked_and_text_is_optional():
    assert Query().header("List-Id").criteria() == [b"HEADER", b"List-Id", b""]
    for bad in ["", "List Id", "List-Id:", "Réponse", "X\r\nY"]:
        with pytest.raises(ValueError):
            Query().header(bad, "x")


def test_text_must_be_str():
    with pytest.raises(TypeError):
        Query().subject(b"invoice")
    with pytest.raises(TypeError):
        Query().sender(None)


def test_operators_refuse_other_types():
    with pytest.raises(TypeError):
        Query() & "SEEN"
    with pytest.raises(TypeError):
        Query() | ["SEEN"]
