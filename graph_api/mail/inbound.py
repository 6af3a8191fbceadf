"""Replies by email: a mail to a signed reply address is posted into its conversation as the
member it was issued to.

Three ways in, one rule set (`Replies.accept`): an SMTP listener (aiosmtpd, started in the
lifespan on GRAPH_API_SMTP_INBOUND_PORT), an HTTP webhook (POST /mail/inbound, the JSON
shape inbound-mail services post: From, OriginalRecipient/To, TextBody, Headers; or RawEmail
with the whole MIME message), authenticated by a shared secret, and `graph-api mail-in` (one
mail on stdin from an MTA's pipe transport; the listener and the command share
`Replies.accept_raw`). A mail is refused, and
logged, when it is too large, its reply address is forged or expired, its sender is not the
member the address was issued to, it is an automatic reply, or it says nothing once the
quoted history and the signature are stripped (mail-parser-reply); otherwise it is sent with
every rule of `sendMessage` (a participant, not blocked, not suspended).
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import hmac
import json
import logging
import re
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from mailparser_reply import EmailReplyParser
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from graph_api.mail.addresses import read_token
from graph_api.mail.compose import MailConfig
from graph_db import people
from graph_db.errors import BackendUnavailable, GraphApiError
from resolvers import messages as message_resolvers
from resolvers.context import Context, Viewer
from resolvers.loaders import Loaders
from resolvers.services import Services

log = logging.getLogger("graph_api.mail.inbound")
SIGNATURE = re.compile(r"^(-- ?|__+|Sent from my .*)$")


class ReplyRefused(Exception):
    """A reply that is not posted; `reply` is the SMTP answer (code and text), `reason` one of
    DISABLED, TOO_LARGE, MALFORMED, FORGED, SENDER, AUTOMATIC, EMPTY, REFUSED (a rule of
    sendMessage) or UNAVAILABLE (the database: try again later, a 4xx answer)."""

    def __init__(self, reply: str, reason: str = "REFUSED") -> None:
        super().__init__(reply)
        self.reply, self.reason = reply, reason

    @property
    def temporary(self) -> bool:
        return self.reply.startswith("4")


UNAVAILABLE = "451 4.3.0 the database is unavailable, try again later"


def parse_raw(data: bytes) -> EmailMessage:
    """An RFC 5322 message as received (SMTP DATA, stdin); ReplyRefused when unreadable."""
    try:
        parsed = email.message_from_bytes(data, policy=email.policy.default)
    except (ValueError, TypeError, LookupError):  # the parser is lenient; this is belt and braces
        raise ReplyRefused("550 5.6.0 the message cannot be parsed", "MALFORMED") from None
    assert isinstance(parsed, EmailMessage)
    if not data.strip() or not parsed.keys():
        raise ReplyRefused("550 5.6.0 the message has no headers", "MALFORMED")
    return parsed


def reply_text(message: EmailMessage) -> str:
    """What the member wrote: the plain-text part without quoted history or signature."""
    part = message.get_body(preferencelist=("plain",))
    text = str(part.get_content()) if part is not None else ""
    text = EmailReplyParser(languages=["en"]).parse_reply(text=text.replace("\r\n", "\n"))
    kept: list[str] = []
    for line in text.split("\n"):
        if SIGNATURE.match(line.rstrip()):
            break
        if not line.startswith(">"):  # quoted lines the parser left (no "On ... wrote:")
            kept.append(line)
    return "\n".join(kept).strip()


class Replies:
    """Checks an inbound reply and posts it as its member."""

    def __init__(self, services: Services, config: MailConfig, *, max_bytes: int) -> None:
        self.services, self.config, self.max_bytes = services, config, max_bytes

    def _address(self, candidates: list[str]) -> str | None:
        domain = (self.config.reply_domain or "").lower()
        for candidate in candidates:
            local, _, host = parseaddr(candidate)[1].rpartition("@")
            if host.lower() == domain and local:
                return local
        return None

    async def accept(self, message: EmailMessage, *, recipients: list[str], sender: str,
                     size: int) -> str:
        """Post the reply; returns the new message's id, or raises ReplyRefused."""
        if not self.config.reply_domain:
            raise ReplyRefused("550 5.1.1 replies by email are not enabled", "DISABLED")
        if size > self.max_bytes:
            raise ReplyRefused("552 5.3.4 message size too large", "TOO_LARGE")
        headers = [str(v) for name in ("To", "Cc") for v in message.get_all(name, [])]
        token = self._address(recipients + [a for _, a in getaddresses(headers)])
        now = self.services.clock()
        address = read_token(self.config.reply_key, token, now_ms=now) if token else None
        if address is None:
            raise ReplyRefused("550 5.7.1 unknown, forged or expired reply address", "FORGED")
        if str(message.get("Auto-Submitted", "no")).strip().lower() != "no":
            raise ReplyRefused("550 5.7.1 automatic replies are not posted", "AUTOMATIC")
        try:
            person = await people.get(self.services.backend, address.person_id)
        except BackendUnavailable:
            raise ReplyRefused(UNAVAILABLE, "UNAVAILABLE") from None
        senders = {parseaddr(sender)[1].lower(), parseaddr(str(message.get("From", "")))[1].lower()}
        if person is None or senders != {person.email.lower()}:
            raise ReplyRefused("550 5.7.1 the sender is not the member this address was given to",
                               "SENDER")
        try:
            text = reply_text(message)
        except (LookupError, ValueError, TypeError):  # an unknown charset, a broken part
            raise ReplyRefused("550 5.6.0 the message's text cannot be read", "MALFORMED") from None
        if not text:
            raise ReplyRefused("550 5.6.0 the reply is empty once quotes are removed", "EMPTY")
        db = self.services.backend.session(causal_key=person.id)
        ctx = Context(db=db, services=self.services, loaders=Loaders(db, person.id),
                      viewer=Viewer(person.id, person.role, person), request_id="mail-in")
        try:
            sent = await message_resolvers.send_message(
                ctx, recipient_ids=None, conversation_id=address.conversation_id, body=text
            )
        except BackendUnavailable:
            raise ReplyRefused(UNAVAILABLE, "UNAVAILABLE") from None
        except GraphApiError as exc:
            raise ReplyRefused(f"550 5.7.1 {exc.message}") from None
        return sent.message.id

    async def accept_logged(self, message: EmailMessage, *, recipients: list[str], sender: str,
                            size: int, via: str) -> str:
        """`accept`, logging the outcome (never the text); a refusal is logged and re-raised."""
        try:
            posted = await self.accept(message, recipients=recipients, sender=sender, size=size)
        except ReplyRefused as refused:
            log.warning("reply by email refused", extra={"via": via, "reason": refused.reply})
            raise
        log.info("reply by email posted", extra={"via": via, "message_id": posted})
        return posted

    async def accept_raw(self, data: bytes, *, recipients: list[str], sender: str, via: str) -> str:
        """`accept_logged` for a message as received (SMTP DATA, stdin): size first, then parse."""
        try:
            if len(data) > self.max_bytes:
                raise ReplyRefused("552 5.3.4 message size too large", "TOO_LARGE")
            parsed = parse_raw(data)
        except ReplyRefused as refused:
            log.warning("reply by email refused", extra={"via": via, "reason": refused.reply})
            raise
        return await self.accept_logged(parsed, recipients=recipients, sender=sender,
                                        size=len(data), via=via)


