"""The classes the blind intake set …06g found (tests/intake_blind/README.md), each in wording of
our own: none of these sentences is the set's."""
from __future__ import annotations

from datetime import date

import pytest

from actions import parsing
from actions.classify import detect_flags, rule_decision
from actions.intake_form import _NAMES_A_CORRECTION

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize("text,amount", [
    # a count said with 回 is how often, never a sum
    ("密码输错了五回卡就锁了", None),
    # 一块儿 is together, not one yuan
    ("钥匙和卡一块儿掉了，后来发现被取了三千", 3000),
    # the usual, the promised or the sum put in, against what came: the shortfall
    ("平时每月到账四千五，这个月只到了四千三", 200),
    ("经理讲好分红有一千二，结果只到手九百", 300),
    ("投进去二十万，回来十八万五", 15000),
    # a rate against a rate is no sum
    ("说好年化3.8%，实际只有3.1%", None),
    # a figure the customer concedes gives way to the one they claim
    ("年费两百我认了，那笔八十的短信费要退", 80),
    ("挂失费十块就算了，多收的三十要退给我", 30),
    ("那个五块的工本费，算了，补卡的加急费六十得退", 60),
    # "我算了一下" is reckoning, not letting go
    ("我算了一下，前后多扣了四百六", 460),
    # months counted, then the sum each month
    ("扣了四个月，每个月二十九块九", 119.6),
    # the sum still there, nothing taken
    ("钱倒是没扣，就是卡被机器吞了，卡里还有一万多", None),
    ("货款一万二还在账户里放着，就是转不出去", None),
    # what the account held beside what was taken
    ("被转走三笔，五千、两千和八百，卡里原来一共有一万", 7800),
])
def test_amount_classes(text, amount):
    assert parsing.parse_amount(text) == (pytest.approx(amount) if amount is not None else None)


@pytest.mark.parametrize("text,days_before", [
    ("夜来个下午去的", 1),
    ("夜儿个晌午", 1),
    ("昨昏暗时", 1),
    ("yesterday 下午", 1),
    ("Today 一早", 0),
])
def test_dialect_and_english_days(text, days_before):
    assert parsing.parse_date(text, TODAY) == date.fromordinal(TODAY.toordinal() - days_before).isoformat()


@pytest.mark.parametrize("text", [
    "今天是缴费最后一天，可app一直登不上",  # a deadline, not when it went wrong
    "你们网点周六上不上班？",  # opening days asked
    "周日营业吗？",
])
def test_a_deadline_or_opening_days_asked_is_no_event_date(text):
    assert parsing.parse_date(text, TODAY) is None


def test_a_day_with_opening_or_work_words_in_a_story_is_still_a_date():
    assert parsing.parse_date("昨天开门的时候我就到了", TODAY) == "2026-12-05"


@pytest.mark.parametrize("text,name", [
    ("我是店里会计孟晓燕，孟子的孟", "孟晓燕"),
    ("我是公司出纳邓丽萍", "邓丽萍"),
])
def test_a_job_said_before_the_name(text, name):
    assert parsing.parse_name(text) == name


@pytest.mark.parametrize("text,confidential", [
    ("可别叫那个经理晓得是我告的", True),
    ("我们厂的对账单你们要保密，别给外人看", False),
])
def test_confidentiality(text, confidential):
    assert detect_flags(text)["confidential"] is confidential


@pytest.mark.parametrize("text,high", [
    # 保本 sold, the principal back, only the yield short: a yield dispute
    ("说是保本的，本金倒是拿回来了，就是收益比说的少很多", False),
    ("说是保本的，结果本金亏了两万", True),
    # the bank stopped the customer's own payment on suspicion of fraud
    ("你们风控说我可能遇到诈骗，把我转货款给拦了", False),
    # a product of an outside company sold as the bank's own
    ("客户经理卖给我的理财，后来才知道是外面公司的东西", True),
])
def test_priority_classes(text, high):
    assert rule_decision(text).high is high


@pytest.mark.parametrize("text", [
    "哦不是昨天，是前天",
    "我刚又看了下明细，是两千三，不是两千",
])
def test_a_value_put_right_without_naming_the_field_is_a_correction(text):
    assert _NAMES_A_CORRECTION.search(text)


