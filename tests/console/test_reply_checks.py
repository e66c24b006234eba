"""质检 before sending (issue 15) through the real app, on SQLite and PostgreSQL: a blocked reply
is not sent and says why in Chinese; a clean one goes out; every check is recorded; the author
asks for release and a supervisor lets it through with a reason (audited, sent as the author's
reply, noted in the transcript) or declines; the API refuses a blocked reply too; the
supervisor's 回复质检 page counts the blocks; access, CSRF and bad input."""
from __future__ import annotations

import json
from typing import Any, Dict, List

from sqlalchemy import select

from bot.casedesk.models import AuditEntry, ReplyCheck, TranscriptTurn

from .fakes import FakeRasa
from .helpers import Console

PROMISE = "您放心，我们保证赔偿您的全部损失。"
CARD = "您的卡号6222021234567890123已经冻结。"
CLEAN = "非常抱歉给您带来不便，我们会在15日内给您答复。"


async def _sign_in(console: Console, name: str, role: str = "agent", display_name: str = "王明") -> None:
    await console.user(name, role, display_name=display_name)
    assert (await console.login(name)).status == 303


async def _rows(console: Console) -> List[ReplyCheck]:
    async with console.db.reading() as s:
        return list((await s.execute(select(ReplyCheck).order_by(ReplyCheck.id))).scalars())


async def _audit(console: Console, action: str) -> List[AuditEntry]:
    async with console.db.reading() as s:
        return list((await s.execute(select(AuditEntry).where(AuditEntry.action == action))).scalars())


def _sent(fake_rasa: FakeRasa, h: Dict[str, Any]) -> List[str]:
    return [e["text"] for c in fake_rasa.posted(h["conversation_id"], "tracker/events")
            for e in (c["body"] if isinstance(c["body"], list) else [c["body"]]) if e.get("event") == "bot"]


async def test_a_promise_is_blocked_with_the_reason_and_nothing_is_sent(console: Console, fake_rasa: FakeRasa) -> None:
    h = await console.handoff("media")
    await _sign_in(console, "wang")
    status, data = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": PROMISE})
    assert status == 422 and data["blocked"] is True and data["can_release"] is False
    assert data["summary"] == "未发送：这条回复未通过发送前质检（承诺赔偿或处理结果）。"
    (finding,) = data["findings"]
    assert finding["rule"] == "promise" and finding["label"] == "承诺赔偿或处理结果"
    assert finding["words"] == ["保证赔"] and "15日内" in finding["advice"]
    assert _sent(fake_rasa, h) == []
    (row,) = await _rows(console)
    assert (row.verdict, row.status, row.author, row.rules, row.handoff_id) == ("blocked", "blocked", "wang", ["promise"], h["id"])
    assert row.text == PROMISE and row.text_enc is None and data["check_id"] == row.id
    (entry,) = await _audit(console, "reply.blocked")
    assert entry.actor == "wang" and entry.case_no == h["case_no"]
    assert json.loads(entry.detail) == {"check": row.id, "rules": ["promise"]}
    # nothing in the transcript either
    async with console.db.reading() as s:
        assert not (await s.execute(select(TranscriptTurn).where(TranscriptTurn.role == "agent"))).scalars().all()


async def test_a_clean_reply_goes_out_and_its_check_is_recorded(console: Console, fake_rasa: FakeRasa) -> None:
    h = await console.handoff("media")
    await _sign_in(console, "wang")
    status, data = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": CLEAN})
    assert status == 200 and data["ok"] and data["turn"]["text"] == CLEAN
    assert _sent(fake_rasa, h) == [CLEAN]
    (row,) = await _rows(console)
    assert (row.verdict, row.status, row.turn_id, row.text) == ("passed", "sent", data["turn"]["id"], None)


async def test_a_released_card_number_reaches_the_customer_whole_and_is_stored_masked(
    console: Console, fake_rasa: FakeRasa
) -> None:
    h = await console.handoff("media")
    await _sign_in(console, "zhao", "supervisor")
    _, blocked = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": CARD})
    status, data = await console.post_json(f"/console/reply-checks/{blocked['check_id']}/release", {"reason": "客户要求核对已冻结的卡号"})
    assert status == 200 and "6222021234567890123" not in json.dumps(data, ensure_ascii=False)
    assert _sent(fake_rasa, h) == [CARD]  # the customer gets what was written
    (row,) = await _rows(console)
    async with console.db.reading() as s:
        turn = await s.get(TranscriptTurn, row.turn_id)
    assert turn is not None and "6222021234567890123" not in turn.text and turn.text_enc
    assert row.text_enc is None and "6222021234567890123" not in (row.text or "")


