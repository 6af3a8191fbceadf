"""`graph-api serve --demo` (what `make run` starts): a populated network and a demo admin
placed in it, so the first queries answer with something to look at."""

from __future__ import annotations

from pathlib import Path

import httpx

from graph_api.app import create_app
from graph_api.database import Database
from graph_api.demo import DEMO_EMAIL, FOLLOWED_AUTHORS, JOINED_GROUPS, REQUESTS
from graph_db.backend import Backend
from tests.api.conftest import Api, serve_app, with_settings
from tests.conftest import fresh_graph

LOGIN = "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }"
HOME = """{
  me { role followingCount connectionCount }
  feed(first: 5) { nodes { body likeCount author { name } } }
  notifications(first: 10) { nodes { kind } }
  connectionRequests(direction: INCOMING) { nodes { person { name } } }
  groups(filter: {joined: true}) { nodes { name memberCount } }
  searchPeople(first: 1) { totalCount }
  activity(first: 3) { nodes { kind } }
}"""


async def test_the_demo_admin_lands_in_a_living_network(pool: Backend, tmp_path: Path) -> None:
    settings = with_settings(data_dir=tmp_path)  # the default size, as `make run` has it
    async with fresh_graph(pool) as backend:
        app = create_app(settings, database=Database(backend=backend), demo=True)
        async with serve_app(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
            api = Api(url=url, http=http, backend=backend)
            password = (tmp_path / "secrets" / "demo_password").read_text().strip()
            token = (await api.gql(LOGIN, {"e": DEMO_EMAIL, "p": password}))["login"]["accessToken"]
            home = await api.gql(HOME, token=token)

    assert home["me"] == {"role": "ADMIN", "followingCount": FOLLOWED_AUTHORS, "connectionCount": 1}
    assert len(home["feed"]["nodes"]) == 5 and all(n["author"]["name"] for n in home["feed"]["nodes"])
    assert any(n["likeCount"] > 0 for n in home["feed"]["nodes"])
    kinds = {n["kind"] for n in home["notifications"]["nodes"]}
    assert {"CONNECTION_REQUEST"} <= kinds
    assert len(home["connectionRequests"]["nodes"]) == REQUESTS
    assert len(home["groups"]["nodes"]) == JOINED_GROUPS
    assert home["searchPeople"]["totalCount"] == settings.demo_people + 1  # and the admin
    assert len(home["activity"]["nodes"]) == 3
