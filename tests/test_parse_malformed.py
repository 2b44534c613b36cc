"""engine.parse never raises: whatever the bytes, it returns a result and lists what was wrong."""

import random
from pathlib import Path

import pytest

import engine
from engine.parse import ParsedMessage, parse_message

SAMPLES = Path(engine.__file__).resolve().parent.parent / "tests" / "samples"


def has_defect(parsed: ParsedMessage, snippet: str) -> bool:
    return any(snippet in defect for defect in parsed.defects)


def test_an_empty_message_is_an_empty_result_with_a_defect():
    parsed = parse_message(b"")
    assert parsed == ParsedMessage(defects=["empty message"], content_hash=parsed.content_hash, size=0)
    assert len(parsed.content_hash) == 64


@pytest.mark.parametrize("raw", [b"\r\n", b"   \n\n", b"\x00", b"\xff\xfe\xfd", b":", b"From nobody\n"])
def test_degenerate_inputs_parse(raw):
    parsed = parse_message(raw)
    assert parsed.size == len(raw)
    assert "\x00" not in parsed.text_body


def test_bytes_like_inputs_are_accepted():
    raw = b"Subject: hi\r\n\r\nbody"
    assert parse_message(bytearray(raw)).subject == "hi"
    assert parse_message(memoryview(raw)).subject == "hi"


def test_random_binary_garbage_never_raises():
    generator = random.Random(1234)
    for _ in range(300):
        raw = generator.randbytes(generator.randint(0, 3000))
        assert isinstance(parse_message(raw), ParsedMessage)


@pytest.mark.parametrize("name", sorted(path.stem for path in SAMPLES.glob("*.eml")))
def test_truncated_and_corrupted_samples_never_raise(name):
    raw = (SAMPLES / f"{name}.eml").read_bytes()[:60_000]
    generator = random.Random(name)
    for cut in sorted(generator.sample(range(len(raw)), min(8, len(raw)))):
        assert isinstance(parse_message(raw[:cut]), ParsedMessage)
        corrupted = bytearray(raw)
        for position in generator.sample(range(len(raw)), 20):
            corrupted[position] = generator.choice(b'\x00\xff\r\n:;"<>=?-')
        assert isinstance(parse_message(bytes(corrupted)), ParsedMessage)


def test_a_one_megabyte_header_line_is_kept_whole():
    raw = b"X-Junk: " + b"x" * 1_000_000 + b"\r\nSubject: after\r\n\r\nbody"
    parsed = parse_message(raw)
    assert parsed.subject == "after"
    assert len(parsed.headers[0][1]) == 1_000_000


def test_absurdly_deep_multipart_nesting_is_cut_off_with_a_defect():
    depth = 3000
    level = 'Content-Type: multipart/mixed; boundary="b{0}"\r\n\r\n--b{0}\r\n'
    raw = "".join(level.format(number) for number in range(depth)).encode()
    parsed = parse_message(raw + b"Content-Type: text/plain\r\n\r\ndeep inside\r\n")
    assert parsed.defects
    assert "deep inside" in parsed.text_body


def test_parts_nested_deeper_than_the_limit_are_skipped_with_a_defect():
    level = 'Content-Type: multipart/mixed; boundary="b{0}"\r\n\r\n--b{0}\r\n'
    raw = "".join(level.format(number) for number in range(60)).encode()
    parsed = parse_message(raw + b"Content-Type: text/plain\r\n\r\ntoo deep\r\n")
    assert parsed.text_body == ""
    assert has_defect(parsed, "MIME parts nested deeper than 40 levels ignored")


def test_multipart_without_boundary_keeps_the_body_as_text():
    parsed = parse_message(b"Content-Type: multipart/mixed\r\n\r\njust some text\r\n")
    assert parsed.text_body == "just some text\n"
    assert has_defect(parsed, "multipart without a boundary parameter")


def test_multipart_with_an_empty_body_is_empty():
    parsed = parse_message(b'Content-Type: multipart/alternative; boundary="x"\r\n\r\n')
    assert (parsed.text_body, parsed.html_body, parsed.attachments) == ("", "", [])


@pytest.mark.parametrize(
    ("charset", "defect"),
    [
        ("base64", "unknown charset 'base64'"),
        ("zlib", "unknown charset 'zlib'"),
        ("utf-99", "unknown charset 'utf-99'"),
        ('"utf-8', None),
        ("UTF8", None),
        ("unknown-8bit", "unknown charset 'unknown-8bit'"),
    ],
)
def test_body_charset_labels_that_are_not_text_encodings(charset, defect):
    raw = f"Content-Type: text/plain; charset={charset}\r\n\r\n".encode() + "Grüße".encode()
    parsed = parse_message(raw)
    assert parsed.text_body == "Grüße"
    assert has_defect(parsed, defect) if defect else parsed.defects == []


def test_declared_us_ascii_with_utf8_bytes_is_read_as_utf8():
    parsed = parse_message(b"Content-Type: text/plain; charset=us-ascii\r\n\r\n" + "naïve".encode())
    assert parsed.text_body == "naïve"
    assert has_defect(parsed, "not valid us-ascii, decoded as utf-8")