async def test_a_card_number_is_blocked_and_stored_masked(console: Console, fake_rasa: FakeRasa) -> None:
    h = await console.handoff("media")
    await _sign_in(console, "wang")
    status, data = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": CARD})
    assert status == 422
    assert [(f["label"], f["words"]) for f in data["findings"]] == [("完整银行卡号", ["***************0123"])]
    assert "6222021234567890123" not in json.dumps(data, ensure_ascii=False)
    (row,) = await _rows(console)
    assert "6222021234567890123" not in row.text and row.text_enc  # the full text only encrypted
    assert _sent(fake_rasa, h) == []


async def test_without_javascript_the_page_comes_back_with_the_reason_and_the_text(console: Console) -> None:
    h = await console.handoff("media")
    await _sign_in(console, "wang")
    resp = await console.post(f"/console/handoffs/{h['id']}/messages", {"text": "你听不懂吗？说了多少遍了"})
    page = await resp.text()
    assert resp.status == 422
    assert "未发送：这条回复未通过发送前质检（不文明用语）。" in page
    assert "听不懂吗" in page and "说了多少遍" in page
    assert ">你听不懂吗？说了多少遍了</textarea>" in page  # what was typed is kept
    assert 'id="reply-request-form"' in page


async def test_agent_asks_and_a_supervisor_lets_it_through_with_a_reason(console: Console, fake_rasa: FakeRasa) -> None:
    h = await console.handoff("media")
    await _sign_in(console, "wang", display_name="王明")
    _, blocked = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": PROMISE})
    check_id = blocked["check_id"]
    status, data = await console.post_json(f"/console/reply-checks/{check_id}/request", {"note": "客户坚持要书面确认"})
    assert status == 200 and data["check"]["status"] == "requested"
    # a supervisor's page, and only a supervisor may decide
    status, _ = await console.post_json(f"/console/reply-checks/{check_id}/release", {"reason": "我自己放行"})
    assert status == 403
    await _sign_in(console, "zhao", "supervisor", display_name="赵主管")
    status, page = await console.page("/console/reply-checks")
    assert status == 200 and "待主管放行（1）" in page and "客户坚持要书面确认" in page
    status, page = await console.page(f"/console/handoffs/{h['id']}")
    assert "待主管放行的回复（1）" in page and PROMISE in page
    status, page = await console.page("/console/supervisor")
    assert status == 200 and 'id="count-reply-pending">1<' in page
    # a reason is required
    resp = await console.post(f"/console/reply-checks/{check_id}/release", {"reason": "好"})
    assert resp.status == 400 and "请写明放行理由" in await resp.text()
    assert _sent(fake_rasa, h) == []
    resp = await console.post(f"/console/reply-checks/{check_id}/release", {"reason": "已与法务确认措辞", "next": "/console/reply-checks"})
    assert resp.status == 303 and resp.headers["Location"] == "/console/reply-checks?msg=reply_released#reply-checks"
    assert _sent(fake_rasa, h) == [PROMISE]
    (row,) = await _rows(console)
    assert (row.status, row.decided_by, row.decision_reason) == ("released", "zhao", "已与法务确认措辞")
    assert row.text_enc is None and row.text == PROMISE
    async with console.db.reading() as s:
        turns = (await s.execute(select(TranscriptTurn).where(TranscriptTurn.case_id == row.case_id)
                                 .order_by(TranscriptTurn.id))).scalars().all()
    agent_turn = [t for t in turns if t.role == "agent"][-1]
    assert agent_turn.id == row.turn_id and agent_turn.author == "wang" and agent_turn.text == PROMISE
    note = [t for t in turns if t.role == "note"][-1]
    assert note.text == "质检放行：主管 赵主管 放行了 王明 被拦截的回复（承诺赔偿或处理结果）。理由：已与法务确认措辞"
    (entry,) = await _audit(console, "reply.release")
    assert entry.actor == "zhao" and entry.case_no == h["case_no"]
    assert json.loads(entry.detail) == {"check": check_id, "author": "wang", "rules": ["promise"], "reason": "已与法务确认措辞"}
    assert len(await _audit(console, "reply.release_request")) == 1
    # once decided, a second click is refused with who and when
    resp = await console.post(f"/console/reply-checks/{check_id}/release", {"reason": "再放行一次"})
    assert resp.status == 409 and "已由 赵主管" in await resp.text()
    assert _sent(fake_rasa, h) == [PROMISE]
    # the figures
    status, page = await console.page("/console/reply-checks")
    assert 'id="fig-checked">1<' in page and 'id="fig-blocked">1<' in page and 'id="fig-released">1<' in page
    assert "待主管放行（0）" in page and "已与法务确认措辞" in page


