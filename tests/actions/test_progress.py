"""Progress lookup on the action server (issue 14): the case-number and last-four extractor, the
form's validation and the answer built from the case desk's reply (a fake client)."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import progress as lookup
from actions.casedesk_client import CaseDeskError
from actions.progress_parsing import find_case_no, find_last4, refers_to_latest

from .helpers import domain, form_tracker, plain_tracker, responses, slot_events

NO = "TS20261122000123"


# ── the extractor ──────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("text", [
    "TS20261122000123",
    "ts20261122000123",
    "编号TS20261122000123，帮我查一下",
    "查一下 Ts 2026 1122 000123 的进度",
    "TS2026-1122-000123",
    "ＴＳ２０２６１１２２０００１２３",
    "投诉编号：TS 20261122000123",
    "编号是T S二零二六一一二二零零零一二三",
    "TS贰零贰陆幺幺贰贰零零零幺贰叁",
    "20261122000123",  # the digits alone, when they start with a date
    "我的編號是TS20261122000123，請幫我查詢",
])
def test_case_numbers_in_many_forms(text: str) -> None:
    assert find_case_no(text) == NO


@pytest.mark.parametrize("text", [
    "我想查一下投诉进度",
    "TS2026112200012",        # 13 digits
    "TS202611220001234",      # 15 digits
    "13812345678",            # a phone
    "20261399000123",         # no date
    "卡号6222021234567890123",
    "我在2026年11月22日投诉的",
])
def test_no_case_number(text: str) -> None:
    assert find_case_no(text) is None


@pytest.mark.parametrize("text", ["最近那次", "查最近一次的", "上次那个", "上回投诉的", "刚才登记的那个", "刚刚提交的", "之前那个投诉"])
def test_the_latest_case(text: str) -> None:
    assert refers_to_latest(text)


@pytest.mark.parametrize("text", ["我想查一下投诉进度", "TS20261122000123", "最近怎么样"])
def test_not_the_latest_case(text: str) -> None:
    assert not refers_to_latest(text)


@pytest.mark.parametrize("text, last4", [
    ("5678", "5678"), ("尾号5678", "5678"), ("后四位是 5678", "5678"), ("５６７８", "5678"),
    ("5 6 7 8", "5678"), ("五六七八", "5678"), ("幺三五七", "1357"), ("13812345678", "5678"),
    ("手机号138 1234 5678", "5678"), ("TS20261122000123 5678", "5678"), ("是0123吧", "0123"),
])
def test_last_four_digits(text: str, last4: str) -> None:
    assert find_last4(text) == last4


@pytest.mark.parametrize("text", ["567", "56789", "TS20261122000123", "不记得了", "1234和5678", "2026年", "0571-87023456"])
def test_no_last_four_digits(text: str) -> None:
    assert find_last4(text) is None


def test_marked_only_needs_a_marker() -> None:
    assert find_last4("编号TS20261122000123，手机尾号5678，查进度", marked_only=True) == "5678"
    assert find_last4("查进度，TS20261129000040，后四位1234", marked_only=True) == "1234"
    assert find_last4("我2024年投诉的那件", marked_only=True) is None
    assert find_last4("TS20261122000123 5678", marked_only=True) is None


# ── the form ───────────────────────────────────────────────────────────────────────────────────

def validate(text: str, intent: str = "inform", slots: Optional[Dict[str, Any]] = None,
             requested: Optional[str] = None, active: bool = True) -> Dict[str, Any]:
    tracker = form_tracker(text, intent=intent, slots=slots, requested=requested, form="progress_form")
    if not active:
        tracker.active_loop = {}
    events = asyncio.run(lookup.ValidateProgressForm().run(CollectingDispatcher(), tracker, domain()))
    return {"_events": events, **slot_events(events)}


def test_opening_with_a_number_asks_only_the_digits() -> None:
    slots = validate(f"我想查一下投诉进度，编号{NO}", intent="check_progress", active=False)
    assert slots[lookup.CASE] == NO and slots[lookup.WORDING] == "given"
    assert slots.get(lookup.LAST4) is None


def test_opening_with_number_and_digits_needs_no_question() -> None:
    slots = validate(f"编号{NO}，手机尾号5678，帮我查一下进度", intent="check_progress", active=False)
    assert slots[lookup.CASE] == NO and slots[lookup.LAST4] == "5678"


def test_the_case_this_conversation_filed_is_offered() -> None:
    slots = validate("那我的问题什么时候能解决？", intent="check_progress", slots={"case_no": NO}, active=False)
    assert slots[lookup.CASE] == NO and slots[lookup.WORDING] == "conversation"


def test_without_a_number_the_number_is_asked() -> None:
    slots = validate("我想查一下投诉进度", intent="check_progress", active=False)
    assert slots[lookup.CASE] is None and slots[lookup.WORDING] is None


def test_latest_without_a_case_here_is_left_to_the_case_desk() -> None:
    slots = validate("最近那次投诉现在怎么样了", intent="check_progress", active=False)
    assert slots[lookup.CASE] == lookup.LATEST and slots[lookup.WORDING] == "latest"


def test_the_answer_is_read_first_whatever_the_intent() -> None:
    slots = validate(NO.lower(), intent="nlu_fallback", requested=lookup.CASE)
    assert slots[lookup.CASE] == NO
    slots = validate("5678", intent="inform", slots={lookup.CASE: NO}, requested=lookup.LAST4)
    assert slots[lookup.LAST4] == "5678"
    slots = validate("算了，尾号是5678", intent="cancel", slots={lookup.CASE: NO}, requested=lookup.LAST4)
    assert slots[lookup.LAST4] == "5678"


def test_another_number_while_asked_for_the_digits_switches_the_case() -> None:
    other = "TS20261201000045"
    slots = validate(f"不对，是{other}", slots={lookup.CASE: NO}, requested=lookup.LAST4)
    assert slots[lookup.CASE] == other and slots["requested_slot"] == lookup.LAST4
    assert lookup.LAST4 not in slots


def test_unusable_answers_are_asked_again_then_given_up() -> None:
    slots = validate("我也不知道", requested=lookup.CASE)
    assert slots[lookup.TRIES] == 1 and slots[lookup.WORDING] == "reask"
    slots = validate("忘了", requested=lookup.CASE, slots={lookup.TRIES: 2})
    assert slots[lookup.CASE] == lookup.GAVE_UP and slots["requested_slot"] is None


@pytest.mark.parametrize("intent", ["cancel", "request_human", "escalate", "complain", "goodbye"])
def test_leaving_words_without_an_answer_go_to_the_rules(intent: str) -> None:
    assert validate("不查了", intent=intent, slots={lookup.CASE: NO}, requested=lookup.LAST4)["_events"] == []


def test_back_after_a_wrong_try_does_not_read_the_old_message_again() -> None:
    slots = validate(f"{NO} 尾号0000", slots={lookup.CASE: NO, lookup.RETRY: True}, active=False)
    assert slots[lookup.RETRY] is None and slots[lookup.WORDING] == "retry"
    assert lookup.LAST4 not in slots


# ── the answer ─────────────────────────────────────────────────────────────────────────────────

class FakeDesk:
    def __init__(self, status: int = 200, body: Optional[Dict[str, Any]] = None, error: bool = False) -> None:
        self.status, self.body, self.error = status, body or {}, error
        self.sent: List[Dict[str, Any]] = []

    async def lookup_progress(self, payload: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        self.sent.append(payload)
        if self.error:
            raise CaseDeskError("down", retryable=True)
        return self.status, self.body


VERIFIED = {
    "verified": True, "case_no": NO, "status": "in_progress", "status_label": "正在调查处理中",
    "handled_by": "投诉处理中心交易争议组",
    "next_deadline": {"date": "2026-12-07", "kind": "decision", "label": "给您处理结果"},
    "latest_update": None,
}


def run_lookup(desk: FakeDesk, slots: Dict[str, Any]) -> Tuple[CollectingDispatcher, Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    tracker = plain_tracker("5678", "inform", slots=slots)
    events = asyncio.run(lookup.ActionLookupProgress(client=desk).run(dispatcher, tracker, domain()))  # type: ignore[arg-type]
    return dispatcher, slot_events(events)


def test_a_verified_lookup_tells_status_team_deadline_and_no_update() -> None:
    desk = FakeDesk(200, VERIFIED)
    dispatcher, slots = run_lookup(desk, {lookup.CASE: NO, lookup.LAST4: "5678"})
    assert desk.sent == [{"conversation_id": "test-sender", "case_no": NO, "phone_last4": "5678"}]
    assert responses(dispatcher) == ["utter_progress_result", "utter_progress_deadline", "utter_progress_no_update"]
    assert dispatcher.messages[1]["deadline_date"] == "2026年12月7日"
    assert slots[lookup.CASE] is None and slots[lookup.LAST4] is None and slots[lookup.RETRY] is None


def test_the_latest_case_is_asked_without_a_number() -> None:
    desk = FakeDesk(200, {**VERIFIED, "next_deadline": None, "latest_update": "已与网点核实，正在调取监控"})
    dispatcher, _ = run_lookup(desk, {lookup.CASE: lookup.LATEST, lookup.LAST4: "5678"})
    assert "case_no" not in desk.sent[0]
    assert responses(dispatcher) == ["utter_progress_result", "utter_progress_deadline_paused", "utter_progress_update"]


def test_a_decided_case_has_no_deadline_and_a_paused_one_says_why() -> None:
    decided = FakeDesk(200, {**VERIFIED, "status": "resolved", "next_deadline": None, "latest_update": None})
    dispatcher, _ = run_lookup(decided, {lookup.CASE: NO, lookup.LAST4: "5678"})
    assert responses(dispatcher) == ["utter_progress_result", "utter_progress_no_deadline", "utter_progress_no_update"]
    paused = FakeDesk(200, {**VERIFIED, "status": "in_progress", "next_deadline": None, "latest_update": None})
    dispatcher, _ = run_lookup(paused, {lookup.CASE: NO, lookup.LAST4: "5678"})
    assert responses(dispatcher) == ["utter_progress_result", "utter_progress_deadline_paused", "utter_progress_no_update"]


def test_a_wrong_try_asks_again_and_says_how_many_are_left() -> None:
    desk = FakeDesk(403, {"error": "verification_failed", "message": "…", "attempts_left": 2})
    dispatcher, slots = run_lookup(desk, {lookup.CASE: NO, lookup.LAST4: "0000"})
    assert responses(dispatcher) == ["utter_progress_not_verified"]
    assert dispatcher.messages[0]["attempts_left"] == 2
    assert slots == {lookup.LAST4: None, lookup.RETRY: True}


def test_a_locked_lookup_says_when_to_come_back() -> None:
    desk = FakeDesk(429, {"error": "lookup_locked", "message": "…", "locked_until": "2026-12-06T10:15:00+08:00",
                          "retry_after_seconds": 899})
    dispatcher, slots = run_lookup(desk, {lookup.CASE: NO, lookup.LAST4: "0000"})
    assert responses(dispatcher) == ["utter_progress_locked"] and dispatcher.messages[0]["minutes"] == 15
    assert slots[lookup.RETRY] is None


def test_nothing_filed_here_asks_for_the_number() -> None:
    desk = FakeDesk(404, {"error": "no_case_in_conversation", "message": "…"})
    dispatcher, slots = run_lookup(desk, {lookup.CASE: lookup.LATEST, lookup.LAST4: "5678"})
    assert responses(dispatcher) == ["utter_progress_no_case_here"]
    assert slots == {lookup.CASE: None, lookup.RETRY: True}


@pytest.mark.parametrize("desk", [FakeDesk(error=True), FakeDesk(400, {"error": "invalid_value"})])
def test_a_desk_that_cannot_answer(desk: FakeDesk) -> None:
    dispatcher, _ = run_lookup(desk, {lookup.CASE: NO, lookup.LAST4: "5678"})
    assert responses(dispatcher) == ["utter_progress_unavailable"]


def test_given_up_asks_nobody() -> None:
    desk = FakeDesk()
    dispatcher, _ = run_lookup(desk, {lookup.CASE: lookup.GAVE_UP, lookup.LAST4: None})
    assert responses(dispatcher) == ["utter_progress_gave_up"] and desk.sent == []


def test_every_response_the_actions_name_exists() -> None:
    names = {"utter_progress_result", "utter_progress_deadline", "utter_progress_no_deadline", "utter_progress_deadline_paused",
             "utter_progress_update", "utter_progress_no_update", "utter_progress_not_verified",
             "utter_progress_locked", "utter_progress_no_case_here", "utter_progress_unavailable",
             "utter_progress_gave_up", "utter_progress_stopped", "utter_ask_progress_case_no",
             "utter_ask_progress_last4"}
    assert names <= set(domain()["responses"])
