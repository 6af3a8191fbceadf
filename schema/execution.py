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
anything unsure (a null where non-null, a value the scalar refuses) completed by
graphql-core's `complete_value` with the value in hand, which reports it as it always has.

Above the leaves, a page is objects: 20 edges, each with a post, each with an author.
graphql-core completes each through five generic steps (`complete_value`, then
`complete_object_value`, `collect_and_execute_subfields`, `execute_collected_subfields`
and, in a list, `complete_list_item_value` per item), each dispatching on the type again. A
plain or lean field of an object type, or of a list of one, whose value is there now (not
awaited) and is what the type expects (not null where non-null, each item passing the
type's check) has its fields executed directly with the sub-selection graphql-core
collected (its own cache), errors handled where graphql-core handles them (the field, or
the list item); anything else (an awaited value, a null for a non-null field, an object of
another type, a deferred or streamed selection) goes to graphql-core's `complete_value`
with the value already read, so no resolver is called twice.

graphql-core collects each object's subfields (which fields of the selection apply to its
type, grouped by response name, through fragments) once per operation run: a page of 20
posts collects a post's once, but the next request collects it again, ~14 collections a
profile. Where nothing in the operation depends on the variables (no directive anywhere in
it or its fragments, no fragment variables: nothing `@include`, `@skip`, `@defer` or
`@stream` could change), what a selection collects depends only on the document's nodes and
the type, so it is kept with the operation (schema.memo) and reused by every later run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from operator import attrgetter
from typing import Any, NamedTuple, TypeVar
from weakref import WeakKeyDictionary, WeakMethod

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    GraphQLScalarType,
    GraphQLSchema,
)
from graphql.execution import collect_fields
from graphql.execution.collect_fields import (
    CollectedFields,
    FieldDetailsList,
    FragmentDetails,
    GroupedFieldSet,
)
from graphql.language import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import Schema, StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

from schema import memo
from schema.base import AttrField

C = TypeVar("C", dict[str, Any], list[Any])

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
# ... and of the `is_type_of` it gives an object type with interfaces (`from_object`): an
# isinstance test against the type and its interfaces that never reads its info.
_STRAWBERRY_IS_TYPE_OF = "_get_is_type_of.<locals>.is_type_of"


class ShortField(NamedTuple):
    """How to answer one field without graphql-core's machinery. A plain field is read with
    `read(source)` (it never looks at its info); a lean resolver is called `read(source,
    info)` with an info built as graphql-core builds it. Its value is then a `leaf` (a scalar
    or enum, serialised here), or an `object_type` object, or with `listed` a list of them."""

    read: Any
    field_def: GraphQLField
    lean: bool
    non_null: bool
    leaf: GraphQLLeafType | None = None
    object_type: GraphQLObjectType | None = None
    listed: bool = False
    item_non_null: bool = False


def _plain_reader(definition: StrawberryField, resolve: Callable[..., Any]) -> Callable[[Any], Any]:
    """What a plain field's resolver (Strawberry's `_get_basic_result`) reads, without the
    two calls it makes to get there: an `attr_field`'s reader, or the attribute itself."""
    if isinstance(definition, AttrField) and type(definition).get_result is AttrField.get_result:
        return definition.reader()
    if (
        type(definition).get_result is StrawberryField.get_result
        and definition.base_resolver is None
        and definition.default_resolver is getattr
    ):
        return attrgetter(definition.python_name)
    return lambda source: resolve(source, None)


def _unwrapped(output: GraphQLOutputType) -> tuple[bool, GraphQLOutputType]:
    if isinstance(output, GraphQLNonNull):
        return True, output.of_type
    return False, output


def _checked_as_is(object_type: GraphQLObjectType) -> bool:
    """Whether an object of this type is checked without its resolve info: no `is_type_of`,
    or the isinstance test Strawberry makes for a type with interfaces (tests/unit/
    test_execution.py holds it to that name)."""
    check = object_type.is_type_of
    return check is None or getattr(check, "__qualname__", "").endswith(_STRAWBERRY_IS_TYPE_OF)


