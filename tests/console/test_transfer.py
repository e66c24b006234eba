"""转交 (issue 15) in the console, SQLite and PostgreSQL, Rasa a fake on loopback: a handoff goes to
a colleague (who holds it at once) or back to the queue, with a note only colleagues read; the
customer is told who carries on; a confidential case never goes to the branch it accuses."""
from __future__ import annotations

from sqlalchemy import select

from bot.casedesk import db
from bot.casedesk.handoffs import service as handoffs
from bot.casedesk.models import CaseEvent, TranscriptTurn

from .helpers import Console

BRANCH = "朝阳路支行"


async def turns(console: Console, case_id: int) -> list:
    async with console.db.reading() as s:
        return list((await s.execute(
            select(TranscriptTurn).where(TranscriptTurn.case_id == case_id).order_by(TranscriptTurn.id))).scalars())


async def test_an_agent_hands_a_conversation_to_a_colleague_with_a_note(console: Console, fake_rasa) -> None:
    await console.user("wang", display_name="王明")
    await console.user("li.na", display_name="李娜")
    await console.user("boss", "supervisor", display_name="赵敏")
    h = await console.handoff()
    await console.login("wang")
    assert (await console.post(f"/console/handoffs/{h['id']}/claim")).status == 303
    page = (await console.page(f"/console/handoffs/{h['id']}"))[1]
    # colleagues offered by their names, never oneself
    assert '<option value="li.na">李娜</option>' in page and '<option value="boss">赵敏</option>' in page
    assert 'value="wang"' not in page and "转回队列" in page

    resp = await console.post(f"/console/handoffs/{h['id']}/transfer",
                              {"to": "li.na", "note": "客户已核实身份，回电请打13812345678"})
    assert resp.status == 303 and resp.headers["Location"] == f"/console/handoffs/{h['id']}?msg=transferred"
    item = await handoffs.get_handoff(console.db, h["id"])
    assert (item.handoff.status, item.handoff.claimed_by) == ("active", "li.na")
    # the customer is told who carries on
    told = fake_rasa.posted(h["conversation_id"], "tracker/events")[-1]["body"][0]
    assert told["text"] == "您好，您的问题已转交给客服李娜继续为您处理，请您稍候。"
    async with console.db.reading() as s:
        event = (await s.execute(select(CaseEvent).where(CaseEvent.kind == "transfer"))).scalar_one()
        written = await turns(console, event.case_id)
    note = [t for t in written if t.role == "note"][-1]
    assert note.text == "转交给李娜：客户已核实身份，回电请打138****5678" and note.author == "wang"
    assert [t.text for t in written if t.role == "agent"][-1].startswith("您好，您的问题已转交给客服李娜")
    assert (event.actor, event.old_value, event.new_value) == ("wang", "wang", "li.na")
    assert "13812345678" not in (event.note or "")
    assert any(a.action == "handoff.transfer" and a.actor == "wang" for a in await db.audit_trail(console.db, h["case_no"]))
    # it is li.na's now: wang can no longer reply, li.na can
    status, data = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": "还在吗"})
    assert status == 409
    await console.login("li.na")
    status, data = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": "您好，我是李娜，我来继续跟进。"})
    assert status == 200 and data["turn"]["delivery"] == "sent"
    assert data["turn"]["author"] == "李娜"  # as the stream shows it, never the user name
    case_page = (await console.page(f"/console/cases/{h['case_no']}"))[1]
    assert "转交" in case_page and "接入坐席" in case_page
    # the history's people by display name: who handed it on, from whom, to whom
    assert '<td data-label="操作人">王明</td>' in case_page and '<td data-label="新值">李娜</td>' in case_page
    assert "· 坐席 李娜</li>" in case_page  # 转人工记录: who holds it


async def test_back_to_the_queue_and_the_refusals(console: Console, fake_rasa) -> None:
    await console.user("wang", display_name="王明")
    await console.user("li.na", display_name="李娜")
    await console.user("gone", display_name="离职员工")
    h = await console.handoff()
    await console.login("wang")
    await console.post(f"/console/handoffs/{h['id']}/claim")
    # no note, nobody chosen, oneself, someone unknown or no longer active
    assert (await console.post(f"/console/handoffs/{h['id']}/transfer", {"to": "li.na", "note": " "})).status == 400
    assert (await console.post(f"/console/handoffs/{h['id']}/transfer", {"note": "请跟进"})).status == 400
    resp = await console.post(f"/console/handoffs/{h['id']}/transfer", {"to": "wang", "note": "请跟进"})
    assert resp.status == 409 and "不能转交给自己" in await resp.text()
    assert (await console.post(f"/console/handoffs/{h['id']}/transfer", {"to": "nobody", "note": "请跟进"})).status == 400
    from bot.casedesk.console.users import set_active
    await set_active(console.db, "gone", False)
    assert (await console.post(f"/console/handoffs/{h['id']}/transfer", {"to": "gone", "note": "请跟进"})).status == 400
    assert (await handoffs.get_handoff(console.db, h["id"])).handoff.claimed_by == "wang"

    # back to the queue: waiting again, for whoever is free
    assert (await console.post(f"/console/handoffs/{h['id']}/transfer", {"to": "queue", "note": "我要下班了，客户等回电"})).status == 303
    item = await handoffs.get_handoff(console.db, h["id"])
    assert (item.handoff.status, item.handoff.claimed_by) == ("waiting", None)
    assert fake_rasa.posted(h["conversation_id"], "tracker/events")[-1]["body"][0]["text"].startswith("您好，正在为您转接其他客服")
    # someone else's conversation cannot be given away
    await console.login("li.na")
    await console.post(f"/console/handoffs/{h['id']}/claim")
    await console.login("wang")
    assert (await console.post(f"/console/handoffs/{h['id']}/transfer", {"to": "queue", "note": "抢回来"})).status == 409


async def test_a_confidential_case_never_goes_to_the_branch_it_accuses(console: Console, fake_rasa) -> None:
    await console.user("hq", display_name="总行坐席")
    await console.user("branchguy", "supervisor", branch=BRANCH, display_name="网点主管")
    await console.user("other", display_name="其他坐席")
    secret = await console.handoff("human", branch=BRANCH, confidential=True)
    await console.login("hq")
    await console.post(f"/console/handoffs/{secret['id']}/claim")
    page = (await console.page(f"/console/handoffs/{secret['id']}"))[1]
    assert "网点主管" not in page and "其他坐席" in page
    resp = await console.post(f"/console/handoffs/{secret['id']}/transfer", {"to": "branchguy", "note": "请跟进"})
    assert resp.status == 409 and "保密投诉" in await resp.text()
    assert (await handoffs.get_handoff(console.db, secret["id"])).handoff.claimed_by == "hq"
