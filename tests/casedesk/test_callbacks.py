"""The call-back queue over HTTP, on SQLite and PostgreSQL (issue 15, honest waits): a wait that
may not be quoted becomes a call-back, the customer's number is confirmed, a quiet handoff moves
to the queue, the customer hears of it through Rasa (a fake on a loopback port), nothing is lost
over a restart and no retry makes two."""
from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import datetime, timedelta
from typing import Any, AsyncIterator, Dict, List

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.casedesk.handoffs import callbacks, service as handoffs
from bot.casedesk.db import DB_KEY
from bot.casedesk.cases.case_rules import CHINA_TZ
from bot.casedesk.api.errors import BadRequest, Conflict
from bot.casedesk.app import init_app
from bot.casedesk.models import AuditEntry, Callback, Case, CaseEvent, Handoff
from bot.casedesk.handoffs.rasa_bridge import RASA_KEY
from bot.casedesk.settings import CallbackSettings, Settings

from .helpers import Api, Clock
from .rasa_fake import FakeRasa

pytestmark = pytest.mark.asyncio

OFFICE = CallbackSettings(service_hours="09:00-21:00", wait_limit_minutes=15, idle_minutes=10, hotline="95566")


def beijing(clock: Clock, hour: int, minute: int = 0) -> None:
    """Sets the app's clock to a Beijing time of a fixed day."""
    clock.now = datetime(2026, 12, 7, hour, minute, tzinfo=CHINA_TZ)



def _settings(settings: Settings, rasa: FakeRasa, cfg: CallbackSettings = OFFICE) -> Settings:
    # the sync loop is off: tests run its passes themselves, so they are deterministic
    return dataclasses.replace(settings, rasa_url=rasa.url, rasa_token=rasa.token, handoff_sync_seconds=0, callbacks=cfg)


@pytest.fixture
async def capi(settings: Settings, rasa: FakeRasa, clock: Clock) -> AsyncIterator[Api]:
    beijing(clock, 14, 7)
    async with TestClient(TestServer(init_app(_settings(settings, rasa)), host="127.0.0.1")) as client:
        yield Api(client)


