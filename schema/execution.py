"""How the schema runs operations: graphql-core's executor, with short paths for the
commonest fields there are.

Most fields of a page are plain stored values (a person's name, a post's body): a Strawberry
field without a resolver, whose GraphQL resolver reads one attribute and ignores its `info`.
graphql-core spends ~5 us on each (a resolve-info tuple, argument values, two awaitable
checks, a value completion per wrapping type), more than the read itself; a group page has
~190 of them. `PlainFieldsExecutionContext` reads such a field and serialises its scalar or
enum value itself (no path, no info), and hands everything else, and every case it is not
sure of (a value that is None where the type says non-null, one the scalar refuses, an
exception), back to graphql-core, which then reports it exactly as it always has: the short
path never decides an error or a null.

The next commonest is a field whose resolver takes no arguments (a post's like count, its
author): Strawberry calls it through a generic wrapper that converts the (absent)
arguments, folds the (absent) field extensions around it and maps the reserved parameters
by name, ~3 us a call. `lean_resolvers` gives such fields a resolver that does only what
their signature asks for; anything with arguments, extensions (permissions), exception
handlers or an async resolver keeps Strawberry's. A lean resolver of a scalar or enum field
(a like count, a degree) is also called by the execution context directly: a value it has
now is serialised at once, an awaitable one completed as graphql-core completes it, and
anything unsure handed back the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary, WeakMethod

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    GraphQLScalarType,
    GraphQLSchema,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined, gather_with_cancel
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


class ShortField(NamedTuple):
    """How to answer one field without graphql-core's machinery: `read(source, info)`, then
    serialise with `leaf`. Plain fields (`field_def` None) never look at their info; lean
    resolvers get one built as graphql-core builds it."""

    read: Any
    leaf: GraphQLLeafType
    non_null: bool
    field_def: GraphQLField | None = None


def short_field(field_def: GraphQLField) -> ShortField | None:
    """The short path for a field, or None when graphql-core must take it: a scalar or enum
    field that is plain (no resolver) or has a lean resolver (`lean_resolvers`)."""
    resolve = field_def.resolve
    definition = field_def.extensions.get("strawberry-definition")
    if resolve is None or field_def.args or not isinstance(definition, StrawberryField):
        return None
    output = field_def.type
    non_null = isinstance(output, GraphQLNonNull)
    leaf = output.of_type if isinstance(output, GraphQLNonNull) else output
    if not isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
        return None
    if getattr(resolve, "__name__", None) == _BASIC_RESOLVER and definition.is_basic_field:
        return ShortField(resolve, leaf, non_null)
    if getattr(resolve, _LEAN, False):
        return ShortField(resolve, leaf, non_null, field_def)
    return None


# Per schema, per (object type, field name): the short path or None. Weakly keyed: tests
# build many schemas, and a plan must not outlive its schema.
_PLANS: WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], ShortField | None]] = (
    WeakKeyDictionary()
)


def _plans(schema: GraphQLSchema) -> dict[tuple[str, str], ShortField | None]:
    plans = _PLANS.get(schema)
    if plans is None:
        plans = _PLANS[schema] = {}
    return plans


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, answering scalar fields without the machinery where
    it can (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # graphql-core gives resolvers this context's own bound methods (info.async_helpers),
        # which made every operation's context, and all it reaches (the operation's fields,
        # the request context, its loaders and records), a reference cycle: garbage only the
        # cyclic collector frees (at 32 clients, 50 passes a worker in 12 s, each freeing
        # ~4,500 objects). Weak references end the cycle; the helpers are only called while
        # the operation runs, when the context is alive (tests/api/test_reference_cycles.py).
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=_weakly(self.gather_async_work), track=_weakly(self.track_async_work)
        )
        self._short = _plans(self.schema)
        # Middleware (an extension with a `resolve` hook) must see every field.
        manager = self.middleware_manager
        self._shortcuts = manager is None or not manager.middlewares

    def _plan(self, parent_type: GraphQLObjectType, name: str) -> ShortField | None:
        key = (parent_type.name, name)
        try:
            return self._short[key]
        except KeyError:
            field_def = self.schema.get_field(parent_type, name)
            short = self._short[key] = short_field(field_def) if field_def else None
            return short

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        """graphql-core's `execute_fields` (same results, same awaiting), with the short
        paths taken first."""
        if not self._shortcuts:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        is_awaitable = self.is_awaitable
        try:
            for response_name, field_details_list in grouped_field_set.items():
                short = self._plan(parent_type, field_details_list[0].node.name.value)
                if short is not None and short.field_def is None:
                    value = _serialise(short, source_value, None)
                    if value is not Undefined:
                        results[response_name] = value
                        continue
                field_path = Path(path, response_name, parent_type.name)
                if short is not None and short.field_def is not None:
                    result = self._lean(
                        short, parent_type, source_value, field_details_list, field_path,
                        position_context,
                    )
                else:
                    result = self.execute_field(
                        parent_type, source_value, field_details_list, field_path,
                        position_context,
                    )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                # As graphql-core: settle what other fields started, they may fail too.
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def _lean(
        self,
        short: ShortField,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        """A lean resolver's field: called with the info graphql-core would build; a value
        that is awaited is completed as graphql-core completes it, and anything unsure is
        left to graphql-core's `execute_field`, which calls the resolver again."""
        field_def = short.field_def
        assert field_def is not None
        info = self.build_resolve_info(
            field_def, [d.node for d in field_details_list], parent_type, path
        )
        try:
            result = short.read(source, info)
        except Exception:  # noqa: BLE001 - graphql-core calls it again and reports it
            result = Undefined
        else:
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    field_def.type, field_details_list, info, path, result, position_context
                )
            result = _coerce(short, result)
        if result is Undefined:
            return self.execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        return result


def _weakly(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method`, called through a weak reference to its object."""
    reference = WeakMethod(method)

    def call(*args: Any) -> Any:
        bound = reference()
        if bound is None:
            raise RuntimeError("the operation this helper belongs to has finished")
        return bound(*args)

    return call


def _serialise(short: ShortField, source: Any, info: Any) -> Any:
    """A plain field's serialised value, or Undefined for graphql-core to find out what is
    wrong."""
    try:
        value = short.read(source, info)
    except Exception:  # noqa: BLE001 - graphql-core reads it again and reports it
        return Undefined
    return _coerce(short, value)


def _coerce(short: ShortField, value: Any) -> Any:
    """`value` serialised for the field, or Undefined when graphql-core must decide (a null
    for a non-null field, a value the scalar or enum refuses)."""
    if value is None:
        return Undefined if short.non_null else None
    try:
        coerced = short.leaf.coerce_output_value(value)
    except Exception:  # noqa: BLE001 - graphql-core serialises it again and reports it
        return Undefined
    return Undefined if coerced is None else coerced


# Marks the resolvers `lean_resolver` makes, for `short_field`.
_LEAN = "_graph_api_lean"


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
    setattr(lean, _LEAN, True)
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
