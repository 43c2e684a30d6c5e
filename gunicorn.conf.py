"""gunicorn settings: uvicorn workers, sizes and timeouts from the environment.

    make serve            # or: gunicorn -c gunicorn.conf.py api.main:app
"""

import multiprocessing
import os

_host = os.environ.get("HOST", "0.0.0.0")
bind = os.environ.get("BIND", f"{_host}:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "api.serve.Worker"  # uvicorn workers, no WebSocket compression
# a worker that stops answering its heartbeat for this long is restarted
timeout = int(os.environ.get("WORKER_TIMEOUT", "60"))
# on SIGTERM: running job units get this long to reach a checkpoint and release
# their leases, and WebSockets are closed with 1012 so clients reconnect elsewhere
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "30"))
# longer than nginx's upstream keepalive_timeout, so nginx closes idle connections first
keepalive = int(os.environ.get("KEEPALIVE", "75"))
# restart workers now and then to bound slow leaks; jitter avoids restarting all at once
max_requests = int(os.environ.get("MAX_REQUESTS", "0"))
max_requests_jitter = int(os.environ.get("MAX_REQUESTS_JITTER", "0"))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None  # the app writes one redacted access line per request
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    """Prometheus multiprocess mode: drop a dead worker's live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_starting(server):  # type: ignore[no-untyped-def]
    """Check the settings once, in the master, before any worker starts: a setting the
    service must not start with stops gunicorn with its message (workers would fail to
    boot in a loop), and a generated SECRET_KEY is written once for all workers."""
    from api.config.settings import get_settings

    get_settings()
