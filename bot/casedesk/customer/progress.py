"""Progress lookup: a customer asks in the chat how their complaint stands (issue 14).

The assistant sends what the customer typed — the case number (or none: "the latest case of this
conversation") and the last four digits of the phone given at filing. The phone is encrypted at
rest, so the comparison happens here; the action server never sees the phone. The answer holds
only what the customer may see: the status in plain words, the team that handles the case (never
a staff member's user name), the next deadline as a date, and the latest update meant for the
customer: the newest notice the customer was sent after the 受理 one (延期, 暂停, 恢复计时, 决定;
notices.py writes them from the case's history, in words meant for the customer). Internal
notes, the transcript and the history itself are never read here.

Nothing tells whether a case number exists before the check passes: an unknown number, a case
without a phone and wrong digits get the same answer, and they count alike as a wrong try.

Wrong tries are counted per conversation in the audit log (an entry per try, so a second case
desk instance sees the same count): three in a row lock that conversation's lookups for
LOCK_FOR, counted on the app's clock. Across conversations, CASE_MAX_FAILURES wrong tries on one
case number within CASE_WINDOW stop lookups of that number for everyone (a REST caller could
otherwise open conversation after conversation to guess 10,000 combinations).
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.casedesk import db as casedb
from bot.crypto import PiiCipher
from bot.casedesk.cases.case_rules import CHINA_TZ, CUSTOMER_ACTOR, OPEN_STATUSES, Category, Priority, Status, is_queue, pending_deadlines, route_queue
from bot.casedesk.api.errors import Conflict
from bot.casedesk.models import AuditEntry, Case, CaseNotice
from bot.casedesk.cases.schemas import CasePatch

MAX_FAILURES = 3
LOCK_FOR = timedelta(minutes=15)
# wrong tries older than this are forgotten (a lock lasts LOCK_FOR, so this only ends a streak
# of one or two wrong tries left long ago)
FAILURE_MEMORY = timedelta(hours=1)
CASE_MAX_FAILURES = 10
CASE_WINDOW = timedelta(hours=24)

# audit actions of this module
READ, DENIED, LOCKED = "progress_read", "progress_denied", "progress_locked"

# ── what the customer reads ────────────────────────────────────────────────────────────────────
# The status as a customer understands it (the console's STATUS_LABELS are the desk's words).
CUSTOMER_STATUS: Dict[Status, str] = {
    Status.NEW: "已受理，正在安排专人与您联系",
    Status.ACKNOWLEDGED: "专人已与您联系，正在核实情况",
    Status.IN_PROGRESS: "正在调查处理中",
    Status.RESOLVED: "已办结，处理结果已答复",
    Status.CLOSED: "已结案",
    Status.WITHDRAWN: "已按您的要求撤回",
}

# Who handles the case: the team behind the queue it was routed to. A case a person took keeps
# the team of its kind of case — the person's user name is the bank's business, not the customer's.
TEAM_LABELS: Dict[str, str] = {
    "queue:high_priority": "投诉处理中心加急处理组",
    "queue:transaction_dispute": "投诉处理中心交易争议组",
    "queue:staff_service": "投诉处理中心服务监督组",
    "queue:general": "投诉处理中心综合组",
}
DEFAULT_TEAM = "投诉处理中心"

# the commitment the next deadline is about, as the customer was told it at filing
DEADLINE_LABELS: Dict[str, str] = {
    "contact": "专人与您联系",
    "reply": "给您初步答复",
    "decision": "给您处理结果",
}


def customer_status(status: str) -> str:
    return CUSTOMER_STATUS[Status(status)]


def team_of(owner: str, priority: str, category: str) -> str:
    queue = owner if is_queue(owner) else route_queue(Priority(priority), Category(category))
    return TEAM_LABELS.get(queue, DEFAULT_TEAM)


@dataclass(frozen=True)
class Deadline:
    kind: str  # contact | reply | decision
    on: date  # Beijing date

    @property
    def label(self) -> str:
        return DEADLINE_LABELS[self.kind]


def next_deadline(case: Case) -> Optional[Deadline]:
    """The earliest commitment not met yet, as a Beijing date; None once the case is decided."""
    pending = pending_deadlines(case.sla_state())
    if not pending:
        return None
    kind, due = min(pending.items(), key=lambda item: item[1])
    return Deadline(kind=kind, on=due.astimezone(CHINA_TZ).date())


@dataclass(frozen=True)
class Progress:
    """What a verified customer sees. `latest_update` is the newest notice after 受理, dated, or
    None while the customer has been told of nothing since."""

    case_no: str
    status: str
    status_label: str
    handled_by: str
    deadline: Optional[Deadline]
    latest_update: Optional[str] = None


def progress_of(case: Case, latest: Optional[CaseNotice] = None) -> Progress:
    return Progress(
        case_no=case.case_no,
        status=case.status,
        status_label=customer_status(case.status),
        handled_by=team_of(case.owner, case.priority, case.category),
        deadline=next_deadline(case),
        latest_update=update_text(latest) if latest is not None else None,
    )


def update_text(notice: CaseNotice) -> str:
    """The notice as the customer was told it, with the day it was sent (Beijing time)."""
    day = notice.created_at.astimezone(CHINA_TZ)
    return f"（{day.month}月{day.day}日）{notice.text}"


# the 受理 notice only repeats what the status already says; the 回访 invitation is no news of the
# case (and its link belongs in the customer's notice, not read out again)
_NOT_AN_UPDATE = ("accepted", "survey")


async def _latest_notice(s: AsyncSession, case_id: int) -> Optional[CaseNotice]:
    stmt = (
        select(CaseNotice)
        .where(CaseNotice.case_id == case_id, CaseNotice.kind.not_in(_NOT_AN_UPDATE))
        .order_by(CaseNotice.created_at.desc(), CaseNotice.id.desc())
        .limit(1)
    )
    return (await s.execute(stmt)).scalars().first()


# ── the lock ───────────────────────────────────────────────────────────────────────────────────

def lock_until(tries: Sequence[Tuple[datetime, bool]], now: datetime) -> Tuple[Optional[datetime], int]:
    """From one conversation's tries (time, verified) in time order: until when its lookups are
    locked (None: not locked) and how many wrong tries in a row count now. Three wrong tries in a
    row lock for LOCK_FOR; a right one, or the end of a lock, starts the count afresh."""
    streak, until = 0, None
    for at, ok in tries:
        if until is not None and at >= until:
            streak, until = 0, None
        if until is not None:
            continue  # refused while locked: not a try
        if ok:
            streak = 0
        else:
            streak += 1
            if streak >= MAX_FAILURES:
                until = at + LOCK_FOR
    if until is not None and now >= until:
        return None, 0
    return until, streak


def case_lock_until(failures: Sequence[datetime], now: datetime) -> Optional[datetime]:
    """Wrong tries on one case number from any conversation within CASE_WINDOW (time order):
    locked until the oldest of the last CASE_MAX_FAILURES leaves the window."""
    recent = [at for at in failures if at > now - CASE_WINDOW]
    if len(recent) < CASE_MAX_FAILURES:
        return None
    return recent[-CASE_MAX_FAILURES] + CASE_WINDOW


def requester(secret_key: str, conversation_id: str) -> str:
    """The audit actor of a lookup: the customer of one conversation, as a keyed digest, so the
    audit log holds no WeChat openid or web session id and the digest cannot be recomputed
    without the desk's key."""
    digest = hmac.new(
        secret_key.encode("utf-8"), b"progress-lookup\x1f" + conversation_id.encode("utf-8"), hashlib.sha256
    ).hexdigest()
    return f"customer:{digest[:24]}"


