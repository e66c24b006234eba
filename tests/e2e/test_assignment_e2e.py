"""自动分配 on the real stack (issue 15), in headless Chromium: an agent switches to 在线 in the
header and keeps the queue page open; a customer asks the real Rasa for a person; the desk gives
the handoff to that agent by itself, the customer is greeted by the agent's name, and the agent's
page announces it and shows it as theirs in the queue and in 坐席状态; in the workspace the agent
replies from the keyboard (the shortcuts). At the end the agent goes 离开, so no other test's
handoff is given away.

ASSIGNMENT_SHOTS=/tmp/assignment_shots saves screenshots of the queue page and the workspace at
1280 and 390 px."""
from __future__ import annotations

import os
import re
import time

import pytest

from tests.e2e.console_browser import create_console_user, shoot, sign_in, wait_said

playwright = pytest.importorskip("playwright.sync_api")

SHOTS = os.environ.get("ASSIGNMENT_SHOTS")


def test_a_handoff_goes_by_itself_to_the_agent_who_is_online(stack, browser):
    suffix = f"{os.getpid() % 10000}{int(time.time()) % 1000}"
    agent, name = f"asg{suffix}", f"赵磊{suffix[-2:]}"
    create_console_user(stack, agent, "agent", name)
    page = sign_in(browser, stack, agent)
    handoff = None
    try:
        page.goto(f"{stack.casedesk_url}/console")
        assert page.locator("#presence-select").input_value() == "away"  # everyone starts 离开
        # the choice takes effect at once: the form is sent on change, the page comes back
        with page.expect_navigation():
            page.select_option("#presence-select", "online")
        assert page.locator("#presence-select").input_value() == "online"
        page.locator("#team-rows", has_text=name).wait_for(timeout=15_000)

        sender = stack.new_sender("assign")
        replies = stack.say(sender, "我要投诉信用卡年费乱收，我叫钱卫东，麻烦转人工客服")
        assert any(re.search(r"转接?人工|人工客服", r) for r in replies), replies
        (handoff,) = stack.casedesk("GET", "/api/handoffs",
                                    params={"conversation_id": stack.conversation_id(sender)}).json()["items"]

        # the agent's page announces what the desk gave them, with a link to it
        note = page.locator("#assigned-note")
        note.wait_for(state="visible", timeout=30_000)
        assert "已为您分配新的会话" in note.inner_text() and handoff["case_no"] in note.inner_text()
        wait_said(stack, sender, f"我是客服{name}，接下来由我为您服务")
        row = page.locator(f"#queue-rows tr[data-id='{handoff['id']}']")
        assert "处理中" in row.inner_text() and name in row.inner_text()
        page.locator("#team-rows tr", has_text=name).filter(has_text="1 / ").wait_for(timeout=30_000)
        assert "在线" in page.locator("#team-rows tr", has_text=name).inner_text()
        shoot(page, SHOTS, "queue_assigned")

        # the workspace is the agent's: a reply reaches the customer without 接入, typed and sent
        # from the keyboard (Alt+N the note box, Alt+R the reply box, Ctrl+Enter sends)
        # (the link loads the workspace: keys pressed before it has loaded reach no page)
        with page.expect_navigation():
            page.click("#assigned-note a")
        page.locator("#note-text").wait_for(timeout=15_000)
        page.keyboard.press("Alt+N")
        assert page.evaluate("document.activeElement.id") == "note-text"
        page.keyboard.press("Alt+R")
        assert page.evaluate("document.activeElement.id") == "reply-text"
        page.keyboard.type("钱先生您好，年费的问题我来帮您核实。")
        page.keyboard.press("Control+Enter")
        wait_said(stack, sender, "年费的问题我来帮您核实")
        page.locator("#transcript", has_text="年费的问题我来帮您核实").wait_for(timeout=15_000)
        assert page.locator("#reply-text").input_value() == ""
        shoot(page, SHOTS, "workspace_shortcuts")
    finally:
        page.goto(f"{stack.casedesk_url}/console")
        with page.expect_navigation():
            page.select_option("#presence-select", "away")
        if handoff is not None:
            stack.casedesk("POST", f"/api/handoffs/{handoff['id']}/close", headers={"X-Actor": agent})
