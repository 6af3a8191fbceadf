"""GraphQL fields for follows, connection requests, connections, blocks and suggestions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

import strawberry

from graph_db.people_records import LinkRecord, PersonRecord, SuggestionRecord
from resolvers import network as network_resolvers
from resolvers.context import Context
from schema.base import (
    AppInfo,
    Connection,
    DateTime,
    Payload,
    UserError,
    attr_field,
    connection,
    person_id,
    timestamp_field,
)
from schema.people import Person, link_connection


@strawberry.input(description="The member to act on.")
class MemberInput:
    person_id: strawberry.ID = strawberry.field(description="The member.")


@strawberry.input(description="A connection request.")
class RequestConnectionInput:
    person_id: strawberry.ID = strawberry.field(description="The member to connect with.")
    message: str | None = strawberry.field(default=None, description="A note, up to 500 characters.")


@strawberry.type(description="The result of following, connecting or blocking.")
class MemberPayload(Payload[PersonRecord], result="person", convert=Person.from_record):
    person: Person | None = strawberry.field(
        description="The other member (read their connectionStatus, viewerFollows); null on errors."
    )
    errors: list[UserError] = strawberry.field(description="What to fix, if anything.")


@strawberry.type(description="Someone you may know, and why.")
class PersonSuggestion:
    record: strawberry.Private[SuggestionRecord]

    mutual_connection_count: int = attr_field(
        "record.mutualConnections",
        description="How many of your connections they are connected with.",
    )

    shared_interest_count: int = attr_field(
        "record.sharedInterests",
        description="How many of your research interests they share.",
    )

    person: Person = attr_field("record.person", Person.from_record, description="The person.")


@strawberry.type(description="A pending connection request.")
class ConnectionRequest:
    record: strawberry.Private[LinkRecord]

    message: str | None = attr_field("record.message", description="The note sent with the request.")

    created_at: DateTime = timestamp_field("record.since", "When it was sent.")

    person: Person = attr_field(
        "record.person", Person.from_record, description="Who asked (incoming) or whom you asked (outgoing)."
    )


@strawberry.enum(description="Requests you received or sent.")
class ConnectionRequestDirection(Enum):
    INCOMING = strawberry.enum_value("INCOMING", description="Others asked you.")
    OUTGOING = strawberry.enum_value("OUTGOING", description="You asked others.")


@strawberry.type
class NetworkQuery:
    @strawberry.field(
        description="People you may know: friends of your connections and people sharing your "
        "interests (never your connections, pending requests or blocked members)."
    )
    async def people_you_may_know(
        self, info: AppInfo, first: int | None = 10
    ) -> list[PersonSuggestion]:
        found = await network_resolvers.suggestions(info.context, first)
        return [PersonSuggestion(record=s) for s in found]

    @strawberry.field(description="Your pending connection requests, most recent first.")
    async def connection_requests(
        self, info: AppInfo, direction: ConnectionRequestDirection, first: int | None = 20,
        after: str | None = None,
    ) -> Connection[ConnectionRequest]:
        viewer = info.context.viewer
        kind = "incoming" if direction is ConnectionRequestDirection.INCOMING else "outgoing"
        page = await network_resolvers.links(
            info.context, kind, viewer.id if viewer else "", first=first, after=after
        )
        return connection(page, lambda link: ConnectionRequest(record=link))

    @strawberry.field(description="Members you blocked, most recent first.")
    async def blocked_members(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Person]:
        viewer = info.context.viewer
        page = await network_resolvers.links(
            info.context, "blocked", viewer.id if viewer else "", first=first, after=after
        )
        return await link_connection(info, page)


def _on_member(act: Callable[[Context, str], Awaitable[PersonRecord]], description: str) -> Any:
    """A mutation that acts on one member (`input.personId`) and returns them as they are now."""

    async def resolve(self: object, info: AppInfo, input: MemberInput) -> MemberPayload:
        return await MemberPayload.attempt(lambda: act(info.context, person_id(input.person_id)))

    return strawberry.mutation(resolver=resolve, description=description)


async def _request_connection(self: object, info: AppInfo, input: RequestConnectionInput) -> MemberPayload:
    return await MemberPayload.attempt(lambda: network_resolvers.request_connection(
        info.context, person_id(input.person_id), input.message
    ))


@strawberry.type
class NetworkMutation:
    follow: MemberPayload = _on_member(network_resolvers.follow, "Follow a member's updates.")

    unfollow: MemberPayload = _on_member(network_resolvers.unfollow, "Stop following a member.")

    request_connection: MemberPayload = strawberry.mutation(
        resolver=_request_connection,
        description="Ask a member to connect; if they already asked you, you are connected.",
    )

    accept_connection: MemberPayload = _on_member(
        network_resolvers.accept_connection, "Accept a member's connection request."
    )

    decline_connection: MemberPayload = _on_member(
        network_resolvers.decline_connection, "Decline a member's connection request."
    )

    withdraw_connection_request: MemberPayload = _on_member(
        network_resolvers.withdraw_request, "Withdraw your connection request to a member."
    )

    remove_connection: MemberPayload = _on_member(
        network_resolvers.remove_connection, "Remove a connection (both sides)."
    )

    block_member: MemberPayload = _on_member(
        network_resolvers.block,
        "Block a member: follows, requests and the connection between you end and "
        "neither of you sees the other anywhere.",
    )

    unblock_member: MemberPayload = _on_member(network_resolvers.unblock, "Lift your block on a member.")
