"""Handoffs end to end over HTTP, on SQLite and PostgreSQL, against a fake Rasa on a loopback
port (tests/casedesk/rasa_fake.py); the lead's end-to-end tests use the real Rasa."""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from datetime import timedelta
from typing import Any, AsyncIterator, Dict

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.branches import directory
from bot.casedesk.handoffs import service as handoffs
from bot.casedesk.cases.access import UNRESOLVED_USER
from bot.casedesk.db import DB_KEY
from bot.casedesk.api.errors import NotFound
from bot.casedesk.app import init_app
from bot.casedesk.models import AuditEntry, Handoff, TranscriptTurn
from bot.casedesk.handoffs.rasa_bridge import RASA_KEY
from bot.casedesk.settings import Settings

from .helpers import Api, Clock
from .rasa_fake import FakeRasa, unused_port

# a WeChat openid-like id with characters that must be quoted in Rasa's URL
CONV = "wx/o6_b:张三?#1"



async def _client(settings: Settings) -> Any:
    return TestClient(TestServer(init_app(settings), host="127.0.0.1"))


@pytest.fixture
async def hapi(settings: Settings, rasa: FakeRasa) -> AsyncIterator[Api]:
    # the loop is off: tests run sync passes themselves, so they are deterministic
    s = dataclasses.replace(settings, rasa_url=rasa.url, rasa_token=rasa.token, handoff_sync_seconds=0)
    async with await _client(s) as client:
        yield Api(client)


@pytest.fixture
async def down_api(settings: Settings) -> AsyncIterator[Api]:
    s = dataclasses.replace(
        settings, rasa_url=f"http://127.0.0.1:{unused_port()}", rasa_token="x", handoff_sync_seconds=0
    )
    async with await _client(s) as client:
        yield Api(client)


