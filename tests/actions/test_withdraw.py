"""撤诉 on the action server (issue 14): the form's reading (the lookup's, plus a clear yes or no)
and what the bot says for each answer of the case desk (a fake client)."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import progress
from actions import withdraw as w
from actions.casedesk_client import CaseDeskError
from actions.outbox import PENDING, Deliverer, Outbox

from .helpers import domain, form_tracker, plain_tracker, responses, slot_events

NO = "TS20261122000123"


# ── yes or no ──────────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("text", ["确认", "确定撤回", "是的", "对，撤吧", "嗯嗯", "撤", "可以", "好的，撤了吧", "確認撤回", "ok", "没问题"])
def test_a_yes(text: str) -> None:
    assert w.read_confirmation(text, "inform") is True


@pytest.mark.parametrize("text", ["不撤了", "先不撤", "算了，还是继续处理吧", "不", "再想想", "不行", "别撤", "唔撤住", "不确认", "不可以"])
def test_a_no(text: str) -> None:
    assert w.read_confirmation(text, "inform") is False


@pytest.mark.parametrize("text, intent, expected", [
    ("👍", "affirm", True),
    ("🙅", "deny", False),
    ("你们那个网点几点开门", "out_of_scope", None),
    ("5678", "inform", None),
])
def test_the_intent_decides_only_when_the_words_say_nothing(text: str, intent: str, expected: Optional[bool]) -> None:
    assert w.read_confirmation(text, intent) is expected


# ── the form ───────────────────────────────────────────────────────────────────────────────────

def validate(text: str, intent: str = "inform", slots: Optional[Dict[str, Any]] = None,
             requested: Optional[str] = None, active: bool = True) -> Dict[str, Any]:
    tracker = form_tracker(text, intent=intent, slots=slots, requested=requested, form=w.FORM)
    if not active:
        tracker.active_loop = {}
    events = asyncio.run(w.ValidateWithdrawForm().run(CollectingDispatcher(), tracker, domain()))
    return {"_events": events, **slot_events(events)}


def test_the_opening_keeps_the_number_and_the_reason() -> None:
    slots = validate(f"投诉编号{NO}，钱退回来了，撤诉", intent="withdraw_complaint", active=False)
    assert slots[progress.CASE] == NO and slots[progress.WORDING] == "given"
    assert slots[w.REASON] == f"投诉编号{NO}，钱退回来了，撤诉"
    assert slots[w.CONFIRMED] is None and slots[w.LABEL] == f"编号为 {NO} 的投诉"


def test_the_first_turn_of_an_active_form_keeps_the_reason() -> None:
    # Rasa sets the loop active before it validates the opening: nothing asked yet tells it
    slots = validate("钱到了，投诉撤了吧", intent="withdraw_complaint", slots={"case_no": NO}, requested=None)
    assert slots[w.REASON] == "钱到了，投诉撤了吧" and slots[progress.CASE] == NO


def test_the_case_this_conversation_filed_is_offered() -> None:
    slots = validate("算了，撤了吧", intent="cancel", slots={"case_no": NO}, active=False)
    assert slots[progress.CASE] == NO and slots[progress.WORDING] == "conversation"


def test_without_a_number_the_confirmation_names_the_latest_case() -> None:
    slots = validate("最近那次投诉撤了吧", intent="withdraw_complaint", active=False)
    assert slots[progress.CASE] == progress.LATEST and slots[w.LABEL] == "您在这里最近登记的那件投诉"


def test_the_digits_then_the_yes() -> None:
    slots = validate("5678", slots={progress.CASE: NO}, requested=progress.LAST4)
    assert slots[progress.LAST4] == "5678"
    slots = validate("确认撤回", intent="affirm", slots={progress.CASE: NO, progress.LAST4: "5678"}, requested=w.CONFIRMED)
    assert slots == {"_events": slots["_events"], w.CONFIRMED: True, progress.TRIES: 0}


def test_a_no_keeps_the_complaint() -> None:
    slots = validate("算了，不撤了", intent="cancel", slots={progress.CASE: NO, progress.LAST4: "5678"}, requested=w.CONFIRMED)
    assert slots[w.CONFIRMED] is False


def test_no_clear_answer_three_times_withdraws_nothing() -> None:
    base = {progress.CASE: NO, progress.LAST4: "5678"}
    slots = validate("你们网点几点开门", intent="out_of_scope", slots=base, requested=w.CONFIRMED)
    assert slots[progress.TRIES] == 1 and slots[progress.WORDING] == "reask" and slots["requested_slot"] == w.CONFIRMED
    slots = validate("嗯？什么意思", intent="out_of_scope", slots={**base, progress.TRIES: 2}, requested=w.CONFIRMED)
    assert slots[w.CONFIRMED] is False and slots["requested_slot"] is None


@pytest.mark.parametrize("intent", ["request_human", "escalate", "complain", "goodbye"])
def test_leaving_words_go_to_the_rules(intent: str) -> None:
    base = {progress.CASE: NO, progress.LAST4: "5678"}
    assert validate("叫你们人工来", intent=intent, slots=base, requested=w.CONFIRMED)["_events"] == []


def test_back_after_a_wrong_try_keeps_the_yes_and_the_reason() -> None:
    slots = validate("0000", slots={progress.CASE: NO, progress.RETRY: True, w.CONFIRMED: True, w.REASON: "钱到了"}, active=False)
    assert slots[progress.RETRY] is None and w.CONFIRMED not in slots and w.REASON not in slots


# ── the answer ─────────────────────────────────────────────────────────────────────────────────

class FakeDesk:
    def __init__(self, status: int = 200, body: Optional[Dict[str, Any]] = None, error: bool = False) -> None:
        self.status, self.body, self.error = status, body or {}, error
        self.sent: List[Dict[str, Any]] = []

    async def withdraw_complaint(self, payload: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        self.sent.append(payload)
        if self.error:
            raise CaseDeskError("down", retryable=True)
        return self.status, self.body


WITHDRAWN = {"verified": True, "withdrawn": True, "case_no": NO, "status": "withdrawn",
             "status_label": "已按您的要求撤回", "handled_by": "投诉处理中心", "next_deadline": None, "latest_update": None}
READY = {progress.CASE: NO, progress.LAST4: "5678", w.CONFIRMED: True, w.REASON: "钱退回来了"}


def run(desk: FakeDesk, slots: Dict[str, Any]) -> Tuple[CollectingDispatcher, Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    tracker = plain_tracker("确认", "affirm", slots=slots)
    events = asyncio.run(w.ActionWithdrawComplaint(client=desk).run(dispatcher, tracker, domain()))  # type: ignore[arg-type]
    return dispatcher, slot_events(events)


def test_a_confirmed_withdrawal_is_sent_with_the_reason_and_told() -> None:
    desk = FakeDesk(200, WITHDRAWN)
    dispatcher, slots = run(desk, READY)
    assert desk.sent == [{"conversation_id": "test-sender", "case_no": NO, "phone_last4": "5678", "reason": "钱退回来了"}]
    assert responses(dispatcher) == ["utter_withdrawn"] and dispatcher.messages[0]["case_no"] == NO
    assert slots[w.CONFIRMED] is None and slots[progress.CASE] is None


def test_a_no_sends_nothing() -> None:
    desk = FakeDesk()
    dispatcher, _ = run(desk, {**READY, w.CONFIRMED: False})
    assert responses(dispatcher) == ["utter_withdraw_kept"] and desk.sent == []


def test_a_decided_case_is_too_late() -> None:
    desk = FakeDesk(409, {"error": "already_decided", "message": "…", "case_no": NO, "status": "resolved",
                          "status_label": "已办结，处理结果已答复"})
    dispatcher, _ = run(desk, READY)
    assert responses(dispatcher) == ["utter_withdraw_too_late"]
    assert dispatcher.messages[0]["status_label"] == "已办结，处理结果已答复"


def test_wrong_digits_ask_again_and_keep_the_yes() -> None:
    desk = FakeDesk(403, {"error": "verification_failed", "message": "…", "attempts_left": 1})
    dispatcher, slots = run(desk, READY)
    assert responses(dispatcher) == ["utter_progress_not_verified"]
    assert slots == {progress.LAST4: None, progress.RETRY: True}


def test_the_latest_case_is_sent_without_a_number() -> None:
    desk = FakeDesk(200, WITHDRAWN)
    run(desk, {**READY, progress.CASE: progress.LATEST})
    assert "case_no" not in desk.sent[0]


@pytest.mark.parametrize("desk", [FakeDesk(error=True), FakeDesk(400, {"error": "invalid_value"})])
def test_a_desk_that_cannot_answer_leaves_the_complaint_open(desk: FakeDesk) -> None:
    dispatcher, _ = run(desk, READY)
    assert responses(dispatcher) == ["utter_withdraw_unavailable"]


def test_locked_and_nothing_filed_here() -> None:
    locked = FakeDesk(429, {"error": "lookup_locked", "message": "…", "retry_after_seconds": 600})
    dispatcher, _ = run(locked, READY)
    assert responses(dispatcher) == ["utter_progress_locked"] and dispatcher.messages[0]["minutes"] == 10
    nothing = FakeDesk(404, {"error": "no_case_in_conversation", "message": "…"})
    dispatcher, slots = run(nothing, {**READY, progress.CASE: progress.LATEST})
    assert responses(dispatcher) == ["utter_progress_no_case_here"] and slots[progress.RETRY] is True


# ── a case filed while the desk was down, still in the outbox ─────────────────────────────────────

class DeskDown:
    timeout = 1.0

    async def create_case(self, body: Dict[str, Any]) -> Dict[str, Any]:
        raise CaseDeskError("down", retryable=True)

    async def withdraw_complaint(self, payload: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        raise CaseDeskError("down", retryable=True)


PENDING_CASE = {"filing_status": "pending", "intake_id": "intake-9", progress.CASE: progress.LATEST,
                progress.LAST4: "5678", w.CONFIRMED: True, w.REASON: "不用处理了"}


def run_pending(tmp_path: Any, slots: Dict[str, Any]) -> Tuple[CollectingDispatcher, Outbox]:
    outbox = Outbox(tmp_path / "outbox.db")
    d = Deliverer(outbox, DeskDown())  # type: ignore[arg-type]
    filed = {"conversation_id": "test-sender", "intake_id": "intake-9", "channel": "rest", "phone": "13812345678"}
    asyncio.run(d.submit(filed, ("test-sender", "intake-9")))
    dispatcher = CollectingDispatcher()
    tracker = plain_tracker("确认", "affirm", slots=slots)
    action = w.ActionWithdrawComplaint(client=DeskDown(), outbox=d)  # type: ignore[arg-type]
    asyncio.run(action.run(dispatcher, tracker, domain()))
    return dispatcher, outbox


def test_a_case_still_in_the_outbox_gets_its_withdrawal_queued_behind_it(tmp_path: Any) -> None:
    dispatcher, outbox = run_pending(tmp_path, PENDING_CASE)
    assert responses(dispatcher) == ["utter_withdraw_queued"]
    queued = outbox.get(("test-sender", "withdraw:intake-9"))
    assert queued is not None and queued.status == PENDING
    assert queued.payload == {"conversation_id": "test-sender", "intake_id": "intake-9", "phone_last4": "5678",
                              "reason": "不用处理了"}


def test_wrong_digits_for_a_case_in_the_outbox_queue_nothing(tmp_path: Any) -> None:
    dispatcher, outbox = run_pending(tmp_path, {**PENDING_CASE, progress.LAST4: "0000"})
    assert responses(dispatcher) == ["utter_withdraw_pending_not_verified"]
    assert outbox.get(("test-sender", "withdraw:intake-9")) is None


def test_every_response_the_actions_name_exists() -> None:
    names = {"utter_withdrawn", "utter_withdraw_kept", "utter_withdraw_too_late", "utter_withdraw_unavailable",
             "utter_withdraw_gave_up", "utter_ask_withdraw_confirmed", "utter_ask_withdraw_form_progress_case_no",
             "utter_ask_withdraw_form_progress_last4", "utter_withdraw_queued", "utter_withdraw_pending_not_verified"}
    assert names <= set(domain()["responses"])
