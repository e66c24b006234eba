"""The case lifecycle (issue 14): decisions and their notice, extensions, pauses and 核查.

Rules are in case_rules.py ("The lifecycle"); this module runs each step in one write transaction on
the locked case row: the check, the step's own row (case_decisions, case_extensions, case_pauses,
case_reviews), the case's clock and status, a history row (case_events) and an audit row
(audit_log) commit together or not at all. The API (lifecycle_views.py) and the console
(console/lifecycle_views.py) both call it.

History rows are what a notice sender reads (`notice_events`, GET /api/lifecycle/events): each
step the customer is to be told of — 受理 `created`, 延期 `extend`, 暂停 `pause`, 恢复计时 `resume`,
决定 `decision`, 核查 `review` — is a case_events row with a growing id, the new deadline in
`new_value` where there is one, and the reason (masked) in `note`.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.casedesk import db as casedb
from bot.casedesk.cases import case_rules, pii
from bot.casedesk.cases.case_rules import Liability, NotifyVia, Outcome, Status, Step
from bot.casedesk.api.errors import Conflict, Forbidden
from bot.casedesk.models import Case, CaseDecision, CaseEvent, CaseExtension, CasePause, CaseReview, ConsoleUser

log = logging.getLogger(__name__)

# history kinds a customer notice may follow (the feed's filter)
NOTICE_KINDS = ("created", "extend", "pause", "resume", "decision", "review")


def _conflict(exc: case_rules.LifecycleConflict) -> Conflict:
    return Conflict(exc.message, code=exc.code)


def _forbidden(exc: case_rules.LifecycleForbidden) -> Forbidden:
    return Forbidden(exc.message, code="approval_required")


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass
class Lifecycle:
    """A case's lifecycle as the case page and GET /api/cases/{no}/lifecycle show it."""

    case: Case
    decisions: List[CaseDecision] = field(default_factory=list)
    extensions: List[CaseExtension] = field(default_factory=list)
    pauses: List[CasePause] = field(default_factory=list)
    reviews: List[CaseReview] = field(default_factory=list)

    @property
    def decision(self) -> Optional[CaseDecision]:
        """The decision in force: the latest."""
        return self.decisions[-1] if self.decisions else None

    @property
    def notified(self) -> bool:
        return self.decision is not None and self.decision.notified_at is not None

    @property
    def step(self) -> Step:
        return case_rules.lifecycle_step(Status(self.case.status), self.notified)

    @property
    def in_review(self) -> bool:
        return self.case.review_started_at is not None

    @property
    def next_extension(self) -> Optional[int]:
        """The limit the deadline may be extended to next, if the case may be extended at all."""
        if Status(self.case.status) not in case_rules.OPEN_STATUSES or self.in_review:
            return None
        return case_rules.EXTENSION_STEPS.get(self.case.decision_days)

    @property
    def review_window_ends_at(self) -> Optional[datetime]:
        """Until when a 核查 may be asked for: shown on a decided case that had none yet."""
        decision = self.decision
        if decision is None or self.in_review or Status(self.case.status) not in (Status.RESOLVED, Status.CLOSED):
            return None
        return case_rules.review_window_end(decision.decided_at)

    def review_open(self, now: datetime) -> bool:
        end = self.review_window_ends_at
        return end is not None and now <= end

    def paused_days_so_far(self, now: datetime) -> int:
        """Days a running pause would add if it ended now."""
        since = self.case.paused_since
        return case_rules.paused_days_between(since, now) if since is not None else 0


async def _rows(s: AsyncSession, model: Any, case_id: int) -> List[Any]:
    return list((await s.execute(select(model).where(model.case_id == case_id).order_by(model.id))).scalars())


async def lifecycle_in(s: AsyncSession, case: Case) -> Lifecycle:
    return Lifecycle(
        case=case,
        decisions=await _rows(s, CaseDecision, case.id),
        extensions=await _rows(s, CaseExtension, case.id),
        pauses=await _rows(s, CasePause, case.id),
        reviews=await _rows(s, CaseReview, case.id),
    )


