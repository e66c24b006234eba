"""The classes the blind intake set …06l found (tests/intake_blind/README.md), each in wording of
our own: none of these sentences is the set's."""
from __future__ import annotations

from datetime import date

import pytest

from rasa_sdk.executor import CollectingDispatcher

from actions import parsing
from actions.classify import classify_rules_only, detect_flags, fund_safety
from actions.corrections import named_fields, read_correction
from actions.intake_form import ValidateIntakeForm
from tests.actions.helpers import domain, form_tracker, responses, slot_events

TODAY = date(2026, 12, 6)


# -- names: 本人 before an adverb or a verb phrase is an alibi, no name ----------------------------

@pytest.mark.parametrize("text", [
    "昨晚卡被刷了两笔，我本人成晚都在家里睡觉",
    "本人一直在外地出差，卡就锁在抽屉里",
    "我本人平时根本不用这张卡",
    "本人从来没去过那个城市",
    "本人明明在单位上班，怎么会在商场刷卡",
    "本人曾经在你们这办过一张卡，早就销了",
    "我本人喺公司返工，张卡喺我手度",
])
def test_self_before_an_adverb_is_no_name(text):
    assert parsing.find_name(text) is None


@pytest.mark.parametrize("text,name", [
    ("本人王建军，卡被盗刷了", "王建军"),
    ("本人曾志伟，电话等下给你", "曾志伟"),
    ("我本人叫成晓红", "成晓红"),
])
def test_self_before_a_name_still_gives_it(text, name):
    assert parsing.find_name(text) == name


# -- priority: a fear mistaken is no fund safety ----------------------------------------------------

@pytest.mark.parametrize("text", [
    "取款机把我的卡吞了，我还当卡被人偷了，吓我一跳",
    "我还以为我的钱包被偷了，结果落在出租车上，司机送回来了",
    "一开始当是卡丢了，后来发现夹在书里",
])
def test_a_fear_mistaken_is_no_fund_safety(text):
    assert fund_safety(text) is None
    assert classify_rules_only(text)[2] == "normal"


def test_a_theft_said_plainly_is_still_fund_safety():
    assert fund_safety("卡被人偷了，里面还有两万块") == "lost_card"


# -- priority: an account or card on the credit report the customer never opened -------------------

@pytest.mark.parametrize("text", [
    "查了下征信，上面有个你们行的账户，我压根没开过",
    "信用报告上多了一张信用卡，我从来没有申请过",
    "打了份征信报告，里头有张卡，俺根本没去办过",
])
def test_an_account_on_the_credit_report_never_opened_is_unauthorised(text):
    assert fund_safety(text) == "unauthorised"


def test_a_card_on_the_credit_report_the_customer_opened_is_not():
    assert fund_safety("我查了征信，上面有张信用卡逾期，是我前年自己办的") is None


# -- the money spent by the customer's own family, not claimed --------------------------------------

@pytest.mark.parametrize("text", [
    "后来弄明白了，是我孙子拿我手机充了游戏，自家的事，不找你们",
    "原来是我老婆取的，这是我家里的事，不追究了",
    "系我个仔偷偷碌咗我张卡，屋企嘅事，唔关你哋事",
])
def test_the_familys_own_spending_not_claimed_is_no_sum(text):
    assert parsing.says_no_loss(text)
    assert parsing.parse_amount(text) is None
    assert parsing.says_family_spent_it(text)


def test_the_familys_spending_drops_the_fund_safety_of_the_story():
    story = "我卡里莫名其妙少了两千多"
    assert classify_rules_only(story)[2] == "high"
    answer = "查清楚了，是我女儿拿我的卡买了衣服，我们家里的事，不找你们了"
    assert classify_rules_only(f"{story}；{answer}")[2] == "normal"


MONEY_GONE = {
    "description": "卡里莫名其妙少了两千多", "category": "transaction_dispute", "business_line": "bank_card",
    "priority": "high", "intake_id": "i-06l", "fund_safety": "unauthorised",
    "customer_name": "吕海燕", "phone": "13812345678", "occurred_at": "2026-12-05",
}


