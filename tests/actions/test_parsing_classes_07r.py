"""The classes the blind intake set …07r found (tests/intake_blind/README.md), each in wording of
our own: none of these sentences is the set's."""
from __future__ import annotations

from datetime import date

import pytest

from actions import parsing
from actions.classify import detect_flags, fund_safety
from bot.escalation.detector import default_detector
from bot.text import normalize_text
from tests.actions.helpers import (count_days_from, domain, form_tracker, plain_tracker, responses, run_validator as _validate,
                                   slot_events, user_event)

FILLED = {"description": "信用卡年费多扣了", "category": "product_service", "business_line": "credit_card",
          "priority": "normal", "intake_id": "i-7r", "customer_name": "李红梅", "phone": "13812345678",
          "branch": "线上渠道", "occurred_at": "2026-12-05", "amount": 300.0}
TODAY = date(2026, 12, 7)


@pytest.fixture(autouse=True)
def the_sets_day(monkeypatch: pytest.MonkeyPatch) -> None:
    count_days_from(monkeypatch, TODAY)


# -- an answer first, then an earlier field put right after a word that turns aside ----------------

@pytest.mark.parametrize("text,asked,expected", [
    ("把多收的年费退给我就行。对了不好意思，刚才名字少打了一个字，我叫李红梅花，梅花的花", "demand",
     {"customer_name": "李红梅花"}),
    ("大前天上午。另外我刚才手机号输错了，应该是13812345698", "occurred_at",
     {"occurred_at": "2026-12-04", "phone": "13812345698"}),
])
@pytest.mark.asyncio
async def test_the_answer_is_kept_and_the_earlier_field_put_right_in_one_message(text, asked, expected):
    events, _ = await _validate(form_tracker(text, slots={**FILLED, asked: None}, requested=asked))
    got = slot_events(events)
    assert {k: got.get(k) for k in expected} == expected
    if asked == "demand":
        assert got["demand"].startswith("把多收的年费退给我")


@pytest.mark.asyncio
async def test_a_correction_alone_still_fills_nothing_it_was_not_asked():
    # no answer of its own before the correction: the date is asked again
    slots = {**FILLED, "occurred_at": None}
    events, _ = await _validate(form_tracker("刚才电话说错了，是13812345698", slots=slots, requested="occurred_at"))
    got = slot_events(events)
    assert got.get("occurred_at") is None and got["phone"] == "13812345698"


# -- a landline's extension ----------------------------------------------------------------------

@pytest.mark.parametrize("text,phone", [
    ("单位座机 0571-8702 3456 转 218，白天都有人", "057187023456"),
    ("打这个 021-6432 1100 分机 35", "02164321100"),
    ("landline 010-8888 6666 ext 12", "01088886666"),
])
def test_an_extension_is_neither_more_digits_nor_a_sum(text, phone):
    assert parsing.parse_phone(text) == phone
    assert parsing.find_amount(text) is None


# -- the customer's own result, after the working ------------------------------------------------

@pytest.mark.parametrize("text,amount", [
    ("二十万存两年，利率少算了零点三个点，就是一千二", 1200.0),
    ("多收了小五百，短信上写的是¥468.50", 468.5),
    ("they took 45 three times, 135 in total", 135.0),
    ("charged me 20 each month, a total of 120", 120.0),
    # thousands separators and units after "total" are left to the readers that know them
    ("两笔 3,000 和 1,200，total 4,200", 4200.0),
    ("一笔 1w，一笔 3k，total 1.3w", 13000.0),
])
def test_the_figure_the_customer_settles_on(text, amount):
    assert parsing.parse_amount(text) == amount


# -- secrecy someone else advised, declined --------------------------------------------------------

@pytest.mark.parametrize("text,confidential", [
    ("朋友劝我匿名投诉，我看没这个必要，写我名字", False),
    ("同事说最好保密，我觉得用不着，实名就行", False),
    ("还是匿名吧，别让那个客户经理知道是我", True),
])
def test_secrecy_declined_after_advice(text, confidential):
    assert detect_flags(text).get("confidential", False) is confidential


# -- fund safety: a fright that was not a loss; dialect; a deduction nobody can name -----------------

