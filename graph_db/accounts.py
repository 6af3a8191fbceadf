"""Accounts: Credential and RefreshToken nodes hanging off a Person.

(:Person)-[:HAS_CREDENTIAL]->(:Credential {kind: 'password' | 'oidc'}) and
(:Person)-[:HAS_TOKEN]->(:RefreshToken {tokenHash, familyId, expiresAt, revokedAt}).
Neither label is ever reachable from GraphQL. Statements that read a value and then
change it first touch the node they read (`SET x.touchedAt`): on Neo4j that takes the
write lock, so the values read afterwards are the latest committed ones (no lost updates
between concurrent requests); FalkorDB runs every statement serially anyway.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, LiteralString

from graph_db.accounts_records import (
    CredentialRecord,
    LoginAttemptRecord,
    RotationRecord,
    SessionRecord,
)
from graph_db.backend import Executor, Params, Row, first_record
from graph_db.batch import Batch, aligned
from graph_db.locks import lock_site_roles
from graph_db.people import PERSON_FIELDS
from graph_db.people_records import PersonRecord
from graph_db.policy import ADMIN, SITE_MEMBER, is_admin, suspended, text


@dataclass(frozen=True, slots=True)
class NewRefreshToken:
    """A refresh token to store: only its hash, never the token itself."""

    id: str
    tokenHash: str
    familyId: str
    expiresAt: int


def _tokens(token: NewRefreshToken | None) -> list[dict[str, Any]]:
    return [asdict(token)] if token is not None else []


# Creates the token listed in $tokens (zero or one) for `p`.
_CREATE_TOKENS: LiteralString = (
    "FOREACH (t IN $tokens | CREATE (p)-[:HAS_TOKEN {createdAt: $now}]->(:RefreshToken "
    "{id: t.id, tokenHash: t.tokenHash, familyId: t.familyId, createdAt: $now, expiresAt: t.expiresAt})) "
)

CREDENTIAL_FIELDS: LiteralString = (
    "c {.id, .passwordHash, .sessionVersion, .lockedUntil, .failedCount}"
)

# Person defaults match graph_db.people.CREATE_PERSON.
CREATE_ACCOUNT: LiteralString = (
    "CREATE (p:Person {id: $id, email: $email, name: $name, role: $role, "
    "acceptingMentees: false, menteeCapacity: 0, emailVisibility: 'MEMBERS', "
    "phoneVisibility: 'CONNECTIONS', createdAt: $now, updatedAt: $now}) SET p += $extra "
    "CREATE (p)-[:HAS_CREDENTIAL {createdAt: $now}]->(:Credential {id: $credentialId, "
    "kind: 'password', passwordHash: $passwordHash, sessionVersion: 0, failedCount: 0, "
    "createdAt: $now, updatedAt: $now}) "
    + _CREATE_TOKENS
    + "RETURN " + PERSON_FIELDS + " AS person"
)


async def create_account(
    db: Executor, *, id: str, email: str, name: str, password_hash: str, credential_id: str,
    now: int, role: str = SITE_MEMBER, token: NewRefreshToken | None = None,
    extra: dict[str, Any] | None = None,
) -> PersonRecord:
    """A person, their password credential and (optionally) a first refresh token, at once.

    Raises ConstraintViolation (and writes nothing) if the email is taken.
    """
    rows = await db.write(
        CREATE_ACCOUNT,
        {
            "id": id, "email": email, "name": name, "role": role, "credentialId": credential_id,
            "passwordHash": password_hash, "now": now, "tokens": _tokens(token),
            "extra": extra or {},
        },
    )
    return PersonRecord.from_row(rows[0]["person"])


GET_LOGIN: LiteralString = (
    "MATCH (p:Person {email: $email})-[:HAS_CREDENTIAL]->(c:Credential {kind: 'password'}) "
    "RETURN " + PERSON_FIELDS + " AS person, " + CREDENTIAL_FIELDS + " AS credential"
)


async def get_login(db: Executor, email: str) -> tuple[PersonRecord, CredentialRecord] | None:
    """The person with this email and their password credential, or None."""
    rows = await db.read(GET_LOGIN, {"email": email})
    if not rows:
        return None
    return PersonRecord.from_row(rows[0]["person"]), CredentialRecord.from_row(rows[0]["credential"])


GET_CREDENTIAL: LiteralString = (
    "MATCH (:Person {id: $personId})-[:HAS_CREDENTIAL]->(c:Credential {kind: 'password'}) "
    "RETURN " + CREDENTIAL_FIELDS + " AS credential"
)


async def get_credential(db: Executor, person_id: str) -> CredentialRecord | None:
    """The person's password credential, or None (no such person, or SSO only)."""
    return await first_record(
        db.read, GET_CREDENTIAL, "credential", CredentialRecord.from_row,
        {"personId": person_id},
    )


