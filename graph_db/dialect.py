"""Everything that differs between FalkorDB and Neo4j Cypher, and nothing else.

Repositories write one Cypher text for both engines; where the engines disagree
(DDL, full-text calls and their query syntax, degree counts) they ask the
dialect for the fragment. Identifiers that reach query text are validated here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, LiteralString, NamedTuple, assert_never, cast

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TERM = re.compile(r"\w+", re.UNICODE)
# An analysed word (graph_db.text_analysis): folded letters and digits, never an operator.
_RECALL_WORD = re.compile(r"[^\W_]{1,64}")
# A search key (graph_db.search): a letter, then lowercase letters and digits (one token to
# both engines' analysers, never an operator).
_SEARCH_KEY = re.compile(r"[a-z][0-9a-z]{1,99}")
MAX_TERMS = 8
MAX_TERM_LENGTH = 64
FUZZY_MIN_LENGTH = 4


def identifier(name: str) -> LiteralString:
    """Return `name` if it is a safe label, type or property name; raise otherwise."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a valid graph identifier: {name!r}")
    return _trusted(name)


def _trusted(text: str) -> LiteralString:
    """Query text built only from validated identifiers and integers."""
    return cast(LiteralString, text)  # type: ignore[redundant-cast]


# -- schema operations (engine neutral) -------------------------------------------------


@dataclass(frozen=True)
class UniqueConstraint:
    label: str
    property: str

    def __post_init__(self) -> None:
        identifier(self.label), identifier(self.property)


@dataclass(frozen=True)
class RangeIndex:
    label: str
    properties: tuple[str, ...]
    relationship: bool = False

    def __post_init__(self) -> None:
        identifier(self.label)
        for prop in self.properties:
            identifier(prop)


@dataclass(frozen=True)
class FullTextIndex:
    name: str
    label: str
    properties: tuple[str, ...]

    def __post_init__(self) -> None:
        identifier(self.name), identifier(self.label)
        for prop in self.properties:
            identifier(prop)


@dataclass(frozen=True)
class RelationshipTypes:
    """Relationship types the model uses, declared ahead of the first edge of each."""

    names: tuple[str, ...]

    def __post_init__(self) -> None:
        for name in self.names:
            identifier(name)


@dataclass(frozen=True)
class DroppedIndex:
    """A named index an earlier schema had (Neo4j names indexes; FalkorDB's are per label)."""

    name: str

    def __post_init__(self) -> None:
        identifier(self.name)


SchemaOp = (
    UniqueConstraint | RangeIndex | FullTextIndex | RelationshipTypes | DroppedIndex
)


# -- rendered statements ------------------------------------------------------------------


@dataclass(frozen=True)
class Cypher:
    """A DDL statement in the engine's Cypher."""

    text: LiteralString


@dataclass(frozen=True)
class Command:
    """A native command that is not Cypher (FalkorDB creates constraints this way)."""

    args: tuple[str, ...]
    kind: Literal["constraint"] = "constraint"


SchemaStatement = Cypher | Command


class RecallWord(NamedTuple):
    """One analysed query word for the engine's full-text index: `prefix*`, or `word`
    within `edits` edits."""

    prefix: str
    word: str
    edits: int


def search_terms(text: str) -> list[str]:
    """Split user text into at most MAX_TERMS lowercase word terms (no operators survive)."""
    terms = [t[:MAX_TERM_LENGTH] for t in _TERM.findall(text.lower())]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


