"""The case lifecycle over the API (issue 14), through the real aiohttp app on SQLite and
PostgreSQL with the app's injectable clock: extensions 15 → 30 → 60 with the approver's role
checked, pauses left off the deadline, the decision and its notice, 结案 after 告知, the 30-day
核查 window, every step in the history, the audit log and the notice feed; answers match the
OpenAPI document; random bodies never make a 500."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Dict, List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.casedesk import db as dbmod
from bot.casedesk.console.users import create_user
from bot.casedesk.db import DB_KEY

from .helpers import Api, Clock, ThreadedServer, case_payload
from .test_fuzz import FUZZ, check, plausible, request
from .test_openapi import check_against_document

SUPERVISOR, SENIOR, AGENT = "zhao.min", "qian.zong", "wang.ming"
DECISION = {
    "outcome": "partly_supported",
    "liability": "shared",
    "amount": "2,500.50",
    "reasons": "经调取监控核实，网点未提示风险，客户亦未妥善保管密码，双方均有责任，同意赔付一半损失。",
}


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def users(api: Api) -> None:
    db = api.app[DB_KEY]
    for username, role, name in ((SUPERVISOR, "supervisor", "赵敏"), (SENIOR, "senior_manager", "钱总"), (AGENT, "agent", "王明")):
        await create_user(db, username, "pw-" + "x" * 12, role, name, None)


async def new_case(api: Api, status: str = "in_progress", **fields: Any) -> str:
    code, created = await api.create(**fields)
    assert code == 201, created
    no = created["case_no"]
    if status != "new":
        code, body = await api.call("PATCH", f"/api/cases/{no}", json={"status": status})
        assert code == 200, body
    return no


async def flow(api: Api, no: str) -> Dict[str, Any]:
    code, body = await api.call("GET", f"/api/cases/{no}/lifecycle")
    assert code == 200, body
    check_against_document("/api/cases/{case_no}/lifecycle", "get", code, body)
    return body


async def post(api: Api, no: str, sub: str, body: Any = None, actor: str = "agent:li", expect: int = 201) -> Any:
    code, answer = await api.call("POST", f"/api/cases/{no}/{sub}", json=body, headers={"X-Actor": actor})
    assert code == expect, answer
    check_against_document(f"/api/cases/{{case_no}}/{sub}", "post", code, answer)
    return answer


async def audit_actions(api: Api, no: str) -> List[str]:
    return [a.action for a in await dbmod.audit_trail(api.app[DB_KEY], no)]


async def test_the_whole_lifecycle_with_extensions_a_pause_decision_notice_and_close(api: Api, clock: Clock) -> None:
    await users(api)
    no = await new_case(api)
    filed = parse((await flow(api, no))["clock"]["started_at"])
    start = await flow(api, no)
    assert start["step"] == "investigate" and start["clock"]["days"] == 15 and start["clock"]["next_extension"] == 30
    assert parse(start["clock"]["decision_due_at"]) == filed + timedelta(days=15)

    # 15 → 30 days, a supervisor's approval
    body = await post(api, no, "extensions", {"days": 30, "reason": "需向发卡机构调取交易凭证", "approved_by": SUPERVISOR})
    (ext,) = body["extensions"]
    assert (ext["from_days"], ext["to_days"], ext["approved_by"], ext["approved_role"]) == (15, 30, SUPERVISOR, "supervisor")
    assert parse(body["clock"]["decision_due_at"]) == filed + timedelta(days=30)

    # a pause for an external appraisal: three calendar days left off the deadline
    clock.advance(days=2)
    body = await post(api, no, "pause", {"reason": "送司法鉴定中心鉴定签名真伪"})
    assert body["clock"]["paused_since"] is not None
    _, listed = await api.call("GET", "/api/cases", params={"conversation_id": (await api.call("GET", f"/api/cases/{no}"))[1]["conversation_id"]})
    assert listed["items"][0]["sla"]["paused_since"] is not None
    clock.advance(days=3)
    body = await post(api, no, "pause/end", {"note": "鉴定结论已收到"}, expect=200)
    (pause,) = body["pauses"]
    assert pause["days"] == 3 and pause["end_note"] == "鉴定结论已收到"
    assert body["clock"]["paused_days"] == 3 and body["clock"]["paused_since"] is None
    assert parse(body["clock"]["decision_due_at"]) == filed + timedelta(days=33)

    # 30 → 60 days, only a senior manager
    body = await post(api, no, "extensions", {"days": 60, "reason": "涉及跨行调查，情况特别复杂", "approved_by": SENIOR})
    assert [e["approved_role"] for e in body["extensions"]] == ["supervisor", "senior_manager"]
    assert parse(body["clock"]["decision_due_at"]) == filed + timedelta(days=63)
    assert body["clock"]["next_extension"] is None

    # the decision: case resolved, clock stopped
    clock.advance(days=10)
    body = await post(api, no, "decision", DECISION, actor="agent:wang.ming")
    d = body["decision"]
    assert (d["outcome"], d["liability"], d["amount"], d["decided_by"], d["round"]) == ("partly_supported", "shared", "2500.50", "agent:wang.ming", 1)
    assert d["on_time"] is True and d["notified_at"] is None
    assert body["status"] == "resolved" and body["step"] == "decide" and body["review_open"] is True
    assert parse(body["review_window_ends_at"]) == parse(d["decided_at"]) + timedelta(days=30)
    code, case = await api.call("GET", f"/api/cases/{no}")
    assert case["status"] == "resolved" and case["sla"]["next_due_at"] is None

    # 告知, then 结案
    body = await post(api, no, "decision/notified", {"via": "phone", "note": "客户表示认可"}, expect=200)
    assert body["step"] == "notify" and body["decision"]["notified_via"] == "phone"
    code, closed = await api.call("PATCH", f"/api/cases/{no}", json={"status": "closed"})
    assert code == 200 and closed["status"] == "closed"
    assert (await flow(api, no))["step"] == "close"

    # every step is in the history and the audit log
    kinds = [h["kind"] for h in case["history"]]
    assert kinds == ["created", "status", "extend", "pause", "resume", "extend", "status", "decision"]
    assert await audit_actions(api, no) == [
        "create", "update", "extend", "pause", "read", "resume", "extend", "decision", "read", "notify", "update",
    ]


async def test_the_notice_feed_lists_the_steps_a_customer_is_told_of(api: Api, clock: Clock) -> None:
    await users(api)
    no = await new_case(api)
    await post(api, no, "extensions", {"days": 30, "reason": "需向发卡机构调取交易凭证", "approved_by": SUPERVISOR})
    await post(api, no, "pause", {"reason": "送外部机构评估"})
    clock.advance(days=1)
    await post(api, no, "pause/end", None, expect=200)  # an empty body is fine
    await post(api, no, "decision", DECISION)
    code, feed = await api.call("GET", "/api/lifecycle/events")
    assert code == 200
    check_against_document("/api/lifecycle/events", "get", code, feed)
    mine = [e for e in feed["items"] if e["case_no"] == no]
    assert [e["kind"] for e in mine] == ["created", "extend", "pause", "resume", "decision"]
    assert mine[1]["note"] == "需向发卡机构调取交易凭证" and mine[1]["new_value"]
    assert mine[4]["new_value"] == "partly_supported" and "双方均有责任" in mine[4]["note"]
    assert all(e["channel"] == "web" for e in mine)
    # a sender asks again from the last id it handled: nothing new yet
    code, again = await api.call("GET", "/api/lifecycle/events", params={"after": feed["next_after"]})
    assert code == 200 and again["items"] == [] and again["next_after"] == feed["next_after"]
    code, paged = await api.call("GET", "/api/lifecycle/events", params={"limit": 2})
    assert [e["id"] for e in paged["items"]] == [e["id"] for e in feed["items"][:2]]
    for bad in ({"after": "-1"}, {"limit": "0"}, {"limit": "201"}, {"since": "1"}):
        code, err = await api.call("GET", "/api/lifecycle/events", params=bad)
        assert code == 400 and err["error"] in ("invalid_value", "unknown_field"), err


async def test_who_may_extend_and_how_far(api: Api) -> None:
    await users(api)
    no = await new_case(api)
    body = {"days": 30, "reason": "需向发卡机构调取交易凭证"}
    code, err = await api.call("POST", f"/api/cases/{no}/extensions", json={**body, "approved_by": AGENT})
    assert code == 403 and err["error"] == "approval_required" and "主管或高级管理人员" in err["message"]
    code, err = await api.call("POST", f"/api/cases/{no}/extensions", json={**body, "approved_by": "nobody"})
    assert code == 400 and "不是在用的控制台账号" in err["message"]
    code, err = await api.call("POST", f"/api/cases/{no}/extensions", json={**body, "days": 60, "approved_by": SENIOR})
    assert code == 409 and "须先将办理期限延长至 30 天" in err["message"]
    await post(api, no, "extensions", {**body, "approved_by": SUPERVISOR})
    code, err = await api.call("POST", f"/api/cases/{no}/extensions", json={**body, "approved_by": SUPERVISOR})
    assert code == 409 and "须经高级管理人员审批" in err["message"]
    code, err = await api.call("POST", f"/api/cases/{no}/extensions", json={**body, "days": 60, "approved_by": SUPERVISOR})
    assert code == 403 and err["error"] == "approval_required" and "高级管理人员" in err["message"]
    check_against_document("/api/cases/{case_no}/extensions", "post", code, err)
    await post(api, no, "extensions", {**body, "days": 60, "approved_by": SENIOR})
    code, err = await api.call("POST", f"/api/cases/{no}/extensions", json={**body, "days": 60, "approved_by": SENIOR})
    assert code == 409 and "最长期限" in err["message"]
    # bad input is a 400 in Chinese, nothing changed
    for wrong, words in [
        ({**body, "days": 45, "approved_by": SENIOR}, "只能是 30 或 60"),
        ({"days": 30, "reason": "短", "approved_by": SENIOR}, "太短"),
        ({"days": 30, "approved_by": SENIOR}, "缺少必填字段“延期原因”"),
        ({**body, "approved_by": SENIOR, "by": "x"}, "无法识别字段"),
    ]:
        code, err = await api.call("POST", f"/api/cases/{no}/extensions", json=wrong)
        assert code == 400 and words in err["message"], err
    assert len((await flow(api, no))["extensions"]) == 2


async def test_the_first_extend_api_still_works_and_is_recorded(api: Api) -> None:
    await users(api)
    no = await new_case(api)
    code, body = await api.call("POST", f"/api/cases/{no}/extend", json={"reason": "需调取监控录像"}, headers={"X-Actor": "agent:li"})
    assert code == 200 and body["sla"]["extended"] is True and body["sla"]["decision_days"] == 30
    (ext,) = (await flow(api, no))["extensions"]
    assert (ext["approved_by"], ext["approved_role"], ext["to_days"]) == ("agent:li", None, 30)
    code, err = await api.call("POST", f"/api/cases/{no}/extend", json={"reason": "再延长"})
    assert code == 409 and err["error"] == "extension_not_allowed"
    await post(api, no, "extensions", {"days": 60, "reason": "情况特别复杂", "approved_by": SENIOR})


async def test_a_paused_case_is_not_overdue_and_its_days_move_the_deadline(api: Api, clock: Clock) -> None:
    no = await new_case(api)
    await post(api, no, "pause", {"reason": "送外部机构评估损失"})
    code, err = await api.call("POST", f"/api/cases/{no}/pause", json={"reason": "再暂停一次"})
    assert code == 409 and err["error"] == "pause_not_allowed" and "尚未恢复" in err["message"]
    clock.advance(days=20)
    _, overdue = await api.call("GET", "/api/cases", params={"overdue": "true"})
    assert no not in {c["case_no"] for c in overdue["items"]}
    body = await post(api, no, "pause/end", {}, expect=200)
    assert body["clock"]["paused_days"] == 20
    assert parse(body["clock"]["decision_due_at"]) - parse(body["clock"]["started_at"]) == timedelta(days=35)
    _, overdue = await api.call("GET", "/api/cases", params={"overdue": "true"})
    assert no not in {c["case_no"] for c in overdue["items"]}
    clock.advance(days=16)
    _, overdue = await api.call("GET", "/api/cases", params={"overdue": "true"})
    assert no in {c["case_no"] for c in overdue["items"]}
    code, err = await api.call("POST", f"/api/cases/{no}/pause/end", json={})
    assert code == 409 and err["error"] == "not_paused"


async def test_decision_input_and_state_are_checked(api: Api) -> None:
    no = await new_case(api, status="new")
    code, err = await api.call("POST", f"/api/cases/{no}/decision", json=DECISION)
    assert code == 409 and "尚未开始处理" in err["message"]
    check_against_document("/api/cases/{case_no}/decision", "post", code, err)
    await api.call("PATCH", f"/api/cases/{no}", json={"status": "acknowledged"})
    for wrong, words in [
        ({**DECISION, "outcome": "yes"}, "可选值为：supported, partly_supported, not_supported"),
        ({k: v for k, v in DECISION.items() if k != "liability"}, "缺少必填字段“责任认定”"),
        ({**DECISION, "reasons": "ok, fine, done"}, "请用中文写明处理理由"),
        ({**DECISION, "reasons": "同意"}, "太短"),
        ({**DECISION, "amount": "12.345"}, "不超过两位小数"),
        ({**DECISION, "amount": -5}, "不超过两位小数"),
        ({**DECISION, "outcome": "not_supported", "amount": 100}, "不支持"),
        ({**DECISION, "reasons": "经调查属实，同意赔付\x00"}, "不允许的字符"),
    ]:
        code, err = await api.call("POST", f"/api/cases/{no}/decision", json=wrong)
        assert code == 400 and words in err["message"], (wrong, err)
        check_against_document("/api/cases/{case_no}/decision", "post", code, err)
    assert (await flow(api, no))["decision"] is None
    body = await post(api, no, "decision", {**DECISION, "outcome": "not_supported", "liability": "not_liable", "amount": None})
    assert body["decision"]["amount"] is None and body["status"] == "resolved"
    code, err = await api.call("POST", f"/api/cases/{no}/decision", json=DECISION)
    assert code == 409 and "已有处理决定" in err["message"]


async def test_no_decision_while_the_clock_is_paused(api: Api) -> None:
    no = await new_case(api)
    await post(api, no, "pause", {"reason": "送外部机构评估"})
    code, err = await api.call("POST", f"/api/cases/{no}/decision", json=DECISION)
    assert code == 409 and "请先结束暂停" in err["message"]
    code, err = await api.call("PATCH", f"/api/cases/{no}", json={"status": "resolved"})
    assert code == 409 and "请先结束暂停" in err["message"]


async def test_close_only_after_the_customer_is_told(api: Api) -> None:
    no = await new_case(api)
    code, err = await api.call("POST", f"/api/cases/{no}/decision/notified", json={"via": "sms"})
    assert code == 409 and err["error"] == "no_decision"
    await post(api, no, "decision", DECISION)
    code, err = await api.call("PATCH", f"/api/cases/{no}", json={"status": "closed"})
    assert code == 409 and err["error"] == "decision_not_notified" and "尚未告知客户" in err["message"]
    await post(api, no, "decision/notified", {"via": "sms"}, expect=200)
    code, err = await api.call("POST", f"/api/cases/{no}/decision/notified", json={"via": "sms"})
    assert code == 409 and err["error"] == "already_notified"
    code, _ = await api.call("PATCH", f"/api/cases/{no}", json={"status": "closed"})
    assert code == 200
    # a case resolved without a decision record (the API alone, or before issue 14) closes as before
    legacy = await new_case(api)
    await api.call("PATCH", f"/api/cases/{legacy}", json={"status": "resolved"})
    assert (await flow(api, legacy))["step"] == "decide"
    code, _ = await api.call("PATCH", f"/api/cases/{legacy}", json={"status": "closed"})
    assert code == 200


async def test_review_within_thirty_days_reopens_even_a_closed_case(api: Api, clock: Clock) -> None:
    await users(api)
    no = await new_case(api)
    await post(api, no, "decision", DECISION)
    await post(api, no, "decision/notified", {"via": "phone"}, expect=200)
    await api.call("PATCH", f"/api/cases/{no}", json={"status": "closed"})
    clock.advance(days=30)  # the last moment of the window
    body = await post(api, no, "review", {"office": "总行消费者权益保护部", "reason": "客户认为赔付金额不足"})
    assert body["status"] == "in_progress" and body["step"] == "investigate" and body["clock"]["in_review"] is True
    (review,) = body["reviews"]
    assert review["office"] == "总行消费者权益保护部" and review["decision_id"] == body["decision"]["id"]
    # the office has 30 days from the request
    assert abs(parse(body["clock"]["decision_due_at"]) - (clock.now + timedelta(days=30))) < timedelta(seconds=1)
    assert body["clock"]["days"] == 30 and body["clock"]["next_extension"] is None
    code, err = await api.call("POST", f"/api/cases/{no}/extensions", json={"days": 60, "reason": "核查需要更多时间", "approved_by": SENIOR})
    assert code == 409 and "核查" in err["message"]
    # the review's decision is round 2; a second review is refused
    body = await post(api, no, "decision", {**DECISION, "outcome": "supported", "liability": "liable", "amount": "5000"})
    assert body["decision"]["round"] == 2 and [d["round"] for d in body["decisions"]] == [1, 2]
    code, err = await api.call("POST", f"/api/cases/{no}/review", json={"office": "总行消保部", "reason": "客户仍有异议"})
    assert code == 409 and err["error"] == "review_not_allowed"
    code, case = await api.call("GET", f"/api/cases/{no}")
    assert [h["kind"] for h in case["history"]][-4:] == ["status", "review", "status", "decision"]
    assert "review" in await audit_actions(api, no)


async def test_review_after_thirty_days_is_refused_in_plain_chinese(api: Api, clock: Clock) -> None:
    no = await new_case(api)
    await post(api, no, "decision", DECISION)
    clock.advance(days=30, minutes=1)
    code, err = await api.call("POST", f"/api/cases/{no}/review", json={"office": "总行消费者权益保护部", "reason": "客户有异议"})
    assert code == 409 and err["error"] == "review_window_closed"
    assert "30 日内" in err["message"] and "已超过期限，不能再申请核查" in err["message"]
    check_against_document("/api/cases/{case_no}/review", "post", code, err)
    assert (await flow(api, no))["review_open"] is False
    fresh = await new_case(api)
    code, err = await api.call("POST", f"/api/cases/{fresh}/review", json={"office": "总行消保部", "reason": "客户有异议"})
    assert code == 409 and "只有已作出处理决定" in err["message"]


async def test_withdrawal_ends_a_running_pause(api: Api, clock: Clock) -> None:
    no = await new_case(api)
    await post(api, no, "pause", {"reason": "送外部机构评估"})
    clock.advance(days=2)
    code, _ = await api.call("PATCH", f"/api/cases/{no}", json={"status": "withdrawn"})
    assert code == 200
    body = await flow(api, no)
    assert body["step"] == "withdrawn" and body["clock"]["paused_since"] is None
    assert body["pauses"][0]["days"] == 2 and "撤诉" in body["pauses"][0]["end_note"]


async def test_reasons_are_stored_masked(api: Api) -> None:
    no = await new_case(api, customer_name="欧阳建国")
    body = await post(api, no, "decision", {**DECISION, "reasons": "经核实，欧阳建国的手机13912345678确被他人冒用，同意赔付。"})
    assert body["decision"]["reasons"] == "经核实，欧**国的手机139****5678确被他人冒用，同意赔付。"


async def test_unknown_case_and_bad_case_number(api: Api) -> None:
    for path in ("TS20260101999999/lifecycle", "nope/lifecycle"):
        code, err = await api.call("GET", f"/api/cases/{path}")
        assert code == 404 and err["error"] == "not_found"
    code, err = await api.call("POST", "/api/cases/TS20260101999999/decision", json=DECISION)
    assert code == 404
    code, err = await api.call("POST", "/api/cases/TS20260101999999/pause", json={"reason": "送外部机构评估"}, auth=False)
    assert code == 401


# --- random bodies never make a 500 --------------------------------------------------------------

lifecycle_bodies = (
    st.fixed_dictionaries(
        {},
        optional={k: plausible for k in ("outcome", "liability", "amount", "reasons", "days", "reason", "approved_by", "note", "via", "office", "extra")},
    ).map(lambda d: json.dumps(d, default=str).encode())
    | st.binary(max_size=60)
)


@pytest.fixture(scope="module")
def lifecycle_case(threaded_server: ThreadedServer) -> str:
    status, body = request(threaded_server, "POST", "/api/cases", json.dumps(case_payload()).encode())
    assert status == 201
    request(threaded_server, "PATCH", f"/api/cases/{body['case_no']}", json.dumps({"status": "in_progress"}).encode())
    return body["case_no"]


@FUZZ
@given(body=lifecycle_bodies, sub=st.sampled_from(["decision", "decision/notified", "extensions", "pause", "pause/end", "review"]))
def test_fuzz_lifecycle(threaded_server: ThreadedServer, lifecycle_case: str, body: bytes, sub: str) -> None:
    check(*request(threaded_server, "POST", f"/api/cases/{lifecycle_case}/{sub}", body))
    check(*request(threaded_server, "GET", f"/api/cases/{lifecycle_case}/lifecycle"))
