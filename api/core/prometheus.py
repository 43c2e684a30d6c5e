"""Prometheus metrics: the instruments, the request middleware and the exposition.

Under gunicorn, set `PROMETHEUS_MULTIPROC_DIR` to an empty directory before the
workers start: every process then writes its samples there and a scrape of any
worker sums them all (`gunicorn.conf.py` marks dead workers' files). Without it the
metrics are those of the one process that answers.

Instruments are module globals, so any layer (runner, events, sockets) can count
with one line: `prometheus.FILES_PROCESSED.labels(status="ok", error_code="").inc()`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core import tracing

CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED = "<unmatched>"
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_STEP_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0)

REQUEST_SECONDS = Histogram(
    "cvmatch_http_request_duration_seconds",
    "HTTP request latency by route template, method and status",
    ["method", "route", "status"],
    buckets=_LATENCY_BUCKETS,
)
WEBSOCKETS = Gauge(
    "cvmatch_websocket_connections",
    "Open WebSocket connections (all processes)",
    multiprocess_mode="livesum",
)
PIPELINE_STEP_SECONDS = Histogram(
    "cvmatch_pipeline_step_duration_seconds",
    "Duration of one pipeline step on one unit of work",
    ["pipeline", "step"],
    buckets=_STEP_BUCKETS,
)
FILES_PROCESSED = Counter(
    "cvmatch_files_processed",
    "Files a screening finished, by outcome and error code ('' when it succeeded)",
    ["status", "error_code"],
)
JOBS_FINISHED = Counter(
    "cvmatch_jobs_finished",
    "Jobs that reached a terminal status",
    ["pipeline", "status"],
)
EVENTS_PUBLISHED = Counter(
    "cvmatch_events_published",
    "Job events written to the log and published",
    ["type"],
)
EVENTS_DROPPED = Counter(
    "cvmatch_events_dropped",
    "Events not delivered as such to one client: coalesced, or dropped for a slow client",
    ["reason"],
)


R = TypeVar("R")


def timed(fn: Callable[..., R], pipeline: str, step: str) -> Callable[..., R]:
    """`fn` measured into PIPELINE_STEP_SECONDS (and traced), for an executor thread."""

    def run(*args: Any) -> R:
        started = time.perf_counter()
        try:
            with tracing.span(f"pipeline.{step}", pipeline=pipeline):
                return fn(*args)
        finally:
            elapsed = time.perf_counter() - started
            PIPELINE_STEP_SECONDS.labels(pipeline=pipeline, step=step).observe(elapsed)

    return run


def count_event(event: Mapping[str, Any]) -> None:
    """Count one published job event; a `job.file` event also counts its file's outcome."""
    kind = str(event.get("type", ""))
    EVENTS_PUBLISHED.labels(type=kind).inc()
    data = event.get("data")
    if kind == "job.file" and isinstance(data, Mapping):
        FILES_PROCESSED.labels(
            status=str(data.get("status") or ""), error_code=str(data.get("error_code") or "")
        ).inc()


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/api/v1/jobs/{job_id}`), never the raw path.

    The route's own template is aligned on the right of the raw path, so a router
    prefix (`/api/v1`) is kept while the parameters are replaced by their names.
    """
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str):
        return UNMATCHED
    if type(route).__name__ == "Mount":
        return f"{template}/{{path}}"
    raw = [part for part in str(scope.get("path", "")).split("/") if part]
    own = [part for part in template.split("/") if part]
    if len(own) > len(raw):
        return template or "/"
    return "/" + "/".join(raw[: len(raw) - len(own)] + own)


class MetricsMiddleware:
    """Request latency by route and status; open WebSockets. A pure ASGI middleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            REQUEST_SECONDS.labels(
                method=scope.get("method", ""), route=route_template(scope), status=str(status)
            ).observe(time.perf_counter() - started)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        accepted = False

        async def watch(message: Message) -> None:
            nonlocal accepted
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                WEBSOCKETS.inc()
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            if accepted:
                WEBSOCKETS.dec()


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")


class _Snapshot:
    """A collector for figures computed at scrape time (from the database)."""

    def __init__(self, metrics: Iterable[Metric]) -> None:
        self.metrics = list(metrics)

    def collect(self) -> Iterable[Metric]:
        return self.metrics


def gauge_family(
    name: str, documentation: str, values: Mapping[str, float], label: str | None = None
) -> GaugeMetricFamily:
    """A gauge from a {label value: figure} map (or {"": figure} without a label)."""
    if label is None:
        return GaugeMetricFamily(name, documentation, value=sum(values.values()))
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


def exposition(scrape_time: Iterable[Metric] = ()) -> bytes:
    """The text format: this process's (or all processes') samples plus scrape-time ones."""
    directory = multiprocess_dir()
    if directory:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        output = generate_latest(registry)
    else:
        output = generate_latest(REGISTRY)
    extra = CollectorRegistry()
    extra.register(_Snapshot(scrape_time))
    return output + generate_latest(extra)