# Counts the attempt before the password is checked, so parallel guesses cannot outrun the
# limit; a successful sign-in resets the count. A locked credential is left untouched.
RECORD_LOGIN_ATTEMPT: LiteralString = (
    "MATCH (c:Credential {id: $id}) SET c.touchedAt = $now "
    "WITH c, coalesce(c.lockedUntil, 0) > $now AS locked, "
    "CASE WHEN c.failedSince IS NULL OR c.failedSince + $windowMs <= $now THEN 0 "
    "ELSE coalesce(c.failedCount, 0) END AS before "
    "SET c.failedCount = CASE WHEN locked THEN c.failedCount ELSE before + 1 END, "
    "c.failedSince = CASE WHEN locked OR before > 0 THEN c.failedSince ELSE $now END, "
    "c.lockedUntil = CASE WHEN NOT locked AND before + 1 >= $maxFailures "
    "THEN $now + $windowMs ELSE c.lockedUntil END "
    "RETURN locked, c.lockedUntil AS lockedUntil, c.failedCount AS failures"
)


async def record_login_attempt(
    db: Executor, credential_id: str, *, now: int, max_failures: int, window_ms: int
) -> LoginAttemptRecord:
    """Count one (so far unsuccessful) attempt; after `max_failures` within the window, lock.

    `locked` tells whether the credential was already locked (the attempt is then refused
    and not counted); `lockedUntil` is set once this attempt reached the limit.
    """
    rows = await db.write(
        RECORD_LOGIN_ATTEMPT,
        {"id": credential_id, "now": now, "maxFailures": max_failures, "windowMs": window_ms},
    )
    if not rows:
        return LoginAttemptRecord(locked=False, lockedUntil=None, failures=0)
    return LoginAttemptRecord.from_row(rows[0])


COMPLETE_LOGIN: LiteralString = (
    "MATCH (p:Person {id: $personId})-[:HAS_CREDENTIAL]->(c:Credential {id: $credentialId}) "
    "SET c.failedCount = 0, c.failedSince = null, c.lockedUntil = null, c.lastLoginAt = $now, "
    "c.passwordHash = coalesce($rehash, c.passwordHash) "
    + _CREATE_TOKENS
    + "RETURN " + PERSON_FIELDS + " AS person, coalesce(c.sessionVersion, 0) AS sessionVersion"
)


async def complete_login(
    db: Executor, *, person_id: str, credential_id: str, now: int, token: NewRefreshToken,
    rehash: str | None = None,
) -> SessionRecord | None:
    """Reset the failure count, store a new refresh token (and an upgraded hash, if given)."""
    return await _new_session(db, COMPLETE_LOGIN, person_id, credential_id, now, token, {"rehash": rehash})


async def _new_session(
    db: Executor, statement: LiteralString, person_id: str, credential_id: str, now: int,
    token: NewRefreshToken, params: Params,
) -> SessionRecord | None:
    """The session a write on a person's credential that stores `token` (_CREATE_TOKENS) leaves."""
    return _session(await db.write(statement, {
        "personId": person_id, "credentialId": credential_id, "now": now, "tokens": _tokens(token),
        **params,
    }))


