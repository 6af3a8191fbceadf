"""The GraphiQL page served at GET /graphql when GRAPH_API_GRAPHIQL is on (development)."""

from strawberry.http.ides import get_graphql_ide_html

GRAPHIQL_HTML: str = get_graphql_ide_html("graphiql")
