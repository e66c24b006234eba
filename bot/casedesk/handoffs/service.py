"""Handoffs to people: the service layer (queries and rules) under the API and the console.

A handoff is a conversation the bot gave to a person (docs/design.md, "Escalation and handoff"):

    waiting (in the live queue) ──claim / first reply──▶ active ──release / close──▶ closed
    waiting ──a wait that may not be quoted, or a customer gone quiet──▶ closed (callbacks.py)

`outcome` says how it ended: `released` (back to the bot), `closed` (conversation ended) or
`callback` (a colleague calls the customer back: the 待回电 queue, issue 15).
Every handoff belongs to a case, filed or updated when the handoff opens, so an agent always
works on a case with the whole transcript.

What the customer writes during a handoff lives in Rasa's tracker; the sync loop copies it into
the case transcript. What the agent writes goes to Rasa (rasa_bridge), which delivers it on the
customer's channel. Rasa is only called outside database transactions: an HTTP call must never
hold SQLite's write lock or a PostgreSQL row lock.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

import aiohttp
from aiohttp import web
from sqlalchemy import and_, case as sql_case, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.casedesk.cases.access import can_see, visible_cases
from bot.casedesk.appkeys import SETTINGS_KEY
from bot.casedesk.handoffs import callbacks
from bot.casedesk import db as casedb
from bot.casedesk.cases import case_rules, pii, schemas
from bot.crypto import PiiCipher
from bot.casedesk.cases.case_rules import Category, Priority, Role
from bot.casedesk.api.errors import BadRequest, Conflict, NotFound, ServiceUnavailable
from bot.casedesk.models import Case, CaseEvent, Handoff, TranscriptTurn
from bot.casedesk.handoffs.broker_feed import BrokerFeed
from bot.casedesk.handoffs.event_feed import EventFeed, synced_mark
from bot.casedesk.handoffs.rasa_bridge import RASA_KEY, RasaBridge, RasaUnavailable, user_events
from bot.casedesk.settings import Settings
from bot.vocabulary import OPEN_HANDOFF_STATUSES, HandoffStatus

log = logging.getLogger(__name__)
# where a sync pass reads new customer messages (Settings.handoff_sync_source)
Feed = Union[EventFeed, BrokerFeed]

WAITING, ACTIVE, CLOSED = (s.value for s in HandoffStatus)
OPEN_STATUSES = OPEN_HANDOFF_STATUSES
RELEASED = "released"  # outcome: back to the bot; CLOSED doubles as the other outcome
SENT, FAILED = "sent", "failed"

# customer text copied from Rasa is stored masked (pii.py), its full text encrypted, within reason
MAX_SYNCED_TEXT = 10000
# open handoffs whose trackers are read at the same time in one sync pass
SYNC_CONCURRENCY = 8
# a release or close marked but never finished (the process died) may be retried after this
FINISH_TIMEOUT = timedelta(seconds=60)


class QueueItem(NamedTuple):
    """A handoff with its case, so a queue needs no second query per row."""

    handoff: Handoff
    case: Case


@dataclass
class Changes:
    """What changed since the console's cursors (see changes_since)."""

    handoffs: List[QueueItem]
    turns: List[TranscriptTurn]
    handoff_cursor: Optional[datetime]
    turn_cursor: int


# ---------------------------------------------------------------------------------------------
# Helpers


def _not_found(handoff_id: Any) -> NotFound:
    # the same answer for "missing" and "hidden": a hidden handoff must not be confirmed to exist
    return NotFound(f"未找到转人工会话 #{handoff_id}，请核对编号或刷新队列。", code="handoff_not_found")


def _queue_order() -> Tuple[Any, ...]:
    status_rank = sql_case((Handoff.status == WAITING, 0), (Handoff.status == ACTIVE, 1), else_=2)
    # most severe reason first (case_rules.HANDOFF_SEVERITY); within one severity the longest
    # waiting first: the oldest handoff is the one whose customer waits longest
    return status_rank, severity_rank(), Handoff.created_at, Handoff.id


def severity_rank() -> Any:
    """SQL twin of case_rules.severity_of: the handoff reason's rank, unknown reasons last."""
    whens = [(Handoff.reason == reason.value, rank) for reason, rank in case_rules.HANDOFF_SEVERITY.items()]
    return sql_case(*whens, else_=case_rules.LEAST_SEVERE)


def _upsert(db: casedb.Database) -> Any:
    return sqlite_insert if db.sqlite else pg_insert


async def _lock_conversation(s: AsyncSession, db: casedb.Database, conversation_id: str) -> None:
    """One handoff opens per conversation at a time. SQLite's write lock already serialises
    writers; on PostgreSQL two different request_ids for one conversation would both pass the
    "already open?" check without this transaction-scoped advisory lock."""
    if not db.sqlite:
        await s.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"handoff:{conversation_id}"}
        )


