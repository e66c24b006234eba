"""The case desk's database: engine life (app.cleanup_ctx), migrations, and every query.

Same code on SQLite (embedded default) and PostgreSQL (production). Writes go through
`Database.writing()`, which on SQLite takes the write lock up front (BEGIN IMMEDIATE) and on
PostgreSQL relies on row locks, chiefly the per-day counter row every create updates first.
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, AsyncIterator, Dict, List, Optional, Sequence, Tuple

from aiohttp import web
from alembic import command
from alembic.config import Config
from sqlalchemy import and_, func, insert, not_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import AsyncAdaptedQueuePool

from bot.branches import label as branch_label, resolve_code

from bot.casedesk.cases import case_rules, pii
from bot.casedesk.appkeys import SETTINGS_KEY
from bot.crypto import PiiCipher
from bot.casedesk.dbconfig import SQLITE_IMMEDIATE, connect_args, install_sqlite_hooks, is_sqlite, sync_url
from bot.casedesk.cases.case_rules import Category, HandoffReason, Priority, Status
from bot.casedesk.api.errors import Conflict, NotFound
from bot.casedesk.models import AuditEntry, Case, CaseDecision, CaseEvent, CasePause, TranscriptTurn
from bot.casedesk.cases.schemas import CasePatch, ListQuery, NewCase, NewTurn, format_amount
from bot.casedesk.settings import REPO_ROOT, Settings

log = logging.getLogger(__name__)

MIGRATIONS_DIR = REPO_ROOT / "bot" / "casedesk" / "migrations"


def alembic_config(settings: Settings) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["sync_url"] = sync_url(settings.db_url)
    cfg.attributes["schema"] = settings.db_schema
    # 0005 seals the free text already stored (pii.py) with the app's key
    cfg.attributes["secret_key"] = settings.secret_key
    return cfg


# Alembic keeps its migration context in module globals: two runs in one process (several apps
# in a test process) must take turns. Across processes the database itself serialises them.
_ALEMBIC_LOCK = threading.Lock()


def run_migrations(settings: Settings, revision: str = "head") -> None:
    with _ALEMBIC_LOCK:
        command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str = "base") -> None:
    with _ALEMBIC_LOCK:
        command.downgrade(alembic_config(settings), revision)


class Database:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        url = settings.db_url
        self.sqlite = is_sqlite(url)
        options: Dict[str, Any] = dict(
            future=True,
            # SQL errors would otherwise print bound values: descriptions can hold PII
            hide_parameters=True,
            connect_args=connect_args(url, settings.db_schema),
            pool_size=settings.db_pool_size,
        )
        if self.sqlite:
            # the dialect's default (NullPool) opens a connection and a thread per request
            options.update(poolclass=AsyncAdaptedQueuePool, max_overflow=0)
        else:
            options.update(max_overflow=10, pool_pre_ping=True)
        self.engine = create_async_engine(url, **options)
        writer = self.engine
        if self.sqlite:
            install_sqlite_hooks(self.engine.sync_engine, settings.sqlite_busy_timeout_ms)
            writer = self.engine.execution_options(**{SQLITE_IMMEDIATE: True})
        # seals free text (pii.py) wherever it is written: the same key as the app's cipher
        self.cipher = PiiCipher(settings.secret_key)
        self._reader = sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._writer = sessionmaker(writer, class_=AsyncSession, expire_on_commit=False)
        # SQLite has one writer at a time anyway; queueing here instead of in SQLite's busy
        # handler (which sleeps in steps) keeps latency low. Other processes still meet the
        # busy timeout.
        self._write_lock: Optional[asyncio.Lock] = asyncio.Lock() if self.sqlite else None

    @property
    def dialect(self) -> str:
        return "sqlite" if self.sqlite else "postgresql"

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self._reader() as session:
            yield session

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        if self._write_lock is None:
            async with self._writer() as session, session.begin():
                yield session
            return
        async with self._write_lock:
            async with self._writer() as session, session.begin():
                yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


DB_KEY = web.AppKey("casedesk_db", Database)


async def db_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: migrate, open the engine, and close it when the app stops."""
    settings = app[SETTINGS_KEY]
    # Alembic is synchronous; nothing is served yet, a thread keeps the loop free anyway
    await asyncio.get_running_loop().run_in_executor(None, run_migrations, settings)
    db = Database(settings)
    app[DB_KEY] = db
    log.info("case desk database ready (%s)", db.dialect)
    yield
    await db.dispose()


