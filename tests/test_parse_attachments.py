"""engine.parse: which parts become attachments, and how they are named and flagged."""

import base64
from textwrap import dedent

import pytest

from engine.parse import parse_message


def mixed(*parts: str, subtype="mixed") -> bytes:
    body = "".join(f"--B\n{dedent(part).strip()}\n" for part in parts) + "--B--\n"
    return f'Content-Type: multipart/{subtype}; boundary="B"\n\n{body}'.replace("\n", "\r\n").encode()


def attachment_part(headers: str, content: bytes = b"data") -> str:
    return f"{headers}\nContent-Transfer-Encoding: base64\n\n{base64.b64encode(content).decode()}"


def only_attachment(headers: str, content: bytes = b"data"):
    parsed = parse_message(mixed("Content-Type: text/plain\n\nbody", attachment_part(headers, content)))
    assert len(parsed.attachments) == 1
    return parsed.attachments[0]


def test_attachment_fields_describe_the_decoded_content():
    attachment = only_attachment(
        'Content-Type: application/pdf; name=x.pdf\nContent-Disposition: attachment; filename="Report.PDF"',
        b"%PDF-1.4 content",
    )
    assert attachment.filename == "Report.PDF"
    assert attachment.extension == "pdf"
    assert attachment.mimetype == "application/pdf"
    assert attachment.content == b"%PDF-1.4 content"
    assert attachment.size == 16
    assert attachment.content_id == ""
    assert attachment.inline is False


@pytest.mark.parametrize(
    ("headers", "filename"),
    [
        ("Content-Type: application/pdf", "attachment-1.pdf"),
        ("Content-Type: image/jpeg\nContent-Disposition: inline", "attachment-1.jpg"),
        ("Content-Type: application/x-unheard-of", "attachment-1.bin"),
        ('Content-Type: application/pdf; name=""', "attachment-1.pdf"),
        ('Content-Type: application/pdf; name="..."', "attachment-1.pdf"),
    ],
)
def test_nameless_attachments_get_a_name_from_their_type(headers, filename):
    assert only_attachment(headers).filename == filename


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\\\Users\\\\eve\\\\invoice.pdf", "invoice.pdf"),
        ("what?.txt", "what_.txt"),
        ("  spaced   name .txt ", "spaced name .txt"),
    ],
)
def test_filenames_lose_paths_and_forbidden_characters(written, kept):
    attachment = only_attachment(f'Content-Type: text/plain; name="{written}"')
    assert attachment.filename == kept


def test_control_characters_in_filenames_are_replaced_and_nul_bytes_dropped():
    assert only_attachment("Content-Type: text/plain; name*=utf-8''a%09b%00c.txt").filename == "a_bc.txt"


@pytest.mark.parametrize(
    ("filename", "extension"),
    [("a.PDF", "pdf"), ("archive.tar.gz", "gz"), ("README", ""), (".bashrc", ""), ("odd.ext with space", "")],
)
def test_extension_is_the_lower_cased_last_suffix(filename, extension):
    attachment = only_attachment(f'Content-Type: application/octet-stream; name="{filename}"')
    assert attachment.extension == extension


def test_octet_stream_with_a_known_extension_gets_the_real_mimetype():
    octet_stream = "Content-Type: application/octet-stream; name="
    assert only_attachment(octet_stream + '"scan.pdf"').mimetype == "application/pdf"
    assert only_attachment(octet_stream + '"x.weird"').mimetype == "application/octet-stream"


@pytest.mark.parametrize(
    ("headers", "filename"),
    [
        ("Content-Type: text/plain; name*=utf-8''%C3%A9t%C3%A9.txt", "été.txt"),
        ("Content-Type: text/plain; name*=iso-8859-1'fr'%E9t%E9.txt", "été.txt"),
        ('Content-Type: text/plain; name*0="long"; name*1="-name.txt"', "long-name.txt"),
        ("Content-Type: text/plain; name*=x-bogus''caf%C3%A9.txt", "café.txt"),
        ('Content-Type: text/plain; name="=?utf-8?B?w6l0w6kudHh0?="', "été.txt"),
        ('Content-Type: text/plain\nContent-Disposition: attachment; filename="été.txt"', "été.txt"),
    ],
)
def test_filenames_are_decoded_from_rfc2231_encoded_words_and_raw_8bit(headers, filename):
    assert only_attachment(headers).filename == filename


