"""回访: the survey after a decision (issue 14; seed 003 第八条 asks for a 回访 within one to two
months of the handling, asking the customer's view of how it was handled and of the service).

- **Made** by the notice outbox's pass (`make_surveys`): a decision in force `after_days` after it
  was taken (CASEDESK_SURVEY_AFTER_DAYS, default 7: an agreed refund has usually arrived), on a
  case still resolved or closed (a 核查 reopens the case, and its second decision gets a 回访 of
  its own), decided within the last `within_days` (60: the seed's window; a desk that was down
  catches up, a migration does not survey last year's cases). One per decision (unique), a
  history row `survey` in the same transaction; the outbox turns that row into the customer's
  notice on their own channel, with the link.
- **The link** is `/survey/<id>-<mac>`, the mac an HMAC of the id under the desk's secret key: only
  the customer's notice carries it, nothing stores it, and a guessed id is useless.
- **Answered** on that page (survey_views.py): a score 1–5 and a comment, masked like history notes
  (numbers and the customer's name). The latest answer wins while the survey is open
  (`open_days`, 30 after it was sent); each answer is a history row (actor 客户本人) and an audit
  row. The case page and the supervisor's figures read `case_surveys` beside the in-chat rating.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional, Tuple

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from bot.casedesk import db as casedb
from bot.casedesk.cases import pii
from bot.casedesk.cases.case_rules import CUSTOMER_ACTOR, Status
from bot.casedesk.api.errors import BadRequest, Conflict, NotFound
from bot.casedesk.models import Case, CaseDecision, CaseEvent, CaseSurvey

log = logging.getLogger(__name__)

MIN_SCORE, MAX_SCORE = 1, 5
MAX_COMMENT = 500
# the history row that makes the notice (notices.KIND_OF_EVENT) and the one an answer writes
SENT_EVENT, ANSWER_EVENT = "survey", "survey_answer"
BATCH = 200


@dataclass(frozen=True)
class SurveyTimes:
    after_days: int = 7
    within_days: int = 60
    open_days: int = 30


# ---------------------------------------------------------------------------------------------
# The link


def _mac(secret_key: str, survey_id: int) -> str:
    digest = hmac.new(secret_key.encode(), f"casedesk-survey:{survey_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def token(secret_key: str, survey_id: int) -> str:
    return f"{survey_id}-{_mac(secret_key, survey_id)}"


def survey_id_of(secret_key: str, value: str) -> Optional[int]:
    """The survey a link names, or None for anything not made by this desk."""
    head, sep, mac = (value or "").partition("-")
    if not sep or not head.isdigit() or len(head) > 12:
        return None
    survey_id = int(head)
    return survey_id if hmac.compare_digest(mac, _mac(secret_key, survey_id)) else None


def link(public_url: str, secret_key: str, survey_id: int) -> str:
    return f"{public_url.rstrip('/')}/survey/{token(secret_key, survey_id)}"


# ---------------------------------------------------------------------------------------------
# Making surveys


def _due(now: datetime, times: SurveyTimes):
    """Decisions in force, old enough, recent enough, on cases still decided, with no survey."""
    latest = (
        select(CaseDecision.case_id, func.max(CaseDecision.id).label("id")).group_by(CaseDecision.case_id).subquery()
    )
    return (
        select(CaseDecision, Case)
        .join(latest, latest.c.id == CaseDecision.id)
        .join(Case, Case.id == CaseDecision.case_id)
        .outerjoin(CaseSurvey, CaseSurvey.decision_id == CaseDecision.id)
        .where(
            CaseSurvey.id.is_(None),
            Case.status.in_((Status.RESOLVED.value, Status.CLOSED.value)),
            and_(CaseDecision.decided_at <= now - timedelta(days=times.after_days),
                 CaseDecision.decided_at > now - timedelta(days=times.within_days)),
        )
        .order_by(CaseDecision.id)
        .limit(BATCH)
    )


async def make_surveys(db: casedb.Database, times: SurveyTimes) -> int:
    """Makes the 回访 now due; returns how many. Cheap when none is due (one read)."""
    now = db.settings.clock()
    async with db.reading() as s:
        if (await s.execute(_due(now, times).limit(1))).first() is None:
            return 0
    made = 0
    try:
        async with db.writing() as s:
            for decision, case in (await s.execute(_due(now, times))).all():
                survey = CaseSurvey(case_id=case.id, decision_id=decision.id, created_at=now,
                                    closes_at=now + timedelta(days=times.open_days))
                s.add(survey)
                await s.flush()
                s.add(CaseEvent(case_id=case.id, at=now, actor="system", kind=SENT_EVENT, field="survey",
                                old_value=None, new_value=str(survey.id), note=None))
                casedb.audit(s, now, "system", "survey_sent", case.case_no, None,
                             json.dumps({"survey_id": survey.id, "decision_id": decision.id}))
                made += 1
    except IntegrityError:
        # another desk instance made them first: nothing lost, nothing made twice
        log.info("surveys: another instance made these first")
        return 0
    if made:
        log.info("回访 made: %d", made)
    return made


# ---------------------------------------------------------------------------------------------
# The customer's page


@dataclass(frozen=True)
class SurveyView:
    survey_id: int
    case_no: str
    score: Optional[int]
    comment: Optional[str]
    answered_at: Optional[datetime]
    closes_at: datetime
    open: bool


def _view(survey: CaseSurvey, case: Case, now: datetime) -> SurveyView:
    return SurveyView(survey.id, case.case_no, survey.score, survey.comment, survey.answered_at,
                      survey.closes_at, now <= survey.closes_at)


async def read(db: casedb.Database, survey_id: int) -> SurveyView:
    async with db.reading() as s:
        row = (await s.execute(
            select(CaseSurvey, Case).join(Case, Case.id == CaseSurvey.case_id).where(CaseSurvey.id == survey_id)
        )).first()
    if row is None:
        raise NotFound("这个回访链接无效。")
    return _view(row[0], row[1], db.settings.clock())


def checked_answer(score: object, comment: object) -> Tuple[int, Optional[str]]:
    try:
        value = int(str(score).strip())
    except (TypeError, ValueError):
        value = 0
    if not MIN_SCORE <= value <= MAX_SCORE:
        raise BadRequest("请选择 1 到 5 分中的一个分数。")
    text = " ".join(str(comment or "").split()) or None
    if text is not None and len(text) > MAX_COMMENT:
        raise BadRequest(f"意见和建议请不要超过 {MAX_COMMENT} 个字。")
    return value, text


async def answer(db: casedb.Database, survey_id: int, score: int, comment: Optional[str],
                 remote: Optional[str]) -> SurveyView:
    """The customer's answer; the same answer again writes nothing, so a double submit is harmless."""
    async with db.writing() as s:
        row = (await s.execute(
            select(CaseSurvey, Case).join(Case, Case.id == CaseSurvey.case_id)
            .where(CaseSurvey.id == survey_id).with_for_update()
        )).first()
        if row is None:
            raise NotFound("这个回访链接无效。")
        survey, case = row
        now = db.settings.clock()
        if now > survey.closes_at:
            raise Conflict("本次回访已经结束。")
        masked = pii.mask(comment, pii.case_names(db.cipher, case.customer_name_enc))
        if (survey.score, survey.comment) == (score, masked):
            return _view(survey, case, now)
        old = None if survey.score is None else str(survey.score)
        survey.score, survey.comment, survey.answered_at = score, masked, now
        s.add(CaseEvent(case_id=case.id, at=now, actor=CUSTOMER_ACTOR, kind=ANSWER_EVENT, field="survey_score",
                        old_value=old, new_value=str(score), note=masked))
        casedb.audit(s, now, CUSTOMER_ACTOR, "survey_answer", case.case_no, remote,
                     json.dumps({"survey_id": survey.id, "score": score}))
    log.info("回访 answered case_no=%s score=%d", case.case_no, score)
    return _view(survey, case, now)


async def of_case(db: casedb.Database, case_id: int) -> List[CaseSurvey]:
    async with db.reading() as s:
        return list((await s.execute(
            select(CaseSurvey).where(CaseSurvey.case_id == case_id).order_by(CaseSurvey.id)
        )).scalars())
