"""转交 on the real stack (issue 15), in headless Chromium with two agents: a customer's request for
a person is handed off by the real Rasa; agent A claims it and hands it to agent B with a note;
the customer is told by the real Rasa that B carries on; B finds it in the workspace as theirs
(A's note in the transcript) and replies, and the customer receives the reply; A can no longer
reply.

TRANSFER_SHOTS=/tmp/transfer_shots saves screenshots of the workspace at 1280 and 390 px."""
from __future__ import annotations

import os
import re
import time

import pytest

from tests.e2e.console_browser import create_console_user, shoot, sign_in, wait_said

playwright = pytest.importorskip("playwright.sync_api")

SHOTS = os.environ.get("TRANSFER_SHOTS")


def test_an_agent_hands_the_customer_to_a_colleague_with_a_note(stack, browser):
    suffix = f"{os.getpid() % 10000}{int(time.time()) % 1000}"
    first, second = f"tfa{suffix}", f"tfb{suffix}"
    create_console_user(stack, first, "agent", "王明")
    create_console_user(stack, second, "agent", f"李娜{suffix[-2:]}")

    sender = stack.new_sender("transfer")
    replies = stack.say(sender, "我要投诉，房贷提前还款违约金算错了。我叫周建，帮我转人工")
    assert any(re.search(r"转接?人工|人工客服", r) for r in replies), replies
    (handoff,) = stack.casedesk("GET", "/api/handoffs",
                                params={"conversation_id": stack.conversation_id(sender)}).json()["items"]

    a = sign_in(browser, stack, first)
    a.goto(f"{stack.casedesk_url}/console/handoffs/{handoff['id']}")
    a.click("#claim-btn")
    a.wait_for_url(re.compile(r".*\?msg=claimed"))
    a.select_option("#transfer-to", label=f"李娜{suffix[-2:]}")
    a.fill("#transfer-note", "客户要求核对违约金计算，合同在附件里；客户手机13912345678")
    shoot(a, SHOTS, "transfer_form")
    a.click("#transfer-btn")
    a.wait_for_url(re.compile(r".*\?msg=transferred"))
    assert "会话已转交" in a.content()
    wait_said(stack, sender, f"已转交给客服李娜{suffix[-2:]}继续为您处理")

    b = sign_in(browser, stack, second)
    b.goto(f"{stack.casedesk_url}/console/handoffs/{handoff['id']}")
    assert b.locator("#claimed-by").inner_text().strip() in (second, f"李娜{suffix[-2:]}")
    transcript = b.locator("#transcript").inner_text()
    assert f"转交给李娜{suffix[-2:]}：客户要求核对违约金计算" in transcript and "139****5678" in transcript
    assert "13912345678" not in transcript
    b.fill("#reply-text", "周先生您好，我是李娜，违约金的计算我来帮您核对。")
    b.click("#reply-btn")
    wait_said(stack, sender, "我是李娜，违约金的计算我来帮您核对")
    shoot(b, SHOTS, "transfer_received")

    # A no longer holds it: a reply from A is refused
    a.goto(f"{stack.casedesk_url}/console/handoffs/{handoff['id']}")
    a.fill("#reply-text", "还在吗？")
    a.click("#reply-btn")
    a.locator("#action-error").wait_for(state="visible", timeout=15_000)
    assert "已由坐席" in a.locator("#action-error").inner_text()
    stack.casedesk("POST", f"/api/handoffs/{handoff['id']}/close", headers={"X-Actor": second})