async def _find_existing(s: AsyncSession, conversation_id: str, request_id: str) -> Optional[QueueItem]:
    """The handoff of this request (a retry), else the conversation's open one."""
    by_request = (
        await s.execute(
            select(Handoff, Case)
            .join(Case, Case.id == Handoff.case_id)
            .where(Handoff.conversation_id == conversation_id, Handoff.request_id == request_id)
        )
    ).first()
    if by_request is not None:
        return QueueItem(*by_request)
    open_one = (
        await s.execute(
            select(Handoff, Case)
            .join(Case, Case.id == Handoff.case_id)
            .where(Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN_STATUSES))
            .order_by(Handoff.created_at.desc(), Handoff.id.desc())
            .limit(1)
        )
    ).first()
    return QueueItem(*open_one) if open_one is not None else None


def _escalate_case(
    s: AsyncSession, case: Case, reason: str, signals: Sequence[str], actor: str, now: datetime
) -> None:
    """Reason, signals and high priority on the case, each change in its history."""
    events: List[CaseEvent] = []

    def event(kind: str, field: str, old: Optional[str], new: Optional[str]) -> None:
        events.append(CaseEvent(case_id=case.id, at=now, actor=actor, kind=kind, field=field, old_value=old, new_value=new, note="转人工"))

    # always one "handoff" row: the history shows every handoff, even a repeated one
    event("handoff", "handoff_reason", case.handoff_reason, reason)
    case.handoff_reason = reason
    merged = schemas.merge_signals(case.escalation_signals or [], signals)
    if merged != list(case.escalation_signals or []):
        event("correction", "escalation_signals", ",".join(case.escalation_signals or []), ",".join(merged))
        case.escalation_signals = merged
    if case.priority != Priority.HIGH.value:
        event("correction", "priority", case.priority, Priority.HIGH.value)
        case.priority = Priority.HIGH.value
        # the high-priority clocks start when the case became urgent, not when it was filed:
        # measured from filing, a case escalated after hours would be overdue at once
        urgent = case_rules.sla_deadlines(now, Priority.HIGH, extended=case.extended)
        case.contact_due_at = min(case.contact_due_at, urgent.contact_due_at)
        if urgent.reply_due_at is not None:
            case.reply_due_at = (
                urgent.reply_due_at if case.reply_due_at is None else min(case.reply_due_at, urgent.reply_due_at)
            )
        casedb._refresh_next_due(case)
    if case_rules.is_queue(case.owner):
        queue = case_rules.route_queue(Priority(case.priority), Category(case.category))
        if queue != case.owner:
            event("assign", "owner", case.owner, queue)
            case.owner = queue
    case.updated_at = now
    s.add_all(events)


async def queue_position(db: casedb.Database, handoff: Handoff) -> int:
    """1-based place among waiting handoffs in queue order; 0 when it is not waiting."""
    if handoff.status != WAITING:
        return 0
    mine_rank = case_rules.severity_of(handoff.reason)
    rank = severity_rank()
    ahead = or_(
        rank < mine_rank,
        and_(
            rank == mine_rank,
            or_(
                Handoff.created_at < handoff.created_at,
                and_(Handoff.created_at == handoff.created_at, Handoff.id <= handoff.id),
            ),
        ),
    )
    stmt = select(func.count()).select_from(Handoff).where(Handoff.status == WAITING, ahead)
    async with db.reading() as s:
        return max(1, int((await s.execute(stmt)).scalar_one()))


def expected_wait_minutes(position: int, minutes_per_handoff: int) -> int:
    return max(1, position * minutes_per_handoff) if position else 0


# ---------------------------------------------------------------------------------------------
# Open


async def open_handoff(
    db: casedb.Database,
    cipher: PiiCipher,
    body: schemas.NewHandoff,
    now: datetime,
    *,
    actor: str = "service",
    remote: Optional[str] = None,
) -> Tuple[Handoff, Case, bool]:
    """Puts a conversation in the live queue; returns (handoff, case, created).

    Idempotent on (conversation_id, request_id), and a conversation with an open handoff gets
    that one back. The case is filed first (db.create_case, idempotent on its intake_id, which
    defaults to the request_id) in its own transaction, because create_case owns one; a crash
    between the two leaves a filed case that the retry of the same request picks up.
    """
    async with db.reading() as s:
        found = await _find_existing(s, body.conversation_id, body.request_id)
    if found is not None:
        return found.handoff, found.case, False

    new_case_id: Optional[int] = None
    if body.case is not None:
        filed, _ = await casedb.create_case(db, body.case, cipher, actor, remote)
        new_case_id = filed.id

    try:
        async with db.writing() as s:
            await _lock_conversation(s, db, body.conversation_id)
            found = await _find_existing(s, body.conversation_id, body.request_id)
            if found is not None:
                return found.handoff, found.case, False
            if new_case_id is not None:
                stmt = select(Case).where(Case.id == new_case_id).with_for_update()
                case = (await s.execute(stmt)).scalar_one()
            else:
                case = await casedb._case_or_404(s, body.case_no or "", lock=True)
                if case.conversation_id != body.conversation_id:
                    raise Conflict(
                        f"案件 {case.case_no} 不属于该会话，无法转人工，请核对案件编号。",
                        code="case_conversation_mismatch",
                    )
            _escalate_case(s, case, body.reason.value, body.signals, actor, now)
            handoff = Handoff(
                conversation_id=body.conversation_id,
                request_id=body.request_id,
                case_id=case.id,
                channel=body.channel.value,
                reason=body.reason.value,
                signals=list(body.signals),
                priority=Priority.HIGH.value,
                status=WAITING,
                synced_until=body.since,
                created_at=now,
                updated_at=now,
            )
            s.add(handoff)
            await s.flush()
            casedb.audit(s, now, actor, "handoff.open", case.case_no, remote)
    except IntegrityError:
        # the same request raced itself (PostgreSQL): the winner's handoff is the answer
        async with db.reading() as s:
            found = await _find_existing(s, body.conversation_id, body.request_id)
        if found is None:
            raise
        return found.handoff, found.case, False
    log.info(
        "handoff opened id=%s case_no=%s reason=%s channel=%s",
        handoff.id, case.case_no, handoff.reason, handoff.channel,
    )
    return handoff, case, True


