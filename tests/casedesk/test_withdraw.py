"""POST /api/progress/withdraw (issue 14, 撤诉): a customer withdraws a complaint from the chat, on
SQLite and PostgreSQL. The check is the progress lookup's (same count of wrong tries, same lock);
the change goes through the PATCH path, so history, audit, a running pause and the confirmation
notice are what an agent's change would make."""
from __future__ import annotations

import dataclasses
import uuid
from typing import Any, Dict, List, Optional, Tuple

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.casedesk.customer import notices
from bot.casedesk.db import DB_KEY
from bot.casedesk.app import init_app
from bot.casedesk.models import AuditEntry, Case, CaseEvent, CaseNotice
from bot.casedesk.settings import NoticeSettings, Settings

from .helpers import Api

WITHDRAW = "/api/progress/withdraw"
LOOKUP = "/api/progress/lookup"


@pytest.fixture
async def api(settings: Settings) -> Any:
    # no outbox loop: the tests make the notices themselves
    quiet = dataclasses.replace(settings, notices=NoticeSettings(dispatch_seconds=0))
    client = TestClient(TestServer(init_app(quiet), host="127.0.0.1"))
    await client.start_server()
    try:
        yield Api(client)
    finally:
        await client.close()


async def file_case(api: Api, **fields: Any) -> Tuple[str, str]:
    fields.setdefault("conversation_id", "rest:" + uuid.uuid4().hex)
    code, body = await api.create(**fields)
    assert code == 201, body
    return body["case_no"], fields["conversation_id"]


async def withdraw(api: Api, conversation: str, case_no: Optional[str], last4: str, reason: Optional[str] = None) -> Tuple[int, Any]:
    body: Dict[str, Any] = {"conversation_id": conversation, "phone_last4": last4}
    if case_no is not None:
        body["case_no"] = case_no
    if reason is not None:
        body["reason"] = reason
    return await api.call("POST", WITHDRAW, json=body)


async def history(api: Api, case_no: str) -> List[CaseEvent]:
    async with api.app[DB_KEY].reading() as s:
        stmt = select(CaseEvent).join(Case, Case.id == CaseEvent.case_id).where(Case.case_no == case_no).order_by(CaseEvent.id)
        return list((await s.execute(stmt)).scalars())


async def test_the_customer_withdraws_with_the_right_digits(api: Api) -> None:
    no, conversation = await file_case(api)
    status, body = await withdraw(api, conversation, no, "5678", "钱已经退回来了，我打13812345678问过了")
    assert status == 200, body
    assert body["withdrawn"] is True and body["case_no"] == no
    assert body["status"] == "withdrawn" and body["status_label"] == "已按您的要求撤回"
    assert body["next_deadline"] is None
    code, case = await api.call("GET", f"/api/cases/{no}")
    assert code == 200 and case["status"] == "withdrawn"
    # the history says who and why, with the number masked; the audit has the check and the change
    last = (await history(api, no))[-1]
    assert (last.kind, last.old_value, last.new_value, last.actor) == ("status", "new", "withdrawn", "customer")
    assert last.note.startswith("客户在对话中撤回投诉：钱已经退回来了") and "13812345678" not in last.note
    async with api.app[DB_KEY].reading() as s:
        actions = [a for (a,) in (await s.execute(select(AuditEntry.action).where(AuditEntry.case_no == no).order_by(AuditEntry.id)))]
    assert [a for a in actions if a != "read"][-2:] == ["progress_read", "update"]


async def test_a_retry_withdraws_once(api: Api) -> None:
    no, conversation = await file_case(api)
    first = await withdraw(api, conversation, no, "5678")
    again = await withdraw(api, conversation, no, "5678")
    assert first[0] == again[0] == 200 and again[1]["status"] == "withdrawn"
    assert [e.new_value for e in await history(api, no) if e.kind == "status"] == ["withdrawn"]


async def test_the_latest_case_of_the_conversation_without_a_number(api: Api) -> None:
    no, conversation = await file_case(api)
    status, body = await withdraw(api, conversation, None, "5678")
    assert status == 200 and body["case_no"] == no
    status, body = await withdraw(api, "rest:filed-nothing", None, "5678")
    assert status == 404 and body["error"] == "no_case_in_conversation"