def short_field(field_def: GraphQLField) -> ShortField | None:
    """The short path for a field, or None when graphql-core must take it: a field that is
    plain (no resolver) or has a lean resolver (`lean_resolvers`), of a scalar or enum type,
    or of an object type whose check needs no info (`_checked_as_is`), or a list of those
    objects."""
    resolve = field_def.resolve
    definition = field_def.extensions.get("strawberry-definition")
    if resolve is None or field_def.args or not isinstance(definition, StrawberryField):
        return None
    if getattr(resolve, "__name__", None) == _BASIC_RESOLVER and definition.is_basic_field:
        read, lean = _plain_reader(definition, resolve), False
    elif getattr(resolve, _LEAN, False):
        read, lean = resolve, True
    else:
        return None
    non_null, named = _unwrapped(field_def.type)
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return ShortField(read, field_def, lean, non_null, leaf=named)
    listed, item_non_null = False, False
    if isinstance(named, GraphQLList):
        listed = True
        item_non_null, named = _unwrapped(named.of_type)
    if isinstance(named, GraphQLObjectType) and _checked_as_is(named):
        return ShortField(
            read, field_def, lean, non_null, object_type=named, listed=listed,
            item_non_null=item_non_null,
        )
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
    """Strawberry's execution context, answering fields without the machinery where it can
    (see the module)."""

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
        # What the operation's selections collect, kept with the operation when nothing in it
        # depends on the variables (see the module); None: collected per run, as graphql-core does.
        self._collected: dict[Any, Any] | None = _collected_memo(self.operation, self.fragments)

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        """graphql-core's collection, kept across runs of an operation whose collection
        depends on nothing but its nodes."""
        collected = self._collected
        if collected is None:
            return super().collect_subfields(return_type, field_details_list)
        # This run's own memo first (graphql-core's: by the list's identity, the list kept
        # alive with it), as each item of a page asks again for the same list.
        this_run = self._relevant_sub_fields
        run_key = (return_type, id(field_details_list))
        known = this_run.get(run_key)
        if known is not None:
            return known[1]
        key = (return_type, *[id(details.node) for details in field_details_list])
        found = collected.get(key)
        if found is None:
            grouped, deferred, forbidden = collect_fields.collect_subfields(
                self.schema, self.fragments, self.variable_values, self.operation, return_type,
                field_details_list, self.hide_suggestions,
            )
            # A plain dict (graphql-core's is a defaultdict): shared by later runs, nothing
            # may add to it by looking a name up.
            found = collected[key] = CollectedFields(dict(grouped), deferred, forbidden)
        this_run[run_key] = (field_details_list, found)
        return found

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
                if short is not None and short.leaf is not None and not short.lean:
                    value = _serialise(short, source_value)
                    if value is not Undefined:
                        results[response_name] = value
                        continue
                    short = None  # graphql-core reads it again and finds out what is wrong
                field_path = Path(path, response_name, parent_type.name)
                if short is None:
                    result = self.execute_field(
                        parent_type, source_value, field_details_list, field_path, position_context
                    )
                else:
                    result = self._short_field(
                        short, parent_type, source_value, field_details_list, field_path,
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
        return _settled(results, awaitable_fields) if awaitable_fields else results

    def _short_field(
        self,
        short: ShortField,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        """A lean resolver's field, or a plain field of objects: the value read (a lean
        resolver called with the info graphql-core would build), then completed here when it
        is sure to complete as graphql-core would, or by graphql-core's `complete_value`
        with the value in hand. A read that raises is left to graphql-core's
        `execute_field`, which reads it again and reports it."""
        return_type = short.field_def.type
        info = self._info(short, parent_type, field_details_list, path) if short.lean else None
        try:
            value = short.read(source, info) if short.lean else short.read(source)
        except Exception:  # noqa: BLE001 - graphql-core calls it again and reports it
            return self.execute_field(parent_type, source, field_details_list, path, position_context)
        if self.is_awaitable(value):
            if info is None:
                info = self._info(short, parent_type, field_details_list, path)
            return self.complete_awaitable_value(
                return_type, field_details_list, info, path, value, position_context
            )
        try:
            completed: Any = Undefined
            if short.leaf is not None:
                completed = _coerce(short, value)
            elif position_context is None:
                completed = self._objects(short, field_details_list, path, value)
            if completed is Undefined:
                if info is None:
                    info = self._info(short, parent_type, field_details_list, path)
                completed = self.complete_value(
                    return_type, field_details_list, info, path, value, position_context
                )
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        if self.is_awaitable(completed):
            return self._completed_later(completed, return_type, field_details_list, path)
        return completed

    def _info(
        self, short: ShortField, parent_type: GraphQLObjectType,
        field_details_list: FieldDetailsList, path: Path,
    ) -> GraphQLResolveInfo[Any]:
        """The field's resolve info, as graphql-core builds it (a plain field's only when
        graphql-core completes its value)."""
        return self.build_resolve_info(
            short.field_def, [d.node for d in field_details_list], parent_type, path
        )

    async def _completed_later(
        self, completed: Awaitable[Any], return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList, path: Path,
    ) -> Any:
        """A completion that awaits, its error handled where graphql-core handles it."""
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    def _objects(
        self, short: ShortField, field_details_list: FieldDetailsList, path: Path, value: Any,
    ) -> Any:
        """An object field's value, or a list's, with its fields executed; Undefined, before
        anything runs, when graphql-core must complete it (see the module)."""
        object_type = short.object_type
        assert object_type is not None
        if value is None:
            return Undefined if short.non_null else None
        grouped, deferred, _ = self.collect_subfields(object_type, field_details_list)
        if deferred:
            return Undefined
        check = object_type.is_type_of
        if not short.listed:
            # `check` is Strawberry's isinstance test, which never reads its info.
            if isinstance(value, Exception) or (check is not None and not check(value, None)):  # type: ignore[arg-type]
                return Undefined
            return self.execute_fields(object_type, value, path, grouped, None)
        if not isinstance(value, list | tuple) or _streamed(field_details_list):
            return Undefined
        for item in value:
            if item is None:
                if short.item_non_null:
                    return Undefined
            elif isinstance(item, Exception) or (check is not None and not check(item, None)):  # type: ignore[arg-type]
                return Undefined
        return self._object_list(object_type, short.item_non_null, field_details_list, path, value, grouped)

    def _object_list(
        self, object_type: GraphQLObjectType, item_non_null: bool,
        field_details_list: FieldDetailsList, path: Path, items: list[Any] | tuple[Any, ...],
        grouped: GroupedFieldSet,
    ) -> Any:
        """graphql-core's `complete_iterable_value` for items already checked: each item's
        fields executed, an error in them handled at the item as graphql-core handles it."""
        item_type: GraphQLOutputType = GraphQLNonNull(object_type) if item_non_null else object_type
        is_awaitable = self.is_awaitable
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        try:
            for index, item in enumerate(items):
                if item is None:
                    completed.append(None)
                    continue
                item_path = path.add_key(index, None)
                try:
                    fields = self.execute_fields(object_type, item, item_path, grouped, None)
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item_type, field_details_list, item_path)
                    fields = None
                else:
                    if is_awaitable(fields):
                        fields = self._completed_later(fields, item_type, field_details_list, item_path)
                        awaitable_indices.append(index)
                completed.append(fields)
        except Exception:
            if awaitable_indices:
                self.settle_in_background([completed[index] for index in awaitable_indices])
            raise
        return _settled(completed, awaitable_indices) if awaitable_indices else completed


async def _settled(values: C, awaited: list[Any]) -> C:
    """`values` (a dict of fields, or a list of items) once its awaitables at the keys
    `awaited` have settled into their results (as graphql-core gathers them)."""
    if len(awaited) == 1:
        values[awaited[0]] = await values[awaited[0]]
    else:
        results = await gather_with_cancel(*(values[key] for key in awaited))
        for key, result in zip(awaited, results, strict=True):
            values[key] = result
    return values


def _collected_memo(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDetails]
) -> dict[Any, Any] | None:
    """Where the collections of `operation`'s selections are kept across runs, or None when
    they may depend on the variables."""
    return memo.kept(
        operation, _COLLECTED, lambda: {} if _free_of_variables(operation, fragments) else None
    )