async def ping(db: Database) -> None:
    async with db.reading() as s:
        await s.execute(text("SELECT 1"))


# ---------------------------------------------------------------------------------------------
# Case numbers

# One statement, atomic on both backends: the row lock (PostgreSQL) or the write lock (SQLite)
# serialises concurrent creates, so two requests can never read the same value.
_NEXT_SEQ = text(
    "INSERT INTO case_counters (day, value) VALUES (:day, 1) "
    "ON CONFLICT (day) DO UPDATE SET value = case_counters.value + 1 "
    "RETURNING value"
)


async def next_case_no(s: AsyncSession, now: datetime) -> str:
    day = case_rules.case_day(now)
    seq = (await s.execute(_NEXT_SEQ, {"day": day})).scalar_one()
    return case_rules.format_case_no(day, int(seq))


# ---------------------------------------------------------------------------------------------
# Reads


async def find_by_intake(s: AsyncSession, conversation_id: str, intake_id: str) -> Optional[Case]:
    stmt = select(Case).where(
        Case.conversation_id == conversation_id, Case.intake_id == intake_id
    )
    return (await s.execute(stmt)).scalar_one_or_none()


async def _case_or_404(s: AsyncSession, case_no: str, lock: bool = False) -> Case:
    stmt = select(Case).where(Case.case_no == case_no)
    if lock:
        stmt = stmt.with_for_update()
    case = (await s.execute(stmt)).scalar_one_or_none()
    if case is None:
        raise NotFound(f"未找到案件 {case_no}，请核对案件编号。")
    return case


def overdue_clause(now: datetime) -> Any:
    """SQL twin of `case_rules.overdue_deadlines(...) != []`, through the stored next deadline."""
    return and_(Case.next_due_at.isnot(None), Case.next_due_at < now)


def _refresh_next_due(case: Case) -> None:
    case.next_due_at = case_rules.next_due_at(case.sla_state())


def _filters(q: ListQuery, now: datetime) -> List[Any]:
    conds: List[Any] = []
    if q.conversation_id:
        conds.append(Case.conversation_id == q.conversation_id)
    if q.statuses:
        conds.append(Case.status.in_([v.value for v in q.statuses]))
    if q.priorities:
        conds.append(Case.priority.in_([v.value for v in q.priorities]))
    if q.categories:
        conds.append(Case.category.in_([v.value for v in q.categories]))
    if q.business_lines:
        conds.append(Case.business_line.in_([v.value for v in q.business_lines]))
    if q.owner:
        conds.append(Case.owner == q.owner)
    if q.overdue is not None:
        clause = overdue_clause(now)
        conds.append(clause if q.overdue else not_(clause))
    # `==`, not IS: SQLite uses an index for equality on a boolean column
    if q.repeat is not None:
        conds.append(Case.repeat_flag == q.repeat)
    if q.group is not None:
        conds.append(Case.group_flag == q.group)
    return conds


async def list_cases(db: Database, q: ListQuery, now: datetime) -> Tuple[List[Case], int]:
    conds = _filters(q, now)
    order = (Case.created_at.desc(), Case.id.desc())
    # pick the page's ids first: sorting narrow (created_at, id) rows instead of whole cases is
    # what keeps a filtered page fast on a large table (the status index covers it)
    page = select(Case.id).where(*conds).order_by(*order).limit(q.limit).offset(q.offset)
    stmt = select(Case).where(Case.id.in_(page)).order_by(*order)
    count = select(func.count()).select_from(Case).where(*conds)
    async with db.reading() as s:
        items = list((await s.execute(stmt)).scalars())
        total = int((await s.execute(count)).scalar_one())
    return items, total


async def list_overdue(db: Database, now: datetime, limit: int = 500) -> List[Case]:
    """For a scheduler or a supervisor report; the API exposes it as ?overdue=true."""
    stmt = (
        select(Case)
        .where(overdue_clause(now))
        .order_by(Case.next_due_at, Case.id)
        .limit(limit)
    )
    async with db.reading() as s:
        return list((await s.execute(stmt)).scalars())


