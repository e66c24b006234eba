"""POST /api/progress/lookup (issue 14): a customer's progress lookup through the assistant, on
SQLite and PostgreSQL, with the app's clock moved instead of waiting out the lock."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

from sqlalchemy import select

from bot.casedesk.customer import progress
from bot.casedesk.db import DB_KEY
from bot.casedesk.cases.case_rules import CHINA_TZ
from bot.casedesk.models import AuditEntry

from .helpers import Api, Clock

LOOKUP = "/api/progress/lookup"
NOTE = "内部备注：客户情绪激动，疑似重复投诉，先别回电"


async def file_case(api: Api, **fields: Any) -> Dict[str, Any]:
    status, body = await api.create(**fields)
    assert status == 201, body
    return body


async def ask(api: Api, conversation: str, case_no: Any, last4: str) -> tuple:
    body: Dict[str, Any] = {"conversation_id": conversation, "phone_last4": last4}
    if case_no is not None:
        body["case_no"] = case_no
    return await api.call("POST", LOOKUP, json=body)


async def audit_rows(api: Api) -> List[AuditEntry]:
    async with api.app[DB_KEY].reading() as s:
        stmt = select(AuditEntry).where(AuditEntry.action.like("progress_%")).order_by(AuditEntry.id)
        return list((await s.execute(stmt)).scalars())


async def test_right_digits_answer_what_the_customer_may_see(api: Api, clock: Clock) -> None:
    case = await file_case(api)
    status, body = await ask(api, "rest:customer-1", case["case_no"], "5678")
    assert status == 200, body
    assert body["verified"] is True and body["case_no"] == case["case_no"]
    assert body["status"] == "new" and body["status_label"] == "已受理，正在安排专人与您联系"
    assert body["handled_by"] == "投诉处理中心交易争议组"
    # a normal case: the next commitment is the first contact within 24 h, as a Beijing date
    created = datetime.fromisoformat(case["created_at"])
    due = (created + timedelta(hours=24)).astimezone(CHINA_TZ).date()
    assert body["next_deadline"] == {"date": due.isoformat(), "kind": "contact", "label": "专人与您联系"}
    # told of nothing since 受理 (test_notices.py follows the updates)
    assert body["latest_update"] is None
    assert set(body) == {"verified", "case_no", "status", "status_label", "handled_by", "next_deadline", "latest_update"}


async def test_wrong_digits_and_unknown_number_get_the_same_answer(api: Api) -> None:
    case = await file_case(api)
    no_phone = await file_case(api, phone=None)
    wrong = await ask(api, "rest:a", case["case_no"], "1234")
    unknown = await ask(api, "rest:b", "TS20991231000001", "5678")
    without_phone = await ask(api, "rest:c", no_phone["case_no"], "5678")
    assert wrong == unknown == without_phone
    status, body = wrong
    assert status == 403 and body["error"] == "verification_failed" and body["attempts_left"] == 2
    assert case["case_no"] not in json.dumps(body, ensure_ascii=False)


async def test_input_is_checked_and_lower_case_numbers_are_taken(api: Api) -> None:
    case = await file_case(api)
    status, body = await ask(api, "rest:x", case["case_no"].lower(), "5678")
    assert status == 200, body
    for bad in ("56789", "５６７８", "12a4", ""):
        status, body = await ask(api, "rest:x", case["case_no"], bad)
        assert status == 400, (bad, body)
    status, body = await ask(api, "rest:x", "TS2026", "5678")
    assert status == 400 and body["error"] == "invalid_value"
    status, body = await api.call("POST", LOOKUP, json={"conversation_id": "rest:x", "phone_last4": "5678", "phone": "13812345678"})
    assert status == 400 and body["error"] == "unknown_field"


async def test_three_wrong_tries_lock_the_conversation_for_15_minutes(api: Api, clock: Clock) -> None:
    case = await file_case(api)
    no = case["case_no"]
    assert (await ask(api, "rest:guess", no, "0000"))[1]["attempts_left"] == 2
    assert (await ask(api, "rest:guess", no, "1111"))[1]["attempts_left"] == 1
    status, body = await ask(api, "rest:guess", no, "2222")
    assert status == 429 and body["error"] == "lookup_locked"
    assert body["retry_after_seconds"] == 15 * 60
    # locked: even the right digits are refused, and another number too
    status, body = await ask(api, "rest:guess", no, "5678")
    assert status == 429 and "progress" not in body and "status" not in body
    assert (await ask(api, "rest:guess", "TS20991231000001", "5678"))[0] == 429
    # another conversation is not locked
    assert (await ask(api, "rest:owner", no, "5678"))[0] == 200
    clock.advance(minutes=14, seconds=59)
    assert (await ask(api, "rest:guess", no, "5678"))[0] == 429
    clock.advance(seconds=1)
    status, body = await ask(api, "rest:guess", no, "5678")
    assert status == 200, body
    # after the lock the count starts afresh
    assert (await ask(api, "rest:guess", no, "0000"))[1]["attempts_left"] == 2


async def test_a_right_answer_ends_the_streak(api: Api) -> None:
    case = await file_case(api)
    no = case["case_no"]
    await ask(api, "rest:typo", no, "0000")
    await ask(api, "rest:typo", no, "1111")
    assert (await ask(api, "rest:typo", no, "5678"))[0] == 200
    assert (await ask(api, "rest:typo", no, "0000"))[1]["attempts_left"] == 2


async def test_one_number_guessed_from_many_conversations_is_locked(api: Api, clock: Clock) -> None:
    case = await file_case(api)
    no = case["case_no"]
    for i in range(progress.CASE_MAX_FAILURES):
        status, _ = await ask(api, f"rest:bot-{i}", no, f"{i:04d}")
        assert status == 403
    status, body = await ask(api, "rest:owner", no, "5678")
    assert status == 429, body
    clock.advance(hours=24)
    assert (await ask(api, "rest:owner", no, "5678"))[0] == 200


async def test_no_internal_note_name_phone_or_owner_leaks(api: Api) -> None:
    case = await file_case(api)
    no = case["case_no"]
    await api.call("POST", f"/api/cases/{no}/transcript", json={"turns": [{"role": "note", "text": NOTE}]})
    status, _ = await api.call(
        "PATCH", f"/api/cases/{no}", json={"status": "in_progress", "owner": "zhang.san", "note": NOTE},
        headers={"X-Actor": "agent:zhang.san"},
    )
    assert status == 200
    status, body = await ask(api, "rest:c1", no, "5678")
    assert status == 200
    text = json.dumps(body, ensure_ascii=False)
    for secret in (NOTE, "客户情绪", "zhang", "王建国", "王*国", "13812345678", "138****5678", "朝阳路", "盗刷", "追回"):
        assert secret not in text, secret
    assert body["status_label"] == "正在调查处理中"
    # a person took it: the customer reads the team of this kind of case, not the user name
    assert body["handled_by"] == "投诉处理中心交易争议组"
    assert body["next_deadline"]["kind"] == "decision"


async def test_every_try_is_audited_without_the_conversation_id(api: Api, clock: Clock) -> None:
    case = await file_case(api)
    no = case["case_no"]
    await ask(api, "wechat:oOpenId123", no, "0000")
    await ask(api, "wechat:oOpenId123", no, "5678")
    for _ in range(3):
        await ask(api, "wechat:oOpenId456", no, "9999")
    await ask(api, "wechat:oOpenId456", no, "5678")
    rows = await audit_rows(api)
    assert [r.action for r in rows] == [
        "progress_denied", "progress_read",
        "progress_denied", "progress_denied", "progress_denied", "progress_locked",
    ]
    assert all(r.case_no == no and r.remote for r in rows)
    first, second = rows[0].actor, rows[2].actor
    assert first.startswith("customer:") and first == rows[1].actor and first != second
    assert all("oOpenId" not in r.actor for r in rows)


async def test_latest_case_of_the_conversation(api: Api, clock: Clock) -> None:
    await file_case(api, conversation_id="rest:twice")
    clock.advance(minutes=5)
    later = await file_case(api, conversation_id="rest:twice", phone="13900001111")
    status, body = await ask(api, "rest:twice", None, "1111")
    assert status == 200 and body["case_no"] == later["case_no"]
    status, body = await ask(api, "rest:nothing-filed", None, "1111")
    assert status == 404 and body["error"] == "no_case_in_conversation"
    # "no case here" is no wrong try
    assert (await ask(api, "rest:nothing-filed", later["case_no"], "0000"))[1]["attempts_left"] == 2


async def test_decided_case_has_no_deadline(api: Api) -> None:
    case = await file_case(api, priority="high")
    no = case["case_no"]
    status, body = await ask(api, "rest:h", no, "5678")
    assert body["handled_by"] == "投诉处理中心加急处理组" and body["next_deadline"]["kind"] == "contact"
    for target in ("in_progress", "resolved"):
        assert (await api.call("PATCH", f"/api/cases/{no}", json={"status": target}))[0] == 200
    status, body = await ask(api, "rest:h", no, "5678")
    assert body["status_label"] == "已办结，处理结果已答复" and body["next_deadline"] is None


async def test_landline_uses_its_last_four_digits(api: Api) -> None:
    case = await file_case(api, phone="0571-87023456")
    assert (await ask(api, "rest:l", case["case_no"], "3456"))[0] == 200


def test_lock_rule_on_a_fixed_clock() -> None:
    t0 = datetime(2026, 12, 6, 2, 0, tzinfo=timezone.utc)
    minute = timedelta(minutes=1)
    wrong = [(t0, False), (t0 + minute, False), (t0 + 2 * minute, False)]
    assert progress.lock_until(wrong[:2], t0 + 2 * minute) == (None, 2)
    assert progress.lock_until(wrong, t0 + 3 * minute) == (t0 + 2 * minute + progress.LOCK_FOR, 3)
    assert progress.lock_until(wrong, t0 + 17 * minute) == (None, 0)
    # a try after the lock ended starts a new count
    assert progress.lock_until(wrong + [(t0 + 20 * minute, False)], t0 + 21 * minute) == (None, 1)
    assert progress.lock_until([(t0, False), (t0 + minute, True), (t0 + 2 * minute, False)], t0 + 3 * minute) == (None, 1)