def _session(rows: list[dict[str, Any]]) -> SessionRecord | None:
    return _session_of(rows[0]) if rows else None


def _session_of(row: dict[str, Any]) -> SessionRecord:
    return SessionRecord(
        person=PersonRecord.from_row(row["person"]), sessionVersion=int(row["sessionVersion"] or 0)
    )


# The new token joins the old one's family; presenting a revoked token again means it was
# copied, so every live token of its family is revoked ("REUSED").
ROTATE_REFRESH_TOKEN: LiteralString = (
    "MATCH (p:Person)-[:HAS_TOKEN]->(t:RefreshToken {tokenHash: $tokenHash}) "
    "SET t.touchedAt = $now "
    "WITH p, t, CASE "
    "WHEN t.revokedAt IS NOT NULL THEN 'REUSED' "
    "WHEN t.expiresAt <= $now THEN 'EXPIRED' "
    "WHEN " + suspended("p") + " THEN 'SUSPENDED' "
    "ELSE 'OK' END AS status "
    "CALL { WITH p, t, status "
    "  OPTIONAL MATCH (p)-[:HAS_TOKEN]->(f:RefreshToken {familyId: t.familyId}) "
    "  WHERE status = 'REUSED' AND f.revokedAt IS NULL "
    "  SET f.revokedAt = $now, f.revokedReason = 'reuse' "
    "  RETURN count(f) AS revokedFamily } "
    "FOREACH (n IN CASE WHEN status = 'OK' THEN $tokens ELSE [] END | "
    "  SET t.revokedAt = $now, t.revokedReason = 'rotated', t.replacedBy = n.id "
    "  CREATE (p)-[:HAS_TOKEN {createdAt: $now}]->(:RefreshToken {id: n.id, "
    "  tokenHash: n.tokenHash, familyId: t.familyId, createdAt: $now, expiresAt: n.expiresAt})) "
    "WITH p, status, revokedFamily "
    "OPTIONAL MATCH (p)-[:HAS_CREDENTIAL]->(c:Credential {kind: 'password'}) "
    "RETURN status, revokedFamily, " + PERSON_FIELDS + " AS person, "
    "coalesce(c.sessionVersion, 0) AS sessionVersion"
)


async def rotate_refresh_token(
    db: Executor, token_hash: str, *, now: int, new_token: NewRefreshToken
) -> RotationRecord | None:
    """Exchange a refresh token for `new_token` (status OK) in one statement, or say why not.

    None when no token has this hash. `new_token.familyId` is ignored: it joins the old family.
    """
    rows = await db.write(
        ROTATE_REFRESH_TOKEN, {"tokenHash": token_hash, "now": now, "tokens": _tokens(new_token)}
    )
    if not rows:
        return None
    row = rows[0]
    return RotationRecord(
        status=row["status"], revokedFamily=int(row["revokedFamily"]),
        person=PersonRecord.from_row(row["person"]),
        sessionVersion=int(row["sessionVersion"] or 0),
    )


# Logging out revokes the token's family (one device's session) or, with $all, every
# refresh token of the person and every access token issued before (sessionVersion + 1).
REVOKE_SESSIONS: LiteralString = (
    "MATCH (p:Person)-[:HAS_TOKEN]->(t:RefreshToken {tokenHash: $tokenHash}) "
    "CALL { WITH p, t "
    "  MATCH (p)-[:HAS_TOKEN]->(x:RefreshToken) "
    "  WHERE x.revokedAt IS NULL AND ($all OR x.familyId = t.familyId) "
    "  SET x.revokedAt = $now, x.revokedReason = 'logout' "
    "  RETURN count(x) AS revoked } "
    "OPTIONAL MATCH (p)-[:HAS_CREDENTIAL]->(c:Credential {kind: 'password'}) "
    "FOREACH (_ IN CASE WHEN $all AND c IS NOT NULL THEN [1] ELSE [] END | "
    "  SET c.sessionVersion = coalesce(c.sessionVersion, 0) + 1, c.updatedAt = $now) "
    "RETURN p.id AS personId, revoked"
)