# ---------------------------------------------------------------------------------------------
# Reads


async def list_handoffs(
    db: casedb.Database,
    *,
    status: Union[None, str, Sequence[str]] = None,
    conversation_id: Optional[str] = None,
    hidden_branch: Optional[str] = None,
    limit: int = 200,
) -> List[QueueItem]:
    """The live queue: waiting before active, the most severe reason first
    (case_rules.HANDOFF_SEVERITY), then longest waiting first.
    `status` is one status, a list of them, or None for all; closed ones come last, newest
    closed first when only closed ones are asked for."""
    statuses = [status] if isinstance(status, str) else list(status or [])
    stmt = select(Handoff, Case).join(Case, Case.id == Handoff.case_id).where(visible_cases(hidden_branch))
    if statuses:
        stmt = stmt.where(Handoff.status.in_(statuses))
    if conversation_id:
        stmt = stmt.where(Handoff.conversation_id == conversation_id)
    if statuses == [CLOSED]:
        stmt = stmt.order_by(Handoff.closed_at.desc(), Handoff.id.desc())
    else:
        stmt = stmt.order_by(*_queue_order())
    async with db.reading() as s:
        rows = (await s.execute(stmt.limit(limit))).all()
    return [QueueItem(h, c) for h, c in rows]


async def get_handoff(
    db: casedb.Database, handoff_id: int, hidden_branch: Optional[str] = None
) -> QueueItem:
    async with db.reading() as s:
        row = (
            await s.execute(
                select(Handoff, Case).join(Case, Case.id == Handoff.case_id).where(Handoff.id == handoff_id)
            )
        ).first()
    if row is None or not can_see(hidden_branch, row[1].confidential, row[1].branch_code):
        raise _not_found(handoff_id)
    return QueueItem(*row)


async def read_handoff(
    db: casedb.Database,
    handoff_id: int,
    actor: str,
    remote: Optional[str] = None,
    hidden_branch: Optional[str] = None,
) -> Tuple[Handoff, Case, List[TranscriptTurn]]:
    """A handoff with its case and the whole transcript; audited like a case read, in the same
    transaction, so no read goes unrecorded."""
    async with db.writing() as s:
        row = (
            await s.execute(
                select(Handoff, Case).join(Case, Case.id == Handoff.case_id).where(Handoff.id == handoff_id)
            )
        ).first()
        if row is None or not can_see(hidden_branch, row[1].confidential, row[1].branch_code):
            raise _not_found(handoff_id)
        handoff, case = row
        turns = await _transcript(s, case.id, 0)
        casedb.audit(s, db.settings.clock(), actor, "read", case.case_no, remote)
    return handoff, case, turns


async def _transcript(s: AsyncSession, case_id: int, after_id: int) -> List[TranscriptTurn]:
    stmt = (
        select(TranscriptTurn)
        .where(TranscriptTurn.case_id == case_id, TranscriptTurn.id > after_id)
        .order_by(TranscriptTurn.at, TranscriptTurn.id)
    )
    return list((await s.execute(stmt)).scalars())


async def transcript(db: casedb.Database, case_id: int, after_id: int = 0) -> List[TranscriptTurn]:
    """Turns of a case in time order; `after_id` gives only the ones newer than a turn id."""
    async with db.reading() as s:
        return await _transcript(s, case_id, after_id)


async def cursors(db: casedb.Database) -> Tuple[Optional[datetime], int]:
    """Where a new live stream starts: (latest handoff change, latest transcript turn id)."""
    async with db.reading() as s:
        latest = (await s.execute(select(func.max(Handoff.updated_at)))).scalar_one()
        turn = (await s.execute(select(func.max(TranscriptTurn.id)))).scalar_one()
    if isinstance(latest, str):  # SQLite's max() bypasses the column type
        latest = datetime.fromisoformat(latest).replace(tzinfo=timezone.utc)
    elif isinstance(latest, datetime) and latest.tzinfo is None:
        latest = latest.replace(tzinfo=timezone.utc)
    return latest, int(turn or 0)


