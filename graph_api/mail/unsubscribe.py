"""One-click unsubscribe (RFC 8058): every email names a signed URL that switches its kind off.

Each email carries `List-Unsubscribe: <https://.../mail/unsubscribe/<token>>` and
`List-Unsubscribe-Post: List-Unsubscribe=One-Click`. The token packs the scope (message emails
or the notification digest), the member's id and the day it expires, with 12 bytes of
HMAC-SHA256 under a key derived from the service secret (as reply addresses are,
graph_api.mail.addresses): `<payload>.<mac>`, both URL-safe base64.

The URL is served without sign-in: a POST whose form body is `List-Unsubscribe=One-Click` (what
mail clients send, and what the page's button sends) sets the scope's setting to NEVER and
answers 200; a GET only shows a page with that button, since link scanners follow every link
in a mail. A forged or malformed token is 404, an expired one 400; neither touches the graph.
"""

from __future__ import annotations

import base64
import binascii
import email.policy
import hashlib
import hmac
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from graph_db import digests, messages
from graph_db.backend import Executor

log = logging.getLogger("graph_api.mail.unsubscribe")

PATH = "/mail/unsubscribe/"
DAY_MS = 86_400_000
MAC_BYTES = 12
MESSAGES, NOTIFICATIONS = "messages", "notifications"
# The first byte: the scope, upper case when the id is a UUID packed in 16 bytes (short URLs).
_SCOPE_BYTES = {MESSAGES: b"m", NOTIFICATIONS: b"n"}
_PAGES = Environment(
    loader=PackageLoader("graph_api.mail", "templates"), autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
)
# What each scope stops, in the page's words.
DESCRIPTIONS = {MESSAGES: "emails about your messages", NOTIFICATIONS: "the notification digest"}


def unsubscribe_key(secret: str) -> bytes:
    """The MAC key, derived from the service secret (never the secret itself)."""
    return hashlib.sha256(b"graph-api unsubscribe\0" + secret.encode()).digest()


@dataclass(frozen=True)
class UnsubscribeConfig:
    """How the links are signed (no key: emails carry no List-Unsubscribe) and how long a
    link works."""

    key: bytes = b""
    days: int = 90

    @classmethod
    def from_secret(cls, secret: str, days: int = 90) -> UnsubscribeConfig:
        return cls(key=unsubscribe_key(secret), days=days)


def scope_of(kind: str) -> str:
    """Which setting an outbox entry's email is governed by."""
    return NOTIFICATIONS if kind == digests.NOTIFICATION_DIGEST else MESSAGES


@dataclass(frozen=True)
class UnsubscribeToken:
    scope: str
    person_id: str
    expires_day: int

    def expired(self, now_ms: int) -> bool:
        return self.expires_day < now_ms // DAY_MS


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _pack(scope: str, person_id: str) -> tuple[bytes, bytes]:
    try:
        packed = uuid.UUID(person_id)
    except ValueError:
        return _SCOPE_BYTES[scope], person_id.encode()
    if str(packed) != person_id:  # not in canonical form: keep it as written
        return _SCOPE_BYTES[scope], person_id.encode()
    return _SCOPE_BYTES[scope].upper(), packed.bytes


