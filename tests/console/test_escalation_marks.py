"""Escalation marks (issue 13, learning from production) through the real app, on SQLite and
PostgreSQL: an agent marks a handoff 不必要 and a customer message 漏转; who may do what; CSRF;
bad input; audit; PII replaced as on the trainer pages; the quality page's figures; the marked
messages reaching the NLU inbox. The figures' arithmetic is tested on its own at the end."""
from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict

from sqlalchemy import select

from bot.casedesk.handoffs import escalation_marks as marks
from bot.casedesk.console.trainer import nlu_inbox
from bot.casedesk.appkeys import SETTINGS_KEY
from bot.casedesk.cases.case_rules import CHINA_TZ, local_iso
from bot.casedesk.models import AuditEntry, EscalationMark
from bot.trainer import inbox
from bot.trainer.tracker_store import TrackerStoreReader
from tests.trainer.rasa_trackers import opening, save, sqlite_store, user

from .helpers import Console

QUALITY = "/console/trainer/escalation-quality"
REAL_PHONE = "13912345678"


def _at(console: Console, seconds_ago: float) -> str:
    return local_iso(console.app[SETTINGS_KEY].clock() - timedelta(seconds=seconds_ago))


async def _handoff(console: Console, reason: str = "media", text: str = "再不处理我就找记者曝光，我电话13912345678",
                   **fields: Any) -> Dict[str, Any]:
    transcript = [
        {"role": "customer", "text": "我的卡被吞了", "at": _at(console, 120)},
        {"role": "bot", "text": "非常抱歉，我们马上为您处理。", "at": _at(console, 110)},
        {"role": "customer", "text": text, "at": _at(console, 60)},
    ]
    return await console.handoff(reason, transcript=transcript, **fields)


async def _sign_in(console: Console, name: str, role: str) -> None:
    await console.user(name, role)
    assert (await console.login(name)).status == 303


async def _customer_turns(console: Console, case_no: str) -> list:
    _, page = await console.page(f"/console/cases/{case_no}")
    return [int(t) for t in re.findall(r'<option value="(\d+)"', page)]


async def _marks(console: Console) -> list:
    async with console.db.reading() as s:
        return list((await s.execute(select(EscalationMark).order_by(EscalationMark.id))).scalars())


async def _audit(console: Console, action: str) -> list:
    async with console.db.reading() as s:
        return list((await s.execute(select(AuditEntry).where(AuditEntry.action == action))).scalars())


async def test_agent_marks_a_handoff_unnecessary_once(console: Console) -> None:
    h = await _handoff(console)
    await _sign_in(console, "wang", "agent")
    status, page = await console.page(f"/console/handoffs/{h['id']}")
    assert status == 200 and 'id="unnecessary-form"' in page and "标记为不必要的转人工" in page
    resp = await console.post(f"/console/handoffs/{h['id']}/unnecessary", {"note": "客户只是在讲经过"})
    assert resp.status == 303 and resp.headers["Location"].endswith("msg=unnecessary")
    status, page = await console.page(resp.headers["Location"])
    assert "已标记为不必要的转人工" in page and 'id="unnecessary-form"' not in page
    assert "转人工原因：媒体曝光" in page and "客户只是在讲经过" in page
    (mark,) = await _marks(console)
    assert (mark.kind, mark.reason, mark.handoff_id, mark.marked_by) == ("unnecessary", "media", h["id"], "wang")
    # the trigger message, PII replaced as the trainer pages replace it
    assert mark.text == "再不处理我就找记者曝光，我电话138****0000"
    assert mark.note == "客户只是在讲经过"
    (entry,) = await _audit(console, "mark.unnecessary")
    assert entry.actor == "wang" and entry.case_no == h["case_no"]
    # shown once: a second mark is refused in Chinese
    resp = await console.post(f"/console/handoffs/{h['id']}/unnecessary", {})
    assert resp.status == 409 and "已经被标记为不必要" in await resp.text()
    assert len(await _marks(console)) == 1


