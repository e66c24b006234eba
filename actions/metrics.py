"""`GET /metrics` on the action server (issue 17, observability), in Prometheus text format.

What the actions did and what the outbox still holds:
- `actions_requests_total{action, outcome}`: every call Rasa made to `/webhook`, by the action it
  asked for and how it ended (`ok`, `rejected`: a form's validation refused the message,
  `unknown_action`, `error`);
- `actions_request_seconds{action}`: how long each took (a histogram);
- `actions_outbox_entries{status}`: cases, handoffs, ratings and withdrawals on their way to the
  case desk (actions/outbox.py), read from the outbox file at each scrape, so a restart loses
  nothing and a desk outage shows as `pending` growing.

Like the case desk's `/metrics` (docs/metrics.md), labels are codes only: an action's name when it
looks like one, else `unknown` (a hostile body cannot mint label values), and the outbox statuses.
No conversation id, name, number or text reaches the body, so the route needs no token; keep the
port on the private network, as for the rest of the action server.

rasa_sdk builds its Sanic app ("rasa_sdk") and then imports every module of this package
(`rasa run actions --actions actions`); importing this one there adds the route and the timing
middleware, the way actions/outbox.py adds its redelivery loop. Imported anywhere else (tests,
scripts) it adds nothing.
"""
from __future__ import annotations

import logging
import re
import time
from typing import Any, Iterable, Optional

from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from actions.outbox import DELIVERED, PENDING, REJECTED, Outbox

logger = logging.getLogger(__name__)

OUTCOMES = {200: "ok", 400: "rejected", 404: "unknown_action"}
# an action's name as Rasa and rasa_sdk write them; anything else is counted as `unknown`
_ACTION_NAME = re.compile(r"(?:action|validate|utter)_[a-z0-9_]{1,60}")
# a webhook call is a form step or a case filed: milliseconds, or seconds when the desk is slow
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class OutboxCollector:
    """The outbox's rows by status, read at each scrape (every status always reported)."""

    def __init__(self, outbox: Optional[Outbox] = None) -> None:
        self.outbox = outbox

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "actions_outbox_entries",
            "Entries of the outbox to the case desk by status (pending: not yet delivered).",
            labels=["status"],
        )
        try:
            counts = (self.outbox or Outbox()).counts()
        except Exception:  # an unreadable outbox must not hide the request counters
            logger.warning("outbox unreadable for /metrics")
            return [family]
        for status in (PENDING, DELIVERED, REJECTED):
            family.add_metric([status], counts.get(status, 0))
        return [family]


class ActionMetrics:
    """A registry of its own (not the process-wide default) with the request counters."""

    def __init__(self, outbox: Optional[Outbox] = None) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("actions_requests", "Calls to /webhook by action and outcome.",
                                ["action", "outcome"], registry=self.registry)
        self.seconds = Histogram("actions_request_seconds", "Time to answer a /webhook call, by action.",
                                 ["action"], buckets=BUCKETS, registry=self.registry)
        self.registry.register(OutboxCollector(outbox))

    @staticmethod
    def action_of(body: Any) -> str:
        name = body.get("next_action") if isinstance(body, dict) else None
        return name if isinstance(name, str) and _ACTION_NAME.fullmatch(name) else "unknown"

    def observe(self, action: str, status: int, seconds: float) -> None:
        self.requests.labels(action, OUTCOMES.get(status, "error")).inc()
        self.seconds.labels(action).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def install(app: Any, metrics: Optional[ActionMetrics] = None) -> ActionMetrics:
    """Adds `GET /metrics` and the timing of `/webhook` calls to rasa_sdk's Sanic app."""
    from sanic import response

    metrics = metrics or ActionMetrics()

    async def started(request: Any) -> None:
        if request.path == "/webhook":
            request.ctx.metrics_started = time.perf_counter()

    async def answered(request: Any, resp: Any) -> None:
        started_at = getattr(request.ctx, "metrics_started", None)
        if started_at is None:
            return
        try:
            body = request.json
        except Exception:  # a body that is no JSON: rasa_sdk answered it already
            body = None
        metrics.observe(ActionMetrics.action_of(body), resp.status, time.perf_counter() - started_at)

    async def scrape(_request: Any) -> Any:
        return response.raw(metrics.render(), content_type=CONTENT_TYPE_PLAIN_0_0_4)

    app.register_middleware(started, "request")
    app.register_middleware(answered, "response")
    app.add_route(scrape, "/metrics", methods=["GET"], name="metrics")
    return metrics


def _install_on_action_server() -> None:
    try:
        from sanic import Sanic

        app = Sanic.get_app("rasa_sdk")
    except Exception:  # imported outside `rasa run actions` (tests, scripts)
        return
    install(app)


_install_on_action_server()
