"""The call-back queue (issue 15, 待回电): the service under the API, the console and the sync loop.

A handoff whose wait may not be quoted (waits.callback_reason), or whose customer went quiet
(waits.is_idle), leaves the live queue — closed with the outcome `callback` — and a call-back
takes its place, in one transaction:

    handoff waiting ──move_to_callback──▶ handoff closed (outcome callback) + Callback pending
    Callback pending ──confirm (the customer's answer: the number, or another)──▶ pending
    Callback pending ──mark_done (an agent called; note, audited)──▶ done

The customer hears of it from the bot when the bot opened the handoff and got this answer
(actions/handoff.py), else from the desk through Rasa (`tell_customers`): after an idle move, or
when the bot's request reached the desk late (the action server's outbox, after an outage) and
the bot had already said "recorded" and fallen silent. Which one applies is read from the
conversation itself: a paused conversation has not heard of the call-back.

Rows live in the database (migration 0010), so nothing is lost over a restart; one call-back per
handoff (a unique key), so a retried request never makes two.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.casedesk import db as casedb
from bot.casedesk.cases import case_rules, pii
from bot.casedesk.handoffs import waits
from bot.casedesk.cases.access import can_see, visible_cases
from bot.casedesk.cases.case_rules import Status
from bot.casedesk.api.errors import BadRequest, Conflict, NotFound
from bot.casedesk.models import Callback, Case, CaseEvent, Handoff
from bot.casedesk.handoffs.rasa_bridge import RasaBridge
from bot.casedesk.settings import CallbackSettings
from bot.vocabulary import HandoffStatus

log = logging.getLogger(__name__)

PENDING, DONE = "pending", "done"
STATUSES = (PENDING, DONE)
# the handoff's outcome beside handoffs.RELEASED and CLOSED
OUTCOME = "callback"
# the handoff's states (bot/vocabulary.py): handoffs/service.py runs this module's passes in its sync loop
HANDOFF_WAITING, HANDOFF_CLOSED = HandoffStatus.WAITING.value, HandoffStatus.CLOSED.value
# the customer's answer to "回电打这个号码可以吗"
CONFIRMED, CHANGED, UNCONFIRMED = "confirmed", "changed", "unconfirmed"
CONFIRMATIONS = (CONFIRMED, CHANGED, UNCONFIRMED)
MAX_NOTE_CHARS = 2000
# call-backs the desk tells customers about in one pass (each is a few Rasa calls)
TELL_BATCH = 20

# What the desk runs in the bot when it tells the customer itself (bot/domain/callback.yml): the
# offer's response for the call-back's reason, then the form that asks for the number and reads
# the answer — as the bot does after action_handoff makes the offer.
CALLBACK_FORM = "callback_form"


def offer_response(reason: str) -> str:
    return f"utter_callback_offer_{reason}"


@dataclass
class CallbackItem:
    """A call-back with its case and handoff, so a list needs no second query per row."""

    callback: Callback
    case: Case
    handoff: Handoff


def settings_of(db: casedb.Database) -> CallbackSettings:
    return db.settings.callbacks


def offer_view(cb: Callback, now: datetime, cfg: CallbackSettings) -> Dict[str, Any]:
    """The `callback` object of POST /api/handoffs and the bot's slots: what the customer is told."""
    return {
        "id": cb.id,
        "reason": cb.reason,
        "status": cb.status,
        "promised_by": case_rules.local_iso(cb.promised_by),
        "promise_words": waits.promise_words(cb.promised_by, now),
        "phone_masked": cb.phone_masked,
        "confirmation": cb.confirmation,
        "hotline": cfg.hotline_words,
        "service_hours": waits.ServiceHours.of(cfg).text,
    }


def summary(item: CallbackItem, now: datetime) -> Dict[str, Any]:
    """A call-back as lists show it (GET /api/callbacks): masked, codes not labels."""
    cb, case = item.callback, item.case
    return {
        "id": cb.id,
        "case_no": case.case_no,
        "handoff_id": cb.handoff_id,
        "handoff_reason": item.handoff.reason,
        "reason": cb.reason,
        "status": cb.status,
        "phone_masked": cb.phone_masked,
        "confirmation": cb.confirmation,
        "promised_by": case_rules.local_iso(cb.promised_by),
        "promise_words": waits.promise_words(cb.promised_by, now),
        "overdue": cb.status == PENDING and cb.promised_by < now,
        "created_at": case_rules.local_iso(cb.created_at),
        "told": cb.told_at is not None,
        "done_at": case_rules.local_iso(cb.done_at),
        "done_by": cb.done_by,
        "note": cb.note,
    }


