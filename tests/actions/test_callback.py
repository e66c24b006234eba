"""Honest waits in the bot (issue 15): action_handoff makes the case desk's call-back offer
instead of quoting a wait and keeps the conversation; callback_form's validator reads the
customer's answer; action_confirm_callback tells the desk through the outbox and reads the
number back masked with the hotline."""
from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import callback, handoff, outbox
from actions.outbox import DELIVERED, PENDING, REJECTED, Deliverer, Outbox
from actions.casedesk_client import CaseDeskError
from tests.actions.helpers import domain, form_tracker, plain_tracker, responses, slot_events
from tests.actions.test_outbox import FakeClient

OFFER = {
    "id": 42, "reason": "long_wait", "status": "pending", "promised_by": "2026-12-07T15:00:00+08:00",
    "promise_words": "今天 15:00 前", "phone_masked": "138****5678", "confirmation": None,
    "hotline": "95566", "service_hours": "09:00–21:00",
}


class CallbackDesk(FakeClient):
    """The case desk answering a handoff with a call-back, and taking confirmations."""

    def __init__(self, offer: Dict[str, Any] = OFFER, confirm_fails: int = 0, rejects: bool = False) -> None:
        super().__init__()
        self.offer = offer
        self.confirmations: List[Dict[str, Any]] = []
        self.confirm_fails = confirm_fails
        self.rejects = rejects

    async def open_handoff(self, body):  # type: ignore[no-untyped-def]
        answer = await self.create_case(body)
        return {**answer, "id": 7, "status": "closed", "position": 0, "expected_wait_minutes": None,
                "callback": dict(self.offer)}

    async def confirm_callback(self, body):  # type: ignore[no-untyped-def]
        self.confirmations.append(body)
        if self.rejects:
            raise CaseDeskError("not found", retryable=False, status=404)
        if self.confirm_fails:
            self.confirm_fails -= 1
            raise CaseDeskError("down", retryable=True, status=503)
        return {"id": body["callback_id"], "case_no": "TS20261207000001", "status": "pending"}


@pytest.fixture
def desk(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OUTBOX_RETRY_SECONDS", "0.05")
    d = Deliverer(Outbox(tmp_path / "outbox.db"), CallbackDesk())
    monkeypatch.setattr(outbox, "_deliverer", d)
    monkeypatch.setattr(d, "ensure_started", lambda: None)
    return d


def escalated(text: str, reason: str = "media", **kwargs: Any):  # type: ignore[no-untyped-def]
    tracker = plain_tracker(text, "escalate", **kwargs)
    tracker.latest_message["escalation"] = {"reason": reason, "level": "strong", "cues": ["记者"], "source": "rules"}
    return tracker


# ---------------------------------------------------------------------------------------------
# The offer


@pytest.mark.asyncio
@pytest.mark.parametrize("reason", ["anger", "media", "regulator", "violence"])
async def test_a_call_back_is_offered_instead_of_a_wait_and_the_bot_keeps_the_conversation(desk, reason):  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = await handoff.ActionHandoff().run(dispatcher, escalated("再不处理我就找记者曝光", reason), domain())
    assert responses(dispatcher) == [f"utter_callback_opening_{reason}", "utter_callback_offer_long_wait"]
    # the words are the case desk's, rendered with the offer (slots are set only after the action)
    offer = dispatcher.messages[1]
    assert offer["callback_promise"] == "今天 15:00 前" and offer["case_no"].startswith("TS")
    assert all(e["event"] != "pause" for e in events)  # no silence: the number is asked next
    # the form that asks and reads the answer is started here, not by a rule after action_handoff
    assert events[-1]["event"] == "active_loop" and events[-1]["name"] == "callback_form"
    slots = slot_events(events)
    assert slots["callback_id"] == "42"
    assert slots["callback_wording"] == "confirm" and slots["callback_phone_masked"] == "138****5678"
    assert slots["callback_hotline"] == "95566" and slots["filing_status"] == "filed"
    # no wait in minutes anywhere in what is said
    said = " ".join(str(v) for m in dispatcher.messages for v in m.values())
    assert "分钟" not in said


@pytest.mark.asyncio
async def test_with_no_number_on_file_the_bot_asks_for_one(desk) -> None:  # type: ignore[no-untyped-def]
    desk.client.offer = {**OFFER, "phone_masked": None, "reason": "after_hours"}
    dispatcher = CollectingDispatcher()
    events = await handoff.ActionHandoff().run(dispatcher, plain_tracker("转人工", "request_human"), domain())
    assert responses(dispatcher) == ["utter_callback_opening_human", "utter_callback_offer_after_hours"]
    assert slot_events(events)["callback_wording"] == "ask"


def test_every_offer_and_opening_has_words() -> None:
    have = domain()["responses"]
    for reason in ("anger", "media", "regulator", "violence", "human"):
        assert f"utter_callback_opening_{reason}" in have
    for why in handoff.CALLBACK_REASONS:
        texts = [v["text"] for v in have[f"utter_callback_offer_{why}"]]
        assert texts and all("{callback_promise}" in t for t in texts)
        assert not any("分钟" in t or "排在第" in t for t in texts)
    # the closing line always gives the hotline; the read-back is masked (never {phone})
    for name in ("utter_callback_confirmed", "utter_callback_kept", "utter_callback_no_number", "utter_callback_failed"):
        assert all("{callback_hotline}" in v["text"] for v in have[name]), name
    asks = [v["text"] for v in have["utter_ask_callback_number"]]
    assert all("{phone}" not in t for t in asks) and any("{callback_phone_masked}" in t for t in asks)


# ---------------------------------------------------------------------------------------------
# The answer


def asked(text: str, intent: str = "inform", **slots: Any):  # type: ignore[no-untyped-def]
    base = {"callback_id": "42", "callback_phone_masked": "138****5678", "callback_wording": "confirm",
            "callback_promise": "今天 15:00 前", "callback_hotline": "95566",
            "case_no": "TS20261207000001"}
    base.update(slots)
    return form_tracker(text, intent, slots=base, requested="callback_number", form="callback_form")


async def validate(tracker) -> Dict[str, Any]:  # type: ignore[no-untyped-def]
    events = await callback.ValidateCallbackForm().run(CollectingDispatcher(), tracker, domain())
    return slot_events(events)


@pytest.mark.asyncio
@pytest.mark.parametrize("text, intent", [("可以", "affirm"), ("对，就打这个", "affirm"), ("嗯", "inform"),
                                          ("好的谢谢", "thank"), ("方便的", "affirm")])
async def test_yes_keeps_the_number_on_file(text: str, intent: str) -> None:
    assert (await validate(asked(text, intent)))["callback_number"] == callback.ON_FILE


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["这个号不常用，打13912345678吧", "换成139 1234 5678", "一三九一二三四五六七八",
                                  "不是138那个，是13912345678"])