_COLLECTED = "collected subfields"  # its key in the operation's memo


def _free_of_variables(operation: OperationDefinitionNode, fragments: dict[str, FragmentDetails]) -> bool:
    """Whether which fields `operation` collects cannot depend on its variables: no
    directive on any selection of it or of a fragment, and no fragment variables."""
    pending: list[SelectionSetNode] = [operation.selection_set]
    for details in fragments.values():
        if details.variable_signatures or details.definition.variable_definitions:
            return False
        pending.append(details.definition.selection_set)
    while pending:
        for selection in pending.pop().selections:
            if selection.directives:
                return False
            if isinstance(selection, FragmentSpreadNode):
                if selection.arguments:
                    return False
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                pending.append(selection.selection_set)
    return True


def _streamed(field_details_list: FieldDetailsList) -> bool:
    """Whether a list field may be streamed (`@stream`): any directive left on its nodes."""
    return any(details.node.directives for details in field_details_list)


def _weakly(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method`, called through a weak reference to its object."""
    reference = WeakMethod(method)

    def call(*args: Any) -> Any:
        bound = reference()
        if bound is None:
            raise RuntimeError("the operation this helper belongs to has finished")
        return bound(*args)

    return call


def _serialise(short: ShortField, source: Any) -> Any:
    """A plain field's serialised value, or Undefined for graphql-core to find out what is
    wrong."""
    try:
        value = short.read(source)
    except Exception:  # noqa: BLE001 - graphql-core reads it again and reports it
        return Undefined
    return _coerce(short, value)


def _coerce(short: ShortField, value: Any) -> Any:
    """`value` serialised for the field, or Undefined when graphql-core must decide (a null
    for a non-null field, a value the scalar or enum refuses)."""
    leaf = short.leaf
    if leaf is None:
        return Undefined
    if value is None:
        return Undefined if short.non_null else None
    try:
        coerced = leaf.coerce_output_value(value)
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
