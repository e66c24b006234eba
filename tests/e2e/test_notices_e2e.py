"""Customer notices on the real stack (issue 14), in Debian's headless Chromium.

A customer files a complaint in the web chat; the desk extends its deadline to 30 days (a
supervisor's approval, with a reason), pauses the clock for an external appraisal, resumes it and
records the decision, all through the API. The customer closes the tab, comes back, and finds the
same conversation (the widget's session in localStorage) and every notice — 受理, 延期 with the
reason and the new date, 暂停, 恢复计时, 决定, 回访 — and again after closing and reopening once more.
The customer taps the 回访 button, scores the handling and leaves a comment with a phone number in
it; the case page in the console shows the score and the comment, the number masked. Another
customer's browser sees none of the notices.

Screenshots of the chat page at 1280 and 390 px go to NOTICES_SHOTS (default /tmp/notices_shots).
"""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from tests.e2e.console_browser import CHROMIUM, FLAGS, create_console_user, sign_in
from tests.e2e.conftest import first_backend_only
from tests.e2e.dialogue import CASE_NO, topic_of

playwright = pytest.importorskip("playwright.sync_api")

ANSWERS = {
    "customer_name": "我姓孙，孙丽",
    "phone": "13822223333",
    "branch": "朝阳路支行",
    "occurred_at": "昨天下午三点",
    "amount": "一千二百元",
    "demand": "希望查明原因并给我一个说法",
    "confirm": "确认",
}
EXTEND_REASON = "需向发卡机构调取交易凭证"
PAUSE_REASON = "送司法鉴定中心鉴定签名真伪"
# the 回访 comes with the decision on the test stack (CASEDESK_SURVEY_AFTER_DAYS=0, tests/stack.py)
KINDS = ["accepted", "extended", "paused", "resumed", "decided", "survey"]


