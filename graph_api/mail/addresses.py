"""Signed reply addresses: `<token>@<reply domain>`, one per recipient and conversation.

The token packs the conversation id and the recipient id (UUIDs, 16 bytes each), the day
it expires (2 bytes, days since the epoch) and 6 bytes of HMAC-SHA256 over them, in
lower-case base32: 64 characters, the longest local part SMTP allows, and case-insensitive
(some mail servers change the case of local parts). A forged or altered token fails the
MAC; an old one is refused after its day; ids that are not UUIDs get no reply address.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from dataclasses import dataclass

MAC_BYTES = 6
DAY_MS = 86_400_000


def reply_key(secret: str) -> bytes:
    """The MAC key, derived from the service secret (never the secret itself)."""
    return hashlib.sha256(b"graph-api reply address\0" + secret.encode()).digest()


@dataclass(frozen=True)
class ReplyAddress:
    conversation_id: str
    person_id: str
    expires_day: int


def make_token(key: bytes, conversation_id: str, person_id: str, *, now_ms: int, days: int) -> str | None:
    try:
        ids = uuid.UUID(conversation_id).bytes + uuid.UUID(person_id).bytes
    except ValueError:
        return None
    body = ids + (now_ms // DAY_MS + days).to_bytes(2, "big")
    mac = hmac.new(key, body, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.b32encode(body + mac).decode().lower()


def read_token(key: bytes, token: str, *, now_ms: int) -> ReplyAddress | None:
    """The address a token names, or None when it is malformed, forged or expired."""
    try:
        raw = base64.b32decode(token.upper())
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 34 + MAC_BYTES:
        return None
    body, mac = raw[:34], raw[34:]
    if not hmac.compare_digest(mac, hmac.new(key, body, hashlib.sha256).digest()[:MAC_BYTES]):
        return None
    expires = int.from_bytes(body[32:34], "big")
    if expires < now_ms // DAY_MS:
        return None
    return ReplyAddress(str(uuid.UUID(bytes=body[:16])), str(uuid.UUID(bytes=body[16:32])), expires)
