"""Every GraphQL example in the README, run in order against the demo network (`make run`):
the sign-in with the printed password, then the rest with its token, on both engines."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, OperationType, parse

from graph_api.app import create_app
from graph_api.database import Database
from graph_api.demo import REQUESTS
from graph_db.backend import Backend
from tests.api.conftest import Api, serve_app, with_settings
from tests.conftest import fresh_graph

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"```graphql\n(.*?)```", re.S)


def readme_operations() -> list[str]:
    return BLOCK.findall(README.read_text())


def test_the_readme_has_examples_and_each_block_is_one_named_operation() -> None:
    blocks = readme_operations()

    assert len(blocks) >= 5
    for block in blocks:
        definitions = parse(block).definitions
        assert len(definitions) == 1 and isinstance(definitions[0], OperationDefinitionNode), block
        assert definitions[0].name is not None, block


@pytest.fixture
async def demo_api(pool: Backend, tmp_path: Path) -> AsyncIterator[tuple[Api, str]]:
    """The demo network as `make run` loads it (default size); yields the API and the password."""
    async with fresh_graph(pool) as backend:
        app = create_app(with_settings(data_dir=tmp_path), database=Database(backend=backend), demo=True)
        async with serve_app(app) as url, httpx.AsyncClient(base_url=url, timeout=60) as http:
            password = (tmp_path / "secrets" / "demo_password").read_text().strip()
            yield Api(url=url, http=http, backend=backend), password


def _lists(value: Any, path: str = "") -> list[tuple[str, list[Any]]]:
    """Every list in an answer, with where it is."""
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _lists(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [(path, value), *(f for item in value for f in _lists(item, path + "[]"))]
    return []


# Lists that may rightly be empty for some items (a post outside any group has no group; a
# freshly seeded person may have no interests, a payload no errors).
MAY_BE_EMPTY = ("errors", "interests", "mentorshipSought", "nodes[].interests")


async def test_every_readme_example_answers_on_the_demo_network(demo_api: tuple[Api, str]) -> None:
    api, password = demo_api
    token: str | None = None
    answers: dict[str, dict[str, Any]] = {}
    for block in readme_operations():
        operation = parse(block).definitions[0]
        assert isinstance(operation, OperationDefinitionNode) and operation.name is not None
        name = operation.name.value
        response = await api.post(block.replace("<printed password>", password), token=token)
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, (name, body)
        data: dict[str, Any] = body["data"]
        answers[name] = data
        if operation.operation is OperationType.MUTATION:
            (payload,) = data.values()
            assert payload["errors"] == [], (name, payload)
            if name == "SignIn":
                token = payload["accessToken"]
        for path, items in _lists(data):
            if not path.endswith(MAY_BE_EMPTY):
                assert items, f"{name}: {path} is empty"

    assert answers["Me"]["me"]["name"] == "Demo Admin" and answers["Me"]["me"]["interests"]
    home = answers["Home"]
    assert len(home["feed"]["nodes"]) == 5 and home["unreadNotificationCount"] >= 2
    assert len(home["connectionRequests"]["nodes"]) == REQUESTS
    # The grouped request notification names the pending askers only, not the connection.
    everything = await api.gql("{ notifications(first: 100) { nodes { kind summary actorCount } } }",
                               token=token)
    (asked,) = [n for n in everything["notifications"]["nodes"] if n["kind"] == "CONNECTION_REQUEST"]
    assert asked["actorCount"] == REQUESTS
    assert asked["summary"].endswith(f"and {REQUESTS - 1} others asked to connect with you"), asked
    assert answers["FindPeople"]["searchPeople"]["totalCount"] >= 1
    assert len(answers["FindPeople"]["groups"]["nodes"]) == 2
    assert answers["Mentors"]["mentorRecommendations"]
