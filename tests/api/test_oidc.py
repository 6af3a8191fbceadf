"""Institutional SSO: OIDC bearer tokens checked against a JWKS served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from graph_api.config import Settings
from graph_db.errors import BackendUnavailable, Unauthenticated
from resolvers.oidc import OidcConfig, OidcVerifier
from schema.base import to_global_id
from tests.api.conftest import Api, with_settings
from tests.factories import make_member, make_person

ISSUER = "https://idp.example.org/realms/hospital"
AUDIENCE = "graph-api-tests"
ME = "{ me { id name } }"


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    @property
    def jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}

    @property
    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, claims: dict[str, Any], **headers: Any) -> str:
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": self.kid, **headers})


@dataclass
class IdentityProvider:
    """The JWKS endpoint's state: which keys it publishes and how often it was asked."""

    url: str = ""
    keys: list[SigningKey] = field(default_factory=list)
    fetches: int = 0
    up: bool = True

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER, "aud": AUDIENCE, "sub": "subject-123", "iat": now, "exp": now + 300,
            "email": "Rosalind.Franklin@Hospital.example.org", "email_verified": True,
            "name": "Rosalind Franklin",
        }
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}


KEY_ONE = SigningKey("key-1")  # generating RSA keys takes a moment: reuse them
KEY_TWO = SigningKey("key-2")
STRANGER = SigningKey("key-1")  # same kid, different key: a forgery


@pytest.fixture(scope="module")
async def idp_server() -> AsyncIterator[IdentityProvider]:
    idp = IdentityProvider()

    async def jwks(request: Request) -> Response:
        idp.fetches += 1
        if not idp.up:
            return Response("down", status_code=503)
        return JSONResponse({"keys": [k.jwk for k in idp.keys]})

    app = Starlette(routes=[Route("/jwks", jwks)])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.005)
    port = server.servers[0].sockets[0].getsockname()[1]
    idp.url = f"http://127.0.0.1:{port}/jwks"
    try:
        yield idp
    finally:
        server.should_exit = True
        await task


@pytest.fixture
def idp(idp_server: IdentityProvider) -> IdentityProvider:
    idp_server.keys, idp_server.fetches, idp_server.up = [KEY_ONE], 0, True
    return idp_server


@pytest.fixture
def cooldown() -> float:
    return 3600.0


@pytest.fixture
def settings(idp: IdentityProvider, cooldown: float) -> Settings:
    return with_settings(
        oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_url=idp.url,
        oidc_jwks_cooldown_seconds=cooldown,
    )


async def me(api: Api, token: str) -> tuple[int, dict[str, Any]]:
    response = await api.post(ME, token=token)
    return response.status_code, response.json()


async def people_count(api: Api) -> int:
    return int((await api.backend.read("MATCH (p:Person) RETURN count(p) AS n"))[0]["n"])


# -- mapping to a Person ------------------------------------------------------------------------


async def test_first_sign_in_creates_the_member_once(api: Api, idp: IdentityProvider) -> None:
    token = KEY_ONE.sign(idp.claims())
    status, body = await me(api, token)
    assert status == 200, body
    assert body["data"]["me"]["name"] == "Rosalind Franklin"
    again = await me(api, KEY_ONE.sign(idp.claims(name="Someone Else")))
    assert again[1]["data"]["me"] == body["data"]["me"]  # same person, name not overwritten
    rows = await api.backend.read(
        "MATCH (p:Person)-[:HAS_CREDENTIAL]->(c:Credential) "
        "RETURN p.email AS email, p.role AS role, c.kind AS kind, c.issuer AS issuer, c.subject AS sub"
    )
    assert rows == [{"email": "rosalind.franklin@hospital.example.org", "role": "MEMBER",
                     "kind": "oidc", "issuer": ISSUER, "sub": "subject-123"}]
    assert idp.fetches == 1  # keys are cached