class Dialect:
    """Base: what both engines share; subclasses override the differences."""

    name: str = "abstract"

    def schema(self, op: SchemaOp) -> list[SchemaStatement]:
        raise NotImplementedError

    def fulltext_nodes(self, index: FullTextIndex, query_param: LiteralString) -> LiteralString:
        """A CALL clause yielding `node` and `score` for the full-text query in `query_param`."""
        raise NotImplementedError

    def fulltext_query(self, text: str) -> str | None:
        """The engine's query string for user text: each term as a prefix, long terms fuzzy."""
        parts = []
        for term in search_terms(text):
            alternatives = [self.prefix_of(term)]
            if len(term) >= FUZZY_MIN_LENGTH:
                alternatives.append(self.within_edits(term, 1))
            parts.append(self.term_group(self.any_of.join(alternatives)))
        return self.any_of.join(parts) if parts else None

    # The full-text query grammar: how each engine says OR and AND, scopes a query to fields,
    # and matches a word within a number of edits. The rest of the query building is shared.
    any_of: str = " OR "
    all_of: str = " AND "

    def within_edits(self, word: str, edits: int) -> str:
        """`word` matched within `edits` edits (1 or 2)."""
        raise NotImplementedError

    def prefix_of(self, term: str) -> str:
        """Any word that starts with `term`."""
        return f"{term}*"

    def term_group(self, alternatives: str) -> str:
        """One term's alternatives, as one operand of the OR over the terms."""
        return alternatives

    def in_field(self, field: str, query: str) -> str:
        """`query` scoped to one field."""
        raise NotImplementedError

    def in_fields(self, fields: Sequence[str], query: str) -> list[str]:
        """`query` scoped to any of `fields`, as alternatives to OR together."""
        raise NotImplementedError

    def fulltext_recall(self, words: Sequence[RecallWord]) -> str | None:
        """The engine's query string matching any of `words` (analysed, so letters and digits
        only): each by its prefix, and within `edits` of the whole word."""
        parts = []
        for w in words:
            if not (_RECALL_WORD.fullmatch(w.prefix) and _RECALL_WORD.fullmatch(w.word)):
                continue
            parts.append(f"{w.prefix}*")
            if w.edits:
                parts.append(self.within_edits(w.word, min(w.edits, 2)))
        return self.any_of.join(parts) if parts else None

    def fulltext_keyed(
        self, index: FullTextIndex, key_field: str, words: Sequence[RecallWord],
        any_keys: Sequence[str], all_keys: Sequence[Sequence[str]],
    ) -> str | None:
        """The engine's query string for people search: any of `words` (as fulltext_recall,
        in the index's other fields) or any of `any_keys` in `key_field`, and, for each group
        of `all_keys`, one of the group in `key_field`. None when nothing can match."""
        key = identifier(key_field)
        sources = []
        if (recall := self.fulltext_recall(words)) is not None:
            fields = [identifier(p) for p in index.properties if p != key_field]
            sources += self.in_fields(fields, recall)
        if keys := [k for k in any_keys if _SEARCH_KEY.fullmatch(k)]:
            sources += self.in_fields([key], self.any_of.join(keys))
        if not sources:
            return None
        query = f"({self.any_of.join(sources)})"
        for group in all_keys:
            if not group or not all(_SEARCH_KEY.fullmatch(k) for k in group):
                raise ValueError("a required key group must hold search keys")
            query += self.all_of + self.in_field(key, self.any_of.join(group))
        return query

    def in_degree(self, node: LiteralString, rel_type: str) -> LiteralString:
        """An expression: how many `rel_type` relationships end at node variable `node`."""
        raise NotImplementedError


class FalkorDialect(Dialect):
    name = "falkordb"

    def schema(self, op: SchemaOp) -> list[SchemaStatement]:
        if isinstance(op, DroppedIndex):
            return []  # FalkorDB's indexes belong to a label and property, not a name
        if isinstance(op, RelationshipTypes):
            # FalkorDB plans a MERGE outside the write lock; while a relationship type is
            # still unknown to the graph, concurrent MERGEs each plan "no match" and create
            # duplicates. Registering every type up front (an edge made and deleted) closes it.
            return [
                Cypher(_trusted(f"CREATE (a)-[r:{identifier(t)}]->(b) DELETE r, a, b"))
                for t in op.names
            ]
        if isinstance(op, UniqueConstraint):
            # FalkorDB enforces uniqueness only over an exact-match index on the property.
            label, prop = identifier(op.label), identifier(op.property)
            return [
                Cypher(f"CREATE INDEX FOR (n:{label}) ON (n.{prop})"),
                Command(("UNIQUE", "NODE", op.label, "PROPERTIES", "1", op.property)),
            ]
        if isinstance(op, RangeIndex):
            label = identifier(op.label)
            props = ", ".join(f"n.{identifier(p)}" for p in op.properties)
            if op.relationship:
                return [Cypher(_trusted(f"CREATE INDEX FOR ()-[n:{label}]-() ON ({props})"))]
            return [Cypher(_trusted(f"CREATE INDEX FOR (n:{label}) ON ({props})"))]
        if isinstance(op, FullTextIndex):
            # FalkorDB has one full-text index per label, addressed by the label, not a name.
            # A property at a time: a property added to the list later then reaches existing
            # graphs (a statement naming one already indexed property is refused whole).
            label = identifier(op.label)
            return [
                Cypher(_trusted(f"CREATE FULLTEXT INDEX FOR (n:{label}) ON (n.{identifier(p)})"))
                for p in op.properties
            ]
        assert_never(op)

    def fulltext_nodes(self, index: FullTextIndex, query_param: LiteralString) -> LiteralString:
        label = identifier(index.label)
        return f"CALL db.idx.fulltext.queryNodes('{label}', {query_param}) YIELD node, score"

    # Terms are \w+ only, so no RediSearch operator or quote can reach the engine.
    def prefix_of(self, term: str) -> str:
        return f"{term}*" if len(term) >= 2 else term

    # RediSearch: `|` is OR; juxtaposition is AND (a scoped alternative is parenthesised, as
    # `|` binds tighter than it); `@a|b:(...)` scopes to fields.
    any_of = "|"
    all_of = " "

    def within_edits(self, word: str, edits: int) -> str:
        # `%w%` is one edit away, `%%w%%` two (RediSearch allows up to three).
        marks = "%" * edits
        return f"{marks}{word}{marks}"

    def in_field(self, field: str, query: str) -> str:
        return f"@{field}:({query})"

    def in_fields(self, fields: Sequence[str], query: str) -> list[str]:
        return [f"({self.in_field('|'.join(fields), query)})"]

    def in_degree(self, node: LiteralString, rel_type: str) -> LiteralString:
        # indegree() reads the relation matrix; a pattern count walks every edge (4x slower).
        return _trusted(f"indegree({identifier(node)}, '{identifier(rel_type)}')")


