"""The case API end to end over HTTP, on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import select

from bot.casedesk.db import DB_KEY
from bot.casedesk.models import AuditEntry, Case

from .helpers import Api, case_payload


async def test_health_is_public(api: Api) -> None:
    status, body = await api.call("GET", "/healthz", auth=False)
    # (no Rasa runs beside these tests: degraded, test_health.py has the rest)
    assert status == 200 and body["status"] in ("ok", "degraded") and body["checks"]["database"]["status"] == "ok"


async def test_create_returns_case_no_and_masked_case(api: Api) -> None:
    status, body = await api.create()
    assert status == 201
    assert body["case_no"].startswith("TS") and len(body["case_no"]) == 16
    assert body["status"] == "new"
    assert body["customer_name"] == "王*国" and body["phone"] == "138****5678"
    assert body["masked"] is True
    assert body["amount"] == "5000.00"
    assert body["owner"] == "queue:transaction_dispute"
    assert body["compensation_requested"] is True


async def test_minimal_payload_from_the_contract(api: Api) -> None:
    status, body = await api.call(
        "POST",
        "/api/cases",
        json={"conversation_id": "c-min", "intake_id": "i-min", "channel": "wechat", "description": "柜台排队太久"},
    )
    assert status == 201
    assert (body["category"], body["business_line"], body["priority"]) == ("other", "other", "normal")
    assert body["customer_name"] is None and body["phone"] is None
    assert body["owner"] == "queue:general"


async def test_create_is_idempotent_on_conversation_and_intake(api: Api) -> None:
    payload = case_payload()
    s1, first = await api.call("POST", "/api/cases", json=payload)
    s2, again = await api.call("POST", "/api/cases", json=payload)
    assert (s1, s2) == (201, 200)
    assert again["case_no"] == first["case_no"]
    other = dict(payload, intake_id="another-intake")
    s3, third = await api.call("POST", "/api/cases", json=other)
    assert s3 == 201 and third["case_no"] != first["case_no"]
    _, listed = await api.call("GET", "/api/cases", params={"conversation_id": payload["conversation_id"]})
    assert listed["total"] == 2


async def test_handoff_forces_high_priority_and_sla(api: Api) -> None:
    status, body = await api.create(priority="normal", handoff_reason="media", escalation_signals=["media", "曝光"])
    assert status == 201
    assert body["priority"] == "high" and body["owner"] == "queue:high_priority"
    assert body["escalation_signals"] == ["media", "曝光"]
    sla = body["sla"]
    assert sla["reply_due_at"] is not None


async def test_detail_has_full_values_transcript_and_is_audited(api: Api) -> None:
    _, created = await api.create()
    case_no = created["case_no"]
    status, detail = await api.call("GET", f"/api/cases/{case_no}", headers={"X-Actor": "agent:zhang.san"})
    assert status == 200
    assert detail["customer_name"] == "王建国" and detail["phone"] == "13812345678"
    assert detail["masked"] is False
    assert [t["role"] for t in detail["transcript"]] == ["customer", "bot"]
    assert detail["history"][0]["kind"] == "created"
    await api.call("GET", f"/api/cases/{case_no}")
    db = api.app[DB_KEY]
    async with db.reading() as s:
        rows = (await s.execute(select(AuditEntry).where(AuditEntry.case_no == case_no).order_by(AuditEntry.id))).scalars().all()
    reads = [r for r in rows if r.action == "read"]
    assert [r.actor for r in reads] == ["agent:zhang.san", "service"]
    assert all(r.at is not None and r.remote for r in reads)
    assert [r.action for r in rows][0] == "create"


async def test_list_filters_and_paging(api: Api) -> None:
    await api.create(category="staff_service", priority="normal")
    await api.create(category="product_service", priority="high")
    _, third = await api.create(category="product_service", priority="normal")
    await api.call("PATCH", f"/api/cases/{third['case_no']}", json={"status": "acknowledged"})

    async def total(**params: str) -> int:
        status, body = await api.call("GET", "/api/cases", params=params)
        assert status == 200, body
        for item in body["items"]:
            assert item["masked"] is True and "description" not in item
            assert item["phone"] in (None, "138****5678")
        return body["total"]

    assert await total() == 3
    assert await total(category="product_service") == 2
    assert await total(priority="high") == 1
    assert await total(status="acknowledged") == 1
    assert await total(status="new,acknowledged") == 3
    assert await total(category="product_service", priority="normal") == 1
    # same phone, same category within 30 days: the third repeats the second
    assert await total(repeat="true") == 1 and await total(repeat="false") == 2
    _, page = await api.call("GET", "/api/cases", params={"limit": "2", "offset": "0"})
    _, rest = await api.call("GET", "/api/cases", params={"limit": "2", "offset": "2"})
    assert len(page["items"]) == 2 and len(rest["items"]) == 1
    assert page["items"][0]["case_no"] > page["items"][1]["case_no"]  # newest first


async def test_status_flow_and_history(api: Api) -> None:
    _, created = await api.create()
    no = created["case_no"]
    for target in ("acknowledged", "in_progress", "resolved", "in_progress", "resolved", "closed"):
        status, body = await api.call("PATCH", f"/api/cases/{no}", json={"status": target, "note": "已电话联系客户"}, headers={"X-Actor": "agent:li"})
        assert status == 200, body
        assert body["status"] == target
    _, detail = await api.call("GET", f"/api/cases/{no}")
    statuses = [(h["old_value"], h["new_value"]) for h in detail["history"] if h["kind"] == "status"]
    assert statuses[0] == ("new", "acknowledged") and statuses[-1] == ("resolved", "closed")
    assert all(h["actor"] == "agent:li" for h in detail["history"] if h["kind"] == "status")
    sla = detail["sla"]
    assert sla["contacted_at"] and sla["replied_at"] and sla["resolved_at"]


async def test_illegal_transition_is_409(api: Api) -> None:
    _, created = await api.create()
    no = created["case_no"]
    status, body = await api.call("PATCH", f"/api/cases/{no}", json={"status": "closed"})
    assert status == 409 and body["error"] == "illegal_transition" and "不能变更" in body["message"]
    await api.call("PATCH", f"/api/cases/{no}", json={"status": "withdrawn"})
    status, body = await api.call("PATCH", f"/api/cases/{no}", json={"status": "in_progress"})
    assert status == 409
    # an illegal change leaves the case untouched, corrections in the same request included
    status, body = await api.call("PATCH", f"/api/cases/{no}", json={"status": "new", "branch": "别的支行"})
    assert status == 409
    _, detail = await api.call("GET", f"/api/cases/{no}")
    assert detail["status"] == "withdrawn" and detail["branch"] == "朝阳路支行"


async def test_same_status_is_a_no_op(api: Api) -> None:
    _, created = await api.create()
    status, body = await api.call("PATCH", f"/api/cases/{created['case_no']}", json={"status": "new"})
    assert status == 200 and body["updated_at"] == created["updated_at"]


async def test_corrections_are_recorded_masked(api: Api) -> None:
    _, created = await api.create()
    no = created["case_no"]
    status, body = await api.call(
        "PATCH",
        f"/api/cases/{no}",
        json={"phone": "139 0000 1111", "customer_name": "王建军", "amount": "12,800.50", "branch": "建国门支行", "occurred_at": "2026-11-20T15:00:00"},
    )
    assert status == 200, body
    assert body["phone"] == "139****1111" and body["customer_name"] == "王*军"
    assert body["amount"] == "12800.50"
    _, detail = await api.call("GET", f"/api/cases/{no}")
    assert detail["phone"] == "13900001111" and detail["customer_name"] == "王建军"
    assert detail["occurred_at"] == "2026-11-20T15:00:00+08:00"
    changes = {h["field"]: (h["old_value"], h["new_value"]) for h in detail["history"] if h["kind"] == "correction"}
    assert changes["phone"] == ("138****5678", "139****1111")
    assert changes["customer_name"] == ("王*国", "王*军")
    assert changes["amount"] == ("5000.00", "12800.50")
    assert "13900001111" not in str(detail["history"]) and "王建军" not in str(detail["history"])


async def test_owner_assignment_and_requeue_on_priority(api: Api) -> None:
    _, created = await api.create(category="other")
    no = created["case_no"]
    assert created["owner"] == "queue:general"
    _, body = await api.call("PATCH", f"/api/cases/{no}", json={"priority": "high"})
    assert body["owner"] == "queue:high_priority" and body["priority"] == "high"
    assert body["sla"]["reply_due_at"] is not None
    _, body = await api.call("PATCH", f"/api/cases/{no}", json={"owner": "agent:wang"})
    assert body["owner"] == "agent:wang"
    _, body = await api.call("PATCH", f"/api/cases/{no}", json={"priority": "normal"})
    assert body["owner"] == "agent:wang"  # a person keeps the case
    status, body = await api.call("PATCH", f"/api/cases/{no}", json={"owner": ""})
    assert status == 400


async def test_extend_decision_deadline(api: Api) -> None:
    _, created = await api.create()
    no = created["case_no"]
    before = created["sla"]["decision_due_at"]
    status, body = await api.call("POST", f"/api/cases/{no}/extend", json={"reason": "需调取监控录像并与发卡机构核实，已告知客户"})
    assert status == 200
    assert body["sla"]["extended"] is True and body["sla"]["decision_due_at"] > before
    assert body["sla"]["extension_reason"].startswith("需调取")
    status, body = await api.call("POST", f"/api/cases/{no}/extend", json={"reason": "再延"})
    assert status == 409 and body["error"] == "extension_not_allowed"
    status, body = await api.call("POST", f"/api/cases/{no}/extend", json={})
    assert status == 400 and body["error"] == "missing_field"


async def test_transcript_append_and_dedupe(api: Api) -> None:
    _, created = await api.create()
    no = created["case_no"]
    turns = [
        {"role": "agent", "text": "您好，我是客服小李。", "turn_key": "m-1"},
        {"role": "customer", "text": "好的", "at": "2026-11-22T12:00:00+08:00", "turn_key": "m-2"},
    ]
    status, body = await api.call("POST", f"/api/cases/{no}/transcript", json={"turns": turns})
    assert status == 201 and body == {"case_no": no, "appended": 2, "total": 4}
    status, body = await api.call("POST", f"/api/cases/{no}/transcript", json={"turns": turns})
    assert status == 201 and body["appended"] == 0 and body["total"] == 4
    _, detail = await api.call("GET", f"/api/cases/{no}")
    assert [t["text"] for t in detail["transcript"]][-1] in ("好的", "您好，我是客服小李。")
    assert len(detail["transcript"]) == 4


async def test_not_found(api: Api) -> None:
    for path in ("/api/cases/TS20990101000001", "/api/cases/nonsense", "/api/nothing"):
        status, body = await api.call("GET", path)
        assert status == 404 and body["error"] == "not_found" and body["message"]
    status, body = await api.call("PATCH", "/api/cases/TS20990101000001", json={"status": "closed"})
    assert status == 404
    status, body = await api.call("POST", "/api/cases/TS20990101000001/transcript", json={"turns": [{"role": "bot", "text": "x"}]})
    assert status == 404


async def test_case_is_stored_encrypted(api: Api) -> None:
    _, created = await api.create(customer_name="李小龙", phone="13912345678")
    db = api.app[DB_KEY]
    async with db.reading() as s:
        case = (await s.execute(select(Case).where(Case.case_no == created["case_no"]))).scalar_one()
    assert "李小龙" not in (case.customer_name_enc or "") and "13912345678" not in (case.phone_enc or "")
    assert case.phone_hash and len(case.phone_hash) == 64 and "13912345678" not in case.phone_hash
    assert case.customer_name_masked == "李*龙" and case.phone_masked == "139****5678"