async def test_concurrent_first_sign_ins_create_one_member(api: Api, idp: IdentityProvider) -> None:
    token = KEY_ONE.sign(idp.claims())
    results = await asyncio.gather(*(me(api, token) for _ in range(8)))
    assert {r[0] for r in results} == {200}
    assert len({r[1]["data"]["me"]["id"] for r in results}) == 1
    assert await people_count(api) == 1


async def test_existing_member_is_matched_by_verified_email(api: Api, idp: IdentityProvider) -> None:
    person = await make_person(api.backend, email="rosalind.franklin@hospital.example.org",
                               name="Dr R. Franklin")
    status, body = await me(api, KEY_ONE.sign(idp.claims()))
    assert status == 200
    assert body["data"]["me"] == {"id": to_global_id("Person", person.id), "name": "Dr R. Franklin"}
    assert await people_count(api) == 1


@pytest.mark.parametrize("verified", [False, None, "true"])
async def test_unverified_email_is_refused(api: Api, idp: IdentityProvider, verified: object) -> None:
    status, body = await me(api, KEY_ONE.sign(idp.claims(email_verified=verified)))
    assert status == 401
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await people_count(api) == 0


async def test_token_without_email_is_refused(api: Api, idp: IdentityProvider) -> None:
    status, _ = await me(api, KEY_ONE.sign(idp.claims(email=None)))
    assert status == 401


async def test_suspended_sso_member_is_forbidden(api: Api, idp: IdentityProvider) -> None:
    await make_person(api.backend, email="rosalind.franklin@hospital.example.org",
                      suspendedUntil=int(time.time() * 1000) + 60_000)
    status, body = await me(api, KEY_ONE.sign(idp.claims()))
    assert status == 403
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_local_tokens_still_work_next_to_sso(api: Api, idp: IdentityProvider) -> None:
    person, token = await make_member(api)
    status, body = await me(api, token)
    assert (status, body["data"]["me"]["id"]) == (200, to_global_id("Person", person.id))
    assert idp.fetches == 0  # a local token never consults the issuer


# -- what is refused ----------------------------------------------------------------------------