async def _validate(tracker):
    dispatcher = CollectingDispatcher()
    events = await ValidateIntakeForm().run(dispatcher, tracker, domain())
    return slot_events(events), dispatcher


@pytest.mark.asyncio
async def test_the_familys_spending_told_at_the_amount_question_drops_the_priority():
    got, _ = await _validate(form_tracker("弄清楚了，是我老公拿我卡取的，家里的事，不找你们",
                                          slots=MONEY_GONE, requested="amount"))
    assert got["amount"] == parsing.NOT_KNOWN
    assert got["priority"] == "normal"
    assert "demand" not in got


@pytest.mark.asyncio
async def test_an_amount_answer_without_the_family_keeps_the_priority():
    got, _ = await _validate(form_tracker("两千三百块", slots=MONEY_GONE, requested="amount"))
    assert got["amount"] == 2300
    assert "priority" not in got


def test_the_familys_spending_claimed_stays():
    # the bank let a relative take the money without checking: a claim on the bank
    assert not parsing.says_family_spent_it("存折上的钱被我儿子偷偷取走了，你们为什么不核实身份")
    assert parsing.parse_amount("我女儿拿我卡充了八百游戏，要求游戏公司退") == 800


@pytest.mark.parametrize("text", ["钱后来查清楚了", "钱的事已经查明白了"])
def test_what_was_found_out_is_no_demand(text):
    assert parsing.find_demand(text) is None


def test_a_request_to_find_out_is_a_demand():
    assert parsing.find_demand("请你们尽快查清楚") is not None


# -- phones: Cantonese 系/唔系 in a correction of the last digits -----------------------------------

@pytest.mark.parametrize("text,phone", [
    ("唔好意思打错咗，尾数系6620，唔系6602", "13900006620"),
    ("电话尾数係6620，唔係6602", "13900006620"),
    ("哎手机号打错了，后四位系6620", "13900006620"),
])
def test_cantonese_is_and_is_not_put_the_last_digits_right(text, phone):
    t = parsing.normalize(text)
    assert "phone" in named_fields(t)
    assert read_correction("phone", t, {"phone": "13900006602"}, TODAY) == phone


@pytest.mark.asyncio
async def test_a_correction_of_the_phone_is_no_more_of_the_story():
    slots = {**MONEY_GONE, "phone": "13900006602", "occurred_at": None}
    got, dispatcher = await _validate(form_tracker("唔好意思打错咗，尾数系6620，唔系6602", intent="complain",
                                                   slots=slots, requested="occurred_at"))
    assert got["phone"] == "13900006620"
    assert "description" not in got
    assert responses(dispatcher) == ["utter_corrected"]


def test_a_cantonese_is_in_other_words_is_left_alone():
    assert parsing.normalize("有事联系13912345678") == "有事联系13912345678"


# -- dates: minutes or hours ago, just now --------------------------------------------------------

@pytest.mark.parametrize("text", [
    "大概半小时前", "二十分钟之前刚扣的", "一个多钟头前", "三个小时前在地铁上丢的", "just now", "like an hour ago",
])
def test_minutes_or_hours_ago_are_today(text):
    assert parsing.parse_date(text, TODAY) == "2026-12-06"


# -- dates: an exact day beside a rough time in an answer ------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("前几笔是上半年扣的，扣错的那笔是11月20号", "2026-11-20"),
    ("去年存的定期，到期日是11月28号", "2026-11-28"),
    ("上个月办的业务，11月30号扣的钱", "2026-11-30"),
])
def test_an_exact_day_wins_over_a_rough_time_in_an_answer(text, expected):
    assert parsing.parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["上个月被扣的，昨天去网点问的", "上个月多收的，前天才发现"])
def test_a_later_step_on_the_exact_day_leaves_the_rough_time(text):
    assert parsing.parse_date(text, TODAY) == "2026-11-01/2026-11-30"


# -- amounts: a charge per page or sheet ----------------------------------------------------------