async def read(db: casedb.Database, case_no: str) -> Lifecycle:
    """No PII in it (reasons are stored masked), so no audit row: the case detail is the audited read."""
    async with db.reading() as s:
        case = await casedb._case_or_404(s, case_no)
        return await lifecycle_in(s, case)


async def console_role(db: casedb.Database, username: Optional[str]) -> Optional[str]:
    """The role of an active console account, or None: who an API caller names as approver."""
    if not username:
        return None
    async with db.reading() as s:
        stmt = select(ConsoleUser.role).where(ConsoleUser.username == username, ConsoleUser.active == True)  # noqa: E712
        return (await s.execute(stmt)).scalar_one_or_none()


# ---------------------------------------------------------------------------------------------
# Writing: each step locks the case row, checks, writes its rows, history and audit


def _masked(case: Case, cipher: Any, text: Optional[str]) -> Optional[str]:
    """Free text an agent typed, stored like history notes: numbers and the customer's name masked."""
    return pii.mask(text, pii.case_names(cipher, case.customer_name_enc))


def _audit(s: AsyncSession, now: datetime, actor: str, action: str, case_no: str, remote: Optional[str], **detail: Any) -> None:
    casedb.audit(s, now, actor, action, case_no, remote, json.dumps(detail, ensure_ascii=False))


def _event(case: Case, now: datetime, actor: str, kind: str, field_: Optional[str], old: Optional[str], new: Optional[str], note: Optional[str]) -> CaseEvent:
    return CaseEvent(case_id=case.id, at=now, actor=actor, kind=kind, field=field_, old_value=old, new_value=new, note=note)


def _set_status(s: AsyncSession, case: Case, target: Status, now: datetime, actor: str, note: Optional[str]) -> None:
    """A status change made by a lifecycle step, with the milestones and history row a PATCH writes."""
    current = Status(case.status)
    m = case_rules.milestones_after(target, now, case_rules.Milestones(case.contacted_at, case.replied_at, case.resolved_at))
    case.contacted_at, case.replied_at, case.resolved_at = m.contacted_at, m.replied_at, m.resolved_at
    case.status = target.value
    s.add(_event(case, now, actor, "status", "status", current.value, target.value, note))


@dataclass(frozen=True)
class NewDecision:
    outcome: Outcome
    liability: Liability
    amount_fen: Optional[int]
    reasons: str


async def record_decision(
    db: casedb.Database, case_no: str, new: NewDecision, actor: str, role: Optional[str], remote: Optional[str]
) -> Tuple[Case, CaseDecision]:
    """决定: the decision record, and the case to resolved (its decision clock stops)."""
    async with db.writing() as s:
        case = await casedb._case_or_404(s, case_no, lock=True)
        try:
            case_rules.check_decision(Status(case.status), case.paused_since)
        except case_rules.LifecycleConflict as exc:
            raise _conflict(exc)
        now = db.settings.clock()
        reasons = _masked(case, db.cipher, new.reasons) or ""
        decision = CaseDecision(
            case_id=case.id, round=2 if case.review_started_at else 1, outcome=new.outcome.value,
            liability=new.liability.value, amount_fen=new.amount_fen, reasons=reasons,
            decided_by=actor, decided_role=role, decided_at=now, due_at=case.decision_due_at,
        )
        s.add(decision)
        _set_status(s, case, Status.RESOLVED, now, actor, "记录处理决定")
        s.add(_event(case, now, actor, "decision", "outcome", None, new.outcome.value, reasons))
        casedb._refresh_next_due(case)
        case.updated_at = now
        _audit(
            s, now, actor, "decision", case_no, remote, outcome=new.outcome.value, liability=new.liability.value,
            amount_fen=new.amount_fen, on_time=now <= case.decision_due_at,
        )
    log.info("case decided case_no=%s outcome=%s by=%s", case_no, new.outcome.value, actor)
    return case, decision


