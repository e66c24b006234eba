"""The conversation actions of actions/script.py."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import outbox, script
from actions.case_record import build_payload, channel_of, summary
from actions.intake_form import today
from actions.outbox import Deliverer, Outbox
from tests.actions.helpers import domain, plain_tracker, responses, slot_events
from tests.actions.test_outbox import FakeClient


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain())
    return slot_events(events), dispatcher


@pytest.fixture
def fake_deliverer(tmp_path, monkeypatch):
    d = Deliverer(Outbox(tmp_path / "outbox.db"), FakeClient())
    monkeypatch.setattr(outbox, "_deliverer", d)
    monkeypatch.setattr(d, "ensure_started", lambda: None)
    return d


# -- 1. a complaint arrives -------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_start_reads_everything_the_opening_says(fake_deliverer):
    text = ("我叫李娜，手机13912345678。前天在高新区支行办业务，柜员态度特别差，还冲我翻白眼，"
            "我要投诉她，这件事请不要让她知道是我投诉的")
    slots, dispatcher = await run(script.ActionStartIntake(), plain_tracker(text, "complain"))
    assert dispatcher.messages == []  # the apology is the next step (utter_apologize), not this
    assert slots["customer_name"] == "李娜"
    assert slots["phone"] == "13912345678"
    assert slots["branch"] == "高新区支行"
    assert slots["occurred_at"] == (today() - timedelta(days=2)).isoformat()
    assert slots["confidential"] is True
    assert slots["category"] == "staff_service"
    assert slots["description"] == text
    uuid.UUID(slots["intake_id"])


@pytest.mark.asyncio
async def test_start_resets_a_previous_intake_but_remembers_who_filed_it(fake_deliverer):
    old = {"customer_name": "王建国", "phone": "13812345678", "case_no": "TS20261122000001",
           "filing_status": "filed", "intake_id": "old", "amount": 5000.0, "branch": "朝阳路支行"}
    slots, _ = await run(script.ActionStartIntake(), plain_tracker("你们ATM吞了我的卡", "complain", slots=old))
    assert slots["case_no"] is None and slots["filing_status"] is None and slots["amount"] is None
    assert slots["branch"] is None
    assert slots["customer_name"] == "王建国" and slots["phone"] == "13812345678"
    assert slots["intake_id"] != "old"


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["我要投诉", "我要投诉你们银行！", "你好，我想反映个问题"])
async def test_a_bare_wish_to_complain_leaves_the_description_to_ask(fake_deliverer, text):
    slots, _ = await run(script.ActionStartIntake(), plain_tracker(text, "complain"))
    assert slots.get("description") is None
    assert slots["category"] == "other"


@pytest.mark.asyncio
async def test_traditional_opening_is_read(fake_deliverer):
    slots, _ = await run(script.ActionStartIntake(),
                         plain_tracker("你們銀行的理財產品虧了一萬二，當初經理說保本的，根本是誤導銷售！", "complain"))
    assert slots["amount"] == 12000
    assert slots["business_line"] == "wealth" and slots["priority"] == "high"
    assert "理财产品" in slots["description"]


# -- 3. propose ------------------------------------------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize("slots,expected", [
    ({"priority": "normal"}, ["utter_propose"]),
    # a fund-safety case whose advice was given when it became one: the timeline only
    ({"priority": "high", "business_line": "bank_card", "description": "我的卡被人盗刷了五千",
      "fund_safety": "unauthorised"}, ["utter_propose_urgent"]),
    # … and one that was not advised yet: the advice first, once
    ({"priority": "high", "business_line": "bank_card", "description": "我的卡被人盗刷了五千"},
     ["utter_fund_safety_unauthorised", "utter_propose_urgent"]),
    # mis-selling is urgent but no 110 and no freezing
    ({"priority": "high", "business_line": "wealth", "description": "理财经理说保本，结果亏了三成"},
     ["utter_propose_urgent"]),
    ({"priority": "normal", "compensation_requested": True, "confidential": True},
     ["utter_propose", "utter_compensation_noted", "utter_confidential_noted"]),
])
async def test_propose(slots, expected):
    events, dispatcher = await run(script.ActionPropose(), plain_tracker("", "inform", slots=slots))
    assert responses(dispatcher) == expected
    advised = [r for r in expected if r.startswith("utter_fund_safety_")]
    assert events == ({"fund_safety": advised[0][len("utter_fund_safety_"):]} if advised else {})


# -- 5. file ---------------------------------------------------------------------------------------

CASE = {
    "intake_id": "i-1", "description": "信用卡被盗刷", "category": "transaction_dispute",
    "business_line": "bank_card", "priority": "high", "customer_name": "王建国",
    "phone": "13812345678", "occurred_at": "2026-11-21", "amount": 5000.0, "demand": "查清楚",
    "confirmed": True,
}
HISTORY = [
    {"event": "user", "text": "我的信用卡被盗刷了", "timestamp": 1763800000.0, "input_channel": "socketio",
     "parse_data": {"intent": {"name": "complain"}}},
    {"event": "bot", "text": "非常抱歉……", "timestamp": 1763800001.0},
]


@pytest.mark.asyncio
async def test_file_gives_the_case_number_thanks_and_offers_a_rating(fake_deliverer):
    tracker = plain_tracker("确认", "affirm", slots=CASE, events=HISTORY, channel="socketio")
    slots, dispatcher = await run(script.ActionFileCase(), tracker)
    assert responses(dispatcher) == ["utter_filed", "utter_thanks_and_rating"]
    assert dispatcher.messages[0]["case_no"] == slots["case_no"] == "TS20261122000001"
    assert slots["filing_status"] == "filed" and slots["intake_stage"] == "rating"
    sent = fake_deliverer.client.calls[0]
    assert sent["channel"] == "web"
    assert sent["conversation_id"] == "test-sender" and sent["intake_id"] == "i-1"
    assert [line["role"] for line in sent["transcript"]] == ["customer", "bot", "customer"]
    assert sent["transcript"][0]["at"].startswith("2025-")


@pytest.mark.asyncio
async def test_file_when_the_case_desk_is_down_keeps_the_case(fake_deliverer):
    fake_deliverer.client.failures = 1
    slots, dispatcher = await run(script.ActionFileCase(), plain_tracker("确认", "affirm", slots=CASE))
    assert responses(dispatcher) == ["utter_filed_pending", "utter_thanks_and_rating"]
    assert slots["filing_status"] == "pending" and "case_no" not in slots
    assert fake_deliverer.outbox.counts() == {"pending": 1}


@pytest.mark.asyncio
async def test_filing_twice_files_once(fake_deliverer):
    tracker = plain_tracker("确认", "affirm", slots=CASE)
    first, _ = await run(script.ActionFileCase(), tracker)
    second, _ = await run(script.ActionFileCase(), tracker)
    assert first["case_no"] == second["case_no"]
    assert len(fake_deliverer.client.calls) == 1


def test_payload_follows_the_contract():
    body = build_payload({**CASE, "branch": "不详", "customer_name": "未提供"}, "c-1", "rest", [])
    assert set(body) == {
        "conversation_id", "intake_id", "channel", "category", "business_line", "priority",
        "customer_name", "phone", "branch", "occurred_at", "amount", "description", "demand",
        "confidential", "compensation_requested", "handoff_reason", "escalation_signals", "transcript",
    }
    assert body["branch"] is None and body["customer_name"] is None
    assert body["amount"] == 5000.0 and body["confidential"] is False
    assert [channel_of(c) for c in ("rest", "socketio", "wechat", None, "cmdline")] == \
        ["rest", "web", "wechat", "rest", "rest"]


def test_summary_in_plain_chinese():
    text = summary({**CASE, "confidential": True, "compensation_requested": True})
    assert "交易争议（银行卡）" in text
    assert "138****5678" in text and "13812345678" not in text
    assert "5,000元" in text and "2026年11月21日" in text
    assert "是否保密：是" in text and "赔偿/退款要求：已记录" in text


# -- rating, cancel, a person ----------------------------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize("text,intent,rating", [
    ("5分", "inform", 5), ("五星", "inform", 5), ("3", "inform", 3), ("非常满意", "affirm", 5),
    ("一般吧", "inform", 3), ("不用了", "deny", None), ("好的", "affirm", None),
])
async def test_rating(text, intent, rating):
    slots, dispatcher = await run(script.ActionRecordRating(), plain_tracker(text, intent))
    if rating is None:
        assert responses(dispatcher) == ["utter_rating_skipped"] and "satisfaction" not in slots
    else:
        assert slots["satisfaction"] == rating
        assert dispatcher.messages[0]["rating"] == rating


@pytest.mark.asyncio
async def test_cancel_forgets_the_intake():
    slots, dispatcher = await run(script.ActionCancelIntake(), plain_tracker("算了，不投诉了", "cancel", slots=CASE))
    assert responses(dispatcher) == ["utter_cancelled"]
    for name in ("intake_id", "description", "phone", "customer_name", "amount", "category"):
        assert slots[name] is None


async def _cancel_events(text, slots):
    dispatcher = CollectingDispatcher()
    events = await script.ActionCancelIntake().run(dispatcher, plain_tracker(text, "cancel", slots=slots), domain())
    return events, responses(dispatcher)


@pytest.mark.asyncio
async def test_cancel_after_filing_is_a_withdrawal_with_a_check():
    filed = {**CASE, "case_no": "TS20261122000001", "filing_status": "filed"}
    events, said = await _cancel_events("算了，撤了吧", filed)
    # nothing is withdrawn here: the withdrawal form asks for the digits and a clear yes
    assert said == [] and events[-1] == {"event": "followup", "name": "withdraw_form", "timestamp": None}
    assert "case_no" not in slot_events(events)


@pytest.mark.asyncio
async def test_cancel_while_the_case_is_still_in_the_outbox_is_a_withdrawal_too():
    # the withdrawal waits behind the case in the outbox (tests/actions/test_withdraw.py)
    pending = {**CASE, "filing_status": "pending"}
    events, said = await _cancel_events("算了", pending)
    assert said == [] and events[-1] == {"event": "followup", "name": "withdraw_form", "timestamp": None}


@pytest.mark.asyncio
@pytest.mark.parametrize("text, withdraws", [
    ("上礼拜那个投诉我不要了，取消掉", True),
    ("撤訴", True),
    ("ts20261122000001 取消", True),
    ("算了", False),
    ("不用了，谢谢", False),
])
async def test_a_cancel_with_nothing_here_withdraws_only_a_named_complaint(text, withdraws):
    events, said = await _cancel_events(text, {})
    followed = any(e.get("event") == "followup" for e in events)
    assert followed is withdraws and (said == [] if withdraws else said == ["utter_cancel_nothing"])


def test_transcript_starts_with_the_message_that_opened_this_intake():
    from actions.case_record import build_transcript

    events = [
        {"event": "user", "text": "第一次投诉：柜员态度差，请保密", "timestamp": 1.0},
        {"event": "action", "name": "action_start_intake"},
        {"event": "bot", "text": "非常抱歉", "timestamp": 2.0},
        {"event": "user", "text": "第二件事：ATM吞卡", "timestamp": 3.0},
        {"event": "action", "name": "action_extract_slots"},
        {"event": "action", "name": "action_start_intake"},
        {"event": "bot", "text": "真的很抱歉", "timestamp": 4.0},
        {"event": "bot", "text": None, "timestamp": 4.5},
    ]
    lines = build_transcript(events)
    assert [line["text"] for line in lines] == ["第二件事：ATM吞卡", "真的很抱歉"]
    assert [line["role"] for line in lines] == ["customer", "bot"]


# -- fund safety: a severity-matched apology, the safety advice once, the 1 h commitment --------

SCAM = "有人冒充公安让我把钱转到安全账户，我转了3万8"
QUEUE = "在网点排队排了两个小时，只开一个窗口"


def apologies(slots):
    """The utter_apologize variations Rasa may pick with these slots (its own filter, the real
    domain with every file in bot/domain)."""
    from rasa.core.nlg.generator import ResponseVariationFilter
    from rasa.shared.core.domain import Domain

    from tests.actions.helpers import ROOT

    responses_ = Domain.load(str(ROOT / "bot" / "domain")).responses
    chosen = ResponseVariationFilter(responses_).responses_for_utter_action("utter_apologize", "rest", slots)
    return {variation["text"] for variation in chosen}


@pytest.mark.asyncio
async def test_a_scam_is_apologised_for_by_its_severity_not_like_a_queue(fake_deliverer):
    scam, _ = await run(script.ActionStartIntake(), plain_tracker(SCAM, "complain"))
    queue, _ = await run(script.ActionStartIntake(), plain_tracker(QUEUE, "complain"))
    assert scam["priority"] == "high" and scam["category"] == "transaction_dispute"
    assert scam["amount"] == 38000 and scam["description"] == SCAM
    assert queue["priority"] == "normal"
    for_scam, for_queue = apologies({**scam}), apologies({**queue})
    assert for_scam and for_queue and not for_scam & for_queue
    assert all(re.search(r"资金安全|加急|优先", text) for text in for_scam)


@pytest.mark.asyncio
async def test_a_new_intake_forgets_the_advice_given_for_the_last_one(fake_deliverer):
    slots, _ = await run(script.ActionStartIntake(),
                         plain_tracker(QUEUE, "complain", slots={"fund_safety": "scam", "filing_status": "filed"}))
    assert slots["fund_safety"] is None


@pytest.mark.parametrize("text,kind", [
    (SCAM, "scam"),
    ("存折上少了两千块钱，我从来没取过", "unauthorised"),
    ("信用咔被人盗涮了三千，我人一直在家", "unauthorised"),
    ("我嘅錢包喺地鐵俾人偷咗，入面有兩張銀行卡", "lost_card"),
    ("银行卡丢了，还没来得及挂失", "lost_card"),
])
def test_the_advice_is_said_once_when_the_case_becomes_one(text, kind):
    dispatcher = CollectingDispatcher()
    slots = script.advise_on_fund_safety(dispatcher, text, {"fund_safety": None})
    assert slots == {"fund_safety": kind}
    assert responses(dispatcher) == [f"utter_fund_safety_{kind}"]
    # the next turn (more detail, another answer): nothing again
    again = CollectingDispatcher()
    assert script.advise_on_fund_safety(again, text + "，而且又少了五百", slots) == {}
    assert again.messages == []


@pytest.mark.parametrize("text", [
    "不是诈骗，就是排队慢", "理财经理说保本，结果亏了三成", "柜员态度特别差", "", None,
])
def test_no_safety_advice_for_other_cases(text):
    dispatcher = CollectingDispatcher()
    assert script.advise_on_fund_safety(dispatcher, text, {}) == {}
    assert dispatcher.messages == []


def hotline_names():
    """How the rest of the domain names the hotline (no number is invented for this advice)."""
    texts = [v.get("text", "") for name, vs in domain()["responses"].items()
             if not name.startswith("utter_fund_safety_") for v in vs]
    return {m.group(0) for t in texts for m in re.finditer(r"我行客服热线|本行客服热线", t)}


@pytest.mark.parametrize("kind", ["scam", "unauthorised", "lost_card"])
def test_every_safety_advice_carries_the_banks_standard_steps(kind):
    from actions.classify import taxonomy

    assert kind in [c.name for c in taxonomy().fund_safety]
    variations = domain()["responses"][f"utter_fund_safety_{kind}"]
    assert len(variations) >= 2
    for variation in variations:
        text = variation["text"]
        assert "110" in text and "报警" in text                      # the police
        assert any(name in text for name in hotline_names())          # the hotline, as elsewhere
        assert "冻结" in text and "挂失" in text                      # freeze / 挂失
        assert "短信" in text and re.search(r"凭证|记录|账单", text)  # keep the evidence
        assert re.search(r"(不要|别|不).{0,8}转", text)               # no further transfers
        assert "1小时内" in text                                      # the green channel's contact
        assert not re.search(r"\d{5,}", text)                         # no invented hotline number


class _RatingOutbox:
    """The outbox's Deliverer as the rating action uses it: what was submitted, under which key."""

    def __init__(self, error=False):
        self.submitted, self.error = [], error

    def ensure_started(self):
        pass

    async def submit(self, payload, key):
        if self.error:
            raise OSError("disk full")
        self.submitted.append((key, payload))
        return None, None