def body(reason: str = "media", **fields: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {
        "conversation_id": f"conv-{uuid.uuid4().hex[:10]}",
        "request_id": uuid.uuid4().hex,
        "channel": "web",
        "reason": reason,
        "signals": ["记者"],
        "case": {"description": "卡被盗刷了，再不处理我就找记者曝光！", "phone": "13812345678", "customer_name": "王建国"},
    }
    out.update(fields)
    return out


async def open_handoff(api: Api, **fields: Any) -> Dict[str, Any]:
    status, answer = await api.call("POST", "/api/handoffs", json=body(**fields))
    assert status == 201, answer
    return answer


async def fill_queue(api: Api, n: int) -> List[Dict[str, Any]]:
    """n waiting handoffs ahead of any new one (violence: the most severe a call-back may be)."""
    return [await open_handoff(api, reason="violence") for _ in range(n)]


async def rows(api: Api, model: Any) -> int:
    async with api.app[DB_KEY].reading() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


# ---------------------------------------------------------------------------------------------
# A wait that may not be quoted


async def test_a_wait_up_to_the_limit_is_quoted(capi: Api) -> None:
    queued = await fill_queue(capi, 5)
    assert [q["expected_wait_minutes"] for q in queued] == [3, 6, 9, 12, 15]
    assert all(q["status"] == "waiting" and q["callback"] is None for q in queued)


async def test_a_wait_over_the_limit_becomes_a_call_back_and_leaves_the_live_queue(capi: Api) -> None:
    await fill_queue(capi, 5)
    answer = await open_handoff(capi, reason="human")  # sixth in line: 18 minutes
    assert answer["expected_wait_minutes"] is None and answer["position"] == 0  # no wait quoted
    assert answer["status"] == "closed"
    offer = answer["callback"]
    assert offer["reason"] == "long_wait" and offer["status"] == "pending"
    assert offer["phone_masked"] == "138****5678" and offer["confirmation"] is None
    assert offer["promise_words"] == "今天 15:00 前" and offer["promised_by"] == "2026-12-07T15:00:00+08:00"
    assert offer["hotline"] == "95566" and offer["service_hours"] == "09:00–21:00"

    _, waiting = await capi.call("GET", "/api/handoffs?status=waiting")
    assert answer["id"] not in [h["id"] for h in waiting["items"]]
    _, closed = await capi.call("GET", f"/api/handoffs/{answer['id']}")
    assert closed["outcome"] == "callback"

    status, listed = await capi.call("GET", "/api/callbacks")
    assert status == 200 and listed["total"] == 1
    (item,) = listed["items"]
    assert item["case_no"] == answer["case_no"] and item["handoff_reason"] == "human"
    assert item["phone_masked"] == "138****5678" and "13812345678" not in str(listed)

    _, case = await capi.call("GET", f"/api/cases/{answer['case_no']}")
    assert case["priority"] == "high"
    async with capi.app[DB_KEY].reading() as s:
        kinds = (await s.execute(select(CaseEvent.kind, CaseEvent.new_value, CaseEvent.note)
                                 .where(CaseEvent.kind == "callback"))).all()
        audited = (await s.execute(select(AuditEntry.action).where(AuditEntry.case_no == answer["case_no"]))).scalars().all()
    assert [(k, v) for k, v, _ in kinds] == [("callback", "callback")] and "今天 15:00 前" in kinds[0][2]
    assert "callback.open" in audited


async def test_outside_service_hours_no_wait_is_quoted(capi: Api, clock: Clock) -> None:
    beijing(clock, 23, 10)
    answer = await open_handoff(capi, reason="media")  # first in line, but nobody is on duty
    assert answer["callback"]["reason"] == "after_hours"
    assert answer["callback"]["promise_words"] == "明天 10:00 前"
    beijing(clock, 20, 55)  # first in line: 3 minutes, over at 20:58, before closing
    assert (await open_handoff(capi, reason="media"))["callback"] is None
    beijing(clock, 20, 58)
    late = await open_handoff(capi, reason="media")  # second in line: 6 minutes, past 21:00
    assert late["callback"]["reason"] == "after_hours"


async def test_a_customer_in_danger_is_never_turned_into_a_call_back(capi: Api, clock: Clock) -> None:
    beijing(clock, 3, 0)
    answer = await open_handoff(capi, reason="self_harm")
    assert answer["status"] == "waiting" and answer["callback"] is None
    assert await rows(capi, Callback) == 0


async def test_a_retried_request_never_makes_a_second_call_back(capi: Api, clock: Clock) -> None:
    beijing(clock, 22, 0)
    request = body()
    results = await asyncio.gather(*(capi.call("POST", "/api/handoffs", json=request) for _ in range(4)))
    assert sorted(status for status, _ in results) == [200, 200, 200, 201]
    assert len({answer["callback"]["id"] for _, answer in results}) == 1
    status, again = await capi.call("POST", "/api/handoffs", json=request)
    assert status == 200 and again["callback"]["id"] == results[0][1]["callback"]["id"]
    assert (await rows(capi, Callback), await rows(capi, Handoff), await rows(capi, Case)) == (1, 1, 1)


async def test_an_agent_cannot_claim_a_handoff_that_became_a_call_back(capi: Api, clock: Clock) -> None:
    beijing(clock, 22, 0)
    answer = await open_handoff(capi)
    status, error = await capi.call("POST", f"/api/handoffs/{answer['id']}/claim", headers={"X-Actor": "wang"})
    assert status == 409 and "待回电" in error["message"]


# ---------------------------------------------------------------------------------------------
# The customer's answer


async def _callback(api: Api, clock: Clock, conversation_id: str, **fields: Any) -> Dict[str, Any]:
    """A handoff opened after hours: a call-back at once."""
    beijing(clock, 22, 0)
    answer = await open_handoff(api, conversation_id=conversation_id, **fields)
    assert answer["callback"] is not None
    return answer


async def confirm(api: Api, path_id: Any, **fields: Any) -> Any:
    return await api.call("POST", f"/api/callbacks/{path_id}/confirm", json=fields)


async def test_the_customer_confirms_the_number_on_file(capi: Api, clock: Clock) -> None:
    conv = "conv-confirm-1"
    answer = await _callback(capi, clock, conversation_id=conv)
    cid = answer["callback"]["id"]
    status, item = await confirm(capi, cid, conversation_id=conv, confirmed=True, callback_id=cid)
    assert status == 200 and item["confirmation"] == "confirmed" and item["phone_masked"] == "138****5678"
    assert item["case_no"] == answer["case_no"]  # what the action server's outbox records


async def test_the_customer_gives_another_number(capi: Api, clock: Clock) -> None:
    conv = "conv-other-1"
    answer = await _callback(capi, clock, conversation_id=conv)
    cid = answer["callback"]["id"]
    said = clock.now.timestamp()
    status, item = await confirm(capi, cid, conversation_id=conv, phone="139 1234 5678", said_at=said)
    assert status == 200 and item["confirmation"] == "changed" and item["phone_masked"] == "139****5678"
    # a retry of an older answer, delivered late, changes nothing
    _, late = await confirm(capi, cid, conversation_id=conv, confirmed=True, said_at=said - 30)
    assert late["confirmation"] == "changed"
    async with capi.app[DB_KEY].reading() as s:
        cb = (await s.execute(select(Callback).where(Callback.id == cid))).scalar_one()
        case = (await s.execute(select(Case).where(Case.id == cb.case_id))).scalar_one()
        history = (await s.execute(select(CaseEvent.field, CaseEvent.old_value, CaseEvent.new_value)
                                   .where(CaseEvent.kind == "callback", CaseEvent.field == "phone"))).all()
    assert capi.app[DB_KEY].cipher.decrypt(cb.phone_enc) == "13912345678"
    assert case.phone_masked == "138****5678"  # the case keeps its own contact number
    assert history == [("phone", "138****5678", "139****5678")]


async def test_a_number_given_when_the_case_had_none_becomes_the_cases_too(capi: Api, clock: Clock) -> None:
    conv = "conv-nonumber-1"
    answer = await _callback(capi, clock, conversation_id=conv, case={"description": "我要投诉"})
    assert answer["callback"]["phone_masked"] is None
    _, item = await confirm(capi, answer["callback"]["id"], conversation_id=conv, phone="13712345678")
    assert item["phone_masked"] == "137****5678"
    _, case = await capi.call("GET", f"/api/cases/{answer['case_no']}")
    assert case["phone"] == "13712345678"


@pytest.mark.parametrize("fields, code", [
    ({"conversation_id": "x"}, "invalid_value"),  # neither phone nor confirmed
    ({"conversation_id": "x", "phone": "13812345678", "confirmed": True}, "invalid_value"),
    ({"conversation_id": "x", "phone": "12345"}, "invalid_value"),
    ({"conversation_id": "x", "confirmed": "yes"}, "invalid_value"),
    ({"confirmed": True}, "missing_field"),
    ({"conversation_id": "x", "confirmed": True, "extra": 1}, "unknown_field"),
    ({"conversation_id": "x", "confirmed": True, "said_at": -5}, "invalid_value"),
])
async def test_bad_confirmations_are_refused_in_chinese(capi: Api, fields: Dict[str, Any], code: str) -> None:
    status, error = await confirm(capi, 1, **fields)
    assert status == 400 and error["error"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])


