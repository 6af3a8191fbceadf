"""Builds the per-request Context: viewer from the bearer token, causal db session, loaders."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import HTTPConnection

from graph_api.config import Settings
from graph_db.errors import BackendUnavailable, Unauthenticated
from resolvers.context import Context, Viewer
from resolvers.loaders import Loaders
from resolvers.services import Services


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be `Bearer <token>`")
    return token.strip()


class RequestContexts:
    """Makes a fresh Context per request (never shared: sibling fields run concurrently)."""

    def __init__(self, settings: Settings, state: dict[str, Any]) -> None:
        self.settings = settings
        self._state = state

    @property
    def services(self) -> Services:
        services: Services | None = self._state.get("services")
        if services is None:
            raise BackendUnavailable("the service is starting")
        return services

    async def viewer_for_token(self, token: str | None) -> Viewer | None:
        if token is None:
            return None
        authenticator = self.services.authenticator
        if authenticator is None:
            raise Unauthenticated("token sign-in is not configured")
        return await authenticator(token)

    def build(self, viewer: Viewer | None, request_id: str, client_ip: str) -> Context:
        services = self.services
        db = services.backend.session(causal_key=viewer.id if viewer else None)
        loaders = Loaders(db, viewer.id if viewer else None)
        if viewer is not None and viewer.person is not None:
            # The authenticator just read the viewer's record: `me` need not read it again.
            loaders.person_by_id.prime(viewer.id, viewer.person)
        return Context(
            db=db, services=services, loaders=loaders, viewer=viewer,
            request_id=request_id, client_ip=client_ip,
        )

    async def for_request(self, request: HTTPConnection) -> Context:
        viewer = await self.viewer_for_token(bearer_token(request.headers.get("authorization")))
        request_id = getattr(request.state, "request_id", "") or uuid.uuid4().hex
        client_ip = request.client.host if request.client else ""
        return self.build(viewer, request_id, client_ip)
