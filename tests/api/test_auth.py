"""Local accounts over real HTTP: register, login, tokens, refresh rotation, logout, roles."""

from __future__ import annotations

import logging
import math
import time
import warnings
from typing import Any, Literal

import jwt
import pytest
from argon2 import PasswordHasher

from graph_api.config import Settings
from schema.base import to_global_id
from tests.api.conftest import TEST_SETTINGS, Api, with_settings
from tests.factories import make_member, make_person, token_for

PASSWORD = "correct horse battery staple"

REGISTER = """
mutation ($input: RegisterInput!) {
  register(input: $input) {
    accessToken refreshToken expiresAt
    viewer { id name role }
    errors { field code message }
  }
}"""
LOGIN = """
mutation ($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    accessToken refreshToken expiresAt
    viewer { id name }
    errors { field code message }
  }
}"""
REFRESH = """
mutation ($token: String!) {
  refreshToken(input: {refreshToken: $token}) {
    accessToken refreshToken expiresAt viewer { id } errors { field code message }
  }
}"""
LOGOUT = """
mutation ($token: String!, $all: Boolean!) {
  logout(input: {refreshToken: $token, allSessions: $all}) { revoked errors { field code message } }
}"""
CHANGE_PASSWORD = """
mutation ($current: String!, $new: String!) {
  changePassword(input: {currentPassword: $current, newPassword: $new}) {
    accessToken refreshToken viewer { id } errors { field code message }
  }
}"""
SET_ROLE = """
mutation ($id: ID!, $role: Role!) {
  setRole(input: {personId: $id, role: $role}) {
    person { id role } errors { field code message }
  }
}"""
ME = "{ me { id name role } }"


@pytest.fixture
def settings() -> Settings:
    """Every test here: 3 failed sign-ins within 2 minutes lock an account for 2 minutes."""
    return with_settings(login_max_failures=3, login_lockout_seconds=120)


async def register(api: Api, email: str = "ada@example.org", name: str = "Ada Lovelace",
                   password: str = PASSWORD) -> dict[str, Any]:
    data = await api.gql(REGISTER, {"input": {"email": email, "name": name, "password": password}})
    payload: dict[str, Any] = data["register"]
    return payload


async def login(api: Api, email: str = "ada@example.org", password: str = PASSWORD) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.gql(LOGIN, {"email": email, "password": password}))["login"]
    return payload


async def refresh(api: Api, token: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.gql(REFRESH, {"token": token}))["refreshToken"]
    return payload


async def logout(api: Api, token: str, *, all_sessions: bool) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.gql(LOGOUT, {"token": token, "all": all_sessions}))["logout"]
    return payload


async def two_sessions(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ada's two sessions: the one registering opened, then one from logging in."""
    return await register(api), await login(api)


async def me_status(api: Api, token: str) -> tuple[int, dict[str, Any]]:
    response = await api.post(ME, token=token)
    return response.status_code, response.json()


async def count(api: Api, label: str) -> int:
    # Reading through the raw backend is fine in a test; labels here are fixed text.
    queries = {
        "Person": "MATCH (n:Person) RETURN count(n) AS n",
        "Credential": "MATCH (n:Credential) RETURN count(n) AS n",
        "RefreshToken": "MATCH (n:RefreshToken) RETURN count(n) AS n",
    }
    rows = await api.backend.read(queries[label])
    return int(rows[0]["n"])


# -- register -------------------------------------------------------------------------------


async def test_register_signs_in_and_me_answers(api: Api) -> None:
    payload = await register(api, email="  Ada@Example.ORG ")
    assert payload["errors"] == []
    assert payload["viewer"]["name"] == "Ada Lovelace"
    assert payload["viewer"]["role"] == "MEMBER"
    assert payload["expiresAt"].endswith("Z")
    data = await api.gql(ME, token=payload["accessToken"])
    assert data["me"] == payload["viewer"]
    # The email was normalised: logging in with the canonical form works.
    assert (await login(api, "ada@example.org"))["errors"] == []
    assert (await count(api, "Person"), await count(api, "Credential")) == (1, 1)


@pytest.mark.parametrize(
    ("email", "name", "password", "field"),
    [
        ("not-an-email", "Ada", PASSWORD, "email"),
        ("ada@example", "Ada", PASSWORD, "email"),
        ("ada@example.org", "   ", PASSWORD, "name"),
        ("ada@example.org", "Ada", "short pass", "password"),
        ("ada@example.org", "Ada", "x" * 257, "password"),
        ("longer.address@example.org", "Ada", "LONGER.ADDRESS@example.org", "password"),
    ],
)
async def test_register_refuses_bad_input_and_stores_nothing(
    api: Api, email: str, name: str, password: str, field: str
) -> None:
    payload = await register(api, email=email, name=name, password=password)
    assert payload["accessToken"] is None and payload["viewer"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, "BAD_USER_INPUT")]
    assert await count(api, "Person") == 0