async def test_the_author_follows_the_request_and_sees_a_refusal(console: Console, fake_rasa: FakeRasa) -> None:
    h = await console.handoff("media")
    await _sign_in(console, "wang")
    _, blocked = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": PROMISE})
    check_id = blocked["check_id"]
    await console.post_json(f"/console/reply-checks/{check_id}/request", {})
    await _sign_in(console, "zhao", "supervisor", display_name="赵主管")
    resp = await console.post(f"/console/reply-checks/{check_id}/reject", {"note": "请改为说明处理时限"})
    assert resp.status == 303
    await console.login("wang")
    resp = await console.client.get(f"/console/reply-checks/{check_id}", headers={"Accept": "application/json"})
    state = await resp.json()
    assert (state["status"], state["status_label"], state["decided_by"], state["decision_reason"]) == (
        "rejected", "主管未放行", "zhao", "请改为说明处理时限")
    assert state["author_name"] == "王明" and state["decided_by_name"] == "赵主管"
    assert _sent(fake_rasa, h) == []
    assert len(await _audit(console, "reply.reject")) == 1


async def test_a_supervisor_releases_their_own_blocked_reply_at_once(console: Console, fake_rasa: FakeRasa) -> None:
    h = await console.handoff("media")
    await _sign_in(console, "zhao", "supervisor", display_name="赵主管")
    status, blocked = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": PROMISE})
    assert status == 422 and blocked["can_release"] is True
    status, data = await console.post_json(f"/console/reply-checks/{blocked['check_id']}/release", {"reason": "客户已签署和解协议，按协议告知"})
    assert status == 200 and data["turn"]["text"] == PROMISE and data["check"]["status"] == "released"
    assert _sent(fake_rasa, h) == [PROMISE]


async def test_only_the_author_asks_and_other_rules(console: Console) -> None:
    h = await console.handoff("media")
    await _sign_in(console, "wang")
    _, blocked = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": PROMISE})
    check_id = blocked["check_id"]
    # without the CSRF token nothing happens
    resp = await console.post(f"/console/reply-checks/{check_id}/request", {}, csrf=None)
    assert resp.status == 403
    await _sign_in(console, "li", "agent")
    status, data = await console.post_json(f"/console/reply-checks/{check_id}/request", {})
    assert status == 409 and data["message"] == "只有写这条回复的坐席可以申请放行。"
    status, _ = await console.page("/console/reply-checks")
    assert status == 403  # agents do not see the supervisor's page
    for bad in ("0", "abc", "99999999999"):
        status, _ = await console.page(f"/console/reply-checks/{bad}")
        assert status == 404
    await _sign_in(console, "trainer1", "trainer")
    status, _ = await console.page(f"/console/reply-checks/{check_id}")
    assert status == 403


async def test_the_api_refuses_a_blocked_reply_too(console: Console, fake_rasa: FakeRasa) -> None:
    h = await console.handoff("media")
    status, data = await console.api("POST", f"/api/handoffs/{h['id']}/messages", {"text": "一定给您解决，包赔！"})
    assert status == 422 and data["error"] == "reply_blocked"
    assert data["message"].startswith("未发送：这条回复未通过发送前质检（承诺赔偿或处理结果）。")
    assert _sent(fake_rasa, h) == []
    status, data = await console.api("POST", f"/api/handoffs/{h['id']}/messages", {"text": CLEAN})
    assert status == 201 and _sent(fake_rasa, h) == [CLEAN]
    # an internal note is never sent, so it is not checked
    status, _ = await console.api("POST", f"/api/handoffs/{h['id']}/messages", {"text": "客户说要投诉到底，保证赔偿？", "internal": True})
    assert status == 201
    rows = await _rows(console)
    assert [(r.source, r.verdict) for r in rows] == [("api", "blocked"), ("api", "passed")]


async def test_a_release_after_the_handoff_ended_is_refused_and_stays_open(console: Console, fake_rasa: FakeRasa) -> None:
    h = await console.handoff("media")
    await _sign_in(console, "wang")
    _, blocked = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": PROMISE})
    await console.post_json(f"/console/reply-checks/{blocked['check_id']}/request", {"note": "请主管看看"})
    status, _ = await console.post_json(f"/console/handoffs/{h['id']}/close", {})
    assert status == 200
    await _sign_in(console, "zhao", "supervisor", display_name="赵主管")
    status, data = await console.post_json(f"/console/reply-checks/{blocked['check_id']}/release", {"reason": "已与法务确认措辞"})
    assert status == 409 and "已结束" in data["message"]
    (row,) = await _rows(console)
    assert (row.status, row.decided_by, row.turn_id) == ("requested", None, None)
    assert _sent(fake_rasa, h) == []
    assert await _audit(console, "reply.release") == []
    # a blocked reply on an ended handoff is not even recorded: it could not have been sent
    status, data = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": PROMISE})
    assert status == 409 and len(await _rows(console)) == 1
