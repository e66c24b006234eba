"""Auto-assignment (issue 15) on SQLite and PostgreSQL, Rasa a fake on loopback: waiting handoffs go
to agents who said they are 在线 and whose console is open, the most severe first, to whoever
holds fewest, never above capacity, never a confidential case to the branch it accuses; the
customer is greeted by the agent's name; the switch, sign-out and a closed console are honoured."""
from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from bot.casedesk.handoffs import assignment, service as handoffs
from bot.casedesk import db
from bot.casedesk.models import AuditEntry, CaseEvent, ConsoleUser
from bot.casedesk.handoffs.rasa_bridge import RASA_KEY
from bot.casedesk.settings import AssignmentSettings, Settings

from .helpers import Console

BRANCH = "朝阳路支行"
CAPACITY = 2


@pytest.fixture
def settings(settings: Settings, backend: str) -> Settings:
    return dataclasses.replace(settings, assignment=AssignmentSettings(capacity=CAPACITY))


async def online(console: Console, username: str) -> None:
    """The agent signs in and switches to 在线 in the header, as in the browser."""
    await console.login(username)
    resp = await console.post("/console/presence", {"presence": "online", "next": "/console"})
    assert resp.status == 303 and resp.headers["Location"] == "/console"


async def run_pass(console: Console) -> int:
    return await assignment.assign_pass(console.db, console.app[RASA_KEY])


async def holder(console: Console, handoff_id: int) -> tuple:
    h = (await handoffs.get_handoff(console.db, handoff_id)).handoff
    return h.status, h.claimed_by


async def test_the_most_severe_goes_first_to_whoever_holds_fewest(console: Console, fake_rasa, clock) -> None:
    await console.user("wang", display_name="王明")
    await console.user("li.na", display_name="李娜")
    await console.user("boss", "supervisor", display_name="赵敏")
    await online(console, "wang")
    await online(console, "li.na")
    human = await console.handoff("human")
    clock.advance(seconds=1)
    violence = await console.handoff("violence")
    clock.advance(seconds=1)
    media = await console.handoff("media")
    clock.advance(seconds=1)
    extra = [await console.handoff("human") for _ in range(3)]

    assert await run_pass(console) == 2 * CAPACITY
    # severity first (violence, media), then the longest waiting; evenly over the two agents
    got = {h["id"]: await holder(console, h["id"]) for h in [human, violence, media, *extra]}
    assert got[violence["id"]][0] == got[media["id"]][0] == got[human["id"]][0] == "active"
    assert got[violence["id"]][1] != got[media["id"]][1]
    held = [by for status, by in got.values() if status == "active"]
    assert sorted(held) == ["li.na", "li.na", "wang", "wang"]
    # the last two humans wait: nobody has room; the supervisor is never assigned
    assert [got[h["id"]] for h in extra[1:]] == [("waiting", None), ("waiting", None)]
    assert await run_pass(console) == 0

    # the customer hears the agent's name; the history and the audit say the desk did it
    first = got[violence["id"]][1]
    name = "李娜" if first == "li.na" else "王明"
    told = fake_rasa.posted(violence["conversation_id"], "tracker/events")[-1]["body"][0]
    assert told["text"] == f"您好，我是客服{name}，接下来由我为您服务，请问有什么可以帮您？"
    async with console.db.reading() as s:
        event = (await s.execute(select(CaseEvent).where(
            CaseEvent.kind == "assign", CaseEvent.case_id == (await handoffs.get_handoff(console.db, violence["id"])).case.id
        ))).scalar_one()
    assert (event.actor, event.new_value) == ("system", first)
    trail = await db.audit_trail(console.db, violence["case_no"])
    assert any(a.action == "handoff.assign" and a.actor == "system" and a.detail == first for a in trail)
    case_page = (await console.page(f"/console/cases/{violence['case_no']}"))[1]
    assert "分配" in case_page and "自动分配给在线坐席" in case_page
    # the history names the agent as colleagues know them: display names, not user names
    assert f'<td data-label="新值">{name}</td>' in case_page and f'<td data-label="新值">{first}</td>' not in case_page

    # one conversation ends: the next waiting one goes to whoever now has room
    await console.login(first)
    assert (await console.post(f"/console/handoffs/{violence['id']}/close")).status == 303
    assert await run_pass(console) == 1
    assert await holder(console, extra[1]["id"]) == ("active", first)


