"""Issue 12, "what must hold": no request, however malformed, gets a 5xx or an
INTERNAL_SERVER_ERROR. Generated variables (wrong types, NUL, lone surrogates, huge and
tiny values, long strings and lists, and well-typed values with hostile content) go to
every query and mutation field of the schema, as a signed-out visitor, a member and an
admin, for a bounded count and time. The generator is seeded: a failure names its seed,
field and variables, and replays."""

from __future__ import annotations

import base64
import json
import random
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    build_schema,
    get_named_type,
    is_leaf_type,
)

from graph_api.config import Settings
from tests.api.conftest import TEST_SETTINGS, Api
from tests.factories import make_member

SDL = Path(__file__).parents[2] / "schema" / "schema.graphql"
SEED = 20261204
ROUNDS = 3  # generated requests per field and viewer kind
TIME_BUDGET_SECONDS = 150.0  # per engine; the count above normally ends it first

HOSTILE_TEXT = [
    "", " ", "x" * 100_000, "\x00", "a\x00b", "\ud800", "\udfff", "a\ud800b", "\u202eevil\u202c",
    "\u200b\u200b", "💥" * 50, "' OR 1=1 --", "}) MATCH (n) DETACH DELETE n //", "$id", "\\", '"',
    "\n\r\t", "null", "NaN", "-1", "1e309", "\uffff", "\U0010ffff",
]
HOSTILE_INTS = [0, -1, 1, 2**31 - 1, 2**31, -(2**31) - 1, 2**53 + 1, -(2**63), 10**30]
HOSTILE_FLOATS = [0.0, -0.0, 1e308, -1e308, 5e-324, 3.5, 1e20]
WRONG_TYPES: list[Any] = [None, True, 3, 3.5, "text", [], [1, "a"], {}, {"a": {"b": [None]}}]


def _global_id(rng: random.Random, hostile: bool) -> str:
    kinds = ["Person", "Post", "Group", "Comment", "Thread", "Nope", ""] + (["Person\x00"] if hostile else [])
    raws = [str(uuid.uuid4()), "", "x" * 300] + (["\x00", "\ud800"] if hostile else [])
    text = f"{rng.choice(kinds)}:{rng.choice(raws)}".encode("utf-8", "surrogatepass")
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


def _bad_text(text: str) -> bool:
    return any(c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF for c in text)


def carries_nul_or_surrogate(value: Any) -> bool:
    """Whether a value holds NUL or a lone surrogate, directly or inside a base64 global id."""
    if isinstance(value, str):
        if _bad_text(value):
            return True
        try:
            decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except ValueError:
            return False
        return b"\x00" in decoded or (
            _decodes(decoded) and _bad_text(decoded.decode("utf-8", "surrogatepass"))
        )
    if isinstance(value, list):
        return any(carries_nul_or_surrogate(v) for v in value)
    if isinstance(value, dict):
        return any(carries_nul_or_surrogate(v) for v in value.values())
    return False


def _decodes(raw: bytes) -> bool:
    try:
        raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return False
    return True


class Values:
    """Variable values for a GraphQL input type: mostly well-typed, sometimes wrong."""

    def __init__(self, rng: random.Random, *, hostile_text: bool) -> None:
        self.rng = rng
        self.hostile = hostile_text
        self.texts = HOSTILE_TEXT if hostile_text else [t for t in HOSTILE_TEXT if not _bad_text(t)]

    def value(self, type_: GraphQLInputType, depth: int = 0) -> Any:
        rng = self.rng
        if rng.random() < 0.12:
            return rng.choice(WRONG_TYPES)
        if isinstance(type_, GraphQLNonNull):
            return self.value(type_.of_type, depth)
        if isinstance(type_, GraphQLList):
            length = rng.choice([0, 1, 2, 3, 3, 200 if depth == 0 else 2])
            return [self.value(type_.of_type, depth + 1) for _ in range(length)]
        if isinstance(type_, GraphQLEnumType):
            return rng.choice([*type_.values, "NOT_A_VALUE", "", *(["\x00"] if self.hostile else [])])
        if isinstance(type_, GraphQLInputObjectType):
            if depth > 3:
                return {}
            return {
                name: self.value(field.type, depth + 1)
                for name, field in type_.fields.items()
                if isinstance(field.type, GraphQLNonNull) or rng.random() < 0.6
            } | ({"unexpectedField": 1} if rng.random() < 0.05 else {})
        assert isinstance(type_, GraphQLScalarType)
        return self.scalar(type_.name)

    def scalar(self, name: str) -> Any:
        rng = self.rng
        if name == "Int":
            return rng.choice(HOSTILE_INTS)
        if name == "Float":
            return rng.choice(HOSTILE_FLOATS + HOSTILE_INTS)
        if name == "Boolean":
            return rng.choice([True, False])
        if name == "ID":
            ids = [_global_id(rng, self.hostile) for _ in range(2)]
            return rng.choice([*ids, *rng.sample(self.texts, 2)])
        if name == "DateTime":
            return rng.choice([
                "2026-01-01T00:00:00Z", "2026-13-45T99:99:99Z", "0001-01-01T00:00:00Z",
                "9999-12-31T23:59:59+14:00", "yesterday", 10**20, rng.choice(self.texts),
            ])
        return rng.choice(self.texts)


def _type_ref(type_: GraphQLInputType) -> str:
    if isinstance(type_, GraphQLNonNull):
        return _type_ref(type_.of_type) + "!"
    if isinstance(type_, GraphQLList):
        return "[" + _type_ref(type_.of_type) + "]"
    return type_.name


