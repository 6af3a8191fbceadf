"""Local accounts: register, sign in, refresh, sign out, change password, site roles.

Passwords are hashed with argon2id (OWASP parameters) off the event loop. Sign-in
failures never say whether the email exists: an unknown email costs the same argon2 work
(a dummy hash is verified) and is throttled the same way, in memory, as a known one is in
the database. Every access token carries the person's session version; changing the
password or signing out everywhere bumps it, so older access tokens stop working at once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from graph_db import accounts as repo
from graph_db.accounts import NewRefreshToken
from graph_db.accounts_records import SessionRecord
from graph_db.backend import Executor
from graph_db.errors import (
    Conflict,
    ConstraintViolation,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
)
from graph_db.people_records import PersonRecord
from graph_db.policy import SITE_MEMBER
from graph_db.profile_fields import normalize_email, valid_email
from resolvers import text
from resolvers.auth import ROLE_RANK, require_role, require_viewer
from resolvers.bus import session_changed
from resolvers.context import Context, Viewer
from resolvers.services import Services
from resolvers.sessions import SessionCheck
from resolvers.signin import LOCKED, Accounts
from resolvers.tokens import (
    hash_refresh_token,
    is_local_token,
    issue_access_token,
    new_refresh_token,
    verify_access_token,
)

log = logging.getLogger("resolvers.accounts")

PASSWORD_MIN = 12
PASSWORD_MAX = 256
NAME_MAX = 200
REFRESH_TOKEN_MAX = 128

BAD_LOGIN = "incorrect email or password"
BAD_REFRESH = "this refresh token is not valid; sign in again"
SUSPENDED = "this account is suspended"


class BadCredentials(Unauthenticated):
    """Wrong email/password or an unusable refresh token: reported in the mutation payload."""


class AccountSuspended(Forbidden):
    """The credentials are right but the member is suspended: reported in the payload."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    """What a successful sign-in hands back to the client."""

    access_token: str
    refresh_token: str
    expires_at: int  # access token expiry, epoch ms
    person: PersonRecord


def accounts_of(ctx: Context) -> Accounts:
    accounts = ctx.services.accounts
    if accounts is None:
        raise Forbidden("password sign-in is not enabled on this service")
    return accounts


# -- validation ---------------------------------------------------------------------------


def email_problem(email: str) -> str | None:
    return None if valid_email(email) else "enter a valid email address"


def password_problem(password: str, email: str) -> str | None:
    if len(password) < PASSWORD_MIN:
        return f"use at least {PASSWORD_MIN} characters"
    if len(password) > PASSWORD_MAX:
        return f"use at most {PASSWORD_MAX} characters"
    if password.strip().lower() == email:
        return "the password cannot be your email address"
    return None


def _refresh(accounts: Accounts, now: int, family_id: str | None = None) -> tuple[str, NewRefreshToken]:
    raw = new_refresh_token()
    return raw, NewRefreshToken(
        id=str(uuid.uuid4()), tokenHash=hash_refresh_token(raw),
        familyId=family_id or str(uuid.uuid4()), expiresAt=now + accounts.tokens.refresh_token_ms,
    )


def _signed_in(
    ctx: Context, accounts: Accounts, session: SessionRecord, refresh: str, now: int
) -> SignedIn:
    if ctx.services.sessions is not None:  # the first query then runs in the right role
        ctx.services.sessions.note_role(session.person.id, session.person.role)
    access = issue_access_token(
        accounts.tokens, session.person.id, now_ms=now, session_version=session.sessionVersion
    )
    return SignedIn(access.token, refresh, access.expires_at, session.person)


def _is_suspended(person: PersonRecord, now: int) -> bool:
    return person.suspendedUntil is not None and person.suspendedUntil > now


# -- mutations ----------------------------------------------------------------------------


async def register(ctx: Context, *, email: str, name: str, password: str) -> SignedIn:
    """Create a member with a password and sign them in; one write for person and credential."""
    accounts = accounts_of(ctx)
    email = normalize_email(email)
    problems: list[tuple[str | None, str]] = []
    if (problem := email_problem(email)) is not None:
        problems.append(("email", problem))
    if not name.strip():
        problems.append(("name", "enter your name"))
    else:
        try:
            name = text.name(name, field="name", max_chars=NAME_MAX)
        except InvalidInput as exc:
            problems.append(("name", exc.message))
    if (problem := password_problem(password, email)) is not None:
        problems.append(("password", problem))
    if problems:
        raise InvalidInput(problems[0][1], field=problems[0][0], problems=problems)
    password_hash = await accounts.hash(password)
    now = ctx.now_ms()
    refresh, token = _refresh(accounts, now)
    try:
        person = await repo.create_account(
            ctx.db, id=str(uuid.uuid4()), email=email, name=name, password_hash=password_hash,
            credential_id=str(uuid.uuid4()), now=now, token=token,
        )
    except ConstraintViolation:
        raise Conflict(
            "this email cannot be used to register; sign in instead", field="email"
        ) from None
    log.info("account registered", extra={"person_id": person.id})
    return _signed_in(ctx, accounts, SessionRecord(person), refresh, now)


async def login(ctx: Context, *, email: str, password: str) -> SignedIn:
    """Exchange email and password for tokens; the same error whether or not the email exists."""
    accounts = accounts_of(ctx)
    email = normalize_email(email)
    now = ctx.now_ms()
    found = await repo.get_login(ctx.db, email) if email_problem(email) is None else None
    if found is None:
        accounts.unknown_email_attempt(email, now)
        await accounts.verify_dummy(password[:PASSWORD_MAX])
        raise BadCredentials(BAD_LOGIN)
    person, credential = found
    attempt = await repo.record_login_attempt(
        ctx.db, credential.id, now=now, max_failures=accounts.max_failures,
        window_ms=accounts.lockout_ms,
    )
    if attempt.locked and attempt.lockedUntil is not None:
        raise RateLimited(LOCKED, retry_after=(attempt.lockedUntil - now) / 1000)
    if len(password) > PASSWORD_MAX:  # no account has one; spend the same work anyway
        await accounts.verify_dummy(password[:PASSWORD_MAX])
        raise BadCredentials(BAD_LOGIN)
    if not await accounts.verify(credential.passwordHash, password):
        log.info("sign-in failed", extra={"person_id": person.id, "failures": attempt.failures})
        raise BadCredentials(BAD_LOGIN)
    if _is_suspended(person, now):
        raise AccountSuspended(SUSPENDED)
    rehash = None
    if accounts.hasher.check_needs_rehash(credential.passwordHash):
        rehash = await accounts.hash(password)
    refresh, token = _refresh(accounts, now)
    session = await repo.complete_login(
        ctx.db, person_id=person.id, credential_id=credential.id, now=now, token=token,
        rehash=rehash,
    )
    if session is None:  # the account disappeared in between
        raise BadCredentials(BAD_LOGIN)
    log.info("signed in", extra={"person_id": person.id})
    return _signed_in(ctx, accounts, session, refresh, now)


def _plausible_refresh_token(token: str) -> bool:
    """Ours are URL-safe ASCII: anything else (NUL, unpaired surrogates) is simply not one."""
    return bool(token) and len(token) <= REFRESH_TOKEN_MAX and token.isascii() and token.isprintable()


async def refresh_session(ctx: Context, *, refresh_token: str) -> SignedIn:
    """Rotate a refresh token: the old one is spent, a new one and a new access token returned."""
    accounts = accounts_of(ctx)
    if not _plausible_refresh_token(refresh_token):
        raise BadCredentials(BAD_REFRESH, field="refreshToken")
    now = ctx.now_ms()
    raw, token = _refresh(accounts, now)
    rotation = await repo.rotate_refresh_token(
        ctx.db, hash_refresh_token(refresh_token), now=now, new_token=token
    )
    if rotation is None or rotation.status == "EXPIRED":
        raise BadCredentials(BAD_REFRESH, field="refreshToken")
    if rotation.status == "REUSED":
        log.warning(
            "revoked refresh token presented again; its session was revoked",
            extra={"person_id": rotation.person.id, "revoked": rotation.revokedFamily},
        )
        raise BadCredentials(BAD_REFRESH, field="refreshToken")
    if rotation.status == "SUSPENDED":
        raise AccountSuspended(SUSPENDED)
    return _signed_in(ctx, accounts, SessionRecord(rotation.person, rotation.sessionVersion), raw, now)


async def logout(ctx: Context, *, refresh_token: str, all_sessions: bool) -> int:
    """Revoke the refresh token's session (or every session); how many tokens were revoked."""
    if not _plausible_refresh_token(refresh_token):
        raise BadCredentials(BAD_REFRESH, field="refreshToken")
    revoked = await repo.revoke_sessions(
        ctx.db, hash_refresh_token(refresh_token), now=ctx.now_ms(), all_sessions=all_sessions
    )
    if revoked is None:
        raise BadCredentials(BAD_REFRESH, field="refreshToken")
    person_id, count = revoked
    if all_sessions:  # every access token issued so far stops working
        await session_changed(ctx, person_id)
    return count


