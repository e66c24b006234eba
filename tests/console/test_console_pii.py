"""The console shows the full text of a customer's words only on the audited case page; the
queue, the handoff workspace, its event stream and the JSON answers of agent actions are
masked (issue 18, item 7)."""
from __future__ import annotations

import asyncio

from bot.casedesk.handoffs import service as handoffs
from bot.casedesk.handoffs.rasa_bridge import RASA_KEY
from bot.redact import contains_pii

from .helpers import Console

NAME, PHONE, CARD = "欧阳建国", "13812345678", "6222021234567890123"
SAID = f"我叫{NAME}，电话{PHONE}"


def masked(text: str) -> bool:
    return not contains_pii(text) and PHONE not in text and NAME not in text and CARD not in text


async def test_only_the_case_page_shows_the_full_text(console: Console, fake_rasa) -> None:
    await console.user("wang")
    h = await console.handoff(
        customer_name=NAME, phone=PHONE, description=f"{NAME}的卡{CARD}被盗刷",
        transcript=[{"role": "customer", "text": SAID}],
    )
    await console.login("wang")
    _, page = await console.page(f"/console/handoffs/{h['id']}")
    assert "138****5678" in page and masked(page)
    _, queue = await console.page("/console")
    assert masked(queue)

    async def later() -> None:
        await asyncio.sleep(0.5)
        fake_rasa.customer_says(h["conversation_id"], f"卡号{CARD}，{NAME}")
        await handoffs.sync_once(console.db, console.app[RASA_KEY])

    task = asyncio.create_task(later())
    events = await console.events(
        f"/console/events?handoff={h['id']}&after=0",
        until=lambda ev: any(n == "turns" and any("0123" in t["text"] for t in d["turns"]) for n, d in ev),
    )
    await task
    assert masked(str(events)), events

    # 质检 before sending (issue 15): a whole phone number in a reply is blocked, shown masked
    status, answer = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": f"{NAME}您好，已记下{PHONE}"})
    assert status == 422 and answer["blocked"] and masked(str(answer)), answer
    status, answer = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": f"{NAME}您好，已记下您的电话"})
    assert status == 200 and masked(str(answer)), answer
    status, answer = await console.post_json(f"/console/handoffs/{h['id']}/notes", {"text": f"卡号{CARD}"})
    assert status == 200 and masked(str(answer)), answer

    _, case_page = await console.page(f"/console/cases/{h['case_no']}")
    assert SAID in case_page and f"{NAME}的卡{CARD}被盗刷" in case_page
    assert f"卡号{CARD}，{NAME}" in case_page and f"{NAME}您好，已记下您的电话" in case_page
