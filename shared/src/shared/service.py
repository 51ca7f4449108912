"""Service runtime: one FastAPI app per service spec (shared.spec) with the FastStream broker,
database pool, outbox relay, consumers and workers started in its lifespan. Nothing happens at
import time."""

from __future__ import annotations

import contextlib
import errno
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI, Request, Response
from faststream.kafka import KafkaBroker
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from shared.auth import TokenVerifier
from shared.consumer import EventConsumer
from shared.db import create_pool, migrate
from shared.errors import install_error_handlers
from shared.inbox_purge import InboxPurge
from shared.kafka import make_broker, make_producer
from shared.limits import BodySizeLimit, CorrelationIdMiddleware, RateLimiter
from shared.logging import configure_logging, get_logger
from shared.metrics import PlumbingMetrics, instrument_http
from shared.metrics_refresh import MetricsRefresher
from shared.outbox import Outbox, OutboxRelay
from shared.settings import ServiceSettings
from shared.spec import ServiceSpec
from shared.tracing import configure_tracing, instrument

log = get_logger(__name__)
Cleanup = Callable[[], Awaitable[None]]


@dataclass
class ServiceRuntime:
    """Everything a service's handlers need, passed explicitly (no globals)."""

    settings: ServiceSettings
    pool: asyncpg.Pool
    broker: KafkaBroker
    dlq_producer: AIOKafkaProducer
    outbox: Outbox
    relay: OutboxRelay
    metrics: PlumbingMetrics
    # The service's typed container of HTTP use cases (routes reach it via shared.use_cases).
    use_cases: object | None = None

    def consumer(self, name: str | None = None) -> EventConsumer:
        s = self.settings
        return EventConsumer(name or s.service_name, self.pool, self.dlq_producer, self.metrics,
                             s.consumer_max_attempts, s.consumer_retry_backoff_seconds,
                             group_prefix=s.topic_prefix, batch_size=s.consumer_batch_size,
                             batch_wait_ms=s.consumer_batch_wait_ms, outbox=self.outbox)

    def topics(self, *names: str) -> list[str]:
        return [self.settings.topic(n) for n in names]


Wire = Callable[[ServiceRuntime], Awaitable[Cleanup | None]]


