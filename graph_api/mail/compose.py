"""How an outbox entry becomes an email: headers that thread and identify it, and bodies
rendered from Jinja2 templates (HTML autoescaped, so a message's own HTML stays text)."""

from __future__ import annotations

import email.policy
import io
from collections.abc import Iterable
from dataclasses import dataclass
from email.charset import QP, Charset
from email.generator import BytesGenerator
from email.headerregistry import Address, BaseHeader
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

import aiosmtplib
from aiosmtplib.email import extract_recipients, extract_sender
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from graph_api.config import Settings
from graph_api.mail.addresses import make_token, reply_key
from graph_db.outbox import ClaimedEmailRecord
from schema.base import to_global_id

TEMPLATES = Environment(
    loader=PackageLoader("graph_api.mail", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False,
                                 default=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class MailConfig:
    """Where and how mail is sent, and how the delivery worker paces itself."""

    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"  # none, starttls, tls
    username: str | None = None
    password: str | None = None
    sender: str = "Mentoring Network <no-reply@localhost>"
    timeout_seconds: float = 30.0
    max_attempts: int = 8
    retry_ms: int = 30_000
    retry_max_ms: int = 3_600_000
    lease_ms: int = 120_000
    batch_size: int = 50
    poll_seconds: float = 5.0
    public_url: str = "http://127.0.0.1:8000"
    reply_domain: str | None = None  # replies by email (graph_api.mail.addresses), when set
    reply_key: bytes = b""
    reply_days: int = 90

    @classmethod
    def from_settings(cls, settings: Settings) -> MailConfig:
        return cls(
            host=settings.smtp_host or "127.0.0.1", port=settings.smtp_port,
            security=settings.smtp_security, username=settings.smtp_username,
            password=settings.smtp_password, sender=settings.smtp_from,
            timeout_seconds=settings.smtp_timeout_seconds, max_attempts=settings.smtp_max_attempts,
            retry_ms=int(settings.smtp_retry_seconds * 1000),
            retry_max_ms=int(settings.smtp_retry_max_seconds * 1000),
            lease_ms=int(settings.smtp_lease_seconds * 1000), batch_size=settings.smtp_batch_size,
            poll_seconds=settings.smtp_poll_seconds, public_url=settings.public_url.rstrip("/"),
            reply_domain=settings.smtp_reply_domain, reply_key=reply_key(settings.jwt_secret),
            reply_days=settings.smtp_reply_days,
        )

    @property
    def domain(self) -> str:
        """The sending domain: Message-IDs and thread ids are made under it."""
        address = parseaddr(self.sender)[1]
        return address.rpartition("@")[2] or "localhost"


def message_id(config: MailConfig, entry_id: str) -> str:
    """The email's Message-ID, derived from the outbox entry: a resend is the same mail."""
    return f"<outbox.{entry_id.replace(':', '.')}@{config.domain}>"


def thread_id(config: MailConfig, conversation_id: str) -> str:
    """One id per conversation, which every email of it refers to, so mail clients thread it."""
    return f"<conversation.{conversation_id}@{config.domain}>"


def reply_to(config: MailConfig, conversation_id: str, person_id: str, now_ms: int) -> str | None:
    """The signed address whose mail is posted into the conversation as `person_id`."""
    if not config.reply_domain:
        return None
    token = make_token(config.reply_key, conversation_id, person_id, now_ms=now_ms,
                       days=config.reply_days)
    return f"{token}@{config.reply_domain}" if token else None


# Emails are built and flattened under compat32, with each header value stored ready to send.
# The default policy parses every header as it is set, and again whenever it is read, and
# while flattening: that was most of the delivery worker's time (bench/mail_drain.py). Values
# that need it (not ASCII, too long) are still encoded (RFC 2047) and folded by the default
# policy's own folder; bodies are UTF-8 quoted-printable, so every email is 7-bit clean.
COMPOSE_POLICY = email.policy.compat32.clone(mangle_from_=False)
_WIRE_POLICY = COMPOSE_POLICY.clone(linesep="\r\n")
_FOLD_POLICY = email.policy.SMTP
_MAX_LINE = _FOLD_POLICY.max_line_length or 78
_BODY_CHARSET = Charset("utf-8")
_BODY_CHARSET.body_encoding = QP


def header_value(name: str, value: str) -> str:
    """`value` as it goes on the wire: RFC 2047-encoded when not ASCII, folded when long."""
    if "\r" in value or "\n" in value:  # as EmailMessage refuses them: no header injection
        raise ValueError(f"header {name} may not contain linefeed or carriage return characters")
    if value.isascii() and len(name) + 2 + len(value) <= _MAX_LINE:
        return value
    header: BaseHeader = _FOLD_POLICY.header_factory(name, value)  # typeshed: Incomplete
    return header.fold(policy=_FOLD_POLICY).partition(":")[2].strip()


def mailbox(name: str, address: str) -> str:
    """`"Name" <address>` in Unicode, quoted where needed; `header_value` encodes it. (Not
    formataddr: its single encoded word for a long non-ASCII name came back split mid-letter
    and cut short once the default policy refolded it.)"""
    return str(Address(display_name=name, addr_spec=address)) if name else address


def build_email(headers: Iterable[tuple[str, str]], text: str, html: str) -> EmailMessage:
    """A multipart/alternative email (plain text, then HTML) with these headers."""
    message = EmailMessage(policy=COMPOSE_POLICY)
    for name, value in headers:
        message[name] = header_value(name, value)
    message["MIME-Version"] = "1.0"
    message["Content-Type"] = "multipart/alternative"  # the boundary is made when it is sent
    for body, subtype in ((text, "plain"), (html, "html")):
        part = EmailMessage(policy=COMPOSE_POLICY)
        part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
        part["Content-Transfer-Encoding"] = "quoted-printable"
        part.set_payload(_BODY_CHARSET.body_encode(body))
        message.attach(part)
    return message


def wire_bytes(message: EmailMessage) -> bytes:
    """An email from `build_email` as sent: flattened under its own policy, CRLF line ends."""
    buffer = io.BytesIO()
    BytesGenerator(buffer, policy=_WIRE_POLICY).flatten(message)
    return buffer.getvalue()


async def send_email(client: aiosmtplib.SMTP, message: EmailMessage) -> None:
    """Send over an open connection. aiosmtplib flattens any EmailMessage under the default
    policy (each header parsed again); ours are flattened as built. Others go as before."""
    if message.policy is not COMPOSE_POLICY:
        await client.send_message(message)
        return
    sender = extract_sender(message)
    assert sender is not None, "an email without From"
    await client.sendmail(sender, extract_recipients(message), wire_bytes(message))


def compose_message(config: MailConfig, claimed: ClaimedEmailRecord) -> EmailMessage:
    """The email announcing a claimed MESSAGE entry to its recipient."""
    entry = claimed.entry
    reply_address = reply_to(config, entry.conversationId or "", entry.recipientId,
                             claimed.sentAt or entry.createdAt)
    assert claimed.recipientEmail is not None and entry.conversationId is not None
    sender = claimed.senderName or "A member"
    group = claimed.conversationKind == "GROUP"
    subject = (f"{sender} in {claimed.conversationName}" if group and claimed.conversationName
               else f"Message from {sender}")
    values = {
        "sender": sender, "body": claimed.body or "", "subject": subject,
        "conversation_name": claimed.conversationName if group else None,
        "link": f"{config.public_url}/conversations/{to_global_id('Conversation', entry.conversationId)}",
        "settings_link": f"{config.public_url}/settings/messages",
        "reply_by_email": reply_address is not None,
    }
    headers = [
        ("Subject", subject),
        ("From", mailbox(f"{sender} (Mentoring Network)", parseaddr(config.sender)[1])),
        ("To", mailbox(claimed.recipientName or "", claimed.recipientEmail)),
        ("Date", formatdate((claimed.sentAt or entry.createdAt) / 1000, usegmt=True)),
        ("Message-ID", message_id(config, entry.id)),
        ("In-Reply-To", thread_id(config, entry.conversationId)),
        ("References", thread_id(config, entry.conversationId)),
        ("Auto-Submitted", "auto-generated"),
        *([("Reply-To", reply_address)] if reply_address else []),
    ]
    return build_email(headers, TEMPLATES.get_template("message.txt").render(values),
                       TEMPLATES.get_template("message.html").render(values))