def _event(
    case: Case, now: datetime, actor: str, field: Optional[str], old: Optional[str], new: Optional[str], note: str
) -> CaseEvent:
    """A row of the case's history, kind 回电 (console/labels.py)."""
    return CaseEvent(case_id=case.id, at=now, actor=actor, kind="callback", field=field, old_value=old, new_value=new, note=note)


# ---------------------------------------------------------------------------------------------
# Open: a waiting handoff becomes a call-back


async def _existing(s: AsyncSession, handoff_id: int) -> Optional[CallbackItem]:
    row = (
        await s.execute(
            select(Callback, Case, Handoff)
            .join(Case, Case.id == Callback.case_id)
            .join(Handoff, Handoff.id == Callback.handoff_id)
            .where(Callback.handoff_id == handoff_id)
        )
    ).first()
    return CallbackItem(*row) if row is not None else None


async def for_handoff(db: casedb.Database, handoff_id: int) -> Optional[CallbackItem]:
    async with db.reading() as s:
        return await _existing(s, handoff_id)


async def move_to_callback(
    db: casedb.Database,
    handoff_id: int,
    reason: waits.CallbackReason,
    now: datetime,
    *,
    actor: str = "service",
    remote: Optional[str] = None,
) -> Optional[CallbackItem]:
    """Takes a waiting handoff out of the live queue into the call-back queue. Returns the
    call-back — the one made earlier for this handoff, if any — or None when the handoff is no
    longer waiting (an agent claimed it meanwhile) or, for an idle move, its customer wrote."""
    cfg = settings_of(db)
    try:
        async with db.writing() as s:
            found = await _existing(s, handoff_id)
            if found is not None:
                return found
            row = (
                await s.execute(
                    select(Handoff, Case)
                    .join(Case, Case.id == Handoff.case_id)
                    .where(Handoff.id == handoff_id)
                    .with_for_update(of=Handoff)
                )
            ).first()
            if row is None:
                return None
            handoff, case = row
            if handoff.status != HANDOFF_WAITING or handoff.outcome is not None:
                # on PostgreSQL the lock waited for a concurrent move of this very handoff: its
                # call-back is committed now, and it is the answer
                return await _existing(s, handoff_id)
            if reason == waits.CallbackReason.IDLE and not waits.is_idle(now, handoff.created_at, handoff.synced_until, cfg):
                return None  # checked again under the lock: a message was copied meanwhile
            handoff.status, handoff.outcome = HANDOFF_CLOSED, OUTCOME
            handoff.closed_at = handoff.updated_at = now
            # the case's own first-contact deadline, while it is still to be met
            contact_due = case.contact_due_at if case.contacted_at is None else None
            cb = Callback(
                case_id=case.id,
                handoff_id=handoff.id,
                conversation_id=handoff.conversation_id,
                reason=reason.value,
                phone_enc=case.phone_enc,
                phone_masked=case.phone_masked,
                promised_by=waits.promised_by(now, cfg, contact_due),
                status=PENDING,
                created_at=now,
                updated_at=now,
            )
            s.add(cb)
            await s.flush()
            # field "handoff" as the handoff's other endings (released / closed): the history
            # reads 转人工 → 转为回电, the promise in the note
            s.add(_event(case, now, actor, "handoff", None, OUTCOME,
                         f"承诺 {waits.promise_words(cb.promised_by, now)}回电"))
            case.updated_at = now
            casedb.audit(s, now, actor, "callback.open", case.case_no, remote)
            item = CallbackItem(cb, case, handoff)
    except IntegrityError:
        # the same handoff moved by two passes or two desks at once: the winner's is the answer
        async with db.reading() as s:
            return await _existing(s, handoff_id)
    log.info("callback opened id=%s handoff=%s case_no=%s reason=%s", cb.id, handoff_id, case.case_no, reason.value)
    return item