async def changes_since(
    db: casedb.Database,
    handoff_cursor: Optional[datetime],
    turn_cursor: int,
    *,
    hidden_branch: Optional[str] = None,
    limit: int = 500,
) -> Changes:
    """For the console's live stream (polled every ~0.5 s).

    Handoffs: those with updated_at at or after the cursor (all open ones when the cursor is
    None). "At or after", not "after": two changes in the same clock tick, or a transaction that
    commits after a poll with an earlier timestamp, must not be lost; a consumer therefore sees
    a handoff again and renders it idempotently (by id and updated_at).
    Turns: transcript turns with id > turn_cursor of cases that have a handoff.
    The returned cursors are the ones to pass next time.
    """
    hstmt = select(Handoff, Case).join(Case, Case.id == Handoff.case_id).where(visible_cases(hidden_branch))
    if handoff_cursor is None:
        hstmt = hstmt.where(Handoff.status.in_(OPEN_STATUSES))
    else:
        hstmt = hstmt.where(Handoff.updated_at >= handoff_cursor)
    hstmt = hstmt.order_by(Handoff.updated_at, Handoff.id).limit(limit)
    has_handoff = select(Handoff.id).where(Handoff.case_id == TranscriptTurn.case_id).exists()
    tstmt = (
        select(TranscriptTurn)
        .where(TranscriptTurn.id > turn_cursor, has_handoff)
        .order_by(TranscriptTurn.id)
        .limit(limit)
    )
    if hidden_branch:
        tstmt = tstmt.join(Case, Case.id == TranscriptTurn.case_id).where(visible_cases(hidden_branch))
    async with db.reading() as s:
        rows = (await s.execute(hstmt)).all()
        turns = list((await s.execute(tstmt)).scalars())
    items = [QueueItem(h, c) for h, c in rows]
    new_handoff_cursor = handoff_cursor
    for item in items:
        if new_handoff_cursor is None or item.handoff.updated_at > new_handoff_cursor:
            new_handoff_cursor = item.handoff.updated_at
    new_turn_cursor = max([turn_cursor] + [t.id for t in turns])
    return Changes(items, turns, new_handoff_cursor, new_turn_cursor)


# ---------------------------------------------------------------------------------------------
# Agent actions


async def _locked(
    s: AsyncSession, handoff_id: int, hidden_branch: Optional[str]
) -> Tuple[Handoff, Case]:
    row = (
        await s.execute(
            select(Handoff, Case)
            .join(Case, Case.id == Handoff.case_id)
            .where(Handoff.id == handoff_id)
            .with_for_update(of=Handoff)
        )
    ).first()
    if row is None or not can_see(hidden_branch, row[1].confidential, row[1].branch_code):
        raise _not_found(handoff_id)
    return row[0], row[1]


def _check_open(handoff: Handoff) -> None:
    if handoff.outcome == callbacks.OUTCOME:
        # the customer waited too long, or went quiet: a colleague calls them back instead
        raise Conflict(
            f"转人工会话 #{handoff.id} 已转入“待回电”（客户等待过久或长时间未回复），请在待回电列表中处理。",
            code="handoff_closed",
        )
    if handoff.status not in OPEN_STATUSES:
        raise Conflict(
            f"转人工会话 #{handoff.id} 已结束，无法继续操作。如客户再次联系，将生成新的转人工请求。",
            code="handoff_closed",
        )
    if handoff.outcome is not None:
        # another request is handing it back or closing it right now (see _finish)
        raise Conflict(
            f"转人工会话 #{handoff.id} 正在交还机器人或结束，请稍后刷新查看。",
            code="handoff_finishing",
        )


def _check_holder(handoff: Handoff, agent: str) -> None:
    if handoff.status == ACTIVE and handoff.claimed_by not in (None, agent):
        raise Conflict(
            f"转人工会话 #{handoff.id} 已由坐席 {handoff.claimed_by} 接入，请选择其他会话。",
            code="handoff_claimed",
        )


def _claim(handoff: Handoff, agent: str, now: datetime) -> None:
    if handoff.status == WAITING:
        handoff.status, handoff.claimed_by, handoff.claimed_at = ACTIVE, agent, now
    handoff.updated_at = now


# What the customer is told when a person takes over or hands on (issue 15: the agent's name,
# "客服 王明 为您服务"); the agent's own replies follow in their words.
GREETING = "您好，我是客服{name}，接下来由我为您服务，请问有什么可以帮您？"
TRANSFERRED_TO = "您好，您的问题已转交给客服{name}继续为您处理，请您稍候。"
TRANSFERRED_TO_QUEUE = "您好，正在为您转接其他客服，请您稍候，您的留言客服都能看到。"


async def _tell_customer(db: casedb.Database, bridge: RasaBridge, handoff_id: int, conversation_id: str,
                         case_id: int, agent: str, name: str, text: str, now: datetime) -> None:
    """One line to the customer on the agent's behalf, kept in the transcript with whether the
    channel took it; a channel that does not take it undoes nothing."""
    try:
        await bridge.send_agent_reply(conversation_id, text, name)
        delivery = SENT
    except RasaUnavailable as exc:
        log.warning("line to the customer not delivered handoff=%s (%s %s)", handoff_id, exc.operation, exc.detail)
        delivery = FAILED
    async with db.writing() as s:
        s.add(TranscriptTurn(case_id=case_id, role=Role.AGENT.value, text=text, at=now, author=agent, delivery=delivery))


