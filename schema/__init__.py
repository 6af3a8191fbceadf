"""The GraphQL schema: each domain's root types combined, and nothing else."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from schema.auth import AuthMutation
from schema.base import SCALARS
from schema.execution import PlainFieldsExecutionContext, lean_resolvers
from schema.feed import FeedQuery
from schema.forums import Forum, ForumsMutation, ForumsQuery, Reply, Thread
from schema.groups import Group, GroupsMutation, GroupsQuery
from schema.hooks import LeanHooksSchema
from schema.mentorship import TYPES as MENTORSHIP_TYPES
from schema.mentorship import MentorshipMutation, MentorshipQuery
from schema.messages import (
    Conversation,
    Message,
    MessagesMutation,
    MessagesQuery,
    MessagesSubscription,
)
from schema.moderation import ModerationAction, ModerationMutation, ModerationQuery, Report
from schema.network import NetworkMutation, NetworkQuery
from schema.node import NodeQuery
from schema.notifications import (
    Notification,
    NotificationsMutation,
    NotificationsQuery,
    NotificationsSubscription,
)
from schema.people import PeopleMutation, PeopleQuery, Person
from schema.posts import Comment, Post, PostsMutation
from schema.programs import TYPES as PROGRAMS_TYPES
from schema.programs import ProgramsMutation, ProgramsQuery
from schema.search import SearchQuery
from schema.taxonomy import Department, Division, Hospital, TaxonomyMutation, TaxonomyQuery
from schema.vocabulary import Interest, MentorshipArea, VocabularyMutation, VocabularyQuery


@strawberry.type(description="Everything that can be read.")
class Query(
    NodeQuery, PeopleQuery, FeedQuery, NotificationsQuery, GroupsQuery, ForumsQuery, ModerationQuery,
    MentorshipQuery, ProgramsQuery, MessagesQuery,
    NetworkQuery, SearchQuery, TaxonomyQuery, VocabularyQuery,
):
    pass


@strawberry.type(description="Everything that can be changed.")
class Mutation(
    AuthMutation, PostsMutation, NotificationsMutation, GroupsMutation, ForumsMutation,
    ModerationMutation, MentorshipMutation, ProgramsMutation, MessagesMutation,
    PeopleMutation, NetworkMutation, TaxonomyMutation, VocabularyMutation,
):
    pass


@strawberry.type(description="Live events, over graphql-transport-ws.")
class Subscription(NotificationsSubscription, MessagesSubscription):
    pass


TYPES: tuple[type, ...] = (
    Person, Post, Comment, Notification, Group, Forum, Thread, Reply, Report, ModerationAction,
    *MENTORSHIP_TYPES, *PROGRAMS_TYPES, Conversation, Message,
    Hospital, Department, Division, Interest, MentorshipArea,
)


def build_schema(
    extensions: Sequence[type[SchemaExtension] | Callable[[], SchemaExtension]] = (),
) -> strawberry.Schema:
    """The schema with the service's extensions (limits, error masking) attached."""
    schema = LeanHooksSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=TYPES,
        extensions=list(extensions),
        config=StrawberryConfig(scalar_map=SCALARS),
        execution_context_class=PlainFieldsExecutionContext,
    )
    lean_resolvers(schema)
    return schema
