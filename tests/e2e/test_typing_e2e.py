"""正在输入… on the real stack (issue 15), in headless Chromium: a web-chat customer asks for a
person and the real Rasa hands them off; an agent claims the conversation in the console and types
in the reply box; the customer's chat page shows 客服 <display name> 正在输入…; once the agent
sends, the line goes and the reply shows; typing again and emptying the box shows and hides it.

TYPING_SHOTS=/tmp/typing_shots saves screenshots of the customer's page at 1280 and 390 px."""
from __future__ import annotations

import os
import re
import time

import pytest

from tests.e2e.console_browser import create_console_user, shoot, sign_in

playwright = pytest.importorskip("playwright.sync_api")

SHOTS = os.environ.get("TYPING_SHOTS")
HANDED_OFF = re.compile(r"转接?人工|人工客服")


def wait_for_response(page, matches, timeout_ms: int = 30_000) -> str:
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        for text in page.locator(".rw-response").all_inner_texts():
            if matches(text):
                return text
        page.wait_for_timeout(200)
    raise AssertionError(f"没有等到预期的回复：{page.locator('.rw-response').all_inner_texts()}")


def test_the_customer_sees_the_agent_typing(stack, browser):
    expect = playwright.expect
    suffix = f"{os.getpid() % 10000}{int(time.time()) % 1000}"
    username, name = f"typ{suffix}", f"陈静{suffix[-2:]}"
    create_console_user(stack, username, "agent", name)

    customer = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    customer.goto(f"{stack.casedesk_url}/chat")
    box = customer.locator(".rw-new-message")
    box.wait_for(timeout=30_000)
    wait_for_response(customer, lambda t: "您好" in t)  # the greeting: the session is up
    box.fill("我要投诉，信用卡年费被乱扣了两次。帮我转人工")
    box.press("Enter")
    wait_for_response(customer, lambda t: bool(HANDED_OFF.search(t)))
    session = customer.evaluate("() => JSON.parse(localStorage.getItem('chat_session')).session_id")
    (handoff,) = stack.casedesk("GET", "/api/handoffs", params={"conversation_id": session}).json()["items"]
    line, text = customer.locator("#agent-typing"), customer.locator("#agent-typing-text")
    assert line.get_attribute("aria-live") == "polite"
    expect(line).to_be_hidden()

    agent = sign_in(browser, stack, username)
    agent.goto(f"{stack.casedesk_url}/console/handoffs/{handoff['id']}")
    agent.click("#claim-btn")
    agent.wait_for_url(re.compile(r".*\?msg=claimed"))
    wait_for_response(customer, lambda t: f"我是客服{name}" in t)
    expect(line).to_be_hidden()

    # keys pressed in the reply box: the customer's page names the agent as they greeted
    agent.locator("#reply-text").press_sequentially("您好，年费的问题", delay=40)
    expect(text).to_have_text(f"客服 {name} 正在输入…", timeout=10_000)
    expect(line).to_be_visible()
    shoot(customer, SHOTS, "typing_customer")

    reply = "您好，年费的问题我马上帮您核实，请稍候。"
    agent.fill("#reply-text", reply)
    agent.click("#reply-btn")
    wait_for_response(customer, lambda t: reply in t, 15_000)
    expect(line).to_be_hidden(timeout=5_000)
    assert text.inner_text() == ""
    shoot(customer, SHOTS, "typing_sent")

    # typing again, then emptying the box: the stop hides the line well before the 6 s expiry
    agent.locator("#reply-text").press_sequentially("另外", delay=40)
    expect(text).to_have_text(f"客服 {name} 正在输入…", timeout=10_000)
    agent.fill("#reply-text", "")
    expect(line).to_be_hidden(timeout=4_500)
    stack.casedesk("POST", f"/api/handoffs/{handoff['id']}/close", headers={"X-Actor": username})
