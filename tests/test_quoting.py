"""Reply all, Forward and the quote of the message answered (engine/quoting.py)."""

from engine.quoting import FORWARD, forward_subject, quote_html, reply_all_addresses

OWN = {"team@shop.test"}


def test_reply_all_answers_the_sender_and_copies_everyone_else_but_the_mailbox():
    to, cc = reply_all_addresses(
        sender="Carla <carla@client.test>",
        to="Team <TEAM@shop.test>, Bob <bob@client.test>",
        cc="dana@client.test, carla@client.test",
        own=OWN,
    )
    assert to == [("Carla", "carla@client.test")]
    assert cc == [("Bob", "bob@client.test"), ("", "dana@client.test")]


def test_reply_all_goes_to_the_reply_to_address_when_there_is_one():
    to, cc = reply_all_addresses(
        sender="noreply@client.test", reply_to="Desk <desk@client.test>", to="team@shop.test", own=OWN
    )
    assert (to, cc) == ([("Desk", "desk@client.test")], [])


def test_reply_all_to_our_own_message_writes_to_its_recipients_again():
    to, cc = reply_all_addresses(
        sender="team@shop.test", to="carla@client.test", cc="bob@client.test, team@shop.test", own=OWN, outgoing=True
    )
    assert (to, cc) == ([("", "carla@client.test")], [("", "bob@client.test")])


def test_forward_subject_has_one_fwd():
    assert forward_subject("Offer") == "Fwd: Offer"
    assert forward_subject("FW: Offer") == "Fwd: Offer"
    assert forward_subject("Re: Offer") == "Fwd: Re: Offer"
    assert forward_subject("") == "Fwd:"
    assert forward_subject("a\r\nBcc: x") == "Fwd: a Bcc: x"


def test_the_quote_escapes_names_and_keeps_the_sanitized_body():
    html = quote_html(body_html="<p>Hello</p>", sender="Eve <b>", date="12/01/2026 10:00")
    assert html.startswith('<p data-o-mail-quote="1">On 12/01/2026 10:00, Eve &lt;b&gt; wrote:</p>')
    assert "<blockquote" in html and "<p>Hello</p></blockquote>" in html


def test_a_forward_shows_the_headers_of_the_forwarded_message():
    html = quote_html(
        body_html="<p>Hi</p>",
        sender="Carla <carla@client.test>",
        date="Monday",
        mode=FORWARD,
        to="team@shop.test",
        subject="Offer",
    )
    assert "Forwarded message" in html
    assert "From: Carla &lt;carla@client.test&gt;<br>" in html and "Subject: Offer<br>" in html
    assert "Cc:" not in html and html.endswith("<p>Hi</p></div>")
