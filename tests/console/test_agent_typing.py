"""正在输入… (issue 15) on SQLite and PostgreSQL, Rasa a fake on loopback: the agent holding an
active handoff signals from the workspace's reply box, others may not (403), a waiting or closed
handoff not at all (409); a stop, the reply, 转交, release and close clear it; the signal lasts
6 s on the desk's clock. The customer's chat page learns it, with the agent's display name, by
its own session id only."""
from __future__ import annotations

import uuid
from typing import Any, Dict, Optional

from sqlalchemy import func, select

from bot.casedesk.handoffs import agent_typing, service as handoffs
from bot.casedesk.models import AuditEntry
from tests.casedesk.helpers import Clock

from .helpers import Console

NOBODY = {"with_agent": False, "typing": False}


async def typing(console: Console, handoff_id: int, state: bool = True) -> Dict[str, Any]:
    status, body = await console.post_json(f"/console/handoffs/{handoff_id}/typing", {"typing": state})
    return {"status": status, **body}


async def chat(console: Console, session_id: Any) -> Dict[str, Any]:
    resp = await console.client.post("/chat/typing", json={"session_id": session_id})
    assert resp.headers["Cache-Control"] == "no-store"
    return {"status": resp.status, **await resp.json()}


async def until(console: Console, handoff_id: int) -> Optional[Any]:
    return (await handoffs.get_handoff(console.db, handoff_id)).handoff.agent_typing_until


async def audit_rows(console: Console) -> int:
    async with console.db.reading() as s:
        return int((await s.execute(select(func.count()).select_from(AuditEntry))).scalar_one())


async def web_handoff(console: Console) -> Dict[str, Any]:
    """A web-chat customer handed off: the conversation id is the widget's session id."""
    return await console.handoff("human", conversation_id=uuid.uuid4().hex, channel="web")


async def test_the_holder_typing_reaches_the_customer_by_name_until_sent(console: Console, fake_rasa, clock: Clock) -> None:
    await console.user("wang", display_name="王明")
    await console.user("li.na", display_name="李娜")
    h = await web_handoff(console)
    session = h["conversation_id"]
    await console.login("wang")

    # waiting: nobody holds it yet, so nobody can be typing in it
    assert (await typing(console, h["id"]))["status"] == 409
    assert await chat(console, session) == {"status": 200, **NOBODY}
    assert (await console.post(f"/console/handoffs/{h['id']}/claim")).status == 303
    assert await chat(console, session) == {"status": 200, "with_agent": True, "typing": False}

    before = await audit_rows(console)
    assert await typing(console, h["id"]) == {"status": 200, "ok": True, "typing": True}
    assert await until(console, h["id"]) == clock.now + agent_typing.TYPING_FOR
    # the customer sees who: the display name, never the user name
    assert await chat(console, session) == {"status": 200, "with_agent": True, "typing": True, "agent": "王明"}
    # another agent may not make it look as if wang were typing, nor stop him
    await console.login("li.na")
    refused = await typing(console, h["id"])
    assert refused["status"] == 403 and "其他坐席" in refused["message"]
    assert (await typing(console, h["id"], False))["status"] == 403
    assert await until(console, h["id"]) == clock.now + agent_typing.TYPING_FOR

    # the stop; then typing again and the reply itself
    await console.login("wang")
    assert await typing(console, h["id"], False) == {"status": 200, "ok": True, "typing": False}
    assert await until(console, h["id"]) is None
    assert await chat(console, session) == {"status": 200, "with_agent": True, "typing": False}
    await typing(console, h["id"])
    status, sent = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": "您好，我来帮您核实。"})
    assert status == 200 and sent["turn"]["delivery"] == "sent"
    assert await until(console, h["id"]) is None
    assert (await chat(console, session))["typing"] is False
    # a signal is no read of the case: no audit row of its own (the sign-ins, claim and reply
    # wrote theirs); nothing of a reply's text is taken
    async with console.db.reading() as s:
        actions = (await s.execute(select(AuditEntry.action).order_by(AuditEntry.id).offset(before))).scalars().all()
    assert "handoff.typing" not in actions and not any("typing" in a for a in actions)
    assert (await console.post_json(f"/console/handoffs/{h['id']}/typing", {"typing": "yes"}))[0] == 400

    # released: over, and the chat page is told nobody holds it any more
    await typing(console, h["id"])
    assert (await console.post(f"/console/handoffs/{h['id']}/release")).status == 303
    assert await until(console, h["id"]) is None
    assert await chat(console, session) == {"status": 200, **NOBODY}
    assert (await typing(console, h["id"]))["status"] == 409