async def claim(
    db: casedb.Database,
    handoff_id: int,
    agent: str,
    now: datetime,
    *,
    hidden_branch: Optional[str] = None,
    remote: Optional[str] = None,
    bridge: Optional[RasaBridge] = None,
    agent_name: Optional[str] = None,
    assigned_by: Optional[str] = None,
) -> Handoff:
    """waiting → active for `agent`. Claiming one's own again is a no-op; another agent's is 409.
    With a ``bridge``, the customer is greeted by the agent's name (``agent_name``). The
    auto-assignment claims for the agent (``assigned_by``: who gave it, in the audit row)."""
    claimed = False
    async with db.writing() as s:
        handoff, case = await _locked(s, handoff_id, hidden_branch)
        _check_open(handoff)
        _check_holder(handoff, agent)
        if handoff.status == WAITING:
            _claim(handoff, agent, now)
            if assigned_by is None:
                casedb.audit(s, now, agent, "handoff.claim", case.case_no, remote)
            else:
                casedb.audit(s, now, assigned_by, "handoff.assign", case.case_no, remote, detail=agent)
            claimed = True
        conversation_id, case_id = handoff.conversation_id, case.id
    log.info("handoff claimed id=%s by=%s", handoff.id, agent)
    if claimed and bridge is not None:
        name = agent_name or agent
        await _tell_customer(db, bridge, handoff_id, conversation_id, case_id, agent, name,
                             GREETING.format(name=name), now)
    return handoff


async def send_agent_message(
    db: casedb.Database,
    bridge: RasaBridge,
    handoff_id: int,
    agent: str,
    text: str,
    now: datetime,
    *,
    agent_name: Optional[str] = None,
    hidden_branch: Optional[str] = None,
    remote: Optional[str] = None,
) -> TranscriptTurn:
    """An agent's reply to the customer. A reply on a waiting handoff claims it. The turn is
    stored with the delivery result (`sent` / `failed`): the agent sees at once whether the
    customer's channel took it, and a failed reply can be sent again."""
    body = schemas.message_text(text)
    async with db.writing() as s:
        handoff, case = await _locked(s, handoff_id, hidden_branch)
        _check_open(handoff)
        _check_holder(handoff, agent)
        _claim(handoff, agent, now)
        # the customer's 正在输入… ends before the reply reaches them (agent_typing.py)
        handoff.agent_typing_until = None
        conversation_id, case_id, case_no = handoff.conversation_id, case.id, case.case_no
        names = pii.case_names(db.cipher, case.customer_name_enc)
    # outside the transaction: Rasa can take seconds, no lock may wait for it
    try:
        await bridge.send_agent_reply(conversation_id, body, agent_name or agent)
        delivery = SENT
    except RasaUnavailable as exc:
        log.warning("agent reply not delivered handoff=%s (%s %s)", handoff_id, exc.operation, exc.detail)
        delivery = FAILED
    async with db.writing() as s:
        # the customer got the whole reply; the desk keeps it masked, the full text encrypted
        masked, text_enc = pii.seal(db.cipher, body, names)
        turn = TranscriptTurn(case_id=case_id, role=Role.AGENT.value, text=masked, text_enc=text_enc, at=now, author=agent, delivery=delivery)
        s.add(turn)
        await s.execute(update(Handoff).where(Handoff.id == handoff_id).values(updated_at=now))
        casedb.audit(s, now, agent, "handoff.message", case_no, remote)
    return turn


async def add_note(
    db: casedb.Database,
    handoff_id: int,
    agent: str,
    text: str,
    now: datetime,
    *,
    hidden_branch: Optional[str] = None,
    remote: Optional[str] = None,
) -> TranscriptTurn:
    """An internal note for colleagues: in the transcript, never sent. Allowed after the
    handoff closed too — wrap-up notes are written then."""
    body = schemas.message_text(text)
    async with db.writing() as s:
        handoff, case = await _locked(s, handoff_id, hidden_branch)
        masked, text_enc = pii.seal(db.cipher, body, pii.case_names(db.cipher, case.customer_name_enc))
        turn = TranscriptTurn(case_id=case.id, role=Role.NOTE.value, text=masked, text_enc=text_enc, at=now, author=agent)
        s.add(turn)
        handoff.updated_at = now
        casedb.audit(s, now, agent, "handoff.note", case.case_no, remote)
    return turn


@dataclass(frozen=True)
class TransferTarget:
    """A colleague a handoff is handed to (None: back to the queue): the user name the handoff
    is claimed by, the name the customer and agents read, and what that user may see."""

    username: str
    display_name: str
    scope: Optional[str]  # access.hidden_branch of the user


TRANSFER_NOTE_MAX = 500


