"""The classes the blind intake set …07s found (tests/intake_blind/README.md), each in wording of
our own: none of these sentences is the set's."""
from __future__ import annotations

from datetime import date

import pytest

from actions import parsing
from actions.classify import detect_flags
from actions.intake_form import _CANCELS_COMPLAINT, _gives_up_an_option
from bot.escalation.detector import default_detector
from bot.text import normalize_text
from tests.actions.helpers import count_days_from, form_tracker, run_validator as _validate, slot_events

FILLED = {"description": "存款机少入账", "category": "transaction_dispute", "business_line": "deposit",
          "priority": "normal", "intake_id": "i-7s", "customer_name": "范志强", "phone": "13812345678",
          "branch": "城东支行", "occurred_at": "2026-12-06", "amount": 500.0}
TODAY = date(2026, 12, 7)


@pytest.fixture(autouse=True)
def the_sets_day(monkeypatch: pytest.MonkeyPatch) -> None:
    count_days_from(monkeypatch, TODAY)


# -- names: spelt out character by character, a space after the cue, a kind of customer ------------

@pytest.mark.parametrize("text,name", [
    # every character explained: a name, whatever the characters (哈 and 买 end names in running text)
    ("牛哈买提，放牛的牛，哈密瓜的哈，买菜的买，提高的提", "牛哈买提"),
    ("余呀，多余的余，咿呀的呀", "余呀"),
    # Wu 吾 = 我 and 个 = 的 in the spelling
    ("吾叫陶金凤，陶瓷个陶，金子个金，凤凰个凤", "陶金凤"),
    # a voice input's space after 我叫, and a compound surname's length said
    ("我叫 上官明远 上官是两个字的姓 明天的明 远方的远", "上官明远"),
])
def test_a_name_spelt_out_or_spoken_with_pauses_is_the_name(text, name):
    assert parsing.parse_name(text) == name


def test_a_kind_of_customer_is_no_name():
    assert parsing.find_name("我在你们柜台交的学费，我是白金卡客户，说好不收手续费") is None
    assert parsing.parse_name("我是钻石卡用户，姓林") == "林"


# -- dates: two numbers in a row are a range ----------------------------------------------------------

@pytest.mark.parametrize("text,window", [
    ("三四天前吧，记不太清了", "2026-12-03/2026-12-04"),
    ("大概五六天前", "2026-12-01/2026-12-02"),
    ("两三个月前开的卡", "2026-09-07/2026-10-07"),
])
def test_two_numbers_in_a_row_before_an_unit_are_a_window(text, window):
    assert parsing.parse_date(text, TODAY) == window
    assert parsing.parse_date("十五天前", TODAY) == "2026-11-22"  # one number stays one day


# -- amounts ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,amount", [
    # sent, then the less that arrived or was left, a clause or two later
    ("给我儿子转了三千，他说卡上只到了两千七", 300),
    ("去年买了二十万的理财，今年到期就剩十八万五", 15000),
    # the customer's own result, said as such
    ("一个季度扣一次，一次四十五，扣了三个季度，我算了是一百三十五", 135),
    # Cantonese reckoning of a shortfall
    ("换咗五千蚊港币，我计过少畀咗我一百二", 120),
    # yuan, jiao and fen in full; English number words before a currency
    ("一共八百八十八块八毛八", 888.88),
    ("they charged me one hundred and twenty yuan for nothing", 120),
])
def test_amount_classes(text, amount):
    assert parsing.parse_amount(text) == amount


def test_a_count_after_一共_is_no_sum():
    assert parsing.parse_amount("每次两百，一共三次") == 600


def test_money_the_household_spent_is_asked_of_nobody():
    story = "短信说卡上刷了一千二，我还以为被盗了，后来知道是我闺女买了衣服。那笔钱是家里人花的"
    assert parsing.find_amount(story) is None


# -- confidentiality: kept from the family is not kept from the staff -------------------------------

@pytest.mark.parametrize("text,confidential", [
    ("能帮我保密吗？我老公还不知道我办了这个贷款，别往家里打电话", False),
    ("家里人都不知道，这事你们得保密，有事打我手机", False),
    ("请帮我保密，别让那个客户经理知道是我投诉的", True),
    # Wu 覅 = 不要, 吾 = 我
    ("覅讲是吾反映额，吾每礼拜还要去伊窗口", True),
])
def test_secrecy_from_the_family_is_no_confidential_complaint(text, confidential):
    assert detect_flags(text)["confidential"] is confidential


# -- 算了 that answers the customer's own question about how to file --------------------------------

@pytest.mark.parametrize("text,option", [
    ("要不要写我爱人的电话？算了，就留我自己的", True),
    ("这个能匿名吗？算了不用，实名就行", True),
    ("算了，不投诉了", False),
    ("算了，太麻烦了", False),
])
def test_算了_after_the_customers_own_question_gives_up_that_option(text, option):
    assert _gives_up_an_option(text, _CANCELS_COMPLAINT) is option


@pytest.mark.asyncio
async def test_a_figure_put_right_after_等下_inside_the_demand_answer_corrects_the_amount():
    text = "等一下等一下，我找到回单了，存进去的是两千五，少的是六百"
    events, _ = await _validate(form_tracker(text, slots={**FILLED, "demand": None}, requested="demand"))
    got = slot_events(events)
    assert got.get("amount") == 600
    assert "demand" not in got or got["demand"] is None


# -- escalation: a calm wait at "你们那个" branch is no threat ------------------------------------------

@pytest.mark.parametrize("text", [
    "我给你们提个意见，你们那个城西网点就俩窗口，我取个养老金从八点等到十一点",
    "恁那个营业部统共仨柜台，俺缴个学费排了一上午",
])
def test_a_wait_at_your_branch_told_in_dialect_is_not_handed_off(text):
    found = default_detector().detect(normalize_text(text))
    assert not (found and found.strong)


# -- a shop's payment code covered by someone else's: money moved without consent --------------------

@pytest.mark.parametrize("text", [
    "我小卖部的收款码，今天一看我的码上面被人贴了张别的码，好几笔钱都没进来",
    "水果摊挂的码被人盖了一张，顾客的钱都转到那个人那去了",
])
def test_a_payment_code_covered_by_a_strangers_is_fund_safety(text):
    from actions.classify import classify

    assert classify(text)[2] == "high"


def test_anonymity_asked_about_and_declined_at_once_is_no_request():
    assert detect_flags("这种情况要匿名吗？不用了，写我真名")["confidential"] is False
    assert detect_flags("可以匿名吗？别让网点知道")["confidential"] is True


@pytest.mark.parametrize("story", [
    "短信说我卡上消费了三百六，我吓一跳，原来是我孙子充了游戏。这钱是自家人花的，就是想问短信怎么不写商户名",
    # …with the claim waived in so many words, which other readers take as a concession
    "短信说我卡上消费了三百六，原来是我孙子充了游戏。那笔钱是家里人用掉的我也不追究了，短信得写清楚商户",
])
def test_the_households_spending_files_no_amount_from_the_opening(story):
    assert parsing.extract_all(story, TODAY)["amount"] is None