async def change_password(ctx: Context, *, current_password: str, new_password: str) -> SignedIn:
    """Check the current password, store the new one, revoke every session, sign in afresh."""
    viewer = require_viewer(ctx)
    accounts = accounts_of(ctx)
    credential = await repo.get_credential(ctx.db, viewer.id)
    if credential is None:
        raise InvalidInput(
            "this account signs in through single sign-on and has no password",
            field="currentPassword",
        )
    email = viewer.person.email if viewer.person else ""
    if (problem := password_problem(new_password, email)) is not None:
        raise InvalidInput(problem, field="newPassword")
    if new_password == current_password:
        raise InvalidInput("choose a password different from the current one", field="newPassword")
    now = ctx.now_ms()
    attempt = await repo.record_login_attempt(
        ctx.db, credential.id, now=now, max_failures=accounts.max_failures,
        window_ms=accounts.lockout_ms,
    )
    if attempt.locked and attempt.lockedUntil is not None:
        raise RateLimited(LOCKED, retry_after=(attempt.lockedUntil - now) / 1000)
    if len(current_password) > PASSWORD_MAX or not await accounts.verify(
        credential.passwordHash, current_password
    ):
        raise InvalidInput("the current password is not correct", field="currentPassword")
    new_hash = await accounts.hash(new_password)
    refresh, token = _refresh(accounts, now)
    session = await repo.change_password(
        ctx.db, person_id=viewer.id, credential_id=credential.id, password_hash=new_hash,
        now=now, token=token,
    )
    if session is None:
        raise NotFound("this account no longer exists")
    await session_changed(ctx, viewer.id)
    log.info("password changed; sessions revoked", extra={"person_id": viewer.id})
    return _signed_in(ctx, accounts, session, refresh, now)


