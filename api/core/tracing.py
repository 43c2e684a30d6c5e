"""Optional OpenTelemetry tracing, off unless `OTEL_ENABLED=true`.

Nothing here needs OpenTelemetry to be installed: every import is guarded, and with
tracing off (or the packages absent) every helper is a no-op. Install the extra with
`pip install '.[otel]'`; the exporter is configured by the standard `OTEL_*`
variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_TRACES_EXPORTER=console` for a try).

Spans: one per HTTP request (FastAPI instrumentation), one per SQL statement
(SQLAlchemy instrumentation), and `span()` around job units and pipeline steps.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

from api.config.settings import Settings

logger = logging.getLogger(__name__)
_state: dict[str, Any] = {"enabled": False, "tracer": None}


def _exporter() -> Any:
    if os.environ.get("OTEL_TRACES_EXPORTER", "").lower() == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError:
        try:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
                OTLPSpanExporter,
            )
        except ImportError:
            logger.warning("OTEL_ENABLED but no OTLP exporter installed: spans are not sent")
            return None
    return OTLPSpanExporter()


def configure(settings: Settings) -> bool:
    """Install the tracer provider once per process; False when tracing stays off."""
    if not settings.otel_enabled:
        return False
    if _state["enabled"]:
        return True
    try:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        logger.warning("OTEL_ENABLED but opentelemetry-sdk is not installed: tracing is off")
        return False
    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.otel_service_name})
    )
    exporter = _exporter()
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _state.update(enabled=True, tracer=trace.get_tracer("cvmatch"))
    logger.info("OpenTelemetry tracing on (service %s)", settings.otel_service_name)
    return True


def instrument_app(app: Any, settings: Settings) -> None:
    """Spans per request; call from create_app()."""
    if not configure(settings):
        return
    try:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    except ImportError:
        logger.warning("opentelemetry-instrumentation-fastapi is not installed")
        return
    FastAPIInstrumentor.instrument_app(app, excluded_urls="health,ready,metrics")


def instrument_engine(engine: Any, settings: Settings) -> None:
    """Spans per SQL statement; call once the engine exists."""
    if not configure(settings):
        return
    try:
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    except ImportError:
        logger.warning("opentelemetry-instrumentation-sqlalchemy is not installed")
        return
    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine)


@contextlib.contextmanager
def span(name: str, **attributes: str | int | float | bool) -> Iterator[None]:
    """A span around a job unit or a pipeline step; nothing when tracing is off."""
    tracer = _state["tracer"]
    if tracer is None:
        yield
        return
    with tracer.start_as_current_span(name, attributes=attributes):
        yield
