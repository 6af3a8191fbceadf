"""How an outbox entry becomes an email: headers that thread and identify it, and bodies
rendered from Jinja2 templates (HTML autoescaped, so a message's own HTML stays text)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr

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
    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = formataddr((f"{sender} (Mentoring Network)", parseaddr(config.sender)[1]))
    email["To"] = formataddr((claimed.recipientName or "", claimed.recipientEmail))
    email["Date"] = formatdate((claimed.sentAt or entry.createdAt) / 1000, usegmt=True)
    email["Message-ID"] = message_id(config, entry.id)
    email["In-Reply-To"] = thread_id(config, entry.conversationId)
    email["References"] = thread_id(config, entry.conversationId)
    email["Auto-Submitted"] = "auto-generated"
    if reply_address:
        email["Reply-To"] = reply_address
    email.set_content(TEMPLATES.get_template("message.txt").render(values))
    email.add_alternative(TEMPLATES.get_template("message.html").render(values), subtype="html")
    return email