def audit(
    s: AsyncSession, now: datetime, actor: str, action: str, case_no: Optional[str], remote: Optional[str],
    detail: Optional[str] = None,
) -> None:
    """One audit-log row in the caller's transaction (the handoff service records its steps too)."""
    s.add(AuditEntry(at=now, actor=actor, action=action, case_no=case_no, remote=remote, detail=detail))


def audit_in(
    s: AsyncSession, now: datetime, actor: str, action: str, case_no: Optional[str], remote: Optional[str]
) -> None:
    """An audit row inside the caller's own write transaction (the action and its audit row
    are committed together)."""
    audit(s, now, actor, action, case_no, remote)


async def record_audit(
    db: Database, now: datetime, actor: str, action: str, case_no: Optional[str], remote: Optional[str],
    detail: Optional[str] = None,
) -> None:
    """An audit row on its own, for reads that do not go through read_case (`detail`: what an
    action on many cases covered, never customer data in full)."""
    async with db.writing() as s:
        audit(s, now, actor, action, case_no, remote, detail)


async def read_case(
    db: Database, case_no: str, actor: str, remote: Optional[str]
) -> Tuple[Case, List[TranscriptTurn], List[CaseEvent]]:
    """The full case; the audit row is in the same transaction, so no read goes unrecorded."""
    async with db.writing() as s:
        case = await _case_or_404(s, case_no)
        turns = (
            await s.execute(
                select(TranscriptTurn)
                .where(TranscriptTurn.case_id == case.id)
                .order_by(TranscriptTurn.at, TranscriptTurn.id)
            )
        ).scalars()
        events = (
            await s.execute(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.at, CaseEvent.id)
            )
        ).scalars()
        turns_l, events_l = list(turns), list(events)
        audit(s, db.settings.clock(), actor, "read", case_no, remote)
    return case, turns_l, events_l


async def audit_trail(db: Database, case_no: str) -> List[AuditEntry]:
    async with db.reading() as s:
        stmt = select(AuditEntry).where(AuditEntry.case_no == case_no).order_by(AuditEntry.id)
        return list((await s.execute(stmt)).scalars())


# ---------------------------------------------------------------------------------------------
# Create


async def _repeat_source(
    s: AsyncSession, phone_hash: Optional[str], category: Category, now: datetime
) -> Optional[str]:
    if not phone_hash:
        return None
    stmt = (
        select(Case.case_no)
        .where(
            Case.phone_hash == phone_hash,
            Case.category == category.value,
            Case.created_at >= now - case_rules.REPEAT_WINDOW,
        )
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(1)
    )
    return (await s.execute(stmt)).scalar_one_or_none()


async def _apply_group_rule(s: AsyncSession, case: Case, now: datetime) -> None:
    if not case.branch or not case.phone_hash:
        return
    # same branch: the directory branch when resolved ("北京市人民路支行" = "人民路支行"),
    # else the string as said
    same_branch = (
        Case.branch_code == case.branch_code if case.branch_code else Case.branch == case.branch
    )
    rows = (
        await s.execute(
            select(Case.id, Case.phone_hash, Case.group_flag, Case.group_key)
            .where(
                same_branch,
                Case.category == case.category,
                Case.created_at >= now - case_rules.GROUP_WINDOW,
                Case.phone_hash.isnot(None),
                Case.id != case.id,
            )
            .order_by(Case.id.desc())
        )
    ).all()
    if not case_rules.is_group([case.phone_hash] + [r.phone_hash for r in rows]):
        return
    key = next((r.group_key for r in rows if r.group_key), None) or case_rules.group_key(
        case.branch_code or case.branch, Category(case.category), now
    )
    case.group_flag, case.group_key = True, key
    newly = [r.id for r in rows if not r.group_flag]
    if newly:
        await s.execute(
            update(Case)
            .where(Case.id.in_(newly))
            .values(group_flag=True, group_key=func.coalesce(Case.group_key, key), updated_at=now)
            .execution_options(synchronize_session=False)
        )
        for case_id in newly:
            s.add(CaseEvent(case_id=case_id, at=now, actor="system", kind="flag", field="group_flag", old_value="false", new_value="true", note=key))