async def record_notified(
    db: casedb.Database, case_no: str, via: NotifyVia, note: Optional[str], actor: str, remote: Optional[str]
) -> Tuple[Case, CaseDecision]:
    """告知: the customer has been told the decision in force."""
    async with db.writing() as s:
        case = await casedb._case_or_404(s, case_no, lock=True)
        decision = await casedb.latest_decision(s, case.id)
        try:
            case_rules.check_notify(Status(case.status), decision is not None, decision.notified_at if decision else None)
        except case_rules.LifecycleConflict as exc:
            raise _conflict(exc)
        assert decision is not None
        now = db.settings.clock()
        masked = _masked(case, db.cipher, note)
        decision.notified_at, decision.notified_by, decision.notified_via, decision.notify_note = now, actor, via.value, masked
        case.updated_at = now
        s.add(_event(case, now, actor, "notified", "notified_via", None, via.value, masked))
        _audit(s, now, actor, "notify", case_no, remote, via=via.value)
    log.info("case decision notified case_no=%s via=%s by=%s", case_no, via.value, actor)
    return case, decision


async def extend(
    db: casedb.Database,
    case_no: str,
    target_days: int,
    reason: str,
    approved_by: str,
    approved_role: Optional[str],
    actor: str,
    remote: Optional[str],
    check_role: bool = True,
) -> Tuple[Case, CaseExtension]:
    """延期: 15 → 30 days (a supervisor), 30 → 60 (a senior manager), each with a reason.
    `check_role` False only for the API's legacy /extend, whose caller is a trusted service."""
    async with db.writing() as s:
        case = await casedb._case_or_404(s, case_no, lock=True)
        try:
            case_rules.check_extension(
                Status(case.status), case.decision_days, target_days, case.review_started_at is not None,
                approved_role if check_role else None,
            )
        except case_rules.LifecycleConflict as exc:
            raise _conflict(exc)
        except case_rules.LifecycleForbidden as exc:
            raise _forbidden(exc)
        now = db.settings.clock()
        old_due, old_days = case.decision_due_at, case.decision_days
        case.decision_days = target_days
        casedb.redate_decision(case)
        masked = _masked(case, db.cipher, reason) or ""
        case.extended, case.extension_reason, case.extended_at = True, masked, now
        case.updated_at = now
        extension = CaseExtension(
            case_id=case.id, from_days=old_days, to_days=target_days, reason=masked, approved_by=approved_by,
            approved_role=approved_role, approved_at=now, old_due_at=old_due, new_due_at=case.decision_due_at,
        )
        s.add(extension)
        s.add(_event(case, now, actor, "extend", "decision_due_at", case_rules.local_iso(old_due), case_rules.local_iso(case.decision_due_at), masked))
        _audit(s, now, actor, "extend", case_no, remote, days=target_days, approved_by=approved_by, approved_role=approved_role, reason=masked)
    log.info("case decision deadline extended case_no=%s days=%s approved_by=%s", case_no, target_days, approved_by)
    return case, extension


async def start_pause(
    db: casedb.Database, case_no: str, reason: str, actor: str, remote: Optional[str]
) -> Tuple[Case, CasePause]:
    """暂停: the decision clock stops for an external 鉴定/评估."""
    async with db.writing() as s:
        case = await casedb._case_or_404(s, case_no, lock=True)
        try:
            case_rules.check_pause(Status(case.status), case.paused_since)
        except case_rules.LifecycleConflict as exc:
            raise _conflict(exc)
        now = db.settings.clock()
        masked = _masked(case, db.cipher, reason) or ""
        pause = CasePause(case_id=case.id, reason=masked, started_by=actor, started_at=now)
        s.add(pause)
        case.paused_since = now
        casedb._refresh_next_due(case)  # the decision deadline is not pending while paused
        case.updated_at = now
        s.add(_event(case, now, actor, "pause", "clock", None, "paused", masked))
        _audit(s, now, actor, "pause", case_no, remote, reason=masked)
    log.info("case decision clock paused case_no=%s by=%s", case_no, actor)
    return case, pause


