"""快捷回复 on the real stack (issue 15), in headless Chromium: a supervisor saves a canned reply
with placeholders on the 快捷回复 page (one with a promise is refused with the reason); a
customer's request for a person is handed off by the real Rasa; the agent picks the reply in the
workspace, finds it in the reply box filled with the customer's salutation and the case number,
and sends it; the customer receives exactly that text.

CANNED_SHOTS=/tmp/canned_shots saves screenshots of both pages at 1280 and 390 px."""
from __future__ import annotations

import os
import re
import time

import pytest

from tests.e2e.console_browser import create_console_user, said_to_customer, shoot, sign_in

playwright = pytest.importorskip("playwright.sync_api")

SHOTS = os.environ.get("CANNED_SHOTS")
CANNED = "{客户称呼}，您好，我是负责您投诉 {案件编号} 的客服，马上为您核实情况。"


def test_a_canned_reply_is_filled_for_the_case_and_reaches_the_customer(stack, browser):
    suffix = f"{os.getpid() % 10000}{int(time.time()) % 1000}"
    agent_name, boss_name = f"cnagent{suffix}", f"cnboss{suffix}"
    create_console_user(stack, agent_name, "agent", "李娜")
    create_console_user(stack, boss_name, "supervisor", "赵主管")

    boss = sign_in(browser, stack, boss_name)
    boss.goto(f"{stack.casedesk_url}/console/canned")
    boss.fill("#canned-new input[name=title]", "退款承诺")
    boss.fill("#canned-new textarea[name=text]", "您放心，我们保证全额赔偿您的损失。")
    boss.click("#canned-new button[type=submit]")
    assert "没有通过质检，不能保存" in boss.locator("#canned-error").inner_text()
    title = f"接入问候{suffix}"
    boss.fill("#canned-new input[name=title]", title)
    boss.fill("#canned-new textarea[name=text]", CANNED)
    boss.click("#canned-new button[type=submit]")
    boss.wait_for_url(re.compile(r".*msg=saved"))
    assert title in boss.content()
    shoot(boss, SHOTS, "canned_page")

    sender = stack.new_sender("canned")
    replies = stack.say(sender, "我要投诉，信用卡年费乱扣。我叫孙丽，转人工")
    assert any(re.search(r"转接?人工|人工客服", r) for r in replies), replies
    (handoff,) = stack.casedesk("GET", "/api/handoffs",
                                params={"conversation_id": stack.conversation_id(sender)}).json()["items"]

    agent = sign_in(browser, stack, agent_name)
    agent.goto(f"{stack.casedesk_url}/console/handoffs/{handoff['id']}")
    agent.click("#claim-btn")
    agent.wait_for_url(re.compile(r".*\?msg=claimed"))
    agent.select_option("#canned-reply", label=title)
    filled = agent.input_value("#reply-text")
    case_no = handoff["case_no"]
    assert case_no in filled and "{" not in filled, filled
    assert filled.startswith(("孙先生/女士", "尊敬的客户")), filled
    shoot(agent, SHOTS, "canned_workspace")
    agent.click("#reply-btn")
    deadline = time.monotonic() + 10
    while filled not in said_to_customer(stack, sender):
        assert time.monotonic() < deadline, said_to_customer(stack, sender)
        time.sleep(0.2)
