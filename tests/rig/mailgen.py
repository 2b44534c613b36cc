"""Deterministic, varied test mail: plain and HTML, attachments, charsets, reply threads.

``generate(n, seed)`` always returns the same messages for the same arguments,
so benchmarks compare like with like across runs.
"""

import random
from datetime import UTC, datetime, timedelta
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime

PEOPLE = [
    ("Alice Martin", "alice@client.example"),
    ("Bob Dupont", "bob@client.example"),
    ("Chloé Lefèvre", "chloe@fournisseur.example"),
    ("Дмитрий Иванов", "dmitry@partner.example"),
    ("山田 太郎", "taro@partner.example"),
    ("Eve Adams", "eve@prospect.example"),
    ("Frank Müller", "frank@kunde.example"),
    ("Sales Team", "sales@ourcompany.example"),
]
SUBJECTS = [
    "Quote for 40 units",
    "Meeting next Tuesday",
    "Invoice 2026-{n}",
    "Délai de livraison",
    "Вопрос по договору",
    "見積もりのお願い",
    "Contract renewal",
    "Re: pricing",
    "Support ticket #{n}",
    "Lieferung verspätet",
    "Demo feedback",
    "Order confirmation {n}",
]
PARAGRAPH = (
    "Thank you for your message. As discussed on the phone, we can deliver the goods within two weeks "
    "of your order, provided the specifications stay as in the attached document. Let me know if you "
    "need anything else before Friday. "
)
CHARSETS = ["utf-8", "utf-8", "utf-8", "iso-8859-1", "koi8-r", "iso-2022-jp"]
#: A real 1x1 PNG, for inline images.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)
BASE_DATE = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def _body_text(rng, paragraphs):
    return "\n\n".join(PARAGRAPH * rng.randint(1, 3) for _ in range(paragraphs))


def _text_part(text, subtype, charset):
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    return MIMEText(text, subtype, charset)


def generate(count, seed=1, domain="gen.example", start=BASE_DATE):
    """*count* raw messages (bytes); about a third are replies within earlier threads."""
    rng = random.Random(seed)
    messages, sent_ids = [], []
    for n in range(count):
        sender, recipient = rng.sample(PEOPLE, 2)
        subject = rng.choice(SUBJECTS).format(n=n)
        charset = rng.choice(CHARSETS)
        text = f"Hello {recipient[0]},\n\n{_body_text(rng, rng.randint(1, 6))}\n\n-- \n{sender[0]}"
        kind = rng.random()
        if kind < 0.45:
            message = _text_part(text, "plain", charset)
        else:
            message = MIMEMultipart("mixed")
            alternative = MIMEMultipart("alternative")
            alternative.attach(_text_part(text, "plain", charset))
            html = "<html><body>" + "".join(f"<p>{p}</p>" for p in text.split("\n\n")) + "</body></html>"
            if kind < 0.6:
                related = MIMEMultipart("related")
                related.attach(_text_part(html.replace("</body>", '<img src="cid:logo@gen"></body>'), "html", charset))
                image = MIMEImage(PNG, "png")
                image.add_header("Content-ID", "<logo@gen>")
                image.add_header("Content-Disposition", "inline", filename="logo.png")
                related.attach(image)
                alternative.attach(related)
            else:
                alternative.attach(_text_part(html, "html", charset))
            message.attach(alternative)
            if kind > 0.75:
                size = rng.choice([2_000, 15_000, 60_000, 250_000])
                attachment = MIMEApplication(rng.randbytes(size), "pdf")
                attachment.add_header("Content-Disposition", "attachment", filename=f"document-{n}.pdf")
                message.attach(attachment)
        message_id = f"<gen-{seed}-{n}@{domain}>"
        message["Message-ID"] = message_id
        message["From"] = f'"{sender[0]}" <{sender[1]}>'
        message["To"] = f'"{recipient[0]}" <{recipient[1]}>'
        if rng.random() < 0.3:
            other = rng.choice(PEOPLE)
            message["Cc"] = f'"{other[0]}" <{other[1]}>'
        message["Date"] = format_datetime(start + timedelta(minutes=7 * n))
        if sent_ids and rng.random() < 0.35:
            parent = rng.choice(sent_ids[-50:])
            message["In-Reply-To"] = parent
            message["References"] = parent
            subject = "Re: " + subject
        message["Subject"] = subject
        sent_ids.append(message_id)
        messages.append(message.as_bytes())
    return messages