@pytest.mark.parametrize("text,safety", [
    ("刚才看余额变成零，我以为卡被人盗刷了，吓一跳，结果刷新一下又好了", None),
    ("我以为手机丢在车上了，结果卡里的钱被人转走了两千", "unauthorised"),
    ("阮的卡予人盗刷矣，我人在厝里", "unauthorised"),
    ("工资卡每个月都少二十块，我也不知道是啥扣的", "unauthorised"),
])
def test_fund_safety_classes(text, safety):
    assert fund_safety(text) == safety


def test_a_giving_away_is_not_a_dialect_passive():
    assert fund_safety("年底给予人员的奖金发到卡上了，怎么查") is None


# -- calm stories the learned escalation model read as threats --------------------------------------

@pytest.mark.parametrize("text", [
    "wo de xin yong ka bei ren dao shua le, qing bang wo dong jie",
    "理财经理拽着我不让走，非要我买保险，耽误我半天",
])
def test_a_calm_story_is_not_handed_off(text):
    found = default_detector().detect(normalize_text(text))
    assert not (found and found.strong)


# -- nobody repeats themselves for ever outside the form (a customer writing in pinyin) ---------------

def _unread_before(text: str, reply: str = "utter_out_of_scope") -> list:
    return [user_event(text, "out_of_scope"), {"event": "action", "name": "action_read_unclear"},
            {"event": "bot", "text": "抱歉", "metadata": {"utter_action": reply}},
            {"event": "action", "name": "action_listen"}]


async def _read_unclear(text: str, intent: str, history: list) -> tuple:
    from rasa_sdk.executor import CollectingDispatcher

    from actions.unclear import ActionReadUnclear

    dispatcher = CollectingDispatcher()
    events = await ActionReadUnclear().run(dispatcher, plain_tracker(text, intent, events=history), domain())
    return slot_events(events).get("unclear_complaint"), responses(dispatcher)


@pytest.mark.asyncio
async def test_an_unread_story_said_again_opens_the_intake():
    text = "wo de ka bei dao shua le san ci, qing bang wo chu li"
    assert await _read_unclear(text, "out_of_scope", _unread_before(text)) == (True, [])


@pytest.mark.asyncio
async def test_a_second_different_unread_message_gets_the_way_forward_not_an_intake():
    first = "ni hao, wo yao tou su yi xia"
    second = "yin hang ka shao le liang qian kuai, bu zhi dao shi shen me kou de"
    assert await _read_unclear(second, "nlu_fallback", _unread_before(first, "utter_default")) == (
        None, ["utter_not_understood_again"])


@pytest.mark.asyncio
async def test_a_second_short_unread_message_gets_the_way_forward():
    assert await _read_unclear("嗯哼哼", "nlu_fallback", _unread_before("啊这")) == (None, ["utter_not_understood_again"])


@pytest.mark.asyncio
async def test_a_question_out_of_scope_is_answered_as_such_and_opens_nothing():
    # the fee is a complaint word, but the NLU read a question: trusted on its own
    assert await _read_unclear("你们信用卡年费一年多少钱", "out_of_scope", []) == (None, ["utter_out_of_scope"])


# -- at the read-back, a figure denied and another given while telling more --------------------------

@pytest.mark.asyncio
async def test_the_read_back_takes_a_correction_told_as_more_of_the_story():
    from actions.confirm_form import ValidateConfirmForm

    slots = {**FILLED, "amount": 900.0, "demand": "退还多收的年费"}
    text = "等一下，我又算了一遍，原价收的年费本来也要一百，多收的是八百，不是九百，帮我改下"
    tracker = form_tracker(text, intent="complain", slots=slots, requested="confirmed", form="confirm_form")
    events, _ = await _validate(tracker, ValidateConfirmForm)
    got = slot_events(events)
    assert got["amount"] == 800.0
    assert "又算了一遍" not in (got.get("description") or "")


@pytest.mark.asyncio
async def test_two_different_questions_out_of_scope_open_nothing():
    first = "你们周末营业吗，几点开门呀，我想去办张卡"
    second = "那附近有没有停车的地方，我开车过去方便吗"
    assert await _read_unclear(second, "out_of_scope", _unread_before(first)) == (None, ["utter_out_of_scope_again"])

