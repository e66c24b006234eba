"""Escalation marks (issue 13, learning from production): agents mark a handoff 不必要
(`unnecessary`) or a customer message 漏转 (`missed`, with the reason that should have fired);
trainers and supervisors read per-reason precision and recall from those marks and send the
marked messages to the NLU inbox.

The message is stored as the trainer pages show it: the story exporter's Scrubber replaces
phones by 13800000000…, names by 张三…, card and ID numbers by zeros and the conversation id by
[id]; then masked as every stored free text is (138****0000). Every mark is audited (`mark.unnecessary` / `mark.missed`) in its own transaction.

Figures, per reason and over a period (bucketed by Beijing week):
    precision = 1 − 不必要 / handoffs        recall = handoffs / (handoffs + 漏转)
A handoff and its 不必要 mark count in the week of the handoff's message; a 漏转 in the week of
the message.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.redact import redact
from bot.trainer.conversations import user_turn
from bot.trainer.stories import Scrubber, known_names
from bot.casedesk import db as casedb
from bot.casedesk.handoffs import service as handoffs
from bot.casedesk.cases import pii
from bot.casedesk.cases.access import can_see, visible_cases
from bot.casedesk.cases.case_rules import CHINA_TZ
from bot.casedesk.api.errors import BadRequest, Conflict, NotFound
from bot.casedesk.models import Case, EscalationMark, Handoff, TranscriptTurn

log = logging.getLogger(__name__)

UNNECESSARY = "unnecessary"
MISSED = "missed"
KINDS = (UNNECESSARY, MISSED)
# the order the pages list them in: most severe first
REASONS = ("self_harm", "violence", "media", "regulator", "anger", "human")
MAX_NOTE = 500
MAX_TEXT = 500
# a transcript turn and its tracker event: the action server writes the event's timestamp
MATCH_SECONDS = 2.0


def clean_note(raw: Optional[str]) -> Optional[str]:
    note = " ".join((raw or "").split())
    if len(note) > MAX_NOTE:
        raise BadRequest(f"说明太长了（最多 {MAX_NOTE} 字），请写得简短一些。")
    return note or None


def check_reason(raw: Optional[str]) -> str:
    if raw not in REASONS:
        raise BadRequest("请选择本应触发的转人工原因。")
    return str(raw)


# ---------------------------------------------------------------------------------------------
# The message a mark is about


async def _tracker_events(tracker: Any, conversation_id: str) -> List[Any]:
    """The conversation's tracker rows, or [] when the tracker store cannot be read (the mark
    is still made from the case's transcript)."""
    if tracker is None:
        return []
    try:
        return list(await tracker.conversation(conversation_id))
    except Exception as exc:  # an unreachable store, or rows under another key
        log.warning("escalation marks: tracker store not readable (%s)", type(exc).__name__)
        return []


def _match_event(rows: Sequence[Any], at: datetime) -> Optional[Any]:
    best, best_gap = None, MATCH_SECONDS
    for row in rows:
        if row.type_name != "user":
            continue
        gap = abs(float(row.timestamp) - at.timestamp())
        if gap <= best_gap:
            best, best_gap = row, gap
    return best


def redacted_text(cipher: Any, case: Case, turn: TranscriptTurn, rows: Sequence[Any],
                  event_row: Optional[Any]) -> str:
    """The message as the trainer pages show it (Scrubber placeholders), then masked like every
    stored free text (bot/redact.py): the placeholder 13800000000 is itself a whole phone number
    to a scan of the data at rest, 138****0000 is not."""
    names = list(pii.case_names(cipher, case.customer_name_enc))
    events = [r.event for r in rows]
    scrub = Scrubber(names=names + known_names(events), secrets=[case.conversation_id])
    if event_row is not None and (event_row.event.get("text") or "").strip():
        text = user_turn(event_row.event, scrub).text
    else:
        text = scrub.text(pii.reveal(cipher, turn.text, turn.text_enc) or "")
    return redact(text.strip())[:MAX_TEXT]


def _trigger_turn(turns: Sequence[TranscriptTurn], handed_off_at: datetime) -> Optional[TranscriptTurn]:
    """The customer message that led to the handoff: the last one before it."""
    customer = [t for t in turns if t.role == "customer"]
    before = [t for t in customer if t.at <= handed_off_at + timedelta(seconds=MATCH_SECONDS)]
    pool = before or customer
    return pool[-1] if pool else None


async def _save(database: casedb.Database, mark: EscalationMark, case_no: str, remote: Optional[str]) -> EscalationMark:
    try:
        async with database.writing() as s:
            s.add(mark)
            casedb.audit_in(s, mark.marked_at, mark.marked_by, f"mark.{mark.kind}", case_no, remote)
    except IntegrityError:
        if mark.kind == UNNECESSARY:
            raise Conflict("这次转人工已经被标记为不必要，无需重复标记。")
        raise Conflict("这句话已经被标记为漏转，无需重复标记。")
    log.info("escalation mark: kind=%s reason=%s case=%s by=%s", mark.kind, mark.reason, case_no, mark.marked_by)
    return mark


