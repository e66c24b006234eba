"""`GET /metrics`: the case desk's queues in Prometheus text format (issue 17, observability).

Every value is read from the database on each scrape, against the app's clock (Settings.clock),
so any number of desk processes behind a load balancer report the same truth and a restart loses
nothing. The handler reads a `Snapshot` (async), then a registry of its own holding one collector
over that snapshot renders it: no process-wide default registry, no value kept in memory between
scrapes.

Counts and durations only, labelled by codes (handoff reason, case status, notice route): no
name, number, conversation id or free text ever reaches the body, which is why the route needs no
token (docs/metrics.md). The rules are the ones the queue and the case list use:

- the live queue is the `waiting` handoffs (handoffs.WAITING), by reason and its rank in
  case_rules.HANDOFF_SEVERITY (0 first), the wait counted from the handoff's opening as the queue
  alerts count it (console/alerts.py);
- open cases are case_rules.OPEN_STATUSES; an SLA breach is db.overdue_clause, the `?overdue=true`
  of the case list and the supervisor's overdue figure;
- the notice outbox is every delivery still notices.Delivery.PENDING or SENDING, by Route;
- call-backs waiting are callbacks.pending_count, the console's 待回电 count.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, Iterable, Mapping, Tuple

from aiohttp import web
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.casedesk.handoffs import callbacks, service as handoffs
from bot.casedesk.cases import case_rules
from bot.casedesk.db import DB_KEY, Database, overdue_clause
from bot.casedesk.api.errors import ServiceUnavailable
from bot.casedesk.api.json_io import request_now
from bot.casedesk.models import Case, Handoff, NoticeDelivery
from bot.casedesk.customer.notices import Delivery, Route

log = logging.getLogger(__name__)

# a scrape must answer, whatever the database does (Prometheus' own timeout is 10 s by default)
READ_TIMEOUT_SECONDS = 5
# a label value for a code the enums do not know (an old row): never the stored text itself
UNKNOWN = "unknown"
OUTBOX_STATUSES = (Delivery.PENDING.value, Delivery.SENDING.value)


@dataclass(frozen=True)
class Snapshot:
    """What one scrape reports, read from the database at one moment of the app's clock."""

    waiting_by_reason: Mapping[str, int]
    oldest_wait_by_reason: Mapping[str, float]  # seconds
    open_cases_by_status: Mapping[str, int]
    sla_breaches: int
    outbox_by_route: Mapping[str, int]
    callbacks_waiting: int


def _known(value: str, codes: Iterable[str]) -> str:
    return value if value in codes else UNKNOWN


def _zeros(codes: Iterable[str]) -> Dict[str, int]:
    # every known code reports, 0 included: a series that vanishes cannot be alerted on
    return {code: 0 for code in codes}


async def read_snapshot(db: Database, now: datetime) -> Snapshot:
    reasons = case_rules.HandoffReason.values()
    waiting = _zeros(reasons)
    oldest: Dict[str, float] = {r: 0.0 for r in reasons}
    queue = (
        select(Handoff.reason, func.count(), func.min(Handoff.created_at))
        .where(Handoff.status == handoffs.WAITING)
        .group_by(Handoff.reason)
    )
    open_statuses = sorted(s.value for s in case_rules.OPEN_STATUSES)
    cases = _zeros(open_statuses)
    by_status = (
        select(Case.status, func.count()).where(Case.status.in_(open_statuses)).group_by(Case.status)
    )
    breaches = select(func.count()).select_from(Case).where(overdue_clause(now))
    outbox = _zeros(Route.values())
    by_route = (
        select(NoticeDelivery.route, func.count())
        .where(NoticeDelivery.status.in_(OUTBOX_STATUSES))
        .group_by(NoticeDelivery.route)
    )
    async with db.reading() as s:
        for reason, count, since in (await s.execute(queue)).all():
            label = _known(reason, reasons)
            waiting[label] = waiting.get(label, 0) + int(count)
            if since is not None:
                # a clock behind the row's (another process's clock) is no negative wait
                wait = max(0.0, (now - since).total_seconds())
                oldest[label] = max(oldest.get(label, 0.0), wait)
        for status, count in (await s.execute(by_status)).all():
            cases[status] = int(count)
        sla_breaches = int((await s.execute(breaches)).scalar_one())
        for route, count in (await s.execute(by_route)).all():
            label = _known(route, Route.values())
            outbox[label] = outbox.get(label, 0) + int(count)
    return Snapshot(
        waiting_by_reason=waiting,
        oldest_wait_by_reason=oldest,
        open_cases_by_status=cases,
        sla_breaches=sla_breaches,
        outbox_by_route=outbox,
        callbacks_waiting=await callbacks.pending_count(db),
    )


