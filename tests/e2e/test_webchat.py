"""The web chat page at /chat, in Debian's headless Chromium, against the real stack."""
from __future__ import annotations

import re
import time

import pytest

from tests.e2e.conftest import first_backend_only
from tests.e2e.dialogue import CASE_NO, topic_of

playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

ANSWERS = {
    "customer_name": "我姓周，周杰",
    "phone": "13811112222",
    "branch": "朝阳路支行",
    "occurred_at": "今天上午十点",
    "amount": "八百元",
    "demand": "希望给我一个解释",
    "confirm": "确认",
}


@pytest.fixture()
def page():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser.new_page(locale="zh-CN")
        finally:
            browser.close()


def bot_texts(page) -> list[str]:
    return page.locator(".rw-response").all_inner_texts()


def test_customer_files_a_complaint_in_the_web_chat(stack, page):
    first_backend_only(stack)
    # the page's Content-Security-Policy must not block the widget (its script, Rasa's
    # socket.io); the only thing it refuses is the widget's Google Fonts stylesheet
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{stack.casedesk_url}/chat")
    assert "投诉" in page.title()
    box = page.locator(".rw-new-message")
    box.wait_for(timeout=30_000)
    # the page greets first (initPayload /greet): the session is up once the greeting is shown
    page.wait_for_function(
        "() => [...document.querySelectorAll('.rw-response')].some(e => e.innerText.includes('您好'))",
        timeout=30_000)

    def send(text: str) -> list[str]:
        before = len(bot_texts(page))
        box.fill(text)
        box.press("Enter")
        page.wait_for_function(
            "n => document.querySelectorAll('.rw-response').length > n", arg=before, timeout=30_000)
        # The widget reveals a turn's messages one by one with a typing delay; the turn is
        # complete once nothing has changed for a while.
        seen, stable_since = None, time.monotonic()
        while time.monotonic() - stable_since < 2.0:
            page.wait_for_timeout(200)
            texts = bot_texts(page)
            if texts != seen or not all(t.strip() for t in texts[before:]):
                seen, stable_since = texts, time.monotonic()
        return seen[before:]

    replies = send("您好，我在你们ATM取钱，钱没出来但是卡里扣了八百块！")
    assert re.search(r"抱歉|理解|不便", replies[0]), replies
    for _ in range(12):
        joined = "\n".join(replies)
        if CASE_NO.search(joined):
            break
        topic = topic_of(replies[-1])
        assert topic in ANSWERS, replies
        if topic == "confirm":
            # the read-back is a list, one field a line, as the customer sees it (innerText
            # follows the page's CSS: collapsed whitespace would put it all on one line)
            (read_back,) = [r for r in replies if "投诉类型" in r]
            assert re.search(r"\n\s*姓名：", read_back) and re.search(r"\n\s*联系电话：", read_back), read_back
        replies = send(ANSWERS[topic])
    case_no = CASE_NO.search("\n".join(replies)).group(0)
    assert [m for m in refused if "fonts.googleapis.com" not in m] == [], refused
    page.screenshot(path=str(stack.workdir / "webchat.png"), full_page=True)

    r = stack.casedesk("GET", f"/api/cases/{case_no}")
    assert r.status_code == 200
    assert r.json()["channel"] == "web"
