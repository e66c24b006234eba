"""A customer in the web chat and an agent in the console, two headless-Chromium pages against
the real stack: the customer threatens to go to the media, the handoff appears in the agent's
live queue, the agent claims it, the customer's messages appear in the workspace (markup as
text), the agent's reply appears in the customer's chat, and release gives the bot back."""
from __future__ import annotations

import os
import re
import time

import pytest

from tests.e2e.console_browser import PASSWORD, create_console_user

playwright = pytest.importorskip("playwright.sync_api")

HANDED_OFF = re.compile(r"转接?人工|人工客服")



def responses(page) -> list[str]:
    return page.locator(".rw-response").all_inner_texts()


def wait_for_response(page, matches, timeout_ms=15_000) -> str:
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        for text in responses(page):
            if matches(text):
                return text
        page.wait_for_timeout(200)
    raise AssertionError(f"没有等到预期的回复：{responses(page)}")


def test_agent_takes_over_a_web_chat_customer_in_the_console(stack, browser):
    username = f"li{os.getpid() % 10000}{int(time.time()) % 1000}"
    create_console_user(stack, username, "agent", "李娜")

    agent = browser.new_page(locale="zh-CN")
    dialogs: list[str] = []
    agent.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    agent.goto(f"{stack.casedesk_url}/console")
    agent.fill("input[name=username]", username)
    agent.fill("input[name=password]", PASSWORD)
    agent.click("button[type=submit]")
    agent.wait_for_url(f"{stack.casedesk_url}/console")
    agent.locator("#live-state").wait_for()
    agent.wait_for_timeout(500)

    customer = browser.new_page(locale="zh-CN")
    customer.goto(f"{stack.casedesk_url}/chat")
    box = customer.locator(".rw-new-message")
    box.wait_for(timeout=30_000)
    wait_for_response(customer, lambda t: "您好" in t, 30_000)  # the greeting: the session is up
    box.fill("你们乱扣我的年费，再不处理我就找记者曝光你们！")
    box.press("Enter")
    wait_for_response(customer, lambda t: bool(HANDED_OFF.search(t)), 30_000)

    # the handoff reaches the agent's queue without a reload (other tests' handoffs may wait
    # there too: find this customer's by what they said)
    waiting = stack.casedesk("GET", "/api/handoffs", params={"status": "waiting"}).json()["items"]
    (mine,) = [h for h in waiting if "找记者曝光" in (h["case"].get("summary") or "")]
    assert mine["reason"] == "media" and mine["channel"] == "web"
    row = agent.locator(f'#queue-rows tr[data-id="{mine["id"]}"]')
    row.wait_for(timeout=5_000)
    assert "媒体曝光" in row.inner_text()
    row.locator("button.claim").click()
    agent.wait_for_url(re.compile(r".*/console/handoffs/\d+\?msg=claimed"))

    # what the customer writes now reaches the agent, and markup stays text
    box.fill("<script>alert(1)</script> 人呢？")
    box.press("Enter")
    customer.locator(".rw-client").filter(has_text="人呢").first.wait_for(timeout=10_000)
    said = agent.locator("#transcript .turn.role-customer .text").filter(has_text="alert(1)")
    said.first.wait_for(timeout=5_000)
    assert said.first.inner_text().startswith("<script>")
    assert agent.locator("#transcript script").count() == 0

    reply = "您好，我是客服李娜，年费的问题我马上帮您核实。"
    agent.fill("#reply-text", reply)
    agent.click("#reply-btn")
    wait_for_response(customer, lambda t: reply in t)

    agent.click("#release-btn")
    agent.wait_for_url(re.compile(r".*\?msg=released"))
    wait_for_response(customer, lambda t: bool(re.search(r"由我继续|处理完毕", t)))
    customer.screenshot(path=str(stack.workdir / "console-e2e-customer.png"), full_page=True)
    agent.screenshot(path=str(stack.workdir / "console-e2e-agent.png"), full_page=True)
    assert dialogs == []
