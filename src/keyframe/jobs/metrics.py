"""Prometheus metrics for jobs: queue depth (read from the job rows when scraped) and run durations.

Labels are job kinds, statuses and outcomes only: nothing names a partner, a subject or a payload.
Each ``Services`` has its own registry, so tests and several apps in one process do not collide.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

import anyio.to_thread
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from keyframe.jobs import service

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from keyframe.services import Services

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Headers a reverse proxy adds: a request carrying one came from elsewhere, whatever the peer address.
_FORWARDING = ("x-forwarded-for", "forwarded", "x-real-ip", "x-forwarded-host")


class _QueueDepth(Collector):
    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "keyframe_jobs",
            "Unfinished jobs by kind and status (pending or running)",
            labels=["kind", "status"],
        )
        try:
            with self.services.db.transaction() as db:
                rows = service.depth(db)
        except Exception:  # a scrape must not fail because the database is busy; the gap shows it
            log.warning("could not read the job queue depth", exc_info=True)
            rows = []
        for kind, status, count in rows:
            depth.add_metric([kind, status], count)
        yield depth


class JobMetrics:
    def __init__(self, services: Services) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.durations = Histogram(
            "keyframe_job_duration_seconds",
            "How long job runs took in this process, by kind and outcome",
            ["kind", "outcome"],
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
            registry=self.registry,
        )
        self.registry.register(_QueueDepth(services))

    def observe(self, kind: str, outcome: str, seconds: float) -> None:
        if outcome != "skipped":
            self.durations.labels(kind, outcome).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def route(services: Services) -> Route:
    """``GET /metrics``. The numbers name no partner, but they are the operator's business: with
    ``metrics_token`` set only a matching bearer token reads them, otherwise only loopback callers (a
    scraper on the same host). Anyone else gets a plain 404."""

    async def endpoint(request: Request) -> Response:
        if not _allowed(request, services.settings.metrics_token):
            return PlainTextResponse("Not Found", status_code=404)
        body = await anyio.to_thread.run_sync(services.job_metrics().render)
        return Response(body, media_type=CONTENT_TYPE)

    return Route("/metrics", endpoint, methods=["GET"])


def _allowed(request: Request, token: SecretStr | None) -> bool:
    if token is not None:
        given = request.headers.get("authorization", "")
        expected = f"Bearer {token.get_secret_value()}"
        return hmac.compare_digest(given.encode(), expected.encode())
    if any(name in request.headers for name in _FORWARDING):
        return False  # relayed by a proxy on this host: the caller is not local
    peer = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(peer).is_loopback
    except ValueError:
        return False
