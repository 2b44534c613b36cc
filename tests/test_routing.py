"""Routing rules, the pure part: which messages a rule's conditions accept, and what placeholders say."""

import pytest

from engine.routing import (
    ATTACHMENTS_WITH,
    ATTACHMENTS_WITHOUT,
    MAX_SEARCHED_CHARS,
    Address,
    Conditions,
    MessageView,
    RoutingError,
    address_list,
    check_pattern,
    match,
    parse_assignments,
    parse_domain,
    render,
    render_domain,
)


def view(**values):
    defaults = {
        "from_": (Address("Anna Buyer", "anna@customer.example.com"),),
        "to": (Address("", "sales@shop.example"),),
        "cc": (Address("", "boss@shop.example"),),
        "subject": "Quote request REF-1234",
        "text": "Please send a quote for 12 chairs.",
        "headers": (("X-Ticket", "T-77"), ("Subject", "Quote request REF-1234")),
        "folder_ids": frozenset({3}),
        "folder_roles": frozenset({"inbox"}),
    }
    return MessageView(**{**defaults, **values})


def test_empty_conditions_accept_any_message():
    assert match(Conditions(), view()) == {}


def test_sender_by_address_or_by_domain_and_its_subdomains():
    assert match(Conditions(from_=address_list("anna@customer.example.com")), view()) is not None
    assert match(Conditions(from_=address_list("@example.com, other.org")), view()) is not None
    assert match(Conditions(from_=address_list("customer.example.com")), view()) is not None
    assert match(Conditions(from_=address_list("nobody@customer.example.com")), view()) is None
    assert match(Conditions(from_=address_list("ample.com")), view()) is None


def test_to_and_cc_are_separate_conditions():
    assert match(Conditions(to=("sales@shop.example",)), view()) is not None
    assert match(Conditions(cc=("sales@shop.example",)), view()) is None


def test_all_conditions_must_hold():
    conditions = Conditions(folder_roles=frozenset({"inbox"}), direction="incoming", subject="quote")
    assert match(conditions, view()) is not None
    assert match(conditions, view(direction="outgoing")) is None
    assert match(conditions, view(folder_roles=frozenset({"sent"}))) is None
    assert match(Conditions(folder_ids=frozenset({4})), view()) is None


def test_subject_pattern_gives_its_first_group_as_match():
    assert match(Conditions(subject=r"REF-(\d+)", subject_is_pattern=True), view()) == {"match": "1234"}
    assert match(Conditions(subject=r"INV-\d+", subject_is_pattern=True), view()) is None


def test_text_contains_ignores_case():
    assert match(Conditions(text="CHAIRS"), view()) == {"match": "CHAIRS"}


def test_header_value_attachments_and_first_message():
    assert match(Conditions(header_name="x-ticket", header_value="t-7"), view()) is not None
    assert match(Conditions(header_name="X-Missing"), view()) is None
    assert match(Conditions(attachments=ATTACHMENTS_WITH), view()) is None
    assert match(Conditions(attachments=ATTACHMENTS_WITHOUT), view()) is not None
    assert match(Conditions(first_only=True), view(is_first=False)) is None


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(\w*\s?)*x", "x" * 201, "(unclosed"])
def test_dangerous_or_broken_patterns_are_refused(pattern):
    with pytest.raises(RoutingError):
        check_pattern(pattern)


def test_only_the_start_of_a_huge_text_is_searched():
    huge = "a" * MAX_SEARCHED_CHARS + "needle"
    assert match(Conditions(text="needle"), view(text=huge)) is None


def test_placeholders_render_sender_recipients_headers_and_match():
    found = match(Conditions(subject=r"REF-(\d+)", subject_is_pattern=True), view())
    template = (
        "{{ from_name }} <{{from_email}}> to {{ to }} cc {{ cc }}: {{ subject }} #{{ match }} {{ header:x-ticket }}"
    )
    assert render(template, view(), found) == (
        "Anna Buyer <anna@customer.example.com> to sales@shop.example cc boss@shop.example: "
        "Quote request REF-1234 #1234 T-77"
    )
    assert render("{{ header:X-None }}", view()) == ""


def test_assignments_are_field_equals_template_lines():
    assert parse_assignments("name = Lead: {{ subject }}\n\n# a comment\nemail_from={{ from_email }}") == [
        ("name", "Lead: {{ subject }}"),
        ("email_from", "{{ from_email }}"),
    ]
    with pytest.raises(RoutingError):
        parse_assignments("just text")
    with pytest.raises(RoutingError):
        parse_assignments("name = {{ sender }}")


def test_domain_placeholders_fill_its_strings_only():
    domain = parse_domain("[('email', '=ilike', '{{ from_email }}')]")
    evil = view(from_=(Address("x", "a'), ('id', '!=', 0@evil.example"),))
    assert render_domain(domain, evil) == [("email", "=ilike", "a'), ('id', '!=', 0@evil.example")]
    with pytest.raises(RoutingError):
        parse_domain("[('name', '=', __import__('os'))]")
    with pytest.raises(RoutingError):
        parse_domain("{'a': 1}")