# ── the lookup ─────────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Outcome:
    """verified (progress set) | denied (attempts_left) | locked (locked_until) | no_case;
    a withdrawal also: withdrawn | decided (progress set)."""

    result: str
    progress: Optional[Progress] = None
    attempts_left: int = 0
    locked_until: Optional[datetime] = None


def _last4_matches(cipher: PiiCipher, phone_enc: Optional[str], last4: str) -> bool:
    # one decryption whatever the case, also for an unknown number or a case without a phone,
    # so the time an answer takes does not tell whether the number exists
    phone = cipher.decrypt(phone_enc if phone_enc else cipher.encrypt(_NO_PHONE)) or ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    matches = hmac.compare_digest(digits[-4:].encode("ascii"), last4.encode("ascii"))
    return bool(phone_enc) and len(digits) >= 4 and matches


_NO_PHONE = "00000000000"


async def _serialise(s: AsyncSession, db: casedb.Database, actor: str) -> None:
    """One lookup of a conversation at a time on PostgreSQL (SQLite's writer lock does it there):
    two parallel wrong tries must not both pass the count."""
    if not db.sqlite:
        key = int.from_bytes(hashlib.sha256(actor.encode("utf-8")).digest()[:8], "big", signed=True)
        await s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


async def _tries(s: AsyncSession, actor: str, now: datetime) -> List[Tuple[datetime, bool]]:
    stmt = (
        select(AuditEntry.at, AuditEntry.action)
        .where(AuditEntry.at > now - FAILURE_MEMORY, AuditEntry.actor == actor,
               AuditEntry.action.in_((READ, DENIED)))
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return [(at, action == READ) for at, action in (await s.execute(stmt)).all()]


async def _case_failures(s: AsyncSession, case_no: str, now: datetime) -> List[datetime]:
    stmt = (
        select(AuditEntry.at)
        .where(AuditEntry.case_no == case_no, AuditEntry.at > now - CASE_WINDOW, AuditEntry.action == DENIED)
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return list((await s.execute(stmt)).scalars())


async def _find_case(s: AsyncSession, conversation_id: str, case_no: Optional[str]) -> Optional[Case]:
    if case_no is not None:
        stmt = select(Case).where(Case.case_no == case_no)
    else:
        stmt = (
            select(Case)
            .where(Case.conversation_id == conversation_id)
            .order_by(Case.created_at.desc(), Case.id.desc())
            .limit(1)
        )
    return (await s.execute(stmt)).scalars().first()


async def _verify(
    s: AsyncSession, db: casedb.Database, cipher: PiiCipher, actor: str, conversation_id: str,
    case_no: Optional[str], last4: str, remote: Optional[str], now: datetime,
) -> Tuple[Optional[Outcome], Optional[Case]]:
    """The check a lookup and a withdrawal share, in the caller's transaction: (an outcome that
    ends the request, None) or (None, the verified case). Every try is audited: a wrong one with
    DENIED, one refused during a lock with LOCKED; the caller audits the right one (READ)."""
    await _serialise(s, db, actor)
    until, streak = lock_until(await _tries(s, actor, now), now)
    if until is not None:
        casedb.audit(s, now, actor, LOCKED, case_no, remote)
        return Outcome("locked", locked_until=until), None
    case = await _find_case(s, conversation_id, case_no)
    if case is None and case_no is None:
        # "the latest one" in a conversation that filed nothing: about the asker's own
        # conversation only, so no number is revealed and no try is counted
        return Outcome("no_case"), None
    asked = case_no or case.case_no  # type: ignore[union-attr]
    until = case_lock_until(await _case_failures(s, asked, now), now)
    if until is not None:
        casedb.audit(s, now, actor, LOCKED, asked, remote)
        return Outcome("locked", locked_until=until), None
    matched = _last4_matches(cipher, case.phone_enc if case is not None else None, last4)
    if case is None or not matched:
        casedb.audit(s, now, actor, DENIED, asked, remote)
        streak += 1
        if streak >= MAX_FAILURES:
            return Outcome("locked", locked_until=now + LOCK_FOR), None
        return Outcome("denied", attempts_left=MAX_FAILURES - streak), None
    return None, case


async def lookup(
    db: casedb.Database,
    cipher: PiiCipher,
    conversation_id: str,
    case_no: Optional[str],
    last4: str,
    remote: Optional[str],
) -> Outcome:
    """Checks the last four digits against the case's phone and answers; every try is audited in
    the same transaction as the check (a read with READ, a wrong try with DENIED, a try refused
    during a lock with LOCKED)."""
    now = db.settings.clock()
    actor = requester(db.settings.secret_key, conversation_id)
    async with db.writing() as s:
        ended, case = await _verify(s, db, cipher, actor, conversation_id, case_no, last4, remote, now)
        if ended is not None or case is None:
            return ended or Outcome("no_case")
        casedb.audit(s, now, actor, READ, case.case_no, remote)
        return Outcome("verified", progress=progress_of(case, await _latest_notice(s, case.id)))


# ── 撤诉: the customer withdraws the complaint from the chat ─────────────────────────────────────

WITHDRAWAL_NOTE = "客户在对话中撤回投诉"


async def withdraw(
    db: casedb.Database,
    cipher: PiiCipher,
    conversation_id: str,
    case_no: Optional[str],
    last4: str,
    reason: Optional[str],
    remote: Optional[str],
) -> Outcome:
    """撤诉: the same check as a lookup (and the same count of wrong tries and locks), then the
    case becomes withdrawn through the same path as a PATCH, so the history row, the audit row,
    the end of a running pause and the confirmation notice (notices.py) are the ones an agent's
    change would make. Results: withdrawn (progress of the withdrawn case; also when it was
    withdrawn already, so a retry is harmless), decided (too late: resolved or closed), or the
    lookup's denied / locked / no_case."""
    now = db.settings.clock()
    actor = requester(db.settings.secret_key, conversation_id)
    async with db.writing() as s:
        ended, case = await _verify(s, db, cipher, actor, conversation_id, case_no, last4, remote, now)
        if ended is not None or case is None:
            return ended or Outcome("no_case")
        casedb.audit(s, now, actor, READ, case.case_no, remote, "withdraw")
        verified_no, status = case.case_no, Status(case.status)
    if status == Status.WITHDRAWN:
        return Outcome("withdrawn", progress=progress_of(case))
    if status not in OPEN_STATUSES:
        return Outcome("decided", progress=progress_of(case))
    note = WITHDRAWAL_NOTE + (f"：{reason.strip()}" if reason and reason.strip() else "")
    try:
        updated = await casedb.patch_case(
            db, verified_no, CasePatch(status=Status.WITHDRAWN, note=note), cipher, CUSTOMER_ACTOR, remote,
        )
    except Conflict:
        # decided between the check and the change (an agent was quicker): nothing withdrawn
        async with db.reading() as s:
            current = await _find_case(s, conversation_id, verified_no)
        return Outcome("decided", progress=progress_of(current)) if current is not None else Outcome("no_case")
    return Outcome("withdrawn", progress=progress_of(updated))