async def test_agent_marks_a_customer_message_missed(console: Console) -> None:
    h = await console.handoff("human", transcript=[
        {"role": "customer", "text": "我叫王建国，你们不处理我就去总行门口闹", "at": _at(console, 60)},
        {"role": "bot", "text": "非常抱歉。", "at": _at(console, 50)},
    ])
    case_no = h["case_no"]
    await _sign_in(console, "wang", "agent")
    (turn_id,) = await _customer_turns(console, case_no)
    _, page = await console.page(f"/console/cases/{case_no}")
    for label in ("自伤风险", "暴力威胁", "媒体曝光", "监管投诉", "情绪激动", "要求人工"):
        assert f">{label}</option>" in page
    resp = await console.post(f"/console/cases/{case_no}/missed",
                              {"turn_id": str(turn_id), "reason": "violence", "note": "要去闹事"})
    assert resp.status == 303 and resp.headers["Location"].endswith("msg=missed")
    _, page = await console.page(resp.headers["Location"])
    assert "已标记为漏转" in page and "已标记漏转（应为“暴力威胁”）" in page
    (mark,) = await _marks(console)
    assert (mark.kind, mark.reason, mark.turn_id, mark.handoff_id) == ("missed", "violence", turn_id, None)
    assert mark.text == "我叫张三，你们不处理我就去总行门口闹"  # the case's customer name → 张三
    assert len(await _audit(console, "mark.missed")) == 1
    resp = await console.post(f"/console/cases/{case_no}/missed", {"turn_id": str(turn_id), "reason": "anger"})
    assert resp.status == 409 and "已经被标记为漏转" in await resp.text()


async def test_bad_input_gets_a_clear_chinese_error(console: Console) -> None:
    h = await _handoff(console)
    other = await _handoff(console)
    case_no = h["case_no"]
    await _sign_in(console, "wang", "agent")
    (first, second) = await _customer_turns(console, case_no)
    cases = [
        ({"turn_id": str(first), "reason": ""}, "请选择本应触发的转人工原因"),
        ({"turn_id": str(first), "reason": "angry"}, "请选择本应触发的转人工原因"),
        ({"turn_id": "abc", "reason": "media"}, "请选择一句客户说的话"),
        ({"reason": "media"}, "请选择一句客户说的话"),
        # a turn of another case, or no customer turn at all
        ({"turn_id": str((await _customer_turns(console, other["case_no"]))[0]), "reason": "media"},
         "请选择一句客户说的话"),
        ({"turn_id": "999999", "reason": "media"}, "请选择一句客户说的话"),
        ({"turn_id": str(first), "reason": "media", "note": "长" * 501}, "说明太长了"),
    ]
    for form, message in cases:
        resp = await console.post(f"/console/cases/{case_no}/missed", form)
        assert resp.status == 400, form
        assert message in await resp.text(), form
    resp = await console.post(f"/console/handoffs/{h['id']}/unnecessary", {"note": "长" * 501})
    assert resp.status == 400 and "说明太长了" in await resp.text()
    assert (await console.post("/console/handoffs/99999/unnecessary", {})).status == 404
    assert (await console.post("/console/cases/TS000/missed", {"turn_id": "1", "reason": "media"})).status == 404
    assert await _marks(console) == []
    assert second


async def test_csrf_and_roles(console: Console) -> None:
    h = await _handoff(console)
    case_no = h["case_no"]
    await _sign_in(console, "wang", "agent")
    (turn_id, _) = await _customer_turns(console, case_no)
    # no token, a wrong token: refused, nothing stored
    for csrf in (None, "forged"):
        resp = await console.post(f"/console/handoffs/{h['id']}/unnecessary", {}, csrf=csrf)
        assert resp.status == 403 and "页面已过期" in await resp.text()
        resp = await console.post(f"/console/cases/{case_no}/missed", {"turn_id": str(turn_id), "reason": "media"}, csrf=csrf)
        assert resp.status == 403
    assert await _marks(console) == []
    # agents do not see the quality page
    assert (await console.page(QUALITY))[0] == 403
    assert (await console.post(f"{QUALITY}/inbox")).status == 403
    # trainers see it but cannot mark (no case data)
    await _sign_in(console, "teach", "trainer")
    assert (await console.page(QUALITY))[0] == 200
    assert (await console.post(f"/console/handoffs/{h['id']}/unnecessary", {})).status == 403
    assert (await console.post(f"/console/cases/{case_no}/missed", {"turn_id": str(turn_id), "reason": "media"})).status == 403
    # supervisors mark and see the page, without the inbox button (a trainer's tool)
    await _sign_in(console, "zhao", "supervisor")
    assert (await console.post(f"/console/handoffs/{h['id']}/unnecessary", {})).status == 303
    status, page = await console.page(QUALITY)
    assert status == 200 and 'id="inbox-btn"' not in page and f'href="/console/cases/{case_no}"' in page
    assert (await console.post(f"{QUALITY}/inbox")).status == 403
    # signed out
    console.client.session.cookie_jar.clear()
    resp = await console.client.get(QUALITY, allow_redirects=False)
    assert resp.status == 303 and "/console/login" in resp.headers["Location"]