@pytest.mark.parametrize("text", [
    "去柜台打存款证明，一页收我十块，也没提前说",
    "复印身份证每张要两块钱，哪有这规矩",
    "打对账单每份收费二十元",
])
def test_a_charge_per_sheet_with_no_count_is_asked(text):
    assert parsing.find_amount(text) is None


@pytest.mark.parametrize("text,amount", [
    ("一页十块，打了四页", 40),
    ("打印了十五张，每张两块", 30),
])
def test_a_charge_per_sheet_with_the_count_is_the_product(text, amount):
    assert parsing.parse_amount(text) == amount
    assert parsing.find_amount(text) == amount


# -- amounts: N次各X -------------------------------------------------------------------------------

@pytest.mark.parametrize("text,amount", [
    ("第一次三万 后来两次各一万", 50000),
    ("头一笔八千，后面三笔各五千", 23000),
    ("先转了一千，又转了两次各两千", 5000),
    ("两次各扣了六十", 120),
])
def test_a_count_each_of_a_sum_is_multiplied(text, amount):
    assert parsing.parse_amount(text) == amount


# -- amounts: no money lost, in other words --------------------------------------------------------

@pytest.mark.parametrize("text", [
    "冇蚀钱", "冇蝕錢，就系唔舒服", "没有经济上的损失", "沒有金錢損失", "一分钱都没亏",
    "没有买，所以也没损失", "没买，没花钱",
])
def test_no_money_lost_in_other_words(text):
    assert parsing.says_no_loss(text)
    assert parsing.parse_amount(text) is None


def test_a_purchase_not_made_beside_a_loss_is_still_the_loss():
    assert parsing.parse_amount("没有买到票，还被扣了两百") == 200


# -- amounts: the customer's own total in other words ---------------------------------------------

@pytest.mark.parametrize("text,amount", [
    ("年费120，短信费36，加一块儿156整", 156),
    ("年费120，短信费36，加一块156", 156),
    ("手续费三十，邮寄费十二，合起来四十二", 42),
    ("头一回八百，第二回六百，拢共一千四", 1400),
    ("利息二十，罚息五块，加在一起二十五", 25),
])
def test_the_customers_own_total_wins(text, amount):
    assert parsing.parse_amount(text) == amount


def test_one_yuan_added_is_still_one_yuan():
    assert parsing.parse_amount("每笔再加一块钱") == 1


# -- priority: staff who asked to hear the password ------------------------------------------------

@pytest.mark.parametrize("text", [
    "密码器坏了，柜员让我把密码说出来她帮我输",
    "大堂经理叫我把验证码报给他，说他来操作，这合规吗",
])
def test_staff_asking_to_hear_the_password_is_no_scam(text):
    assert fund_safety(text) is None


def test_a_code_told_to_a_stranger_is_still_a_scam():
    assert fund_safety("有人冒充你们客服让我把验证码念给他，卡里转走了五千") == "scam"


# -- confidentiality declined after the word -------------------------------------------------------

@pytest.mark.parametrize("text", ["保密什么的不需要，写我名字就行", "匿名就不用了，我不怕", "保密这块没必要"])
def test_secrecy_declined_after_the_word_is_no_request(text):
    assert not detect_flags(text)["confidential"]


def test_secrecy_asked_with_no_needed_after_it_is_still_asked():
    assert detect_flags("请帮我保密，不需要回电")["confidential"]


# ── the NLU's branch outside the branch question must name an outlet (simulator seed 85) ──────

def test_a_branch_entity_outside_the_branch_answer_must_name_an_outlet() -> None:
    from actions.intake_form import _read_branch

    # DIET may tag 胡就行 in "叫我老胡就行": no place
    assert _read_branch("叫我老胡就行，胡晓燕", ["胡就行"], lenient=False) is None
    assert _read_branch("我叫孙丽，昨天在解放路支行办的", ["解放路支行"], lenient=False) == "解放路支行"
    # the answer to the branch question keeps the customer's own words
    assert _read_branch("老街口那家", ["老街口"], lenient=True)
