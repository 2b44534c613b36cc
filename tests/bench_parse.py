"""Speed check of engine.parse (not a test): prints messages parsed per second on one core.

    cd /work/main && python3 tests/bench_parse.py [--seconds 5]

The corpus mimics an ordinary mailbox: plain text, text+html alternatives, and
mails with a small attachment, 5-50 KB each, plus the golden samples.
"""

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from email.charset import BASE64, QP, Charset
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import BytesParser
from email.policy import compat32
from email.utils import format_datetime, make_msgid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "imap_conversations"))

from engine.parse import parse_message

SAMPLES = Path(__file__).resolve().parent.parent / "imap_conversations" / "tests" / "samples"
WORDS = [
    "invoice",
    "meeting",
    "project",
    "delivery",
    "schedule",
    "Grüße",
    "résumé",
    "report",
    "quarter",
    "budget",
    "follow-up",
    "client",
    "review",
    "draft",
    "signed",
    "contract",
    "thanks",
    "regards",
]


def _paragraphs(rng, size):
    words = []
    while sum(len(word) + 1 for word in words) < size:
        words.append(rng.choice(WORDS))
    lines = [" ".join(words[index : index + 12]) for index in range(0, len(words), 12)]
    return "\n".join(lines)


def _headers(message, rng, number):
    message["From"] = f'"Sender {number}" <sender{number}@example.com>'
    message["To"] = "Team <team@example.org>, =?utf-8?q?J=C3=BCrgen?= <j@example.de>"
    message["Cc"] = "boss@example.org"
    message["Subject"] = f"Re: {rng.choice(WORDS)} {number}"
    message["Date"] = format_datetime(datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=number))
    message["Message-ID"] = make_msgid(domain="example.com")
    message["References"] = " ".join(make_msgid(domain="example.com") for _ in range(rng.randint(0, 8)))
    for hop in range(6):
        message["Received"] = (
            f"from mx{hop}.example.net (mx{hop}.example.net [192.0.2.{hop}]) by "
            f"mail.example.com with ESMTPS id {number}x{hop}; {message['Date']}"
        )
    return message


def _text(body, subtype, encoding):
    charset = Charset("utf-8")
    charset.body_encoding = encoding  # 8bit, quoted-printable or base64, as real senders vary
    return MIMEText(body, subtype, charset)


def _typical_message(rng, number):
    kind = number % 4 % 3  # plain, alternative, alternative + attachment, plain again
    body = _paragraphs(rng, rng.randint(3_000, 20_000))
    encoding = (None, QP, BASE64)[number % 3]
    if kind == 0:
        message = _text(body, "plain", encoding)
    else:
        alternative = MIMEMultipart("alternative")
        alternative.attach(_text(body, "plain", encoding))
        html = "".join(f"<p>{line}</p>\n" for line in body.splitlines())
        alternative.attach(_text(f"<html><body>{html}</body></html>", "html", encoding))
        message = alternative
        if kind == 2:
            message = MIMEMultipart("mixed")
            message.attach(alternative)
            attachment = MIMEApplication(rng.randbytes(rng.randint(2_000, 15_000)), "pdf")
            attachment.add_header("Content-Disposition", "attachment", filename=f"report-{number}.pdf")
            message.attach(attachment)
    return _headers(message, rng, number).as_bytes()


def corpus(count=300):
    rng = random.Random(42)
    messages = [_typical_message(rng, number) for number in range(count)]
    messages += [path.read_bytes() for path in sorted(SAMPLES.glob("*.eml")) if path.stat().st_size < 100_000]
    return messages


def rate(function, messages, seconds):
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for raw in messages:
            function(raw)
        done += len(messages)
    return done / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    messages = corpus()
    average_kb = sum(map(len, messages)) / len(messages) / 1024
    stdlib = BytesParser(policy=compat32)
    baseline = rate(stdlib.parsebytes, messages, args.seconds)
    measured = rate(parse_message, messages, args.seconds)
    print(f"{len(messages)} messages, {average_kb:.1f} KB on average")
    print(f"BytesParser(compat32) alone: {baseline:,.0f} messages/s")
    print(f"engine.parse.parse_message:  {measured:,.0f} messages/s")


if __name__ == "__main__":
    main()
