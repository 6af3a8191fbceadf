"""Documents parsed once and run again, as the service's document cache runs them
(graph_api.limits.Documents): what is kept with an operation (schema.memo) is only reused
when the same document comes back."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import DocumentNode, parse
from strawberry.extensions import SchemaExtension


class ParsedOnce(SchemaExtension):
    """Hands Strawberry the document parsed the first time its query text came (a schema's
    `extensions=[ParsedOnce]`); `forget` drops them all."""

    documents: dict[str, DocumentNode] = {}

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            document = self.documents.get(context.query)
            if document is None:
                document = self.documents[context.query] = parse(context.query)
            context.graphql_document = document
        yield

    @classmethod
    def forget(cls) -> None:
        cls.documents.clear()
