"""How the schema runs operations: graphql-core's executor, with short paths for the
commonest fields there are.

Most fields of a page are plain stored values (a person's name, a post's body): a Strawberry
field without a resolver, whose GraphQL resolver reads one attribute and ignores its `info`.
graphql-core spends ~5 us on each (a resolve-info tuple, argument values, two awaitable
checks, a value completion per wrapping type), more than the read itself; a group page has
~190 of them. `PlainFieldsExecutionContext` reads such a field and serialises its scalar or
enum value itself, and hands everything else, and every case it is not sure of (a value
that is None where the type says non-null, one the scalar refuses, an exception), back to
graphql-core, which then reports it exactly as it always has: the short path never decides
an error or a null.

The next commonest is a field whose resolver takes no arguments (a post's like count, its
author): Strawberry calls it through a generic wrapper that converts the (absent)
arguments, folds the (absent) field extensions around it and maps the reserved parameters
by name, ~3 us a call. `lean_resolvers` gives such fields a resolver that does only what
their signature asks for; anything with arguments, extensions (permissions), exception
handlers or an async resolver keeps Strawberry's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import Schema, StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

# The name Strawberry gives the resolver of a field that has no resolver, no extensions and
# no exception handlers (strawberry.schema.schema_converter, `from_resolver`): it reads
# the attribute and never looks at its info. tests/unit/test_execution.py checks that the
# fields a page reads still get it, so an upgrade that renames it fails a test rather than
# quietly taking the long path.
_BASIC_RESOLVER = "_get_basic_result"
# ... and of the resolver it gives a field with a sync resolver function and no exception
# handlers (an async one gets `_async_resolver`, one with handlers the same name but
# handlers to run: `field_exception_handlers` are checked separately below).
_SYNC_RESOLVER = "_resolver"


class PlainField(NamedTuple):
    """How to answer one plain field: call `read(source, None)`, serialise with `leaf`."""

    read: Any
    leaf: GraphQLLeafType
    non_null: bool


def plain_field(field_def: GraphQLField) -> PlainField | None:
    """The short path for a field, or None when graphql-core must take it."""
    resolve = field_def.resolve
    definition = field_def.extensions.get("strawberry-definition")
    if (
        resolve is None
        or getattr(resolve, "__name__", None) != _BASIC_RESOLVER
        or not isinstance(definition, StrawberryField)
        or not definition.is_basic_field
        or field_def.args
    ):
        return None
    output = field_def.type
    non_null = isinstance(output, GraphQLNonNull)
    leaf = output.of_type if isinstance(output, GraphQLNonNull) else output
    if not isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
        return None
    return PlainField(resolve, leaf, non_null)


# Per schema, per (object type, field name): the short path or None. Weakly keyed: tests
# build many schemas, and a plan must not outlive its schema.
_PLANS: WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], PlainField | None]] = (
    WeakKeyDictionary()
)


def _plans(schema: GraphQLSchema) -> dict[tuple[str, str], PlainField | None]:
    plans = _PLANS.get(schema)
    if plans is None:
        plans = _PLANS[schema] = {}
    return plans


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, answering plain scalar fields without the machinery."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain = _plans(self.schema)
        # Middleware (an extension with a `resolve` hook) must see every field.
        manager = self.middleware_manager
        self._shortcuts = manager is None or not manager.middlewares

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        if self._shortcuts:
            node = field_details_list[0].node
            key = (parent_type.name, node.name.value)
            try:
                plain = self._plain[key]
            except KeyError:
                field_def = self.schema.get_field(parent_type, key[1])
                plain = self._plain[key] = plain_field(field_def) if field_def else None
            if plain is not None:
                value = self._read(plain, source)
                if value is not Undefined:
                    return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    @staticmethod
    def _read(plain: PlainField, source: Any) -> Any:
        """The serialised value, or Undefined for graphql-core to find out what is wrong."""
        try:
            value = plain.read(source, None)
            if value is None:
                return Undefined if plain.non_null else None
            coerced = plain.leaf.coerce_output_value(value)
        except Exception:  # noqa: BLE001 - graphql-core reads it again and reports it
            return Undefined
        return Undefined if coerced is None else coerced


def lean_resolver(field_def: GraphQLField, schema: Schema) -> Callable[..., Any] | None:
    """A resolver for `field_def` that calls its function directly, or None when Strawberry's
    wrapper has work to do there (arguments, extensions, handlers, an async function)."""
    resolve = field_def.resolve
    definition = field_def.extensions.get("strawberry-definition")
    if (
        resolve is None
        or getattr(resolve, "__name__", None) != _SYNC_RESOLVER
        or not isinstance(definition, StrawberryField)
        or definition.base_resolver is None
        or definition.extensions
        or definition.arguments
        or field_def.args
        or definition.is_async
    ):
        return None
    handlers = getattr(schema.schema_converter, "_get_field_exception_handlers", None)
    if handlers is None or handlers(definition):
        return None
    function = definition.base_resolver
    info_class = schema.config.info_class
    by_self = function.self_parameter is not None
    names = [p.name for p in (function.root_parameter, function.parent_parameter) if p]
    info_name = function.info_parameter.name if function.info_parameter else None

    def lean(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        kwargs = dict.fromkeys(names, source)
        if info_name is not None:
            kwargs[info_name] = info_class(_raw_info=info, _field=definition)
        return function(source, **kwargs) if by_self else function(**kwargs)

    lean.__name__ = f"lean_{definition.python_name}"
    return lean


def lean_resolvers(schema: Schema) -> int:
    """Give every field that can have one a lean resolver; how many did."""
    count = 0
    for named in schema._schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for field_def in named.fields.values():
            if (lean := lean_resolver(field_def, schema)) is not None:
                field_def.resolve = lean
                count += 1
    return count