def test_quoted_parameters_may_contain_semicolons_and_escaped_quotes():
    assert only_attachment('Content-Type: text/plain; name="a;b.txt"; x=1').filename == "a;b.txt"
    escaped = only_attachment('Content-Type: text/plain; name="say \\"hi\\"; ok.txt"')
    assert escaped.filename == "say _hi_; ok.txt"


def test_disposition_filename_wins_over_content_type_name():
    attachment = only_attachment(
        'Content-Type: text/plain; name="old.txt"\nContent-Disposition: attachment; filename="new.txt"'
    )
    assert attachment.filename == "new.txt"


def test_images_referenced_by_cid_are_inline_even_without_disposition():
    parsed = parse_message(
        mixed(
            'Content-Type: text/html\n\n<img src="cid:part1.ABC@x">',
            attachment_part("Content-Type: image/png\nContent-ID: <part1.ABC@x>"),
            attachment_part("Content-Type: image/png\nContent-ID: <unreferenced@x>"),
            subtype="related",
        )
    )
    assert [(a.content_id, a.inline) for a in parsed.attachments] == [("part1.ABC@x", True), ("unreferenced@x", False)]


def test_inline_disposition_makes_an_attachment_inline():
    assert only_attachment("Content-Type: image/gif; name=a.gif\nContent-Disposition: inline").inline is True


def test_a_forwarded_message_is_one_eml_attachment_named_after_its_subject():
    parsed = parse_message(
        mixed(
            "Content-Type: text/plain\n\nsee below",
            "Content-Type: message/rfc822\n\n"
            "Subject: =?utf-8?Q?R=C3=A9sum=C3=A9?= of 2024\nFrom: a@x.org\n\ninner body",
        )
    )
    (attachment,) = parsed.attachments
    assert (attachment.filename, attachment.extension, attachment.mimetype) == (
        "Résumé of 2024.eml",
        "eml",
        "message/rfc822",
    )
    assert attachment.content.endswith(b"\r\n\r\ninner body")
    assert b"=?utf-8?Q?R=C3=A9sum=C3=A9?=" in attachment.content
    assert parsed.text_body == "see below"


@pytest.mark.parametrize(
    ("headers", "filename"),
    [
        ("Content-Type: message/rfc822", "forwarded-message.eml"),
        ("Content-Type: message/rfc822\nContent-Disposition: attachment; filename=original", "original.eml"),
        ('Content-Type: message/rfc822; name="mail.eml"', "forwarded-message.eml"),
        ("Content-Type: message/rfc822\nContent-Disposition: attachment; filename=f.msg.eml", "f.msg.eml"),
    ],
)
def test_forwarded_message_names(headers, filename):
    parsed = parse_message(mixed("Content-Type: text/plain\n\nx", f"{headers}\n\nFrom: a@x.org\n\ninner"))
    assert [a.filename for a in parsed.attachments] == [filename]


def test_forwarded_message_keeps_its_lf_line_endings_when_the_mail_has_them():
    raw = mixed("Content-Type: text/plain\n\nx", "Content-Type: message/rfc822\n\nSubject: s\n\ninner")
    attachment = parse_message(raw.replace(b"\r\n", b"\n")).attachments[0]
    assert attachment.content == b"Subject: s\n\ninner"


@pytest.mark.parametrize("encoding", ["base64", "BASE64", "base64 "])
def test_content_transfer_encoding_is_matched_loosely(encoding):
    zip_part = f"Content-Type: application/zip; name=a.zip\nContent-Transfer-Encoding: {encoding}\n\nUEsDBA=="
    raw = mixed("Content-Type: text/plain\n\nbody", zip_part)
    assert parse_message(raw).attachments[0].content == b"PK\x03\x04"


def test_quoted_printable_attachment_is_decoded():
    csv_part = "Content-Type: text/csv\nContent-Transfer-Encoding: quoted-printable\n\na;b=3Dc=\n;d"
    raw = mixed("Content-Type: text/plain\n\nbody", csv_part)
    assert parse_message(raw).attachments[0].content == b"a;b=c;d"