def make_token(key: bytes, scope: str, person_id: str, *, now_ms: int, days: int) -> str:
    kind, ident = _pack(scope, person_id)
    payload = kind + (now_ms // DAY_MS + days).to_bytes(2, "big") + ident
    mac = hmac.new(key, payload, hashlib.sha256).digest()[:MAC_BYTES]
    return f"{_b64(payload)}.{_b64(mac)}"


def read_token(key: bytes, token: str) -> UnsubscribeToken | None:
    """What a token names (expired or not), or None when it is malformed or forged."""
    payload_text, _, mac_text = token.partition(".")
    try:
        payload, mac = _unb64(payload_text), _unb64(mac_text)
    except (binascii.Error, ValueError):
        return None
    expected = hmac.new(key, payload, hashlib.sha256).digest()[:MAC_BYTES]
    if len(payload) < 4 or not hmac.compare_digest(mac, expected):
        return None
    scopes = {v: k for k, v in _SCOPE_BYTES.items()}
    scope = scopes.get(payload[:1].lower())
    if scope is None:
        return None
    ident = payload[3:]
    if payload[:1].isupper():
        if len(ident) != 16:
            return None
        person_id = str(uuid.UUID(bytes=ident))
    else:
        try:
            person_id = ident.decode()
        except UnicodeDecodeError:
            return None
    return UnsubscribeToken(scope, person_id, int.from_bytes(payload[1:3], "big"))


class VerbatimHeader(str):
    """A header value sent as written, on one line (RFC 5322 allows 998 characters). The email
    policies fold a long line by turning it into RFC 2047 encoded words, and a mail client does
    not read an encoded URL as List-Unsubscribe's URL."""

    name: str

    def __new__(cls, name: str, value: str) -> VerbatimHeader:
        if "\r" in value or "\n" in value or len(name) + 2 + len(value) > 998:
            raise ValueError(f"header {name} cannot be sent verbatim")
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy: email.policy.Policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


def add_headers(
    email: EmailMessage, config: UnsubscribeConfig, *, public_url: str, kind: str,
    person_id: str, now_ms: int,
) -> None:
    """Give an email its List-Unsubscribe headers (nothing without a key: no signed links)."""
    if not config.key:
        return
    token = make_token(config.key, scope_of(kind), person_id, now_ms=now_ms, days=config.days)
    email["List-Unsubscribe"] = VerbatimHeader("List-Unsubscribe", f"<{public_url}{PATH}{token}>")
    email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"


def _one_click(body: bytes, content_type: str) -> bool:
    """The body says List-Unsubscribe=One-Click (form-urlencoded, or a multipart form)."""
    if content_type.startswith("multipart/form-data"):
        return b'name="List-Unsubscribe"' in body and b"One-Click" in body
    try:
        fields = parse_qs(body.decode("ascii"), strict_parsing=False)
    except UnicodeDecodeError:
        return False
    return fields.get("List-Unsubscribe") == ["One-Click"]


class UnsubscribeEndpoint:
    """GET: the page with the button; POST (one click): switch the email kind off."""

    MAX_BODY = 4096

    def __init__(self, backend: Callable[[], Executor | None], key: bytes,
                 clock: Callable[[], int]) -> None:
        self.backend, self.key, self.clock = backend, key, clock

    def _page(self, name: str, status: int, **values: object) -> Response:
        return HTMLResponse(_PAGES.get_template(name).render(values), status_code=status, headers={
            "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
            "X-Robots-Tag": "noindex",
        })

    async def __call__(self, request: Request) -> Response:
        token = read_token(self.key, request.path_params["token"]) if self.key else None
        if token is None:
            return self._page("unsubscribe.html", 404, state="unknown", what="")
        what = DESCRIPTIONS[token.scope]
        if token.expired(self.clock()):
            return self._page("unsubscribe.html", 400, state="expired", what=what)
        if request.method != "POST":
            return self._page("unsubscribe.html", 200, state="confirm", what=what)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.MAX_BODY:
                return self._page("unsubscribe.html", 400, state="bad", what=what)
        if not _one_click(body, request.headers.get("content-type", "")):
            return self._page("unsubscribe.html", 400, state="bad", what=what)
        db = self.backend()
        if db is None:
            return self._page("unsubscribe.html", 503, state="later", what=what)
        changed = await messages.update_settings(
            db, token.person_id, policy=None, email="NEVER" if token.scope == MESSAGES else None,
            notifications="NEVER" if token.scope == NOTIFICATIONS else None,
        )
        if changed is None:
            return self._page("unsubscribe.html", 404, state="unknown", what="")
        log.info("unsubscribed by email link", extra={"scope": token.scope})
        return self._page("unsubscribe.html", 200, state="done", what=what)