async def create_case(
    db: Database,
    new: NewCase,
    cipher: PiiCipher,
    actor: str,
    remote: Optional[str],
) -> Tuple[Case, bool]:
    """Returns (case, created). A repeat of (conversation_id, intake_id) returns the first case."""
    try:
        async with db.writing() as s:
            # the idempotency check shares the write transaction: on SQLite every statement is a
            # thread hop, and a separate read transaction cost three more of them per create
            existing = await find_by_intake(s, new.conversation_id, new.intake_id)
            if existing is not None:
                return existing, False
            # the counter first: on PostgreSQL its row lock orders concurrent creates, so the
            # repeat/group look-ups below see every case committed before this one
            now = db.settings.clock()
            case_no = await next_case_no(s, now)
            priority = case_rules.effective_priority(new.priority, new.handoff_reason)
            sla = case_rules.sla_deadlines(now, priority)
            phone_hash = cipher.phone_hash(new.phone)
            names = [new.customer_name] if new.customer_name else []
            description, description_enc = pii.seal(cipher, new.description, names)
            demand, demand_enc = pii.seal(cipher, new.demand, names)
            repeat_of = await _repeat_source(s, phone_hash, new.category, now)
            case = Case(
                case_no=case_no,
                conversation_id=new.conversation_id,
                intake_id=new.intake_id,
                channel=new.channel.value,
                status=Status.NEW.value,
                category=new.category.value,
                business_line=new.business_line.value,
                priority=priority.value,
                customer_name_enc=cipher.encrypt(new.customer_name),
                customer_name_masked=case_rules.mask_name(new.customer_name),
                customer_name_hash=pii.name_hash(cipher, new.customer_name),
                phone_enc=cipher.encrypt(new.phone),
                phone_hash=phone_hash,
                phone_masked=case_rules.mask_phone(new.phone),
                branch=new.branch,
                branch_code=resolve_code(new.branch),
                occurred_at=new.occurred_at,
                amount_fen=new.amount_fen,
                description=description,
                description_enc=description_enc,
                demand=demand,
                demand_enc=demand_enc,
                confidential=new.confidential,
                compensation_requested=new.compensation_requested,
                handoff_reason=new.handoff_reason.value if new.handoff_reason else None,
                escalation_signals=list(new.escalation_signals),
                owner=case_rules.route_queue(priority, new.category),
                contact_due_at=sla.contact_due_at,
                reply_due_at=sla.reply_due_at,
                decision_due_at=sla.decision_due_at,
                extended=False,
                decision_days=case_rules.DECISION_DAYS,
                paused_days=0,
                repeat_of=repeat_of,
                repeat_flag=repeat_of is not None,
                group_flag=False,
                created_at=now,
                updated_at=now,
            )
            _refresh_next_due(case)
            s.add(case)
            await s.flush()
            await _apply_group_rule(s, case, now)
            if new.transcript:
                # one executemany; turn keys cannot clash yet in a case this new
                await s.execute(
                    insert(TranscriptTurn.__table__),
                    [_turn_row(case.id, t, now, cipher, names) for t in new.transcript],
                )
            s.add(CaseEvent(case_id=case.id, at=now, actor=actor, kind="created", field="status", new_value=Status.NEW.value, note=case.owner))
            audit(s, now, actor, "create", case_no, remote)
    except IntegrityError:
        # a concurrent duplicate won the unique constraint: answer with its case
        async with db.reading() as s:
            existing = await find_by_intake(s, new.conversation_id, new.intake_id)
        if existing is None:
            raise
        return existing, False
    log.info(
        "case created case_no=%s priority=%s category=%s owner=%s phone=%s repeat_of=%s group=%s",
        case.case_no, case.priority, case.category, case.owner, case.phone_masked,
        case.repeat_of, case.group_key,
    )
    return case, True


# ---------------------------------------------------------------------------------------------
# Transcript


def _turn_row(
    case_id: int, turn: NewTurn, now: datetime, cipher: PiiCipher, names: Sequence[str]
) -> Dict[str, Any]:
    text, text_enc = pii.seal(cipher, turn.text, names)
    return dict(case_id=case_id, turn_key=turn.turn_key, role=turn.role.value, text=text, text_enc=text_enc, at=turn.at or now)


