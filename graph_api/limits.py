"""Query limits: tokens, depth, aliases and an estimated cost, checked before any resolver runs.

Also hides introspection and "Did you mean ..." suggestions when introspection is off
(production), and keeps parsed and validated documents in a bounded LRU cache.

Cost model: every selected field costs 1; a field taking `first`/`last` (a connection or a
paged list) multiplies what is selected below it by its page size (the argument's value,
capped at the page-size limit, or the argument's default, or DEFAULT_PAGE_SIZE); a list
field taking a list argument (`nodes(ids:)`) multiplies by that list's length; other lists
are small, bounded sets and count once. Fragments count every time they are spread.
Introspection fields (`__schema`, `__type`, `__typename`) are free and have no depth.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    TokenKind,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    parse,
)
from graphql.language import Lexer
from graphql.utilities import get_operation_ast
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from graph_api.config import Settings
from graph_db.errors import QueryTooComplex

# resolvers.pagination.page_request serves this many items when neither first nor last is given.
DEFAULT_PAGE_SIZE = 20
PAGE_SIZE_ARGUMENTS = ("first", "last")
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def too_complex(message: str, nodes: Any = None) -> GraphQLError:
    """A QUERY_TOO_COMPLEX error (the ErrorCodes extension reads the code off the original)."""
    return GraphQLError(
        message, nodes=nodes, original_error=QueryTooComplex(message),
        extensions={"code": QueryTooComplex.code},
    )


# -- measuring a document -------------------------------------------------------------------


class _Walk:
    """Depth, alias count and cost of operations, each fragment measured once (memoised).

    Memoising matters: fragments spreading fragments twice over grow exponentially if walked
    naively, which is exactly the shape an attacker sends.
    """

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None,
        config: Settings, operation: OperationDefinitionNode | None = None,
    ) -> None:
        self.schema = schema
        self.config = config
        self.variables = variables or {}
        self.defaults: dict[str, Any] = {}
        if operation is not None:
            for definition in operation.variable_definitions or ():
                if definition.default_value is not None:
                    self.defaults[definition.variable.name.value] = definition.default_value
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._memo: dict[tuple[str, str], int] = {}
        self._active: set[tuple[str, str]] = set()
        self.read: set[str] = set()  # the variables the measures looked at

    def _fragment(self, name: str, measure: str) -> int:
        key = (measure, name)
        if key in self._memo:
            return self._memo[key]
        fragment = self.fragments.get(name)
        if fragment is None or key in self._active:
            return 0  # unknown fragments and cycles are validation errors of their own
        self._active.add(key)
        try:
            if measure == "depth":
                value = self.depth(fragment.selection_set)
            elif measure == "aliases":
                value = self.aliases(fragment.selection_set)
            else:
                scope = self.schema.get_type(fragment.type_condition.name.value)
                value = self.cost(fragment.selection_set, scope)
        finally:
            self._active.discard(key)
        self._memo[key] = value
        return value

    def depth(self, selection_set: SelectionSetNode | None) -> int:
        """The longest chain of fields (introspection fields are free)."""
        return max(self._each(selection_set, "depth"), default=0)

    def aliases(self, selection_set: SelectionSetNode | None) -> int:
        """How many aliased fields, all the way down."""
        return sum(self._each(selection_set, "aliases"))

    def _each(self, selection_set: SelectionSetNode | None, measure: str) -> Iterator[int]:
        """The measure of each selection: a field with what is below it, a fragment's body."""
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if measure == "aliases":
                    yield (1 if selection.alias else 0) + self.aliases(selection.selection_set)
                elif not selection.name.value.startswith("__"):
                    yield 1 + self.depth(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                inline = selection.selection_set
                yield self.depth(inline) if measure == "depth" else self.aliases(inline)
            elif isinstance(selection, FragmentSpreadNode):
                yield self._fragment(selection.name.value, measure)

    def cost(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name.startswith("__"):
                    continue
                fields = (
                    parent.fields
                    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
                )
                field = fields.get(name)
                if field is None:
                    total += 1  # unknown here (an abstract parent); validation has the final word
                    continue
                below = self.cost(selection.selection_set, get_named_type(field.type))
                total += 1 + self._multiplier(selection, field) * below
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                scope = self.schema.get_type(condition.name.value) if condition else parent
                total += self.cost(selection.selection_set, scope)
            elif isinstance(selection, FragmentSpreadNode):
                total += self._fragment(selection.name.value, "cost")
        return total

    def _multiplier(self, node: FieldNode, field: Any) -> int:
        arguments = {a.name.value: self._value(a.value) for a in node.arguments or ()}
        paged = [name for name in PAGE_SIZE_ARGUMENTS if name in field.args]
        if paged:
            given = [size for name in paged if (size := _int(arguments.get(name))) is not None]
            if given:
                size = max(given)
            else:
                defaults = [
                    d for name in paged
                    if isinstance(d := field.args[name].default_value, int) and not isinstance(d, bool)
                ]
                size = max(defaults) if defaults else DEFAULT_PAGE_SIZE
            # Above the cap the resolver refuses the page anyway, with a clearer message.
            return max(0, min(size, self.config.max_page_size))
        if isinstance(get_nullable_type(field.type), GraphQLList):
            # A list picked by a list argument (`nodes(ids:)`) is as long as that list.
            for value in arguments.values():
                length = _length(value)
                if length is not None:
                    return max(1, length)
        return 1

    def _value(self, value: Any) -> Any:
        """A literal node, or the variable's value (or its declared default) when it is one."""
        if isinstance(value, VariableNode):
            name = value.name.value
            self.read.add(name)
            if name in self.variables:
                return self.variables[name]
            return self.defaults.get(name)
        return value


def _int(value: Any) -> int | None:
    if isinstance(value, IntValueNode):
        return int(value.value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _length(value: Any) -> int | None:
    if isinstance(value, ListValueNode):
        return len(value.values)
    if isinstance(value, list):
        return len(value)
    return None


class _Validation:
    """One operation's validation, run by Strawberry with the rule below among its rules."""

    def __init__(self, documents: Documents, operation_name: str | None, variables: Any) -> None:
        self.documents = documents
        self.operation_name = operation_name
        self.variables = variables
        self.ran = False
        self.cost_error: GraphQLError | None = None  # depends on the variables: not cached


def _limits_rule(validation: _Validation) -> type[ValidationRule]:
    """Depth and aliases (the document's alone: cacheable), then, if the document is valid,
    the operation's estimated cost (it depends on the variables: not cached)."""
    documents = validation.documents
    config = documents.config

    class QueryLimitsRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            validation.ran = True
            # The graphql-core schema Strawberry validates against: cached documents are
            # measured against it later without validating again.
            documents.schema = context.schema
            # Seeing every error reported from here on (ours, later rules', and every rule's
            # during the walk) tells leave_document whether the document is valid.
            self.failed = False
            report = context.on_error

            def on_error(error: GraphQLError) -> None:
                self.failed = True
                report(error)

            context.on_error = on_error  # type: ignore[method-assign]
            document = context.document
            walk = _Walk(context.schema, document, None, config)
            aliases = 0
            for definition in document.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                depth = walk.depth(definition.selection_set)
                if depth > config.max_depth:
                    context.report_error(too_complex(
                        f"query is too complex: depth {depth} exceeds the limit of {config.max_depth}",
                        definition,
                    ))
                aliases += walk.aliases(definition.selection_set)
            if aliases > config.max_aliases:
                context.report_error(too_complex(
                    f"query is too complex: {aliases} aliases exceed the limit of {config.max_aliases}"
                ))

        def leave_document(self, *_args: Any) -> None:
            # Rules after this one (Strawberry's) report only on entering nodes: all is known.
            if self.failed:
                return
            context = self.context
            error = documents.cost_error(
                context.schema, context.document, validation.operation_name, validation.variables
            )
            if error is not None:
                validation.cost_error = error
                context.report_error(error)

    return QueryLimitsRule


def estimate_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None, config: Settings | None = None,
) -> int:
    """The estimated cost of the operation `operation_name` runs (0 if there is no such one)."""
    return _estimate(schema, document, operation_name, variables, config or Settings())[0]


def _estimate(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
    variables: Mapping[str, Any] | None, config: Settings,
) -> tuple[int, frozenset[str]]:
    """The estimated cost and the variables it depends on."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0, frozenset()
    walk = _Walk(schema, document, variables, config, operation)
    root = schema.get_root_type(operation.operation)
    return walk.cost(operation.selection_set, root), frozenset(walk.read)


def _shape(names: Iterable[str], variables: Mapping[str, Any] | None) -> tuple[Any, ...]:
    """What the cost sees of these variables: given or not, as a page size, as a list length."""
    variables = variables or {}
    return tuple(
        (name, name in variables, _int(value := variables.get(name)), _length(value)) for name in names
    )


# -- parsing and validating, cached ---------------------------------------------------------


def exceeds_tokens(query: str, limit: int) -> bool:
    """Whether `query` has more than `limit` tokens, counted as graphql-core's parser does."""
    lexer = Lexer(Source(query))
    count = 0
    try:
        while lexer.advance().kind is not TokenKind.EOF:
            count += 1
            if count > limit:
                return True
    except GraphQLSyntaxError:
        return False
    return False


class _Entry:
    __slots__ = ("costs", "document", "errors", "reads")

    # Estimated costs kept per document: by operation, and by what the cost sees of the
    # variables (a page size, a list's length), so a page of 10 and one of 100 are two entries.
    MAX_COSTS = 32

    def __init__(self, document: DocumentNode) -> None:
        self.document = document
        self.errors: list[GraphQLError] | None = None
        self.reads: dict[str | None, tuple[str, ...]] = {}  # operation name -> variables read
        self.costs: dict[tuple[Any, ...], int] = {}

    def cost(
        self, schema: GraphQLSchema, operation_name: str | None, variables: Mapping[str, Any] | None,
        config: Settings,
    ) -> int:
        """estimate_cost, remembered: it depends on the operation and on the variables' shape only."""
        reads = self.reads.get(operation_name)
        if reads is not None:
            known = self.costs.get((operation_name, _shape(reads, variables)))
            if known is not None:
                return known
        cost, read = _estimate(schema, self.document, operation_name, variables, config)
        if len(self.costs) < self.MAX_COSTS:
            reads = self.reads.setdefault(operation_name, tuple(sorted(read)))
            self.costs[(operation_name, _shape(reads, variables))] = cost
        return cost


class Documents:
    """Parsed documents and their validation errors, by query text (bounded LRU).

    Only documents that parse are cached. Bounded by entries and by total characters (a
    string literal is one token however long, so the token limit alone bounds nothing).
    """

    def __init__(self, config: Settings, *, max_chars: int = 20_000_000) -> None:
        self.config = config
        self.max_chars = max_chars
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._chars = 0
        self.hits = self.misses = 0
        # The graphql-core schema, as the validation rules saw it (Strawberry has no public
        # accessor for it); set by the first validation, before any entry has its errors.
        self.schema: GraphQLSchema | None = None

    def parse(self, query: str, *, count: bool = True) -> _Entry:
        """The cached parse of `query`; `count=False` for a second lookup of one request."""
        entry = self._entries.get(query)
        if entry is not None:
            self._entries.move_to_end(query)
            self.hits += count
            return entry
        self.misses += count
        entry = _Entry(parse(query, max_tokens=self.config.max_tokens))
        self._entries[query] = entry
        self._chars += len(query)
        while len(self._entries) > self.config.document_cache_size or self._chars > self.max_chars:
            evicted, _ = self._entries.popitem(last=False)
            self._chars -= len(evicted)
        return entry

    def __len__(self) -> int:
        return len(self._entries)

    def rules(self, validation: _Validation) -> tuple[type[Any], ...]:
        """Our rules for one operation, to add to Strawberry's (which adds its own last)."""
        rules: tuple[type[Any], ...] = (_limits_rule(validation),)
        if not self.config.introspection:
            rules += (NoSchemaIntrospectionCustomRule,)
        return rules

    def cost_error(
        self, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
        variables: Mapping[str, Any] | None, entry: _Entry | None = None,
    ) -> GraphQLError | None:
        """QUERY_TOO_COMPLEX if the operation's estimated cost is over the limit."""
        config = self.config
        if entry is not None and entry.document is document:
            cost = entry.cost(schema, operation_name, variables, config)
        else:
            cost = estimate_cost(schema, document, operation_name, variables, config)
        if cost <= config.max_cost:
            return None
        return too_complex(
            f"query is too complex: estimated cost {cost} exceeds the limit of "
            f"{config.max_cost} (lists multiply by their page size; ask for smaller "
            "pages with first/last)"
        )


class QueryLimits(SchemaExtension):
    """Caches parsing and validation and enforces the limits; pass `query_limits(config)`."""

    def __init__(self, documents: Documents) -> None:
        self.documents = documents
        self.entry: _Entry | None = None
        self.token_error: GraphQLError | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            try:
                # The pipeline's operation choice looked it up first (and counted it).
                self.entry = self.documents.parse(context.query, count=False)
                context.graphql_document = self.entry.document
            except GraphQLSyntaxError:
                # Strawberry parses again and reports the error the usual way (with its
                # code); here we only learn whether it was the token limit.
                self.entry = None
                context.parse_options["max_tokens"] = self.documents.config.max_tokens
                if exceeds_tokens(context.query, self.documents.config.max_tokens):
                    self.token_error = too_complex(
                        f"query is too complex: more than {self.documents.config.max_tokens} tokens"
                    )
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is None or context.pre_execution_errors is not None:
            yield
            return
        entry = self.entry if self.entry is not None and self.entry.document is document else None
        schema = self.documents.schema
        if entry is not None and entry.errors is not None and schema is not None:
            # Validated before: Strawberry skips validation when the errors are set.
            errors = entry.errors
            if not errors:
                error = self.documents.cost_error(
                    schema, document, context.operation_name, context.variables, entry
                )
                errors = [error] if error is not None else []
            context.pre_execution_errors = list(errors)
            yield
            return
        # Strawberry validates, with its rules and ours (the public way to add rules, as its
        # AddValidationRules does). Suggestions ("Did you mean ...") are stripped by _rewrite.
        validation = _Validation(self.documents, context.operation_name, context.variables)
        context.validation_rules = (*context.validation_rules, *self.documents.rules(validation))
        yield
        found = context.pre_execution_errors
        if entry is not None and validation.ran and found is not None:
            entry.errors = [e for e in found if e is not validation.cost_error]

    def on_operation(self) -> Iterator[None]:
        yield
        self._rewrite(self.execution_context.result)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        # Results streamed over WebSocket leave before on_operation ends.
        self._rewrite(result)
        yield

    def _rewrite(self, result: Any) -> None:
        if result is None or not getattr(result, "errors", None):
            return
        if self.token_error is not None:
            result.errors = [self.token_error]
        elif not self.documents.config.introspection:
            # Variable coercion at execution time still suggests names: strip them.
            result.errors = [_without_suggestion(e) for e in result.errors]


def _without_suggestion(error: GraphQLError) -> GraphQLError:
    if error.original_error is not None or "Did you mean" not in error.message:
        return error
    return GraphQLError(
        _SUGGESTION.sub("", error.message), nodes=error.nodes, source=error.source,
        positions=error.positions, path=error.path, extensions=error.extensions,
    )


def operation_problem(document: DocumentNode, operation_name: str | None) -> str | None:
    """Why `operation_name` does not pick one operation of `document` (graphql-core's words).

    Strawberry runs the first operation of a document that has several when no name is
    given; the GraphQL spec (GetOperation) makes that a request error.
    """
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) > 1:
            return "Must provide operation name if query contains multiple operations."
        return None
    if not any(op.name is not None and op.name.value == operation_name for op in operations):
        return f"Unknown operation named '{operation_name}'."
    return None


def query_limits(config: Settings) -> Any:
    """The extension factory for strawberry.Schema(extensions=[...]); one cache per app."""
    documents = Documents(config)

    def factory() -> QueryLimits:
        return QueryLimits(documents)

    factory.documents = documents  # type: ignore[attr-defined]
    return factory