async def mark_unnecessary(
    database: casedb.Database, tracker: Any, handoff_id: int, actor: str, note: Optional[str],
    now: datetime, *, hidden_branch: Optional[str] = None, remote: Optional[str] = None,
) -> EscalationMark:
    """An agent says this handoff was not needed; the handoff's reason is recorded."""
    item = await handoffs.get_handoff(database, handoff_id, hidden_branch=hidden_branch)
    handoff, case = item.handoff, item.case
    if await unnecessary_mark(database, handoff_id) is not None:
        raise Conflict("这次转人工已经被标记为不必要，无需重复标记。")
    turns = await handoffs.transcript(database, case.id, 0)
    turn = _trigger_turn(turns, handoff.created_at)
    rows = await _tracker_events(tracker, case.conversation_id)
    at = turn.at if turn is not None else handoff.created_at
    event_row = _match_event(rows, at) if turn is not None else None
    text = redacted_text(database.cipher, case, turn, rows, event_row) if turn is not None else ""
    mark = EscalationMark(
        kind=UNNECESSARY, reason=handoff.reason, conversation_id=case.conversation_id,
        case_id=case.id, handoff_id=handoff.id, turn_id=turn.id if turn is not None else None,
        message_id=(str(event_row.event.get("message_id") or "")[:64] or None) if event_row else None,
        event_id=event_row.id if event_row else None,
        text=text or "（没有找到客户的原话）", message_at=at, note=clean_note(note),
        marked_by=actor, marked_at=now,
    )
    return await _save(database, mark, case.case_no, remote)


async def mark_missed(
    database: casedb.Database, tracker: Any, case_no: str, turn_id: int, reason: str, actor: str,
    note: Optional[str], now: datetime, *, hidden_branch: Optional[str] = None,
    remote: Optional[str] = None,
) -> EscalationMark:
    """A customer message of the case that should have been handed off, and why."""
    reason = check_reason(reason)
    async with database.reading() as s:
        case = (await s.execute(select(Case).where(Case.case_no == case_no))).scalar_one_or_none()
        turn = (await s.execute(
            select(TranscriptTurn).where(TranscriptTurn.id == turn_id)
        )).scalar_one_or_none() if case is not None else None
    if case is None or not can_see(hidden_branch, case.confidential, case.branch_code):
        raise NotFound("未找到该案件，或您无权查看。")
    if turn is None or turn.case_id != case.id or turn.role != "customer":
        raise BadRequest("请选择一句客户说的话。")
    rows = await _tracker_events(tracker, case.conversation_id)
    event_row = _match_event(rows, turn.at)
    mark = EscalationMark(
        kind=MISSED, reason=reason, conversation_id=case.conversation_id, case_id=case.id,
        turn_id=turn.id,
        message_id=(str(event_row.event.get("message_id") or "")[:64] or None) if event_row else None,
        event_id=event_row.id if event_row else None,
        text=redacted_text(database.cipher, case, turn, rows, event_row) or "（空）",
        message_at=turn.at, note=clean_note(note), marked_by=actor, marked_at=now,
    )
    return await _save(database, mark, case.case_no, remote)


async def unnecessary_mark(database: casedb.Database, handoff_id: int) -> Optional[EscalationMark]:
    async with database.reading() as s:
        return (await s.execute(
            select(EscalationMark).where(EscalationMark.handoff_id == handoff_id,
                                         EscalationMark.kind == UNNECESSARY)
        )).scalar_one_or_none()


async def missed_turns(database: casedb.Database, case_id: int) -> Dict[int, str]:
    """turn id → the reason a 漏转 mark gave, for one case."""
    async with database.reading() as s:
        rows = await s.execute(
            select(EscalationMark.turn_id, EscalationMark.reason)
            .where(EscalationMark.case_id == case_id, EscalationMark.kind == MISSED)
        )
        return {r.turn_id: r.reason for r in rows if r.turn_id is not None}


# ---------------------------------------------------------------------------------------------
# Figures


@dataclass
class Figures:
    handoffs: int = 0
    unnecessary: int = 0
    missed: int = 0

    @property
    def precision(self) -> Optional[float]:
        """1 − 不必要/handoffs; None without handoffs."""
        if not self.handoffs:
            return None
        return max(0.0, 1.0 - self.unnecessary / self.handoffs)

    @property
    def recall(self) -> Optional[float]:
        """handoffs / (handoffs + 漏转); None when there is neither."""
        total = self.handoffs + self.missed
        return self.handoffs / total if total else None

    def add(self, other: "Figures") -> None:
        self.handoffs += other.handoffs
        self.unnecessary += other.unnecessary
        self.missed += other.missed


@dataclass
class Quality:
    since: date
    until: date  # inclusive, Beijing days
    reasons: Dict[str, Figures]
    total: Figures
    # (Monday of the week, {reason: Figures}), oldest first
    weeks: List[Tuple[date, Dict[str, Figures]]] = field(default_factory=list)


