"""The classes the blind intake set …07p found (tests/intake_blind/README.md), each in wording of
our own: none of these sentences is the set's."""
from __future__ import annotations

from datetime import date

import pytest

from actions import parsing
from actions.classify import detect_flags, flags_withdrawn
from actions.confirm_form import ValidateConfirmForm
from actions.corrections import fields_taken_back
from bot.escalation.detector import default_detector
from tests.actions.helpers import count_days_from, form_tracker, run_validator as _validate, slot_events

TODAY = date(2026, 12, 7)


@pytest.fixture(autouse=True)
def the_sets_day(monkeypatch: pytest.MonkeyPatch) -> None:
    count_days_from(monkeypatch, TODAY)




# -- a slip taken back inside one answer ------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("十五号，哦不对，是十六号扣的", "2026-11-16"),
    ("昨天……说错了，前天", "2026-12-05"),
])
@pytest.mark.asyncio
async def test_the_date_after_the_slip_is_the_answer(text, expected):
    events, _ = await _validate(form_tracker(text, slots=COUNTER, requested="occurred_at"))
    assert slot_events(events)["occurred_at"] == expected


@pytest.mark.asyncio
async def test_the_amount_after_the_slip_is_the_answer():
    events, _ = await _validate(form_tracker("两千四，不对不对，是两千七", slots=COUNTER, requested="amount"))
    assert slot_events(events)["amount"] == 2700.0


@pytest.mark.parametrize("text", ["钱不是问题", "说错了", "不是我办的卡", "我哦不知道"])
def test_no_slip_where_nothing_is_taken_back(text):
    assert parsing.after_self_correction(text) is None


# -- a bare 算了 beside the asked value gives up a wording, not the complaint ------------------

@pytest.mark.asyncio
async def test_a_give_up_on_spelling_out_a_number_is_the_answer():
    text = "幺三九……算了我直接打 13906541287"
    events, _ = await _validate(form_tracker(text, intent="cancel", slots=COUNTER_NO_PHONE, requested="phone"))
    assert not any(e.get("name") == "action_cancel_intake" for e in events)
    assert slot_events(events)["phone"] == "13906541287"


@pytest.mark.parametrize("text", ["算了，不投诉了", "算了吧"])
@pytest.mark.asyncio
async def test_a_real_cancel_with_or_without_a_value_still_leaves(text):
    events, dispatcher = await _validate(form_tracker(text, intent="cancel", slots=COUNTER_NO_PHONE,
                                                      requested="phone"))
    assert events == [] and dispatcher.messages == []  # left to the cancel rule


# -- a correction that names its field by the old value -----------------------------------------

def test_the_old_value_names_the_field():
    slots = {"amount": 4800.0, "phone": "13812345678", "occurred_at": "2026-11-20"}
    assert fields_taken_back("手续费其实是4080，不是4800，我看岔了", slots, TODAY) == ["amount"]
    assert fields_taken_back("是139打头的，不是13812345678", slots, TODAY) == ["phone"]
    assert fields_taken_back("不是五百块的事", slots, TODAY) == []


@pytest.mark.asyncio
async def test_the_read_back_corrects_the_amount_named_by_its_old_value():
    slots = {**CASE, "amount": 4800.0}
    tracker = form_tracker("我核对了账单，年费是4080，不是4800，前面看岔了", intent="inform", slots=slots,
                           requested="confirmed", form="confirm_form")
    events, _ = await _validate(tracker, ValidateConfirmForm)
    assert slot_events(events)["amount"] == 4080.0


# -- days of earlier steps give way to the day of the event ---------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("大前天约好了今天来取，结果今天白跑", "2026-12-07"),
    ("3号挂出去卖的，5号成交扣了手续费", "2026-12-05"),
    ("我1号就存进去了，2号扣款还是失败", "2026-12-02"),
    # a day found out on is no event: the earlier step stays
    ("上个月存进去的钱，昨天发现少了", "2026-11-01/2026-11-30"),
])
def test_an_earlier_step_gives_way_to_the_event(text, expected):
    assert parsing.parse_date(text, TODAY) == expected


def test_the_chat_just_now_is_no_date():
    assert parsing.parse_date("刚才少打了一个零，是13812345670", TODAY) is None
    assert parsing.parse_date("刚才少了三百块", TODAY) == "2026-12-07"


# -- names ----------------------------------------------------------------------------------------

def test_staff_telling_the_customer_what_to_do_is_no_name():
    assert parsing.find_name("营业员叫我下周再来，说系统坏了") is None
    assert parsing.find_name("经理叫我先回去等通知") is None
    assert parsing.find_name("大家都叫我阿强") == "阿强"


def test_the_chinese_name_beats_the_english_one_in_passing():
    assert parsing.find_name("I'm Kevin，中文名叫邓家豪，手机13712345678，想投诉一下") == "邓家豪"


# -- no money at stake ----------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["暂时没发现有消费，也没有欠费", "钱倒不是重点，是态度问题"])
def test_no_money_at_stake(text):
    assert parsing.says_not_given("amount", text) or parsing.says_no_loss(text)


