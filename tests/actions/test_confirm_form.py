"""The read-back and corrections (confirm_form)."""
from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.confirm_form import ActionAskConfirmed, ValidateConfirmForm
from tests.actions.helpers import domain, form_tracker, responses, slot_events

CASE = {
    "description": "ATM吞了我的卡", "category": "product_service", "business_line": "bank_card",
    "priority": "normal", "intake_id": "i-1", "customer_name": "张伟", "phone": "13812345678",
    "branch": "朝阳路支行", "occurred_at": "2026-11-20", "demand": "希望尽快把卡还给我",
    "confidential": False, "compensation_requested": False, "intake_stage": "confirming",
}


async def answer(text, intent, slots=None, entities=(), after_user=()):
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(text, intent=intent, slots={**CASE, **(slots or {})}, requested="confirmed",
                           form="confirm_form", entities=entities, after_user=after_user)
    events = await ValidateConfirmForm().run(dispatcher, tracker, domain())
    return slot_events(events), responses(dispatcher), events


async def question(slots, text="", intent="inform", after_user=()):
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(text, intent=intent, slots={**CASE, **slots}, requested="confirmed",
                           form="confirm_form", after_user=after_user)
    await ActionAskConfirmed().run(dispatcher, tracker, domain())
    return dispatcher.messages


@pytest.mark.asyncio
async def test_the_read_back_masks_the_phone_and_names_the_category():
    messages = await question({}, after_user=["action_propose"])
    assert [m["response"] for m in messages] == ["utter_read_back"]
    summary = messages[0]["case_summary"]
    assert "138****5678" in summary and "13812345678" not in summary
    assert "产品服务" in summary and "银行卡" in summary
    assert "是否保密：否" in summary
    assert "朝阳路支行" in summary and "2026年11月20日" in summary


@pytest.mark.asyncio
async def test_affirm_confirms():
    slots, said, _ = await answer("对的，确认提交", "affirm")
    assert slots["confirmed"] is True
    assert said == []


@pytest.mark.asyncio
async def test_correction_changes_only_that_field():
    slots, said, _ = await answer("电话不对，是139 8765 4321", "correct")
    assert slots["phone"] == "13987654321"
    assert "customer_name" not in slots and "branch" not in slots
    assert slots["intake_stage"] == "confirming"
    assert said == ["utter_corrected"]
    # then the form asks again: the read-back with the new (masked) number
    messages = await question({"phone": "13987654321"}, text="电话不对，是139 8765 4321", intent="correct")
    assert "139****4321" in messages[0]["case_summary"]


@pytest.mark.asyncio
@pytest.mark.parametrize("text,intent,field,value", [
    ("网点写错了，是高新区支行", "correct", "branch", "高新区支行"),
    ("名字错了，我叫李娜", "correct", "customer_name", "李娜"),
    ("名字写错了，是李娜", "correct", "customer_name", "李娜"),
    ("时间不对，应该是前天", "correct", "occurred_at", None),
    ("金额不对，是五千二", "correct", "amount", 5200.0),
    ("诉求改一下：希望退还手续费", "correct", "demand", "希望退还手续费"),
    ("13912345678", "inform", "phone", "13912345678"),
    ("不用保密", "correct", "confidential", False),
    ("请帮我保密", "correct", "confidential", True),
])
async def test_corrections(text, intent, field, value):
    slots, said, _ = await answer(text, intent)
    assert field in slots, slots
    if value is not None:
        assert slots[field] == value
    assert said == ["utter_kept_confidential" if (field, value) == ("confidential", True) else "utter_corrected"]


@pytest.mark.asyncio
async def test_correction_by_field_entity():
    slots, _, _ = await answer("号码改成13900001111", "correct",
                               entities=[{"entity": "field", "value": "phone"}])
    assert slots["phone"] == "13900001111"


@pytest.mark.asyncio
async def test_changing_the_demand_to_money_raises_the_flag():
    slots, _, _ = await answer("诉求改成要求赔偿损失", "correct")
    assert slots["compensation_requested"] is True


@pytest.mark.asyncio
async def test_deny_then_field_then_value():
    slots, said, _ = await answer("不对", "deny")
    assert slots == {"intake_stage": "correcting", "correcting_field": None, "reask": None}
    assert [m["response"] for m in await question(slots)] == ["utter_ask_which_field"]

    slots, said, _ = await answer("名字", "correct", slots=slots)
    assert slots["correcting_field"] == "customer_name" and slots["intake_stage"] == "correcting"
    messages = await question(slots)
    assert messages[0]["response"] == "utter_ask_correct_value" and messages[0]["field_label"] == "姓名"

    slots, said, _ = await answer("赵明", "inform", slots=slots)
    assert slots["customer_name"] == "赵明" and slots["intake_stage"] == "confirming"
    assert said == ["utter_corrected"]


