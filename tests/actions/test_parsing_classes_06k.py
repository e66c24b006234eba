"""The classes the blind intake set …06k found (tests/intake_blind/README.md), each in wording of
our own: none of these sentences is the set's."""
from __future__ import annotations

import pytest

from actions import parsing
from actions.classify import classify_rules_only, fund_safety
from actions.intake_form import drops_the_complaint


@pytest.mark.parametrize("text,amount", [
    # the customer's working closed by its result, in the last clause
    ("上个月刷卡流水八万，合同千分之五该是四百，实际扣了六百四，多扣了二百四", 240),
    ("汇了3000美元，按7.1算应该21300，到账21000，少了300", 300),
    ("两万块收一个点，两百块", 200),
    # …past a count after the cue, and no sum at all in "多收了一次"
    ("房贷月供四千一，多扣了一笔四千一", 4100),
    ("一次收八十，收了两次，就是多收了一次嘛", 80),
    # a balance frozen, nobody took it; a loss the customer accepts, no claim in Wu
    ("卡里有六万多，没人偷，就是被你们冻住了", None),
    ("亏的两千我自己认，不要你们赔", None),
])
def test_amount_classes(text, amount):
    assert parsing.parse_amount(text) == amount


@pytest.mark.parametrize("text,amount", [
    # a promotion's threshold is no loss: the reward not paid is
    ("说好存满五万送一百块话费，存了半年话费一直没到", 100),
    # a charge each time, how many times not said: the total is to be asked
    ("网银跨行转账每次扣我两块，不是说免费吗", None),
    # Hakka: 银 after a figure is 元, 厓 is 我, 里背 is 里面
    ("柜台换零钱收了厓二十银", 20),
    ("厓个存折里背有两万银，今朝唔见撇哩", None),
    # the money arrived late, no loss
    ("货款五万显示处理中，以为被骗了，结果第二天才到账", None),
])
def test_amount_in_the_opening(text, amount):
    assert parsing.find_amount(text) == amount


@pytest.mark.parametrize("text,kind", [
    # a call that a relative is in trouble, money sent to a stranger at the counter
    ("我爸接到电话说我被抓了要交保释金，他去柜台转了五万给陌生人", "scam"),
    # a card opened with the customer's ID by someone unknown
    ("征信上多出一张卡，我从没办过，是哪个拿我身份证办的", "unauthorised"),
    # SIM swap said with 补; online banking taken over
    ("有人补了我的手机卡，还登了我的手机银行转走一万", "unauthorised"),
    # a card lost, Hakka 唔见
    ("厓张卡今朝在车站唔见撇哩", "lost_card"),
])
def test_fund_safety_classes(text, kind):
    assert fund_safety(text) == kind


@pytest.mark.parametrize("text", [
    # a scam feared, then the money arrived
    "转给房东的租金一直没到，我还以为遇到骗子了，结果晚上才到账",
    # 勿保本 (Wu: not capital-guaranteed), said by the customer who knew it
    "侬个基金阿拉晓得勿保本，亏了也就亏了，就是页面浪风险提示字太小",
])
def test_alarming_but_normal(text):
    assert classify_rules_only(text)[2] == "normal"


def test_a_question_before_the_drop_is_its_reason():
    assert drops_the_complaint("还得留身份证号？那算了，不投诉了")
    assert not drops_the_complaint("我不投诉了，你们就不管了？")