async def revoke_sessions(
    db: Executor, token_hash: str, *, now: int, all_sessions: bool
) -> tuple[str, int] | None:
    """Revoke the session of a refresh token (or all of its person's): whose, and how many
    tokens; None if the token is unknown."""
    rows = await db.write(REVOKE_SESSIONS, {"tokenHash": token_hash, "now": now, "all": all_sessions})
    return (str(rows[0]["personId"]), int(rows[0]["revoked"])) if rows else None


CHANGE_PASSWORD: LiteralString = (
    "MATCH (p:Person {id: $personId})-[:HAS_CREDENTIAL]->(c:Credential {id: $credentialId}) "
    "SET c.passwordHash = $passwordHash, c.updatedAt = $now, c.failedCount = 0, "
    "c.failedSince = null, c.lockedUntil = null, "
    "c.sessionVersion = coalesce(c.sessionVersion, 0) + 1 "
    "WITH p, c "
    "CALL { WITH p "
    "  OPTIONAL MATCH (p)-[:HAS_TOKEN]->(x:RefreshToken) WHERE x.revokedAt IS NULL "
    "  SET x.revokedAt = $now, x.revokedReason = 'password-change' "
    "  RETURN count(x) AS revoked } "
    + _CREATE_TOKENS
    + "RETURN " + PERSON_FIELDS + " AS person, c.sessionVersion AS sessionVersion"
)


async def change_password(
    db: Executor, *, person_id: str, credential_id: str, password_hash: str, now: int,
    token: NewRefreshToken,
) -> SessionRecord | None:
    """New hash, every refresh token revoked, older access tokens void, one new refresh token."""
    return await _new_session(
        db, CHANGE_PASSWORD, person_id, credential_id, now, token, {"passwordHash": password_hash}
    )


# Returns person `p` and the session version of their password credential (0 without one).
_SESSION: LiteralString = (
    "OPTIONAL MATCH (p)-[:HAS_CREDENTIAL]->(pw:Credential {kind: 'password'}) "
    "RETURN " + PERSON_FIELDS + " AS person, coalesce(pw.sessionVersion, 0) AS sessionVersion"
)

# The person behind an access token, with the session version tokens must carry: one
# session (or None) per id of `$ids`. It rides as a part of a composed read
# (resolvers.sessions.SessionCheck), so a request checks its token in the statement that
# reads its page.
SESSIONS_OF: Batch[SessionRecord | None] = Batch(
    "UNWIND $ids AS id MATCH (p:Person {id: id}) " + _SESSION,
    aligned(lambda row: row["person"]["id"], _session_of),
)

# The column a checked write (`write_checked`) adds to its rows.
CHECK_HELD = "viewerCheckHeld"


def checked(statement: LiteralString) -> LiteralString:
    """`statement`, run only if, as it runs, its viewer's sign-in holds as the operation
    assumed: the person `$checkViewer` exists, their password credential's session version
    is `$checkVersion` (0 without one, as `_SESSION` reads it), they are not suspended at
    `$checkNow` and their site role is `$checkRole` (resolvers.accounts decides the same
    from `_SESSION`'s answer). Otherwise the statement does not run at all: it is a
    subquery of one row or none, so even an aggregation at its start sees no row."""
    return (
        "MATCH (checked:Person {id: $checkViewer}) "
        "OPTIONAL MATCH (checked)-[:HAS_CREDENTIAL]->(checkedPassword:Credential {kind: 'password'}) "
        "WITH checked, checkedPassword "
        "WHERE coalesce(checkedPassword.sessionVersion, 0) = $checkVersion "
        "AND checked.role = $checkRole AND NOT " + suspended("checked", "$checkNow") + " "
        "WITH true AS " + CHECK_HELD + " CALL { " + statement + " } RETURN *"
    )


@dataclass(frozen=True, slots=True)
class Claim:
    """What a write made before its viewer's sign-in check assumes (resolvers.sessions)."""

    person_id: str
    session_version: int
    role: str


