"""``create_app(settings)``: migrations, database, publisher, projection, routers under ``/v1``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from gateway import errors, web
from gateway.analytics import Analytics
from gateway.audit import AuditMiddleware, AuditWriter
from gateway.config import GatewaySettings
from gateway.db import make_engine, make_sessionmaker
from gateway.guard import Guard
from gateway.hub import Hub
from gateway.identity import KeyCache
from gateway.migrate import upgrade
from gateway.outbox import Outbox, RequestPublisher
from gateway.ratelimit import RateLimiter, RateLimitHeaders
from gateway.routes import (
    admin,
    artifacts,
    auth,
    backlog,
    channels,
    costs,
    health,
    inbound,
    invites,
    keys,
    notices,
    overview,
    performance,
    sessions,
    streams,
    videos,
    webhooks,
    youtube,
)
from gateway.throttle import LoginThrottle
from gateway.webhooks import Deliverer
from ytempire import __version__
from ytempire.core import egress
from ytempire.core.codec import Codec
from ytempire.core.logging import get_logger
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.core.vault import Vault

log = get_logger()

DESCRIPTION = """Drive YTEmpire over HTTP: channels, video requests, live status, webhooks,
costs and KPIs, notifications; external systems request videos through signed inbound webhooks.

Authenticate every `/v1` call with `Authorization: Bearer <key>` (`ytempire users create NAME`
prints the first key), or, in a browser, with the session cookie from `POST /v1/auth/login`;
every change made with the cookie also sends `X-CSRF-Token` (the `ytempire_csrf` cookie's value).
Resources of other users answer 404. Every POST takes an
`Idempotency-Key` header: repeating the request with the same key never repeats its effect.
Each user (all its API keys and inbound sources together) may make a number of requests per
minute set by its tier, a batch of n videos counting n; every response says how many are left
(`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`), and a 429 says when to come back
(`Retry-After`). Bodies over 1 MiB (64 KiB on the inbound receiver) are refused with a 413.
"""


def create_app(settings: Settings, gateway: GatewaySettings | None = None,
               resolve: egress.Resolver = egress.system_resolver) -> FastAPI:
    """``resolve`` names the addresses of webhook hosts (tests point names at loopback)."""
    gateway = gateway or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.effective_database_url)
        app.state.vault = Vault.for_signing_secrets(settings)
        upgrade(engine, app.state.vault)
        app.state.engine = engine
        app.state.sessions = make_sessionmaker(engine)
        app.state.audit = AuditWriter(app.state.sessions)
        codec = Codec(SchemaRegistry.load(settings.schemas_dir))
        app.state.publisher = RequestPublisher(settings.kafka_bootstrap, codec,
                                               gateway.publish_timeout_s)
        app.state.projection = None
        app.state.hub = Hub()
        if gateway.consume:
            from gateway.projection import Projection

            app.state.projection = Projection(settings, codec, app.state.sessions,
                                              app.state.hub, gateway)
            app.state.projection.start()
        app.state.codec = codec
        outbox = app.state.outbox = Outbox(app.state.sessions, app.state.publisher, codec)
        app.state.deliverer = Deliverer(app.state.sessions, gateway, app.state.vault, resolve)
        try:
            yield
        finally:
            app.state.deliverer.stop()
            app.state.publisher.abandon()
            outbox.stop()
            if app.state.projection is not None:
                app.state.projection.stop()
            app.state.publisher.close()
            app.state.analytics.close()
            app.state.audit.close()
            engine.dispose()

    app = FastAPI(title="YTEmpire", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json" if gateway.docs else None)
    app.state.settings, app.state.gateway, app.state.resolve = settings, gateway, resolve
    app.state.limiter = RateLimiter(gateway)
    app.state.login_throttle = LoginThrottle(gateway)
    app.state.keys = KeyCache()
    app.state.analytics = Analytics(settings, gateway.analytics_open_store)
    app.add_middleware(RateLimitHeaders)
    app.add_middleware(AuditMiddleware, writer_of=lambda: getattr(app.state, "audit", None))
    app.add_middleware(Guard, settings=gateway, limiter=app.state.limiter)
    errors.install(app)
    app.include_router(health.router)
    v1 = APIRouter(prefix="/v1")
    for module in (auth, sessions, keys, channels, backlog, videos, artifacts, streams, webhooks,
                   inbound, costs, notices, admin, invites, youtube, overview,
                   performance):
        v1.include_router(module.router)
    app.include_router(v1)
    web.mount(app, docs=gateway.docs)
    build_openapi = app.openapi
    app.openapi = lambda: app.openapi_schema or inbound.document(build_openapi())  # type: ignore[method-assign]
    return app
