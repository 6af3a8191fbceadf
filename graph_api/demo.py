"""Demo data for `make run`: loaded once, into an empty database.

A small network (people with profiles, groups, updates with comments and likes,
mentorships; graph_db.seed, the generator `graph-api seed` and the benchmarks use) and a demo
admin placed in it: following recent authors, a member of two public groups, with a
connection, pending requests and a profile, so the first queries in GraphiQL (feed, notifications,
searchPeople, mentorRecommendations) answer with something to look at.
"""

from __future__ import annotations

import logging

from graph_api.config import Settings, generated_secret
from graph_db import feed, groups, network, people
from graph_db.backend import Backend
from graph_db.people_records import PersonRecord
from graph_db.programs.demo import load_programs_demo
from graph_db.seed import seed_content, seed_people
from resolvers.accounts import provision_account
from resolvers.services import epoch_ms
from resolvers.signin import Accounts

log = logging.getLogger("graph_api.demo")


DEMO_EMAIL = "demo@example.org"
# Per demo person: ~5 updates, ~25 likes (at most half of what a small network can give:
# nobody likes a post twice or their own); a group per 10 people; a mentorship per 2.
POSTS_PER_PERSON, LIKES_PER_PERSON, PEOPLE_PER_GROUP, PEOPLE_PER_MENTORSHIP = 5, 25, 10, 2
FOLLOWED_AUTHORS, JOINED_GROUPS, REQUESTS = 12, 2, 3
DEMO_INTERESTS, DEMO_AREAS = 3, 2  # the admin's profile: taken from the people it follows


async def load_demo(backend: Backend, settings: Settings, accounts: Accounts | None = None) -> None:
    if await people.count_people(backend) == 0:
        count, now = settings.demo_people, epoch_ms()  # dated up to now: "2 hours ago"
        created = await seed_people(backend, count, now=now)
        content = await seed_content(
            backend, groups=max(1, count // PEOPLE_PER_GROUP), posts=count * POSTS_PER_PERSON,
            likes=min(count * LIKES_PER_PERSON, count * POSTS_PER_PERSON * (count - 1) // 2),
            mentorships=count // PEOPLE_PER_MENTORSHIP, now=now,
        )
        log.info("demo network loaded", extra={
            "people": created, "groups": content.groups, "posts": content.posts,
            "comments": content.comments, "likes": content.likes,
        })
    if accounts is not None and not settings.is_production:
        await ensure_demo_admin(backend, settings, accounts)
    # Programs (issue 16): a cohort, a due survey, a speed-mentoring event, an award cycle.
    await load_programs_demo(backend, admin_email=DEMO_EMAIL, now=epoch_ms())


def demo_password(settings: Settings) -> str:
    """The demo admin's password: generated into the data directory on first run."""
    return generated_secret(settings.data_dir, "demo_password", 12)


async def ensure_demo_admin(backend: Backend, settings: Settings, accounts: Accounts) -> None:
    """Create the demo admin once, and print how to sign in (development only, never logged)."""
    password = demo_password(settings)
    created = await provision_account(
        backend, accounts, email=DEMO_EMAIL, name="Demo Admin", password=password, role="ADMIN",
        now=epoch_ms(),
    )
    if created is not None:
        await _place_in_network(backend, created)
        log.info("demo admin created", extra={"person_id": created.id})
    print(
        f"\n  Demo admin: {DEMO_EMAIL} / {password}  (password unless changed; stored in "
        f"{settings.data_dir / 'secrets' / 'demo_password'})\n"
        "  Sign in with the `login` mutation, then send the header "
        '{"Authorization": "Bearer <accessToken>"}.\n',
        flush=True,
    )


async def _place_in_network(backend: Backend, admin: PersonRecord) -> None:
    """Give the new demo admin a home feed and notifications: follow recent authors, join
    public groups, one accepted connection and a few pending requests (through the domains'
    own writes, so everything is as if members had done it)."""
    now = epoch_ms()
    recent = await feed.activity(backend, admin.id, after=None, limit=200, now=now)
    authors = list(dict.fromkeys(
        item.post.authorId for item in recent if item.post is not None and item.post.groupId is None
    ))
    for author in authors[:FOLLOWED_AUTHORS]:
        await network.follow(backend, admin.id, author, now=now)
    listed = await groups.list_groups(
        backend, viewer_id=admin.id, query=None, interest_id=None, joined=False,
        include_archived=False, after=None, limit=50,
    )
    public = [group for group, _ in listed if group.visibility == "PUBLIC"]
    for group in public[:JOINED_GROUPS]:
        await groups.join(backend, group.id, person_id=admin.id, now=now)
    # The connection is one the admin asked for (so its "accepted" notification is the
    # admin's); only the REQUESTS still pending notify "X and 2 others asked to connect".
    # A small demo (GRAPH_API_DEMO_PEOPLE) has fewer authors: they may also be followed.
    others = authors[FOLLOWED_AUTHORS:FOLLOWED_AUTHORS + 1 + REQUESTS] or authors[-1 - REQUESTS:]
    if others:
        friend, *askers = others
        await network.request_connection(backend, admin.id, friend, message=None, now=now)
        await network.accept_connection(backend, friend, admin.id, now=now)
        for asker in askers:
            await network.request_connection(backend, asker, admin.id, message=None, now=now)
    await _give_profile(backend, admin, authors[:FOLLOWED_AUTHORS])


async def _give_profile(backend: Backend, admin: PersonRecord, neighbours: list[str]) -> None:
    """A junior rank, and interests and sought areas that people nearby have and offer, so
    that mentorRecommendations and searches answer with someone for the admin."""
    now = epoch_ms()
    await people.update_profile(backend, admin.id, changes={
        "title": "Instructor in Medicine", "rank": "INSTRUCTOR",
        "bio": "The demo account: explore the network, then sign in as yourself.",
    }, now=now)
    terms = await people.get_terms(backend, neighbours)
    for rel, source, count in (
        ("INTERESTED_IN", "INTERESTED_IN", DEMO_INTERESTS),
        ("SEEKS_MENTORSHIP_IN", "OFFERS_MENTORSHIP_IN", DEMO_AREAS),
    ):
        picked = list({t.id: t for person in terms for t in person.get(source, [])}.values())[:count]
        if picked:
            await people.add_terms(backend, admin.id, rel, now=now, terms=[
                {"id": t.id, "slug": t.slug, "name": t.name, "broaderId": None} for t in picked
            ])