@pytest.mark.asyncio
async def test_a_rating_goes_to_the_filed_case_through_the_outbox():
    outbox = _RatingOutbox()
    filed = {"case_no": "TS20261122000001", "filing_status": "filed", "intake_id": "i-1"}
    slots, dispatcher = await run(script.ActionRecordRating(outbox), plain_tracker("5分，很满意", "inform", slots=filed))
    assert slots["satisfaction"] == 5.0 and responses(dispatcher) == ["utter_rating_thanks"]
    assert outbox.submitted == [(("test-sender", "rating:i-1"), {"conversation_id": "test-sender", "intake_id": "i-1",
                                                               "case_no": "TS20261122000001", "score": 5})]


@pytest.mark.asyncio
async def test_a_rating_without_a_number_yet_waits_in_the_outbox_and_a_broken_outbox_still_thanks():
    pending = _RatingOutbox()
    slots, dispatcher = await run(script.ActionRecordRating(pending),
                                  plain_tracker("4", "inform", slots={"filing_status": "pending", "intake_id": "i-2"}))
    assert pending.submitted[0][1]["case_no"] is None and responses(dispatcher) == ["utter_rating_thanks"]
    broken = _RatingOutbox(error=True)
    filed = {"case_no": "TS20261122000001", "filing_status": "filed", "intake_id": "i-3"}
    slots, dispatcher = await run(script.ActionRecordRating(broken), plain_tracker("3", "inform", slots=filed))
    assert slots["satisfaction"] == 3.0 and responses(dispatcher) == ["utter_rating_thanks"]