async def test_busy_away_signed_out_and_closed_consoles_get_nothing(console: Console, fake_rasa, clock) -> None:
    await console.user("wang", display_name="王明")
    await console.user("li.na", display_name="李娜")
    await console.user("zhao", display_name="赵磊")
    h = await console.handoff("human")
    # never switched on: everyone starts 离开
    await console.login("zhao")
    assert await run_pass(console) == 0
    await online(console, "wang")
    assert (await console.post("/console/presence", {"presence": "busy"})).status == 303
    await online(console, "li.na")
    await console.post("/console/logout")  # signing out is 离开
    assert await run_pass(console) == 0 and await holder(console, h["id"]) == ("waiting", None)
    async with console.db.reading() as s:
        presence = dict((await s.execute(select(ConsoleUser.username, ConsoleUser.presence))).all())
    assert presence == {"wang": "busy", "li.na": "away", "zhao": "away"}

    # 在线 but the console closed a while ago: counts as away until a page of theirs is open again
    await online(console, "zhao")
    clock.advance(seconds=AssignmentSettings().presence_timeout_seconds + 1)
    assert await run_pass(console) == 0
    page = (await console.page("/console"))[1]
    assert '<span class="badge presence-away">离开</span>' in page
    events = await console.events("/console/events", lambda got: any(n == "team" for n, _ in got))
    team = next(d for n, d in events if n == "team")["agents"]
    # zhao's open page stamped him seen; wang's 忙碌 page is long closed, so he shows 离开
    assert {a["username"]: a["presence_label"] for a in team} == {"wang": "离开", "li.na": "离开", "zhao": "在线"}
    assert await run_pass(console) == 1 and await holder(console, h["id"]) == ("active", "zhao")


async def test_a_confidential_case_never_goes_to_the_branch_it_accuses(console: Console, fake_rasa) -> None:
    await console.user("branch.agent", branch=BRANCH, display_name="网点坐席")
    secret = await console.handoff("human", branch=BRANCH, confidential=True)
    plain = await console.handoff("human", branch=BRANCH)
    await online(console, "branch.agent")
    assert await run_pass(console) == 1
    assert await holder(console, secret["id"]) == ("waiting", None)
    assert await holder(console, plain["id"]) == ("active", "branch.agent")
    await console.user("head.office", display_name="总行坐席")
    await online(console, "head.office")
    assert await run_pass(console) == 1 and await holder(console, secret["id"]) == ("active", "head.office")


async def test_the_switch_in_the_header(console: Console, fake_rasa) -> None:
    await console.user("wang", display_name="王明")
    await console.user("boss", "supervisor", display_name="赵敏")
    await console.login("wang")
    page = (await console.page("/console/cases"))[1]
    assert '<option value="away" selected>离开（不接收新会话）</option>' in page
    resp = await console.post("/console/presence", {"presence": "online", "next": "/console/cases?q=abc"})
    assert resp.headers["Location"] == "/console/cases?q=abc"
    page = (await console.page("/console/cases"))[1]
    assert '<option value="online" selected>在线（接收自动分配的会话）</option>' in page
    # a value that is not a presence, a foreign redirect, no CSRF token
    resp = await console.post("/console/presence", {"presence": "sleeping"})
    assert resp.status == 400 and "请选择在线、忙碌或离开" in await resp.text()
    resp = await console.post("/console/presence", {"presence": "busy", "next": "https://evil.example/"})
    assert resp.headers["Location"] == "/console"
    assert (await console.post("/console/presence", {"presence": "away"}, csrf=None)).status == 403
    # supervisors and trainers have no switch: the desk never hands them customers
    await console.login("boss")
    assert "presence-select" not in (await console.page("/console"))[1]
    assert (await console.post("/console/presence", {"presence": "online"})).status == 403
    async with console.db.reading() as s:
        audited = (await s.execute(select(AuditEntry.actor, AuditEntry.detail).where(AuditEntry.action == "console.presence"))).all()
    assert [tuple(a) for a in audited] == [("wang", "away->online"), ("wang", "online->busy")]