async def test_quality_page_counts_marks_per_reason(console: Console) -> None:
    media = [await _handoff(console, "media") for _ in range(4)]
    await _handoff(console, "anger")
    calm = await console.handoff("human", transcript=[
        {"role": "customer", "text": "你们再不退钱我就砸了你们网点", "at": _at(console, 30)},
    ])
    await _sign_in(console, "wang", "agent")
    assert (await console.post(f"/console/handoffs/{media[0]['id']}/unnecessary", {})).status == 303
    (turn_id,) = await _customer_turns(console, calm["case_no"])
    resp = await console.post(f"/console/cases/{calm['case_no']}/missed", {"turn_id": str(turn_id), "reason": "violence"})
    assert resp.status == 303

    await _sign_in(console, "teach", "trainer")
    status, page = await console.page(QUALITY)
    assert status == 200
    rows = dict(re.findall(r'<tr data-reason="(\w+)">(.*?)</tr>', page, re.S))
    cells = {r: re.findall(r'<td class="num[^"]*">([^<]*)</td>', body) for r, body in rows.items()}
    assert cells["media"] == ["4", "1", "0", "75.0%", "100.0%"]
    assert cells["violence"] == ["0", "0", "1", "—", "0.0%"]
    assert cells["anger"] == ["1", "0", "0", "100.0%", "100.0%"]
    assert cells["human"] == ["1", "0", "0", "100.0%", "100.0%"]
    assert "媒体曝光：转人工 4 次，其中 1 次被标记为不必要；另有 0 句漏转，精确率 75.0%，召回率 100.0%。" in page
    # the latest marks, redacted, with a link for the trainer where the tracker store has it
    assert page.count('<tr data-kind="') == 2
    assert "138****0000" in page and REAL_PHONE not in page and "王建国" not in page
    assert "不必要的转人工" in page and "漏转" in page
    # no raw codes on the page
    for code in ("unnecessary", "missed", ">media<", ">violence<", "self_harm<"):
        assert code not in re.sub(r'(data-[a-z]+|class|id|name|value|href)="[^"]*"', "", page), code
    # a chosen period, and a wrong one
    assert (await console.page(f"{QUALITY}?days=7"))[0] == 200
    status, page = await console.page(f"{QUALITY}?days=12")
    assert status == 400 and "统计区间不正确" in page


async def test_confidential_marks_stay_hidden_from_the_branch(console: Console) -> None:
    h = await _handoff(console, branch="朝阳路支行", confidential=True)
    await _sign_in(console, "zhao", "supervisor")
    assert (await console.post(f"/console/handoffs/{h['id']}/unnecessary", {})).status == 303
    await console.user("li", "supervisor", branch="朝阳路支行")
    await console.login("li")
    _, page = await console.page(QUALITY)
    assert h["case_no"] not in page and '<tr data-kind="' not in page
    assert (await console.post(f"/console/handoffs/{h['id']}/unnecessary", {})).status == 404


