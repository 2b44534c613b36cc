"""Searching a real Dovecot folder of twelve known messages: every term, combinations, quoting."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.header import Header
from email.utils import format_datetime

import pytest

from engine.search import Query, run_search
from engine.transport import open_session
from rig.imap_helpers import MailboxFixture

FOLDER = "Search"
NASTY_SUBJECT = 'Weird "quoted" (paren) back\\slash * 100% done'
INJECTION = 'x") OR ALL ("'


@dataclass(frozen=True)
class Seed:
    sender: str
    to: str
    subject: str
    received: date  # INTERNALDATE, at noon UTC so no server time zone moves it to another day
    sent: date | None = None  # the Date header; the received day unless given
    body: str = "Hello."
    headers: tuple = ()
    flags: tuple = ()
    padding: int = 0  # lines of 78 bytes appended to the body, to make the message big

    def raw(self):
        subject = self.subject if self.subject.isascii() else Header(self.subject, "utf-8").encode()
        lines = [
            f"From: {self.sender}",
            f"To: {self.to}",
            *self.headers,
            f"Subject: {subject}",
            f"Date: {format_datetime(_noon(self.sent or self.received))}",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            self.body,
            *["x" * 76] * self.padding,
            "",
        ]
        return "\r\n".join(lines).encode()

    def appendable(self):
        return {"msg": self.raw(), "flags": self.flags, "date": _noon(self.received)}


def _noon(day):
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


# UID n is MESSAGES[n - 1].
MESSAGES = [
    Seed("alice@example.com", "bob@example.org", "Invoice 2026-001", date(2026, 1, 5), flags=("\\Seen",)),
    Seed(
        "alice@example.com",
        "carol@example.net",
        "Meeting notes",
        date(2026, 1, 15),
        headers=("Cc: dave@example.com",),
        flags=("\\Seen", "\\Flagged"),
    ),
    Seed("bob@example.org", "alice@example.com", "Re: Invoice 2026-001", date(2026, 1, 31)),
    Seed("ivan@example.ru", "alice@example.com", "Счёт на оплату", date(2026, 2, 1), body="Оплатите счёт до пятницы."),
    Seed("yuki@example.jp", "alice@example.com", "請求書の送付", date(2026, 2, 1), body="請求書を添付します。"),
    Seed(
        "party@example.com",
        "alice@example.com",
        "Party 🎉 tonight",
        date(2026, 2, 14),
        body="Bring 🍕 please.",
        flags=("\\Flagged",),
    ),
    Seed("mallory@example.com", "alice@example.com", NASTY_SUBJECT, date(2026, 3, 1)),
    Seed("mallory@example.com", "alice@example.com", f"{INJECTION} and {{3}}", date(2026, 3, 1)),
    Seed(
        "me@example.com",
        "team@example.com",
        "Weekly digest",
        date(2026, 1, 20),
        sent=date(2025, 12, 20),
        body="This week in dev.",
        headers=("Bcc: boss@example.com", "List-Id: Dev <dev.lists.example.com>"),
        padding=250,
    ),
    Seed(
        "news@example.com",
        "alice@example.com",
        "Newsletter",
        date(2025, 12, 31),
        headers=("List-Id: <news.example.com>",),
    ),
    Seed("alice@example.com", "bob@example.org", "Scans", date(2026, 1, 10), padding=800),
    Seed("bob@example.org", "alice@example.com", "ping", date(2026, 2, 2), flags=("\\Seen",)),
]
ALL_UIDS = list(range(1, len(MESSAGES) + 1))


@pytest.fixture(scope="module")
def seeded(dovecot):
    """One user for the whole module: searching changes nothing."""
    mailbox = MailboxFixture(dovecot, *dovecot.add_user())
    with mailbox.client() as client:
        client.create_folder(FOLDER)
        client.multiappend(FOLDER, [seed.appendable() for seed in MESSAGES])
    return mailbox


@pytest.fixture
def session(seeded):
    with open_session(seeded.settings()) as session:
        session.select(FOLDER)
        yield session


@pytest.fixture
def search(session):
    return lambda query: run_search(session, query)


def test_the_folder_holds_the_twelve_messages_in_order(search):
    assert search(Query()) == ALL_UIDS
    assert search(Query().subject("ping")) == [12]


@pytest.mark.parametrize(
    ("query", "uids"),
    [
        pytest.param(Query().sender("alice@example.com"), [1, 2, 11], id="sender-address"),
        pytest.param(Query().sender("EXAMPLE.RU"), [4], id="sender-substring-any-case"),
        pytest.param(Query().recipient_to("bob@example.org"), [1, 11], id="to"),
        pytest.param(Query().to("team@"), [9], id="to-alias"),
        pytest.param(Query().cc("dave@"), [2], id="cc"),
        pytest.param(Query().bcc("boss@example.com"), [9], id="bcc"),
        pytest.param(Query().subject("invoice"), [1, 3], id="subject"),
        pytest.param(Query().body("this week"), [9], id="body"),
        pytest.param(Query().body("digest"), [], id="body-is-not-the-subject"),
        pytest.param(Query().text("digest"), [9], id="text-is-headers-or-body"),
        pytest.param(Query().header("List-Id", "dev.lists"), [9], id="header"),
        pytest.param(Query().header("List-Id"), [9, 10], id="header-without-text-means-present"),
        pytest.param(Query().subject(""), ALL_UIDS, id="empty-text-matches-all"),
        pytest.param(Query().seen(), [1, 2, 12], id="seen"),
        pytest.param(Query().unseen(), [3, 4, 5, 6, 7, 8, 9, 10, 11], id="unseen"),
        pytest.param(Query().flagged(), [2, 6], id="flagged"),
        pytest.param(Query().unflagged(), [1, 3, 4, 5, 7, 8, 9, 10, 11, 12], id="unflagged"),
        pytest.param(Query().larger(10_000), [9, 11], id="larger"),
        pytest.param(Query().larger(40_000), [11], id="larger-only-the-biggest"),
        pytest.param(Query().smaller(10_000), [1, 2, 3, 4, 5, 6, 7, 8, 10, 12], id="smaller"),
    ],
)
def test_each_term_matches_exactly_its_messages(search, query, uids):
    assert search(query) == uids


@pytest.mark.parametrize(
    ("query", "uids"),
    [
        pytest.param(Query().subject("Счёт"), [4], id="cyrillic-subject"),
        pytest.param(Query().body("пятницы"), [4], id="cyrillic-body"),
        pytest.param(Query().subject("счёт НА"), [4], id="cyrillic-any-case-with-a-space"),  # noqa: RUF001
        pytest.param(Query().subject("請求書"), [5], id="japanese-subject"),
        pytest.param(Query().text("添付"), [5], id="japanese-body"),
        pytest.param(Query().subject("🎉"), [6], id="emoji-subject"),
        pytest.param(Query().body("🍕"), [6], id="emoji-body"),
    ],
)
def test_non_ascii_text_is_found_in_encoded_subjects_and_8bit_bodies(search, query, uids):
    assert search(query) == uids


@pytest.mark.parametrize(
    ("query", "uids"),
    [
        pytest.param(Query().since(date(2026, 2, 1)), [4, 5, 6, 7, 8, 12], id="since-includes-the-day"),
        pytest.param(Query().before(date(2026, 2, 1)), [1, 2, 3, 9, 10, 11], id="before-excludes-the-day"),
        pytest.param(Query().on(date(2026, 2, 1)), [4, 5], id="on"),
        pytest.param(Query().since(date(2026, 1, 15)).before(date(2026, 2, 1)), [2, 3, 9], id="since-and-before"),
        pytest.param(
            Query().since(datetime(2026, 2, 1, 23, 59, tzinfo=UTC)), [4, 5, 6, 7, 8, 12], id="datetime-is-its-day"
        ),
        pytest.param(Query().before(date(2026, 1, 1)), [10], id="before-uses-the-received-date"),
        pytest.param(Query().sent_before(date(2026, 1, 1)), [9, 10], id="sent-before-uses-the-date-header"),
        pytest.param(Query().sent_on(date(2025, 12, 20)), [9], id="sent-on"),
        pytest.param(Query().on(date(2025, 12, 20)), [], id="nothing-received-that-day"),
        pytest.param(Query().sent_since(date(2026, 3, 1)), [7, 8], id="sent-since"),
    ],
)
def test_dates_compare_whole_days(search, query, uids):
    assert search(query) == uids


def test_a_size_bound_is_strict(search):
    size = len(MESSAGES[10].raw())
    assert search(Query().larger(size)) == []
    assert search(Query().larger(size - 1)) == [11]
    assert 11 not in search(Query().smaller(size))
    assert 11 in search(Query().smaller(size + 1))


@pytest.mark.parametrize(
    ("query", "uids"),
    [
        pytest.param(Query().sender("alice@").seen().flagged(), [2], id="chained-terms-are-anded"),
        pytest.param(Query().unseen() & Query().sender("mallory"), [7, 8], id="and-operator"),
        pytest.param(Query().sender("alice@") | Query().sender("bob@"), [1, 2, 3, 11, 12], id="or-operator"),
        pytest.param(
            Query.any_of(Query().subject("Счёт"), Query().subject("請求書"), Query().subject("🎉")),
            [4, 5, 6],
            id="three-way-any-of-non-ascii",
        ),
        pytest.param(
            Query.any_of(Query().cc("dave"), Query().bcc("boss"), Query().seen(), Query().on(date(2026, 2, 1))),
            [1, 2, 4, 5, 9, 12],
            id="four-way-any-of",
        ),
        pytest.param(~Query().seen(), [3, 4, 5, 6, 7, 8, 9, 10, 11], id="not"),
        pytest.param(Query().unseen() & ~Query().flagged(), [3, 4, 5, 7, 8, 9, 10, 11], id="unseen-and-not-flagged"),
        pytest.param(~Query().sender("alice@").seen(), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12], id="not-of-an-and-group"),
        pytest.param(
            (Query().sender("alice@") | Query().sender("bob@")) & ~Query().subject("Re:"),
            [1, 2, 11, 12],
            id="or-inside-and-with-not",
        ),
        pytest.param(
            Query.all_of(Query().to("alice"), Query().since(date(2026, 2, 1)), ~Query().subject("ping")),
            [4, 5, 6, 7, 8],
            id="all-of",
        ),
        pytest.param(Query.any_of(), [], id="any-of-nothing-matches-nothing"),
        pytest.param(Query().seen() | ~Query(), [1, 2, 12], id="not-all-matches-nothing"),
    ],
)
def test_combinations(search, query, uids):
    assert search(query) == uids


@pytest.mark.parametrize(
    ("query", "uids"),
    [
        pytest.param(Query().uids([1, 2, 5, 6, 7]), [1, 2, 5, 6, 7], id="uid-set"),
        pytest.param(Query().uids([3, 99]), [3], id="unknown-uids-are-ignored"),
        pytest.param(Query().uids([]), [], id="empty-uid-set-matches-nothing"),
        pytest.param(Query().uids([1, 2, 3]).seen(), [1, 2], id="uid-set-with-a-flag"),
        pytest.param(Query().uid_range(10), [10, 11, 12], id="open-range"),
        pytest.param(Query().uid_range(3, 5), [3, 4, 5], id="closed-range"),
        pytest.param(Query().uid_range(5, 5), [5], id="one-uid-range"),
        pytest.param(Query().uid_range(5, 4), [], id="range-ending-before-its-start-matches-nothing"),
        pytest.param(Query().uids([]) | Query().uids([4]), [4], id="empty-set-inside-an-or"),
    ],
)
def test_uids(search, query, uids):
    assert search(query) == uids


def test_an_open_range_past_the_last_uid_is_empty_unlike_star(search, session):
    # "13:*" would answer 12: "*" is the highest UID, and 13:12 is 12:13.
    assert session.search(["UID", "13:*"]) == [12]
    assert search(Query().uid_range(13)) == []


@pytest.mark.parametrize(
    ("text", "uids"),
    [
        pytest.param('"quoted" (paren) back\\slash *', [7], id="quotes-parens-backslash-star"),
        pytest.param("(paren)", [7], id="parens-without-a-space"),
        pytest.param("back\\slash", [7], id="backslash-without-a-space"),
        pytest.param('"quoted"', [7], id="quotes-without-a-space"),
        pytest.param("*", [7], id="star"),
        pytest.param("100%", [7], id="percent"),
        pytest.param("{3}", [8], id="literal-announcement-does-not-hang"),
        pytest.param(INJECTION, [8], id="injection-matches-only-itself"),
        pytest.param('nothing") OR ALL ("', [], id="injection-does-not-match-everything"),
        pytest.param("Meeting\r\nnotes", [], id="line-breaks-are-dropped-not-sent"),
        pytest.param("Meeting \r\nnotes", [2], id="line-breaks-dropped-around-a-space"),
        pytest.param("x\r\nA1 LOGOUT", [], id="line-break-cannot-start-a-command"),
    ],
)
def test_user_text_is_only_ever_text(search, text, uids):
    assert search(Query().subject(text)) == uids
    assert search(Query().subject("ping")) == [12], "the connection still works"


def test_text_that_must_go_as_a_literal_works_inside_or_and_not_groups(search):
    nasty = Query.any_of(Query().subject("(paren)"), Query().subject("{3}"), Query().subject("Счёт на"))
    assert search(nasty) == [4, 7, 8]
    assert search(~Query().subject("(paren)") & Query().sender("mallory")) == [8]
    assert search(Query().sender("nobody") | Query().header("List-Id", "<news.example.com>")) == [10]
