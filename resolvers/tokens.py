"""Local sign-in tokens: short-lived JWT access tokens and opaque, hashed refresh tokens."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol, Self, TypeGuard

import jwt
import orjson

from graph_db.errors import Unauthenticated

# Pinned: a token whose header names any other algorithm is refused before its signature is read.
ALGORITHM = "HS256"
ISSUER = "graph-api"
AUDIENCE = "graph-api"
REQUIRED_CLAIMS = ("iss", "aud", "iat", "exp", "sub", "jti")
INVALID = "invalid or expired access token"
IAT_SKEW_MS = 60_000  # a token issued up to a minute ahead of the service clock is accepted


class TokenSettings(Protocol):
    """The part of the service settings tokens depend on (graph_api's Settings satisfies it)."""

    @property
    def jwt_secret(self) -> str: ...
    @property
    def access_token_seconds(self) -> int: ...
    @property
    def refresh_token_days(self) -> int: ...


@dataclass(frozen=True, slots=True)
class TokenConfig:
    """What the service needs to issue and verify its own tokens."""

    secret: str
    access_token_seconds: int = 900
    refresh_token_days: int = 30
    issuer: str = ISSUER
    audience: str = AUDIENCE
    # Not an argument, so `dataclasses.replace` (another secret, say) starts an empty one.
    verified: VerifiedTokens = field(
        init=False, default_factory=lambda: VerifiedTokens(), compare=False, repr=False
    )

    def __post_init__(self) -> None:
        if len(self.secret) < 32:
            raise ValueError("the JWT secret must be at least 32 characters")

    @classmethod
    def from_settings(cls, settings: TokenSettings) -> Self:
        return cls(
            secret=settings.jwt_secret, access_token_seconds=settings.access_token_seconds,
            refresh_token_days=settings.refresh_token_days,
        )

    @property
    def refresh_token_ms(self) -> int:
        return self.refresh_token_days * 86_400_000


@dataclass(frozen=True, slots=True)
class AccessClaims:
    person_id: str
    session_version: int
    token_id: str
    expires_at: int  # epoch ms


class VerifiedTokens:
    """Access tokens whose signature and claims one TokenConfig has already checked.

    That check depends on the token and the config only, so it is done once per token (~10 us;
    PyJWT took ~40, and ~24 more to read the issuer first); what depends on the time (expiry,
    issued-at skew) is checked on every use, and what revokes a token (session version,
    suspension, role) is checked by the authenticator on every request as before. Only tokens
    that passed are kept: a client cannot fill it without the secret.

    Bounded; the least recently used entry leaves first. An entry is ~750 bytes (the token's
    text and its claims), so the default 16,384 is ~12 MB a process: the members of a whole
    institution signed in at once. It was 4,096, evicted oldest-first: with more members
    than that in use (the bench's 10,000), a token was always evicted before it came back,
    and every request paid the signature check.
    """

    def __init__(self, max_size: int = 16_384) -> None:
        self.max_size = max_size
        self._claims: dict[str, tuple[AccessClaims, int]] = {}  # token -> (claims, iat in ms)

    def __contains__(self, token: str) -> bool:
        return token in self._claims

    def __len__(self) -> int:
        return len(self._claims)

    def get(self, token: str) -> tuple[AccessClaims, int] | None:
        entries = self._claims
        found = entries.pop(token, None)
        if found is not None:
            entries[token] = found  # now the most recently used
        return found

    def put(self, token: str, claims: AccessClaims, issued_at: int) -> None:
        entries = self._claims
        if token not in entries and len(entries) >= self.max_size:
            del entries[next(iter(entries))]
        entries[token] = (claims, issued_at)


@dataclass(frozen=True, slots=True)
class AccessToken:
    token: str
    expires_at: int  # epoch ms


def issue_access_token(
    config: TokenConfig, person_id: str, *, now_ms: int, session_version: int = 0
) -> AccessToken:
    """A signed access token for `person_id`, valid for `access_token_seconds` from `now_ms`."""
    iat = now_ms // 1000
    exp = iat + config.access_token_seconds
    claims: dict[str, Any] = {
        "iss": config.issuer, "aud": config.audience, "sub": person_id,
        "iat": iat, "exp": exp, "jti": uuid.uuid4().hex, "sv": session_version,
    }
    token = jwt.encode(claims, config.secret, algorithm=ALGORITHM)
    return AccessToken(token=token, expires_at=exp * 1000)


def is_local_token(config: TokenConfig, token: str) -> bool:
    """Whether an (unverified) JWT claims to come from this service rather than an OIDC issuer."""
    if token in config.verified:  # verified with `issuer=config.issuer`
        return True
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    return isinstance(claims, dict) and claims.get("iss") == config.issuer


def verify_access_token(config: TokenConfig, token: str, *, now_ms: int) -> AccessClaims:
    """The claims of a valid access token; anything else is UNAUTHENTICATED."""
    known = config.verified.get(token)
    if known is None:
        claims, issued_at = _decode(config, token)
    else:
        claims, issued_at = known
    # Against the service clock on every use (tests and replicas share it).
    if claims.expires_at <= now_ms or issued_at > now_ms + IAT_SKEW_MS:
        raise Unauthenticated(INVALID)
    if known is None:
        config.verified.put(token, claims, issued_at)
    return claims


# A JWT segment as this service writes them: base64url without padding.
_SEGMENT = re.compile(rb"[A-Za-z0-9_-]+")


class _Refused(Exception):
    """A token that is not one of this service's valid access tokens (any reason)."""


def _segment(data: bytes) -> bytes:
    """A segment's bytes; only the canonical unpadded base64url form is accepted (no padding,
    no other characters, no stray bits in its last character)."""
    if len(data) % 4 == 1 or _SEGMENT.fullmatch(data) is None:
        raise _Refused
    decoded = base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))
    if base64.urlsafe_b64encode(decoded).rstrip(b"=") != data:
        raise _Refused
    return decoded


