"""Account rules with a real context and database, and a clock the test controls."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import pytest
from argon2 import PasswordHasher, Type

from graph_api.pipeline import CheckedWrites
from graph_db import accounts as repo
from graph_db import instrument
from graph_db.backend import Backend
from graph_db.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
)
from resolvers import accounts
from resolvers.accounts import BadCredentials, TokenAuthenticator
from resolvers.context import Context, Viewer
from resolvers.loaders import Loaders
from resolvers.services import Services
from resolvers.sessions import SessionCache
from resolvers.signin import Accounts
from resolvers.tokens import (
    TokenConfig,
    hash_refresh_token,
    is_local_token,
    issue_access_token,
    verify_access_token,
)
from tests.factories import make_person

PASSWORD = "correct horse battery staple"
SECRET = "resolver-test-secret-" + "z" * 32


@dataclass
class Clock:
    now: int = 1_800_000_000_000

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += int(seconds * 1000)


@dataclass
class World:
    db: Backend
    services: Services
    accounts: Accounts
    clock: Clock
    authenticate: TokenAuthenticator

    def ctx(self, viewer: Viewer | None = None) -> Context:
        return Context(db=self.db, services=self.services, loaders=Loaders(self.db), viewer=viewer)

    async def signed_in(self, token: str) -> Context:
        return self.ctx(await self.authenticate(token))


@pytest.fixture
async def world(db: Backend) -> AsyncIterator[World]:
    clock = Clock()
    acc = Accounts(TokenConfig(secret=SECRET, access_token_seconds=600, refresh_token_days=7),
                   max_failures=3, lockout_seconds=60)
    services = Services(backend=db, clock=clock, accounts=acc)
    authenticator = TokenAuthenticator(services)
    yield World(db, services, acc, clock, authenticator)


async def register(world: World, email: str = "ada@example.org") -> accounts.SignedIn:
    return await accounts.register(world.ctx(), email=email, name="Ada", password=PASSWORD)


async def test_password_is_stored_as_argon2id_with_owasp_parameters(world: World) -> None:
    signed_in = await register(world)
    credential = await repo.get_credential(world.db, signed_in.person.id)
    assert credential is not None
    assert credential.passwordHash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in repr(credential)


async def test_register_is_one_write(world: World) -> None:
    stats = instrument.QueryStats()
    token = instrument.track(stats)
    try:
        await register(world)
    finally:
        instrument.untrack(token)
    assert (stats.reads, stats.writes) == (0, 1)


async def test_concurrent_registrations_of_one_email_make_one_account(world: World) -> None:
    results = await asyncio.gather(
        *(register(world, email=f"  ADA@example.org{' ' * i}") for i in range(4)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, accounts.SignedIn) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, accounts.SignedIn))
    rows = await world.db.read("MATCH (p:Person)-[:HAS_CREDENTIAL]->(c) RETURN count(c) AS n")
    assert rows == [{"n": 1}]


async def test_lockout_lifts_after_the_window(world: World) -> None:
    await register(world)
    for _ in range(3):
        with pytest.raises(BadCredentials):
            await accounts.login(world.ctx(), email="ada@example.org", password="nope nope nope")
    with pytest.raises(RateLimited) as locked:
        await accounts.login(world.ctx(), email="ada@example.org", password=PASSWORD)
    assert locked.value.retry_after == 60
    world.clock.advance(45)
    with pytest.raises(RateLimited) as still:
        await accounts.login(world.ctx(), email="ada@example.org", password=PASSWORD)
    assert still.value.retry_after == 15
    world.clock.advance(15)
    assert (await accounts.login(world.ctx(), email="ada@example.org", password=PASSWORD)).person


async def test_failures_outside_the_window_do_not_add_up(world: World) -> None:
    await register(world)
    for _ in range(4):
        with pytest.raises(BadCredentials):
            await accounts.login(world.ctx(), email="ada@example.org", password="nope nope nope")
        world.clock.advance(31)  # two failures per 60 s window at most
    assert (await accounts.login(world.ctx(), email="ada@example.org", password=PASSWORD)).person


async def test_unknown_email_spends_a_hash_and_memory_is_bounded(world: World) -> None:
    world.accounts.unknown_email_slots = 5
    for i in range(20):
        with pytest.raises(BadCredentials):
            await accounts.login(world.ctx(), email=f"ghost{i}@example.org", password="nope nope")
    assert world.accounts._dummy_hash is not None
    assert len(world.accounts._unknown) == 5


async def test_login_upgrades_an_outdated_hash(world: World) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8_192, parallelism=1, type=Type.ID)
    person = await repo.create_account(
        world.db, id="p-old", email="old@example.org", name="Old", password_hash=weak.hash(PASSWORD),
        credential_id="c-old", now=world.clock.now,
    )
    await accounts.login(world.ctx(), email="old@example.org", password=PASSWORD)
    credential = await repo.get_credential(world.db, person.id)
    assert credential is not None and "m=19456,t=2,p=1" in credential.passwordHash


async def test_access_token_expires_on_the_service_clock(world: World) -> None:
    signed_in = await register(world)
    assert (await world.authenticate(signed_in.access_token)).id == signed_in.person.id
    world.clock.advance(599)
    await world.authenticate(signed_in.access_token)
    world.clock.advance(1)
    with pytest.raises(Unauthenticated):
        await world.authenticate(signed_in.access_token)


async def test_refresh_token_expires_without_revoking_the_family(world: World) -> None:
    signed_in = await register(world)
    world.clock.advance(7 * 86_400)
    with pytest.raises(BadCredentials):
        await accounts.refresh_session(world.ctx(), refresh_token=signed_in.refresh_token)
    rows = await world.db.read("MATCH (t:RefreshToken) RETURN t.revokedAt AS revokedAt")
    assert rows == [{"revokedAt": None}]


async def test_racing_refreshes_with_one_token_cannot_both_win(world: World) -> None:
    signed_in = await register(world)
    results = await asyncio.gather(
        *(accounts.refresh_session(world.ctx(), refresh_token=signed_in.refresh_token)
          for _ in range(5)),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, accounts.SignedIn)]
    assert len(winners) == 1
    # The losers look like a replay, so the family (the winner's new token too) is revoked:
    # a stolen token can never fork a session.
    with pytest.raises(BadCredentials):
        await accounts.refresh_session(world.ctx(), refresh_token=winners[0].refresh_token)


async def test_role_and_suspension_apply_on_the_next_request(world: World) -> None:
    admin = await make_person(world.db, role="ADMIN")
    member = await register(world)
    admin_ctx = world.ctx(Viewer(admin.id, admin.role, admin))
    await accounts.set_role(admin_ctx, person_id=member.person.id, role="MODERATOR")
    assert (await world.authenticate(member.access_token)).role == "MODERATOR"
    await world.db.write("MATCH (p:Person {id: $id}) SET p.suspendedUntil = $until",
                         {"id": member.person.id, "until": world.clock.now + 1000})
    with pytest.raises(Forbidden):
        await world.authenticate(member.access_token)
    world.clock.advance(1)
    assert (await world.authenticate(member.access_token)).id == member.person.id


async def test_a_deferred_check_is_made_by_confirm_and_then_kept(world: World) -> None:
    world.services.sessions = SessionCache(60)
    signed_in = await register(world)
    await world.db.write("MATCH (p:Person {id: $id}) SET p.role = 'ADMIN'",
                         {"id": signed_in.person.id})
    deferred = await world.authenticate(signed_in.access_token, defer=True)
    # Nothing read yet: a member is assumed until the check answers.
    assert deferred.check is not None
    assert (deferred.id, deferred.role) == (signed_in.person.id, "MEMBER")
    assert deferred.person is None and not deferred.fresh
    confirmed = await world.authenticate.confirm(deferred)
    assert (confirmed.role, confirmed.check, confirmed.fresh) == ("ADMIN", None, True)
    assert await world.authenticate.confirm(confirmed) is confirmed
    # Kept now: the next request needs no check at all.
    kept = await world.authenticate(signed_in.access_token, defer=True)
    assert (kept.check, kept.role) == (None, "ADMIN")


async def test_a_deferred_check_refuses_what_a_first_check_refuses(world: World) -> None:
    member = await register(world)
    await world.db.write("MATCH (p:Person {id: $id}) SET p.suspendedUntil = $until",
                         {"id": member.person.id, "until": world.clock.now + 1000})
    deferred = await world.authenticate(member.access_token, defer=True)
    with pytest.raises(Forbidden):
        await world.authenticate.confirm(deferred)
    await world.db.write("MATCH (p:Person {id: $id}) DETACH DELETE p", {"id": member.person.id})
    deferred = await world.authenticate(member.access_token, defer=True)
    with pytest.raises(Unauthenticated):
        await world.authenticate.confirm(deferred)


async def test_a_write_before_a_deferred_check_waits_for_it(world: World) -> None:
    member = await register(world)
    person = {"id": member.person.id}

    async def write(marker: str) -> None:
        deferred = await world.authenticate(member.access_token, defer=True)
        assert deferred.check is not None
        await CheckedWrites(world.db, deferred, world.authenticate, world.clock).write(
            "CREATE (:Marker {id: $id})", {"id": marker})

    await write("held")  # the check holds the member the write assumed
    await world.db.write("MATCH (p:Person {id: $id}) SET p.role = 'ADMIN'", person)
    with pytest.raises(Forbidden):  # another role: the operation runs again, not this write
        await write("another role")
    await world.db.write("MATCH (p:Person {id: $id}) SET p.role = 'MEMBER'", person)
    await world.db.write("MATCH (:Person {id: $id})-[:HAS_CREDENTIAL]->(c:Credential) "
                         "SET c.sessionVersion = c.sessionVersion + 1", person)
    with pytest.raises(Unauthenticated):
        await write("void token")
    assert await world.db.read("MATCH (m:Marker) RETURN m.id AS id") == [{"id": "held"}]


async def test_deleted_person_token_is_refused(world: World) -> None:
    member = await register(world)
    await world.db.write("MATCH (p:Person {id: $id}) DETACH DELETE p", {"id": member.person.id})
    with pytest.raises(Unauthenticated):
        await world.authenticate(member.access_token)


async def test_without_sso_any_token_but_ours_is_refused_as_invalid(world: World) -> None:
    """No SSO issuer: every token is verified as this service's own (no peek at its issuer
    first), so one signed by anyone else, or with another issuer, or not a JWT at all, is
    refused exactly as an invalid one of ours."""
    member = await register(world)
    assert (await world.authenticate(member.access_token)).id == member.person.id
    now = world.clock()
    foreign = [
        issue_access_token(TokenConfig(secret=SECRET[::-1]), member.person.id, now_ms=now).token,
        issue_access_token(TokenConfig(secret=SECRET, issuer="https://elsewhere.example"),
                           member.person.id, now_ms=now).token,
        "not.a.jwt", "x",
    ]
    for token in foreign:
        with pytest.raises(Unauthenticated, match="invalid or expired access token"):
            await world.authenticate(token)


async def test_set_role_permissions(world: World) -> None:
    admin = await make_person(world.db, role="ADMIN")
    moderator = await make_person(world.db, role="MODERATOR")
    target = await make_person(world.db)
    with pytest.raises(Unauthenticated):
        await accounts.set_role(world.ctx(), person_id=target.id, role="ADMIN")
    with pytest.raises(Forbidden):
        await accounts.set_role(world.ctx(Viewer(moderator.id, "MODERATOR")), person_id=target.id,
                                role="MODERATOR")
    admin_ctx = world.ctx(Viewer(admin.id, "ADMIN"))
    with pytest.raises(NotFound):
        await accounts.set_role(admin_ctx, person_id="missing", role="ADMIN")
    with pytest.raises(InvalidInput):
        await accounts.set_role(admin_ctx, person_id=target.id, role="OWNER")
    assert (await accounts.set_role(admin_ctx, person_id=target.id, role="ADMIN")).role == "ADMIN"
    # Now two admins: each may step down, but not both.
    await accounts.set_role(admin_ctx, person_id=admin.id, role="MEMBER")
    with pytest.raises(Conflict):
        await accounts.set_role(world.ctx(Viewer(target.id, "ADMIN")), person_id=target.id,
                                role="MEMBER")


async def test_change_password_for_sso_only_member_is_refused(world: World) -> None:
    person = await make_person(world.db)
    ctx = world.ctx(Viewer(person.id, person.role, person))
    with pytest.raises(InvalidInput) as refused:
        await accounts.change_password(ctx, current_password="x" * 12, new_password="y" * 12)
    assert refused.value.field == "currentPassword"


async def test_factory_password_accounts_can_log_in(world: World) -> None:
    person = await make_person(world.db, password=PASSWORD, title="Professor")
    signed_in = await accounts.login(world.ctx(), email=person.email, password=PASSWORD)
    assert signed_in.person.id == person.id and signed_in.person.title == "Professor"


def test_tokens_refuse_short_secrets_and_foreign_signers() -> None:
    with pytest.raises(ValueError):
        TokenConfig(secret="short")
    mine, theirs = TokenConfig(secret=SECRET), TokenConfig(secret=SECRET[::-1])
    token = issue_access_token(theirs, "p1", now_ms=1_000_000).token
    with pytest.raises(Unauthenticated):
        verify_access_token(mine, token, now_ms=1_000_000)
    claims = verify_access_token(theirs, token, now_ms=1_000_000)
    assert (claims.person_id, claims.expires_at) == ("p1", 1_000_000 + 900_000)
    assert len(hash_refresh_token("x")) == 64


def test_verified_tokens_are_remembered_but_the_clock_is_read_on_every_use() -> None:
    config = TokenConfig(secret=SECRET, access_token_seconds=60)
    token = issue_access_token(config, "p1", now_ms=1_000_000).token
    with pytest.raises(Unauthenticated):  # issued more than a minute ahead: not yet, not kept
        verify_access_token(config, token, now_ms=1_000_000 - 61_000)
    assert token not in config.verified
    assert verify_access_token(config, token, now_ms=1_000_000).person_id == "p1"
    assert token in config.verified and is_local_token(config, token)
    assert verify_access_token(config, token, now_ms=1_059_999).person_id == "p1"
    with pytest.raises(Unauthenticated):  # expired, although verified before
        verify_access_token(config, token, now_ms=1_060_000)
    with pytest.raises(Unauthenticated):  # another secret has verified nothing
        verify_access_token(replace(config, secret=SECRET[::-1]), token, now_ms=1_000_000)
    forged = token[:-10] + ("B" if token[-10] == "A" else "A") + token[-9:]
    with pytest.raises(Unauthenticated):  # a forged signature is refused and not kept
        verify_access_token(config, forged, now_ms=1_000_000)
    assert len(config.verified) == 1


def test_verified_tokens_are_bounded() -> None:
    config = TokenConfig(secret=SECRET)
    config.verified.max_size = 3
    tokens = [issue_access_token(config, f"p{i}", now_ms=1_000_000).token for i in range(5)]
    for token in tokens:
        verify_access_token(config, token, now_ms=1_000_000)
    assert len(config.verified) == 3
    assert [t in config.verified for t in tokens] == [False, False, True, True, True]


def test_verified_tokens_in_use_are_kept_over_newer_ones() -> None:
    """The least recently used token leaves first, not the oldest: a member who keeps
    using their token is not checked again because others signed in since."""
    config = TokenConfig(secret=SECRET)
    config.verified.max_size = 3
    tokens = [issue_access_token(config, f"p{i}", now_ms=1_000_000).token for i in range(4)]
    for token in tokens[:3]:
        verify_access_token(config, token, now_ms=1_000_000)
    verify_access_token(config, tokens[0], now_ms=1_000_000)  # in use again
    verify_access_token(config, tokens[3], now_ms=1_000_000)
    assert [t in config.verified for t in tokens] == [True, False, True, True]
    assert verify_access_token(config, tokens[0], now_ms=1_000_000).person_id == "p0"
