"""What the console shows live — queue rows, one handoff's state, transcript turns — as plain
dicts, built the same way for the first page render and for the event stream.

Handoffs are read through the handoff service with the user's hidden branch (bot/casedesk/cases/access.py), so a
confidential complaint about the user's own branch is absent from the queue, the workspace
and the stream alike.
Customer data stays masked here: full name and phone appear only on the audited case page.

Queue rows carry what the alerts need (issue 15, console.js): a preview of the customer's last
message, masked and cut short, and whether the handoff has waited too long (console/alerts.py),
decided on the app's clock so the flag flips — and the stream sends a new snapshot — on the
server's tick, the same for every page and instance.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import func, select

from bot.casedesk.handoffs import assignment, service as handoffs
from bot.casedesk.cases.access import visible_cases
from bot.casedesk.db import Database
from bot.redact import redact

from bot.casedesk.cases.case_rules import Role, local_iso
from bot.casedesk.api.errors import NotFound
from bot.casedesk.models import Case, ConsoleUser, Handoff, TranscriptTurn
from bot.casedesk.console import alerts, labels
from bot.vocabulary import OPEN_HANDOFF_STATUSES

OPEN_HANDOFF = OPEN_HANDOFF_STATUSES
# handoffs.list_handoffs' default: beyond it the queue shows the first rows, the count all
QUEUE_LIMIT = 200
# characters of the customer's last message in a queue row: enough to tell what it is about
PREVIEW_CHARS = 40


def preview(text: Optional[str]) -> str:
    """One line of the customer's last message. Masked before it is cut, so a number split at
    the cut cannot escape the mask; stored text is masked already (pii.py), this masks a row
    written before that."""
    flat = " ".join((redact(text) or "").split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


def queue_row(
    h: Handoff, c: Case, now: datetime, limits: alerts.WaitLimits, last_said: Optional[str] = None,
    claimed_by_name: Optional[str] = None,
) -> Dict[str, Any]:
    limit = limits.for_reason(h.reason)
    too_long = alerts.waited_too_long(h.status, h.created_at, h.reason, limits, now)
    return {
        "id": h.id,
        "status": h.status,
        "status_label": labels.label(labels.HANDOFF_STATUS_LABELS, h.status),
        "priority": h.priority,
        "reason": h.reason,
        "reason_label": labels.label(labels.REASON_LABELS, h.reason),
        "channel_label": labels.label(labels.CHANNEL_LABELS, h.channel),
        "claimed_by": h.claimed_by,
        # what agents read: the display name (the user name is what console.js compares)
        "claimed_by_name": claimed_by_name or h.claimed_by,
        "created_at": local_iso(h.created_at),
        "claimed_at": local_iso(h.claimed_at),
        "case_no": c.case_no,
        "category_label": labels.label(labels.CATEGORY_LABELS, c.category),
        "phone": c.phone_masked or "",
        "contact_due_at": local_iso(c.contact_due_at),
        # the SLA timer stops once the customer has been contacted
        "contacted_at": local_iso(c.contacted_at),
        "preview": preview(last_said),
        "wait_limit_label": labels.span_text(limit),
        "alert_at": local_iso(alerts.alert_at(h.created_at, h.reason, limits)),
        "waited_too_long": too_long,
        "wait_alert": labels.wait_alert_text(limit) if too_long else "",
        "wait_badge": labels.WAIT_ALERT_BADGE if too_long else "",
    }


async def last_customer_lines(db: Database, case_ids: List[int]) -> Dict[int, str]:
    """Each case's latest customer turn (time order, as the transcript shows it), one query for
    the whole queue: ix_case_transcript_case_at serves the window."""
    if not case_ids:
        return {}
    latest = (
        select(
            TranscriptTurn.case_id,
            TranscriptTurn.text,
            func.row_number()
            .over(partition_by=TranscriptTurn.case_id, order_by=(TranscriptTurn.at.desc(), TranscriptTurn.id.desc()))
            .label("n"),
        )
        .where(TranscriptTurn.case_id.in_(case_ids), TranscriptTurn.role == Role.CUSTOMER.value)
        .subquery()
    )
    stmt = select(latest.c.case_id, latest.c.text).where(latest.c.n == 1)
    async with db.reading() as s:
        return {int(case_id): text for case_id, text in (await s.execute(stmt)).all()}


async def queue(db: Database, branch: Optional[str], now: Optional[datetime] = None) -> List[Dict[str, Any]]:
    """Waiting handoffs first, the most severe escalation reason first (domain.HANDOFF_SEVERITY),
    longest waiting first within one severity; then active ones the same way (the service's
    queue order). console.js shows the rows in this order and never re-sorts them.
    `now` defaults to the app's clock (the database carries the app's settings)."""
    now = now or db.settings.clock()
    limits = wait_limits(db)
    items = await handoffs.list_handoffs(db, status=list(OPEN_HANDOFF), hidden_branch=branch, limit=QUEUE_LIMIT)
    said = await last_customer_lines(db, sorted({item.case.id for item in items}))
    names = await display_names(db, {item.handoff.claimed_by for item in items if item.handoff.claimed_by})
    return [queue_row(item.handoff, item.case, now, limits, said.get(item.case.id),
                      names.get(item.handoff.claimed_by or "")) for item in items]


def wait_limits(db: Database) -> alerts.WaitLimits:
    return alerts.WaitLimits.of(db.settings.handoff_wait_alerts)


async def waiting_count(db: Database, branch: Optional[str], items: List[Dict[str, Any]]) -> int:
    """How many handoffs wait (the tab title's count): counted in SQL only when the queue was
    cut at QUEUE_LIMIT, so the usual tick costs no extra query."""
    if len(items) < QUEUE_LIMIT:
        return sum(1 for i in items if i["status"] == alerts.WAITING)
    stmt = (
        select(func.count())
        .select_from(Handoff)
        .join(Case, Case.id == Handoff.case_id)
        .where(Handoff.status == alerts.WAITING, visible_cases(branch))
    )
    async with db.reading() as s:
        return int((await s.execute(stmt)).scalar_one())


def limits_text(db: Database) -> str:
    limits = wait_limits(db)
    return labels.wait_limits_text(limits.threat, limits.other)


async def handoff_with_case(
    db: Database, handoff_id: int, branch: Optional[str]
) -> Optional[Tuple[Handoff, Case]]:
    try:
        item = await handoffs.get_handoff(db, handoff_id, hidden_branch=branch)
    except NotFound:
        return None
    return item.handoff, item.case


async def display_name(db: Database, username: Optional[str]) -> Optional[str]:
    """The name agents and customers read for a console user name (the user name itself for
    one no longer on file, None for None)."""
    if not username:
        return None
    async with db.reading() as s:
        found = (await s.execute(select(ConsoleUser.display_name).where(ConsoleUser.username == username))).scalar_one_or_none()
    return found or username


def handoff_state(h: Handoff, c: Case, claimed_by_name: Optional[str] = None) -> Dict[str, Any]:
    """The parts of a workspace that change while it is open; who holds it by their name
    (转交 changes it while the page is open)."""
    return {
        "id": h.id,
        "status": h.status,
        "status_label": labels.label(labels.HANDOFF_STATUS_LABELS, h.status),
        "outcome": h.outcome,
        "claimed_by": claimed_by_name or h.claimed_by,
        # the holder's user name: console.js signals 正在输入 only on a handoff the agent holds
        "holder": h.claimed_by,
        "case_status": c.status,
        "case_status_label": labels.status_label(c.status),
    }


def turn_row(t: TranscriptTurn) -> Dict[str, Any]:
    return {
        "id": t.id,
        "role": t.role,
        "role_label": labels.label(labels.TURN_ROLE_LABELS, t.role),
        # stored masked (pii.py: numbers and the customer's name); the full text only on the
        # audited case page. Masked again for a row written before that.
        "text": redact(t.text) or "",
        "at": local_iso(t.at),
        "author": t.author,
        "delivery": t.delivery,
    }


async def turns(db: Database, case_id: int, after_id: int = 0) -> List[Dict[str, Any]]:
    rows = await handoffs.transcript(db, case_id, after_id)
    names = await display_names(db, {t.author for t in rows if t.author})
    # who wrote an agent's reply or note, by the name colleagues know them by
    return [turn_row(t) | ({"author": names[t.author]} if t.author in names else {}) for t in rows]


async def staff_names(db: Database) -> Dict[str, str]:
    """Every console user's display name by user name (a bank's staff list is short): for pages
    that name many of them, such as a case's history and its 处理流程."""
    async with db.reading() as s:
        return dict((await s.execute(select(ConsoleUser.username, ConsoleUser.display_name))).all())