def _hs256(claims: dict[str, Any], secret: bytes, kid: str) -> str:
    """An HS256 token signed by hand (PyJWT rightly refuses to use a PEM key as HMAC secret)."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = b64(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


async def test_bad_tokens_are_401(api: Api, idp: IdentityProvider) -> None:
    now = int(time.time())
    bad = {
        "wrong issuer": KEY_ONE.sign(idp.claims(iss="https://evil.example.org")),
        "wrong audience": KEY_ONE.sign(idp.claims(aud="another-app")),
        "expired": KEY_ONE.sign(idp.claims(iat=now - 7200, exp=now - 3600)),
        "no expiry": KEY_ONE.sign(idp.claims(exp=None)),
        "no subject": KEY_ONE.sign(idp.claims(sub=None)),
        "forged with another key": STRANGER.sign(idp.claims()),
        "alg confusion (HS256 keyed with the public key)": _hs256(
            idp.claims(), KEY_ONE.public_pem, KEY_ONE.kid
        ),
        "alg none": jwt.encode(idp.claims(), "", algorithm="none", headers={"kid": "key-1"}),
        "RS512 not allowed": jwt.encode(
            idp.claims(), KEY_ONE.private, algorithm="RS512", headers={"kid": "key-1"}
        ),
        "garbage": "eyJhbGciOiJSUzI1NiJ9.garbage.garbage",
    }
    for name, token in bad.items():
        status, body = await me(api, token)
        assert status == 401, name
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", name
    assert await people_count(api) == 0


async def test_unknown_kid_refetches_at_most_once_per_cooldown(
    api: Api, idp: IdentityProvider
) -> None:
    assert (await me(api, KEY_ONE.sign(idp.claims())))[0] == 200
    assert idp.fetches == 1
    unknown = KEY_TWO.sign(idp.claims())
    for _ in range(5):
        assert (await me(api, unknown))[0] == 401
    assert idp.fetches == 1  # within the cooldown, unknown kids do not reach the issuer


@pytest.mark.parametrize("cooldown", [0.0])
async def test_key_rotation_is_picked_up(api: Api, idp: IdentityProvider, cooldown: float) -> None:
    assert (await me(api, KEY_ONE.sign(idp.claims())))[0] == 200
    idp.keys = [KEY_TWO]  # the issuer rotates its signing key
    status, body = await me(api, KEY_TWO.sign(idp.claims()))
    assert status == 200, body
    assert idp.fetches == 2
    # A token with a known kid does not trigger a fetch.
    assert (await me(api, KEY_TWO.sign(idp.claims())))[0] == 200
    assert idp.fetches == 2


async def test_issuer_unreachable_is_503(api: Api, idp: IdentityProvider) -> None:
    idp.up = False
    response = await api.post(ME, token=KEY_ONE.sign(idp.claims()))
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


# -- the verifier on its own, with a controllable clock ---------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@contextlib.asynccontextmanager
async def verifier(idp: IdentityProvider, clock: Clock, **changes: Any) -> AsyncIterator[OidcVerifier]:
    config = OidcConfig(issuer=ISSUER, audience=AUDIENCE, jwks_url=idp.url,
                        cooldown_seconds=60, **changes)
    v = OidcVerifier(config, clock=clock)
    try:
        yield v
    finally:
        await v.close()


async def test_refetch_waits_for_the_cooldown(idp: IdentityProvider) -> None:
    clock = Clock()
    async with verifier(idp, clock) as v:
        identity = await v.verify(KEY_ONE.sign(idp.claims()))
        assert (identity.email, identity.subject) == ("rosalind.franklin@hospital.example.org",
                                                      "subject-123")
        idp.keys = [KEY_ONE, KEY_TWO]
        clock.now += 59
        with pytest.raises(Unauthenticated):
            await v.verify(KEY_TWO.sign(idp.claims()))
        assert idp.fetches == 1
        clock.now += 1
        assert (await v.verify(KEY_TWO.sign(idp.claims()))).subject == "subject-123"
        assert idp.fetches == 2


async def test_concurrent_unknown_kids_fetch_once(idp: IdentityProvider) -> None:
    clock = Clock()
    async with verifier(idp, clock) as v:
        idp.keys = [KEY_TWO]
        token = KEY_TWO.sign(idp.claims())
        results = await asyncio.gather(*(v.verify(token) for _ in range(10)))
        assert {r.subject for r in results} == {"subject-123"}
        assert idp.fetches == 1


async def test_withdrawn_keys_expire_with_max_age(idp: IdentityProvider) -> None:
    clock = Clock()
    async with verifier(idp, clock, max_age_seconds=600) as v:
        await v.verify(KEY_ONE.sign(idp.claims()))
        idp.keys = [KEY_TWO]  # the issuer withdrew key-1
        clock.now += 601
        with pytest.raises(Unauthenticated):
            await v.verify(KEY_ONE.sign(idp.claims()))
        assert idp.fetches == 2


async def test_unreachable_issuer_at_first_use(idp: IdentityProvider) -> None:
    idp.up = False
    async with verifier(idp, Clock()) as v:
        with pytest.raises(BackendUnavailable):
            await v.verify(KEY_ONE.sign(idp.claims()))


@pytest.mark.parametrize("algorithms", [("HS256",), ("none",), ("RS256", "HS512"), ()])
def test_symmetric_or_none_algorithms_cannot_be_configured(algorithms: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        OidcConfig(issuer=ISSUER, audience=AUDIENCE, jwks_url="http://127.0.0.1/jwks",
                   algorithms=algorithms)


def test_app_refuses_bad_oidc_settings() -> None:
    from graph_api.app import create_app
    from graph_api.config import ConfigError

    with pytest.raises(ConfigError):
        create_app(with_settings(oidc_issuer=ISSUER, oidc_jwks_url="http://127.0.0.1/jwks"))
    with pytest.raises(ConfigError):
        create_app(with_settings(oidc_issuer=ISSUER, oidc_audience=AUDIENCE,
                                 oidc_jwks_url="http://127.0.0.1/jwks", oidc_algorithms=("HS256",)))
