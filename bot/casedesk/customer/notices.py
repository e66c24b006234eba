"""The notice outbox (issue 14): the customer is told of each lifecycle step on their own channel.

Source: the case's history. Every step a customer is told of — 受理 `created`, 延期 `extend`, 暂停
`pause`, 恢复计时 `resume`, 决定 `decision`, 撤诉 (a `status` row to withdrawn) — is a case_events row written in the same transaction
as the step itself (lifecycle.py, db.create_case), so a step that happened has its row and one
that was rolled back has none. `make_notices` turns those rows into notices:

- one `case_notices` row per history row (unique on it) and one 受理 per case (unique on case, kind
  and step), the text rendered from data/notices.yml (notice_texts.py) and stored;
- one `notice_deliveries` row per route: `web` for a web-chat case (shown when the customer opens
  the chat page, chat.py), `sms` for any other channel, and for every case when CASEDESK_SMS_COPY
  is on. WeChat cases get an SMS until the WeChat route exists (docs/notices.md).

A cursor row (`notice_cursor`) remembers the last history row read; each pass reads again from a
little before it (LAG ids), so a step whose transaction committed after a later one's is still
found, and the unique constraints make a second look harmless. Two desk instances take turns on
the cursor row (a row lock on PostgreSQL, the write lock on SQLite). Everything is in the
database: a restart loses nothing and repeats nothing.

`send_sms` sends the pending SMS: each delivery is claimed (`sending`) in one transaction and its
result written in another, so a crash in between leaves it `sending`, never sent twice; a failure
goes back to `pending` until CASEDESK_NOTICE_MAX_ATTEMPTS, then `failed`.
"""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, AsyncIterator, Dict, List, Optional, Tuple

from aiohttp import web
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.casedesk.cases import case_rules
from bot.casedesk.customer import surveys
from bot.casedesk.appkeys import SETTINGS_KEY
from bot.casedesk.db import DB_KEY, Database
from bot.casedesk.models import Case, CaseEvent, CaseNotice, NoticeCursor, NoticeDelivery
from bot.casedesk.customer.notice_texts import Kind, NoticeTexts, TextSource
from bot.casedesk.settings import Settings
from bot.casedesk.customer.sms import SmsSender, load_sender
from bot.casedesk.customer.wechat_notices import NoTemplate, WeChatNotice, WeChatNoticeError, WeChatNoticeSender

log = logging.getLogger(__name__)

CURSOR = "lifecycle"
# how far below the cursor each pass looks again for a step committed late
LAG = 1000
# history kinds → the notice each makes
KIND_OF_EVENT: Dict[str, Kind] = {
    "created": Kind.ACCEPTED,
    "extend": Kind.EXTENDED,
    "pause": Kind.PAUSED,
    "resume": Kind.RESUMED,
    "decision": Kind.DECIDED,
    surveys.SENT_EVENT: Kind.SURVEY,
}
# a status change that makes a notice: 撤诉, confirmed to the customer whether they withdrew in the
# chat or told an agent (a withdrawal they did not make is then noticed at once)
NOTICE_STATUSES: Dict[str, Kind] = {case_rules.Status.WITHDRAWN.value: Kind.WITHDRAWN}


def kind_of(event: CaseEvent) -> Kind:
    if event.kind == "status":
        return NOTICE_STATUSES[event.new_value]
    return KIND_OF_EVENT[event.kind]
WEB_CHANNELS = ("web",)
BATCH = 200


class Route(case_rules.StrEnum):
    WEB = "web"
    SMS = "sms"
    WECHAT = "wechat"


