"""The committed SDL keeps every promise of the previous release's (schema/previous-release.graphql):
clients built against it keep working. Deprecate instead of removing."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLSchema, build_schema, find_breaking_changes, find_dangerous_changes

SCHEMA = Path(__file__).resolve().parents[2] / "schema"


def _load(name: str) -> GraphQLSchema:
    return build_schema((SCHEMA / name).read_text())


def test_no_breaking_change_since_the_previous_release() -> None:
    breaking = find_breaking_changes(_load("previous-release.graphql"), _load("schema.graphql"))

    assert breaking == [], (
        "breaking changes against schema/previous-release.graphql (deprecate with "
        "@deprecated(reason: ...) instead of removing; make new arguments optional):\n"
        + "\n".join(f"{c.type.name}: {c.description}" for c in breaking)
    )


def test_the_check_sees_a_removed_field_and_a_new_required_argument() -> None:
    before = build_schema("type Query { me: String, feed(first: Int): [String] }")
    after = build_schema("type Query { feed(first: Int, kind: String!): [String] }")

    kinds = {c.type.name for c in find_breaking_changes(before, after)}
    assert kinds == {"FIELD_REMOVED", "REQUIRED_ARG_ADDED"}


def test_an_optional_input_is_not_breaking_but_a_new_enum_value_is_flagged() -> None:
    """mentorRecommendations(input: X!) -> (input: X = null) is safe for clients."""
    before = build_schema("input I { a: Int = 1 } enum K { A } type Query { r(input: I!): K }")
    after = build_schema("input I { a: Int = 1 } enum K { A B } type Query { r(input: I = null): K }")

    assert find_breaking_changes(before, after) == []
    assert [c.type.name for c in find_dangerous_changes(before, after)] == ["VALUE_ADDED_TO_ENUM"]
