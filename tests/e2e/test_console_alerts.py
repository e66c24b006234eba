"""Queue alerts (issue 15) in headless Chromium on the real stack: an agent and a supervisor.

A customer threatens the media over the REST channel; Rasa and the action server hand them off
to the case desk. The agent's queue chimes (Web Audio), raises a desktop notification — asked
for only when the agent clicks 开启桌面提醒 — counts the waiting handoffs in the tab title and
shows the customer's last message, masked and cut short. The supervisor watches through a
second case-desk instance on the same database (as behind a load balancer) whose wait limit
for threats is 15 seconds: the handoff appears there first without an alert, then, once it has
waited too long, with the banner, the chime and a notification on the queue and supervisor
pages. Every wait is for an event in the page; nothing sleeps for a fixed time.

window.Notification is replaced by a recorder (it reports "default" until the page asks, and
asks the browser, whose context has the permission granted); oscillators are recorded as they
start. Screenshots: /tmp/shots/alerts_*.png, desktop and 390 px wide.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.e2e.console_browser import PASSWORD, create_console_user
from tests.stack import ROOT, free_port

playwright = pytest.importorskip("playwright.sync_api")

SHOTS = Path("/tmp/shots")
HANDED_OFF = re.compile(r"转接?人工|人工客服")
THREAT_LIMIT_MINUTES = "0.25"  # 15 s on the supervisors' desk: long enough to see it come
TITLE_COUNT = re.compile(r"^\((\d+)\) 转人工队列 · 投诉受理坐席控制台$")
# codes the pages must never show as text
RAW_CODES = re.compile(
    r"\b(media|regulator|violence|self_harm|anger|human|waiting|active|closed|"
    r"true|false|null|undefined|None|NaN|queue:\w+)\b"
)

RECORDERS = """
(() => {
  const calls = [], asks = [], tones = [];
  const Real = window.Notification;
  let permission = "default";  // what a browser reports before the site has asked
  class Recorded {
    constructor(title, options) {
      options = options || {};
      calls.push({ title: title, body: options.body || "", tag: options.tag || "" });
      this.onclick = null;
    }
    close() {}
  }
  Object.defineProperty(Recorded, "permission", { get: () => permission });
  Recorded.requestPermission = (callback) => {
    asks.push(Date.now());
    return Real.requestPermission().then((p) => {
      permission = p;
      if (callback) { callback(p); }
      return p;
    });
  };
  window.Notification = Recorded;
  const Ctx = window.AudioContext;
  const createOscillator = Ctx.prototype.createOscillator;
  Ctx.prototype.createOscillator = function () {
    const osc = createOscillator.call(this);
    const ctx = this;
    let freq = 0;
    const setValueAtTime = osc.frequency.setValueAtTime.bind(osc.frequency);
    osc.frequency.setValueAtTime = (value, at) => { freq = value; return setValueAtTime(value, at); };
    const start = osc.start.bind(osc);
    osc.start = (at) => { tones.push({ freq: freq, state: ctx.state }); return start(at); };
    return osc;
  };
  window.__alerts = { calls: calls, asks: asks, tones: tones };
})();
"""


@contextmanager
def supervisors_desk(stack) -> Iterator[str]:
    """A second case desk on the stack's database with a short wait limit. Its sync loop is off:
    the stack's desk copies customer messages for both."""
    port = free_port()
    log_path = stack.workdir / "casedesk-alerts.log"
    env = {
        **stack.env, "CASEDESK_PORT": str(port), "CASEDESK_HANDOFF_SYNC_SECONDS": "0",
        "CASEDESK_HANDOFF_ALERT_THREAT_MINUTES": THREAT_LIMIT_MINUTES,
        "CASEDESK_HANDOFF_ALERT_OTHER_MINUTES": "0.5",
    }
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            ["bash", str(ROOT / "scripts/serve.sh"), "casedesk"], cwd=ROOT, env=env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:  # readiness, as tests/stack.py waits for its processes
            assert proc.poll() is None, log_path.read_text(errors="replace")[-3000:]
            try:
                if requests.get(f"{url}/healthz", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "the supervisors' case desk did not start"
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def new_context(browser):
    context = browser.new_context(
        locale="zh-CN", permissions=["notifications"], viewport={"width": 1366, "height": 900}
    )
    context.add_init_script(RECORDERS)
    return context


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/console")


def recorded(page) -> dict:
    return page.evaluate("window.__alerts")


def turn_on_notifications(page) -> None:
    """The permission is asked for on the click of 开启桌面提醒, never before."""
    button = page.locator("#notify-btn")
    button.wait_for(state="visible")
    assert button.inner_text() == "开启桌面提醒"
    assert recorded(page)["asks"] == []
    button.click()
    page.locator("#notify-state").filter(has_text="桌面提醒已开启").wait_for()
    assert button.is_hidden()
    assert len(recorded(page)["asks"]) == 1


def stream_up(page) -> None:
    # the limits sentence comes with the stream's first snapshot
    page.locator("#wait-limits").filter(has_text="等待时限").wait_for(timeout=10_000)


def wait_for_notification(page, tag: str, timeout_ms: int = 10_000) -> dict:
    page.wait_for_function(
        "tag => window.__alerts.calls.some(c => c.tag === tag)", arg=tag, timeout=timeout_ms
    )
    return next(c for c in recorded(page)["calls"] if c["tag"] == tag)


def wait_for_tone(page, freq: int, timeout_ms: int = 10_000) -> None:
    page.wait_for_function(
        "f => window.__alerts.tones.some(t => t.freq === f && t.state === 'running')",
        arg=freq, timeout=timeout_ms,
    )


def assert_no_raw_code(page) -> None:
    text = page.locator("body").inner_text()
    found = RAW_CODES.findall(text)
    assert not found, f"{page.url} shows codes {found}"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"alerts_{name}.png"), full_page=True)