class Delivery(case_rules.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SHOWN = "shown"  # web: the customer's chat page has fetched it
    FAILED = "failed"
    SKIPPED = "skipped"  # nothing to send to (no phone)


# ---------------------------------------------------------------------------------------------
# Values put into the texts


def day_text(dt: Optional[datetime]) -> str:
    if dt is None:
        return ""
    d = dt.astimezone(case_rules.CHINA_TZ)
    return f"{d.year}年{d.month}月{d.day}日"


def moment_text(dt: Optional[datetime]) -> str:
    if dt is None:
        return ""
    d = dt.astimezone(case_rules.CHINA_TZ)
    return f"{d.year}年{d.month}月{d.day}日 {d.hour:02d}:{d.minute:02d}"


def _day_of(iso: Optional[str]) -> str:
    try:
        return day_text(datetime.fromisoformat(iso)) if iso else ""
    except ValueError:
        return ""


_TRAILING = re.compile(r"[\s。．.，,；;！!、]+$")


def reason_text(note: Optional[str]) -> str:
    """An agent's reason as part of a sentence: one line, no closing punctuation, not too long."""
    text = " ".join((note or "").split())
    text = _TRAILING.sub("", text)
    if len(text) > 120:
        text = text[:119] + "…"
    return text or "需要进一步调查核实"


def params_for(kind: Kind, case_no: str, event: CaseEvent, case: Case, texts: NoticeTexts) -> Dict[str, str]:
    params = {"case_no": case_no}
    if kind == Kind.ACCEPTED:
        params.update(contact_due=moment_text(case.contact_due_at), decision_due=day_text(case.decision_due_at))
    elif kind == Kind.EXTENDED:
        params.update(new_due=_day_of(event.new_value) or day_text(case.decision_due_at), reason=reason_text(event.note))
    elif kind == Kind.PAUSED:
        params.update(reason=reason_text(event.note))
    elif kind == Kind.RESUMED:
        params.update(new_due=_day_of(event.new_value) or day_text(case.decision_due_at))
    elif kind == Kind.DECIDED:
        params.update(outcome=texts.outcome(event.new_value), review_until=day_text(case_rules.review_window_end(event.at)))
    return params


def step_key(kind: Kind, event_id: int) -> str:
    # 受理 happens once per case; every other step once per history row
    return "filed" if kind == Kind.ACCEPTED else f"e{event_id}"


def routes_for(channel: str, sms_copy: bool, wechat: bool = False) -> List[Route]:
    """The customer's own channel (WeChat only when its notices are on), else SMS; SMS as a copy."""
    if channel in WEB_CHANNELS:
        return [Route.WEB, Route.SMS] if sms_copy else [Route.WEB]
    if channel == "wechat" and wechat:
        return [Route.WECHAT, Route.SMS] if sms_copy else [Route.WECHAT]
    return [Route.SMS]


# ---------------------------------------------------------------------------------------------
# Making notices


def _candidates(low: int, limit: int) -> Any:
    """History rows after `low` that should make a notice and have none yet."""
    return (
        select(CaseEvent, Case)
        .join(Case, Case.id == CaseEvent.case_id)
        .outerjoin(CaseNotice, CaseNotice.source_event_id == CaseEvent.id)
        .where(
            CaseEvent.id > low,
            or_(
                CaseEvent.kind.in_(tuple(KIND_OF_EVENT)),
                and_(CaseEvent.kind == "status", CaseEvent.new_value.in_(tuple(NOTICE_STATUSES))),
            ),
            CaseNotice.id.is_(None),
        )
        .order_by(CaseEvent.id)
        .limit(limit)
    )


async def _cursor(s: AsyncSession, lock: bool = False) -> Tuple[int, int]:
    """(the last history row read, the lowest row to read again: LAG below it, never one from
    before the migration)."""
    stmt = select(NoticeCursor.last_event_id, NoticeCursor.start_event_id).where(NoticeCursor.name == CURSOR)
    if lock:
        stmt = stmt.with_for_update()
    row = (await s.execute(stmt)).first()
    last, start = (int(row[0]), int(row[1])) if row else (0, 0)
    return last, max(start, last - LAG)


async def make_notices(db: Database, texts: NoticeTexts, sms_copy: bool = False, wechat: bool = False) -> int:
    """Turns new history rows into notices; returns how many were made. Writes only when there
    is something to write, so calling it often (each chat page asking) is cheap."""
    async with db.reading() as s:
        cursor, low = await _cursor(s)
        newest = (await s.execute(select(func.max(CaseEvent.id)))).scalar_one_or_none() or 0
        pending = (await s.execute(_candidates(low, 1))).first()
    if pending is None and newest <= cursor + 100:
        return 0
    made = 0
    try:
        async with db.writing() as s:
            cursor, low = await _cursor(s, lock=True)
            rows = (await s.execute(_candidates(low, BATCH))).all()
            now = db.settings.clock()
            for event, case in rows:
                kind = kind_of(event)
                params = params_for(kind, case.case_no, event, case, texts)
                if kind == Kind.SURVEY:
                    # the link is made here, from the desk's key, and kept only in the notice
                    params["survey_url"] = surveys.link(db.settings.public_url, db.settings.secret_key,
                                                        int(event.new_value or 0))
                notice = CaseNotice(
                    case_id=case.id, source_event_id=event.id, kind=kind.value, step_key=step_key(kind, event.id),
                    conversation_id=case.conversation_id, channel=case.channel, params=params,
                    text=texts.render(kind, params), created_at=now,
                )
                s.add(notice)
                await s.flush()
                for route in routes_for(case.channel, sms_copy, wechat):
                    status = Delivery.PENDING
                    if route == Route.SMS and not case.phone_enc:
                        status = Delivery.SKIPPED
                    s.add(NoticeDelivery(
                        notice_id=notice.id, route=route.value, status=status.value, attempts=0,
                        recipient_masked=case.phone_masked if route == Route.SMS else None,
                        error="no_phone" if status == Delivery.SKIPPED else None,
                        created_at=now, updated_at=now,
                        done_at=now if status == Delivery.SKIPPED else None,
                    ))
                made += 1
            # the cursor follows the newest row read, bounded by this batch when it was full
            top = (await s.execute(select(func.max(CaseEvent.id)))).scalar_one_or_none() or 0
            if len(rows) == BATCH:
                top = min(top, rows[-1][0].id)
            if top > cursor:
                await s.execute(update(NoticeCursor).where(NoticeCursor.name == CURSOR).values(last_event_id=top))
    except IntegrityError:
        # another desk instance made the same notice first (SQLite only takes turns on the write
        # lock, not on the rows read before it): nothing lost, the next pass carries on
        log.info("notices: another instance made these notices first")
        return 0
    if made:
        log.info("notices made: %d", made)
    return made


# ---------------------------------------------------------------------------------------------
# The web chat: a conversation's notices


@dataclass(frozen=True)
class WebNotice:
    id: int
    case_no: str
    kind: str
    text: str
    at: datetime
    # the 回访 page, for a survey notice
    link: Optional[str] = None


async def for_conversation(db: Database, conversation_id: str, limit: int = 50) -> List[WebNotice]:
    """The notices of the web-chat cases this conversation filed, oldest first; their web
    deliveries are marked shown. Only an exact conversation id matches, and only web cases."""
    stmt = (
        select(CaseNotice.id, Case.case_no, CaseNotice.kind, CaseNotice.text, CaseNotice.created_at,
               CaseNotice.params)
        .join(Case, Case.id == CaseNotice.case_id)
        .where(CaseNotice.conversation_id == conversation_id, Case.conversation_id == conversation_id,
               Case.channel.in_(WEB_CHANNELS))
        .order_by(CaseNotice.id.desc())
        .limit(limit)
    )
    async with db.reading() as s:
        rows = list(reversed((await s.execute(stmt)).all()))
        ids = [r[0] for r in rows]
        unshown = ids and (await s.execute(
            select(func.count()).select_from(NoticeDelivery).where(
                NoticeDelivery.notice_id.in_(ids), NoticeDelivery.route == Route.WEB.value,
                NoticeDelivery.status == Delivery.PENDING.value,
            )
        )).scalar_one()
    if unshown:
        now = db.settings.clock()
        async with db.writing() as s:
            await s.execute(
                update(NoticeDelivery)
                .where(NoticeDelivery.notice_id.in_(ids), NoticeDelivery.route == Route.WEB.value,
                       NoticeDelivery.status == Delivery.PENDING.value)
                .values(status=Delivery.SHOWN.value, done_at=now, updated_at=now, attempts=NoticeDelivery.attempts + 1)
            )
    return [WebNotice(id=r[0], case_no=r[1], kind=r[2], text=r[3], at=r[4], link=(r[5] or {}).get("survey_url"))
            for r in rows]


# ---------------------------------------------------------------------------------------------
# SMS


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    notice_id: int
    kind: str
    params: Dict[str, str]
    text: str
    created_at: datetime
    case_no: str
    conversation_id: str
    phone_enc: Optional[str]


async def _claim(db: Database, route: Route, limit: int) -> List[Claimed]:
    """Pending deliveries of a route, marked `sending` (attempts + 1) in one transaction."""
    now = db.settings.clock()
    async with db.writing() as s:
        stmt = (
            select(NoticeDelivery.id, CaseNotice.id, CaseNotice.kind, CaseNotice.params, CaseNotice.text,
                   CaseNotice.created_at, Case.case_no, Case.conversation_id, Case.phone_enc)
            .join(CaseNotice, CaseNotice.id == NoticeDelivery.notice_id)
            .join(Case, Case.id == CaseNotice.case_id)
            .where(NoticeDelivery.route == route.value, NoticeDelivery.status == Delivery.PENDING.value)
            .order_by(NoticeDelivery.id)
            .limit(limit)
        )
        if not db.sqlite:
            stmt = stmt.with_for_update(of=NoticeDelivery, skip_locked=True)
        rows = (await s.execute(stmt)).all()
        if rows:
            await s.execute(
                update(NoticeDelivery)
                .where(NoticeDelivery.id.in_([r[0] for r in rows]))
                .values(status=Delivery.SENDING.value, attempts=NoticeDelivery.attempts + 1, updated_at=now)
            )
    return [Claimed(*r) for r in rows]


async def _finish(db: Database, delivery_id: int, values: Dict[str, Any]) -> None:
    now = db.settings.clock()
    async with db.writing() as s:
        await s.execute(update(NoticeDelivery).where(NoticeDelivery.id == delivery_id).values(updated_at=now, **values))


async def send_sms(db: Database, texts: NoticeTexts, sender: SmsSender, max_attempts: int = 5, limit: int = 50) -> int:
    """Sends pending SMS notices; returns how many were sent."""
    sent = 0
    for c in await _claim(db, Route.SMS, limit):
        delivery_id = c.delivery_id
        phone = db.cipher.decrypt(c.phone_enc) if c.phone_enc else None
        if not phone:
            await _finish(db, delivery_id, dict(status=Delivery.SKIPPED.value, error="no_phone", done_at=db.settings.clock()))
            continue
        try:
            ref = await sender.send(phone, texts.render(Kind(c.kind), c.params, channel="sms"))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the gateway's fault, not ours: retry, then give up
            attempts = await _attempts(db, delivery_id)
            status = Delivery.FAILED if attempts >= max_attempts else Delivery.PENDING
            log.warning("sms notice delivery=%s failed (%s), attempt %s: %s", delivery_id, exc.__class__.__name__, attempts, status.value)
            await _finish(db, delivery_id, dict(status=status.value, error=exc.__class__.__name__[:200]))
            continue
        await _finish(db, delivery_id, dict(
            status=Delivery.SENT.value, provider_ref=str(ref)[:64], recipient_masked=case_rules.mask_phone(phone),
            error=None, done_at=db.settings.clock(),
        ))
        sent += 1
    return sent


async def _attempts(db: Database, delivery_id: int) -> int:
    async with db.reading() as s:
        return int((await s.execute(select(NoticeDelivery.attempts).where(NoticeDelivery.id == delivery_id))).scalar_one())


# ---------------------------------------------------------------------------------------------
# WeChat: 客服消息 in the window, else 模板消息 (wechat_notices.py); no way there → an SMS


async def _sms_instead(db: Database, c: Claimed) -> None:
    """The notice goes by SMS after all (added once: unique on notice and route)."""
    now = db.settings.clock()
    async with db.writing() as s:
        have = (await s.execute(select(NoticeDelivery.id).where(
            NoticeDelivery.notice_id == c.notice_id, NoticeDelivery.route == Route.SMS.value))).first()
        if have is None:
            skipped = not c.phone_enc
            s.add(NoticeDelivery(
                notice_id=c.notice_id, route=Route.SMS.value,
                status=(Delivery.SKIPPED if skipped else Delivery.PENDING).value, attempts=0,
                error="no_phone" if skipped else None, created_at=now, updated_at=now,
                done_at=now if skipped else None,
            ))


async def send_wechat(db: Database, texts: NoticeTexts, sender: WeChatNoticeSender, max_attempts: int = 5, limit: int = 50) -> int:
    """Sends pending WeChat notices; returns how many were sent."""
    sent = 0
    for c in await _claim(db, Route.WECHAT, limit):
        openid = c.conversation_id
        masked = case_rules.mask_conversation_id(openid, "wechat")
        notice = WeChatNotice(openid, c.case_no, texts.title(Kind(c.kind)), c.text, c.created_at,
                              link=c.params.get("survey_url"))
        try:
            ref = await sender.send(notice)
        except asyncio.CancelledError:
            raise
        except NoTemplate:
            log.info("wechat notice delivery=%s: window closed, no template configured; SMS instead", c.delivery_id)
            await _finish(db, c.delivery_id, dict(status=Delivery.SKIPPED.value, error="window_closed_no_template",
                                                  recipient_masked=masked, done_at=db.settings.clock()))
            await _sms_instead(db, c)
            continue
        except Exception as exc:
            attempts = await _attempts(db, c.delivery_id)
            status = Delivery.FAILED if attempts >= max_attempts else Delivery.PENDING
            error = str(exc) if isinstance(exc, WeChatNoticeError) else exc.__class__.__name__
            log.warning("wechat notice delivery=%s failed (%s), attempt %s: %s", c.delivery_id, error, attempts, status.value)
            await _finish(db, c.delivery_id, dict(status=status.value, error=error[:200], recipient_masked=masked))
            if status == Delivery.FAILED:
                await _sms_instead(db, c)
            continue
        await _finish(db, c.delivery_id, dict(status=Delivery.SENT.value, provider_ref=ref[:64], recipient_masked=masked,
                                              error=None, done_at=db.settings.clock()))
        sent += 1
    return sent


# ---------------------------------------------------------------------------------------------
# Reading a case's notices (tests, the console)


async def of_case(db: Database, case_no: str) -> List[Tuple[CaseNotice, List[NoticeDelivery]]]:
    async with db.reading() as s:
        notices = list((await s.execute(
            select(CaseNotice).join(Case, Case.id == CaseNotice.case_id).where(Case.case_no == case_no).order_by(CaseNotice.id)
        )).scalars())
        ids = [n.id for n in notices]
        deliveries = list((await s.execute(
            select(NoticeDelivery).where(NoticeDelivery.notice_id.in_(ids)).order_by(NoticeDelivery.id)
        )).scalars()) if ids else []
    return [(n, [d for d in deliveries if d.notice_id == n.id]) for n in notices]


# ---------------------------------------------------------------------------------------------
# The outbox in the app: texts and sender on the app, a loop making and sending notices

class Outbox:
    """One pass: make notices from new steps, then send pending SMS."""

    def __init__(self, db: Database, settings: Settings, source: TextSource, sender: SmsSender,
                 wechat: Optional[WeChatNoticeSender] = None) -> None:
        self.db, self.settings, self.source, self.sender, self.wechat = db, settings, source, sender, wechat

    async def make(self) -> int:
        n = self.settings.notices
        await surveys.make_surveys(self.db, surveys.SurveyTimes(after_days=n.survey_after_days,
                                                                open_days=n.survey_open_days))
        return await make_notices(self.db, self.source.get(), self.settings.notices.sms_copy, self.wechat is not None)

    async def run_once(self) -> Tuple[int, int]:
        """(notices made, messages sent)"""
        made = await self.make()
        texts, attempts = self.source.get(), self.settings.notices.max_attempts
        sent = 0
        if self.wechat is not None:
            # before SMS: a WeChat notice that cannot go turns into an SMS sent in this pass
            sent += await send_wechat(self.db, texts, self.wechat, attempts)
        sent += await send_sms(self.db, texts, self.sender, attempts)
        return made, sent

    async def loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("notice outbox pass failed; trying again")
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.settings.notices.dispatch_seconds)
            except asyncio.TimeoutError:
                pass


OUTBOX_KEY = web.AppKey("casedesk_notice_outbox", Outbox)


async def notices_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx (after db_context): the texts (a bad file stops the start), the SMS sender and
    the outbox loop (CASEDESK_NOTICE_DISPATCH_SECONDS; 0: no loop)."""
    settings: Settings = app[SETTINGS_KEY]
    source = TextSource(settings.notices.texts_path)
    wechat = WeChatNoticeSender(settings.notices.wechat) if settings.notices.wechat.enabled else None
    outbox = Outbox(app[DB_KEY], settings, source, load_sender(settings), wechat)
    app[OUTBOX_KEY] = outbox
    stop = asyncio.Event()
    task: Optional[asyncio.Task] = None
    if settings.notices.dispatch_seconds > 0:
        task = asyncio.create_task(outbox.loop(stop), name="casedesk-notice-outbox")
    try:
        yield
    finally:
        if task is not None:
            stop.set()
            done, _ = await asyncio.wait({task}, timeout=10)
            if not done:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
