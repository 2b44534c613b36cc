"""Older mail on demand: the query built for a contact's addresses, and the search on a real Dovecot."""

import pytest

from engine.older_mail import address_query, contact_addresses, find_older_mail, names_an_address
from engine.search import Query
from engine.transport import open_session


def test_addresses_are_trimmed_lowered_and_taken_once_in_their_order():
    assert contact_addresses([" Bob@Example.com", "alice@example.org", "bob@example.com", "ALICE@example.org "]) == (
        "bob@example.com",
        "alice@example.org",
    )


@pytest.mark.parametrize(
    "value",
    [
        "",
        None,
        "   ",
        "example.com",
        "two words@example.com",
        'x") OR ALL ("@y',
        "a@b@c",
        "Bob <bob@example.com>",
        "bob@example.com\r\nX: y",
    ],
)
def test_what_is_not_a_plain_address_is_dropped_rather_than_searched_as_a_substring(value):
    assert contact_addresses([value]) == ()


def test_one_address_is_from_or_to_or_cc():
    assert address_query(["bob@example.com"]).criteria() == [
        b"OR",
        [b"FROM", b"bob@example.com"],
        [b"OR", [b"TO", b"bob@example.com"], [b"CC", b"bob@example.com"]],
    ]


def test_several_addresses_make_one_balanced_or_tree_with_each_address_once():
    query = address_query(["a@x.com", "B@x.com", "a@x.com", "c@x.com"])
    assert query == Query.any_of(
        *[
            Query().sender(a) if k == "f" else Query().to(a) if k == "t" else Query().cc(a)
            for a in ("a@x.com", "b@x.com", "c@x.com")
            for k in "ftc"
        ]
    )

    def depth(criteria):
        return 1 + max((depth(item) for item in criteria if isinstance(item, list)), default=0)

    assert depth(query.criteria()) <= 5, "nine terms nest about log2(9) deep, not nine"
    texts = [item for item in _flatten(query.criteria()) if item not in (b"OR", b"FROM", b"TO", b"CC")]
    assert texts == [b"a@x.com"] * 3 + [b"b@x.com"] * 3 + [b"c@x.com"] * 3


def test_no_address_matches_nothing_and_the_server_is_not_asked():
    assert address_query([]).matches_nothing
    assert address_query(["", "not an address"]).matches_nothing


@pytest.mark.parametrize(
    ("header", "found"),
    [
        (b"From: Bob <bob@example.com>\r\nTo: me@example.org\r\n", True),
        (b"From: me@example.org\r\nTo: someone@example.net,\r\n BOB@example.com\r\n", True),
        (b"From: me@example.org\r\nCc: =?utf-8?q?B=C3=B6b?= <bob@example.com>\r\n", True),
        (b"From: Jim <jimbob@example.com>\r\nTo: me@example.org\r\n", False),
        (b"From: me@example.org\r\nTo: bob@example.com.evil.test\r\n", False),
        (b"From: me@example.org\r\nBcc: bob@example.com\r\n", False),
        (b"", False),
    ],
)
def test_only_an_exact_address_in_from_to_or_cc_counts(header, found):
    assert names_an_address(header, ["bob@example.com"]) is found


def _flatten(criteria):
    for item in criteria:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


def _mail(sender, to, subject, cc=None, message_id=None):
    message_id = message_id or "<{}@test>".format(subject.replace(" ", "."))
    lines = [
        f"From: {sender}",
        f"To: {to}",
        *([f"Cc: {cc}"] if cc else []),
        f"Subject: {subject}",
        f"Message-ID: {message_id}",
        "",
        "Hello.",
        "",
    ]
    return "\r\n".join(lines).encode()


def test_a_folder_is_searched_for_the_addresses_within_what_its_sync_handled(mailbox):
    mailbox.create_folder("Archive")
    mailbox.append(
        "Archive",
        [
            _mail("Bob <bob@example.com>", "me@example.org", "from bob"),  # 1
            _mail("me@example.org", "Alice <alice@example.com>", "to alice"),  # 2
            _mail("jimbob@example.com", "me@example.org", "from jimbob"),  # 3: a substring only
            _mail("me@example.org", "x@example.net", "cc bob", cc="bob@example.com"),  # 4
            _mail("carol@example.net", "me@example.org", "unrelated"),  # 5
            _mail("bob@example.com", "me@example.org", "known elsewhere", message_id="<known@test>"),  # 6
            _mail("bob@example.com", "me@example.org", "after the watermark"),  # 7
        ],
    )
    addresses = ["bob@example.com", "Alice@Example.com"]
    with open_session(mailbox.settings()) as session:
        everything = find_older_mail(session, "Archive", addresses)
        assert everything.uids == (1, 2, 4, 6, 7)
        uidvalidity = everything.uidvalidity
        found = find_older_mail(
            session,
            "Archive",
            addresses,
            uidvalidity=uidvalidity,
            handled_uid=6,
            held_uids={2},
            is_known=lambda described: {m.uid for m in described if m.message_id == "<known@test>"},
        )
        assert found.uids == (1, 4), "held, known by Message-ID and above the watermark are left out"
        recreated = find_older_mail(
            session, "Archive", addresses, uidvalidity=uidvalidity + 1, handled_uid=1, held_uids={1, 2}
        )
        assert recreated.uids == (1, 2, 4, 6, 7), "under another UIDVALIDITY the stored UIDs mean nothing"
        assert find_older_mail(session, "Archive", [], uidvalidity=uidvalidity).uids == ()


@pytest.mark.parametrize("uids", [[], [7], [1, 2, 3, 9, 11, 12], list(range(1, 5000, 2))])
def test_a_uid_set_reads_back_as_the_uids_it_was_written_from(uids):
    from engine.search import uid_set, uids_in_set

    assert uids_in_set(uid_set(uids)) == uids
    assert uids_in_set(uid_set(uids).decode()) == uids


def test_addresses_with_characters_imap_must_quote_or_send_as_literals_are_found(mailbox):
    odd = ["o'brien+sales@example.com", "curly{1}*%@example.com", "\u00e9lodie@exemple.fr"]
    # 8-bit headers as sent by SMTPUTF8 mailers (the last one): the search then names its CHARSET.
    mailbox.append(
        "INBOX",
        [_mail("someone@example.net", "me@example.org", "plain")]
        + [_mail(f"<{address}>", "me@example.org", f"odd {n}") for n, address in enumerate(odd)],
    )
    with open_session(mailbox.settings()) as session:
        for n, address in enumerate(odd):
            assert find_older_mail(session, "INBOX", [address]).uids == (n + 2,), address
