"""The classes the blind intake set …06i found (tests/intake_blind/README.md), each in wording of
our own: none of these sentences is the set's."""
from __future__ import annotations

from datetime import date

import pytest

from actions import parsing
from actions.classify import classify, detect_flags, fund_safety
from actions.corrections import read_correction
from actions.intake_form import _CANCELS_COMPLAINT, _DROPS_THE_COMPLAINT, _NAMES_A_CORRECTION

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize("text,amount", [
    # a rate gap on the sum it applies to: the customer leaves the arithmetic to us
    ("这个月收款流水二十万，合同写千分之五，实际按千分之七扣，你算算", 400),
    ("存了二十万三年期，讲好二点七五个点，结果只给二点二五", 1000),
    ("上个月提现了五万，按千分之二扣的手续费", 100),
    # but a rate alone, or beside a credit limit, is no sum
    ("额度八万，利率千分之五", None),
    # what should have been against what came, with the one who took it named
    ("按合同应该扣三千六，客户经理收了我三千九", 300),
    ("奖金应该是一千五，到手只有一千二", 300),
    # a charge quoted, then a larger one taken
    ("柜台说汇费三十，结果扣了八十", 50),
    # a balance said in Cantonese is no loss, nor is a sum "said right"
    ("卡入面仲有三万几，暂时未见扣钱", None),
    ("金额是对的，就是日期写错了", None),
])
def test_amount_classes(text, amount):
    assert parsing.parse_amount(text) == amount


@pytest.mark.parametrize("text,amount", [
    # a credit limit cut, said in English
    ("my credit limit从五万降到八千，连个短信都没有", None),
    # part of the principal not got back, how much not said: ask, do not file the sum put in
    ("当时说保本，我买了二十万，到期本金没拿够", None),
    # a fee quoted in Cantonese, and what was taken
    ("職員講手續費二十蚊，點知扣咗六十", 40),
])
def test_amount_classes_in_the_opening(text, amount):
    assert parsing.find_amount(text) == amount


@pytest.mark.parametrize("text,name", [
    ("我是李老师，李文博，文化的文", "李文博"),  # a form of address, then the full name
    ("我是五金店的老板，黄德旺", "黄德旺"),  # the business, the job, then the name
    ("俺是面馆嘞老板娘，宋桂香", "宋桂香"),  # Henan 嘞
    ("𠊎喊做钟伟平", "钟伟平"),  # Hakka 喊做
    ("我喊得谭建军", "谭建军"),  # Hunan 喊得
    ("罗海生，四维罗", "罗海生"),  # 罗 spelt by its parts
])
def test_name_classes(text, name):
    assert parsing.parse_name(text) == name


def test_a_field_word_is_no_name():
    assert parsing.parse_name("钱数是对的") is None


def test_a_name_put_right_in_one_breath_at_the_next_question():
    said = "哎呀语音认错了是刘桂英桂花的桂"
    assert read_correction("customer_name", said, {"customer_name": "刘贵英"}, TODAY) == "刘桂英"


def test_a_date_put_right_after_an_opening_clause():
    said = "等等，我看了下回单，不是昨天，是11月30号"
    assert _NAMES_A_CORRECTION.search(said)
    assert read_correction("occurred_at", said, {"occurred_at": "2026-12-05"}, TODAY) == "2026-11-30"


def test_cantonese_just_now_is_today():
    assert parsing.parse_date("啱啱先，半個鐘之前", TODAY) == "2026-12-06"


@pytest.mark.parametrize("text", ["算啦，唔投訴喇", "我諗返……算啦，唔投诉了"])
def test_a_cantonese_cancel(text):
    assert _CANCELS_COMPLAINT.search(parsing.normalize(text)) or _DROPS_THE_COMPLAINT.search(parsing.normalize(text))


@pytest.mark.parametrize("text,confidential", [
    ("这件事千万别让我老伴知道", False),  # family, not staff
    ("希望网点以后有点保密意识", False),  # the staff's practice, not who complained
    ("你们尽管告诉他是我投诉的，犯不着给我保密", False),  # declined
    ("千万别让那个柜员知道是我投诉的", True),
])
def test_confidential_classes(text, confidential):
    assert detect_flags(text)["confidential"] is confidential


@pytest.mark.parametrize("text", [
    # a salesman's fee promise broken, told as 被骗
    "被骗了，办卡的时候业务员承诺免年费，结果现在又收年费",
    # a real deposit's rate quoted wrong
    "柜员说三年定期利率二点六，存单上只写了二点一五，这不是忽悠吗",
    # the customer's own standing instruction taken early
    "钱被扣走了，我自己设了自动还款，可你们提前五天就扣了",
])
def test_priority_decoys_are_normal(text):
    assert classify(text)[2] == "normal"
    assert fund_safety(text) is None


def test_a_real_scam_stays_high():
    assert classify("被骗了，对方冒充客服让我转了两万到安全账户")[2] == "high"


@pytest.mark.parametrize("text,amount", [
    # the count of months told before the charge each month
    ("多扣了三个月，每个月一百二", 360),
    # a year of a monthly charge
    ("每个月收我十块钱短信费，收了整一年", 120),
])
def test_monthly_charge_times_the_months(text, amount):
    assert parsing.parse_amount(text) == amount


def test_a_job_after_the_surname_is_no_full_name():
    assert parsing.parse_name("我是王医生，王立群，站立的立") == "王立群"


def test_a_refund_asked_only_in_the_demand_asks_the_sum_after_it():
    from actions.intake_form import required_fields

    slots = {"description": "柜员态度很差，当着人面训我", "category": "staff_service", "business_line": "other"}
    assert required_fields(slots)[-1] == "demand"
    assert required_fields({**slots, "demand": "道歉，再把多收的材料费退了"})[-1] == "amount"
    assert required_fields({**slots, "demand": "让她当面道歉"})[-1] == "demand"


def test_an_answer_that_leaves_the_sum_to_us_is_no_question():
    from actions.intake_form import _WORK_IT_OUT, is_question

    said = "流水三十万，千分之六跟千分之五差多少你们自己算"
    assert is_question(said) and _WORK_IT_OUT.search(said)
    assert parsing.parse_amount(said) == 300