def operation(kind: str, name: str, field: GraphQLField) -> str:
    """`kind Fuzz($a0: T, ...) { name(arg: $a0, ...) { __typename } }` for one root field."""
    arguments: dict[str, GraphQLArgument] = field.args
    declared = ", ".join(f"$a{i}: {_type_ref(a.type)}" for i, a in enumerate(arguments.values()))
    passed = ", ".join(f"{arg}: $a{i}" for i, arg in enumerate(arguments))
    selection = "" if is_leaf_type(get_named_type(field.type)) else " { __typename }"
    return (
        f"{kind} Fuzz{'(' + declared + ')' if declared else ''} "
        f"{{ {name}{'(' + passed + ')' if passed else ''}{selection} }}"
    )


def root_fields(schema: GraphQLSchema) -> list[tuple[str, str, GraphQLField]]:
    assert schema.query_type is not None and schema.mutation_type is not None
    return [
        *(("query", n, f) for n, f in schema.query_type.fields.items()),
        *(("mutation", n, f) for n, f in schema.mutation_type.fields.items()),
    ]


@pytest.fixture
def settings() -> Settings:
    # Rate limits off: thousands of requests from one address and one member are the point.
    return replace(
        TEST_SETTINGS, rate_limit_viewer_per_minute=0, rate_limit_ip_per_minute=0,
        rate_limit_ip_overall_per_minute=0,
    )


async def fuzz(api: Api, *, hostile_text: bool, seed: int) -> tuple[list[str], int]:
    """(every request that got a 5xx, a non-JSON answer or an internal error, how many
    requests carried NUL or a lone surrogate)."""
    schema = build_schema(SDL.read_text())
    rng = random.Random(seed)
    values = Values(rng, hostile_text=hostile_text)
    _, member = await make_member(api)
    _, admin = await make_member(api, role="ADMIN")
    viewers = {"anonymous": None, "member": member, "admin": admin}
    problems: list[str] = []
    hostile = 0
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    sent = 0
    for round_ in range(ROUNDS):
        for kind, name, field in root_fields(schema):
            if time.monotonic() > deadline:
                break
            query = operation(kind, name, field)
            arguments = list(field.args.values())
            for viewer, token in viewers.items():
                variables = {f"a{i}": values.value(a.type) for i, a in enumerate(arguments)}
                hostile += carries_nul_or_surrogate(variables)
                # json.dumps escapes lone surrogates (\ud800), as a browser's JSON.stringify does.
                body = json.dumps({"query": query, "variables": variables, "operationName": "Fuzz"})
                headers = {"content-type": "application/json"}
                if token:
                    headers["authorization"] = f"Bearer {token}"
                response = await api.http.post("/graphql", content=body.encode(), headers=headers)
                sent += 1
                where = f"seed {seed} round {round_} {viewer} {name} variables={body[:300]!r}"
                if response.status_code >= 500:
                    problems.append(f"HTTP {response.status_code}: {where}")
                    continue
                try:
                    answer = response.json()
                except ValueError:
                    problems.append(f"not JSON ({response.headers.get('content-type')}): {where}")
                    continue
                answers = answer if isinstance(answer, list) else [answer]
                codes = {
                    (e.get("extensions") or {}).get("code") for a in answers for e in a.get("errors") or ()
                }
                if "INTERNAL_SERVER_ERROR" in codes or None in codes:
                    problems.append(f"codes {sorted(map(str, codes))}: {where}")
    assert sent >= len(root_fields(schema)) * len(viewers), f"only {sent} requests in the time budget"
    return problems, hostile


async def test_generated_variables_never_cause_internal_errors(api: Api) -> None:
    problems, _ = await fuzz(api, hostile_text=False, seed=SEED)
    assert not problems, "\n".join(problems[:20])


async def test_nul_and_lone_surrogates_never_cause_internal_errors(api: Api) -> None:
    # Issue 12 item 4: every value is encoded safely or refused before the database.
    problems, hostile = await fuzz(api, hostile_text=True, seed=SEED + 1)
    assert not problems, "\n".join(problems[:20])
    assert hostile >= 100, f"only {hostile} requests carried NUL or a lone surrogate"


NEVER_IDS = [
    "UGVyc29uOgA",  # "Person:\x00"
    base64.urlsafe_b64encode(b"Person:a\x00b").decode(),
    base64.urlsafe_b64encode(b"Person:\x1b[0m").decode(),
    base64.urlsafe_b64encode(b"Post:\xed\xa0\x80").decode(),  # a lone surrogate, as UTF-8
    base64.urlsafe_b64encode("Person:\x85".encode()).decode(),  # a C1 control
]


@pytest.mark.parametrize("global_id", NEVER_IDS)
async def test_ids_that_cannot_exist_are_bad_user_input_on_every_engine(
    api: Api, global_id: str
) -> None:
    # Refused while decoding, before the database: FalkorDB's encoder would refuse NUL
    # while Neo4j would simply find nothing; both must answer alike.
    for query, variables in (
        ("query($id: ID!) { node(id: $id) { id } }", {"id": global_id}),
        ("query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
         {"ids": [global_id, global_id]}),
    ):
        body = (await api.post(query, variables)).json()
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
        assert body["data"] is None or set(body["data"].values()) == {None}, body
    _, member = await make_member(api)
    body = (await api.post("query($id: ID!) { node(id: $id) { id } }", {"id": global_id},
                           token=member)).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    # An id that could exist but does not is still simply null.
    absent = base64.urlsafe_b64encode(f"Person:{uuid.uuid4()}".encode()).decode()
    assert await api.gql("query($id: ID!) { node(id: $id) { id } }", {"id": absent}) == {
        "node": None
    }