async def set_role(ctx: Context, *, person_id: str, role: str) -> PersonRecord:
    """Admins only: give a person a site role; the last admin cannot be demoted."""
    viewer = require_role(ctx, "ADMIN")
    if role not in ROLE_RANK:
        raise InvalidInput("unknown role", field="role")
    result = await repo.set_role(ctx.db, person_id, role, now=ctx.now_ms())
    if result is None:
        raise NotFound("no such person", field="personId")
    person, last_admin = result
    if last_admin:
        raise Conflict("the last admin cannot be demoted; make someone else admin first", field="role")
    await session_changed(ctx, person_id)
    ctx.loaders.person_by_id.prime(person_id, person, force=True)
    log.info("role changed", extra={"person_id": person_id, "role": role, "by": viewer.id})
    return person


async def provision_account(
    db: Executor, accounts: Accounts, *, email: str, name: str, password: str, role: str,
    now: int,
) -> PersonRecord | None:
    """Create an account outside any request (demo admin); None if the email is taken."""
    email = normalize_email(email)
    if (problem := email_problem(email) or password_problem(password, email)) is not None:
        raise InvalidInput(problem)
    try:
        return await repo.create_account(
            db, id=str(uuid.uuid4()), email=email, name=name, role=role,
            password_hash=await accounts.hash(password), credential_id=str(uuid.uuid4()), now=now,
        )
    except ConstraintViolation:
        return None


