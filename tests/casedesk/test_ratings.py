"""POST /api/cases/{no}/rating (issue 14): the customer's 1–5 rating of the intake lands on the
case, from the conversation that filed it only, on SQLite and PostgreSQL."""
from __future__ import annotations

from typing import Any, Tuple

from sqlalchemy import select

from bot.casedesk.db import DB_KEY
from bot.casedesk.models import AuditEntry, Case, CaseEvent

from .helpers import Api


async def file_case(api: Api) -> Tuple[str, str]:
    code, body = await api.create(conversation_id="rest:rater")
    assert code == 201, body
    return body["case_no"], "rest:rater"


async def rate(api: Api, no: str, conversation: str, score: Any) -> Tuple[int, Any]:
    return await api.call("POST", f"/api/cases/{no}/rating", json={"conversation_id": conversation, "score": score})


async def test_the_rating_lands_on_the_case_with_history_and_audit(api: Api) -> None:
    no, conversation = await file_case(api)
    status, body = await rate(api, no, conversation, 4)
    assert status == 200 and body["case_no"] == no and body["rating"] == 4 and body["rated_at"]
    code, case = await api.call("GET", f"/api/cases/{no}")
    assert case["rating"] == 4
    last = case["history"][-1]
    assert (last["kind"], last["new_value"], last["actor"]) == ("rating", "4", "customer")
    # the same score again writes nothing; a new one replaces it
    assert (await rate(api, no, conversation, 4))[0] == 200
    assert (await rate(api, no, conversation, 2))[1]["rating"] == 2
    async with api.app[DB_KEY].reading() as s:
        ratings = (await s.execute(
            select(CaseEvent.old_value, CaseEvent.new_value).join(Case, Case.id == CaseEvent.case_id)
            .where(Case.case_no == no, CaseEvent.kind == "rating").order_by(CaseEvent.id))).all()
        audited = (await s.execute(
            select(AuditEntry.action).where(AuditEntry.case_no == no, AuditEntry.action == "rating"))).scalars().all()
    assert [tuple(r) for r in ratings] == [(None, "4"), ("4", "2")] and len(audited) == 2


async def test_only_the_conversation_that_filed_it_may_rate(api: Api) -> None:
    no, _ = await file_case(api)
    other = await rate(api, no, "rest:somebody-else", 1)
    unknown = await rate(api, "TS20991231000001", "rest:rater", 1)
    assert other[0] == unknown[0] == 404 and other[1]["error"] == unknown[1]["error"]
    code, case = await api.call("GET", f"/api/cases/{no}")
    assert case["rating"] is None


async def test_a_score_outside_one_to_five_is_refused_in_chinese(api: Api) -> None:
    no, conversation = await file_case(api)
    for bad in (0, 6, "5", True, 4.5, None):
        status, body = await rate(api, no, conversation, bad)
        assert status == 400 and "评分" in body["message"], (bad, body)
    status, body = await api.call("POST", f"/api/cases/{no}/rating", json={"conversation_id": conversation, "score": 5, "x": 1})
    assert status == 400 and body["error"] == "unknown_field"
