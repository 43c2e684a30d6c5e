"""The application: create_app() wires settings, database, events, jobs and routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from api import __version__, job_types, jobs
from api.config.database import create_engine, create_sessionmaker
from api.config.logging_config import configure_logging
from api.config.settings import Settings, get_settings, with_secret_key
from api.controller import audit as audit_controller
from api.controller import auth, candidate, file, health, posting, shortlist, stream, ws
from api.controller import job as job_controller
from api.controller import metrics as metrics_controller
from api.controller import status as status_controller
from api.core import headers, limits, prometheus, ratelimit, ratestore, tracing
from api.core.docs import document_limits, install_docs
from api.core.errors import install_error_handlers
from api.core.middleware import RequestContextMiddleware
from api.socket import push as push_service
from api.socket.bus import create_bus
from api.socket.manager import ConnectionManager
from api.socket.transport import CaptureTransportMiddleware

logger = logging.getLogger(__name__)
CONSOLE_DIR = Path(__file__).parent / "static" / "console"
API_PREFIX = "/api/v1"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    engine = create_engine(settings)
    tracing.instrument_engine(engine, settings)
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    app.state.executor = ThreadPoolExecutor(
        max_workers=max(settings.executor_threads, settings.unit_concurrency),
        thread_name_prefix="cvmatch-unit",
    )
    app.state.bus = create_bus(settings.redis_url)
    await app.state.bus.start()
    app.state.connection_manager = _connection_manager(app)
    await app.state.connection_manager.start()
    app.state.job_queue = jobs.JobQueue(
        settings=settings, types=job_types.installed(settings), bus=app.state.bus
    )
    app.state.dispatcher = await jobs.start_dispatcher(
        queue=app.state.job_queue,
        sessionmaker=app.state.sessionmaker,
        executor=app.state.executor,
    )
    app.state.scheduler = jobs.start_scheduler(
        queue=app.state.job_queue,
        sessionmaker=app.state.sessionmaker,
        schedules=job_types.schedules(settings),
    )
    logger.info("cvmatch %s started (%s)", __version__, settings.environment)
    try:
        yield
    finally:
        await jobs.stop_scheduler(app.state.scheduler)
        await jobs.stop_dispatcher(queue=app.state.job_queue, dispatcher=app.state.dispatcher)
        await app.state.connection_manager.stop()
        await app.state.bus.stop()
        app.state.executor.shutdown(wait=False, cancel_futures=True)
        await engine.dispose()
        logger.info("cvmatch stopped")


def _connection_manager(app: FastAPI) -> ConnectionManager:
    settings: Settings = app.state.settings
    return ConnectionManager(
        bus=app.state.bus,
        source=push_service.DbEventSource(app.state.sessionmaker),
        queue_size=settings.ws_queue_size,
        send_timeout=settings.ws_send_timeout_seconds,
        ping_seconds=settings.ws_ping_seconds,
        poll_seconds=settings.push_poll_seconds,
        safety_poll_seconds=settings.push_safety_poll_seconds,
    )


def _install_console(app: FastAPI) -> None:
    """The web console at `/`, its assets under `/console/`."""
    if not CONSOLE_DIR.is_dir():
        return
    app.mount("/console", StaticFiles(directory=CONSOLE_DIR), name="console")

    @app.get("/", include_in_schema=False)
    async def console_index() -> FileResponse:
        return FileResponse(CONSOLE_DIR / "index.html")


def _install_limits(app: FastAPI, settings: Settings) -> None:
    """Rate limits inside the body-size limit, both inside CORS (429/413 carry CORS)."""
    if settings.rate_limit_enabled:
        store = ratestore.create_store(settings.redis_url)
        app.add_middleware(ratelimit.RateLimitMiddleware, settings=settings, store=store)
    app.add_middleware(
        limits.BodySizeLimitMiddleware,
        max_body_bytes=settings.max_body_kb * 1024,
        max_multipart_bytes=settings.max_request_bytes,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = with_secret_key(settings or get_settings())
    configure_logging(settings)
    app = FastAPI(
        title="cvmatch",
        version=__version__,
        description="CV screening: postings, CV intake, durable jobs, ranked and "
        "explained shortlists. Errors share one envelope (see `ErrorResponse`).",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    tracing.instrument_app(app, settings)
    _install_limits(app, settings)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["X-Request-ID", "Location", "Retry-After", "Content-Disposition"],
    )
    if settings.security_headers:
        app.add_middleware(headers.SecurityHeadersMiddleware, hsts_seconds=settings.hsts_seconds)
    if settings.metrics_enabled:
        app.add_middleware(prometheus.MetricsMiddleware)
        app.include_router(metrics_controller.router)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(CaptureTransportMiddleware)
    app.include_router(health.router)
    app.include_router(auth.router, prefix=API_PREFIX)
    app.include_router(ws.router, prefix=API_PREFIX)
    app.include_router(stream.router, prefix=API_PREFIX)
    app.include_router(shortlist.router, prefix=API_PREFIX)
    app.include_router(posting.router, prefix=API_PREFIX)
    app.include_router(file.router, prefix=API_PREFIX)
    app.include_router(candidate.router, prefix=API_PREFIX)
    app.include_router(job_controller.router, prefix=API_PREFIX)
    app.include_router(status_controller.router, prefix=API_PREFIX)
    app.include_router(audit_controller.router, prefix=API_PREFIX)
    install_docs(app)
    document_limits(app, rate_limited=settings.rate_limit_enabled)
    _install_console(app)
    return app


app = create_app()