async def test_marked_messages_reach_the_nlu_inbox(console: Console) -> None:
    """A mark finds its message in Rasa's tracker store (message id, event id); the trainer
    sends it to the inbox, where it is a candidate whatever the NLU's confidence."""
    url = console.app[SETTINGS_KEY].tracker_db_url
    store = sqlite_store(Path(url.split("sqlite:///", 1)[1]))
    now = time.time()
    h = await console.handoff("regulator", transcript=[
        {"role": "customer", "text": "我要去银保监会问问这个规定", "at": local_iso(datetime.fromtimestamp(now - 60, timezone.utc))},
    ])
    await save(store, h["conversation_id"], [
        *opening(now - 70),
        user("我要去银保监会问问这个规定", "escalate", 0.99, at=now - 60, channel="socketio", message_id="m-reg"),
    ])
    await _sign_in(console, "wang", "agent")
    assert (await console.post(f"/console/handoffs/{h['id']}/unnecessary", {})).status == 303
    (mark,) = await _marks(console)
    assert mark.message_id == "m-reg" and mark.event_id

    reader = TrackerStoreReader(url)
    try:
        rows = await reader.summary_rows(now - 3600, now + 60, 1000)
    finally:
        await reader.dispose()
    found, _ = inbox.candidates(rows, await nlu_inbox.decided_ids(console.db))
    assert "m-reg" not in [c.message_id for c in found]  # confident: not in the inbox yet

    await _sign_in(console, "teach", "trainer")
    _, page = await console.page(QUALITY)
    assert "1 句待送" in page and f'href="/console/trainer/conversations/{mark.event_id}"' in page
    resp = await console.post(f"{QUALITY}/inbox")
    assert resp.status == 303
    _, page = await console.page(resp.headers["Location"])
    assert "已把 1 句标记过的话送入 NLU 收件箱" in page and "已送入" in page
    decided = await nlu_inbox.decided_ids(console.db)
    assert decided.flagged == {"m-reg": "不必要的转人工（监管投诉）"}
    found, _ = inbox.candidates(rows, decided)
    assert [c.text for c in found if c.message_id == "m-reg"] == ["我要去银保监会问问这个规定"]
    assert len(await _audit(console, "mark.inbox")) == 1
    # once the trainer decided it, it leaves the inbox like any other message
    await nlu_inbox.decide(console.db, "m-reg", nlu_inbox.CONFIRMED, "teach", datetime.now(timezone.utc),
                           text="我要去银保监会问问这个规定", intent="ask_info")
    found, _ = inbox.candidates(rows, await nlu_inbox.decided_ids(console.db))
    assert "m-reg" not in [c.message_id for c in found]
    resp = await console.post(f"{QUALITY}/inbox")
    assert resp.headers["Location"].endswith("msg=inbox_none")


def test_figures_per_reason_and_week() -> None:
    def at(day: int, hour: int = 12) -> datetime:
        return datetime(2026, 11, day, hour, tzinfo=CHINA_TZ).astimezone(timezone.utc)

    q = marks.figures(
        date(2026, 11, 2), date(2026, 11, 15),
        [("media", at(2)), ("media", at(3)), ("media", at(10)), ("anger", at(10)), ("self_harm", at(15, 23))],
        [("unnecessary", "media", at(3)), ("missed", "media", at(11)), ("missed", "violence", at(12)),
         ("unnecessary", "anger", at(10))],
    )
    media = q.reasons["media"]
    assert (media.handoffs, media.unnecessary, media.missed) == (3, 1, 1)
    assert abs(media.precision - 2 / 3) < 1e-9 and media.recall == 3 / 4
    assert q.reasons["violence"].precision is None and q.reasons["violence"].recall == 0.0
    assert q.reasons["anger"].precision == 0.0 and q.reasons["anger"].recall == 1.0
    assert q.reasons["human"].precision is None and q.reasons["human"].recall is None
    # 23:00 Beijing on Sunday the 15th is in the week of Monday the 9th
    assert [w for w, _ in q.weeks] == [date(2026, 11, 2), date(2026, 11, 9)]
    first, second = q.weeks[0][1], q.weeks[1][1]
    assert (first["media"].handoffs, first["media"].unnecessary) == (2, 1)
    assert (second["media"].handoffs, second["media"].missed) == (1, 1)
    assert second["self_harm"].handoffs == 1
    assert (q.total.handoffs, q.total.unnecessary, q.total.missed) == (5, 2, 2)
    # Beijing days as UTC instants
    start, end = marks.window(date(2026, 11, 2), date(2026, 11, 2))
    assert start == datetime(2026, 11, 1, 16, tzinfo=timezone.utc) and end - start == timedelta(days=1)
