"""/console/events: the queue and a workspace follow changes within seconds, and a hidden
confidential case never travels down the stream."""
from __future__ import annotations

import re

from sqlalchemy import select

from bot.casedesk.handoffs import service as handoffs
from bot.casedesk.appkeys import SETTINGS_KEY
from bot.casedesk.models import Handoff
from bot.casedesk.handoffs.rasa_bridge import RASA_KEY

from .helpers import Console, queue_ids
from .test_console_pages import BRANCH, SCRIPT


async def test_queue_stream_shows_a_new_handoff(console: Console) -> None:
    await console.user("wang")
    first = await console.handoff()
    await console.login("wang")
    created = {}

    async def after_first_snapshot(ev) -> None:
        if len(ev) == 1:
            created.update(await console.handoff("human"))

    events = await console.events(
        "/console/events", until=lambda ev: any(len(ids) == 2 for ids in queue_ids(ev)),
        on_event=after_first_snapshot,
    )
    snapshots = queue_ids(events)
    assert snapshots[0] == [first["id"]]
    assert snapshots[-1] == [first["id"], created["id"]]


async def test_stream_never_carries_a_hidden_confidential_case(console: Console) -> None:
    await console.user("branchguy", "agent", branch=BRANCH)
    secret = await console.handoff(branch=BRANCH, confidential=True)
    visible = await console.handoff(branch="人民路支行", confidential=True)
    await console.login("branchguy")
    events = await console.events("/console/events", until=lambda ev: bool(queue_ids(ev)))
    assert queue_ids(events)[0] == [visible["id"]]
    assert secret["case_no"] not in str(events)
    resp = await console.client.get(f"/console/events?handoff={secret['id']}")
    assert resp.status == 404


async def workspace_after(console: Console, handoff_id: int) -> int:
    """Opens the workspace page; returns the last turn id it rendered (where its stream starts)."""
    _, page = await console.page(f"/console/handoffs/{handoff_id}")
    return int(re.search(r'data-after="(\d+)"', page).group(1))


async def test_workspace_stream_sends_state_and_new_turns(console: Console, fake_rasa) -> None:
    await console.user("wang")
    h = await console.handoff()
    await console.login("wang")
    after = await workspace_after(console, h["id"])

    async def after_first_state(ev) -> None:
        if len(ev) == 1:
            fake_rasa.customer_says(h["conversation_id"], SCRIPT)
            await handoffs.sync_once(console.db, console.app[RASA_KEY])
            await console.post(f"/console/handoffs/{h['id']}/claim")

    def done(ev) -> bool:
        states = [d for n, d in ev if n == "handoff"]
        turns = [t for n, d in ev if n == "turns" for t in d["turns"]]
        return bool(turns) and bool(states) and states[-1]["status"] == "active"

    events = await console.events(f"/console/events?handoff={h['id']}&after={after}", until=done,
                                  on_event=after_first_state)
    states = [d for n, d in events if n == "handoff"]
    # who holds it, by the name agents read (the user name only for one not on file)
    assert states[0]["status"] == "waiting" and states[-1]["claimed_by"] == "王明"
    turns = [t for n, d in events if n == "turns" for t in d["turns"]]
    # the customer's line (JSON, rendered by textContent in the page) and the greeting the claim sent
    assert sorted(t["text"] for t in turns) == sorted([SCRIPT, "您好，我是客服王明，接下来由我为您服务，请问有什么可以帮您？"])
    assert all(t["id"] > after for t in turns)


async def test_stream_ends_when_the_session_does(console: Console, monkeypatch) -> None:
    from bot.casedesk.console import events as events_module

    monkeypatch.setattr(events_module, "RECHECK_S", 0.3)
    await console.user("wang")
    await console.login("wang")

    async def once_streaming(ev) -> None:
        if len(ev) == 1:  # the first queue snapshot: the stream is running
            from bot.casedesk.console.auth import end_user_sessions
            from bot.casedesk.console.users import _find

            await end_user_sessions(console.db, (await _find(console.db, "wang")).id)

    events = await console.events("/console/events", until=lambda ev: any(n == "logout" for n, _ in ev),
                                  on_event=once_streaming)
    assert events[-1][0] == "logout"


async def test_workspace_stream_sends_a_turn_that_became_visible_late(console: Console, fake_rasa) -> None:
    # On PostgreSQL a sync pass may commit turn N after the agent's turn N+1 was streamed:
    # the stream looks back and still sends N.
    from sqlalchemy import insert

    from bot.casedesk.models import TranscriptTurn

    await console.user("wang")
    h = await console.handoff()
    await console.login("wang")
    after = await workspace_after(console, h["id"])
    async with console.db.reading() as s:
        case_id = (await s.execute(select(Handoff.case_id).where(Handoff.id == h["id"]))).scalar_one()

    async def add(turn_id: int, text: str) -> None:
        async with console.db.writing() as s:
            await s.execute(insert(TranscriptTurn).values(
                id=turn_id, case_id=case_id, role="customer", text=text,
                at=console.app[SETTINGS_KEY].clock()))

    async def commit_in_turn(ev) -> None:
        name, data = ev[-1]
        if len(ev) == 1:  # the handoff's state: the stream is running
            await add(after + 5, "后提交的高编号")
        elif name == "turns" and [t["id"] for t in data["turns"]] == [after + 5]:
            await add(after + 3, "先分配的低编号")  # a lower id, committed after the higher was streamed

    def done(ev) -> bool:
        return len([t for n, d in ev if n == "turns" for t in d["turns"]]) >= 2

    events = await console.events(f"/console/events?handoff={h['id']}&after={after}", until=done,
                                  on_event=commit_in_turn)
    texts = [t["text"] for n, d in events if n == "turns" for t in d["turns"]]
    assert texts == ["后提交的高编号", "先分配的低编号"]