# -- bearer tokens ------------------------------------------------------------------------

INVALID_TOKEN = "invalid or expired access token"


class TokenAuthenticator:
    """Bearer token -> Viewer as of now (role, suspension, session version): read from the
    database, or for a local token from the session cache (resolvers.sessions), which every
    change to those forgets. Asked to `defer`, a local token not in the cache is a Viewer
    whose check is still to come (resolvers.sessions.SessionCheck), and `confirm` makes it."""

    def __init__(self, services: Services, *, new_id: Callable[[], str] | None = None) -> None:
        self.services = services
        self._new_id = new_id or (lambda: str(uuid.uuid4()))

    async def __call__(self, token: str, *, defer: bool = False) -> Viewer:
        services = self.services
        accounts, oidc = services.accounts, services.oidc
        now = services.clock()
        # With no SSO issuer every token must be this service's own: not worth a decode to
        # read the issuer it claims first (verifying it refuses any other).
        if accounts is not None and (oidc is None or is_local_token(accounts.tokens, token)):
            claims = verify_access_token(accounts.tokens, token, now_ms=now)
            cache = services.sessions
            session = cache.get(claims.person_id) if cache is not None else None
            if session is not None:
                return _viewer(session, claims.session_version, now, fresh=False)
            check = SessionCheck(
                claims.person_id, claims.session_version, cache.epoch if cache is not None else 0
            )
            if defer:
                role = (cache.role_hint(claims.person_id) if cache is not None else None) or SITE_MEMBER
                return Viewer(id=claims.person_id, role=role, fresh=False, check=check)
            return await self._confirm(check)
        if oidc is None:
            raise Unauthenticated(INVALID_TOKEN)
        identity = await oidc.verify(token)
        session = await repo.get_session_by_email(services.backend, identity.email)
        if session is None:
            session = await repo.ensure_sso_person(
                services.backend, email=identity.email, name=identity.name,
                issuer=identity.issuer, subject=identity.subject, id=self._new_id(),
                credential_id=self._new_id(), now=now,
            )
            log.info("member created on first SSO sign-in", extra={"person_id": session.person.id})
        return _viewer(session, None, now, fresh=True)

    async def confirm(self, viewer: Viewer) -> Viewer:
        """The viewer as its session is now (already so without a check): its check answered
        by the read it rode in or the write that held it, or read now; UNAUTHENTICATED or
        FORBIDDEN as `__call__`."""
        return viewer if viewer.check is None else await self._confirm(viewer.check)

    async def _confirm(self, check: SessionCheck) -> Viewer:
        if check.held_as is not None and not check.answered:
            # A checked write found the session as the token claims it, unsuspended and in
            # this role, when it ran (graph_db.accounts.checked): nothing to read.
            return Viewer(id=check.person_id, role=check.held_as, fresh=False)
        session = await check.answer(self.services.backend.session(causal_key=check.person_id))
        cache = self.services.sessions
        if cache is not None and session is not None:
            cache.put(check.person_id, session, epoch=check.epoch)
        return _viewer(session, check.session_version, self.services.clock(), fresh=True)


def _viewer(session: SessionRecord | None, version: int | None, now: int, *, fresh: bool) -> Viewer:
    """Who `session` is, if a token carrying session version `version` (None: a token of
    another issuer) may act for it now."""
    if session is None or (version is not None and session.sessionVersion != version):
        raise Unauthenticated(INVALID_TOKEN)
    person = session.person
    if _is_suspended(person, now):
        raise Forbidden(SUSPENDED)
    return Viewer(id=person.id, role=person.role, person=person, fresh=fresh)