async def test_register_reports_every_problem_at_once(api: Api) -> None:
    payload = await register(api, email="nope", name="", password="short")
    assert {e["field"] for e in payload["errors"]} == {"email", "name", "password"}


async def test_register_duplicate_email_is_conflict(api: Api) -> None:
    assert (await register(api))["errors"] == []
    payload = await register(api, email="ADA@example.org ", name="Someone Else")
    assert payload["accessToken"] is None
    [error] = payload["errors"]
    assert (error["field"], error["code"]) == ("email", "CONFLICT")
    assert "Ada" not in error["message"]  # nothing about the existing account
    assert (await count(api, "Person"), await count(api, "Credential")) == (1, 1)
    assert await count(api, "RefreshToken") == 1


# -- login ----------------------------------------------------------------------------------


async def test_login_returns_working_tokens(api: Api) -> None:
    created = await register(api)
    payload = await login(api, " ADA@example.org")
    assert payload["errors"] == []
    assert payload["viewer"]["id"] == created["viewer"]["id"]
    claims = jwt.decode(payload["accessToken"], options={"verify_signature": False})
    assert {"iss", "aud", "iat", "exp", "sub", "jti"} <= set(claims)
    assert claims["exp"] - claims["iat"] == TEST_SETTINGS.access_token_seconds
    assert jwt.get_unverified_header(payload["accessToken"])["alg"] == "HS256"
    assert (await api.gql(ME, token=payload["accessToken"]))["me"]["id"] == created["viewer"]["id"]


async def test_wrong_password_and_unknown_email_look_the_same(api: Api) -> None:
    await register(api)
    wrong = await login(api, password="wrong password entirely")
    unknown = await login(api, email="nobody@example.org")
    malformed = await login(api, email="not an email")
    too_long = await login(api, password="x" * 300)
    for payload in (wrong, unknown, malformed, too_long):
        assert payload["accessToken"] is None and payload["viewer"] is None
    assert wrong["errors"] == unknown["errors"] == malformed["errors"] == too_long["errors"] == [
        {"field": None, "code": "UNAUTHENTICATED", "message": "incorrect email or password"}
    ]


