"""SLA deadlines and overdue lists, repeat and group complaints, with the app's clock moved."""
from __future__ import annotations

from datetime import datetime, timedelta

from bot.casedesk import db as dbmod
from bot.casedesk.db import DB_KEY

from .helpers import Api, Clock


def parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts)


async def overdue_nos(api: Api, overdue: str = "true") -> set:
    status, body = await api.call("GET", "/api/cases", params={"overdue": overdue, "limit": "200"})
    assert status == 200
    return {c["case_no"] for c in body["items"]}


async def test_deadlines_on_creation(api: Api) -> None:
    _, normal = await api.create(priority="normal")
    created = parse(normal["created_at"])
    assert parse(normal["sla"]["contact_due_at"]) - created == timedelta(hours=24)
    assert normal["sla"]["reply_due_at"] is None
    assert parse(normal["sla"]["decision_due_at"]) - created == timedelta(days=15)
    _, high = await api.create(priority="high")
    created = parse(high["created_at"])
    assert parse(high["sla"]["contact_due_at"]) - created == timedelta(hours=1)
    assert parse(high["sla"]["reply_due_at"]) - created == timedelta(hours=4)


async def test_overdue_contact_reply_and_decision(api: Api, clock: Clock) -> None:
    _, high = await api.create(priority="high", phone="13900000001")
    _, normal = await api.create(priority="normal", phone="13900000002")
    _, contacted = await api.create(priority="normal", phone="13900000003")
    await api.call("PATCH", f"/api/cases/{contacted['case_no']}", json={"status": "acknowledged"})
    assert await overdue_nos(api) == set()

    clock.advance(hours=2)
    assert await overdue_nos(api) == {high["case_no"]}
    _, item = await api.call("GET", f"/api/cases/{high['case_no']}")
    assert item["sla"]["overdue"] == ["contact"]

    await api.call("PATCH", f"/api/cases/{high['case_no']}", json={"status": "acknowledged"})
    clock.advance(hours=3)  # past the 4 h reply promise of the green channel
    assert await overdue_nos(api) == {high["case_no"]}
    await api.call("PATCH", f"/api/cases/{high['case_no']}", json={"status": "in_progress"})
    assert await overdue_nos(api) == set()

    clock.advance(hours=20)  # past 24 h: the uncontacted normal case
    assert await overdue_nos(api) == {normal["case_no"]}
    assert await overdue_nos(api, "false") == {high["case_no"], contacted["case_no"]}

    clock.advance(days=15)
    assert await overdue_nos(api) == {high["case_no"], normal["case_no"], contacted["case_no"]}
    # the db query behind it, for schedulers and reports
    rows = await dbmod.list_overdue(api.app[DB_KEY], clock())
    assert {r.case_no for r in rows} == await overdue_nos(api)


async def test_extension_moves_the_decision_deadline(api: Api, clock: Clock) -> None:
    _, case = await api.create()
    no = case["case_no"]
    await api.call("PATCH", f"/api/cases/{no}", json={"status": "in_progress"})
    clock.advance(days=16)
    assert no in await overdue_nos(api)
    status, body = await api.call("POST", f"/api/cases/{no}/extend", json={"reason": "涉及跨行调查，已短信告知客户"})
    assert status == 200
    assert parse(body["sla"]["decision_due_at"]) - parse(body["created_at"]) == timedelta(days=30)
    assert no not in await overdue_nos(api)
    clock.advance(days=15)
    assert no in await overdue_nos(api)
    status, _ = await api.call("PATCH", f"/api/cases/{no}", json={"status": "resolved"})
    assert no not in await overdue_nos(api)


async def test_resolved_and_closed_cases_are_never_overdue(api: Api, clock: Clock) -> None:
    _, case = await api.create(priority="high")
    no = case["case_no"]
    await api.call("PATCH", f"/api/cases/{no}", json={"status": "in_progress"})
    await api.call("PATCH", f"/api/cases/{no}", json={"status": "resolved"})
    clock.advance(days=40)
    assert no not in await overdue_nos(api)


async def test_repeat_within_30_days_links_the_earlier_case(api: Api, clock: Clock) -> None:
    _, first = await api.create(phone="13700001111", category="product_service")
    clock.advance(days=10)
    _, other_cat = await api.create(phone="137-0000-1111", category="staff_service")
    _, repeat = await api.create(phone="+86 13700001111", category="product_service")
    assert other_cat["repeat_flag"] is False and other_cat["repeat_of"] is None
    assert repeat["repeat_flag"] is True and repeat["repeat_of"] == first["case_no"]
    clock.advance(days=31)
    _, late = await api.create(phone="13700001111", category="product_service")
    assert late["repeat_flag"] is False
    status, body = await api.call("GET", "/api/cases", params={"repeat": "true"})
    assert [c["case_no"] for c in body["items"]] == [repeat["case_no"]]


async def test_group_complaint_flags_all_members(api: Api, clock: Clock) -> None:
    branch = "望京支行"
    _, a = await api.create(branch=branch, category="business_operation", phone="13600000001")
    _, a2 = await api.create(branch=branch, category="business_operation", phone="13600000001")
    _, b = await api.create(branch=branch, category="business_operation", phone="13600000002")
    _, elsewhere = await api.create(branch="别的支行", category="business_operation", phone="13600000009")
    assert not any(x["group_flag"] for x in (a, a2, b, elsewhere))  # two customers only
    clock.advance(hours=5)
    _, c = await api.create(branch=branch, category="business_operation", phone="13600000003")
    assert c["group_flag"] is True and c["group_key"]
    status, body = await api.call("GET", "/api/cases", params={"group": "true"})
    flagged = {x["case_no"]: x["group_key"] for x in body["items"]}
    assert set(flagged) == {a["case_no"], a2["case_no"], b["case_no"], c["case_no"]}
    assert len(set(flagged.values())) == 1
    _, detail = await api.call("GET", f"/api/cases/{a['case_no']}")
    assert any(h["kind"] == "flag" for h in detail["history"])
    # a later one inside the window joins the same group under the same key
    clock.advance(hours=10)
    _, d = await api.create(branch=branch, category="business_operation", phone="13600000004")
    assert d["group_key"] == c["group_key"]
    # the window is the 24 h before each new case: alone again after a quiet day
    clock.advance(days=3)
    _, late = await api.create(branch=branch, category="business_operation", phone="13600000005")
    assert late["group_flag"] is False