class InboundSmtpHandler:
    """aiosmtpd handler: answers 250 when the reply is posted, the refusal's code otherwise."""

    def __init__(self, replies: Replies) -> None:
        self.replies = replies

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else raw.encode()
        try:
            await self.replies.accept_raw(
                data, recipients=[str(r) for r in envelope.rcpt_tos],
                sender=str(envelope.mail_from or ""), via="smtp",
            )
        except ReplyRefused as refused:
            return refused.reply
        return "250 OK"


def _from_json(body: dict[str, Any]) -> tuple[EmailMessage, list[str], str]:
    """The webhook's JSON as a message, its recipients and its sender."""
    raw = body.get("RawEmail")
    if isinstance(raw, str):
        parsed = email.message_from_string(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        recipients = [str(body.get("OriginalRecipient") or "")]
        return parsed, [r for r in recipients if r], str(parsed.get("From", ""))
    message = EmailMessage()
    for header in body.get("Headers") or []:
        if isinstance(header, dict) and header.get("Name") and header.get("Name") not in (
            "To", "From", "Content-Type", "Content-Transfer-Encoding", "MIME-Version"
        ):
            message[str(header["Name"])] = str(header.get("Value", ""))
    sender = str(body.get("From") or "")
    message["From"] = sender
    message["To"] = str(body.get("To") or "")
    message.set_content(str(body.get("TextBody") or ""))
    recipients = [str(body.get("OriginalRecipient") or body.get("To") or "")]
    return message, recipients, sender


class InboundWebhook:
    """POST /mail/inbound with the shared secret (header X-Inbound-Secret, or as the password
    of HTTP basic auth): 200 when posted, 4xx with the reason otherwise."""

    def __init__(self, replies: Replies, secret: str) -> None:
        self.replies, self.secret = replies, secret

    def _authorised(self, request: Request) -> bool:
        given = request.headers.get("x-inbound-secret", "")
        auth = request.headers.get("authorization", "")
        if not given and auth.lower().startswith("basic "):
            try:
                given = base64.b64decode(auth[6:]).decode().partition(":")[2]
            except (binascii.Error, UnicodeDecodeError):
                given = ""
        return bool(given) and hmac.compare_digest(given.encode(), self.secret.encode())

    async def __call__(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        data = await request.body()
        if len(data) > self.replies.max_bytes * 2:  # JSON escaping may double a mail
            return JSONResponse({"error": "message too large"}, status_code=413)
        try:
            body = json.loads(data)
            if not isinstance(body, dict):
                raise ValueError
            message, recipients, sender = _from_json(body)
        except (ValueError, TypeError):
            return JSONResponse({"error": "expected a JSON object"}, status_code=400)
        try:
            posted = await self.replies.accept_logged(message, recipients=recipients, sender=sender,
                                                      size=len(data), via="webhook")
        except ReplyRefused as refused:
            status = 413 if refused.reply.startswith("552") else 503 if refused.temporary else 422
            return JSONResponse({"error": refused.reply}, status_code=status)
        return JSONResponse({"posted": posted})
