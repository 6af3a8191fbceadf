"""The GraphQL schema: each domain's root types combined, and nothing else."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from schema.auth import AuthMutation
from schema.base import SCALARS
from schema.node import NodeQuery
from schema.people import PeopleQuery, Person


@strawberry.type(description="Everything that can be read.")
class Query(NodeQuery, PeopleQuery):
    pass


@strawberry.type(description="Everything that can be changed.")
class Mutation(AuthMutation):
    pass


TYPES: tuple[type, ...] = (Person,)


def build_schema(extensions: Sequence[SchemaExtension | type[SchemaExtension]] = ()) -> strawberry.Schema:
    """The schema with the service's extensions (limits, error masking) attached."""
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=TYPES,
        extensions=list(extensions),
        config=StrawberryConfig(scalar_map=SCALARS),
    )
