"""GraphiQL is served by the service itself: every asset from its own origin, under a CSP of
'self' only, and it works in a real headless Chromium with the network cut off."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from graph_api.app import create_app
from graph_api.config import Settings
from graph_api.database import Database
from graph_api.demo import DEMO_EMAIL
from graph_api.graphiql import ASSETS_DIR, CONTENT_SECURITY_POLICY
from graph_db.falkordb import FalkorDBBackend
from tests.api.conftest import Api, serve_app, with_settings
from tests.conftest import fresh_falkordb_graph

HTML = {"accept": "text/html"}


def chromium_path() -> str | None:
    """Debian's chromium (or GRAPH_API_CHROMIUM); Playwright never downloads a browser here."""
    return os.environ.get("GRAPH_API_CHROMIUM") or shutil.which("chromium")


def browser_unavailable() -> str | None:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Python playwright is not installed (it is in the dev extras; no browser download needed)"
    if chromium_path() is None:
        return "Debian chromium is not installed (apt-get install chromium, or set GRAPH_API_CHROMIUM)"
    return None


async def test_the_page_loads_only_its_own_assets_under_a_self_only_policy(api: Api) -> None:
    page = await api.http.get("/graphql", headers=HTML)

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe" not in CONTENT_SECURITY_POLICY and "default-src 'self';" in CONTENT_SECURITY_POLICY
    assert "<script>" not in page.text and "http" not in page.text.replace('lang="en"', "")
    assets = re.findall(r'(?:src|href)="(/graphiql/[^"]+)"', page.text)
    assert len(assets) == 8
    for path in assets:
        response = await api.http.get(path)
        assert response.status_code == 200, path
        assert response.content == (ASSETS_DIR / path.removeprefix("/graphiql/")).read_bytes()
    # JSON answers are unchanged (no CSP needed there), and the licence travels with the files.
    assert "content-security-policy" not in (await api.http.get("/health")).headers
    assert "MIT License" in (ASSETS_DIR / "vendor" / "LICENSES.md").read_text()


async def test_root_redirects_to_graphiql_in_development(api: Api) -> None:
    response = await api.http.get("/", headers=HTML)

    assert response.status_code == 307 and response.headers["location"] == "/graphql"


@pytest.mark.parametrize("settings", [with_settings(graphiql=False)])
async def test_without_graphiql_root_is_a_json_index_and_no_assets_are_served(api: Api) -> None:
    index = await api.http.get("/")
    page = await api.http.get("/graphql", headers=HTML)
    asset = await api.http.get("/graphiql/vendor/graphiql.min.js")

    assert index.status_code == 200
    assert index.json() == {"graphql": "/graphql", "health": "/health", "ready": "/ready"}
    assert page.headers["content-type"].startswith("application/") and asset.status_code == 404


@pytest.fixture
async def demo_server(
    falkordb_pool: FalkorDBBackend, tmp_path: Path
) -> AsyncIterator[tuple[str, str]]:
    """`make run` in miniature: the demo network and admin; yields (url, the admin's password)."""
    backend = await fresh_falkordb_graph(falkordb_pool)
    settings = with_settings(data_dir=tmp_path, demo_people=20)
    try:
        async with serve_app(create_app(settings, database=Database(backend=backend), demo=True)) as url:
            yield url, (tmp_path / "secrets" / "demo_password").read_text().strip()
    finally:
        await backend.drop()


# Chromium as this machine's probe found it quiet: no background connections of its own, and
# every name but 127.0.0.1 unresolvable, so nothing outside the service can load.
OFFLINE_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1",
]


async def _editor_text(page: Any, selector: str) -> str:
    text: str = await page.locator(selector).first.inner_text()
    return text


async def _replace_query(page: Any, text: str) -> None:
    await page.locator(".graphiql-query-editor .CodeMirror").first.click()
    await page.keyboard.press("Control+A")
    await page.keyboard.press("Delete")
    await page.keyboard.insert_text(text)  # as pasted: no auto-closed brackets


async def _run_and_wait_for(page: Any, expected: str) -> str:
    # GraphiQL parses the editor's text a moment after a change; until then the button may
    # still offer a menu of the previous text's operations (a menu trigger has aria-haspopup).
    await page.locator(".graphiql-execute-button:not([aria-haspopup])").first.click()
    response = page.locator(".graphiql-response .CodeMirror").first
    await response.filter(has_text=expected).wait_for(timeout=20_000)
    return await response.inner_text()


async def test_graphiql_signs_in_and_answers_in_a_headless_browser_offline(
    demo_server: tuple[str, str], tmp_path: Path
) -> None:
    if reason := browser_unavailable():
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    url, password = demo_server
    requested: list[str] = []
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=chromium_path(), headless=True, args=OFFLINE_ARGS,
        )
        page = await browser.new_page(viewport={"width": 1400, "height": 900})
        # Every Content-Security-Policy refusal on the page, whatever the console says.
        await page.add_init_script(
            "window.cspRefusals = [];"
            "document.addEventListener('securitypolicyviolation',"
            " e => window.cspRefusals.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        try:
            page.on("request", lambda request: requested.append(request.url))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))

            await page.goto(url + "/", wait_until="load")  # / redirects to GraphiQL
            assert page.url == url + "/graphql"
            await page.locator(".graphiql-query-editor .CodeMirror").first.wait_for(timeout=20_000)
            assert "demo@example.org" in await _editor_text(page, ".graphiql-query-editor")

            await _replace_query(page, (
                f'mutation {{ login(input: {{email: "{DEMO_EMAIL}", password: "{password}"}}) '
                "{ accessToken errors { code } } }"
            ))
            await _run_and_wait_for(page, '"errors": []')
            # CodeMirror's own text (the rendered one wraps the long token and shows fold marks).
            answer_json = await page.evaluate(
                "document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"
            )
            token = json.loads(answer_json)["data"]["login"]["accessToken"]
            # As the README says: the token into the Headers pane (open below the editor).
            await page.locator(".graphiql-editor-tool .CodeMirror").last.click()
            await page.keyboard.insert_text(json.dumps({"Authorization": f"Bearer {token}"}))

            await _replace_query(page, "{ me { name } }")
            answer = await _run_and_wait_for(page, "Demo Admin")
            # The explorer plugin opens from the sidebar and lists the schema's root fields.
            await page.locator('.graphiql-sidebar button[aria-label="Show GraphiQL Explorer"]').click()
            explorer = page.locator(".graphiql-explorer-root")
            await explorer.filter(has_text="mentorRecommendations").wait_for(timeout=10_000)
            await page.screenshot(path=str(tmp_path / "graphiql.png"))
            refused = await page.evaluate("window.cspRefusals")
        except Exception:
            await page.screenshot(path=str(tmp_path / "graphiql.png"))  # what the page showed
            raise
        finally:
            await browser.close()

    assert '"name": "Demo Admin"' in answer
    assert requested and all(u.startswith(url + "/") or u.startswith("data:") for u in requested), [
        u for u in requested if not u.startswith(url)
    ]
    assert problems == [] and refused == []


def test_production_settings_turn_graphiql_off() -> None:
    """The compose file's header says so; the production settings must agree."""
    settings = Settings.from_env({"GRAPH_API_ENV": "production", "GRAPH_API_JWT_SECRET": "s" * 48})

    assert settings.graphiql is False and settings.introspection is False