def _signed_claims(config: TokenConfig, token: str) -> dict[str, Any]:
    """The claims of `token` if it is a compact JWS signed with HS256 under the service's
    secret, its header naming that algorithm and nothing critical; else _Refused.

    What PyJWT's decode checks for such a token, in ~10 us instead of ~38: PyJWT tests
    each character of each segment in Python. Issuing stays with PyJWT
    (tests/unit/test_tokens.py holds the two to each other)."""
    try:
        header, payload, signature = token.encode("ascii").split(b".")
        head = orjson.loads(_segment(header))
        if not isinstance(head, dict) or head.get("alg") != ALGORITHM or "crit" in head:
            raise _Refused
        expected = hmac.digest(config.secret.encode(), header + b"." + payload, "sha256")
        if not hmac.compare_digest(expected, _segment(signature)):
            raise _Refused
        claims = orjson.loads(_segment(payload))
    except (ValueError, binascii.Error):  # not ASCII, not 3 segments, not JSON (all ValueErrors)
        raise _Refused from None
    if not isinstance(claims, dict):
        raise _Refused
    return claims


def _decode(config: TokenConfig, token: str) -> tuple[AccessClaims, int]:
    """Signature, issuer, audience and claim shapes (nothing that depends on the time)."""
    try:
        claims = _signed_claims(config, token)
    except _Refused:
        raise Unauthenticated(INVALID) from None
    audience = claims.get("aud")
    if (
        any(name not in claims for name in REQUIRED_CLAIMS)
        or claims["iss"] != config.issuer
        or not (audience == config.audience or isinstance(audience, list) and config.audience in audience)
        # Never issued here; its time would be the wall clock's, not the service's.
        or "nbf" in claims
    ):
        raise Unauthenticated(INVALID)
    exp, iat, sub, sv = claims["exp"], claims["iat"], claims["sub"], claims.get("sv", 0)
    if not (_integer(exp) and _integer(iat) and _integer(sv)) or not isinstance(sub, str) or not sub:
        raise Unauthenticated(INVALID)
    access = AccessClaims(person_id=sub, session_version=sv, token_id=str(claims["jti"]),
                          expires_at=exp * 1000)
    return access, iat * 1000


def _integer(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def new_refresh_token() -> str:
    """256 random bits, URL-safe; only its hash is ever stored."""
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    # A fast hash is enough: the token has 256 bits of entropy, nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()
