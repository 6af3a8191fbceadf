"""Emails as the delivery worker sends them (graph_api.mail.compose.wire_bytes): 7-bit
clean, RFC 2047 names and subjects, folded headers, threading headers, the signed Reply-To
and a text + HTML alternative, all reading back exactly."""

from __future__ import annotations

import email
import email.policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import parseaddr

import pytest
from aiosmtplib.email import extract_recipients, extract_sender

from graph_api.mail.addresses import read_token, reply_key
from graph_api.mail.compose import (
    MailConfig,
    build_email,
    compose_message,
    header_value,
    wire_bytes,
)
from graph_db.outbox import ClaimedEmailRecord, OutboxEntryRecord

CONVERSATION = "5f0c7c3e-3a53-4a0e-9a44-3b1f7f1f2d10"
RECIPIENT = "0b7d6a2c-0e5a-4f0e-8d55-7c9e7b4e2a11"
NOW = 1_800_000_000_000
CONFIG = MailConfig(sender="Mentoring Network <no-reply@mentors.example>",
                    public_url="https://mentors.example", reply_domain="reply.mentors.example",
                    reply_key=reply_key("secret"))
LONG_NAME = "Zoë Ångström-Łukasiewicz, Professorin für Kardiologie und Innere Medizin"
BODY = "Grüße! <b>bold</b> & more\nFrom the ward: a line " + "long " * 60 + "\n> quoted =\n"


def claimed(sender: str, recipient: str, *, group: str | None = None) -> ClaimedEmailRecord:
    entry = OutboxEntryRecord(id="e1:r1", kind="MESSAGE", status="PENDING", recipientId=RECIPIENT,
                              attempts=0, dueAt=NOW, createdAt=NOW, messageId="m1",
                              conversationId=CONVERSATION)
    return ClaimedEmailRecord(
        entry=entry, deliverable=True, recipientEmail="ben@example.org", recipientName=recipient,
        senderId="s1", senderName=sender, body=BODY, sentAt=NOW,
        conversationName=group, conversationKind="GROUP" if group else "DIRECT",
    )


def mailbox(raw: bytes, name: str) -> tuple[str, str]:
    """A name and address as RFC 2047 reads them: the space between two encoded words of a
    folded name is not part of it (the default policy's address parser keeps it: "fü r")."""
    value = email.message_from_bytes(raw, policy=email.policy.compat32)[name]
    decoded = str(make_header(decode_header(value)))
    if decoded.startswith('"'):  # an ASCII name, quoted: the address parser reads it right
        return parseaddr(decoded)
    display, _, address = decoded.rpartition(" <")
    return display, address.rstrip(">")


def sent(message: EmailMessage) -> tuple[bytes, EmailMessage]:
    raw = wire_bytes(message)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return raw, parsed


@pytest.mark.parametrize(("sender", "recipient", "group"), [
    ("Ada Lovelace", "Ben Okafor", None),
    (LONG_NAME, "Ben O'Neil, Jr. (Cardiology)", None),
    ("Ada", "Björk Guðmundsdóttir", " and ".join(["Grant writing circle: Zürich, Montréal"] * 3)),
])
def test_composed_emails_read_back_exactly(
    sender: str, recipient: str, group: str | None
) -> None:
    message = compose_message(CONFIG, claimed(sender, recipient, group=group))
    raw, parsed = sent(message)
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert raw.isascii() and b"\n" not in raw.replace(b"\r\n", b"")
    # Folded to 78 columns, but for the Reply-To address: one word, which cannot be folded.
    assert max(len(line) for line in head.split(b"\r\n") if b"@reply." not in line) <= 78
    subject = f"{sender} in {group}" if group else f"Message from {sender}"
    assert str(parsed["Subject"]) == subject
    assert mailbox(raw, "From") == (f"{sender} (Mentoring Network)", "no-reply@mentors.example")
    assert mailbox(raw, "To") == (recipient, "ben@example.org")
    assert parsed["Message-ID"] == "<outbox.e1.r1@mentors.example>"
    thread = f"<conversation.{CONVERSATION}@mentors.example>"
    # Too long for one line with its name: folded before it (the parser keeps that space).
    assert parsed["In-Reply-To"].strip() == thread and parsed["References"].strip() == thread
    assert parsed["Auto-Submitted"] == "auto-generated" and parsed["Date"].datetime is not None
    local, _, domain = str(parsed["Reply-To"]).partition("@")
    address = read_token(CONFIG.reply_key, local, now_ms=NOW)
    assert domain == "reply.mentors.example" and address is not None
    assert (address.conversation_id, address.person_id) == (CONVERSATION, RECIPIENT)
    assert parsed.get_content_type() == "multipart/alternative"
    text, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert text is not None and html is not None
    assert BODY.replace("\n", "\r\n") in text.get_content()  # type: ignore[attr-defined]
    assert "Grüße! &lt;b&gt;bold&lt;/b&gt; &amp; more" in html.get_content()  # type: ignore[attr-defined]
    # What aiosmtplib reads for the envelope.
    assert extract_sender(message) is not None
    assert extract_recipients(message) == ["ben@example.org"]


def test_header_values_refuse_line_breaks_and_fold_only_what_needs_it() -> None:
    with pytest.raises(ValueError):
        header_value("Subject", "Hi\r\nBcc: victim@example.org")
    assert header_value("Subject", "Plain and short") == "Plain and short"
    folded = header_value("Subject", "word " * 40)
    assert "\n" in folded and all(len(line) <= 78 for line in f"Subject: {folded}".splitlines())
    assert header_value("Subject", "Grüße").startswith("=?utf-8?")


def test_build_email_takes_more_headers_afterwards() -> None:
    message = build_email([("Subject", "Digest"), ("To", "ben@example.org")], "text", "<p>html</p>")
    message["List-Unsubscribe"] = "<https://mentors.example/mail/unsubscribe/" + "t" * 120 + ">"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    _, parsed = sent(message)
    assert parsed["List-Unsubscribe"].strip() == message["List-Unsubscribe"]  # folded before it
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
