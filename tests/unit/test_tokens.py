"""Access token verification (resolvers.tokens): exactly the tokens this service issues (with
PyJWT) pass, with the claims PyJWT reads from them; anything else is refused as invalid."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import jwt
import orjson
import pytest

from graph_db.errors import Unauthenticated
from resolvers.tokens import (
    ALGORITHM,
    AUDIENCE,
    ISSUER,
    TokenConfig,
    issue_access_token,
    verify_access_token,
)

SECRET = "token-test-secret-" + "k" * 32
NOW = 1_800_000_000_000
CLAIMS: dict[str, Any] = {
    "iss": ISSUER, "aud": AUDIENCE, "sub": "person-1", "iat": NOW // 1000,
    "exp": NOW // 1000 + 600, "jti": "j-1", "sv": 3,
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed(header: dict[str, Any], claims: dict[str, Any], secret: str = SECRET) -> str:
    """A compact JWS signed with HMAC-SHA256, whatever its header says."""
    signing = _b64(orjson.dumps(header)) + "." + _b64(orjson.dumps(claims))
    digest = hmac.digest(secret.encode(), signing.encode(), hashlib.sha256)
    return signing + "." + _b64(digest)


def _verify(token: str) -> Any:
    return verify_access_token(TokenConfig(secret=SECRET), token, now_ms=NOW)


def test_issued_tokens_verify_to_the_claims_pyjwt_reads() -> None:
    config = TokenConfig(secret=SECRET)
    for version in (0, 7):
        token = issue_access_token(config, "person-9", now_ms=NOW, session_version=version).token
        claims = verify_access_token(TokenConfig(secret=SECRET), token, now_ms=NOW)
        read = jwt.decode(token, SECRET, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
                          options={"verify_exp": False, "verify_iat": False})
        assert (claims.person_id, claims.session_version, claims.token_id, claims.expires_at) == (
            read["sub"], read["sv"], read["jti"], read["exp"] * 1000)
    # Signed by hand the same way, with the audience as a list holding ours: accepted too.
    assert _verify(_signed({"alg": "HS256", "typ": "JWT"}, {**CLAIMS, "aud": ["x", AUDIENCE]}))
    assert _verify(_signed({"alg": "HS256"}, CLAIMS)).session_version == 3


@pytest.mark.parametrize("header", [
    {"alg": "none"}, {"alg": "HS512"}, {"alg": "hs256"}, {}, {"alg": "HS256", "crit": ["exp"]},
])
def test_a_header_naming_anything_but_hs256_is_refused(header: dict[str, Any]) -> None:
    with pytest.raises(Unauthenticated):
        _verify(_signed(header, CLAIMS))


@pytest.mark.parametrize("change", [
    {"iss": "elsewhere"}, {"aud": "elsewhere"}, {"aud": ["elsewhere"]}, {"aud": None},
    {"exp": "soon"}, {"exp": True}, {"iat": 1.5}, {"sv": "1"}, {"sub": ""}, {"sub": 7},
    {"nbf": NOW // 1000},
])
def test_claims_of_the_wrong_shape_or_issuer_are_refused(change: dict[str, Any]) -> None:
    with pytest.raises(Unauthenticated):
        _verify(_signed({"alg": "HS256"}, {**CLAIMS, **change}))


@pytest.mark.parametrize("name", ["iss", "aud", "iat", "exp", "sub", "jti"])
def test_each_required_claim_is_required(name: str) -> None:
    with pytest.raises(Unauthenticated):
        _verify(_signed({"alg": "HS256"}, {k: v for k, v in CLAIMS.items() if k != name}))


def test_anything_not_signed_by_the_secret_or_not_canonical_is_refused() -> None:
    good = _signed({"alg": "HS256"}, CLAIMS)
    assert _verify(good).person_id == "person-1"
    header, payload, signature = good.split(".")
    forged_claims = _b64(orjson.dumps({**CLAIMS, "sub": "admin"}))
    cases = [
        _signed({"alg": "HS256"}, CLAIMS, secret=SECRET[::-1]),  # another signer
        f"{header}.{forged_claims}.{signature}",  # claims changed under the same signature
        f"{header}.{payload}.{signature[:-2]}",  # signature cut
        f"{header}.{payload}.",
        f"{header}.{payload}.{signature}=",  # padded
        f"{header}.{payload}.{signature[:-1]}!",  # not base64url
        f"{header}.{payload}",
        f"{good}.{signature}",
        f"{header}.{payload}.{signature[:-1]}é",
        "", "...", "a.b.c",
        # The header and the claims not JSON objects, signed.
        _signed({"alg": "HS256"}, CLAIMS).replace(header, _b64(b'["HS256"]'), 1),
    ]
    non_object = _b64(b"[1]")
    signing = header + "." + non_object
    cases.append(signing + "." + _b64(hmac.digest(SECRET.encode(), signing.encode(), hashlib.sha256)))
    for token in cases:
        with pytest.raises(Unauthenticated):
            _verify(token)


def test_a_segment_with_stray_bits_in_its_last_character_is_refused() -> None:
    """base64 of n bytes leaves unused bits in its last character: a decoder that ignores
    them reads one signature from several texts. Only the canonical one is accepted."""
    good = _signed({"alg": "HS256"}, CLAIMS)
    header, payload, signature = good.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    # A 32-byte signature is 43 characters: the last one carries 4 bits and 2 unused ones.
    twin = signature[:-1] + alphabet[last ^ 1]
    assert base64.urlsafe_b64decode(twin + "=") == base64.urlsafe_b64decode(signature + "=")
    with pytest.raises(Unauthenticated):
        _verify(f"{header}.{payload}.{twin}")