def test_bytes_invalid_in_every_charset_fall_back_to_latin1():
    parsed = parse_message(b"Content-Type: text/plain; charset=utf-8\r\n\r\nA\x81\x8dB")
    assert parsed.text_body == "A\x81\x8dB"
    assert has_defect(parsed, "decoded as latin-1")


def test_bad_bytes_in_a_cjk_charset_are_replaced_not_misread_as_latin():
    data = "中文".encode("gb2312") + b"\xff\xff" + "测试".encode("gb2312")
    parsed = parse_message(b"Content-Type: text/plain; charset=gb2312\r\n\r\n" + data)
    assert parsed.text_body.startswith("中文") and parsed.text_body.endswith("测试")
    assert has_defect(parsed, "invalid gb2312 bytes replaced")


@pytest.mark.parametrize(
    ("subject", "decoded"),
    [
        ("=?utf-8*en?Q?hello?=", "hello"),
        ("=??Q?caf=C3=A9?=", "café"),
        ("=?utf-8?B?SGVsbG8?=", "Hello"),
        ("=?utf-8?Q?a?= =?utf-8?Q?b?=", "ab"),
        ("=?utf-8?Q?a?= plain =?utf-8?Q?b?=", "a plain b"),
        ("=?utf-8?Q?a?=x=?utf-8?Q?b?=", "axb"),
        ("=?utf-8?X?abc?=", "=?utf-8?X?abc?="),
        ("=?utf-8?Q?unterminated", "=?utf-8?Q?unterminated"),
    ],
)
def test_encoded_words_edge_cases(subject, decoded):
    assert parse_message(f"Subject: {subject}\r\n\r\nx".encode()).subject == decoded


def test_unknown_transfer_encoding_keeps_the_content_and_says_so():
    parsed = parse_message(b"Content-Type: text/plain\r\nContent-Transfer-Encoding: x-gzip64\r\n\r\nabc")
    assert parsed.text_body == "abc"
    assert has_defect(parsed, "unknown Content-Transfer-Encoding 'x-gzip64'")


def test_invalid_base64_body_decodes_what_it_can():
    headers = b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    parsed = parse_message(headers + b"SGVsbG8gd29ybGQ*")
    assert parsed.text_body.startswith("Hello wor")


def test_a_header_line_without_colon_ends_the_headers_with_a_defect():
    parsed = parse_message(b"Subject: ok\r\nthis is not a header\r\nFrom: x@y.org\r\n\r\nbody")
    assert parsed.subject == "ok"
    assert "this is not a header" in parsed.text_body
    assert has_defect(parsed, "a header line without a colon ends the headers")


def test_mbox_from_line_before_the_headers_is_ignored():
    parsed = parse_message(b"From alice@example.com Mon Mar  4 10:00:00 2024\r\nSubject: mbox\r\n\r\nbody")
    assert parsed.subject == "mbox"
    assert parsed.defects == []


def test_a_nul_in_a_filename_or_address_does_not_survive():
    raw = (
        b'Content-Type: multipart/mixed; boundary="b"\r\nFrom: A\x00B <a\x00b@x.org>\r\n\r\n--b\r\n'
        b'Content-Type: application/pdf; name="a\x00.pdf"\r\n\r\n%PDF\r\n--b--\r\n'
    )
    parsed = parse_message(raw)
    assert parsed.from_[0].name == "AB"
    assert parsed.from_[0].email == "ab@x.org"
    assert parsed.attachments[0].filename == "a.pdf"


def test_iso2022jp_with_unknown_escape_sequences_still_decodes():
    raw = b"Content-Type: text/plain; charset=iso-2022-jp\r\n\r\n\x1b$(Dxx\x1b$B$3\x1b(Bok\x1b"
    parsed = parse_message(raw)
    assert parsed.text_body.endswith("ok")


def test_ids_written_in_raw_8bit_are_decoded_text_that_a_database_accepts():
    raw = (SAMPLES / "nonascii_message_id.eml").read_bytes()
    parsed = parse_message(raw)
    for value in (parsed.message_id, parsed.in_reply_to):
        value.encode("utf-8")  # no surrogates left
        assert "\x00" not in value
    assert parsed.message_id == "<café-crème@büro.example>"


def test_a_huge_message_id_gives_a_key_short_enough_to_index():
    from engine.identity import MAX_KEY_LENGTH, dedupe_key
    from engine.threads import thread_keys

    parsed = parse_message((SAMPLES / "huge_message_id.eml").read_bytes())
    assert len(parsed.message_id) > 6000
    key = dedupe_key(parsed.message_id, parsed.content_hash)
    assert key.startswith("sha256:") and len(key) <= MAX_KEY_LENGTH
    assert key == dedupe_key(parsed.message_id, parsed.content_hash), "the same id, the same key"
    assert all(len(k) <= MAX_KEY_LENGTH for k in thread_keys(parsed.message_id, "", []))