@pytest.mark.asyncio
async def test_a_bad_new_phone_is_re_asked_with_the_form_wording():
    slots, said, _ = await answer("电话不对，是12345", "correct")
    assert slots["correcting_field"] == "phone" and slots["reask"]["count"] == 1
    # the form's own question, worded by ask_wording: set here, since Rasa renders
    # action_ask_confirmed's response with the slots as they were before it ran
    assert slots["ask_wording"] == "reask"
    assert [m["response"] for m in await question(slots)] == ["utter_ask_phone"]

    slots, said, _ = await answer("是12345678", "inform", slots=slots)
    assert slots["reask"]["count"] == 2 and slots["ask_wording"] == "reask_again"
    assert [m["response"] for m in await question(slots)] == ["utter_ask_phone"]


@pytest.mark.asyncio
async def test_nothing_to_change_after_all_reads_back_again():
    slots, _, _ = await answer("不用改了", "deny", slots={"intake_stage": "correcting"})
    assert slots["intake_stage"] == "confirming"


@pytest.mark.asyncio
async def test_more_complaint_at_the_read_back_is_added():
    slots, said, _ = await answer("还有，那个人是新来的，什么都不懂", "complain")
    assert slots["description"] == "ATM吞了我的卡；还有，那个人是新来的，什么都不懂"
    assert said == ["utter_detail_added"]


@pytest.mark.asyncio
@pytest.mark.parametrize("text,intent", [
    ("算了，不投诉了", "cancel"), ("转人工", "request_human"), ("谢谢", "thank"), ("你好", "greet"),
])
async def test_interruptions_are_left_to_the_rules(text, intent):
    slots, said, events = await answer(text, intent)
    assert events == [] and said == []


@pytest.mark.asyncio
async def test_after_an_interruption_only_the_short_question_is_asked():
    messages = await question({}, text="谢谢", intent="thank", after_user=["utter_you_are_welcome"])
    assert [m["response"] for m in messages] == ["utter_ask_confirm"]


@pytest.mark.asyncio
async def test_unclear_answer_gets_the_short_question():
    slots, said, _ = await answer("嗯嗯", "nlu_fallback")
    assert slots["reask"]["count"] == 1
    assert [m["response"] for m in await question(slots)] == ["utter_ask_confirm"]


@pytest.mark.asyncio
async def test_a_complaint_the_nlu_took_for_small_talk_is_still_added():
    slots, said, _ = await answer("还有，他还让保安把我赶出去", "out_of_scope")
    assert slots["description"].endswith("还有，他还让保安把我赶出去")
    assert said == ["utter_detail_added"]
    slots, said, events = await answer("今天天气怎么样", "out_of_scope")
    assert events == []


@pytest.mark.asyncio
async def test_yes_in_words_wins_over_a_hesitant_nlu():
    slots, _, _ = await answer("没问题了，提交吧", "deny")
    assert slots["confirmed"] is True
    slots, _, _ = await answer("不对，要改", "affirm")
    assert "confirmed" not in slots


@pytest.mark.asyncio
@pytest.mark.parametrize("text,intent", [
    ("对了，别跟网点说是我投诉的，我就住那附近", "correct"),     # names 网点, changes no branch
    ("能不能别让那个催收公司知道是我反映的？我怕他们更凶", "complain"),
    ("另外請不要讓那個保安知道是我投訴的", "inform"),
    ("还有，处理的时候别提我名字，那个经理认识我", "inform"),
])
async def test_confidentiality_asked_at_the_read_back_is_kept(text, intent):
    slots, said, _ = await answer(text, intent)
    assert slots.get("confidential") is True, slots
    assert set(slots) & {"branch", "customer_name", "description"} == set(), slots
    assert said == ["utter_kept_confidential"]


@pytest.mark.asyncio
@pytest.mark.parametrize("text,intent", [
    ("哎刚收到短信，钱到账了。那就不用投诉了，取消吧", "inform"),
    ("我媳妇说是她用我手机转给她弟的，那这个不用投诉了，撤了吧", "correct"),
    ("算了我明天直接去找你们经理说，先不登记了，撤了吧", "request_human"),
    # another's words first, then the customer's decision; 打电话 in it is no phone correction
    ("我媳妇刚打电话过来，说这钱是她转的，那就不投了，麻烦你了", "correct"),
    ("跟家里商量了一下，还是不反映了，谢谢", "inform"),
])
async def test_a_complaint_dropped_in_so_many_words_at_the_read_back_is_cancelled(text, intent):
    _, _, events = await answer(text, intent)
    assert {"event": "followup", "name": "action_cancel_intake"} in [
        {"event": e.get("event"), "name": e.get("name")} for e in events]