def handoff_body(**fields: Any) -> Dict[str, Any]:
    body: Dict[str, Any] = {
        "conversation_id": f"conv-{uuid.uuid4().hex[:10]}",
        "request_id": uuid.uuid4().hex,
        "channel": "web",
        "reason": "media",
        "signals": ["曝光", "记者"],
        "case": {"description": "卡被盗刷了，你们再不处理我就找记者曝光！", "phone": "13812345678", "customer_name": "王建国"},
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


async def open_one(api: Api, **fields: Any) -> Dict[str, Any]:
    status, body = await api.call("POST", "/api/handoffs", json=handoff_body(**fields))
    assert status == 201, body
    return body


async def case_of(api: Api, case_no: str) -> Dict[str, Any]:
    status, body = await api.call("GET", f"/api/cases/{case_no}")
    assert status == 200
    return body


def test_rasa_urls_keep_what_a_path_segment_may_hold() -> None:
    # Rasa (Sanic) does not unquote path parameters: "rest%3Aabc" would be another, empty
    # conversation than the REST channel's "rest:abc", and the handoff sync would copy nothing
    from bot.casedesk.handoffs.rasa_bridge import RasaBridge

    bridge = RasaBridge.__new__(RasaBridge)
    bridge._base, bridge._token = "http://rasa", None
    for cid in ("rest:t-0a1b2c", "oABCdef_123-xyz", "2f1c0e4e-9d7b-4c1a-8a4e-1c2d3e4f5a6b"):
        assert str(bridge._url(cid, "/tracker")) == f"http://rasa/conversations/{cid}/tracker"
    assert bridge._url("a/b?c#d 张", "/tracker").raw_path == "/conversations/a%2Fb%3Fc%23d%20%E5%BC%A0/tracker"


def agent(name: str) -> Dict[str, str]:
    return {"X-Actor": name}


# ---------------------------------------------------------------------------------------------
# Opening


async def test_open_files_a_high_priority_case_and_answers_the_queue_place(hapi: Api) -> None:
    body = handoff_body(case={"description": "我要投诉！"})
    status, answer = await hapi.call("POST", "/api/handoffs", json=body)
    assert status == 201
    assert answer["status"] == "waiting" and answer["position"] == 1
    assert answer["expected_wait_minutes"] == 3
    case = await case_of(hapi, answer["case_no"])
    assert (case["priority"], case["handoff_reason"], case["owner"]) == ("high", "media", "queue:high_priority")
    assert (case["category"], case["business_line"]) == ("other", "other")
    assert case["escalation_signals"] == ["曝光", "记者"]
    assert case["conversation_id"] == body["conversation_id"] and case["channel"] == "web"
    assert case["sla"]["reply_due_at"] is not None
    assert any(h["kind"] == "handoff" and h["new_value"] == "media" for h in case["history"])


async def test_open_without_description_files_a_placeholder(hapi: Api) -> None:
    answer = await open_one(hapi, case={"phone": "13812345678"}, reason="human", signals=[])
    case = await case_of(hapi, answer["case_no"])
    assert case["description"] and case["handoff_reason"] == "human"


async def test_retry_is_idempotent_and_files_one_case(hapi: Api) -> None:
    body = handoff_body()
    s1, first = await hapi.call("POST", "/api/handoffs", json=body)
    s2, again = await hapi.call("POST", "/api/handoffs", json=body)
    assert (s1, s2) == (201, 200)
    assert (again["id"], again["case_no"]) == (first["id"], first["case_no"])
    _, cases = await hapi.call("GET", "/api/cases", params={"conversation_id": body["conversation_id"]})
    assert cases["total"] == 1


async def test_concurrent_retries_make_one_handoff(hapi: Api) -> None:
    body = handoff_body()
    results = await asyncio.gather(*(hapi.call("POST", "/api/handoffs", json=body) for _ in range(5)))
    assert sorted(s for s, _ in results) == [200, 200, 200, 200, 201]
    assert len({b["id"] for _, b in results}) == 1
    _, cases = await hapi.call("GET", "/api/cases", params={"conversation_id": body["conversation_id"]})
    assert cases["total"] == 1


async def test_open_handoff_of_the_conversation_is_returned(hapi: Api) -> None:
    first = await open_one(hapi, conversation_id=CONV)
    status, second = await hapi.call(
        "POST", "/api/handoffs", json=handoff_body(conversation_id=CONV, reason="anger")
    )
    assert status == 200 and second["id"] == first["id"]
    _, listed = await hapi.call("GET", "/api/handoffs", params={"conversation_id": CONV})
    assert len(listed["items"]) == 1


async def test_existing_case_gets_reason_signals_and_high_priority(hapi: Api, clock: Clock) -> None:
    _, filed = await hapi.create(priority="normal", category="staff_service", escalation_signals=["态度差"])
    assert filed["priority"] == "normal" and filed["owner"] == "queue:staff_service"
    clock.advance(hours=5)
    status, answer = await hapi.call(
        "POST",
        "/api/handoffs",
        json=handoff_body(conversation_id=filed["conversation_id"], case=None, case_no=filed["case_no"], reason="regulator", signals=["12378"]),
    )
    assert status == 201 and answer["case_no"] == filed["case_no"]
    case = await case_of(hapi, filed["case_no"])
    assert (case["priority"], case["handoff_reason"], case["owner"]) == ("high", "regulator", "queue:high_priority")
    assert case["escalation_signals"] == ["态度差", "12378"]
    fields = {(h["kind"], h["field"]) for h in case["history"]}
    assert {("handoff", "handoff_reason"), ("correction", "priority"), ("assign", "owner")} <= fields
    # the high-priority clocks run from the escalation, not from filing five hours ago
    assert case["sla"]["overdue"] == []
    assert case["sla"]["reply_due_at"] is not None


async def test_case_of_another_conversation_or_unknown_case(hapi: Api) -> None:
    _, filed = await hapi.create()
    status, body = await hapi.call("POST", "/api/handoffs", json=handoff_body(case=None, case_no=filed["case_no"]))
    assert status == 409 and body["error"] == "case_conversation_mismatch"
    status, body = await hapi.call("POST", "/api/handoffs", json=handoff_body(case=None, case_no="TS20991231999999"))
    assert status == 404 and "案件" in body["message"]


# ---------------------------------------------------------------------------------------------
# Queue


async def test_queue_order_positions_and_list_shape(hapi: Api, clock: Clock) -> None:
    ids = []
    for _ in range(3):
        ids.append((await open_one(hapi))["id"])
        clock.advance(seconds=30)
    status, _ = await hapi.call("POST", f"/api/handoffs/{ids[1]}/claim", headers=agent("agent:li"))
    assert status == 200
    answer = await open_one(hapi)
    assert (answer["position"], answer["expected_wait_minutes"]) == (3, 9)
    _, listed = await hapi.call("GET", "/api/handoffs")
    assert [i["id"] for i in listed["items"]] == [ids[0], ids[2], answer["id"], ids[1]]
    first = listed["items"][0]
    assert {"id", "conversation_id", "case_no", "reason", "status", "outcome", "priority", "channel", "claimed_by", "created_at", "waiting_seconds"} <= set(first)
    assert first["waiting_seconds"] == 90 and first["priority"] == "high"
    _, waiting = await hapi.call("GET", "/api/handoffs", params={"status": "waiting"})
    assert [i["id"] for i in waiting["items"]] == [ids[0], ids[2], answer["id"]]
    _, active = await hapi.call("GET", "/api/handoffs", params={"status": "active"})
    assert [(i["id"], i["claimed_by"]) for i in active["items"]] == [(ids[1], "agent:li")]


async def test_a_customer_who_threatens_self_harm_is_first_in_the_queue(hapi: Api, clock: Clock) -> None:
    earlier = (await open_one(hapi))["id"]
    clock.advance(seconds=60)
    urgent = await open_one(hapi, reason="self_harm", signals=["跳下去"])
    assert urgent["position"] == 1  # before the customer who has waited longer
    _, listed = await hapi.call("GET", "/api/handoffs", params={"status": "waiting"})
    assert [i["id"] for i in listed["items"]] == [urgent["id"], earlier]
    assert listed["items"][0]["reason"] == "self_harm"


async def test_list_output_is_masked(hapi: Api) -> None:
    await open_one(hapi)
    resp = await hapi.client.get("/api/handoffs", headers=hapi.headers)
    raw = await resp.text()
    assert "13812345678" not in raw and "王建国" not in raw
    case = (await resp.json())["items"][0]["case"]
    assert (case["phone"], case["customer_name"]) == ("138****5678", "王*国")


async def test_detail_has_transcript_and_is_audited(hapi: Api) -> None:
    opened = await open_one(hapi)
    await hapi.call("POST", f"/api/handoffs/{opened['id']}/messages", json={"text": "备注：客户情绪激动", "internal": True}, headers=agent("agent:li"))
    status, detail = await hapi.call("GET", f"/api/handoffs/{opened['id']}", headers=agent("agent:zhang"))
    assert status == 200
    assert [(t["role"], t["author"]) for t in detail["transcript"]] == [("note", "agent:li")]
    db = hapi.app[DB_KEY]
    async with db.reading() as s:
        rows = (await s.execute(select(AuditEntry).where(AuditEntry.case_no == opened["case_no"]))).scalars().all()
    assert ("read", "agent:zhang") in {(r.action, r.actor) for r in rows}
    assert all(r.remote for r in rows if r.action == "read")


# ---------------------------------------------------------------------------------------------
# Claim and messages


async def test_claim_conflicts(hapi: Api) -> None:
    hid = (await open_one(hapi))["id"]
    status, body = await hapi.call("POST", f"/api/handoffs/{hid}/claim", headers=agent("agent:li"))
    assert status == 200 and (body["status"], body["claimed_by"]) == ("active", "agent:li")
    status, _ = await hapi.call("POST", f"/api/handoffs/{hid}/claim", headers=agent("agent:li"))
    assert status == 200
    status, body = await hapi.call("POST", f"/api/handoffs/{hid}/claim", headers=agent("agent:wang"))
    assert status == 409 and body["error"] == "handoff_claimed" and "您" not in body["error"]
    status, body = await hapi.call("POST", f"/api/handoffs/{hid}/messages", json={"text": "您好"}, headers=agent("agent:wang"))
    assert status == 409
    status, body = await hapi.call("POST", "/api/handoffs/999999/claim", headers=agent("agent:li"))
    assert status == 404 and body["error"] == "handoff_not_found"


async def test_concurrent_claims_have_one_winner(hapi: Api) -> None:
    hid = (await open_one(hapi))["id"]
    results = await asyncio.gather(
        *(hapi.call("POST", f"/api/handoffs/{hid}/claim", headers=agent(f"agent:a{i}")) for i in range(4))
    )
    assert sorted(s for s, _ in results) == [200, 409, 409, 409]


async def test_agent_reply_goes_to_rasa_exactly(hapi: Api, rasa: FakeRasa) -> None:
    hid = (await open_one(hapi, conversation_id=CONV))["id"]
    status, turn = await hapi.call(
        "POST", f"/api/handoffs/{hid}/messages", json={"text": "  王先生您好，我是客服小李。 "}, headers=agent("agent:li")
    )
    assert status == 201
    assert (turn["role"], turn["author"], turn["delivery"], turn["text"]) == ("agent", "agent:li", "sent", "王先生您好，我是客服小李。")
    [call] = rasa.calls()
    assert call.method == "POST" and call.conversation_id == CONV
    assert call.raw_path == "/conversations/wx%2Fo6_b:%E5%BC%A0%E4%B8%89%3F%231/tracker/events"
    assert call.query == {"output_channel": "latest", "execute_side_effects": "true", "token": rasa.token}
    assert call.body == [{"event": "bot", "text": "王先生您好，我是客服小李。", "metadata": {"agent": "agent:li"}}]
    # the first reply claimed the waiting handoff
    _, detail = await hapi.call("GET", f"/api/handoffs/{hid}")
    assert (detail["status"], detail["claimed_by"]) == ("active", "agent:li")
    assert detail["transcript"][-1]["delivery"] == "sent"


async def test_note_is_never_sent(hapi: Api, rasa: FakeRasa) -> None:
    hid = (await open_one(hapi))["id"]
    status, turn = await hapi.call("POST", f"/api/handoffs/{hid}/messages", json={"text": "客户要求保密", "internal": True}, headers=agent("agent:li"))
    assert status == 201 and (turn["role"], turn["delivery"]) == ("note", None)
    assert rasa.calls() == []
    _, detail = await hapi.call("GET", f"/api/handoffs/{hid}")
    assert detail["status"] == "waiting"


async def test_rasa_down_reply_fails_and_release_keeps_handoff_open(down_api: Api) -> None:
    hid = (await open_one(down_api))["id"]
    status, turn = await down_api.call("POST", f"/api/handoffs/{hid}/messages", json={"text": "您好"}, headers=agent("agent:li"))
    assert status == 201 and turn["delivery"] == "failed"
    for action in ("release", "close"):
        status, body = await down_api.call("POST", f"/api/handoffs/{hid}/{action}", headers=agent("agent:li"))
        assert status == 503 and body["error"] == "rasa_unavailable" and "您" in body["message"]
    _, detail = await down_api.call("GET", f"/api/handoffs/{hid}")
    assert (detail["status"], detail["outcome"], detail["closed_at"]) == ("active", None, None)


async def test_rasa_refusing_is_unavailable_too(hapi: Api, rasa: FakeRasa) -> None:
    hid = (await open_one(hapi))["id"]
    rasa.fail_with = 500
    status, turn = await hapi.call("POST", f"/api/handoffs/{hid}/messages", json={"text": "您好"}, headers=agent("agent:li"))
    assert status == 201 and turn["delivery"] == "failed"
    status, _ = await hapi.call("POST", f"/api/handoffs/{hid}/release", headers=agent("agent:li"))
    assert status == 503


# ---------------------------------------------------------------------------------------------
# Release and close


async def test_release_utters_while_paused_then_listens_and_resumes(hapi: Api, rasa: FakeRasa) -> None:
    hid = (await open_one(hapi, conversation_id=CONV))["id"]
    await hapi.call("POST", f"/api/handoffs/{hid}/claim", headers=agent("agent:li"))
    status, body = await hapi.call("POST", f"/api/handoffs/{hid}/release", headers=agent("agent:li"))
    assert status == 200 and (body["status"], body["outcome"]) == ("closed", "released")
    assert body["closed_at"] is not None
    writes = [c for c in rasa.calls() if c.method == "POST"]
    assert [(c.tail, c.body) for c in writes] == [
        ("/execute", {"name": "utter_handoff_released"}),
        ("/tracker/events", [{"event": "action", "name": "action_listen"}, {"event": "resume"}]),
    ]
    assert writes[0].query == {"output_channel": "latest", "token": rasa.token}
    assert all(c.conversation_id == CONV for c in rasa.calls())
    status, body = await hapi.call("POST", f"/api/handoffs/{hid}/release", headers=agent("agent:li"))
    assert status == 409 and body["error"] == "handoff_closed"
    status, _ = await hapi.call("POST", f"/api/handoffs/{hid}/messages", json={"text": "还在吗"}, headers=agent("agent:li"))
    assert status == 409
    # a wrap-up note is still welcome
    status, _ = await hapi.call("POST", f"/api/handoffs/{hid}/messages", json={"text": "已处理", "internal": True}, headers=agent("agent:li"))
    assert status == 201


async def test_close_utters_then_resumes_and_restarts(hapi: Api, rasa: FakeRasa) -> None:
    hid = (await open_one(hapi))["id"]
    status, body = await hapi.call("POST", f"/api/handoffs/{hid}/close", headers=agent("agent:li"))
    assert status == 200 and (body["outcome"], body["claimed_by"]) == ("closed", "agent:li")
    writes = [(c.tail, c.body) for c in rasa.calls() if c.method == "POST"]
    assert writes == [
        ("/execute", {"name": "utter_handoff_closed"}),
        ("/tracker/events", [{"event": "resume"}, {"event": "restart"}]),
    ]
    # a new handoff of the same conversation may open now
    conv = body["conversation_id"]
    status, again = await hapi.call("POST", "/api/handoffs", json=handoff_body(conversation_id=conv))
    assert status == 201 and again["id"] != hid


async def test_release_of_another_agents_handoff_is_refused(hapi: Api, rasa: FakeRasa) -> None:
    hid = (await open_one(hapi))["id"]
    await hapi.call("POST", f"/api/handoffs/{hid}/claim", headers=agent("agent:li"))
    status, body = await hapi.call("POST", f"/api/handoffs/{hid}/release", headers=agent("agent:wang"))
    assert status == 409 and rasa.calls() == []


# ---------------------------------------------------------------------------------------------
# Sync


async def _handoff_row(api: Api, hid: int) -> Handoff:
    async with api.app[DB_KEY].reading() as s:
        return (await s.execute(select(Handoff).where(Handoff.id == hid))).scalar_one()


async def test_sync_copies_customer_messages_once(hapi: Api, rasa: FakeRasa, clock: Clock) -> None:
    opened = await open_one(hapi, conversation_id=CONV)
    start = clock.now.timestamp()
    rasa.add_user(CONV, "之前说过的话", start - 60)  # before the handoff: the case has it already
    rasa.add_user(CONV, "人呢？", start + 1.25)
    rasa.add_bot(CONV, "正在为您转接人工客服", start + 1.5)
    rasa.add_user(CONV, "我的电话是13812345678", start + 2.5)
    db, bridge = hapi.app[DB_KEY], hapi.app[RASA_KEY]
    copied = await asyncio.gather(*(handoffs.sync_once(db, bridge) for _ in range(3)))
    assert sum(copied) == 2
    assert await handoffs.sync_once(db, bridge) == 0
    _, detail = await hapi.call("GET", f"/api/handoffs/{opened['id']}")
    customer = [t for t in detail["transcript"] if t["role"] == "customer"]
    # a handoff answer is masked (issue 18): the whole number only in the case detail
    assert [t["text"] for t in customer] == ["人呢？", "我的电话是138****5678"]
    case = await case_of(hapi, opened["case_no"])
    assert "我的电话是13812345678" in [t["text"] for t in case["transcript"]]
    assert customer[0]["turn_key"] == f"rasa:{start + 1.25!r}"
    row = await _handoff_row(hapi, opened["id"])
    assert row.synced_until == start + 2.5
    rasa.add_user(CONV, "快点！", start + 3.5)
    assert await handoffs.sync_once(db, bridge) == 1


async def test_two_desks_sync_without_doubles(settings: Settings, rasa: FakeRasa, clock: Clock) -> None:
    s = dataclasses.replace(settings, rasa_url=rasa.url, rasa_token=rasa.token, handoff_sync_seconds=0)
    async with await _client(s) as c1, await _client(s) as c2:
        a, b = Api(c1), Api(c2)
        opened = await open_one(a, conversation_id=CONV)
        for i in range(5):
            rasa.add_user(CONV, f"第{i}句", clock.now.timestamp() + i + 1)
        await asyncio.gather(
            handoffs.sync_once(a.app[DB_KEY], a.app[RASA_KEY]),
            handoffs.sync_once(b.app[DB_KEY], b.app[RASA_KEY]),
            handoffs.sync_once(a.app[DB_KEY], a.app[RASA_KEY]),
        )
        async with a.app[DB_KEY].reading() as session:
            texts = (await session.execute(select(TranscriptTurn.text).where(TranscriptTurn.role == "customer"))).scalars().all()
        assert sorted(texts) == [f"第{i}句" for i in range(5)]
        assert (await _handoff_row(a, opened["id"])).synced_until == clock.now.timestamp() + 5


async def test_sync_loop_runs_in_the_background(settings: Settings, rasa: FakeRasa, clock: Clock) -> None:
    # the stand-in Rasa serves trackers, not an events table: the loop fetches them
    s = dataclasses.replace(settings, rasa_url=rasa.url, rasa_token=rasa.token, handoff_sync_seconds=0.05,
                            handoff_sync_source="tracker")
    async with await _client(s) as client:
        api = Api(client)
        opened = await open_one(api, conversation_id=CONV)
        rasa.add_user(CONV, "有人吗", clock.now.timestamp() + 1)
        for _ in range(100):
            _, detail = await api.call("GET", f"/api/handoffs/{opened['id']}")
            if any(t["role"] == "customer" for t in detail["transcript"]):
                break
            await asyncio.sleep(0.05)
        assert [t["text"] for t in detail["transcript"] if t["role"] == "customer"] == ["有人吗"]


async def test_sync_loop_warns_once_when_rasa_is_down(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    s = dataclasses.replace(settings, rasa_url=f"http://127.0.0.1:{unused_port()}", handoff_sync_seconds=0.02,
                            handoff_sync_source="tracker")
    caplog.set_level(logging.INFO, logger="bot.casedesk")
    async with await _client(s) as client:
        await open_one(Api(client), case={"description": "我叫王建国，电话13812345678"})
        await asyncio.sleep(0.4)
    warnings = [r for r in caplog.records if r.name == "bot.casedesk.handoffs.service" and r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "Rasa unavailable" in warnings[0].getMessage()
    text = caplog.text
    assert "13812345678" not in text and "王建国" not in text


# ---------------------------------------------------------------------------------------------
# Service layer: confidentiality and the console's change feed


async def test_confidential_cases_are_hidden_from_their_branch(hapi: Api) -> None:
    # scopes are directory codes (bot/branches.py): BJ001 朝阳路支行, BJ009 东城支行
    chaoyang, dongcheng = directory().code_of("朝阳路支行"), directory().code_of("东城支行")
    secret = await open_one(hapi, case={"description": "投诉朝阳路支行柜员", "branch": "北京市朝阳路 支行", "confidential": True})
    plain = await open_one(hapi, case={"description": "排队太久", "branch": "朝阳路支行"})
    other = await open_one(hapi, case={"description": "投诉东城支行", "branch": "东城支行", "confidential": True})
    # not in the directory, or not given: unresolved, so hidden from every branch
    unknown = await open_one(hapi, case={"description": "投诉海淀支行", "branch": "海淀支行", "confidential": True})
    nobranch = await open_one(hapi, case={"description": "不说网点", "confidential": True})
    db = hapi.app[DB_KEY]
    seen = [i.handoff.id for i in await handoffs.list_handoffs(db, hidden_branch=chaoyang)]
    assert seen == [plain["id"], other["id"]]
    everything = [i.handoff.id for i in await handoffs.list_handoffs(db)]
    assert {secret["id"], unknown["id"], nobranch["id"]} <= set(everything)
    with pytest.raises(NotFound):
        await handoffs.get_handoff(db, secret["id"], hidden_branch=chaoyang)
    with pytest.raises(NotFound):
        await handoffs.get_handoff(db, unknown["id"], hidden_branch=dongcheng)
    with pytest.raises(NotFound):
        await handoffs.claim(db, secret["id"], "agent:branch", hapi.app[DB_KEY].settings.clock(), hidden_branch=chaoyang)
    item = await handoffs.get_handoff(db, secret["id"], hidden_branch=dongcheng)
    assert item.case.confidential and item.case.branch_code == chaoyang
    changes = await handoffs.changes_since(db, None, 0, hidden_branch=chaoyang)
    assert {i.handoff.id for i in changes.handoffs} == {plain["id"], other["id"]}
    # a branch-bound user whose own branch is not in the directory sees no confidential case
    seen = [i.handoff.id for i in await handoffs.list_handoffs(db, hidden_branch=UNRESOLVED_USER)]
    assert seen == [plain["id"]]


async def test_changes_since_feeds_the_console(hapi: Api, rasa: FakeRasa, clock: Clock) -> None:
    db = hapi.app[DB_KEY]
    h_cursor, t_cursor = await handoffs.cursors(db)
    first = await open_one(hapi)
    _, plain_case = await hapi.create()  # a case without handoff: its turns are not in the feed
    clock.advance(seconds=1)
    changes = await handoffs.changes_since(db, h_cursor, t_cursor)
    assert [i.handoff.id for i in changes.handoffs] == [first["id"]]
    assert changes.turns == []
    h_cursor, t_cursor = changes.handoff_cursor, changes.turn_cursor
    clock.advance(seconds=1)
    await hapi.call("POST", f"/api/handoffs/{first['id']}/messages", json={"text": "您好"}, headers=agent("agent:li"))
    changes = await handoffs.changes_since(db, h_cursor, t_cursor)
    assert [(i.handoff.id, i.handoff.status) for i in changes.handoffs][-1] == (first["id"], "active")
    assert [(t.role, t.text, t.delivery) for t in changes.turns] == [("agent", "您好", "sent")]
    assert changes.turn_cursor > t_cursor and changes.handoff_cursor > h_cursor
    again = await handoffs.changes_since(db, clock.now + timedelta(seconds=1), changes.turn_cursor)
    assert again.handoffs == [] and again.turns == []
    turns = await handoffs.transcript(db, changes.turns[0].case_id)
    assert turns[-1].id == changes.turns[0].id
    assert await handoffs.transcript(db, changes.turns[0].case_id, after_id=changes.turns[0].id) == []


# ---------------------------------------------------------------------------------------------
# Bad input and auth


BAD_OPEN_BODIES = [
    {},
    {"conversation_id": "c", "request_id": "r", "channel": "web", "reason": "media"},  # no case
    handoff_body(reason="angry"),
    handoff_body(channel="sms"),
    handoff_body(request_id="r" * 65),
    handoff_body(request_id=""),
    handoff_body(signals=["x"] * 21),
    handoff_body(signals=["长" * 33]),
    handoff_body(signals="media"),
    handoff_body(signals=[1]),
    handoff_body(case="text"),
    handoff_body(case={"description": "x", "phone": "123"}),
    handoff_body(case={"description": "x", "conversation_id": "other"}),
    handoff_body(case={"description": "x", "amount": "lots"}),
    handoff_body(case_no="not-a-case", case=None),
    handoff_body(unknown=1),
    handoff_body(conversation_id=123),
    handoff_body(conversation_id="a\x00b"),
    [1, 2],
    "text",
]


@pytest.mark.parametrize("index", range(len(BAD_OPEN_BODIES)))
async def test_bad_open_bodies_are_400(hapi: Api, index: int) -> None:
    status, body = await hapi.call("POST", "/api/handoffs", json=BAD_OPEN_BODIES[index])
    assert status == 400, body
    assert set(body) == {"error", "message"} and body["message"]


async def test_reason_error_names_the_handoff_reason(hapi: Api) -> None:
    _, body = await hapi.call("POST", "/api/handoffs", json=handoff_body(reason="angry"))
    assert "转人工原因" in body["message"]


async def test_bad_messages_and_ids(hapi: Api) -> None:
    hid = (await open_one(hapi))["id"]
    path = f"/api/handoffs/{hid}/messages"
    for bad in ({"text": "   "}, {"text": "字" * 2001}, {"text": 5}, {}, {"text": "hi", "internal": "yes"}, {"text": "hi", "to": "x"}, {"text": "a\x00"}):
        status, body = await hapi.call("POST", path, json=bad, headers=agent("agent:li"))
        assert status == 400, (bad, body)
        assert body["error"] in ("missing_field", "invalid_value", "unknown_field")
    status, body = await hapi.call("POST", path, data=b"{not json", headers={**agent("agent:li"), "Content-Type": "application/json"})
    assert status == 400 and body["error"] == "invalid_json"
    status, _ = await hapi.call("POST", path, json={"text": "字" * 2000}, headers=agent("agent:li"))
    assert status == 201
    for bad_id in ("abc", "0", "-1", "99999999999", "１"):
        status, body = await hapi.call("GET", f"/api/handoffs/{bad_id}")
        assert status == 404 and body["error"] == "handoff_not_found"
    for params in ({"status": "open"}, {"sort": "x"}, {"status": ["waiting", "bogus"]}):
        status, body = await hapi.call("GET", "/api/handoffs", params=params)
        assert status == 400, params
    status, _ = await hapi.call("POST", f"/api/handoffs/{hid}/claim", headers={"X-Actor": "坏 actor"})
    assert status == 400


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/api/handoffs"),
        ("GET", "/api/handoffs"),
        ("GET", "/api/handoffs/1"),
        ("POST", "/api/handoffs/1/claim"),
        ("POST", "/api/handoffs/1/messages"),
        ("POST", "/api/handoffs/1/release"),
        ("POST", "/api/handoffs/1/close"),
    ],
)
async def test_auth_required(hapi: Api, method: str, path: str) -> None:
    status, body = await hapi.call(method, path, json={}, auth=False)
    assert status == 401 and body["error"] == "unauthorized"


def test_rasa_settings_come_from_env_and_stay_secret(tmp_path: Any) -> None:
    from bot.casedesk.settings import load_settings

    env = tmp_path / ".env"
    env.write_text("RASA_TOKEN=rasa-secret-from-file\n")
    s = load_settings(
        env,
        environ={
            "CASEDESK_TOKEN": "tok-123", "CASEDESK_SECRET_KEY": "k" * 20,
            "RASA_URL": "http://rasa.internal:5005/", "CASEDESK_HANDOFF_SYNC_SECONDS": "2",
            "CASEDESK_MINUTES_PER_HANDOFF": "5",
        },
    )
    assert (s.rasa_url, s.rasa_token) == ("http://rasa.internal:5005", "rasa-secret-from-file")
    assert (s.handoff_sync_seconds, s.minutes_per_handoff) == (2.0, 5)
    assert "rasa-secret-from-file" not in repr(s)
    defaults = load_settings(tmp_path / "none.env", environ={"CASEDESK_TOKEN": "t", "CASEDESK_SECRET_KEY": "k" * 20})
    assert (defaults.rasa_url, defaults.rasa_token, defaults.handoff_sync_seconds) == ("http://127.0.0.1:5005", None, 0.5)
    assert handoffs.expected_wait_minutes(0, 3) == 0 and handoffs.expected_wait_minutes(1, 3) == 3


async def test_a_late_handoff_copies_what_the_customer_wrote_since_the_bot_handed_off(
    hapi: Api, rasa: FakeRasa, clock: Clock
) -> None:
    # the bot handed off at `since`, but the desk was down: the outbox delivers a minute later
    since = clock.now.timestamp() - 60
    rasa.add_user(CONV, "我要去法院起诉你们", since)
    rasa.add_user(CONV, "我的电话是13812345678，尽快联系我", since + 5)
    opened = await open_one(hapi, conversation_id=CONV, since=since)
    assert await handoffs.sync_once(hapi.app[DB_KEY], hapi.app[RASA_KEY]) == 1
    _, detail = await hapi.call("GET", f"/api/handoffs/{opened['id']}")
    assert [t["text"] for t in detail["transcript"] if t["role"] == "customer"][-1] == (
        "我的电话是138****5678，尽快联系我"  # masked in a handoff answer (issue 18)
    )


@pytest.mark.parametrize("since", ["yesterday", True, -1, 1e12])
async def test_a_bad_since_is_refused(hapi: Api, since: Any) -> None:
    status, body = await hapi.call("POST", "/api/handoffs", json=handoff_body(since=since))
    assert status == 400 and body["error"] == "invalid_value", body


async def test_release_and_close_at_once_say_goodbye_once(hapi: Api, rasa: FakeRasa) -> None:
    # the agent double-clicks, or clicks release and then close while the first is slow
    hid = (await open_one(hapi, conversation_id=CONV))["id"]
    await hapi.call("POST", f"/api/handoffs/{hid}/claim", headers=agent("agent:li"))
    results = await asyncio.gather(
        hapi.call("POST", f"/api/handoffs/{hid}/release", headers=agent("agent:li")),
        hapi.call("POST", f"/api/handoffs/{hid}/close", headers=agent("agent:li")),
    )
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], results
    executes = [c for c in rasa.calls() if c.tail == "/execute"]
    assert len(executes) == 1
    _, detail = await hapi.call("GET", f"/api/handoffs/{hid}")
    assert detail["status"] == "closed"
    assert detail["outcome"] == ("released" if executes[0].body["name"] == "utter_handoff_released" else "closed")