async def write_checked(
    db: Executor, statement: LiteralString, params: Params | None, claim: Claim, *, now: int
) -> tuple[list[Row], bool]:
    """Run the write `statement` only if `claim` holds as it runs (`checked`), in one round
    trip: (its rows, True) when the claim held; ([], False) when the claim failed, or when
    it held and the statement answered no rows (a statement without RETURN always answers
    whether it held). The statement is as safe to retry as it was."""
    rows = await db.write(checked(statement), {
        **(params or {}), "checkViewer": claim.person_id, "checkVersion": claim.session_version,
        "checkRole": claim.role, "checkNow": now,
    })
    if not rows:
        return [], False
    for row in rows:
        del row[CHECK_HELD]
    return (rows if rows[0] else []), True  # no columns left: a statement without RETURN


GET_SESSION_BY_EMAIL: LiteralString = "MATCH (p:Person {email: $email}) " + _SESSION


async def get_session_by_email(db: Executor, email: str) -> SessionRecord | None:
    return _session(await db.read(GET_SESSION_BY_EMAIL, {"email": email}))


# First SSO sign-in: create the member keyed by email (idempotent under concurrency thanks to
# the unique email constraint) and remember which issuer/subject vouched for them.
ENSURE_SSO_PERSON: LiteralString = (
    "MERGE (p:Person {email: $email}) "
    "ON CREATE SET p.id = $id, p.name = $name, p.role = " + text(SITE_MEMBER) + ", "
    "p.acceptingMentees = false, "
    "p.menteeCapacity = 0, p.emailVisibility = 'MEMBERS', p.phoneVisibility = 'CONNECTIONS', "
    "p.createdAt = $now, p.updatedAt = $now "
    "MERGE (p)-[:HAS_CREDENTIAL]->(c:Credential {kind: 'oidc', issuer: $issuer, subject: $subject}) "
    "ON CREATE SET c.id = $credentialId, c.createdAt = $now "
    "WITH p " + _SESSION
)


async def ensure_sso_person(
    db: Executor, *, email: str, name: str, issuer: str, subject: str, id: str,
    credential_id: str, now: int,
) -> SessionRecord:
    """The person with this (verified) email, created as a MEMBER if there is none yet."""
    rows = await db.write(
        ENSURE_SSO_PERSON,
        {
            "email": email, "name": name, "issuer": issuer, "subject": subject, "id": id,
            "credentialId": credential_id, "now": now,
        },
    )
    session = _session(rows)
    assert session is not None  # MERGE always yields the person
    return session


# Demoting the last ADMIN is refused inside the statement, so two concurrent demotions
# cannot both see "another admin remains" on FalkorDB (serial writes).
# Role changes are serialised on one guard node (the last-admin rule counts every admin).
SET_ROLE: LiteralString = (
    lock_site_roles() + "WITH guard MATCH (p:Person {id: $id}) "
    "OPTIONAL MATCH (a:Person {role: " + text(ADMIN) + "}) "
    "WITH p, count(a) AS admins "
    "WITH p, " + is_admin("p") + " AND $role <> " + text(ADMIN) + " AND admins <= 1 AS lastAdmin "
    "WITH p, lastAdmin, NOT lastAdmin AND p.role <> $role AS changed "
    "SET p.role = CASE WHEN changed THEN $role ELSE p.role END, "
    "p.updatedAt = CASE WHEN changed THEN $now ELSE p.updatedAt END "
    "RETURN " + PERSON_FIELDS + " AS person, lastAdmin"
)


async def set_role(db: Executor, person_id: str, role: str, *, now: int) -> tuple[PersonRecord, bool] | None:
    """Set a person's site role; (person, True) unchanged if that would remove the last admin."""
    rows = await db.write(SET_ROLE, {"id": person_id, "role": role, "now": now})
    if not rows:
        return None
    return PersonRecord.from_row(rows[0]["person"]), bool(rows[0]["lastAdmin"])