async def display_names(db: Database, usernames: set) -> Dict[str, str]:
    if not usernames:
        return {}
    async with db.reading() as s:
        return dict((await s.execute(
            select(ConsoleUser.username, ConsoleUser.display_name).where(ConsoleUser.username.in_(sorted(usernames)))
        )).all())


@dataclass(frozen=True)
class CaseRef:
    id: int
    case_no: str
    branch: Optional[str]
    branch_code: Optional[str]
    confidential: bool


async def case_ref(db: Database, case_no: str) -> Optional[CaseRef]:
    """Just enough of a case to apply the access rule before anything is read or audited."""
    stmt = select(Case.id, Case.case_no, Case.branch, Case.branch_code, Case.confidential).where(
        Case.case_no == case_no
    )
    async with db.reading() as s:
        row = (await s.execute(stmt)).first()
    return CaseRef(row.id, row.case_no, row.branch, row.branch_code, bool(row.confidential)) if row else None


def server_now(now: datetime) -> Optional[str]:
    return local_iso(now)


async def team(db: Database, now: datetime) -> List[Dict[str, Any]]:
    """The agents' presence and load (assignment.py), in words, for the queue's 坐席状态."""
    capacity = db.settings.assignment.capacity
    return [
        {**row, "presence_label": labels.PRESENCE_LABELS.get(str(row["presence"]), "离开"),
         "capacity": capacity}
        for row in await assignment.team(db, now)
    ]