def _severity(reason: str) -> str:
    """The reason's place in the live queue (case_rules.HANDOFF_SEVERITY): "0" is served first."""
    return str(case_rules.severity_of(None if reason == UNKNOWN else reason))


def _by_reason(values: Mapping[str, float]) -> Iterable[Tuple[str, str, float]]:
    for reason in sorted(values, key=lambda r: (case_rules.severity_of(r), r)):
        yield reason, _severity(reason), values[reason]


class SnapshotCollector:
    """A prometheus_client collector over one snapshot (the registry calls `collect`)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterable[Metric]:
        snap = self.snapshot
        queue = GaugeMetricFamily(
            "casedesk_handoff_queue_length",
            "Handoffs waiting for an agent, by handoff reason and its queue severity (0 = served first).",
            labels=["reason", "severity"],
        )
        for reason, severity, count in _by_reason(snap.waiting_by_reason):
            queue.add_metric([reason, severity], count)
        yield queue

        oldest = GaugeMetricFamily(
            "casedesk_handoff_oldest_wait_seconds",
            "Longest current wait of a waiting handoff, by reason and severity; 0 when none waits.",
            labels=["reason", "severity"],
        )
        for reason, severity, seconds in _by_reason(snap.oldest_wait_by_reason):
            oldest.add_metric([reason, severity], seconds)
        yield oldest

        cases = GaugeMetricFamily("casedesk_cases_open", "Open cases by status.", labels=["status"])
        for status in sorted(snap.open_cases_by_status):
            cases.add_metric([status], snap.open_cases_by_status[status])
        yield cases

        yield GaugeMetricFamily(
            "casedesk_sla_breaches",
            "Open cases past a pending deadline (contact, reply or decision).",
            value=snap.sla_breaches,
        )

        outbox = GaugeMetricFamily(
            "casedesk_notice_outbox_depth", "Customer notice deliveries not sent yet, by route.", labels=["route"]
        )
        for route in sorted(snap.outbox_by_route):
            outbox.add_metric([route], snap.outbox_by_route[route])
        yield outbox

        yield GaugeMetricFamily(
            "casedesk_callbacks_waiting", "Call-backs promised and not done yet.", value=snap.callbacks_waiting
        )


def render(snapshot: Snapshot) -> bytes:
    """The snapshot in Prometheus text format 0.0.4 (every Prometheus reads it; our names need
    none of 1.0.0's UTF-8 escaping), through a registry of its own."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(snapshot))
    return generate_latest(registry)


async def metrics(request: web.Request) -> web.Response:
    """GET /metrics: public (counts only), read fresh on every scrape."""
    try:
        snapshot = await asyncio.wait_for(
            read_snapshot(request.app[DB_KEY], request_now(request)), timeout=READ_TIMEOUT_SECONDS
        )
    except (asyncio.TimeoutError, SQLAlchemyError, OSError) as exc:
        # a failed scrape (up == 0) rather than zeros that would look like an empty queue; any
        # other error is a bug, logged with its traceback by the error middleware
        log.warning("metrics: database unreachable (%s)", type(exc).__name__)
        raise ServiceUnavailable("系统暂时无法读取统计数据，请稍后重试。", code="metrics_unavailable")
    return web.Response(body=render(snapshot), headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})