async def end_pause(
    db: casedb.Database, case_no: str, note: Optional[str], actor: str, remote: Optional[str]
) -> Tuple[Case, CasePause]:
    """恢复计时: the pause ends, its days move the decision deadline on."""
    async with db.writing() as s:
        case = await casedb._case_or_404(s, case_no, lock=True)
        try:
            case_rules.check_resume(case.paused_since)
        except case_rules.LifecycleConflict as exc:
            raise _conflict(exc)
        now = db.settings.clock()
        old_due = case.decision_due_at
        masked = _masked(case, db.cipher, note)
        pause, days = await casedb.close_running_pause(s, case, now, actor, masked)
        case.updated_at = now
        text = f"暂停 {days} 天，办结期限相应顺延" + (f"；{masked}" if masked else "")
        s.add(_event(case, now, actor, "resume", "decision_due_at", case_rules.local_iso(old_due), case_rules.local_iso(case.decision_due_at), text))
        _audit(s, now, actor, "resume", case_no, remote, days=days)
    log.info("case decision clock resumed case_no=%s days=%s by=%s", case_no, days, actor)
    return case, pause


async def open_review(
    db: casedb.Database, case_no: str, office: str, reason: str, actor: str, remote: Optional[str]
) -> Tuple[Case, CaseReview]:
    """核查: within 30 days of the decision a higher office reopens the case; the decision clock
    restarts with the 30 days the office has to decide, and the case is 调查 again."""
    async with db.writing() as s:
        case = await casedb._case_or_404(s, case_no, lock=True)
        decision = await casedb.latest_decision(s, case.id)
        now = db.settings.clock()
        try:
            case_rules.check_review(Status(case.status), decision.decided_at if decision else None, case.review_started_at, now)
        except case_rules.LifecycleConflict as exc:
            raise _conflict(exc)
        assert decision is not None
        masked = _masked(case, db.cipher, reason) or ""
        old_due = case.decision_due_at
        case.review_started_at, case.decision_days, case.paused_days, case.paused_since = now, case_rules.REVIEW_DAYS, 0, None
        _set_status(s, case, Status.IN_PROGRESS, now, actor, f"{office}受理核查")
        casedb.redate_decision(case)
        case.updated_at = now
        review = CaseReview(
            case_id=case.id, decision_id=decision.id, office=office, reason=masked, requested_by=actor,
            requested_at=now, due_at=case.decision_due_at,
        )
        s.add(review)
        s.add(_event(case, now, actor, "review", "decision_due_at", case_rules.local_iso(old_due), case_rules.local_iso(case.decision_due_at), f"{office}：{masked}"))
        _audit(s, now, actor, "review", case_no, remote, office=office, reason=masked)
    log.info("case reopened for review case_no=%s by=%s", case_no, actor)
    return case, review


# ---------------------------------------------------------------------------------------------
# The notice feed


@dataclass(frozen=True)
class NoticeEvent:
    id: int
    case_no: str
    channel: str
    kind: str
    at: datetime
    new_value: Optional[str]
    note: Optional[str]


async def notice_events(db: casedb.Database, after: int, limit: int) -> List[NoticeEvent]:
    """Steps a customer is to be told of, oldest first, after the history row `after`: a notice
    sender keeps the last id it handled and asks again from there."""
    stmt = (
        select(CaseEvent.id, Case.case_no, Case.channel, CaseEvent.kind, CaseEvent.at, CaseEvent.new_value, CaseEvent.note)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.id > after, CaseEvent.kind.in_(NOTICE_KINDS))
        .order_by(CaseEvent.id)
        .limit(limit)
    )
    async with db.reading() as s:
        rows = (await s.execute(stmt)).all()
    return [NoticeEvent(*r) for r in rows]