async def test_another_number_is_taken_and_read_back_masked(text: str) -> None:
    slots = await validate(asked(text))
    assert slots["callback_number"] == "13912345678"
    assert slots["callback_phone_masked"] == "139****5678" and slots["callback_wording"] == "changed"


@pytest.mark.asyncio
async def test_a_first_number_is_not_a_change() -> None:
    slots = await validate(asked("13912345678", callback_phone_masked=None, callback_wording="ask"))
    assert slots["callback_number"] == "13912345678" and slots["callback_wording"] is None


@pytest.mark.asyncio
@pytest.mark.parametrize("text, intent", [("不对", "deny"), ("这个号不方便", "inform"), ("不行，换一个", "deny")])
async def test_no_asks_for_another_number(text: str, intent: str) -> None:
    slots = await validate(asked(text, intent))
    assert "callback_number" not in slots and slots["callback_wording"] == "ask"


@pytest.mark.asyncio
@pytest.mark.parametrize("text, intent", [("不用回电了", "cancel"), ("算了", "cancel"), ("再见", "goodbye")])
async def test_declining_keeps_the_number_on_file_unconfirmed(text: str, intent: str) -> None:
    assert (await validate(asked(text, intent)))["callback_number"] == callback.UNCONFIRMED


@pytest.mark.asyncio
async def test_asking_for_a_person_again_is_answered_and_asked_again() -> None:
    slots = await validate(asked("我不要回电，我现在就要人工", "request_human"))
    assert "callback_number" not in slots and slots["callback_wording"] == "busy_confirm"
    assert slots["reask"] == {"slot": "callback_number", "count": 1}
    slots = await validate(asked("我要人工", "request_human", callback_phone_masked=None, callback_wording="ask"))
    assert slots["callback_wording"] == "busy_ask"


@pytest.mark.asyncio
async def test_no_question_is_asked_a_fourth_time() -> None:
    first = await validate(asked("啊？", "nlu_fallback"))
    assert first["callback_wording"] == "reask_confirm" and first["reask"]["count"] == 1
    third = await validate(asked("啊？", "nlu_fallback", reask={"slot": "callback_number", "count": 2}))
    assert third["callback_number"] == callback.UNCONFIRMED
    # without a number on file, "yes" settles nothing: the number is asked again
    assert (await validate(asked("好的", "affirm", callback_phone_masked=None, callback_wording="ask")))[
        "callback_wording"] == "reask_ask"