def build_service_app(settings: ServiceSettings, spec: ServiceSpec) -> FastAPI:
    """The FastAPI app of a service spec: ops routes, the spec's routers, and a lifespan that
    runs the spec's consumers, dead-letter reader and workers (see shared.spec)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with run_service(settings, spec.migrations, spec.wire,
                               metrics=app.state.metrics) as runtime:
            app.state.runtime = runtime
            yield

    app = FastAPI(title=spec.title, description=spec.description, version=spec.version,
                  lifespan=lifespan, openapi_tags=[dict(t) for t in spec.openapi_tags] or None)
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier(dev_secret=settings.jwt_dev_secret,
                                             jwks_url=settings.jwks_url,
                                             issuer=settings.jwt_issuer,
                                             audience=settings.jwt_audience)
    app.state.write_limiter = RateLimiter(settings.write_rate_per_minute)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(CorrelationIdMiddleware)
    # HTTP metrics live as long as the app (a restarted lifespan keeps counting).
    app.state.metrics = PlumbingMetrics()
    instrument_http(app, app.state.metrics)
    if configure_tracing(settings.service_name):
        instrument(app)
    install_error_handlers(app)
    app.include_router(ops_router())
    for router in spec.routers:
        app.include_router(router)
    return app


@contextlib.asynccontextmanager
async def run_service(settings: ServiceSettings, migrations: Path, wire: Wire,
                      metrics: PlumbingMetrics | None = None) -> AsyncIterator[ServiceRuntime]:
    configure_logging(settings.service_name, settings.log_level)
    pool = await create_pool(settings.database_url, settings.db_pool_min, settings.db_pool_max)
    metrics = metrics or PlumbingMetrics()
    auth = settings.kafka_auth()
    broker = make_broker(settings.kafka_bootstrap_servers, settings.service_name, auth)
    dlq_producer = make_producer(settings.kafka_bootstrap_servers,
                                 client_id=f"{settings.service_name}-dlq", **auth)
    relay = OutboxRelay(pool, settings.kafka_bootstrap_servers, settings.service_name, metrics,
                        settings.outbox_poll_seconds, settings.outbox_batch_size,
                        settings.outbox_retention_hours, kafka_auth=auth)
    runtime = ServiceRuntime(settings, pool, broker, dlq_producer, Outbox(settings.topic_prefix),
                             relay, metrics)
    refresher = MetricsRefresher(metrics, pool, broker, settings.metrics_refresh_seconds,
                                 settings.topic_prefix)
    purge = InboxPurge.from_settings(pool, metrics, settings)
    cleanup: Cleanup | None = None
    try:
        if settings.migrates_on_start:
            await migrate(pool, migrations)
        await dlq_producer.start()
        cleanup = await wire(runtime)
        await broker.start()
        await relay.start()
        await refresher.start()
        await purge.start()
        log.info("service started", port=settings.http_port)
        yield runtime
    finally:
        # Drain in the order work flows: HTTP has already stopped (uvicorn shuts the server
        # before the lifespan), then the consumers, then the workers finish what they hold
        # (deliveries, timers), then the relay publishes what all of them committed.
        await refresher.stop()
        await broker.stop()
        await purge.stop()
        if cleanup is not None:
            await cleanup()
        with contextlib.suppress(Exception):
            await relay.stop()
        await dlq_producer.stop()
        await pool.close()


def ops_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers (Kafka's state as detail)")
    async def healthz(request: Request) -> dict:
        # Never fails on Kafka: a broker blip must not restart pods whose outbox holds the work.
        runtime: ServiceRuntime | None = getattr(request.app.state, "runtime", None)
        kafka = "not started"
        if runtime is not None:
            kafka = "unreachable"
            with contextlib.suppress(Exception):
                if await runtime.broker.ping(timeout=1.0):
                    kafka = "reachable"
        return {"status": "ok", "kafka": kafka}

    @router.get("/readyz", summary="Readiness: started, not draining, database reachable")
    async def readyz(request: Request, response: Response) -> dict:
        # "Can serve": a request needs the database; an event it causes waits in the outbox
        # if Kafka is away, so Kafka is not a readiness condition.
        runtime: ServiceRuntime | None = getattr(request.app.state, "runtime", None)
        draining = bool(getattr(request.app.state, "draining", False))
        checks = {"started": runtime is not None, "draining": draining, "database": False}
        if runtime is not None:
            with contextlib.suppress(Exception):
                checks["database"] = await runtime.pool.fetchval("SELECT 1") == 1
        ready = checks["started"] and checks["database"] and not draining
        response.status_code = 200 if ready else 503
        return {"status": "ready" if ready else "not ready", "checks": checks}

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        # The process's (CPU, memory, GC) and this app's; one registry per app, so tests can
        # run several services in one process.
        body = generate_latest(REGISTRY) + generate_latest(request.app.state.metrics.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return router


def serve(app: FastAPI, settings: ServiceSettings, port_variable: str) -> None:
    """Run one service process; a busy port gets a message naming the variable to change."""
    with socket.socket() as probe:
        # As uvicorn does: TIME_WAIT sockets left by a crashed predecessor must not count as
        # busy (a live listener still does).
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.http_host, settings.http_port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                sys.exit(f"{settings.service_name}: port {settings.http_port} is busy; "
                         f"stop what uses it or set {port_variable} to another port.")
            raise
    DrainingServer(server_config(app, settings)).run()


def server_config(app: FastAPI, settings: ServiceSettings) -> uvicorn.Config:
    # The standard asyncio loop, not uvloop: on uvloop a write to a connection the broker has
    # closed raises RuntimeError where aiokafka expects OSError (aio-libs/aiokafka#1038), which
    # killed a consumer's metadata task after a broker restart, and with it every commit and
    # coordinator look-up for good: the service stayed up and consumed nothing.
    return uvicorn.Config(app, host=settings.http_host, port=settings.http_port,
                          loop="asyncio", log_config=None, access_log=False, lifespan="on",
                          timeout_graceful_shutdown=5)


class DrainingServer(uvicorn.Server):
    """From the first SIGTERM on, /readyz answers 503 on connections still open, so a load
    balancer stops sending before the lifespan drains consumers and workers."""

    def handle_exit(self, sig: int, frame: object) -> None:
        self.config.app.state.draining = True
        super().handle_exit(sig, frame)
