"""Golden samples: every imap_conversations/tests/samples/NAME.eml parses as NAME.json says.

The json holds only the fields that matter for that sample. Keys:

    subject, message_id, in_reply_to, references     exact values
    date                                              ISO 8601 in UTC, or null
    from, to, cc, bcc, reply_to                       [[name, email], ...] exactly
    to_normalized                                     [Address.normalized, ...]
    text_contains / html_contains / text_not_contains substrings of the bodies
    text_empty / html_empty                           true when that body must be ''
    attachments                                       [{filename, extension, mimetype, size, inline,
                                                        content_id, content_startswith(_hex),
                                                        content_contains}, ...] (listed keys only)
    headers_contain                                   [[name, substring of its decoded value], ...]
    header_lengths                                    {name: length of the decoded value}
    defects_empty / defects_contain                   no defects / each substring in some defect
"""

import json
from datetime import datetime
from pathlib import Path

import pytest

import engine
from engine.parse import parse_message

SAMPLES = Path(engine.__file__).resolve().parent.parent / "tests" / "samples"
SAMPLE_NAMES = sorted(path.stem for path in SAMPLES.glob("*.eml"))


def _load(name):
    raw = (SAMPLES / f"{name}.eml").read_bytes()
    expected = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return raw, expected


def _pairs(addresses):
    return [[address.name, address.email] for address in addresses]


def _check_attachment(attachment, expected):
    for key, value in expected.items():
        if key == "content_startswith":
            assert attachment.content.startswith(value.encode()), attachment.content[:60]
        elif key == "content_startswith_hex":
            assert attachment.content.hex().startswith(value)
        elif key == "content_contains":
            for snippet in value:
                assert snippet.encode() in attachment.content, snippet
        else:
            assert getattr(attachment, key) == value, key


def _check_defects(parsed, key, value):
    if key == "defects_empty":
        assert (parsed.defects == []) is value, parsed.defects
        return
    for snippet in value:
        assert any(snippet in defect for defect in parsed.defects), (snippet, parsed.defects)


def _check_headers(parsed, key, value):
    if key == "headers_contain":
        for name, snippet in value:
            values = [header_value for header_name, header_value in parsed.headers if header_name == name]
            assert any(snippet in header_value for header_value in values), (name, values)
    else:
        for name, length in value.items():
            assert [len(v) for n, v in parsed.headers if n == name] == [length]


def _check(parsed, key, value):
    if key == "description":
        return
    if key == "date":
        assert parsed.date == (datetime.fromisoformat(value) if value else None)
    elif key in ("from", "to", "cc", "bcc", "reply_to"):
        assert _pairs(getattr(parsed, "from_" if key == "from" else key)) == value
    elif key == "to_normalized":
        assert [address.normalized for address in parsed.to] == value
    elif key in ("text_contains", "html_contains", "text_not_contains"):
        body = parsed.html_body if key.startswith("html") else parsed.text_body
        for snippet in value:
            assert (snippet in body) is (key != "text_not_contains"), (snippet, body[:500])
    elif key in ("text_empty", "html_empty"):
        body = parsed.text_body if key == "text_empty" else parsed.html_body
        assert (body == "") is value, body[:200]
    elif key == "attachments":
        assert [a.filename for a in parsed.attachments] == [e.get("filename") for e in value]
        for attachment, expected in zip(parsed.attachments, value, strict=True):
            _check_attachment(attachment, expected)
    elif key.startswith("defects"):
        _check_defects(parsed, key, value)
    elif key.startswith("header"):
        _check_headers(parsed, key, value)
    elif key in ("subject", "message_id", "in_reply_to", "references"):
        assert getattr(parsed, key) == value
    else:
        pytest.fail(f"unknown expectation key {key!r}")


def test_the_golden_set_is_large_and_every_sample_has_its_expectations():
    assert len(SAMPLE_NAMES) >= 25
    assert sorted(path.stem for path in SAMPLES.glob("*.json")) == SAMPLE_NAMES


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_parses_as_its_json_says(name):
    raw, expected = _load(name)
    parsed = parse_message(raw)
    for key, value in expected.items():
        _check(parsed, key, value)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_bodies_are_clean_text_and_the_result_is_deterministic(name):
    raw, _expected = _load(name)
    parsed = parse_message(raw)
    assert parsed.size == len(raw)
    assert "\r" not in parsed.text_body and "\x00" not in parsed.text_body
    assert "\x00" not in parsed.html_body
    assert all(attachment.filename and attachment.size == len(attachment.content) for attachment in parsed.attachments)
    assert len(parsed.content_hash) == 64
    assert parse_message(raw) == parsed