async def test_wrong_digits_withdraw_nothing_and_count_with_lookups(api: Api) -> None:
    no, _ = await file_case(api)
    status, body = await withdraw(api, "rest:guess", no, "0000")
    assert status == 403 and body == {"error": "verification_failed", "message": body["message"], "attempts_left": 2}
    # one count for lookups and withdrawals: two more wrong tries of either kind lock both
    assert (await api.call("POST", LOOKUP, json={"conversation_id": "rest:guess", "case_no": no, "phone_last4": "1111"}))[0] == 403
    assert (await withdraw(api, "rest:guess", no, "2222"))[0] == 429
    status, body = await withdraw(api, "rest:guess", no, "5678")
    assert status == 429 and body["error"] == "lookup_locked"
    code, case = await api.call("GET", f"/api/cases/{no}")
    assert case["status"] == "new"
    # an unknown number answers like wrong digits: nothing tells the number exists
    other = await withdraw(api, "rest:other", "TS20991231000001", "5678")
    assert other[0] == 403 and other[1]["attempts_left"] == 2


async def test_a_decided_case_cannot_be_withdrawn(api: Api) -> None:
    no, conversation = await file_case(api)
    for target in ("in_progress", "resolved"):
        assert (await api.call("PATCH", f"/api/cases/{no}", json={"status": target}))[0] == 200
    status, body = await withdraw(api, conversation, no, "5678")
    assert status == 409 and body["error"] == "already_decided"
    assert body["status"] == "resolved" and body["status_label"] == "已办结，处理结果已答复"
    assert "customer_name" not in body and "phone" not in body
    code, case = await api.call("GET", f"/api/cases/{no}")
    assert case["status"] == "resolved"


async def test_a_running_pause_ends_with_the_withdrawal(api: Api) -> None:
    no, conversation = await file_case(api)
    assert (await api.call("PATCH", f"/api/cases/{no}", json={"status": "in_progress"}))[0] == 200
    code, body = await api.call("POST", f"/api/cases/{no}/pause", json={"reason": "送司法鉴定中心鉴定签名"}, headers={"X-Actor": "agent:li"})
    assert code == 201, body
    assert (await withdraw(api, conversation, no, "5678"))[0] == 200
    code, life = await api.call("GET", f"/api/cases/{no}/lifecycle")
    assert code == 200 and life["clock"]["paused_since"] is None and life["step"] == "withdrawn"
    assert life["pauses"][0]["ended_at"] is not None


async def test_bad_input_is_refused_in_chinese(api: Api) -> None:
    no, conversation = await file_case(api)
    status, body = await withdraw(api, conversation, no, "5678", "很" * 201)
    assert status == 400 and "撤诉原因" in body["message"]
    status, body = await api.call("POST", WITHDRAW, json={"conversation_id": conversation, "phone_last4": "5678", "phone": "1"})
    assert status == 400 and body["error"] == "unknown_field"
    status, body = await withdraw(api, conversation, "TS12", "5678")
    assert status == 400 and body["error"] == "invalid_value"


async def test_the_customer_is_sent_a_confirmation(api: Api) -> None:
    no, conversation = await file_case(api)
    await withdraw(api, conversation, no, "5678")
    # an agent's PATCH to withdrawn (the customer told them on the phone) confirms the same way
    other, _ = await file_case(api, channel="wechat")
    assert (await api.call("PATCH", f"/api/cases/{other}", json={"status": "withdrawn"}))[0] == 200
    outbox: notices.Outbox = api.app[notices.OUTBOX_KEY]
    assert await outbox.make() == 4  # two 受理, two 撤诉
    async with api.app[DB_KEY].reading() as s:
        rows = (await s.execute(select(CaseNotice).where(CaseNotice.kind == "withdrawn").order_by(CaseNotice.id))).scalars().all()
    assert [r.step_key.startswith("e") for r in rows] == [True, True]
    assert rows[0].text.startswith(f"您的投诉（编号 {no}）已按您的要求撤回")
    code, listed = await api.call("GET", f"/api/cases/{other}/notices")
    assert code == 200 and [n["kind"] for n in listed["items"]][-1] == "withdrawn"
