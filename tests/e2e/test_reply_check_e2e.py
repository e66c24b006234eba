"""质检 before sending on the real stack (issue 15), in headless Chromium: a customer's media
threat is handed off by the real Rasa; the agent's promise of compensation is blocked next to
the reply box with a Chinese reason (rule and words), the text stays in the box and the customer
gets nothing; a clean reply reaches the customer; the agent asks for release, a supervisor lets
it through from the 回复质检 page with a reason, the customer gets it, the agent's page follows,
and the page's figures and list (and the audit log) show who, when and why.

QC_SHOTS=/tmp/qc_shots saves screenshots of the workspace and the 回复质检 page at 1280 and 390 px."""
from __future__ import annotations

import os
import re
import sqlite3
import time

import pytest

from tests.e2e.console_browser import create_console_user, said_to_customer, shoot, sign_in, wait_said

playwright = pytest.importorskip("playwright.sync_api")

THREAT = "你们乱扣我的年费，再不处理我就找记者曝光你们！"
PROMISE = "您放心，我们保证全额赔偿您的损失。"
CLEAN = "非常抱歉给您带来不便，您的诉求我已记录，我们会在15日内给您答复。"
REASON = "已核实：客户与网点已签署赔偿协议，按协议告知"
SHOTS = os.environ.get("QC_SHOTS")






def figure(page, name: str) -> int:
    return int(page.locator(f"#fig-{name}").inner_text())


def test_a_promise_is_blocked_and_a_supervisor_lets_it_through(stack, browser):
    suffix = f"{os.getpid() % 10000}{int(time.time()) % 1000}"
    agent_name, boss_name = f"qcagent{suffix}", f"qcboss{suffix}"
    create_console_user(stack, agent_name, "agent", "李娜")
    create_console_user(stack, boss_name, "supervisor", "赵主管")

    sender = stack.new_sender("qc")
    replies = stack.say(sender, THREAT)
    assert any(re.search(r"转接?人工|人工客服", r) for r in replies), replies
    (handoff,) = stack.casedesk("GET", "/api/handoffs",
                                params={"conversation_id": stack.conversation_id(sender)}).json()["items"]

    boss = sign_in(browser, stack, boss_name)
    boss.goto(f"{stack.casedesk_url}/console/reply-checks")
    blocked_before = figure(boss, "blocked")
    released_before = figure(boss, "released")

    agent = sign_in(browser, stack, agent_name)
    agent.goto(f"{stack.casedesk_url}/console/handoffs/{handoff['id']}")
    agent.click("#claim-btn")
    agent.wait_for_url(re.compile(r".*\?msg=claimed"))

    # 1. a promise: not sent, why in Chinese beside the box, the text kept
    agent.fill("#reply-text", PROMISE)
    agent.click("#reply-btn")
    box = agent.locator("#reply-check")
    box.wait_for(state="visible", timeout=5_000)
    assert "未发送：这条回复未通过发送前质检（承诺赔偿或处理结果）" in box.inner_text()
    assert agent.locator("#reply-check-findings mark.hit").all_inner_texts() == ["保证全额赔"]
    assert "15日内" in agent.locator("#reply-check-findings .advice").inner_text()
    assert agent.input_value("#reply-text") == PROMISE
    assert agent.locator("#reply-request-form").is_visible()
    assert not agent.locator("#reply-release-form").is_visible()  # agents ask, supervisors release
    # nothing of it in the transcript (the only agent line is the greeting the claim sent)
    assert agent.locator("#transcript .turn.role-agent .text").filter(has_text="保证全额赔").count() == 0
    assert agent.locator("#transcript .turn.role-agent").count() == 1
    shoot(agent, SHOTS, "qc_blocked")
    assert PROMISE not in said_to_customer(stack, sender)

    # 2. a clean reply goes through and hides the box
    agent.fill("#reply-text", CLEAN)
    agent.click("#reply-btn")
    agent.locator("#transcript .turn.role-agent .text").filter(has_text="15日内").wait_for(timeout=5_000)
    assert not box.is_visible() and agent.input_value("#reply-text") == ""
    wait_said(stack, sender, CLEAN)

    # 3. the promise again; the agent asks for release
    agent.fill("#reply-text", PROMISE)
    agent.click("#reply-btn")
    box.wait_for(state="visible", timeout=5_000)
    agent.fill("#reply-request-note", "客户坚持要书面确认赔偿协议的内容")
    agent.click("#reply-request-btn")
    state = agent.locator("#reply-check-state")
    state.filter(has_text="已申请主管放行").wait_for(timeout=5_000)
    assert agent.input_value("#reply-text") == PROMISE

    # 4. the supervisor lets it through with a reason from the 回复质检 page
    boss.goto(f"{stack.casedesk_url}/console/reply-checks")
    item = boss.locator("#pending-releases .reply-check-item").filter(has_text=PROMISE)
    assert item.count() == 1
    assert "客户坚持要书面确认赔偿协议的内容" in item.inner_text()
    assert figure(boss, "blocked") == blocked_before + 2
    shoot(boss, SHOTS, "qc_quality_pending")
    item.locator("input[name=reason]").fill(REASON)
    item.locator("button.release-btn").click()
    boss.wait_for_url(re.compile(r".*/console/reply-checks\?msg=reply_released"))
    assert "已放行" in boss.locator(".notice").inner_text()
    wait_said(stack, sender, PROMISE)

    # 5. the agent's page follows: released, the box emptied, the note in the transcript
    state.filter(has_text="已放行").wait_for(timeout=10_000)
    assert REASON in state.inner_text()
    assert agent.input_value("#reply-text") == ""
    agent.reload()
    notes = agent.locator("#transcript .turn.role-note .text").filter(has_text="质检放行")
    assert REASON in notes.first.inner_text()
    assert agent.locator("#transcript .turn.role-agent .text").filter(has_text="保证全额赔偿").count() == 1
    assert agent.locator("#reply-checks").is_hidden()  # nothing waits for a supervisor any more
    shoot(agent, SHOTS, "qc_released")

    # 6. the record: figures, who, when and why; the audit log
    boss.goto(f"{stack.casedesk_url}/console/reply-checks")
    assert figure(boss, "released") == released_before + 1
    row = boss.locator("#latest-blocks tr").filter(has_text=REASON)
    assert row.count() == 1
    text = row.inner_text()
    assert "主管已放行" in text and "赵主管" in text and "李娜" in text and "承诺赔偿或处理结果" in text
    shoot(boss, SHOTS, "qc_quality_released")
    if stack.backend == "sqlite":
        with sqlite3.connect(stack.workdir / "casedesk.db") as conn:
            actions = [a for (a,) in conn.execute(
                "SELECT action FROM audit_log WHERE case_no = ? AND action LIKE 'reply.%' ORDER BY id",
                (handoff["case_no"],))]
            detail = conn.execute(
                "SELECT actor, detail FROM audit_log WHERE case_no = ? AND action = 'reply.release'",
                (handoff["case_no"],)).fetchone()
        assert actions == ["reply.blocked", "reply.blocked", "reply.release_request", "reply.release"]
        assert detail[0] == boss_name and REASON in detail[1]