@pytest.mark.asyncio
async def test_activation_reads_nothing() -> None:
    tracker = asked("你们再不处理我就找记者")
    tracker.events.insert(-2, {"event": "action", "name": "action_handoff"})
    assert await callback.ValidateCallbackForm().run(CollectingDispatcher(), tracker, domain()) == []


# ---------------------------------------------------------------------------------------------
# Settled


async def settle(value: str, **slots: Any):  # type: ignore[no-untyped-def]
    tracker = asked("可以", "affirm", callback_number=value, **slots)
    dispatcher = CollectingDispatcher()
    events = await callback.ActionConfirmCallback().run(dispatcher, tracker, domain())
    return events, dispatcher


@pytest.mark.asyncio
async def test_the_confirmed_number_reaches_the_desk_and_is_read_back_with_the_hotline(desk) -> None:  # type: ignore[no-untyped-def]
    events, dispatcher = await settle(callback.ON_FILE)
    (body,) = desk.client.confirmations
    assert body["callback_id"] == 42 and body["confirmed"] is True and body["conversation_id"] == "test-sender"
    assert body["said_at"] > 0 and "phone" not in body
    assert responses(dispatcher) == ["utter_callback_confirmed"]
    said = dispatcher.messages[0]
    assert said["callback_phone_masked"] == "138****5678" and said["callback_hotline"] == "95566"
    assert slot_events(events)["callback_number"] is None


@pytest.mark.asyncio
async def test_another_number_reaches_the_desk_in_full_and_only_there(desk) -> None:  # type: ignore[no-untyped-def]
    await settle("13912345678", callback_phone_masked="139****5678", callback_wording="changed")
    (body,) = desk.client.confirmations
    assert body["phone"] == "13912345678" and "confirmed" not in body
    # the outbox keeps it encrypted, under its own key prefix
    key = ("test-sender", callback.callback_key(body["request_id"]))
    assert desk.outbox.get(key).status == DELIVERED


@pytest.mark.asyncio
async def test_a_desk_outage_loses_no_number(desk) -> None:  # type: ignore[no-untyped-def]
    desk.client.confirm_fails = 1
    _, dispatcher = await settle("13912345678", callback_phone_masked="139****5678")
    assert responses(dispatcher) == ["utter_callback_confirmed"]  # stored: it will be delivered
    body = desk.client.confirmations[0]
    key = ("test-sender", callback.callback_key(body["request_id"]))
    assert desk.outbox.get(key).status == PENDING
    import asyncio

    await asyncio.sleep(0.12)
    assert await desk.deliver_due() == 1 and desk.outbox.get(key).status == DELIVERED
    assert [c["request_id"] for c in desk.client.confirmations] == [body["request_id"]] * 2


@pytest.mark.asyncio
async def test_unconfirmed_with_and_without_a_number(desk) -> None:  # type: ignore[no-untyped-def]
    _, kept = await settle(callback.UNCONFIRMED)
    assert responses(kept) == ["utter_callback_kept"] and desk.client.confirmations[-1]["confirmed"] is False
    _, none = await settle(callback.UNCONFIRMED, callback_phone_masked=None)
    assert responses(none) == ["utter_callback_no_number"]


@pytest.mark.asyncio
async def test_a_refused_confirmation_is_said_honestly(desk) -> None:  # type: ignore[no-untyped-def]
    desk.client.rejects = True
    _, dispatcher = await settle(callback.ON_FILE)
    assert responses(dispatcher) == ["utter_callback_failed"]
    body = desk.client.confirmations[0]
    assert desk.outbox.get(("test-sender", callback.callback_key(body["request_id"]))).status == REJECTED
    _, missing = await settle(callback.ON_FILE, callback_id=None)
    assert responses(missing) == ["utter_callback_failed"]


def test_the_web_chats_greeting_is_not_the_customers_words() -> None:
    """The web chat page opens with "/greet": a case filed at the handoff must not start with it."""
    events = [
        {"event": "user", "text": "/greet", "timestamp": 1.0},
        {"event": "user", "text": "你们乱扣我的年费，再不处理我就发微博曝光！", "timestamp": 2.0},
    ]
    assert handoff.customer_words(events) == "你们乱扣我的年费，再不处理我就发微博曝光！"
    # a customer typing a slash is still heard (bot/intent_shortcuts.py: only the page's own pass)
    assert handoff.customer_words([{"event": "user", "text": "/restart 我要投诉", "timestamp": 1.0}]) == "/restart 我要投诉"