async def transfer(
    db: casedb.Database,
    bridge: RasaBridge,
    handoff_id: int,
    agent: str,
    target: Optional[TransferTarget],
    note: str,
    now: datetime,
    *,
    hidden_branch: Optional[str] = None,
    remote: Optional[str] = None,
) -> Handoff:
    """转交 (issue 15): the agent holding a handoff (or anyone, while it waits) hands it to a
    colleague, who holds it at once, or back to the queue for whoever is free; with a note for
    whoever takes it (an internal note turn, masked), a history row and an audit row. A
    confidential case cannot go to someone of the branch it accuses. The customer is told in
    one line who carries on; a channel that does not take the line changes nothing here."""
    body = schemas.message_text(note)
    if len(body) > TRANSFER_NOTE_MAX:
        raise BadRequest(f"转交说明请不要超过 {TRANSFER_NOTE_MAX} 个字。", code="invalid_value")
    async with db.writing() as s:
        handoff, case = await _locked(s, handoff_id, hidden_branch)
        _check_open(handoff)
        _check_holder(handoff, agent)
        if target is not None and target.username in (agent, handoff.claimed_by):
            raise Conflict("不能转交给自己，请选择其他坐席。", code="transfer_to_self")
        if target is not None and not can_see(target.scope, case.confidential, case.branch_code):
            raise Conflict(f"这是一件保密投诉，{target.display_name}所在网点正是被投诉的网点，不能转交给他/她，请选择其他坐席。",
                           code="transfer_not_allowed")
        before = handoff.claimed_by
        if target is None:
            handoff.status, handoff.claimed_by, handoff.claimed_at = WAITING, None, None
        else:
            handoff.status, handoff.claimed_by, handoff.claimed_at = ACTIVE, target.username, now
        handoff.updated_at = now
        handoff.agent_typing_until = None  # the one typing no longer holds it
        names = pii.case_names(db.cipher, case.customer_name_enc)
        where = f"转交给{target.display_name}" if target else "转回队列，等待其他坐席接入"
        masked, text_enc = pii.seal(db.cipher, f"{where}：{body}", names)
        s.add(TranscriptTurn(case_id=case.id, role=Role.NOTE.value, text=masked, text_enc=text_enc, at=now, author=agent))
        s.add(CaseEvent(case_id=case.id, at=now, actor=agent, kind="transfer", field="claimed_by",
                        old_value=before, new_value=target.username if target else None, note=pii.mask(body, names)))
        casedb.audit(s, now, agent, "handoff.transfer", case.case_no, remote)
        conversation_id, case_id = handoff.conversation_id, case.id
    told = TRANSFERRED_TO.format(name=target.display_name) if target else TRANSFERRED_TO_QUEUE
    await _tell_customer(db, bridge, handoff_id, conversation_id, case_id, agent,
                         target.display_name if target else agent, told, now)
    log.info("handoff transferred id=%s by=%s to=%s", handoff_id, agent, target.username if target else "queue")
    return handoff


