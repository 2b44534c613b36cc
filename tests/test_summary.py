"""Who a conversation is with and its preview line, from the mail itself."""

from engine.summary import correspondent, named_addresses, preview


def test_the_correspondent_of_incoming_mail_is_its_sender():
    assert correspondent("incoming", '"Ann Lee" <Ann@Example.test>', "me@x.test") == ("Ann Lee", "ann@example.test")


def test_the_correspondent_of_outgoing_mail_is_its_first_recipient():
    assert correspondent("outgoing", "me@x.test", '"Lee, Bob" <bob@y.test>, c@z.test') == ("Lee, Bob", "bob@y.test")


def test_an_address_without_a_name_names_itself():
    assert correspondent("incoming", "bob@y.test", "") == ("bob@y.test", "bob@y.test")


def test_no_address_gives_nothing():
    assert correspondent("incoming", "undisclosed-recipients:;", "") == ("", "")


def test_preview_folds_whitespace_and_cuts_quote_and_signature():
    text = "Hello,\n\n  the   discount is 10%.\n\n-- \nAnn\n"
    assert preview(text) == "Hello, the discount is 10%."
    quoted = "Yes, fine.\n\nOn Tue, 1 Dec 2026, Bob <b@y.test> wrote:\n> Is it fine?\n"
    assert preview(quoted) == "Yes, fine."
    inline = "Answer below\n> question\nanswer"
    assert preview(inline) == "Answer below answer"


def test_preview_is_one_short_line():
    line = preview("word " * 100)
    assert len(line) == 140 and line.endswith("…")
    assert preview("") == ""


def test_named_addresses_name_each_person_or_fall_back_to_the_address():
    header = '"Lee, Bob" <bob@y.test>, c@z.test, undisclosed-recipients:;'
    assert named_addresses(header) == [("Lee, Bob", "bob@y.test"), ("c@z.test", "c@z.test")]
