"""Institutional SSO: OIDC bearer tokens verified against the issuer's JWKS.

Only asymmetric algorithms from the configured allow-list are accepted (never `none`, never
HS*: with a public key as HMAC secret anyone could sign). Keys are cached; a token signed
with an unknown `kid` triggers a re-fetch of the JWKS (key rotation), at most once per
cooldown, so forged kids cannot make us hammer the issuer. The cache is also refreshed
when older than `max_age_seconds`, so keys the issuer withdrew stop being trusted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from graph_db.errors import BackendUnavailable, Unauthenticated

log = logging.getLogger("resolvers.oidc")

ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
INVALID = "invalid or expired sign-in token"
LEEWAY_SECONDS = 30
NAME_MAX = 200


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    audience: str
    jwks_url: str
    algorithms: tuple[str, ...] = ("RS256",)
    cooldown_seconds: float = 60.0
    max_age_seconds: float = 3600.0
    timeout_seconds: float = 5.0

    def __post_init__(self) -> None:
        if not self.issuer or not self.audience or not self.jwks_url:
            raise ValueError("OIDC needs an issuer, an audience and a JWKS URL")
        refused = [a for a in self.algorithms if a not in ASYMMETRIC]
        if refused or not self.algorithms:
            raise ValueError(
                f"OIDC algorithms must be asymmetric (e.g. RS256, ES256); refused: {refused}"
            )


@dataclass(frozen=True)
class OidcIdentity:
    """Who the issuer vouches for: a verified email is the link to a Person."""

    issuer: str
    subject: str
    email: str
    name: str


@dataclass
class _Keys:
    by_kid: dict[str | None, tuple[jwt.PyJWK, str | None]] = field(default_factory=dict)
    fetched_at: float | None = None  # last attempt, successful or not (monotonic seconds)
    loaded_at: float | None = None  # last successful load


class OidcVerifier:
    """Verifies OIDC tokens; owns its HTTP client (close it at shutdown)."""

    def __init__(
        self, config: OidcConfig, *, http: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._http = http or httpx.AsyncClient(
            timeout=config.timeout_seconds, follow_redirects=False
        )
        self._clock = clock
        self._keys = _Keys()
        self._lock = asyncio.Lock()
        self.fetches = 0  # JWKS fetch attempts, for metrics and tests

    async def close(self) -> None:
        await self._http.aclose()

    async def verify(self, token: str) -> OidcIdentity:
        """The identity in a valid token; UNAUTHENTICATED for anything else."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated(INVALID) from None
        alg = header.get("alg")
        if alg not in self.config.algorithms:
            raise Unauthenticated(INVALID)
        kid = header.get("kid")
        found = await self._key(kid if isinstance(kid, str) else None)
        if found is None:
            raise Unauthenticated(INVALID)
        key, key_alg = found
        if key_alg is not None and key_alg != alg:  # the JWK pins its algorithm
            raise Unauthenticated(INVALID)
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key.key, algorithms=[alg], audience=self.config.audience,
                issuer=self.config.issuer, leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.PyJWTError:
            raise Unauthenticated(INVALID) from None
        return self._identity(claims)

    def _identity(self, claims: dict[str, Any]) -> OidcIdentity:
        email = claims.get("email")
        if not isinstance(email, str) or "@" not in email:
            raise Unauthenticated("the sign-in token carries no email address")
        # Only an address the issuer has verified may link to (or create) a Person.
        if claims.get("email_verified") is not True:
            raise Unauthenticated("the sign-in provider has not verified this email address")
        email = email.strip().lower()
        name = claims.get("name")
        if not isinstance(name, str) or not name.strip():
            parts = [claims.get("given_name"), claims.get("family_name")]
            name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
        name = (name or email.split("@", 1)[0]).strip()[:NAME_MAX]
        return OidcIdentity(
            issuer=str(claims["iss"]), subject=str(claims["sub"]), email=email, name=name
        )

    async def _key(self, kid: str | None) -> tuple[jwt.PyJWK, str | None] | None:
        now = self._clock()
        keys = self._keys
        stale = keys.loaded_at is None or now - keys.loaded_at >= self.config.max_age_seconds
        if not stale and (found := self._pick(kid)) is not None:
            return found
        due = keys.fetched_at is None or now - keys.fetched_at >= self.config.cooldown_seconds
        if due or self._lock.locked():  # a fetch in progress: wait for its keys
            async with self._lock:
                # Another request may have fetched while this one waited for the lock.
                cooled = keys.fetched_at is None or (
                    self._clock() - keys.fetched_at >= self.config.cooldown_seconds
                )
                if cooled:
                    await self._fetch()
        if keys.loaded_at is None:
            raise BackendUnavailable("the sign-in provider cannot be reached")
        return self._pick(kid)

    def _pick(self, kid: str | None) -> tuple[jwt.PyJWK, str | None] | None:
        by_kid = self._keys.by_kid
        if kid is None and len(by_kid) == 1:
            return next(iter(by_kid.values()))
        return by_kid.get(kid)

    async def _fetch(self) -> None:
        self._keys.fetched_at = self._clock()
        self.fetches += 1
        try:
            response = await self._http.get(self.config.jwks_url, headers={"accept": "application/json"})
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("could not fetch the OIDC JWKS", extra={"error": type(exc).__name__})
            return
        keys: dict[str | None, tuple[jwt.PyJWK, str | None]] = {}
        for entry in document.get("keys", []) if isinstance(document, dict) else []:
            if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
                continue
            try:
                key = jwt.PyJWK(entry)
            except jwt.PyJWTError:
                continue  # a key type or algorithm we do not support
            kid, alg = entry.get("kid"), entry.get("alg")
            keys[kid if isinstance(kid, str) else None] = (key, alg if isinstance(alg, str) else None)
        self._keys.by_kid = keys
        self._keys.loaded_at = self._keys.fetched_at
        log.info("OIDC keys loaded", extra={"keys": len(keys)})
