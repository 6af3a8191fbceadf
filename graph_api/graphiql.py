"""The GraphiQL page served at GET /graphql when GRAPH_API_GRAPHIQL is on (development).

Every script, style and font it uses is served by this service from graph_api/static/graphiql
(the page's own script and style; the npm builds it loads are vendored, unmodified, in its
vendor/ folder: see LICENSES.md there), so it works offline, and its
Content-Security-Policy allows nothing but the service's own origin.
"""

from __future__ import annotations

from pathlib import Path

from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ASSETS_PATH = "/graphiql"
ASSETS_DIR = Path(__file__).parent / "static" / "graphiql"

# data: only for the fonts and icons GraphiQL's stylesheet embeds. No inline script or
# style: React and CodeMirror set styles through the DOM, which the policy does not restrict.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

GRAPHIQL_HTML: str = f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>graph-api GraphiQL</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="{ASSETS_PATH}/vendor/graphiql.min.css">
    <link rel="stylesheet" href="{ASSETS_PATH}/vendor/plugin-explorer.css">
    <link rel="stylesheet" href="{ASSETS_PATH}/graphiql-page.css">
  </head>
  <body>
    <div id="graphiql">Loading...</div>
    <script src="{ASSETS_PATH}/vendor/react.production.min.js"></script>
    <script src="{ASSETS_PATH}/vendor/react-dom.production.min.js"></script>
    <script src="{ASSETS_PATH}/vendor/graphiql.min.js"></script>
    <script src="{ASSETS_PATH}/vendor/plugin-explorer.umd.js"></script>
    <script src="{ASSETS_PATH}/graphiql-page.js"></script>
  </body>
</html>
"""

_HTML_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


def assets() -> StaticFiles:
    """The page's scripts and styles (mounted at ASSETS_PATH)."""
    return StaticFiles(directory=ASSETS_DIR)


class PageHeaders:
    """Adds the page's Content-Security-Policy (and nosniff, no-referrer) to HTML responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    headers.extend(_HTML_HEADERS)
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
