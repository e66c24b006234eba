"""撤诉 end to end over REST (issue 14): the real Rasa (trained model), action server and case desk
of the shared `stack`. A customer files a case, then withdraws it — in the same conversation by
cancelling it, from another conversation by its number with wrong then right digits — or keeps
it after all; a decided case cannot be withdrawn. REST answers synchronously, so each reply is
there when `say` returns: nothing waits on a clock."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
import yaml

from bot.withdrawal import declines, names_a_complaint
from tests.e2e.dialogue import CASE_NO, Customer, wait_for

ANSWERS = {
    "customer_name": "我叫李秀兰",
    "phone": "139 8765 4321",
    "branch": "解放路支行",
    "occurred_at": "前天上午",
    "amount": "两千三百块",
    "demand": "希望把钱退给我",
}
ASKS_LAST4 = re.compile(r"后四位|最后四位")
ASKS_YES = re.compile(r"确认撤回请回复|回复“确认”")
WITHDRAWN = re.compile(r"已为您撤回投诉")
KEPT = re.compile(r"不撤回|继续为您处理|继续处理")
NOT_VERIFIED = re.compile(r"没能核对上|没有核对成功")


def file_case(stack) -> tuple[Customer, str]:
    customer = Customer(stack, ANSWERS)
    case_no = customer.converse("我的借记卡前天在ATM取钱没出钞，账上却扣了两千三")
    return customer, case_no


def status_of(stack, case_no: str) -> str:
    return stack.casedesk("GET", f"/api/cases/{case_no}").json()["status"]


def test_cancelling_a_filed_case_withdraws_it_after_the_digits_and_a_yes(stack):
    customer, case_no = file_case(stack)
    asked = "\n".join(customer.say("钱已经到账了，算了，投诉撤了吧"))
    # the filed case is offered, and nothing happens before the digits and a yes
    assert case_no in asked and ASKS_LAST4.search(asked), customer.transcript
    assert status_of(stack, case_no) == "new"
    confirm = "\n".join(customer.say("4321"))
    assert ASKS_YES.search(confirm) and case_no in confirm, customer.transcript
    assert status_of(stack, case_no) == "new"
    done = "\n".join(customer.say("确认"))
    assert WITHDRAWN.search(done) and case_no in done, customer.transcript
    assert status_of(stack, case_no) == "withdrawn"
    # the agents see who withdrew and why, the customer's words kept
    history = stack.casedesk("GET", f"/api/cases/{case_no}").json()["history"]
    last = [h for h in history if h.get("field") == "status"][-1]
    assert last["new_value"] == "withdrawn" and last["actor"] == "customer", last
    assert "钱已经到账了" in (last.get("note") or ""), last
    # and the customer is sent a confirmation on their own channel
    def confirmation():
        items = stack.casedesk("GET", f"/api/cases/{case_no}/notices").json()["items"]
        return [i for i in items if i["kind"] == "withdrawn"]
    assert wait_for(confirmation, timeout=30), "no withdrawal confirmation was made"


def test_from_another_conversation_by_number_with_wrong_then_right_digits(stack):
    _, case_no = file_case(stack)
    other = Customer(stack, {})
    asked = "\n".join(other.say(f"我要撤诉，编号{case_no}"))
    assert ASKS_LAST4.search(asked), other.transcript
    assert ASKS_YES.search("\n".join(other.say("1234"))), other.transcript
    wrong = "\n".join(other.say("对，撤吧"))
    assert NOT_VERIFIED.search(wrong) and ASKS_LAST4.search(wrong), other.transcript
    assert status_of(stack, case_no) == "new"
    right = "\n".join(other.say("尾号4321"))
    assert WITHDRAWN.search(right), other.transcript
    assert status_of(stack, case_no) == "withdrawn"


def test_a_no_keeps_the_complaint_and_a_decided_case_cannot_be_withdrawn(stack):
    customer, case_no = file_case(stack)
    customer.say("我想撤回投诉")
    customer.say("4321")
    kept = "\n".join(customer.say("算了，还是继续处理吧"))
    assert KEPT.search(kept) and not WITHDRAWN.search(kept), customer.transcript
    assert status_of(stack, case_no) == "new"
    for target in ("in_progress", "resolved"):
        assert stack.casedesk("PATCH", f"/api/cases/{case_no}", json={"status": target}).status_code == 200
    customer.say("我想撤回投诉")
    customer.say("4321")
    late = "\n".join(customer.say("确认"))
    assert "不能再撤回" in late and "核查" in late, customer.transcript
    assert status_of(stack, case_no) == "resolved"


# ── the blind set of withdrawal wordings, through the stack's NLU ───────────────────────────────

BLIND = Path(__file__).resolve().parents[1] / "withdraw_blind" / "wordings_2026-12-06.yml"


def reaches_the_withdrawal(text: str, intent: str) -> bool:
    """What the bot does with the message when nothing is in progress: the withdrawal form on
    withdraw_complaint, and on a cancel that names a complaint (actions/script.py)."""
    return intent == "withdraw_complaint" or (intent == "cancel" and names_a_complaint(text) and not declines(text))


def test_a_blind_set_of_withdrawal_wordings_keeps_its_floor(stack):
    if stack.backend != "sqlite":
        pytest.skip("the NLU is the same on both backends")
    items = yaml.safe_load(BLIND.read_text(encoding="utf-8"))["items"]
    found, false = [], []
    for item in items:
        r = requests.post(f"{stack.rasa_url}/model/parse", params={"token": stack.rasa_token}, json={"text": item["text"]}, timeout=30)
        r.raise_for_status()
        withdraws = reaches_the_withdrawal(item["text"], r.json()["intent"]["name"])
        (found if item["expect"] == "withdraw" else false).append(withdraws == (item["expect"] == "withdraw"))
    # 60/60 and 0/40 when the floor was set
    assert sum(found) >= 57, f"withdrawals recognised {sum(found)}/{len(found)}"
    assert len(false) - sum(false) <= 2, f"negatives taken for withdrawals {len(false) - sum(false)}/{len(false)}"


QUEUED = re.compile(r"提交完成后会马上为您撤回")


def test_a_case_filed_during_an_outage_is_withdrawn_once_it_reaches_the_desk(stack):
    """The case desk is down when the customer confirms, so the case waits in the action server's
    outbox without a number; the customer withdraws it at once. The digits are checked against
    the case they filed, the withdrawal waits behind the case, and when the desk is back the case
    is filed and then withdrawn, with the customer's words as the reason."""
    customer = Customer(stack, ANSWERS)
    customer.answer(customer.say("我的借记卡前天在ATM取钱没出钞，账上却扣了两千三"), until="confirm")
    stack.stop("casedesk")
    try:
        filed = "\n".join(customer.say("确认"))
        assert not CASE_NO.search(filed), customer.transcript
        asked = "\n".join(customer.say("钱已经到账了，算了，投诉撤了吧"))
        assert ASKS_LAST4.search(asked), customer.transcript
        confirm = "\n".join(customer.say("4321"))
        assert ASKS_YES.search(confirm), customer.transcript
        done = "\n".join(customer.say("确认"))
        assert QUEUED.search(done), customer.transcript
    finally:
        stack.start("casedesk")
        stack.wait_ready("casedesk")

    def withdrawn():
        items = stack.casedesk("GET", "/api/cases", params={"conversation_id": stack.conversation_id(customer.sender)}).json()["items"]
        return items if items and items[0]["status"] == "withdrawn" else None
    items = wait_for(withdrawn, timeout=120)
    assert items and len(items) == 1, "the outbox did not file the case and then withdraw it"
    history = stack.casedesk("GET", f"/api/cases/{items[0]['case_no']}").json()["history"]
    last = [h for h in history if h.get("field") == "status"][-1]
    assert last["new_value"] == "withdrawn" and last["actor"] == "customer", last
    assert "钱已经到账了" in (last.get("note") or ""), last