# ---------------------------------------------------------------------------------------------
# The customer's answer



async def _locked_callback(s: AsyncSession, callback_id: int) -> Optional[Tuple[Callback, Case, Handoff]]:
    """The call-back with its case and handoff, its row locked for this transaction (a
    confirmation and a "done" must not cross), or None."""
    row = (
        await s.execute(
            select(Callback, Case, Handoff)
            .join(Case, Case.id == Callback.case_id)
            .join(Handoff, Handoff.id == Callback.handoff_id)
            .where(Callback.id == callback_id)
            .with_for_update(of=Callback)
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])

async def confirm(
    db: casedb.Database,
    callback_id: int,
    conversation_id: str,
    now: datetime,
    *,
    phone: Optional[str] = None,
    confirmed: Optional[bool] = None,
    said_at: Optional[datetime] = None,
    actor: str = "service",
    remote: Optional[str] = None,
) -> CallbackItem:
    """The customer said yes to the number (`confirmed` True), gave another (`phone`), or left
    it open (`confirmed` False). The latest answer counts: a retry of an older one, delivered
    late, changes nothing; nor does any answer once the call-back was made."""
    said = said_at or now
    cipher = db.cipher
    async with db.writing() as s:
        row = await _locked_callback(s, callback_id)
        # another conversation's call-back is "not found", not "forbidden": no id is confirmed
        if row is None or row[0].conversation_id != conversation_id:
            raise NotFound(f"未找到回电请求 #{callback_id}，请核对编号。", code="callback_not_found")
        cb, case, handoff = row
        if cb.status != PENDING or (cb.confirmed_at is not None and said < cb.confirmed_at):
            return CallbackItem(cb, case, handoff)
        if phone is not None:
            current = cipher.decrypt(cb.phone_enc) if cb.phone_enc else None
            if phone == current:
                cb.confirmation = CONFIRMED
            else:
                old = cb.phone_masked
                cb.phone_enc, cb.phone_masked = cipher.encrypt(phone), case_rules.mask_phone(phone)
                cb.confirmation = CHANGED
                s.add(_event(case, now, actor, "phone", old, cb.phone_masked, "客户留下的回电号码"))
                if case.phone_enc is None:
                    # the case had no number at all: this one is the customer's contact from now on
                    # (the progress lookup asks for its last four digits)
                    case.phone_enc, case.phone_hash = cipher.encrypt(phone), cipher.phone_hash(phone)
                    case.phone_masked = cb.phone_masked
                    s.add(CaseEvent(case_id=case.id, at=now, actor=actor, kind="correction", field="phone",
                                    old_value=None, new_value=case.phone_masked, note="客户在确认回电号码时提供"))
        elif confirmed:
            cb.confirmation = CONFIRMED if cb.phone_enc else UNCONFIRMED
        else:
            cb.confirmation = UNCONFIRMED
        cb.confirmed_at, cb.updated_at = said, now
        case.updated_at = now
        casedb.audit(s, now, actor, "callback.confirm", case.case_no, remote)
    log.info("callback %s answered: %s", callback_id, cb.confirmation)
    return CallbackItem(cb, case, handoff)


# ---------------------------------------------------------------------------------------------
# Reads


async def list_callbacks(
    db: casedb.Database,
    *,
    status: str = PENDING,
    hidden_branch: Optional[str] = None,
    conversation_id: Optional[str] = None,
    limit: int = 200,
) -> List[CallbackItem]:
    """Pending ones with the earliest promise first (the most urgent call on top); done ones
    with the latest call first."""
    stmt = (
        select(Callback, Case, Handoff)
        .join(Case, Case.id == Callback.case_id)
        .join(Handoff, Handoff.id == Callback.handoff_id)
        .where(Callback.status == status, visible_cases(hidden_branch))
    )
    if conversation_id:
        stmt = stmt.where(Callback.conversation_id == conversation_id)
    if status == PENDING:
        stmt = stmt.order_by(Callback.promised_by, Callback.id)
    else:
        stmt = stmt.order_by(Callback.done_at.desc(), Callback.id.desc())
    async with db.reading() as s:
        rows = (await s.execute(stmt.limit(limit))).all()
    return [CallbackItem(*r) for r in rows]