def test_a_bill_paid_through_the_bank_is_no_fee_in_dispute():
    assert parsing.parse_amount("物业费就三百来块，钱倒不是重点，主要是排队排了俩钟头") is None
    assert parsing.parse_amount("交电费被多扣了一百二") == 120.0


# -- amounts --------------------------------------------------------------------------------------

def test_a_loss_then_another_with_you_adds_up():
    assert parsing.parse_amount("账户先被刷了八千，又被转走五千") == 13000.0
    assert parsing.parse_amount("被扣了三千，又退回来两千") == 3000.0  # a refund is no second loss


def test_one_more_item_is_not_the_price_of_each():
    assert parsing.parse_amount("两笔：2,100.00和399.90，另外还有一笔15.00") == 2514.9
    assert parsing.parse_amount("扣了四笔，一笔25") == 100.0


# -- confidentiality asked, then let go -----------------------------------------------------------

@pytest.mark.parametrize("text", ["匿名就算了，写我名字吧", "叫那个经理知道是我也无所谓", "就用我的真名好了"])
def test_confidentiality_let_go(text):
    assert flags_withdrawn(text)["confidential"]


def test_a_request_is_not_a_withdrawal():
    assert not flags_withdrawn("千万别让那个经理知道是我")["confidential"]
    assert detect_flags("千万别让那个经理知道是我")["confidential"]


@pytest.mark.asyncio
async def test_the_form_lowers_the_flag_when_it_is_let_go():
    slots = {**COUNTER, "confidential": True}
    events, _ = await _validate(form_tracker("实名就实名吧，我叫孔令辉", slots=slots, requested="customer_name"))
    assert slot_events(events)["confidential"] is False


# -- a victim who called the police as told is no threat -------------------------------------------

def test_a_scam_victim_who_has_called_the_police_is_not_escalated():
    detector = default_detector()
    assert detector.detect("你们快把骗子的卡冻住，我这边已经报了警") is None
    assert detector.detect("你们的保安动手推我，我已经报了警").reason == "regulator"


COUNTER = {"description": "在柜台办业务被柜员凶了", "category": "staff_service", "business_line": "other",
           "priority": "normal", "intake_id": "i-2", "customer_name": "王建国", "phone": "13812345678"}
COUNTER_NO_PHONE = {**COUNTER, "phone": None}
CASE = {
    "description": "信用卡年费收错了", "category": "product_service", "business_line": "bank_card",
    "priority": "normal", "intake_id": "i-1", "customer_name": "张伟", "phone": "13812345678",
    "branch": None, "occurred_at": "2026-11-20", "amount": 300.0, "demand": "退还年费",
    "confidential": False, "compensation_requested": False, "intake_stage": "confirming",
}


# -- figures typed one after another with a space are a list ---------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("2800 650 还有一笔99", 3549.0),
    ("2.8k 0.6k", 3400.0),
    ("转了12 800元", 12800.0),      # thousands grouped by a space
    ("5 0 0", 500.0),               # digits said one by one
    ("号码 139 1234 5678 被扣了300", 300.0),
])
def test_figures_apart_by_a_space(text, expected):
    assert parsing.parse_amount(text) == expected


def test_a_late_transfer_that_arrived_is_no_sum_at_stake():
    assert parsing.find_amount("上周五汇给我妈三千二，说好当天到，今天才到，耽误事") is None
    assert parsing.find_amount("汇了三千二，到现在还没到") == 3200.0


# -- pinyin initials and a card bound to a stranger's wallet ---------------------------------------

def test_pinyin_initials_read_as_the_words():
    from bot.text import normalize_text
    assert normalize_text("XYK年费扣了两次，zfb上也有记录") == "信用卡年费扣了两次,支付宝上也有记录"
    assert normalize_text("wxyz") == "wxyz"


def test_a_card_bound_to_a_strangers_wallet_with_debits_is_fund_safety():
    from actions.classify import classify
    assert classify("我的xyk不知道怎么被绑到别人的zfb上，前天连着扣了两笔，动态码我一条都没收到")[2] == "high"
    assert classify("信用卡绑了微信以后收了年费")[2] == "normal"


# -- 结果 telling the story is no lookup -----------------------------------------------------------

def test_then_in_a_story_is_no_progress_lookup():
    from bot.lookup_words import asks_about_a_complaint
    assert not asks_about_a_complaint("说好免年费的，结果还是扣了我两百，这算怎么回事")
    assert asks_about_a_complaint("上个月反映的那个事，结果出来没有")
    assert asks_about_a_complaint("有结果了吗")


# -- what the replay of the older sets showed ------------------------------------------------------

@pytest.mark.asyncio
async def test_a_character_put_right_keeps_the_name():
    text = "我叫邓雅琴 灯笼的灯不对 是邓小平的邓"
    events, _ = await _validate(form_tracker(text, slots=COUNTER_NO_NAME, requested="customer_name"))
    assert slot_events(events)["customer_name"] == "邓雅琴"


def test_a_name_cue_that_goes_on_about_the_name_gives_none():
    assert parsing.find_name("推销电话天天打来，连我全名都知道，信息是不是泄露了") is None


COUNTER_NO_NAME = {**COUNTER, "customer_name": None}