class Neo4jDialect(Dialect):
    name = "neo4j"

    def schema(self, op: SchemaOp) -> list[SchemaStatement]:
        if isinstance(op, DroppedIndex):
            return [Cypher(_trusted(f"DROP INDEX {identifier(op.name)} IF EXISTS"))]
        if isinstance(op, RelationshipTypes):
            return []  # Neo4j's MERGE locks correctly whether or not a type exists yet
        if isinstance(op, UniqueConstraint):
            label, prop = identifier(op.label), identifier(op.property)
            name = f"{label}_{prop}_unique"
            return [
                Cypher(
                    _trusted(
                        f"CREATE CONSTRAINT {name} IF NOT EXISTS "
                        f"FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE",
                    )
                )
            ]
        if isinstance(op, RangeIndex):
            label = identifier(op.label)
            props = ", ".join(f"n.{identifier(p)}" for p in op.properties)
            name = f"{label}_{'_'.join(op.properties)}_index"
            pattern = f"()-[n:{label}]-()" if op.relationship else f"(n:{label})"
            return [
                Cypher(
                    _trusted(f"CREATE INDEX {name} IF NOT EXISTS FOR {pattern} ON ({props})")
                )
            ]
        if isinstance(op, FullTextIndex):
            label, name = identifier(op.label), identifier(op.name)
            props = ", ".join(f"n.{identifier(p)}" for p in op.properties)
            return [
                Cypher(
                    _trusted(
                        f"CREATE FULLTEXT INDEX {name} IF NOT EXISTS FOR (n:{label}) ON EACH [{props}]",
                    )
                )
            ]
        assert_never(op)

    def fulltext_nodes(self, index: FullTextIndex, query_param: LiteralString) -> LiteralString:
        name = identifier(index.name)
        return f"CALL db.index.fulltext.queryNodes('{name}', {query_param}) YIELD node, score"

    # Terms are \w+ and lowercase, so no Lucene operator (AND/OR/NOT are uppercase) or
    # special character survives.
    def term_group(self, alternatives: str) -> str:
        return f"({alternatives})"

    def within_edits(self, word: str, edits: int) -> str:
        # Lucene: `w~N` is N edits away (at most 2).
        return f"{word}~{edits}"

    def in_field(self, field: str, query: str) -> str:
        # Lucene: `field:(...)` scopes to one field (unscoped terms search every field).
        return f"{field}:({query})"

    def in_fields(self, fields: Sequence[str], query: str) -> list[str]:
        return [self.in_field(f, query) for f in fields]

    def in_degree(self, node: LiteralString, rel_type: str) -> LiteralString:
        # A COUNT subquery over one relationship type reads Neo4j's degree store.
        return _trusted(f"COUNT {{ ({identifier(node)})<-[:{identifier(rel_type)}]-() }}")