async def _finish(
    db: casedb.Database,
    bridge: RasaBridge,
    handoff_id: int,
    agent: str,
    now: datetime,
    outcome: str,
    hidden_branch: Optional[str],
    remote: Optional[str],
) -> Handoff:
    async with db.reading() as s:
        handoff, _ = await _locked(s, handoff_id, hidden_branch)
        _check_open(handoff)
        _check_holder(handoff, agent)
        conversation_id = handoff.conversation_id
    # Mark it as finishing before Rasa hears of it (compare-and-set): a second release or
    # close, or a claim by another agent, meanwhile gets a 409 instead of a second goodbye to
    # the customer. A mark left by a crashed process goes stale after FINISH_TIMEOUT.
    async with db.writing() as s:
        marked = await s.execute(
            update(Handoff)
            .where(
                Handoff.id == handoff_id,
                Handoff.status.in_(OPEN_STATUSES),
                or_(Handoff.claimed_by.is_(None), Handoff.claimed_by == agent),
                or_(Handoff.outcome.is_(None), Handoff.updated_at < now - FINISH_TIMEOUT),
            )
            .values(outcome=outcome, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if marked.rowcount != 1:
            raise Conflict(
                f"转人工会话 #{handoff_id} 已被其他坐席接入或正在处理，请刷新后查看。",
                code="handoff_finishing",
            )
    # Rasa first: if it cannot take the conversation back, the handoff stays open and the
    # agent keeps it — never a closed handoff with a bot that is still paused
    try:
        if outcome == RELEASED:
            await bridge.release(conversation_id)
        else:
            await bridge.close(conversation_id)
    except RasaUnavailable as exc:
        log.warning("handoff %s not %s: Rasa unavailable (%s %s)", handoff_id, outcome, exc.operation, exc.detail)
        async with db.writing() as s:
            await s.execute(
                update(Handoff).where(Handoff.id == handoff_id, Handoff.status.in_(OPEN_STATUSES))
                .values(outcome=None).execution_options(synchronize_session=False)
            )
        raise ServiceUnavailable(
            "抱歉，暂时无法连接对话机器人，会话仍由您接管。请稍后重试，或继续与客户沟通。",
            code="rasa_unavailable",
        )
    # what the customer wrote since the last sync pass would otherwise never be copied
    try:
        await sync_handoff(db, bridge, handoff_id)
    except RasaUnavailable:
        pass
    async with db.writing() as s:
        handoff, case = await _locked(s, handoff_id, None)
        if handoff.status in OPEN_STATUSES and handoff.outcome == outcome:
            handoff.status, handoff.closed_at = CLOSED, now
            handoff.claimed_by = handoff.claimed_by or agent
            handoff.updated_at = now
            handoff.agent_typing_until = None
            s.add(CaseEvent(case_id=case.id, at=now, actor=agent, kind="handoff", field="handoff", old_value=None, new_value=outcome, note="转人工结束"))
            casedb.audit(s, now, agent, f"handoff.{'release' if outcome == RELEASED else 'close'}", case.case_no, remote)
    log.info("handoff finished id=%s outcome=%s by=%s", handoff_id, handoff.outcome, agent)
    return handoff


async def release(
    db: casedb.Database,
    bridge: RasaBridge,
    handoff_id: int,
    agent: str,
    now: datetime,
    *,
    hidden_branch: Optional[str] = None,
    remote: Optional[str] = None,
) -> Handoff:
    """Back to the bot (outcome `released`); 503 and still open when Rasa is unreachable."""
    return await _finish(db, bridge, handoff_id, agent, now, RELEASED, hidden_branch, remote)


async def close(
    db: casedb.Database,
    bridge: RasaBridge,
    handoff_id: int,
    agent: str,
    now: datetime,
    *,
    hidden_branch: Optional[str] = None,
    remote: Optional[str] = None,
) -> Handoff:
    """Ends the conversation (outcome `closed`); 503 and still open when Rasa is unreachable."""
    return await _finish(db, bridge, handoff_id, agent, now, CLOSED, hidden_branch, remote)


# ---------------------------------------------------------------------------------------------
# Sync: the customer's messages from Rasa's tracker into the case transcript


def _clean_text(value: str) -> str:
    # PostgreSQL refuses NUL, and a lone surrogate cannot be encoded: either would stop the
    # sync of this handoff for good
    value = value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return value.strip()[:MAX_SYNCED_TEXT]


def turn_key(timestamp: float) -> str:
    """The dedup key of a copied message: the same in every case-desk process, so two sync
    loops (two desks) insert each message once, through the (case_id, turn_key) constraint."""
    return f"rasa:{timestamp!r}"


async def _sync_row(db: casedb.Database, bridge: RasaBridge, row: Any) -> int:
    tracker = await bridge.tracker(row.conversation_id)
    return await _copy_turns(db, row, user_events(tracker))


async def _copy_turns(db: casedb.Database, row: Any, events: Sequence[Dict[str, Any]]) -> int:
    """Copies a handoff's customer messages (Rasa `user` events) newer than its mark into the
    case transcript, each once (the (case_id, turn_key) constraint), and moves the mark on."""
    after = synced_mark(row)
    new = [e for e in events if float(e["timestamp"]) > after]
    if not new:
        return 0
    now = db.settings.clock()
    last = max(float(e["timestamp"]) for e in new)
    inserted = 0
    async with db.writing() as s:
        upsert = _upsert(db)
        name_enc = (
            await s.execute(select(Case.customer_name_enc).where(Case.id == row.case_id))
        ).scalar_one_or_none()
        names = pii.case_names(db.cipher, name_enc)
        for event in new:
            ts = float(event["timestamp"])
            body = _clean_text(event["text"])
            if not body:
                continue
            text, text_enc = pii.seal(db.cipher, body, names)
            stmt = (
                upsert(TranscriptTurn.__table__)
                .values(
                    case_id=row.case_id,
                    turn_key=turn_key(ts),
                    role=Role.CUSTOMER.value,
                    text=text,
                    text_enc=text_enc,
                    at=datetime.fromtimestamp(ts, timezone.utc),
                )
                .on_conflict_do_nothing(index_elements=["case_id", "turn_key"])
            )
            inserted += max((await s.execute(stmt)).rowcount, 0)
        # only forwards: a slower concurrent pass must not move the mark back
        await s.execute(
            update(Handoff)
            .where(
                Handoff.id == row.id,
                or_(Handoff.synced_until.is_(None), Handoff.synced_until < last),
            )
            .values(synced_until=last, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return inserted


async def sync_handoff(db: casedb.Database, bridge: RasaBridge, handoff_id: int) -> int:
    """One handoff's new customer messages; returns how many turns were added."""
    async with db.reading() as s:
        row = (
            await s.execute(
                select(Handoff.id, Handoff.conversation_id, Handoff.case_id, Handoff.synced_until, Handoff.created_at)
                .where(Handoff.id == handoff_id)
            )
        ).first()
    return 0 if row is None else await _sync_row(db, bridge, row)


async def sync_once(db: casedb.Database, bridge: RasaBridge, feed: Optional[Feed] = None) -> int:
    """One pass over every open handoff (the loop's body; tests call it directly).

    With a `feed` (event_feed.py: what Rasa stored since the last pass, one query for all open
    handoffs; broker_feed.py: what Rasa published to RabbitMQ) the pass costs the same however
    many handoffs are open. Without one, or while the feed cannot be read, each open handoff's
    tracker is fetched from Rasa's HTTP API. The feed hears `copied()` once the pass has copied
    what it was given.
    A handoff can reach the desk after what its customer wrote was stored and published: the
    bot files it through its outbox, later when the desk was down. A pass therefore goes on
    whenever a handoff is new to the feed (a higher handoff id than it has seen), and the feed
    reads such a handoff's whole conversation: the event feed from the table, the broker feed by
    a tracker fetch (`feed.unseen`), once.
    Returns how many turns were added; raises RasaUnavailable when Rasa did not answer."""
    newest = None
    if feed is not None:
        async with db.reading() as s:
            newest = (await s.execute(select(func.max(Handoff.id)))).scalar() or 0
        if newest == feed.newest_handoff and await feed.quiet():
            return 0
    async with db.reading() as s:
        rows = (
            await s.execute(
                select(Handoff.id, Handoff.conversation_id, Handoff.case_id, Handoff.synced_until, Handoff.created_at)
                .where(Handoff.status.in_(OPEN_STATUSES))
                .order_by(Handoff.id)
            )
        ).all()
    if feed is not None:
        found = await feed.customer_messages(rows)
        if found is not None:
            added = 0
            for row in feed.unseen:
                added += await _sync_row(db, bridge, row)
            for row in rows:
                if found.get(row.conversation_id):
                    added += await _copy_turns(db, row, found[row.conversation_id])
            await feed.copied()
            feed.newest_handoff = newest or 0
            return added
    added = await _fetch_trackers(db, bridge, rows)
    if feed is not None:
        # the trackers held whatever the feed had taken for this pass
        await feed.copied()
        feed.newest_handoff = newest or 0
    return added


async def _fetch_trackers(db: casedb.Database, bridge: RasaBridge, rows: Sequence[Any]) -> int:
    if not rows:
        return 0
    gate = asyncio.Semaphore(SYNC_CONCURRENCY)

    async def one(row: Any) -> int:
        async with gate:
            return await _sync_row(db, bridge, row)

    results = await asyncio.gather(*(one(r) for r in rows), return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        raise errors[0]
    return sum(r for r in results if isinstance(r, int))


async def callback_pass(db: casedb.Database, bridge: RasaBridge) -> None:
    """After a sync pass (synced_until is current): waiting handoffs whose customer went quiet
    move to the call-back queue, and customers who have not heard of their call-back are told
    (callbacks.py). A message written just before the move is copied still: the case keeps it."""
    now = db.settings.clock()
    for handoff_id in await callbacks.move_idle(db, now):
        await sync_handoff(db, bridge, handoff_id)
    await callbacks.tell_customers(db, bridge, now)


# further passes the loop runs after the sync and the call-backs (main.py sets them: the
# auto-assignment of assignment.py, which builds on this module and so cannot be imported here)
LoopPass = Callable[[casedb.Database, RasaBridge], Awaitable[Any]]
LOOP_PASSES_KEY: web.AppKey[Sequence[LoopPass]] = web.AppKey("casedesk_handoff_loop_passes", Sequence)


async def sync_loop(
    db: casedb.Database, bridge: RasaBridge, interval: float, stop: Optional[asyncio.Event] = None,
    passes: Sequence[LoopPass] = (), feed: Optional[Feed] = None,
) -> None:
    """Runs for the app's life (rasa_context below) until `stop` is set. One warning when
    Rasa goes away and one line when it is back, not one per pass; no conversation text is
    ever logged. Stopping between passes, not by cancellation mid-query, keeps aiosqlite's
    worker thread from answering into a closed event loop at shutdown."""
    stop = stop or asyncio.Event()
    failing: Optional[str] = None
    while True:
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
            return
        except asyncio.TimeoutError:
            pass
        try:
            await sync_once(db, bridge, feed)
            await callback_pass(db, bridge)
            for extra in passes:
                await extra(db, bridge)
            if failing is not None:
                log.info("handoff sync working again")
                failing = None
        except asyncio.CancelledError:
            raise
        except RasaUnavailable as exc:
            if failing != "rasa":
                log.warning("handoff sync: Rasa unavailable (%s %s); retrying every %.1f s", exc.operation, exc.detail, interval)
                failing = "rasa"
        except Exception as exc:  # the loop must outlive a database hiccup
            kind = type(exc).__name__
            if failing != kind:
                log.warning("handoff sync failed (%s); retrying every %.1f s", kind, interval)
                failing = kind


async def rasa_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx (after db_context): the Rasa client session and the handoff sync loop. It
    lives with the service, which imports the bridge; the bridge knows nothing of handoffs."""
    settings: Settings = app[SETTINGS_KEY]
    session = aiohttp.ClientSession()
    bridge = RasaBridge(settings, session)
    app[RASA_KEY] = bridge
    task: Optional[asyncio.Task] = None
    stop = asyncio.Event()
    feed: Optional[Feed] = None
    if settings.handoff_sync_seconds > 0:
        if settings.handoff_sync_source == "events":
            feed = EventFeed(settings.tracker_db_url)
        elif settings.handoff_sync_source == "rabbitmq":
            feed = BrokerFeed(settings.rabbitmq_url, settings.rabbitmq_queue)
            feed.start()
        task = asyncio.create_task(
            sync_loop(
                app[casedb.DB_KEY], bridge, settings.handoff_sync_seconds, stop, app.get(LOOP_PASSES_KEY, ()), feed
            ),
            name="casedesk-handoff-sync",
        )
    try:
        yield
    finally:
        if task is not None:
            stop.set()
            # a pass in progress may finish its queries; a hung Rasa call is cut short
            done, _ = await asyncio.wait({task}, timeout=settings.rasa_timeout_seconds + 1)
            if not done:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if feed is not None:
            await feed.dispose()
        await session.close()