def shots() -> Path:
    folder = Path(os.environ.get("NOTICES_SHOTS") or "/tmp/notices_shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def bot_texts(page) -> list[str]:
    return page.locator(".rw-response").all_inner_texts()


def send(page, text: str) -> list[str]:
    box = page.locator(".rw-new-message")
    before = len(bot_texts(page))
    box.fill(text)
    box.press("Enter")
    page.wait_for_function("n => document.querySelectorAll('.rw-response').length > n", arg=before, timeout=30_000)
    # the widget reveals a turn's messages one by one: the turn is over once nothing changes
    seen, stable_since = None, time.monotonic()
    while time.monotonic() - stable_since < 2.0:
        page.wait_for_timeout(200)
        texts = bot_texts(page)
        if texts != seen or not all(t.strip() for t in texts[before:]):
            seen, stable_since = texts, time.monotonic()
    return seen[before:]


def open_chat(context, stack):
    page = context.new_page()
    page.goto(f"{stack.casedesk_url}/chat")
    page.locator(".rw-new-message").wait_for(timeout=30_000)
    return page


def session_of(page) -> str:
    return page.evaluate("() => JSON.parse(localStorage.getItem('chat_session') || '{}').session_id || ''")


def file_in_chat(page) -> str:
    page.wait_for_function(
        "() => [...document.querySelectorAll('.rw-response')].some(e => e.innerText.includes('您好'))", timeout=30_000)
    replies = send(page, "我的银行卡昨天被人在外地刷了一千二百元，我本人一直在北京，卡也在身上！")
    for _ in range(14):
        found = CASE_NO.search("\n".join(replies))
        if found:
            return found.group(0)
        topic = topic_of(replies[-1] if replies else "")
        assert topic in ANSWERS, replies
        replies = send(page, ANSWERS[topic])
    raise AssertionError(replies)


def notice_items(page, count: int):
    page.wait_for_function("n => document.querySelectorAll('#notice-list li').length >= n", arg=count, timeout=30_000)
    return page.locator("#notice-list li")


def test_the_customer_sees_every_notice_after_closing_and_reopening_the_chat(stack):
    first_backend_only(stack)
    suffix = f"{os.getpid() % 10000}{int(time.time()) % 1000}"
    boss = f"notice{suffix}"
    create_console_user(stack, boss, "supervisor", "赵敏")
    folder = shots()

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page = open_chat(context, stack)
            case_no = file_in_chat(page)
            session = session_of(page)
            assert re.fullmatch(r"[0-9a-f]{32}|[0-9a-f-]{36}", session), session
            # the conversation is kept in localStorage, not sessionStorage
            assert page.evaluate("() => sessionStorage.getItem('chat_session')") is None
            case = stack.casedesk("GET", f"/api/cases/{case_no}").json()
            assert (case["channel"], case["conversation_id"]) == ("web", session)
            page.close()

            # the desk works the case: 调查, 延期 to 30 days, 暂停, 恢复计时, 决定
            def step(method: str, path: str, body=None, expect: int = 201):
                r = stack.casedesk(method, f"/api/cases/{case_no}{path}", json=body, headers={"X-Actor": boss})
                assert r.status_code == expect, r.text
                return r.json()

            step("PATCH", "", {"status": "in_progress"}, expect=200)
            extended = step("POST", "/extensions", {"days": 30, "reason": EXTEND_REASON, "approved_by": boss})
            step("POST", "/pause", {"reason": PAUSE_REASON})
            step("POST", "/pause/end", {"note": "鉴定结论已收到"}, expect=200)
            step("POST", "/decision", {"outcome": "partly_supported", "liability": "shared",
                                       "reasons": "经调取交易凭证核实，双方均有责任，具体由专人向客户说明。"})
            due = extended["extensions"][0]["new_due_at"][:10]
            y, m, d = (int(x) for x in due.split("-"))

            # the customer comes back: same conversation, every notice, the new ones marked 新
            page = open_chat(context, stack)
            assert session_of(page) == session
            items = notice_items(page, len(KINDS))
            assert page.locator("#notices").get_attribute("open") is not None
            assert page.locator("#notice-list li.notice-new").count() == len(KINDS)
            # newest first
            kinds = [items.nth(i).get_attribute("data-kind") for i in range(items.count())]
            assert kinds == list(reversed(KINDS))
            texts = dict(zip(kinds, items.all_inner_texts()))
            assert all(case_no in t for t in texts.values())
            assert "您的投诉已受理" in texts["accepted"]
            assert f"{y}年{m}月{d}日" in texts["extended"] and EXTEND_REASON in texts["extended"]
            assert PAUSE_REASON in texts["paused"] and "暂停计算处理期限" in texts["paused"]
            assert "部分支持您的诉求" in texts["decided"] and "申请核查" in texts["decided"]
            assert "1–5 分" in texts["survey"] and "/survey/" not in texts["survey"]
            assert f"{len(KINDS)} 条通知" in page.locator("#notices-count").inner_text()
            # the earlier conversation is still in the widget
            assert any(case_no in t for t in bot_texts(page))
            page.wait_for_timeout(500)
            page.screenshot(path=str(folder / "notices_1280.png"), full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            page.wait_for_timeout(300)
            page.screenshot(path=str(folder / "notices_390.png"), full_page=True)

            # 回访: the button opens the survey; a score and a comment land on the case
            with context.expect_page() as opened:
                page.locator("#notice-list li[data-kind=survey] a.notice-link", has_text="填写回访问卷").click()
            survey = opened.value
            survey.wait_for_load_state()
            assert case_no in survey.locator("header").inner_text()
            assert "您对这次投诉的处理满意吗" in survey.locator("main").inner_text()
            survey.set_viewport_size({"width": 390, "height": 844})
            survey.screenshot(path=str(folder / "survey_390.png"), full_page=True)
            survey.set_viewport_size({"width": 1280, "height": 900})
            survey.screenshot(path=str(folder / "survey_1280.png"), full_page=True)
            survey.locator("button[type=submit]").click()  # no score yet: the browser asks for one
            assert survey.locator("#survey-thanks").count() == 0
            survey.locator("input[name=score][value='4']").check()
            survey.fill("#survey-comment", "处理还算及时，就是回电打到13822223333太晚了")
            survey.locator("button[type=submit]").click()
            survey.locator("#survey-thanks").wait_for(timeout=30_000)
            assert "4 分" in survey.locator("main").inner_text()
            survey.screenshot(path=str(folder / "survey_thanks_1280.png"), full_page=True)
            survey.close()
            page.close()
            history = stack.casedesk("GET", f"/api/cases/{case_no}").json()["history"]
            assert [(e["actor"], e["new_value"]) for e in history if e["kind"] == "survey_answer"] == [("customer", "4")]
            desk = sign_in(browser, stack, boss)
            desk.goto(f"{stack.casedesk_url}/console/cases/{case_no}")
            result = desk.locator("#survey-result").inner_text()
            assert "4 分" in result and "138****3333" in result and "13822223333" not in result
            desk.screenshot(path=str(folder / "survey_case_1280.png"), full_page=True)
            desk.close()

            # closed and reopened once more: the list is there from localStorage, no longer new
            page = open_chat(context, stack)
            items = notice_items(page, len(KINDS))
            page.wait_for_timeout(1500)
            assert items.count() == len(KINDS)
            assert page.locator("#notice-list li.notice-new").count() == 0
            stored = page.evaluate("() => JSON.parse(localStorage.getItem('casedesk_notices'))")
            assert stored["session_id"] == session and [n["kind"] for n in stored["items"]] == KINDS
            page.set_viewport_size({"width": 390, "height": 844})
            page.wait_for_timeout(300)
            page.screenshot(path=str(folder / "notices_reopened_390.png"), full_page=True)
            page.close()
            context.close()

            # another customer's browser: a session of its own, no notice of this case
            other = browser.new_context(locale="zh-CN")
            page = open_chat(other, stack)
            page.wait_for_function("() => !!localStorage.getItem('chat_session')", timeout=30_000)
            page.wait_for_timeout(3500)
            assert session_of(page) != session
            assert page.locator("#notices").is_hidden() and page.locator("#notice-list li").count() == 0
            other.close()
        finally:
            browser.close()

    # the desk answers a session only with its own notices
    import requests

    r = requests.post(f"{stack.casedesk_url}/chat/notices", json={"session_id": session}, timeout=10)
    assert r.status_code == 200 and [i["kind"] for i in r.json()["items"]] == KINDS
    r = requests.post(f"{stack.casedesk_url}/chat/notices", json={"session_id": "0" * 32}, timeout=10)
    assert r.status_code == 200 and r.json()["items"] == []