async def test_another_conversations_call_back_is_not_found(capi: Api, clock: Clock) -> None:
    answer = await _callback(capi, clock, conversation_id="conv-owner")
    cid = answer["callback"]["id"]
    for path_id, conv in ((cid, "conv-intruder"), (999999, "conv-owner"), ("abc", "conv-owner")):
        status, error = await confirm(capi, path_id, conversation_id=conv, confirmed=True)  # type: ignore[arg-type]
        assert status == 404 and error["error"] == "callback_not_found"


# ---------------------------------------------------------------------------------------------
# A quiet handoff, and telling the customer


async def _pass(api: Api) -> None:
    await handoffs.sync_once(api.app[DB_KEY], api.app[RASA_KEY])
    await handoffs.callback_pass(api.app[DB_KEY], api.app[RASA_KEY])


async def test_a_waiting_handoff_without_a_customer_message_moves_to_the_call_back_queue(
    capi: Api, clock: Clock, rasa: FakeRasa
) -> None:
    conv = "wx/o6_b:张三?#quiet"
    answer = await open_handoff(capi, conversation_id=conv)
    assert answer["status"] == "waiting"
    rasa.paused.add(conv)  # the bot fell silent for a person
    clock.advance(minutes=9)
    rasa.add_user(conv, "人呢？", clock.now.timestamp())  # the customer writes at minute 9
    await _pass(capi)
    clock.advance(minutes=9)  # 18 minutes after opening, 9 after the last message
    await _pass(capi)
    assert await rows(capi, Callback) == 0
    clock.advance(minutes=1, seconds=1)
    await _pass(capi)

    (item,) = (await capi.call("GET", "/api/callbacks"))[1]["items"]
    assert item["reason"] == "idle" and item["handoff_id"] == answer["id"] and item["told"]
    _, handoff = await capi.call("GET", f"/api/handoffs/{answer['id']}")
    assert handoff["status"] == "closed" and handoff["outcome"] == "callback"
    # the customer was told in the chat: the bot's slots, the offer, the number question, the
    # bot listening again — in that order
    sent = [(r.tail, r.body) for r in rasa.calls() if r.conversation_id == conv and r.method == "POST"]
    slots = {e["name"]: e["value"] for e in sent[0][1] if e["event"] == "slot"}
    assert slots["callback_id"] == str(item["id"]) and slots["callback_reason"] == "idle"
    assert slots["callback_phone_masked"] == "138****5678" and slots["callback_wording"] == "confirm"
    assert slots["case_no"] == answer["case_no"]
    assert sent[0][1][-1] == {"event": "active_loop", "name": "callback_form"}  # the form asks and reads
    assert [b.get("name") if isinstance(b, dict) else [e["event"] for e in b] for _, b in sent[1:]] == [
        "utter_callback_offer_idle", "callback_form", ["action", "resume"]]
    # told once: the next pass says nothing more
    before = len(rasa.calls())
    await _pass(capi)
    assert len([r for r in rasa.calls()[before:] if r.method == "POST"]) == 0