def week_of(at: datetime) -> date:
    day = at.astimezone(CHINA_TZ).date()
    return day - timedelta(days=day.weekday())


def figures(since: date, until: date, handoff_rows: Iterable[Tuple[str, datetime]],
            mark_rows: Iterable[Tuple[str, str, datetime]]) -> Quality:
    """(reason, handed off at) and (kind, reason, message at) → per reason and per week."""
    reasons = {r: Figures() for r in REASONS}
    weeks: Dict[date, Dict[str, Figures]] = {}
    monday = since - timedelta(days=since.weekday())
    while monday <= until:
        weeks[monday] = {r: Figures() for r in REASONS}
        monday += timedelta(days=7)

    def cell(reason: str, at: datetime) -> List[Figures]:
        week = weeks.setdefault(week_of(at), {r: Figures() for r in REASONS})
        return [reasons.setdefault(reason, Figures()), week.setdefault(reason, Figures())]

    for reason, at in handoff_rows:
        for f in cell(reason, at):
            f.handoffs += 1
    for kind, reason, at in mark_rows:
        for f in cell(reason, at):
            if kind == UNNECESSARY:
                f.unnecessary += 1
            elif kind == MISSED:
                f.missed += 1
    total = Figures()
    for f in reasons.values():
        total.add(f)
    return Quality(since, until, reasons, total, sorted(weeks.items()))


def window(since: date, until: date) -> Tuple[datetime, datetime]:
    """Beijing days [since, until] as UTC instants [start, end)."""
    start = datetime.combine(since, datetime.min.time(), CHINA_TZ)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), CHINA_TZ)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


async def quality(database: casedb.Database, since: date, until: date,
                  hidden_branch: Optional[str] = None) -> Quality:
    start, end = window(since, until)
    visible = visible_cases(hidden_branch)
    async with database.reading() as s:
        handoff_rows = (await s.execute(
            select(Handoff.reason, Handoff.created_at).join(Case, Case.id == Handoff.case_id)
            .where(Handoff.created_at >= start, Handoff.created_at < end, visible)
        )).all()
        mark_rows = (await s.execute(
            select(EscalationMark.kind, EscalationMark.reason, EscalationMark.message_at)
            .join(Case, Case.id == EscalationMark.case_id)
            .where(EscalationMark.message_at >= start, EscalationMark.message_at < end, visible)
        )).all()
    return figures(since, until, [tuple(r) for r in handoff_rows], [tuple(r) for r in mark_rows])


async def latest(database: casedb.Database, hidden_branch: Optional[str] = None,
                 limit: int = 50) -> List[Tuple[EscalationMark, str]]:
    """The newest marks with their case number."""
    async with database.reading() as s:
        rows = (await s.execute(
            select(EscalationMark, Case.case_no).join(Case, Case.id == EscalationMark.case_id)
            .where(visible_cases(hidden_branch))
            .order_by(EscalationMark.marked_at.desc(), EscalationMark.id.desc()).limit(limit)
        )).all()
    return [(r[0], r[1]) for r in rows]


# ---------------------------------------------------------------------------------------------
# The NLU inbox


async def send_to_inbox(database: casedb.Database, actor: str, now: datetime,
                        remote: Optional[str] = None) -> Tuple[int, int]:
    """Marks not sent yet go to the NLU inbox (bot/casedesk/console/trainer/nlu_inbox.py reads them as
    flagged messages); returns (sent, left out because the tracker store had no such message)."""
    async with database.writing() as s:
        pending = (await s.execute(
            select(EscalationMark.id, EscalationMark.message_id).where(EscalationMark.inbox_at.is_(None))
        )).all()
        ids = [r.id for r in pending if r.message_id]
        if ids:
            await s.execute(
                update(EscalationMark).where(EscalationMark.id.in_(ids)).values(inbox_at=now)
                .execution_options(synchronize_session=False)
            )
            casedb.audit_in(s, now, actor, "mark.inbox", None, remote)
    return len(ids), len(pending) - len(ids)


async def inbox_flags(database: casedb.Database) -> Dict[str, str]:
    """message id → why a mark sent it to the inbox (Chinese), for marks sent to the inbox."""
    from bot.casedesk.console.labels import MARK_KIND_LABELS, REASON_LABELS

    async with database.reading() as s:
        rows = (await s.execute(
            select(EscalationMark.message_id, EscalationMark.kind, EscalationMark.reason)
            .where(EscalationMark.inbox_at.is_not(None), EscalationMark.message_id.is_not(None))
        )).all()
    return {
        r.message_id: f"{MARK_KIND_LABELS.get(r.kind, r.kind)}（{REASON_LABELS.get(r.reason, r.reason)}）"
        for r in rows
    }


def as_rows(marks: Sequence[Tuple[EscalationMark, str]]) -> List[Mapping[str, Any]]:
    return [{"mark": m, "case_no": no} for m, no in marks]
