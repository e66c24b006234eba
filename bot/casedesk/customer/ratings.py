"""The customer's rating of the intake lands on the case (issue 14; seed 003 第八条 asks that the
customer's satisfaction be known and used).

The assistant asks for a 1–5 score right after filing and sends it here with the conversation it
came from: only that conversation may rate its case (another one gets the same 404 as an unknown
number, so nothing tells a number exists). The latest score wins; the same score again writes
nothing, so a retry is harmless. A change is a history row (actor 客户本人) and an audit row, in
the same transaction. The supervisor's satisfaction figures read `cases.rating`
(console/stats.py).
"""
from __future__ import annotations

import json
from typing import Optional

from sqlalchemy import select

from bot.casedesk import db as casedb
from bot.casedesk.cases.case_rules import CUSTOMER_ACTOR
from bot.casedesk.api.errors import NotFound
from bot.casedesk.models import Case, CaseEvent

MIN_SCORE, MAX_SCORE = 1, 5


async def rate(db: casedb.Database, case_no: str, conversation_id: str, score: int, remote: Optional[str]) -> Case:
    async with db.writing() as s:
        stmt = select(Case).where(Case.case_no == case_no).with_for_update()
        case = (await s.execute(stmt)).scalar_one_or_none()
        if case is None or case.conversation_id != conversation_id:
            raise NotFound(f"未找到案件 {case_no}，请核对案件编号。")
        if case.rating == score:
            return case
        now = db.settings.clock()
        old = None if case.rating is None else str(case.rating)
        case.rating, case.rated_at = score, now
        s.add(CaseEvent(case_id=case.id, at=now, actor=CUSTOMER_ACTOR, kind="rating", field="rating",
                        old_value=old, new_value=str(score), note=None))
        casedb.audit(s, now, CUSTOMER_ACTOR, "rating", case_no, remote, json.dumps({"score": score}))
    return case
