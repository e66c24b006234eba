"""The console in Debian's headless Chromium against a real `python -m bot.casedesk` process and
a fake Rasa on loopback: sign in, a new handoff appears live, customer markup stays text, a reply
reaches Rasa, the conversation goes back to the bot."""
from __future__ import annotations

import pytest
import requests

from tests.casedesk.helpers import TOKEN

from .helpers import PASSWORD, handoff_body

# the `desk` (a real case-desk process and a fake Rasa) and `page` (Debian's Chromium)
# fixtures are in conftest.py, shared with the case list's browser test
playwright = pytest.importorskip("playwright.sync_api")

SCRIPT = "<script>alert(1)</script>"


def test_agent_takes_a_handoff_in_the_browser(desk: dict, page) -> None:
    url, rasa = desk["url"], desk["rasa"]
    dialogs, csp_errors = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto(f"{url}/console")
    assert page.url.endswith("/console/login?next=/console")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/console")
    page.locator("#live-state").wait_for()
    page.wait_for_timeout(500)  # the event stream is open

    body = handoff_body("media", transcript=[{"role": "customer", "text": "我要曝光你们！"}])
    resp = requests.post(f"{url}/api/handoffs", json=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert resp.status_code == 201, resp.text
    handoff = resp.json()
    row = page.locator(f'#queue-rows tr[data-id="{handoff["id"]}"]')
    row.wait_for()  # live, without a reload (how fast: bench/console_case_list_bench.py)
    assert "媒体曝光" in row.inner_text() and handoff["case_no"] in row.inner_text()
    assert "138****5678" in row.inner_text()

    row.locator("button.claim").click()
    page.wait_for_url(f"{url}/console/handoffs/{handoff['id']}?msg=claimed")
    assert page.locator("#handoff-status").inner_text() == "处理中"

    rasa.customer_says(body["conversation_id"], SCRIPT)
    customer = page.locator("#transcript .turn.role-customer .text").filter(has_text="alert(1)")
    customer.wait_for(timeout=5000)
    assert customer.inner_text() == SCRIPT  # shown as text: no element was created from it
    assert page.locator("#transcript script").count() == 0

    page.fill("#reply-text", "您好，我是客服王明，非常理解您的心情。")
    page.click("#reply-btn")
    page.locator("#transcript .turn.role-agent").filter(has_text="非常理解您的心情").wait_for(timeout=5000)
    sent = [c["body"][0]["text"] for c in rasa.posted(body["conversation_id"], "tracker/events")]
    # the customer was greeted by the agent's name at the claim, then got the reply
    assert sent == ["您好，我是客服王明，接下来由我为您服务，请问有什么可以帮您？", "您好，我是客服王明，非常理解您的心情。"]

    page.click("#release-btn")
    page.wait_for_url(f"{url}/console/handoffs/{handoff['id']}?msg=released")
    assert "已结束" in page.locator("#handoff-status").inner_text()
    assert rasa.posted(body["conversation_id"], "execute")[-1]["body"] == {"name": "utter_handoff_released"}
    page.screenshot(path=str(desk["workdir"] / "console.png"), full_page=True)

    assert dialogs == []
    assert csp_errors == []
