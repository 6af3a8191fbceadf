"""Mail in the running service: the delivery worker in the lifespan, the one-click unsubscribe
URL (/mail/unsubscribe/<token>), and in development a local SMTP sink whose catch is listed at
/dev/mailbox."""

from __future__ import annotations

import dataclasses
import logging

from aiosmtpd.smtp import SMTP
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from graph_api.config import Settings
from graph_api.mail.compose import MailConfig
from graph_api.mail.digest import DigestConfig
from graph_api.mail.inbound import InboundSmtpHandler, InboundWebhook, Replies
from graph_api.mail.sink import SmtpServer, SmtpSink
from graph_api.mail.unsubscribe import PATH as UNSUBSCRIBE_PATH
from graph_api.mail.unsubscribe import UnsubscribeConfig, UnsubscribeEndpoint, unsubscribe_key
from graph_api.mail.worker import DeliveryWorker
from resolvers.messages import OPTIONS_KEY, WAKE_KEY, MessagingOptions
from resolvers.services import Services, epoch_ms

log = logging.getLogger("graph_api.mail")


class MailService:
    """Starts and stops what mail needs for one app; `routes()` adds /dev/mailbox when the
    development sink is on."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sink: SmtpSink | None = None
        self.worker: DeliveryWorker | None = None
        self.inbound: SmtpServer | None = None
        self.replies: Replies | None = None
        self.services: Services | None = None
        # One-click unsubscribe (graph_api.mail.unsubscribe): served whenever the app runs.
        self.unsubscribe = UnsubscribeEndpoint(
            lambda: self.services.backend if self.services is not None else None,
            unsubscribe_key(settings.jwt_secret),
            lambda: self.services.clock() if self.services is not None else epoch_ms(),
        )

    @property
    def dev_sink(self) -> bool:
        return self.settings.smtp_dev_sink and not self.settings.is_production

    async def start(self, services: Services) -> None:
        settings = self.settings
        self.services = services
        services.extras[OPTIONS_KEY] = MessagingOptions(
            new_conversations_per_day=settings.messages_new_conversations_per_day
        )
        config = MailConfig.from_settings(settings)
        if settings.smtp_reply_domain:
            self.replies = Replies(services, config, max_bytes=settings.smtp_inbound_max_bytes)
        if self.replies is not None and settings.smtp_inbound_port is not None:
            handler = InboundSmtpHandler(self.replies)
            self.inbound = SmtpServer(
                lambda: SMTP(handler, data_size_limit=settings.smtp_inbound_max_bytes,
                             hostname=settings.smtp_reply_domain, ident="graph-api mail-in")
            )
            await self.inbound.start(settings.smtp_inbound_host, settings.smtp_inbound_port)
            log.info("inbound SMTP listening", extra={"port": self.inbound_port})
        if self.dev_sink:
            self.sink = SmtpSink()
            port = await self.sink.start("127.0.0.1", 0)
            config = dataclasses.replace(config, host="127.0.0.1", port=port, security="none",
                                         username=None, password=None)
            log.info("development SMTP sink listening", extra={"port": port})
        elif not settings.smtp_host:
            return  # no mail server: entries wait in the outbox until one is configured
        self.worker = DeliveryWorker(
            services.backend, config, digest=DigestConfig.from_settings(settings),
            unsubscribe=UnsubscribeConfig.from_secret(settings.jwt_secret),
            clock=lambda: services.clock(),  # the service's clock, as every request reads it
        )
        services.extras[WAKE_KEY] = self.worker.wake
        self.worker.start()

    @property
    def inbound_port(self) -> int | None:
        """Where the inbound SMTP listener is (port 0 in the settings: chosen at start)."""
        return None if self.inbound is None else self.inbound.port

    async def stop(self) -> None:
        if self.inbound is not None:
            await self.inbound.stop()
            self.inbound = None
        if self.worker is not None:
            await self.worker.stop()
            self.worker = None
        if self.sink is not None:
            await self.sink.stop()

    def routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = [Route("/dev/mailbox", self.mailbox)] if self.dev_sink else []
        routes.append(Route(UNSUBSCRIBE_PATH + "{token}", self.unsubscribe_page,
                            methods=["GET", "POST"]))
        if self.settings.smtp_reply_domain and self.settings.smtp_inbound_secret:
            routes.append(Route("/mail/inbound", self.webhook, methods=["POST"]))
        return routes

    async def unsubscribe_page(self, request: Request) -> Response:
        """One-click unsubscribe, no sign-in (graph_api.mail.unsubscribe.UnsubscribeEndpoint)."""
        return await self.unsubscribe(request)

    async def webhook(self, request: Request) -> Response:
        """Inbound replies posted by a mail service (graph_api.mail.inbound.InboundWebhook)."""
        if self.replies is None or not self.settings.smtp_inbound_secret:
            return JSONResponse({"error": "not ready"}, status_code=503)
        return await InboundWebhook(self.replies, self.settings.smtp_inbound_secret)(request)

    async def mailbox(self, request: Request) -> Response:
        """Development only: the emails "sent", newest first."""
        mails = list(self.sink.received) if self.sink is not None else []
        return JSONResponse({"count": len(mails), "emails": [m.summary() for m in reversed(mails)]})