async def pending_count(db: casedb.Database, hidden_branch: Optional[str] = None) -> int:
    """How many call-backs wait (the console's 待回电 count, the supervisor's figures)."""
    stmt = (
        select(func.count())
        .select_from(Callback)
        .join(Case, Case.id == Callback.case_id)
        .where(Callback.status == PENDING, visible_cases(hidden_branch))
    )
    async with db.reading() as s:
        return int((await s.execute(stmt)).scalar_one())


def _not_found(callback_id: int) -> NotFound:
    # the same answer for "missing" and "hidden": a hidden call-back must not be confirmed to exist
    return NotFound(f"未找到回电请求 #{callback_id}，或您无权查看。", code="callback_not_found")


async def read_callback(
    db: casedb.Database, callback_id: int, actor: str, remote: Optional[str], hidden_branch: Optional[str]
) -> Tuple[CallbackItem, Optional[str]]:
    """A call-back with the number to dial in full: audited like a case read, in the same
    transaction, so no read of a number goes unrecorded."""
    async with db.writing() as s:
        row = (
            await s.execute(
                select(Callback, Case, Handoff)
                .join(Case, Case.id == Callback.case_id)
                .join(Handoff, Handoff.id == Callback.handoff_id)
                .where(Callback.id == callback_id)
            )
        ).first()
        if row is None or not can_see(hidden_branch, row[1].confidential, row[1].branch_code):
            raise _not_found(callback_id)
        item = CallbackItem(*row)
        casedb.audit(s, db.settings.clock(), actor, "callback.view", item.case.case_no, remote)
    phone = db.cipher.decrypt(item.callback.phone_enc) if item.callback.phone_enc else None
    return item, phone


# ---------------------------------------------------------------------------------------------
# Called back


def note_text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest("请填写回电情况（例如：已与客户通话，约定明天上午到网点办理）。", code="missing_field")
    value = value.replace("\x00", "").strip()
    if len(value) > MAX_NOTE_CHARS:
        raise BadRequest(f"回电情况最多 {MAX_NOTE_CHARS} 个字，请精简后再提交。", code="invalid_value")
    return value


async def mark_done(
    db: casedb.Database,
    callback_id: int,
    agent: str,
    note: str,
    now: datetime,
    *,
    hidden_branch: Optional[str] = None,
    remote: Optional[str] = None,
) -> CallbackItem:
    """An agent called the customer back: the note (masked; the full text encrypted) in the
    case's history and the audit log. The call is the case's first contact if none was made:
    the contact deadline is met and a new case becomes 已联系客户."""
    body = note_text(note)
    async with db.writing() as s:
        row = await _locked_callback(s, callback_id)
        if row is None or not can_see(hidden_branch, row[1].confidential, row[1].branch_code):
            raise _not_found(callback_id)
        cb, case, handoff = row
        if cb.status == DONE:
            when = cb.done_at.astimezone(case_rules.CHINA_TZ).strftime("%H:%M") if cb.done_at else ""
            raise Conflict(f"该回电已由 {cb.done_by} 于 {when} 标记为已回电，无需重复提交。", code="callback_done")
        masked, enc = pii.seal(db.cipher, body, pii.case_names(db.cipher, case.customer_name_enc))
        cb.status, cb.done_at, cb.done_by, cb.updated_at = DONE, now, agent, now
        cb.note, cb.note_enc = masked, enc
        s.add(_event(case, now, agent, None, None, None, f"已回电：{masked}"))
        if case.contacted_at is None:
            case.contacted_at = now
        if case.status == Status.NEW.value:
            s.add(CaseEvent(case_id=case.id, at=now, actor=agent, kind="status", field="status",
                            old_value=Status.NEW.value, new_value=Status.ACKNOWLEDGED.value, note="已回电"))
            case.status = Status.ACKNOWLEDGED.value
        casedb._refresh_next_due(case)
        case.updated_at = now
        casedb.audit(s, now, agent, "callback.done", case.case_no, remote)
    log.info("callback done id=%s case_no=%s by=%s", callback_id, case.case_no, agent)
    return CallbackItem(cb, case, handoff)


