"""Progress lookup end to end over REST (issue 14): the real Rasa (trained model), action server
and case desk of the shared `stack`. A customer files a case, then asks how it stands — in the
same conversation and from another one — with the right and wrong last four digits of the phone.
REST answers synchronously, so each reply is there when `say` returns: nothing waits on a clock."""
from __future__ import annotations

import re

from tests.e2e.dialogue import Customer, wait_for

ANSWERS = {
    "customer_name": "我叫王建国",
    "phone": "138 1234 5678",
    "branch": "朝阳路支行",
    "occurred_at": "昨天下午三点",
    "amount": "五千块",
    "demand": "希望尽快查清楚",
}
ASKS_LAST4 = re.compile(r"后四位|最后四位")
STATUS = re.compile(r"进度是|现在的情况是|已受理|处理中|办结")
NOT_VERIFIED = re.compile(r"没能核对上|没有核对成功")
LOCKED = re.compile(r"已暂停")
OUT_OF_SCOPE = re.compile(r"超出了我能帮忙的范围|暂时回答不了")


def file_case(stack) -> tuple[Customer, str]:
    customer = Customer(stack, ANSWERS)
    case_no = customer.converse("我的信用卡上周在朝阳路支行被多扣了五千块手续费，一直没人给我解释")
    return customer, case_no


def test_back_in_the_same_conversation_the_filed_case_is_looked_up(stack):
    customer, case_no = file_case(stack)
    asked = "\n".join(customer.say("那我的问题什么时候能解决？"))
    # the filed case is offered and verification is asked, not "out of scope", no new intake
    assert case_no in asked and ASKS_LAST4.search(asked), customer.transcript
    assert not OUT_OF_SCOPE.search(asked) and not STATUS.search(asked), asked
    answer = "\n".join(customer.say("5678"))
    assert case_no in answer and "已受理" in answer, customer.transcript
    assert "投诉处理中心" in answer and re.search(r"20\d\d年\d{1,2}月\d{1,2}日", answer), answer
    # what the customer may see only: no phone, no name, no branch
    for private in ("13812345678", "138****5678", "王建国", "朝阳路"):
        assert private not in answer, answer
    r = stack.casedesk("GET", "/api/cases", params={"conversation_id": stack.conversation_id(customer.sender)})
    assert r.json()["total"] == 1, "查询进度不应新建投诉"


def test_lookup_from_another_conversation_with_wrong_then_right_digits(stack):
    _, case_no = file_case(stack)
    other = Customer(stack, {})
    asked = "\n".join(other.say(f"我想查一下投诉进度，编号{case_no.lower()}"))
    assert ASKS_LAST4.search(asked) and not STATUS.search(asked), other.transcript
    wrong = "\n".join(other.say("1234"))
    assert NOT_VERIFIED.search(wrong) and "2 次" in wrong, other.transcript
    assert not STATUS.search(wrong) and ASKS_LAST4.search(wrong), wrong  # asked again
    right = "\n".join(other.say("尾号是5678"))
    assert case_no in right and "已受理" in right, other.transcript


def test_an_unknown_number_is_not_revealed_and_three_wrong_tries_lock(stack):
    _, case_no = file_case(stack)
    guesser = Customer(stack, {})
    unknown = "TS20991231000001"
    # an unknown number is asked for the digits like a real one, and fails like wrong digits
    asked = "\n".join(guesser.say(f"查进度 {unknown}"))
    assert ASKS_LAST4.search(asked) and unknown not in asked, guesser.transcript
    assert NOT_VERIFIED.search("\n".join(guesser.say("5678"))), guesser.transcript
    assert NOT_VERIFIED.search("\n".join(guesser.say(f"{case_no} 0000"))), guesser.transcript
    locked = "\n".join(guesser.say("1111"))
    assert LOCKED.search(locked) and "15 分钟" in locked, guesser.transcript
    # locked: the right digits get no answer in this conversation
    again = "\n".join(guesser.say(f"编号{case_no}，手机尾号5678，帮我查一下进度"))
    assert LOCKED.search(again) and not STATUS.search(again), guesser.transcript


def test_the_latest_update_is_the_newest_notice_sent_to_the_customer(stack):
    """The desk pauses the clock for an appraisal; once the outbox has sent that notice, the
    customer's lookup reads it as the latest update, dated, and never the internal note."""
    customer, case_no = file_case(stack)
    assert stack.casedesk("PATCH", f"/api/cases/{case_no}", json={"status": "in_progress"}).status_code == 200
    reason = "需送外部机构鉴定交易签名"
    r = stack.casedesk("POST", f"/api/cases/{case_no}/pause", json={"reason": reason}, headers={"X-Actor": "agent:li"})
    assert r.status_code == 201, r.text
    stack.casedesk("POST", f"/api/cases/{case_no}/transcript", json={"turns": [{"role": "note", "text": "内部：客户很难缠"}]})

    def paused_notice():
        items = stack.casedesk("GET", f"/api/cases/{case_no}/notices").json()["items"]
        return [i for i in items if i["kind"] == "paused"]
    assert wait_for(paused_notice, timeout=30), "the outbox made no notice of the pause"

    customer.say("我的投诉进度怎么样了？")
    answer = "\n".join(customer.say("5678"))
    assert case_no in answer and "最新进展" in answer and reason in answer, customer.transcript
    assert re.search(r"（\d{1,2}月\d{1,2}日）", answer) and "难缠" not in answer, answer
    # the clock is paused, the case not decided: no "处理结果" talk
    assert "暂停计算处理期限" in answer and "处理结果还有疑问" not in answer, answer
