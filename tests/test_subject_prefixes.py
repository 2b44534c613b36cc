"""Threading and the composer read "Re:" and "Fwd:" from one list of prefixes, in every language on it."""

import pytest

from engine.compose import reply_subject
from engine.quoting import forward_subject
from engine.subjects import FORWARD_PREFIXES, REPLY_PREFIXES, is_forward_subject, is_reply_subject
from engine.threads import normalize_subject


@pytest.mark.parametrize("prefix", REPLY_PREFIXES)
def test_a_reply_prefix_is_one_word_for_threading_and_for_the_composer(prefix):
    subject = f"{prefix.upper()}: Offer"
    assert is_reply_subject(subject)
    assert normalize_subject(subject) == "offer"
    assert reply_subject(subject) == "Re: Offer"


@pytest.mark.parametrize("prefix", FORWARD_PREFIXES)
def test_a_forward_prefix_joins_the_thread_and_stays_in_a_reply(prefix):
    subject = f"{prefix}: Offer"
    assert is_forward_subject(subject)
    assert normalize_subject(f"Re: {subject}") == "offer"
    assert reply_subject(subject) == f"Re: {subject}"
    assert forward_subject(subject) == "Fwd: Offer"


def test_counters_and_full_width_colons_are_prefixes_too():
    assert normalize_subject("AW[2]: Re(3)\uff1a Offer") == "offer"
    assert reply_subject("Re[2]: AW: Offer") == "Re: Offer"


def test_a_word_that_only_starts_like_a_prefix_is_the_subject():
    assert not is_reply_subject("Review: Offer")
    assert reply_subject("Result: Offer") == "Re: Result: Offer"
