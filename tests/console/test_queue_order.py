"""The live queue's order (issue 15): by the severity of the escalation reason
(domain.HANDOFF_SEVERITY), then the longest waiting first; a new handoff takes its place at
once, in the first render, the supervisor page, the event stream and the position quoted to the
customer alike."""
from __future__ import annotations

import re
from typing import Any, Dict, List

from bot.casedesk.handoffs import service as handoffs
from bot.casedesk.cases.case_rules import HANDOFF_SEVERITY, LEAST_SEVERE, HandoffReason, severity_of
from bot.casedesk.console import labels
from tests.casedesk.helpers import Clock

from .helpers import Console, queue_ids
from .test_console_pages import queue_json


def test_every_reason_has_a_severity_and_unknown_ones_go_last() -> None:
    assert set(HANDOFF_SEVERITY) == set(HandoffReason)
    ranks = [severity_of(r) for r in ("self_harm", "violence", "media", "regulator", "anger", "human")]
    assert ranks == sorted(ranks) and ranks[0] < ranks[1] < ranks[2] == ranks[3] < ranks[4] < ranks[5]
    assert severity_of("something_new") == severity_of(None) == LEAST_SEVERE > ranks[-1]
    assert labels.severity_order() == "自伤风险 › 暴力威胁 › 媒体曝光、监管投诉 › 情绪激动 › 要求人工"


async def _open_mixed(console: Console, clock: Clock) -> Dict[str, Any]:
    """Handoffs opened a minute apart, least severe first, so waiting time alone would put them
    in exactly the wrong order."""
    opened: Dict[str, Any] = {}
    for name, reason in (
        ("human_old", "human"), ("anger_old", "anger"), ("regulator_old", "regulator"),
        ("human_new", "human"), ("media_mid", "media"), ("anger_new", "anger"),
        ("violence", "violence"), ("regulator_new", "regulator"), ("self_harm", "self_harm"),
    ):
        opened[name] = await console.handoff(reason)
        clock.advance(seconds=60)
    return opened


EXPECTED = ["self_harm", "violence", "regulator_old", "media_mid", "regulator_new",
            "anger_old", "anger_new", "human_old", "human_new"]


async def test_queue_is_ordered_by_severity_then_waiting_time(console: Console, clock: Clock) -> None:
    opened = await _open_mixed(console, clock)
    # an active handoff stays below every waiting one, whatever its reason
    claimed = await console.handoff("self_harm")
    await console.user("wang")
    await console.login("wang")
    assert (await console.post(f"/console/handoffs/{claimed['id']}/claim")).status == 303

    status, page = await console.page("/console")
    assert status == 200
    items = queue_json(page)["items"]
    want = [opened[n]["id"] for n in EXPECTED] + [claimed["id"]]
    assert [i["id"] for i in items] == want
    assert [i["reason_label"] for i in items][:3] == ["自伤风险", "暴力威胁", "监管投诉"]
    assert "按风险程度排序（自伤风险 › 暴力威胁" in page

    # the position quoted to each waiting customer is their row in that same order
    for place, name in enumerate(EXPECTED, start=1):
        handoff = (await handoffs.get_handoff(console.db, opened[name]["id"])).handoff
        assert await handoffs.queue_position(console.db, handoff) == place, name

    # the supervisor page renders the same order on the server
    await console.user("zhao", "supervisor", display_name="赵敏")
    await console.login("zhao")
    _, supervisor = await console.page("/console/supervisor")
    shown = re.findall(r"/console/handoffs/(\d+)", supervisor)
    assert [int(i) for i in dict.fromkeys(shown)] == want