async def test_an_idle_move_keeps_what_the_customer_wrote_just_before_it(capi: Api, clock: Clock, rasa: FakeRasa) -> None:
    conv = "conv-race"
    answer = await open_handoff(capi, conversation_id=conv)
    clock.advance(minutes=11)
    # written after the last sync pass, before the move: copied by the move's own sync
    rasa.add_user(conv, "我还在", clock.now.timestamp() - 0.5)
    await handoffs.callback_pass(capi.app[DB_KEY], capi.app[RASA_KEY])
    _, detail = await capi.call("GET", f"/api/handoffs/{answer['id']}")
    assert "我还在" in [t["text"] for t in detail["transcript"] if t["role"] == "customer"]


async def test_claimed_and_recent_handoffs_are_not_moved(capi: Api, clock: Clock) -> None:
    claimed = await open_handoff(capi)
    await capi.call("POST", f"/api/handoffs/{claimed['id']}/claim", headers={"X-Actor": "wang"})
    danger = await open_handoff(capi, reason="self_harm")
    clock.advance(minutes=30)
    fresh = await open_handoff(capi)
    await _pass(capi)
    assert await rows(capi, Callback) == 0
    for h, status in ((claimed, "active"), (danger, "waiting"), (fresh, "waiting")):
        assert (await capi.call("GET", f"/api/handoffs/{h['id']}"))[1]["status"] == status


async def test_a_call_back_the_bot_offered_itself_is_not_told_again(capi: Api, clock: Clock, rasa: FakeRasa) -> None:
    beijing(clock, 22, 0)
    answer = await open_handoff(capi, conversation_id="conv-bot-told")
    await _pass(capi)  # the bot kept the conversation (not paused): it made the offer
    assert [r for r in rasa.calls() if r.method == "POST"] == []
    (item,) = (await capi.call("GET", "/api/callbacks"))[1]["items"]
    assert item["told"] and item["id"] == answer["callback"]["id"]


