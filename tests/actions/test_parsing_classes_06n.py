"""The classes the blind intake set …06n found (tests/intake_blind/README.md), each in wording of
our own: none of these sentences is the set's."""
from __future__ import annotations

import pytest

from actions import parsing
from actions.classify import detect_flags, explain, fund_safety
from bot.lookup_words import asks_about_a_complaint


# -- names ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,name", [
    ("捱叫邱春生，春天的春", "邱春生"),  # Hakka 𠊎 typed 捱 (made 挨 by the Simplified reading)
    ("捱系罗桂英", "罗桂英"),
    ("我叫斯琴格日乐，一共五个字", "斯琴格日乐"),  # the length said after a self-introduction
    ("Full name 林嘉怡，朋友都叫我 Kelly", "林嘉怡"),  # the full name cue wins over a nickname after it
    ("大家叫我阿强，登记就写黄志强", "黄志强"),  # the name to file said as such
    ("投诉人写我妈的名字，她叫孙桂芝，电话留我的", "孙桂芝"),
])
def test_the_name_to_file(text, name):
    assert parsing.parse_name(text) == name


@pytest.mark.parametrize("text", [
    "柜员叫我白跑了两趟，什么都没办成",  # 叫我 + what the customer was made to do
    "大堂经理叫俺等着，一等就是俩钟头",
])
def test_made_to_do_is_no_name(text):
    assert parsing.find_name(text) is None


def test_mandarin_ai_is_not_a_pronoun():
    # 挨个, 挨着 and 挨骂 keep their Mandarin sense
    assert parsing.normalize("柜员挨个问了一遍") == "柜员挨个问了一遍"


# -- amounts -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,amount", [
    ("连续四个月都被扣了25块，不知道扣的什么", 100.0),  # the same charge in a run
    ("卡上一连两期被扣了三百六", 720.0),
    ("拿一张烂了角的五十块去换，只给了我二十五", 25.0),  # what an exchange did not give back
])
def test_a_sum_worked_out_from_the_story(text, amount):
    assert parsing.parse_amount(text) == amount
    assert parsing.find_amount(text) == amount


@pytest.mark.parametrize("text", [
    "卡里还剩八千多，暂时没见少，就是担心被人刷了",  # a balance, nothing seen gone
    "no loss, just want it fixed",
    "去取两万块交学费，说要预约，白跑了一趟",  # a wasted trip: nothing moved
])
def test_no_sum_at_stake(text):
    assert parsing.parse_amount(text) is None


def test_a_wasted_trip_with_a_fee_keeps_the_fee():
    assert parsing.parse_amount("白跑了一趟还被收了20块手续费") == 20.0


# -- priority and flags --------------------------------------------------------------------------

def test_charges_the_customer_disowns_are_unauthorised():
    assert fund_safety("卡上突然多了三笔视频会员扣费，我从来没开过什么会员") == "unauthorised"


@pytest.mark.parametrize("text", [
    # a staff member's word on a rate broken, told as 被骗: a rate dispute
    "感觉被坑了被骗了，信贷员说利率3.8%，签合同才发现是4.9%",
    # nothing was sold: the grievance is the pressure
    "理财经理一直劝我买年金险，说比定期划算，我没买，他就不理我了",
])
def test_alarming_words_without_fund_safety_are_normal(text):
    assert explain(text)["priority"][0] == "normal"


def test_cantonese_confidentiality():
    assert detect_flags("唔好同支行讲系我投诉，我仲要去办嘢")["confidential"] is True


# -- a grievance put as a question is no progress lookup -------------------------------------------

def test_a_grievance_question_asks_about_no_complaint():
    assert not asks_about_a_complaint("我就是想问一下，你们是不是看不起农村人？")