async def test_a_new_handoff_appears_in_its_place_not_at_the_bottom(console: Console, clock: Clock) -> None:
    older = [await console.handoff(r) for r in ("human", "anger", "media", "anger")]
    clock.advance(seconds=300)
    await console.user("wang")
    await console.login("wang")
    newcomer: List[Dict[str, Any]] = []

    async def open_violence_once(events: List[Any]) -> None:
        if not newcomer:
            newcomer.append(await console.handoff("violence"))

    events = await console.events(
        "/console/events", until=lambda ev: len(queue_ids(ev)) >= 2, on_event=open_violence_once
    )
    before, after = queue_ids(events)[:2]
    media, anger1, anger2, human = older[2]["id"], older[1]["id"], older[3]["id"], older[0]["id"]
    assert before == [media, anger1, anger2, human]
    # the newest handoff, yet first: a threat of violence outranks every reason before it
    assert after == [newcomer[0]["id"], media, anger1, anger2, human]
    assert newcomer[0]["position"] == 1
    status, answer = await console.api("GET", "/api/handoffs?status=waiting")
    assert [i["id"] for i in answer["items"]] == after


# ---------------------------------------------------------------------------------------------
# In the browser


def test_queue_order_and_customer_history_in_the_browser(desk: dict, page: Any) -> None:
    """A violence handoff arriving live lands above older, less severe ones (console.js keeps the
    server's order); the case page lists the customer's other cases. Screenshots of the case page
    at 1440 and 390 wide go to the desk's work directory."""
    import requests

    from tests.casedesk.helpers import TOKEN, case_payload

    from .helpers import PASSWORD, handoff_body

    url = desk["url"]
    auth = {"Authorization": f"Bearer {TOKEN}"}

    def post(path: str, body: Dict[str, Any]) -> Dict[str, Any]:
        resp = requests.post(f"{url}{path}", json=body, headers=auth, timeout=10)
        assert resp.status_code == 201, resp.text
        return resp.json()

    earlier = [
        post("/api/cases", case_payload(category="staff_service", description="网点工作人员态度恶劣，拒绝解释。")),
        post("/api/cases", case_payload(category="product_service", description="手机银行转账一直失败。")),
    ]
    resp = requests.patch(f"{url}/api/cases/{earlier[0]['case_no']}", json={"status": "in_progress"}, headers=auth, timeout=10)
    assert resp.status_code == 200, resp.text
    waiting = [post("/api/handoffs", handoff_body(reason)) for reason in ("human", "anger", "media")]

    page.goto(f"{url}/console/login")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/console")
    page.locator("#live-state").wait_for()
    rows = page.locator("#queue-rows tr")

    def shown() -> List[int]:
        return [int(rows.nth(i).get_attribute("data-id") or 0) for i in range(rows.count())]

    assert shown() == [waiting[2]["id"], waiting[1]["id"], waiting[0]["id"]]
    page.wait_for_timeout(500)  # the event stream is open
    violent = post("/api/handoffs", handoff_body("violence"))
    # live, without a reload, and at the top (the page's CSP allows no eval, so no wait_for_function)
    page.locator(f'#queue-rows tr:first-child[data-id="{violent["id"]}"]').wait_for(timeout=3000)
    assert shown() == [violent["id"], waiting[2]["id"], waiting[1]["id"], waiting[0]["id"]]
    assert "暴力威胁" in rows.first.inner_text()

    for width, name in ((1440, "desktop"), (390, "390")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{url}/console/cases/{violent['case_no']}")
        section = page.locator("#customer-history")
        assert "该客户的其他投诉" in section.inner_text()
        links = section.locator("tbody a")
        listed = [links.nth(i).inner_text() for i in range(links.count())]
        # newest first: the three earlier handoffs' cases, then the two filed cases
        assert listed == [w["case_no"] for w in reversed(waiting)] + [e["case_no"] for e in reversed(earlier)]
        assert "人员服务" in section.inner_text() and "处理中" in section.inner_text()
        section.scroll_into_view_if_needed()
        page.screenshot(path=str(desk["workdir"] / f"case_page_history_{name}.png"), full_page=True)
    links.last.click()
    page.wait_for_url(f"{url}/console/cases/{earlier[0]['case_no']}")