async def test_the_signal_lasts_six_seconds_on_the_desks_clock(console: Console, fake_rasa, clock: Clock) -> None:
    await console.user("wang", display_name="王明")
    h = await web_handoff(console)
    await console.login("wang")
    await console.post(f"/console/handoffs/{h['id']}/claim")
    await typing(console, h["id"])
    clock.advance(seconds=5)
    assert (await chat(console, h["conversation_id"]))["typing"] is True
    # each signal (console.js: at most every 3 s while keys are pressed) moves the end on
    await typing(console, h["id"])
    clock.advance(seconds=5)
    assert (await chat(console, h["conversation_id"]))["agent"] == "王明"
    clock.advance(seconds=1)
    assert await chat(console, h["conversation_id"]) == {"status": 200, "with_agent": True, "typing": False}
    # the column keeps the end; the chat page compares it with the clock
    assert await until(console, h["id"]) == clock.now


async def test_the_chat_page_learns_only_of_its_own_conversation(console: Console, fake_rasa) -> None:
    await console.user("wang", display_name="王明")
    await console.user("li.na", display_name="李娜")
    mine, theirs = await web_handoff(console), await web_handoff(console)
    for user, h in (("wang", mine), ("li.na", theirs)):
        await console.login(user)
        await console.post(f"/console/handoffs/{h['id']}/claim")
    await typing(console, theirs["id"])  # li.na types to the other customer

    assert await chat(console, mine["conversation_id"]) == {"status": 200, "with_agent": True, "typing": False}
    assert (await chat(console, theirs["conversation_id"]))["agent"] == "李娜"
    # an unknown session learns what a conversation nobody holds would: nothing
    assert await chat(console, uuid.uuid4().hex) == {"status": 200, **NOBODY}
    assert await chat(console, str(uuid.uuid4())) == {"status": 200, **NOBODY}
    # not a session id of the widget: a REST or WeChat conversation, a prefix, anything else
    rest = await console.handoff("human")  # conversation "conv-…", channel web: still not a session id
    for bad in (rest["conversation_id"], "rest:abc", theirs["conversation_id"][:16], "", None, 42):
        answer = await chat(console, bad)
        assert answer["status"] == 400 and answer["error"] == "invalid_session", bad
    resp = await console.client.post("/chat/typing", data=b"not json")
    assert resp.status == 400
    assert (await console.client.get("/chat/typing")).status == 405


async def test_transfer_and_close_clear_it_and_only_an_agent_signals(console: Console, fake_rasa) -> None:
    await console.user("wang", display_name="王明")
    await console.user("li.na", display_name="李娜")
    await console.user("trainer", "trainer", display_name="赵老师")
    h = await web_handoff(console)
    await console.login("wang")
    await console.post(f"/console/handoffs/{h['id']}/claim")
    await typing(console, h["id"])
    resp = await console.post(f"/console/handoffs/{h['id']}/transfer", {"to": "li.na", "note": "请跟进年费问题"})
    assert resp.status == 303
    assert await until(console, h["id"]) is None
    assert (await typing(console, h["id"]))["status"] == 403  # li.na holds it now

    await console.login("li.na")
    await typing(console, h["id"])
    assert (await chat(console, h["conversation_id"]))["agent"] == "李娜"
    assert (await console.post(f"/console/handoffs/{h['id']}/close")).status == 303
    assert await until(console, h["id"]) is None
    assert (await typing(console, h["id"]))["status"] == 409
    assert await chat(console, h["conversation_id"]) == {"status": 200, **NOBODY}

    # signed out, without the page's CSRF token, or not a case worker: refused before anything
    h2 = await web_handoff(console)
    await console.post(f"/console/handoffs/{h2['id']}/claim")
    resp = await console.client.post(f"/console/handoffs/{h2['id']}/typing", json={"typing": True},
                                      headers={"Accept": "application/json"})
    assert resp.status == 403
    await console.login("trainer")
    assert (await typing(console, h2["id"]))["status"] == 403
    console.client.session.cookie_jar.clear()
    assert (await typing(console, h2["id"]))["status"] == 401
    assert await until(console, h2["id"]) is None
    # a handoff that does not exist
    await console.login("li.na")
    assert (await typing(console, 999999))["status"] == 404