async def test_a_late_handoff_request_is_told_through_rasa_and_retried_while_rasa_is_down(
    settings: Settings, rasa: FakeRasa, clock: Clock
) -> None:
    """The bot's request reached the desk late (its outbox, after an outage): the bot had said
    "recorded" and paused. The customer hears of the call-back from the desk — once Rasa answers."""
    beijing(clock, 22, 0)
    async with TestClient(TestServer(init_app(_settings(settings, rasa)), host="127.0.0.1")) as client:
        api = Api(client)
        conv = "conv-late"
        rasa.paused.add(conv)
        await open_handoff(api, conversation_id=conv)
        rasa.fail_with = 503
        with pytest.raises(handoffs.RasaUnavailable):
            await handoffs.callback_pass(api.app[DB_KEY], api.app[RASA_KEY])
        assert not (await api.call("GET", "/api/callbacks"))[1]["items"][0]["told"]
        rasa.fail_with = None
        await handoffs.callback_pass(api.app[DB_KEY], api.app[RASA_KEY])
        assert (await api.call("GET", "/api/callbacks"))[1]["items"][0]["told"]
        assert "utter_callback_offer_after_hours" in [r.body.get("name") for r in rasa.calls("/execute")]


async def test_a_call_back_survives_a_restart(settings: Settings, rasa: FakeRasa, clock: Clock) -> None:
    beijing(clock, 22, 0)
    s = _settings(settings, rasa)
    async with TestClient(TestServer(init_app(s), host="127.0.0.1")) as client:
        opened = await open_handoff(Api(client))
    # a new process on the same database
    async with TestClient(TestServer(init_app(s), host="127.0.0.1")) as client:
        _, listed = await Api(client).call("GET", "/api/callbacks")
    assert [i["id"] for i in listed["items"]] == [opened["callback"]["id"]]


# ---------------------------------------------------------------------------------------------
# Called back


async def test_marking_a_call_back_done_records_the_first_contact(capi: Api, clock: Clock) -> None:
    answer = await _callback(capi, clock, conversation_id="conv-done")
    cid, db = answer["callback"]["id"], capi.app[DB_KEY]
    with pytest.raises(BadRequest):
        await callbacks.mark_done(db, cid, "wang", "   ", clock.now)
    clock.advance(minutes=5)
    item = await callbacks.mark_done(db, cid, "wang", "已与王建国通话，电话13812345678，约定明天到网点", clock.now, remote="127.0.0.1")
    assert item.callback.status == "done" and item.callback.done_by == "wang"
    # the note is kept masked; the full text only encrypted
    assert "13812345678" not in (item.callback.note or "") and "王建国" not in (item.callback.note or "")
    assert db.cipher.decrypt(item.callback.note_enc).startswith("已与王建国通话")
    _, case = await capi.call("GET", f"/api/cases/{answer['case_no']}")
    assert case["status"] == "acknowledged" and case["sla"]["contacted_at"] is not None
    async with db.reading() as s:
        audited = (await s.execute(select(AuditEntry.actor).where(AuditEntry.action == "callback.done"))).scalars().all()
    assert audited == ["wang"]
    with pytest.raises(Conflict):
        await callbacks.mark_done(db, cid, "li", "再次回电", clock.now)
    assert (await capi.call("GET", "/api/callbacks"))[1]["total"] == 0
    done = (await capi.call("GET", "/api/callbacks?status=done"))[1]["items"]
    assert [d["id"] for d in done] == [cid] and "1381****" not in done[0]["note"]
    # an answer arriving after the call changes nothing
    _, late = await confirm(capi, cid, conversation_id="conv-done", phone="13912345678")
    assert late["status"] == "done" and late["phone_masked"] == "138****5678"


async def test_the_list_refuses_unknown_parameters(capi: Api) -> None:
    assert (await capi.call("GET", "/api/callbacks?status=all"))[0] == 400
    assert (await capi.call("GET", "/api/callbacks?sort=x"))[0] == 400
    assert (await capi.call("GET", "/api/callbacks", auth=False))[0] == 401


async def test_a_promise_is_never_later_than_it_may_be(capi: Api, clock: Clock) -> None:
    """Within service hours the call-back is promised within the hour, never after closing."""
    beijing(clock, 20, 20)
    await fill_queue(capi, 5)
    answer = await open_handoff(capi, reason="human")
    promised = datetime.fromisoformat(answer["callback"]["promised_by"])
    assert promised == datetime(2026, 12, 8, 10, 0, tzinfo=CHINA_TZ)  # 21:20 is after closing
    assert promised - clock.now < timedelta(hours=14)

