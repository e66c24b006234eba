"""The classes the blind intake set …07q found (tests/intake_blind/README.md), each in wording of
our own: none of these sentences is the set's."""
from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import parsing
from actions.classify import classify, detect_flags, fund_safety
from actions.script import ActionCancelIntake, is_substantive
from tests.actions.helpers import run_validator as _validate, domain, form_tracker, plain_tracker, responses, slot_events

COUNTER = {"description": "网点乱收费", "category": "transaction_dispute", "business_line": "other",
           "priority": "normal", "intake_id": "i-7q", "customer_name": "王建国", "phone": "13812345678"}




# -- two candidates weighed, then one settled on ------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("大概是3号或者4号吧，我查了下记录，确定是4号", "2026-12-04"),
    ("要么是上周五要么是上周六，嗯应该是11月28号", "2026-11-28"),
])
@pytest.mark.asyncio
async def test_the_date_settled_on_after_two_candidates_is_the_answer(text, expected):
    events, _ = await _validate(form_tracker(text, slots=COUNTER, requested="occurred_at"))
    assert slot_events(events)["occurred_at"] == expected


def test_a_lone_hedge_settles_nothing():
    assert parsing.after_self_correction("可能是五号吧，应该是") is None
    assert parsing.after_self_correction("应该是五号") is None  # no two candidates before it


# -- a company, then the person to contact --------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("我们是宁波海瑞电子科技有限公司，联系人是我，会计林小红", "林小红"),
    ("单位名称苏州东兴机械厂，经办人写行政孙悦", "孙悦"),
    ("我是公司的出纳吕晓东，公司叫长江商贸", "吕晓东"),
])
def test_the_contact_person_is_the_name_not_the_company(text, expected):
    assert parsing.parse_name(text) == expected


def test_a_word_inside_a_company_name_is_no_name_for_the_form():
    orgs = [m.group() for m in parsing.ORGANISATION.finditer("公司叫温州鹿城华通贸易有限公司，你们找财务就行")]
    assert any("华通" in o for o in orgs)


# -- figures: a unit price in the opening, money locked inside a product ------------------------

def test_a_price_per_item_in_the_opening_is_no_total():
    assert parsing.rough_amount("给员工发工资，每一笔都被扣了两块钱手续费")
    assert not parsing.rough_amount("每一笔扣两块，一共扣了四百六十块")


@pytest.mark.parametrize("text,expected", [
    ("八万块，我攒了一辈子的钱都在里面", 80000.0),
    ("三万，孩子的学费全在里头三万", 30000.0),
])
def test_money_locked_inside_what_was_sold_is_the_amount(text, expected):
    assert parsing.parse_amount(text) == expected


def test_money_still_in_the_card_is_no_loss():
    assert parsing.parse_amount("卡里两万块钱都在，就是转不出去") is None


# -- priority -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,kind", [
    ("我店门口的收钱码让人掉包了，客人扫码的钱全跑到陌生人账上", "unauthorised"),
    ("网上借款说我银行卡号输错了账户冻结，要我先交一笔钱解冻，我转了两次，现在人联系不上", "scam"),
])
def test_fund_safety_classes(text, kind):
    assert fund_safety(text) == kind
    assert classify(text)[2] == "high"


@pytest.mark.parametrize("text", [
    "征信被查花了，贷款批不下来，你们乱查我征信",
    "客户经理私底下拉我买他的理财，我拒绝了他还天天发消息",
    "差一点就把我的定期换成了分红险，幸亏我女儿拦住了",
])
def test_nothing_at_risk_is_normal(text):
    assert classify(text)[2] == "normal"


# -- confidentiality: family and one's own data are not who complained -------------------------

@pytest.mark.parametrize("text", [
    "这个事千万莫让我屋头人晓得",
    "别告诉我婆娘，她知道了要闹",
    "你们能保密我的身份证信息吧？",
])
def test_no_confidential_flag(text):
    assert detect_flags(text)["confidential"] is False


def test_the_staff_kept_from_knowing_is_still_confidential():
    assert detect_flags("别让那个大堂经理晓得是我告的")["confidential"] is True


# -- an opening with no story; a customer who gives up before telling -----------------------------

def test_not_knowing_how_to_put_it_tells_no_story():
    assert not is_substantive("您好，我这有个事情想反映，不知道从哪说起", {})


@pytest.mark.asyncio
async def test_a_customer_who_gives_up_before_telling_is_asked_once_more():
    dispatcher = CollectingDispatcher()
    await ActionCancelIntake().run(dispatcher, plain_tracker("唉，跟你们说了也没用", "cancel"), domain())
    assert responses(dispatcher) == ["utter_invite_to_tell"]
    # asked once: a second "算了" is respected
    asked = plain_tracker("算了，说了也白说", "cancel", events=[
        {"event": "bot", "text": "…", "metadata": {"utter_action": "utter_invite_to_tell"}}])
    dispatcher = CollectingDispatcher()
    await ActionCancelIntake().run(dispatcher, asked, domain())
    assert responses(dispatcher) == ["utter_cancel_nothing"]


# -- a rougher word for the day already given is no correction of it ------------------------------

@pytest.mark.asyncio
async def test_a_period_holding_the_given_day_corrects_nothing():
    slots = {**COUNTER, "occurred_at": "2026-11-20"}
    text = "不是问利息，是上个月本来该扣八百，结果扣了九百，多扣一百"
    events, _ = await _validate(form_tracker(text, slots=slots, requested="amount"))
    assert slot_events(events).get("occurred_at", "2026-11-20") == "2026-11-20"
    assert slot_events(events)["amount"] == 100.0


# -- "can't remember" in Wu; "nothing overcharged" ------------------------------------------------

@pytest.mark.parametrize("text", ["那个辰光我也记不清爽了", "几号我勿晓得，老早的事了"])
def test_wu_not_remembering_the_day_is_an_answer(text):
    assert parsing.says_not_given("occurred_at", text)


@pytest.mark.parametrize("text", ["钱倒没多扣，就是短信一直发", "没有乱收我钱，是服务的问题"])
def test_nothing_overcharged_is_no_sum_at_stake(text):
    assert parsing.says_not_given("amount", text)


def test_a_tellers_slip_into_another_account_stays_an_operating_error():
    assert classify("我去柜台存钱，柜员把钱存进别人的账户了")[2] == "normal"


# -- a request put as a question asks what is to stop (the customer simulator's seed 883) ---------

@pytest.mark.parametrize("text,expected", [
    ("客户经理天天打电话推销，你们能不能管管他", "你们能不能管管他"),
    ("能不能规范一下你们的外包催收，别再骚扰我家人", "能不能规范一下你们的外包催收；别再骚扰我家人"),
])
def test_a_request_put_as_a_question_is_the_demand(text, expected):
    assert parsing.find_demand(text) == expected
