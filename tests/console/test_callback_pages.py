"""待回电 in the console (issue 15, honest waits): the list of customers to call back with the
masked number, the reasons and the promise; the number in full only on a call-back's own page
(audited); 标记已回电 with a note (audited, in the case's history); the console's one access
rule; Chinese everywhere, never a code."""
from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, AsyncIterator, Dict

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.casedesk.cases.case_rules import CHINA_TZ
from bot.casedesk.app import init_app
from bot.casedesk.models import AuditEntry, CaseEvent
from bot.casedesk.settings import CallbackSettings, Settings
from tests.casedesk.helpers import Clock

from .helpers import Console
from .test_case_list import visible_text

# the environment's defaults (a Settings built in code quotes any wait)
OFFICE = CallbackSettings(service_hours="09:00-21:00", wait_limit_minutes=15)


@pytest.fixture
async def console(settings: Settings) -> AsyncIterator[Console]:
    app = init_app(dataclasses.replace(settings, callbacks=OFFICE))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Console(client)

CODES = ("long_wait", "after_hours", "idle", "pending", "media", "callback", "confirmed", "unconfirmed")


async def callback_of(console: Console, clock: Clock, **fields: Any) -> Dict[str, Any]:
    """A handoff sixth in line (18 minutes, the limit is 15): a call-back instead of a wait."""
    clock.now = datetime(2026, 12, 7, 14, 7, tzinfo=CHINA_TZ)
    for _ in range(5):
        await console.handoff("violence")
    opened = await console.handoff("media", **fields)
    assert opened["callback"] is not None, opened
    return opened


async def signed_in(console: Console, username: str = "wang", role: str = "agent", branch: Any = None) -> None:
    await console.user(username, role, branch=branch)
    await console.login(username)


async def test_the_list_shows_masked_number_reasons_and_promise_never_a_code(console: Console, clock: Clock) -> None:
    opened = await callback_of(console, clock)
    await signed_in(console)
    status, page = await console.page("/console/callbacks")
    assert status == 200
    text = visible_text(page)
    assert "待回电（1）" in text and opened["case_no"] in text
    assert "138****5678" in text and "13812345678" not in page  # masked in the list
    assert "今天 15:00 前" in text and "排队过久" in text and "媒体曝光" in text and "尚未确认" in text
    assert not [code for code in CODES if f">{code}<" in page or f" {code} " in text]
    # the nav leads here from every page
    _, home = await console.page("/console/cases")
    assert 'href="/console/callbacks"' in home and "待回电" in visible_text(home)


async def test_the_number_in_full_only_on_its_page_and_every_view_audited(console: Console, clock: Clock) -> None:
    opened = await callback_of(console, clock)
    await signed_in(console)
    status, page = await console.page(f"/console/callbacks/{opened['callback']['id']}")
    assert status == 200 and 'href="tel:13812345678"' in page
    async with console.db.reading() as s:
        viewed = (await s.execute(select(AuditEntry.actor, AuditEntry.case_no)
                                  .where(AuditEntry.action == "callback.view"))).all()
    assert viewed == [("wang", opened["case_no"])]
    assert (await console.page("/console/callbacks/999999"))[0] == 404
    assert (await console.page("/console/callbacks/abc"))[0] == 404


async def test_marking_done_with_a_note_is_recorded_and_audited(console: Console, clock: Clock) -> None:
    opened = await callback_of(console, clock)
    cid = opened["callback"]["id"]
    await signed_in(console)
    # a note is required: what was said on the call is the case's record
    empty = await console.post(f"/console/callbacks/{cid}/done", {"note": "  "})
    assert empty.status == 400 and "请填写回电情况" in await empty.text()
    assert (await console.post(f"/console/callbacks/{cid}/done", {"note": "x"}, csrf="forged")).status == 403

    clock.advance(minutes=20)
    done = await console.post(f"/console/callbacks/{cid}/done", {"note": "已与客户通话，客户同意明天到网点核对"})
    assert done.status == 303 and done.headers["Location"] == "/console/callbacks?msg=done"
    _, page = await console.page("/console/callbacks?msg=done")
    text = visible_text(page)
    assert "已标记为已回电" in text and "目前没有需要回电的客户" in text and "待回电（0）" in text
    _, done_page = await console.page("/console/callbacks?status=done")
    done_text = visible_text(done_page)
    assert "已与客户通话，客户同意明天到网点核对" in done_text and "王明" in done_text  # the display name
    # in the case's history and the audit log
    async with console.db.reading() as s:
        notes = (await s.execute(select(CaseEvent.note).where(CaseEvent.kind == "callback"))).scalars().all()
        audited = (await s.execute(select(AuditEntry.actor).where(AuditEntry.action == "callback.done"))).scalars().all()
    assert any(n and n.startswith("已回电：已与客户通话") for n in notes) and audited == ["wang"]
    _, case_page = await console.page(f"/console/cases/{opened['case_no']}")
    assert "回电" in visible_text(case_page) and "转为回电" in visible_text(case_page)
    # twice is refused, in Chinese
    again = await console.post(f"/console/callbacks/{cid}/done", {"note": "再打一次"})
    assert again.status == 409 and "已由 wang" in await again.text()


async def test_a_confidential_complaint_about_the_users_branch_is_not_listed(console: Console, clock: Clock) -> None:
    await callback_of(console, clock, branch="朝阳路支行", confidential=True)
    await signed_in(console, "li", branch="朝阳路支行")
    _, page = await console.page("/console/callbacks")
    assert "目前没有需要回电的客户" in visible_text(page)
    await signed_in(console, "zhao", role="supervisor")
    _, page = await console.page("/console/callbacks")
    assert "待回电（1）" in visible_text(page)


async def test_trainers_and_strangers_are_kept_out(console: Console, clock: Clock) -> None:
    opened = await callback_of(console, clock)
    assert (await console.page("/console/callbacks"))[0] == 303  # to the sign-in page
    await signed_in(console, "zhou", role="trainer")
    assert (await console.page("/console/callbacks"))[0] == 403
    assert (await console.post(f"/console/callbacks/{opened['callback']['id']}/done", {"note": "x"})).status == 403
