"""schema.hooks: the extensions' hooks run as Strawberry runs them, in the same order, with
the same outcome, whatever a hook does with an exception."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension

from schema.hooks import LeanHooksSchema, Stage

LOG: list[str] = []


@strawberry.type
class Query:
    @strawberry.field
    def fine(self) -> int:
        LOG.append("resolve")
        return 1

    @strawberry.field
    def broken(self) -> int:
        raise ValueError("broken field")


class Outer(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        LOG.append("outer operation in")
        yield
        result = self.execution_context.result
        LOG.append(f"outer operation out: {getattr(result, 'errors', None) is not None}")

    def on_parse(self) -> Iterator[None]:
        LOG.append("outer parse in")
        yield
        LOG.append("outer parse out")


class Inner(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        LOG.append("inner operation in")
        yield
        LOG.append("inner operation out")

    def on_validate(self) -> Iterator[None]:
        LOG.append("inner validate in")
        yield
        LOG.append("inner validate out")

    def on_execute(self) -> Iterator[None]:
        LOG.append("inner execute in")
        yield
        LOG.append("inner execute out")


class Failing(SchemaExtension):
    """Raises when its execute stage is left."""

    def on_execute(self) -> Iterator[None]:
        LOG.append("failing in")
        yield
        LOG.append("failing out")
        raise KeyError("failing hook")


class Swallowing(SchemaExtension):
    """Catches what its execute stage raises, and says so."""

    def on_execute(self) -> Iterator[None]:
        try:
            yield
        except KeyError as error:
            LOG.append(f"swallowed {error}")


class Watching(SchemaExtension):
    """Sees what passes through its execute stage, and lets it go on."""

    def on_execute(self) -> Iterator[None]:
        try:
            yield
        except BaseException as error:
            LOG.append(f"saw {type(error).__name__}")
            raise
        finally:
            LOG.append("watching done")


class Never(SchemaExtension):
    """A hook that never yields."""

    def on_validate(self) -> Iterator[None]:
        LOG.append("never in")
        return
        yield  # a generator function, all the same


class Async(SchemaExtension):
    """An async generator hook: that stage runs through Strawberry's own manager."""

    async def on_execute(self) -> AsyncIterator[None]:
        LOG.append("async in")
        yield
        LOG.append("async out")


class Plain(SchemaExtension):
    """A plain method hook: likewise."""

    def on_parse(self) -> None:  # type: ignore[override]
        LOG.append("plain parse")


CASES = [
    [Outer, Inner],
    [Inner, Outer],
    [Outer, Failing, Inner],
    [Outer, Swallowing, Failing],
    [Watching, Failing],
    [Outer, Watching, Inner],
    [Outer, Never],
    [Outer, Async, Inner],
    [Plain, Inner],
    [],
]
QUERIES = ["{ fine }", "{ broken }", "{ fine broken }", "{ nope }", "{ fine"]


async def _run(schema: strawberry.Schema, query: str) -> tuple[list[str], Any]:
    LOG.clear()
    try:
        result = await schema.execute(query)
    except Exception as error:  # noqa: BLE001 - compared between the two schemas
        return list(LOG), ("raised", type(error).__name__, str(error))
    errors = [(e.message, e.path) for e in result.errors or []]
    return list(LOG), ("result", result.data, errors)


@pytest.mark.parametrize("extensions", CASES, ids=lambda c: "+".join(e.__name__ for e in c) or "none")
@pytest.mark.parametrize("query", QUERIES)
async def test_hooks_run_as_strawberry_runs_them(extensions: list[type[SchemaExtension]], query: str) -> None:
    ours = LeanHooksSchema(query=Query, extensions=list(extensions))
    theirs = strawberry.Schema(query=Query, extensions=list(extensions))
    assert await _run(ours, query) == await _run(theirs, query)


def test_the_service_schema_runs_its_hooks_by_stage() -> None:
    """The service's extensions (as graph_api.app attaches them) all have generator hooks:
    every stage of theirs runs by `Stage`."""
    from graph_api.config import Settings
    from graph_api.errors import ErrorCodes
    from graph_api.limits import query_limits
    from graph_api.pipeline import OperationCapture, OperationContext
    from schema import build_schema

    extensions = [OperationContext, ErrorCodes, query_limits(Settings()), OperationCapture]
    schema = build_schema(extensions=extensions)
    runner = schema.create_extensions_runner(None, schema.get_extensions())  # type: ignore[arg-type]
    for stage in (runner.operation(), runner.parsing(), runner.validation(), runner.executing()):
        assert isinstance(stage, Stage)
