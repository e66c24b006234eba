"""action_handoff (actions/handoff.py): the words, the request to the case desk, the pause."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff, outbox
from actions.outbox import DELIVERED, PENDING, Deliverer, Outbox
from tests.actions.helpers import domain, plain_tracker, responses, slot_events
from tests.actions.test_outbox import FakeClient


@pytest.fixture
def fake_deliverer(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTBOX_RETRY_SECONDS", "0.05")
    d = Deliverer(Outbox(tmp_path / "outbox.db"), FakeClient())
    monkeypatch.setattr(outbox, "_deliverer", d)
    monkeypatch.setattr(d, "ensure_started", lambda: None)
    return d


def escalated(text, reason, cues, level="strong", **kwargs):
    tracker = plain_tracker(text, "escalate", **kwargs)
    tracker.latest_message["escalation"] = {"reason": reason, "level": level, "cues": cues,
                                            "source": "rules"}
    return tracker


async def run(tracker):
    dispatcher = CollectingDispatcher()
    events = await handoff.ActionHandoff().run(dispatcher, tracker, domain())
    return events, dispatcher


@pytest.mark.asyncio
@pytest.mark.parametrize("reason", ["anger", "media", "regulator", "violence"])
async def test_each_reason_opens_with_its_own_words_then_the_queue(fake_deliverer, reason):
    events, dispatcher = await run(escalated("我要找记者曝光你们", reason, ["记者"]))
    assert responses(dispatcher) == [f"utter_handoff_{reason}", "utter_handoff_queued"]
    queued = dispatcher.messages[1]
    assert queued["case_no"].startswith("TS") and queued["position"] == 2 and queued["minutes"] == 6
    assert events[-1]["event"] == "pause"
    slots = slot_events(events)
    assert slots["filing_status"] == "filed" and slots["case_no"] == queued["case_no"]


@pytest.mark.asyncio
async def test_self_harm_gets_words_of_care_and_no_queue_talk(fake_deliverer):
    events, dispatcher = await run(escalated("钱要不回来我就从你们楼上跳下去", "self_harm", ["跳下去"]))
    assert responses(dispatcher) == ["utter_handoff_self_harm"]  # no place in a queue, no minutes
    (body,) = fake_deliverer.client.calls
    assert body["reason"] == "self_harm"
    assert events[-1]["event"] == "pause"
    care = " ".join(v["text"] for v in domain()["responses"]["utter_handoff_self_harm"])
    assert "110" in care and "120" in care and "心理援助热线" in care


@pytest.mark.asyncio
async def test_the_request_files_what_is_known_with_the_reason_and_cues(fake_deliverer):
    tracker = escalated("你们再不退钱我就去银保监会投诉", "regulator", ["银保监会"],
                        slots={"customer_name": "王建国", "phone": "13812345678"})
    await run(tracker)
    (body,) = fake_deliverer.client.calls
    assert body["reason"] == "regulator" and body["signals"] == ["银保监会"]
    assert body["conversation_id"] == "test-sender" and body["channel"] == "rest"
    assert body["since"] > 0 and len(body["request_id"]) == 32
    case = body["case"]
    assert case["description"] == "你们再不退钱我就去银保监会投诉"
    assert case["customer_name"] == "王建国" and case["phone"] == "13812345678"
    assert case["intake_id"] and case["transcript"][-1]["role"] == "customer"
    # priority and reason are the handoff's to set, not the case body's
    assert "priority" not in case and "handoff_reason" not in case


@pytest.mark.asyncio
async def test_a_case_already_filed_is_referred_to_not_filed_again(fake_deliverer):
    tracker = escalated("你们这什么态度，我要投诉到总行", "regulator", ["总行"],
                        slots={"case_no": "TS20261122000007", "filing_status": "filed"})
    await run(tracker)
    (body,) = fake_deliverer.client.calls
    assert body["case_no"] == "TS20261122000007" and "case" not in body


@pytest.mark.asyncio
async def test_asking_for_a_person_without_a_detection_is_reason_human(fake_deliverer):
    events, dispatcher = await run(plain_tracker("转人工", "request_human"))
    assert responses(dispatcher) == ["utter_handoff_human", "utter_handoff_queued"]
    assert fake_deliverer.client.calls[0]["reason"] == "human"


@pytest.mark.asyncio
async def test_mild_anger_alone_is_not_a_reason(fake_deliverer):
    await run(escalated("太差劲了，转人工", "anger", ["太差劲"], level="mild"))
    assert fake_deliverer.client.calls[0]["reason"] == "human"


@pytest.mark.asyncio
async def test_a_signal_set_by_a_form_wins_and_is_cleared(fake_deliverer):
    tracker = plain_tracker("不知道", "inform", slots={"handoff_reason": "anger", "handoff_cues": ["重复投诉"]})
    events, dispatcher = await run(tracker)
    assert responses(dispatcher)[0] == "utter_handoff_anger"
    assert fake_deliverer.client.calls[0]["signals"] == ["重复投诉"]
    slots = slot_events(events)
    assert slots["handoff_reason"] is None and slots["handoff_cues"] is None


@pytest.mark.asyncio
async def test_case_desk_down_the_request_waits_in_the_outbox_and_the_bot_still_pauses(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTBOX_RETRY_SECONDS", "0.05")
    d = Deliverer(Outbox(tmp_path / "outbox.db"), FakeClient(failures=1))
    monkeypatch.setattr(outbox, "_deliverer", d)
    monkeypatch.setattr(d, "ensure_started", lambda: None)
    events, dispatcher = await run(escalated("我要去法院起诉你们", "regulator", ["起诉"]))
    assert responses(dispatcher) == ["utter_handoff_regulator", "utter_handoff_recorded"]
    assert events[-1]["event"] == "pause"
    assert slot_events(events)["filing_status"] == "pending"
    key = ("test-sender", handoff.handoff_key(d.client.calls[0]["request_id"]))
    assert d.outbox.get(key).status == PENDING
    await asyncio.sleep(0.12)
    assert await d.deliver_due() == 1
    assert d.outbox.get(key).status == DELIVERED
    # the retry carried the same request: the case desk is idempotent on it
    first, second = d.client.calls
    assert first["request_id"] == second["request_id"]


def test_signal_events_end_the_form_and_run_the_handoff_next():
    events = handoff.signal_handoff_events("human", ["要求人工"])
    assert any(e["event"] == "followup" and e["name"] == "action_handoff" for e in events)
    slots = slot_events(events)
    assert slots["requested_slot"] is None and slots["handoff_reason"] == "human"


# -- review fixes: the bot never falls silent with nobody in the queue; old conversations stay out

@pytest.mark.asyncio
async def test_a_handoff_the_case_desk_refuses_does_not_pause_the_bot(tmp_path, monkeypatch):
    d = Deliverer(Outbox(tmp_path / "outbox.db"), FakeClient(failures=1, retryable=False))
    monkeypatch.setattr(outbox, "_deliverer", d)
    monkeypatch.setattr(d, "ensure_started", lambda: None)
    events, dispatcher = await run(escalated("我要去法院起诉你们", "regulator", ["起诉"]))
    assert responses(dispatcher) == ["utter_handoff_regulator", "utter_handoff_failed"]
    assert all(e["event"] != "pause" for e in events)


def restarted_history():
    old = "人民路支行的柜员态度恶劣，请不要让网点知道是我投诉的"
    return [
        {"event": "user", "text": old, "timestamp": 1.0, "parse_data": {"intent": {"name": "complain"}}},
        {"event": "action", "name": "action_start_intake", "timestamp": 1.1},
        {"event": "restart", "timestamp": 2.0},
    ], old


@pytest.mark.asyncio
async def test_what_came_before_a_restart_is_not_copied_into_a_new_case(fake_deliverer):
    history, old = restarted_history()
    await run(plain_tracker("转人工", "request_human", events=history))
    case = fake_deliverer.client.calls[0]["case"]
    assert old not in case["description"] and case["description"] == "转人工"
    assert all(old not in t["text"] for t in case["transcript"])


@pytest.mark.asyncio
async def test_a_filed_case_handoff_syncs_from_the_filing_on(fake_deliverer):
    history = [
        {"event": "user", "text": "ATM吞卡了", "timestamp": 10.0},
        {"event": "action", "name": "action_file_case", "timestamp": 20.0},
        {"event": "user", "text": "你们到底管不管", "timestamp": 30.0},
    ]
    tracker = escalated("我要去银保监会投诉", "regulator", ["银保监会"], events=history,
                        slots={"case_no": "TS20261122000007", "filing_status": "filed"})
    await run(tracker)
    assert fake_deliverer.client.calls[0]["since"] == 20.0


def test_a_new_case_syncs_after_the_message_it_already_carries():
    events = [{"event": "user", "text": "曝光你们", "timestamp": 42.0}]
    assert handoff.sync_from(events, case_filed=False) == 42.0
    assert handoff.sync_from(events, case_filed=True) < 42.0


@pytest.mark.asyncio
async def test_a_new_session_while_handed_off_stays_paused_and_keeps_the_case():
    tracker = plain_tracker("还在吗", "inform", slots={"case_no": "TS20261122000007", "filing_status": "filed"})
    tracker._paused = True
    events = await handoff.ActionSessionStart().run(CollectingDispatcher(), tracker, domain())
    kinds = [e["event"] for e in events]
    assert kinds[0] == "session_started" and kinds[-1] == "pause"
    assert slot_events(events)["case_no"] == "TS20261122000007"
    tracker._paused = False
    events = await handoff.ActionSessionStart().run(CollectingDispatcher(), tracker, domain())
    assert [e["event"] for e in events] == ["session_started", "action"]


@pytest.mark.asyncio
async def test_the_case_filed_at_a_handoff_keeps_the_facts_said_in_the_same_message(fake_deliverer):
    tracker = escalated("昨天在人民路支行被多扣了三千二，再不退我就去电视台曝光", "media", ["曝光"],
                        slots={"customer_name": "李秀英"})
    await run(tracker)
    (body,) = fake_deliverer.client.calls
    case = body["case"]
    assert case["branch"] == "人民路支行" and case["amount"] == 3200
    assert case["occurred_at"] and case["customer_name"] == "李秀英"  # a slot is never overwritten