# The classes of …06h (scored once at first sight, then fixed), again in wording of our own.
@pytest.mark.parametrize("text,amount", [
    ("一个月三块，一口气扣了十个月", 30),
    ("每个月多收了八十左右，已经五个月了", 400),
    ("这次扣的六十是我自己刷的，我认", None),
    ("本金五万，亏了三千，这个钱我不追究", None),
    ("本金八万，到期到账七万六", 4000),
    ("放进去五千，入账四千九", 100),
    ("转走了两万，卡里还有十几万", 20000),
    ("第一回转了一万第二回转了五千后来又转了三千", 18000),
    ("去年年费一百，今年收了三百", 200),
])
def test_amount_classes_06h(text, amount):
    assert parsing.parse_amount(text) == (pytest.approx(amount) if amount is not None else None)


@pytest.mark.parametrize("text,iso", [
    ("十月廿五到期的", "2026-10-25"),
    ("凌晨两点多收到短信", "2026-12-06"),
    ("昨晡日下昼", "2026-12-05"),
])
def test_dates_06h(text, iso):
    assert parsing.parse_date(text, TODAY) == iso


@pytest.mark.parametrize("text", [
    "刚才语音把我名字认错了",  # the customer's voice input, not a time
    "今天是我看到短信的日子，扣钱那天记不清了",  # the day it was discovered
])
def test_no_event_date_06h(text):
    assert parsing.parse_date(text, TODAY) is None


def test_hakka_self_introduction():
    assert parsing.parse_name("𠊎系刘秀梅，刘备个刘") == "刘秀梅"


@pytest.mark.parametrize("text,confidential", [
    ("侬勿要讲是阿拉反映的", True),
    ("莫要说是我举报的", True),
    ("我的存款信息是隐私，你们要保密", False),
    ("上次匿名打过电话，这回实名投诉", False),
])
def test_confidentiality_06h(text, confidential):
    assert detect_flags(text)["confidential"] is confidential


@pytest.mark.parametrize("text,high", [
    ("在柜台取了三千，回家一数少了一百", False),  # cash counted short: a cash dispute
    ("公司账户半夜转出去一笔钱，我们无人去转", True),
])
def test_priority_06h(text, high):
    assert rule_decision(text).high is high


@pytest.mark.parametrize("text", [
    "我重新按了计算器，是一百八",
    "又数了一遍不是两百是三百",
    "等一下，昨天是我查账的日子，扣钱是前天",
])
def test_a_recount_or_a_pause_is_a_correction(text):
    assert _NAMES_A_CORRECTION.search(text)


@pytest.mark.parametrize("text,amount", [
    ("我往存款机里塞了五千，它给我认了四千九", 100),
    ("一张一百的被撕破了，柜台只给换了一半", 50),
])
def test_the_opening_reads_a_shortfall(text, amount):
    assert parsing.find_amount(text) == pytest.approx(amount)


def test_cash_counted_short_without_a_figure_leaves_the_amount_to_be_asked():
    assert parsing.find_amount("在柜台取了三千，回家一数少了") is None


def test_a_balance_beside_a_withdrawal_in_a_story_is_no_sum():
    assert parsing.find_amount("柜员大声问我卡里还有八万，确定只取五百？") is None


@pytest.mark.parametrize("text,iso", [
    ("the due date was Oct 20，我提前还了", "2026-10-20"),
    ("on 2nd December 扣的", "2026-12-02"),
])
def test_a_date_in_english(text, iso):
    assert parsing.parse_date(text, TODAY) == iso


@pytest.mark.parametrize("text", ["I may call again", "market 3 号门"])
def test_english_words_that_are_no_month(text):
    assert parsing.parse_date(text, TODAY) is None


def test_the_given_name_put_right_keeps_the_surname():
    from actions.corrections import read_correction
    said = "不对，刚才语音把我名字认成了海燕，是海艳，鲜艳的艳"
    assert read_correction("customer_name", said, {"customer_name": "周海燕"}, TODAY) == "周海艳"
