"""The customer's rating lands on the case, end to end over REST (issue 14): the real Rasa,
action server and case desk of the shared `stack`. The assistant asks for a score right after
filing; the case desk keeps it and the supervisor's figures count it."""
from __future__ import annotations

from tests.e2e.dialogue import Customer

ANSWERS = {
    "customer_name": "我叫周明",
    "phone": "137 0000 2468",
    "branch": "朝阳路支行",
    "occurred_at": "今天上午",
    "amount": "没有金额损失",
    "demand": "希望多开几个窗口",
}


def test_the_score_given_after_filing_is_on_the_case(stack):
    customer = Customer(stack, ANSWERS)
    case_no = customer.converse("朝阳路支行排队排了两个小时，只开了一个窗口")
    thanks = "\n".join(customer.say("4分吧"))
    assert "4" in thanks, customer.transcript
    case = stack.casedesk("GET", f"/api/cases/{case_no}").json()
    assert case["rating"] == 4, case.get("history")
    assert [h for h in case["history"] if h["kind"] == "rating"][-1]["actor"] == "customer"