def test_new_and_overlong_handoffs_alert_agent_and_supervisor(stack, browser):
    suffix = f"{os.getpid() % 1000}{int(time.time()) % 10000}"
    agent_name, supervisor_name = f"al{suffix}", f"zs{suffix}"
    create_console_user(stack, agent_name, "agent", "李娜")
    create_console_user(stack, supervisor_name, "supervisor", "赵敏")
    handoff_id = None

    with supervisors_desk(stack) as desk:
        agent_ctx, sup_ctx = new_context(browser), new_context(browser)
        try:
            agent = agent_ctx.new_page()
            sign_in(agent, stack.casedesk_url, agent_name)
            turn_on_notifications(agent)
            stream_up(agent)
            assert agent.locator("#wait-alerts").count() == 0  # the banner is the supervisors'

            queue = sup_ctx.new_page()
            sign_in(queue, desk, supervisor_name)
            turn_on_notifications(queue)
            stream_up(queue)
            board = sup_ctx.new_page()
            board.goto(f"{desk}/console/supervisor")
            turn_on_notifications(board)
            stream_up(board)
            assert "3 分钟" in agent.locator("#wait-limits").inner_text()  # the default
            assert "15 秒" in board.locator("#wait-limits").inner_text()

            # -- a customer threatens the media; the bot hands them off
            sender = stack.new_sender("alert")
            said = "我的手机号是13812345678，你们乱扣我年费还不给解释，再不处理我就找记者曝光你们！"
            replies = stack.say(sender, said)
            assert any(HANDED_OFF.search(r) for r in replies), replies
            conversation = stack.conversation_id(sender)
            waiting = stack.casedesk("GET", "/api/handoffs", params={"status": "waiting"}).json()["items"]
            (mine,) = [h for h in waiting if h["conversation_id"] == conversation]
            handoff_id, case_no = mine["id"], mine["case_no"]
            assert mine["reason"] == "media"

            # the supervisors' pages show it at once, not yet as waiting too long
            board_row = board.locator(f'#sup-waiting-rows tr[data-id="{handoff_id}"]')
            board_row.wait_for(timeout=5_000)
            queue_row = queue.locator(f'#queue-rows tr[data-id="{handoff_id}"]')
            queue_row.wait_for(timeout=5_000)
            assert board_row.locator(".late").count() == 0 and queue_row.locator(".late").count() == 0

            # -- the agent: row with the masked, shortened preview; count in the title; chime;
            # notification
            row = agent.locator(f'#queue-rows tr[data-id="{handoff_id}"]')
            row.wait_for(timeout=5_000)
            preview = row.locator("td.preview").inner_text()
            assert preview.startswith("我的手机号是138****5678，你们乱扣我年费")
            assert preview.endswith("…") and len(preview) == 40
            assert "13812345678" not in agent.content()
            assert "媒体曝光" in row.inner_text()

            agent.wait_for_function(
                "() => /^\\(\\d+\\) /.test(document.title) && document.title.startsWith("
                "'(' + document.querySelectorAll('#queue-rows tr.waiting').length + ')')"
            )
            count = int(TITLE_COUNT.match(agent.title()).group(1))
            now_waiting = stack.casedesk("GET", "/api/handoffs", params={"status": "waiting"}).json()["total"]
            assert count == now_waiting >= 1

            note = wait_for_notification(agent, f"handoff-new-{handoff_id}")
            assert note["title"] == "新的转人工请求：媒体曝光"
            assert case_no in note["body"] and "客户：我的手机号是138****5678" in note["body"]
            assert "13812345678" not in note["body"]
            wait_for_tone(agent, 880)
            assert_no_raw_code(agent)
            agent.locator(f'#queue-rows tr[data-id="{handoff_id}"] td.preview').scroll_into_view_if_needed()
            shoot(agent, "agent_queue_desktop")

            # -- 15 s later, still unclaimed: the supervisor is alerted on both pages
            for page in (board, queue):
                banner = page.locator("#wait-alerts")
                banner.filter(has_text=case_no).wait_for(timeout=45_000)
                text = banner.inner_text()
                assert "转人工会话等待过久" in text and "媒体曝光" in text and "时限 15 秒" in text
                late_note = wait_for_notification(page, f"handoff-late-{handoff_id}")
                assert late_note["title"] == "转人工等待过久：媒体曝光"
                assert late_note["body"] == f"{case_no} 已等待超过 15 秒，仍无人接入"
                wait_for_tone(page, 988)
                assert_no_raw_code(page)
            assert board_row.locator(".late").inner_text() == "等待过久"
            assert queue_row.locator(".late").inner_text() == "等待过久"
            assert re.match(r"^\(\d+\) 主管视图 · 投诉受理坐席控制台$", board.title())
            assert board.locator("#count-waiting").inner_text() == str(count)
            # the agent's desk keeps the default 3 minutes, and agents get no banner at all
            assert not any(c["tag"].startswith("handoff-late") for c in recorded(agent)["calls"])

            shoot(queue, "queue_desktop")
            shoot(board, "supervisor_desktop")
            for page in (queue, board, agent):
                page.set_viewport_size({"width": 390, "height": 844})
            shoot(queue, "queue_390")
            shoot(board, "supervisor_390")
            shoot(agent, "agent_queue_390")
            for page in (queue, board):
                # nothing wider than the phone: the rows became cards
                assert page.evaluate("document.documentElement.scrollWidth") <= 390
        finally:
            agent_ctx.close()
            sup_ctx.close()
            if handoff_id is not None:
                # leave no waiting handoff behind for the other tests of this stack
                stack.casedesk("POST", f"/api/handoffs/{handoff_id}/close", headers={"X-Actor": agent_name})