# ---------------------------------------------------------------------------------------------
# The sync loop's passes (handoffs.sync_loop, after each sync of customer messages)


async def move_idle(db: casedb.Database, now: datetime) -> List[int]:
    """Waiting handoffs whose customer wrote nothing for idle_minutes move to the call-back
    queue. Returns the handoffs moved. Run after a sync pass, so synced_until is current."""
    cfg = settings_of(db)
    cutoff = waits.idle_cutoff(now, cfg)
    if cutoff is None:
        return []
    stmt = (
        select(Handoff.id, Handoff.created_at, Handoff.synced_until)
        .where(
            Handoff.status == HANDOFF_WAITING,
            Handoff.outcome.is_(None),
            Handoff.created_at <= cutoff,
            Handoff.reason.not_in(sorted(waits.NEVER_CALLED_BACK)),
        )
        .order_by(Handoff.created_at)
        .limit(100)
    )
    async with db.reading() as s:
        rows = (await s.execute(stmt)).all()
    moved = []
    for r in rows:
        if waits.is_idle(now, r.created_at, r.synced_until, cfg):
            if await move_to_callback(db, r.id, waits.CallbackReason.IDLE, now) is not None:
                moved.append(r.id)
    return moved


def bot_slots(cb: Callback, case_no: str, now: datetime, cfg: CallbackSettings) -> Dict[str, Any]:
    """The bot's slots of a call-back offer (bot/domain/callback.yml), the same values the bot
    sets itself from POST /api/handoffs' answer (actions/handoff.py)."""
    view = offer_view(cb, now, cfg)
    return {
        "case_no": case_no,
        "filing_status": "filed",
        "callback_id": str(cb.id),
        "callback_reason": cb.reason,
        "callback_promise": view["promise_words"],
        "callback_phone_masked": cb.phone_masked,
        "callback_hotline": cfg.hotline_words,
        "callback_service_hours": view["service_hours"],
        "callback_wording": "confirm" if cb.phone_masked else "ask",
        "callback_number": None,
    }


async def _tell(bridge: RasaBridge, cb: Callback, case_no: str, now: datetime, cfg: CallbackSettings) -> None:
    """The offer in a paused conversation and the form that asks for the number, then the bot
    listens again (the order of rasa_bridge.release: said while paused, an action_listen, the
    resume) — what the bot does when action_handoff makes the offer."""
    events: List[Dict[str, Any]] = [
        {"event": "slot", "name": k, "value": v} for k, v in bot_slots(cb, case_no, now, cfg).items()
    ]
    events.append({"event": "active_loop", "name": CALLBACK_FORM})
    await bridge.append_events(cb.conversation_id, events)
    await bridge.execute(cb.conversation_id, offer_response(cb.reason))
    await bridge.execute(cb.conversation_id, CALLBACK_FORM)
    await bridge.append_events(cb.conversation_id, [{"event": "action", "name": "action_listen"}, {"event": "resume"}])


async def tell_customers(db: casedb.Database, bridge: RasaBridge, now: datetime) -> int:
    """Call-backs the customer has not heard of from the bot: told through Rasa. Returns how
    many were told here. Raises RasaUnavailable when Rasa did not answer (the next pass retries:
    told_at stays empty until the customer was told)."""
    cfg = settings_of(db)
    stmt = (
        select(Callback, Case.case_no)
        .join(Case, Case.id == Callback.case_id)
        .where(Callback.status == PENDING, Callback.told_at.is_(None))
        .order_by(Callback.id)
        .limit(TELL_BATCH)
    )
    async with db.reading() as s:
        rows = (await s.execute(stmt)).all()
    told = 0
    for cb, case_no in rows:
        tracker = await bridge.tracker(cb.conversation_id)
        # a conversation the bot paused for a person has not heard of the call-back; one the
        # bot kept (it made the offer itself, actions/handoff.py) has
        if tracker.get("paused"):
            await _tell(bridge, cb, case_no, now, cfg)
            told += 1
        async with db.writing() as s:
            await s.execute(
                update(Callback).where(Callback.id == cb.id, Callback.told_at.is_(None))
                .values(told_at=now).execution_options(synchronize_session=False)
            )
    if told:
        log.info("callbacks told through Rasa: %d", told)
    return told