async def _insert_turns(
    s: AsyncSession, db: Database, case: Case, turns: Sequence[NewTurn], now: datetime
) -> int:
    upsert = sqlite_insert if db.sqlite else pg_insert
    table = TranscriptTurn.__table__
    names = pii.case_names(db.cipher, case.customer_name_enc)
    inserted = 0
    for turn in turns:
        stmt = upsert(table).values(**_turn_row(case.id, turn, now, db.cipher, names))
        if turn.turn_key is not None:
            # a retried delivery of the same turn is not a second turn
            stmt = stmt.on_conflict_do_nothing(index_elements=["case_id", "turn_key"])
        result = await s.execute(stmt)
        inserted += max(result.rowcount, 0)
    return inserted


async def append_turns(
    db: Database, case_no: str, turns: Sequence[NewTurn], actor: str, remote: Optional[str]
) -> Tuple[int, int]:
    async with db.writing() as s:
        case = await _case_or_404(s, case_no, lock=True)
        now = db.settings.clock()
        appended = await _insert_turns(s, db, case, turns, now)
        if appended:
            case.updated_at = now
        audit(s, now, actor, "transcript", case_no, remote)
        total = (
            await s.execute(
                select(func.count()).select_from(TranscriptTurn).where(TranscriptTurn.case_id == case.id)
            )
        ).scalar_one()
    return appended, int(total)


# ---------------------------------------------------------------------------------------------
# Changes

# API field → model attribute, for fields stored as they are (name and phone are not: see below)
_PLAIN_FIELDS: Dict[str, str] = {
    "category": "category",
    "business_line": "business_line",
    "priority": "priority",
    "branch": "branch",
    "branch_code": "branch_code",
    "occurred_at": "occurred_at",
    "amount": "amount_fen",
    "confidential": "confidential",
    "compensation_requested": "compensation_requested",
    "handoff_reason": "handoff_reason",
    "escalation_signals": "escalation_signals",
}


# free text stored masked with its full text encrypted in <attr>_enc (pii.py)
_SEALED_FIELDS: Dict[str, str] = {"description": "description", "demand": "demand"}