async def test_unknown_email_costs_a_password_hash(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # Counted, not timed: the unknown email must run the same argon2id verification as a
    # known one (a dummy hash); timings on a loaded machine say nothing either way.
    verified: list[str] = []
    real_verify = PasswordHasher.verify

    def counting_verify(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> Literal[True]:
        verified.append(str(hash).split("$")[1])  # the algorithm's name, never the password
        return real_verify(self, hash, password)

    await register(api)
    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    await login(api, email="ada@example.org", password="wrong password entirely")
    assert verified == ["argon2id"]
    await login(api, email="nobody@example.org", password="wrong password entirely")
    assert verified == ["argon2id", "argon2id"]


async def test_repeated_failures_are_throttled_per_account(api: Api) -> None:
    await register(api)
    for _ in range(3):
        assert (await login(api, password="wrong password entirely"))["errors"][0]["code"] == (
            "UNAUTHENTICATED"
        )
    # Locked now: even the right password is refused until the lockout ends.
    response = await api.post(LOGIN, {"email": "ada@example.org", "password": PASSWORD})
    body = response.json()
    [error] = body["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert 0 < error["extensions"]["retryAfter"] <= 120
    # As the rate limiter does, the lockout says when to retry in the header too.
    assert response.status_code == 200
    assert int(response.headers["retry-after"]) == max(1, math.ceil(error["extensions"]["retryAfter"]))
    # Another account is not affected.
    await register(api, email="grace@example.org", name="Grace Hopper")
    assert (await login(api, email="grace@example.org"))["errors"] == []


async def test_unknown_emails_are_throttled_the_same_way(api: Api) -> None:
    for _ in range(3):
        assert (await login(api, email="ghost@example.org"))["errors"][0]["code"] == "UNAUTHENTICATED"
    body = (await api.post(LOGIN, {"email": "ghost@example.org", "password": PASSWORD})).json()
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_success_resets_the_failure_count(api: Api) -> None:
    await register(api)
    for _ in range(2):
        await login(api, password="wrong password entirely")
    assert (await login(api))["errors"] == []
    for _ in range(2):
        await login(api, password="wrong password entirely")
    assert (await login(api))["errors"] == []


# -- access tokens ----------------------------------------------------------------------------


async def test_me_is_null_without_a_token(api: Api) -> None:
    assert await api.gql(ME) == {"me": None}


async def test_factory_token_signs_in(api: Api) -> None:
    person, token = await make_member(api)
    assert (await api.gql(ME, token=token))["me"]["id"] == to_global_id("Person", person.id)


def _forge(claims: dict[str, Any], key: str = TEST_SETTINGS.jwt_secret, alg: str = "HS256") -> str:
    with warnings.catch_warnings():  # HS512 with our (HS256-sized) secret: short key warning
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return jwt.encode(claims, key, algorithm=alg)


def _claims(person_id: str, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": "graph-api", "aud": "graph-api", "sub": person_id, "iat": now,
              "exp": now + 60, "jti": "x", "sv": 0}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


async def test_invalid_tokens_are_401(api: Api) -> None:
    person = await make_person(api.backend)
    now_ms = int(time.time() * 1000)
    bad = {
        "expired": token_for(person, now_ms=now_ms - (TEST_SETTINGS.access_token_seconds + 5) * 1000),
        "garbage": "not.a.jwt",
        "wrong secret": _forge(_claims(person.id), key="another-secret-" + "y" * 40),
        "wrong audience": _forge(_claims(person.id, aud="someone-else")),
        "missing jti": _forge(_claims(person.id, jti=None)),
        "unknown person": _forge(_claims("no-such-person")),
        "alg none": jwt.encode(_claims(person.id), "", algorithm="none"),
        "HS512": _forge(_claims(person.id), alg="HS512"),
        "issued in the future": _forge(_claims(person.id, iat=int(time.time()) + 3600,
                                               exp=int(time.time()) + 7200)),
        "tampered": token_for(person)[:-3] + "AAA",
    }
    for name, token in bad.items():
        status, body = await me_status(api, token)
        assert status == 401, name
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", name
    response = await api.post(ME, token=bad["expired"])
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("settings", [with_settings(access_token_seconds=1)])
async def test_short_lived_token_expires(api: Api, settings: Settings) -> None:
    person = await make_person(api.backend)
    now_ms = int(time.time() * 1000)
    # Valid for the one second after its iat; issued 30 s ahead (within the minute of clock skew
    # the server allows for iat), so a slow request on a loaded machine still finds it valid.
    fresh = token_for(person, settings, now_ms=now_ms + 30_000)
    assert (await me_status(api, fresh))[0] == 200
    stale = token_for(person, settings, now_ms=now_ms - 1_000)  # exp == now, so already expired
    assert (await me_status(api, stale))[0] == 401


async def test_suspended_member_is_refused(api: Api) -> None:
    future = int(time.time() * 1000) + 3_600_000
    person, token = await make_member(api, suspendedUntil=future)
    status, body = await me_status(api, token)
    assert status == 403
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    past_person, past_token = await make_member(api, suspendedUntil=future - 7_200_000)
    assert (await me_status(api, past_token))[0] == 200


async def test_suspended_member_cannot_login_or_refresh(api: Api) -> None:
    session = await register(api)
    future = int(time.time() * 1000) + 3_600_000
    await api.backend.write(
        "MATCH (p:Person {email: 'ada@example.org'}) SET p.suspendedUntil = $until",
        {"until": future},
    )
    assert (await login(api))["errors"][0]["code"] == "FORBIDDEN"
    assert (await refresh(api, session["refreshToken"]))["errors"][0]["code"] == "FORBIDDEN"
    # A wrong password still says only "incorrect": suspension is not revealed to guessers.
    assert (await login(api, password="wrong password entirely"))["errors"][0]["code"] == (
        "UNAUTHENTICATED"
    )


# -- refresh tokens ---------------------------------------------------------------------------


async def test_refresh_rotates(api: Api) -> None:
    first = await register(api)
    second = await refresh(api, first["refreshToken"])
    assert second["errors"] == []
    assert second["refreshToken"] != first["refreshToken"]
    assert second["viewer"] == {"id": first["viewer"]["id"]}
    assert (await api.gql(ME, token=second["accessToken"]))["me"]["id"] == first["viewer"]["id"]
    third = await refresh(api, second["refreshToken"])
    assert third["errors"] == []


async def test_reusing_a_spent_refresh_token_revokes_its_family(api: Api) -> None:
    stolen = await register(api)
    other_device = await login(api)
    rotated = await refresh(api, stolen["refreshToken"])
    # The spent token is presented again: refused, and the whole chain is revoked.
    reuse = await refresh(api, stolen["refreshToken"])
    assert reuse["accessToken"] is None
    assert reuse["errors"][0]["code"] == "UNAUTHENTICATED"
    assert (await refresh(api, rotated["refreshToken"]))["errors"][0]["code"] == "UNAUTHENTICATED"
    # Another session (a separate login) is untouched.
    assert (await refresh(api, other_device["refreshToken"]))["errors"] == []


async def test_unknown_or_oversized_refresh_token_is_refused(api: Api) -> None:
    for token in ("no-such-token", "x" * 1000, ""):
        payload = await refresh(api, token)
        assert payload["errors"][0]["code"] == "UNAUTHENTICATED"
        assert payload["errors"][0]["field"] == "refreshToken"


async def test_refresh_token_is_stored_only_hashed(api: Api) -> None:
    session = await register(api)
    rows = await api.backend.read("MATCH (t:RefreshToken) RETURN properties(t) AS t")
    stored = str(rows)
    assert session["refreshToken"] not in stored
    assert len(rows[0]["t"]["tokenHash"]) == 64


# -- logout -----------------------------------------------------------------------------------


async def test_logout_revokes_this_session_only(api: Api) -> None:
    one, two = await two_sessions(api)
    result = await logout(api, one["refreshToken"], all_sessions=False)
    assert result == {"revoked": 1, "errors": []}
    assert (await refresh(api, one["refreshToken"]))["errors"][0]["code"] == "UNAUTHENTICATED"
    assert (await refresh(api, two["refreshToken"]))["errors"] == []
    again = await logout(api, one["refreshToken"], all_sessions=False)
    assert again == {"revoked": 0, "errors": []}  # idempotent


async def test_logout_all_sessions_revokes_every_token(api: Api) -> None:
    one, two = await two_sessions(api)
    result = await logout(api, one["refreshToken"], all_sessions=True)
    assert result == {"revoked": 2, "errors": []}
    assert (await refresh(api, two["refreshToken"]))["errors"][0]["code"] == "UNAUTHENTICATED"
    # Access tokens issued before are void too.
    assert (await me_status(api, two["accessToken"]))[0] == 401
    assert (await login(api))["errors"] == []


async def test_logout_with_unknown_token_is_refused(api: Api) -> None:
    result = await logout(api, "nope", all_sessions=True)
    assert result["revoked"] == 0
    assert result["errors"][0]["code"] == "UNAUTHENTICATED"


# -- change password --------------------------------------------------------------------------


NEW_PASSWORD = "a much better passphrase"


async def test_change_password_revokes_every_session(api: Api) -> None:
    one = await register(api)
    two = await login(api)
    result = (await api.gql(
        CHANGE_PASSWORD, {"current": PASSWORD, "new": NEW_PASSWORD}, token=one["accessToken"]
    ))["changePassword"]
    assert result["errors"] == []
    # The new session works; every earlier token, refresh or access, does not.
    assert (await me_status(api, result["accessToken"]))[0] == 200
    for old in (one, two):
        assert (await me_status(api, old["accessToken"]))[0] == 401
        assert (await refresh(api, old["refreshToken"]))["errors"][0]["code"] == "UNAUTHENTICATED"
    assert (await refresh(api, result["refreshToken"]))["errors"] == []
    assert (await login(api))["errors"][0]["code"] == "UNAUTHENTICATED"
    assert (await login(api, password=NEW_PASSWORD))["errors"] == []


async def test_change_password_refusals(api: Api) -> None:
    session = await register(api)
    token = session["accessToken"]
    cases = [
        ("wrong current password", NEW_PASSWORD, "currentPassword"),
        (PASSWORD, "too short", "newPassword"),
        (PASSWORD, PASSWORD, "newPassword"),
        (PASSWORD, "ADA@example.org", "newPassword"),
    ]
    for current, new, field in cases:
        result = (await api.gql(CHANGE_PASSWORD, {"current": current, "new": new}, token=token))
        errors = result["changePassword"]["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [(field, "BAD_USER_INPUT")], (current, new)
    # Nothing changed: the old password and token still work.
    assert (await me_status(api, token))[0] == 200
    assert (await login(api))["errors"] == []


async def test_change_password_needs_a_signed_in_viewer(api: Api) -> None:
    body = (await api.post(CHANGE_PASSWORD, {"current": PASSWORD, "new": NEW_PASSWORD})).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_change_password_guesses_are_throttled(api: Api) -> None:
    session = await register(api)
    for _ in range(3):
        await api.gql(
            CHANGE_PASSWORD, {"current": "guess guess guess", "new": NEW_PASSWORD},
            token=session["accessToken"],
        )
    body = (await api.post(
        CHANGE_PASSWORD, {"current": PASSWORD, "new": NEW_PASSWORD}, token=session["accessToken"]
    )).json()
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


# -- roles ------------------------------------------------------------------------------------


async def test_admin_sets_roles_and_change_applies_on_next_request(api: Api) -> None:
    admin, admin_token = await make_member(api, role="ADMIN")
    member, member_token = await make_member(api)
    member_id = to_global_id("Person", member.id)
    result = (await api.gql(SET_ROLE, {"id": member_id, "role": "ADMIN"}, token=admin_token))
    assert result["setRole"] == {"person": {"id": member_id, "role": "ADMIN"}, "errors": []}
    # The member's existing token now carries admin power: roles are read per request.
    assert (await api.gql(ME, token=member_token))["me"]["role"] == "ADMIN"
    admin_id = to_global_id("Person", admin.id)
    demoted = await api.gql(SET_ROLE, {"id": admin_id, "role": "MEMBER"}, token=member_token)
    assert demoted["setRole"]["errors"] == []
    refused = (await api.post(SET_ROLE, {"id": member_id, "role": "MEMBER"}, token=admin_token)).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_set_role_refused_for_members_moderators_and_anonymous(api: Api) -> None:
    target = await make_person(api.backend)
    target_id = to_global_id("Person", target.id)
    _, member_token = await make_member(api)
    _, moderator_token = await make_member(api, role="MODERATOR")
    for token, code in ((member_token, "FORBIDDEN"), (moderator_token, "FORBIDDEN"),
                        (None, "UNAUTHENTICATED")):
        body = (await api.post(SET_ROLE, {"id": target_id, "role": "ADMIN"}, token=token)).json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == code
    rows = await api.backend.read("MATCH (p:Person {id: $id}) RETURN p.role AS role", {"id": target.id})
    assert rows == [{"role": "MEMBER"}]


async def test_last_admin_cannot_be_demoted(api: Api) -> None:
    admin, token = await make_member(api, role="ADMIN")
    admin_id = to_global_id("Person", admin.id)
    result = (await api.gql(SET_ROLE, {"id": admin_id, "role": "MODERATOR"}, token=token))["setRole"]
    assert result["person"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("role", "CONFLICT")]
    assert (await api.gql(ME, token=token))["me"]["role"] == "ADMIN"
    # With a second admin, stepping down is fine.
    other, _ = await make_member(api, role="ADMIN")
    result = (await api.gql(SET_ROLE, {"id": admin_id, "role": "MEMBER"}, token=token))["setRole"]
    assert result["errors"] == [] and result["person"]["role"] == "MEMBER"


async def test_set_role_unknown_or_malformed_person(api: Api) -> None:
    _, token = await make_member(api, role="ADMIN")
    missing = to_global_id("Person", "no-such-person")
    result = (await api.gql(SET_ROLE, {"id": missing, "role": "ADMIN"}, token=token))["setRole"]
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("personId", "NOT_FOUND")]
    result = (await api.gql(SET_ROLE, {"id": "garbage!", "role": "ADMIN"}, token=token))["setRole"]
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("personId", "BAD_USER_INPUT")]
    wrong_type = to_global_id("Post", "x")
    result = (await api.gql(SET_ROLE, {"id": wrong_type, "role": "ADMIN"}, token=token))["setRole"]
    assert result["errors"][0]["code"] == "BAD_USER_INPUT"


# -- logs ---------------------------------------------------------------------------------------


async def test_no_passwords_or_tokens_in_logs(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    session = await register(api)
    await login(api, password="wrong password entirely")
    signed_in = await login(api)
    rotated = await refresh(api, signed_in["refreshToken"])
    await refresh(api, signed_in["refreshToken"])  # reuse: logs a warning
    await api.gql(CHANGE_PASSWORD, {"current": PASSWORD, "new": NEW_PASSWORD},
                  token=session["accessToken"])
    await me_status(api, "garbage.token.value")
    secrets = [PASSWORD, NEW_PASSWORD, "wrong password entirely", session["accessToken"],
               session["refreshToken"], signed_in["accessToken"], signed_in["refreshToken"],
               rotated["refreshToken"], "garbage.token.value", "$argon2id$"]
    assert caplog.records, "expected some log records"
    logged = "\n".join(
        [caplog.text] + [repr(vars(record)) for record in caplog.records]
    )
    for secret in secrets:
        assert secret not in logged
    assert any(r.getMessage() == "signed in" for r in caplog.records)
