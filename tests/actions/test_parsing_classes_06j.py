"""The classes the blind intake set …06j found (tests/intake_blind/README.md), each in wording of
our own: none of these sentences is the set's."""
from __future__ import annotations

from datetime import date

import pytest

from actions import parsing
from actions.classify import classify_rules_only, detect_flags

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize("text,amount", [
    # the result of the customer's own working wins over the figures it came from
    ("存了五万，说好三点一，只给了二点五，我女儿帮我算了少了三百", 300),
    ("认购了三万，费率应该打五折，我自己算过多扣了一百二", 120),
    # payments told in order, after a lead-in, one step's sum in the next clause, 转走 at the end
    ("前后被骗了三次，第一次三千，第二次五千，最后说要解冻费又转走一千五", 9500),
    ("第一比两千，第二比三千", 5000),
    ("第一笔转了1000，第二笔他说是手续费，又打了2000", 3000),
    # a count and the charge each time, Cantonese 次次
    ("揿咗两次钱，次次都扣我三蚊", 6),
    # the excess the customer names beats a subtraction of the figures around it
    ("我每月还贷款三千，这次多扣了一百五", 150),
    # nothing handed over, the loan only applied for
    ("好处费我没给他，申请的二十万贷款还卡着没批", None),
])
def test_amount_classes(text, amount):
    assert parsing.parse_amount(text) == amount


@pytest.mark.parametrize("text,amount", [
    # two rates with no sum they apply to are no sum
    ("说好费率0.2%，实际按0.5%扣的", None),
    # counts are no sums: two taps, two debits, one payment shown
    ("按了两次付款，扣了两次，订单只显示付了一次", None),
    # a charge each month, the months not told: the total is to be asked
    ("每个月都被扣一笔八块八的短信费，也不知道是啥", None),
    # …but "这个月月初" is a month and its start
    ("这个月月初手机上收到扣款短信，被刷走三千二", 3200),
    # a product pressed on the customer as a condition, in Hakka (讲爱𠊎 = 说要我), never bought
    ("开户个时候客户经理讲爱𠊎先存三万定期正帮𠊎办", None),
    ("揿咗两次钱，次次都扣我三蚊", 6),
    # …but one charge taken twice for one act disputes one of them
    ("加油扣了两次款，一次三百，两笔完全重复", 300),
])
def test_amount_in_the_opening(text, amount):
    assert parsing.find_amount(text) == amount


def test_the_last_digits_put_right_after_hou_tou():
    assert parsing.amend_phone_tail("13912345678", "讲错了，后头四位是八七六五") == "13912348765"


@pytest.mark.parametrize("text", ["刚才选字选错了，是竹字头的笈", "不好意思，刚刚输错了一个字"])
def test_a_typing_slip_is_no_date(text):
    assert parsing.find_date(text, TODAY) is None


@pytest.mark.parametrize("text,name", [
    # a character spelt by its radical is no name; 阎 is a surname
    ("阎红，门字框里面一个臽", "阎红"),
    # a name longer than Han names run, its length said
    ("巴特尔其木格，一共六个字", "巴特尔其木格"),
])
def test_name_classes(text, name):
    assert parsing.parse_name(text) == name
    assert parsing.is_valid_name(name)


@pytest.mark.parametrize("text,confidential", [
    # the customer's data kept private, not who complained
    ("我的卡号和住址你们要保密啊", False),
    # Hakka 莫分…晓得: 别让…知道
    ("莫分那个经理晓得系我讲个", True),
])
def test_confidentiality_classes(text, confidential):
    assert detect_flags(text)["confidential"] is confidential


def test_a_product_the_bank_did_not_issue_is_high():
    assert classify_rules_only("柜员卖给我的那个基金，后来才知道不是你们银行出的产品")[2] == "high"


# questions the set's customers had to answer three times (right in the end, but asked again)
@pytest.mark.parametrize("text", ["冇乜钱嘅事，没啥钱的事儿", "No money was lost，只是被吵得烦"])
def test_no_money_said_colloquially_or_in_english(text):
    assert parsing.says_no_loss(text) and parsing.parse_amount(text) is None


def test_a_cantonese_demand_is_a_demand():
    assert parsing.find_demand("赔返手续费俾我，同埋帮我取消短信提醒")


def test_a_cantonese_i_do_not_remember():
    assert parsing.says_not_known("边日开始收我都唔记得喇")