def _show(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _apply_correction(case: Case, name: str, value: Any, cipher: PiiCipher) -> Optional[Tuple[Optional[str], Optional[str]]]:
    """Sets one corrected field; returns (old, new) for the history, or None if unchanged.
    Name and phone are re-encrypted and their history keeps masked values only."""
    if name == "customer_name":
        if value == cipher.decrypt(case.customer_name_enc):
            return None
        old = case.customer_name_masked
        case.customer_name_enc = cipher.encrypt(value)
        case.customer_name_masked = case_rules.mask_name(value)
        case.customer_name_hash = pii.name_hash(cipher, value)
        return old, case.customer_name_masked
    if name == "phone":
        if cipher.phone_hash(value) == case.phone_hash:
            return None
        old = case.phone_masked
        case.phone_enc = cipher.encrypt(value)
        case.phone_hash = cipher.phone_hash(value)
        case.phone_masked = case_rules.mask_phone(value)
        return old, case.phone_masked
    if name in _SEALED_FIELDS:
        attr = _SEALED_FIELDS[name]
        current_full = pii.reveal(cipher, getattr(case, attr), getattr(case, f"{attr}_enc"))
        if value == current_full:
            return None
        old = getattr(case, attr)
        masked, enc = pii.seal(cipher, value, pii.case_names(cipher, case.customer_name_enc))
        setattr(case, attr, masked)
        setattr(case, f"{attr}_enc", enc)
        # the history keeps masked text only, like name and phone
        return old, masked
    attr = _PLAIN_FIELDS[name]
    stored = value.value if isinstance(value, case_rules.StrEnum) else value
    if isinstance(stored, list):
        stored = list(stored)
    current = getattr(case, attr)
    if current == stored:
        return None
    setattr(case, attr, stored)
    if name == "amount":
        return format_amount(current), format_amount(stored)
    if name == "branch_code":
        return branch_label(current), branch_label(stored)
    return _show(current), _show(stored)


async def patch_case(
    db: Database,
    case_no: str,
    patch: CasePatch,
    cipher: PiiCipher,
    actor: str,
    remote: Optional[str],
) -> Case:
    """Status change, corrections and assignment in one transaction, with history rows and one
    audit row (PATCH /api/cases/{no} and the console's forms)."""
    case, _ = await _patch_case(db, case_no, patch, cipher, actor, remote)
    return case


async def correct_case(
    db: Database,
    case_no: str,
    field: str,
    value: Any,
    reason: str,
    cipher: PiiCipher,
    actor: str,
    remote: Optional[str],
) -> Tuple[Case, bool]:
    """The console's 更正案件信息: one field the customer told an agent, with the reason, through
    the same path as the API's PATCH; only while the case is being handled (新建、已联系客户、处理中).
    Returns (case, whether anything changed)."""
    patch = CasePatch(note=reason, changes={field: value})
    case, events = await _patch_case(db, case_no, patch, cipher, actor, remote, correction=True)
    return case, any(e.kind == "correction" for e in events)


async def _patch_case(
    db: Database,
    case_no: str,
    patch: CasePatch,
    cipher: PiiCipher,
    actor: str,
    remote: Optional[str],
    correction: bool = False,
) -> Tuple[Case, List[CaseEvent]]:
    """`correction` (correct_case): only an open case, and a correction to the value it already
    has writes nothing at all (no note row, no audit row)."""
    async with db.writing() as s:
        case = await _case_or_404(s, case_no, lock=True)
        if correction and Status(case.status) not in case_rules.OPEN_STATUSES:
            raise Conflict(
                f"案件已是“{case_rules.STATUS_LABELS[Status(case.status)]}”，不能再更正案件信息；"
                "如客户反映的情况需要更正，请先将案件重新变更为“处理中”。",
                code="case_not_open",
            )
        now = db.settings.clock()
        events: List[CaseEvent] = []
        # the note (a correction's reason) is stored and audited masked like the values: numbers
        # and the customer's name, the name before and after a correction
        new_name = patch.changes.get("customer_name")
        names = pii.case_names(cipher, case.customer_name_enc) + ([new_name] if isinstance(new_name, str) else [])
        note = pii.mask(patch.note, names)

        def event(kind: str, field: Optional[str], old: Optional[str], new: Optional[str]) -> None:
            events.append(CaseEvent(case_id=case.id, at=now, actor=actor, kind=kind, field=field, old_value=old, new_value=new, note=note))

        if patch.status is not None and patch.status.value != case.status:
            current = Status(case.status)
            case_rules.check_transition(current, patch.status)
            await _check_lifecycle(s, case, patch.status, now, actor)
            m = case_rules.milestones_after(
                patch.status, now,
                case_rules.Milestones(case.contacted_at, case.replied_at, case.resolved_at),
            )
            case.contacted_at, case.replied_at, case.resolved_at = m.contacted_at, m.replied_at, m.resolved_at
            case.status = patch.status.value
            event("status", "status", current.value, patch.status.value)

        branch_before = case.branch
        # the name first: a corrected name is masked in the description changed with it
        for name, value in sorted(patch.changes.items(), key=lambda kv: kv[0] != "customer_name"):
            changed = _apply_correction(case, name, value, cipher)
            if changed is not None:
                event("correction", name, *changed)
                if name == "customer_name":
                    await reseal_case_text(s, case, cipher)
        if case.branch != branch_before and "branch_code" not in patch.changes:
            # a corrected branch is resolved again: hiding follows the branch's identity, and an
            # unresolvable correction leaves the case unresolved (hidden) for a supervisor
            changed = _apply_correction(case, "branch_code", resolve_code(case.branch), cipher)
            if changed is not None:
                event("correction", "branch_code", *changed)

        # a handoff always means high priority; SLA clocks and the queue follow the priority
        reason = HandoffReason(case.handoff_reason) if case.handoff_reason else None
        priority = case_rules.effective_priority(Priority(case.priority), reason)
        if priority.value != case.priority:
            event("correction", "priority", case.priority, priority.value)
            case.priority = priority.value
        sla = case_rules.sla_deadlines(case.created_at, priority, extended=case.extended)
        case.contact_due_at, case.reply_due_at = sla.contact_due_at, sla.reply_due_at
        _refresh_next_due(case)

        if patch.owner is not None and patch.owner != case.owner:
            event("assign", "owner", case.owner, patch.owner)
            case.owner = patch.owner
        elif case_rules.is_queue(case.owner):
            queue = case_rules.route_queue(priority, Category(case.category))
            if queue != case.owner:
                event("assign", "owner", case.owner, queue)
                case.owner = queue

        if not events and patch.note and not correction:
            event("note", None, None, None)
        if events:
            case.updated_at = now
            s.add_all(events)
            # what changed (field names, never values) and why, the note masked as above
            detail = json.dumps({"fields": sorted({e.field or e.kind for e in events}), "note": note}, ensure_ascii=False)
            audit(s, now, actor, "update", case_no, remote, detail)
    if events:
        log.info("case updated case_no=%s changes=%s by=%s", case_no, ",".join(e.field or e.kind for e in events), actor)
    return case, events


async def reseal_case_text(s: AsyncSession, case: Case, cipher: PiiCipher) -> None:
    """Masks a case's stored free text again with its current customer name (after a name
    correction: the transcript may hold the right name, said before the case knew it)."""
    names = pii.case_names(cipher, case.customer_name_enc)
    for attr in _SEALED_FIELDS.values():
        full = pii.reveal(cipher, getattr(case, attr), getattr(case, f"{attr}_enc"))
        masked, enc = pii.seal(cipher, full, names)
        setattr(case, attr, masked)
        setattr(case, f"{attr}_enc", enc)
    turns = (await s.execute(select(TranscriptTurn).where(TranscriptTurn.case_id == case.id))).scalars()
    for turn in turns:
        full = pii.reveal(cipher, turn.text, turn.text_enc)
        turn.text, turn.text_enc = pii.seal(cipher, full, names)


# ---------------------------------------------------------------------------------------------
# The lifecycle's shared parts (issue 14): what a plain status change needs of it here, and what
# lifecycle.py builds its steps on


async def latest_decision(s: AsyncSession, case_id: int) -> Optional[CaseDecision]:
    """The decision in force: the case's latest."""
    stmt = select(CaseDecision).where(CaseDecision.case_id == case_id).order_by(CaseDecision.id.desc()).limit(1)
    return (await s.execute(stmt)).scalar_one_or_none()


def redate_decision(case: Case) -> None:
    """The decision deadline from the clock's columns, and the stored next deadline with it."""
    case.decision_due_at = case_rules.decision_due(case.decision_clock_from, case.decision_days, case.paused_days)
    _refresh_next_due(case)


async def close_running_pause(
    s: AsyncSession, case: Case, now: datetime, actor: str, note: Optional[str]
) -> Tuple[CasePause, int]:
    """Ends the running pause; its calendar days go onto the deadline."""
    assert case.paused_since is not None
    pause = (
        await s.execute(
            select(CasePause)
            .where(CasePause.case_id == case.id, CasePause.ended_at.is_(None))
            .order_by(CasePause.id.desc())
            .limit(1)
        )
    ).scalar_one()
    days = case_rules.paused_days_between(case.paused_since, now)
    pause.ended_at, pause.ended_by, pause.end_note, pause.days = now, actor, note, days
    case.paused_days += days
    case.paused_since = None
    redate_decision(case)
    return pause, days


async def _check_lifecycle(s: AsyncSession, case: Case, target: Status, now: datetime, actor: str) -> None:
    """What the lifecycle asks of a plain status change: no decision while the clock is paused,
    结案 only after the decision was told to the customer, and 撤诉 ends a running pause."""
    try:
        if target == Status.RESOLVED and case.paused_since is not None:
            case_rules.check_decision(Status(case.status), case.paused_since)
        if target == Status.CLOSED:
            decision = await latest_decision(s, case.id)
            case_rules.check_close(decision is not None, decision is not None and decision.notified_at is not None)
    except case_rules.LifecycleConflict as exc:
        raise Conflict(exc.message, code=exc.code)
    if target == Status.WITHDRAWN and case.paused_since is not None:
        await close_running_pause(s, case, now, actor, "客户撤诉，暂停随之结束")
