"""Queue, workspace, case detail and supervisor pages: data, confidentiality, audit, escaping,
and the agent's actions reaching Rasa (a fake on loopback)."""
from __future__ import annotations

import json
import re

from bot.casedesk import db
from bot.casedesk.handoffs import service as handoffs
from bot.casedesk.console.stats import sla_hit_rates
from bot.casedesk.models import TranscriptTurn

from .helpers import Console

SCRIPT = "<script>alert(1)</script>"
BRANCH = "朝阳路支行"


def queue_json(page: str) -> dict:
    raw = re.search(r'<script type="application/json" id="queue-data">(.*?)</script>', page, re.S).group(1)
    return json.loads(raw)


async def test_queue_lists_open_handoffs_masked_and_in_order(console: Console) -> None:
    await console.user("wang")
    first = await console.handoff("anger")
    second = await console.handoff("violence", phone="13900001111")
    await console.login("wang")
    status, page = await console.page("/console")
    assert status == 200
    items = queue_json(page)["items"]
    # a threat of violence before anger, though it came later (test_queue_order.py)
    assert [i["id"] for i in items] == [second["id"], first["id"]]
    assert items[1]["reason_label"] == "情绪激动" and items[0]["reason_label"] == "暴力威胁"
    assert items[0]["phone"] == "139****1111" and "13900001111" not in page
    assert items[1]["category_label"] == "交易争议" and items[1]["contact_due_at"]


async def test_confidential_case_is_hidden_from_its_branch(console: Console) -> None:
    await console.user("branchguy", "supervisor", branch=BRANCH)
    await console.user("hq", "agent")
    secret = await console.handoff("human", branch=BRANCH, confidential=True)
    open_ = await console.handoff("human", branch=BRANCH, confidential=False)

    await console.login("branchguy")
    items = queue_json((await console.page("/console"))[1])["items"]
    assert [i["id"] for i in items] == [open_["id"]]
    assert (await console.page(f"/console/handoffs/{secret['id']}"))[0] == 404
    assert (await console.page(f"/console/cases/{secret['case_no']}"))[0] == 404
    assert (await console.post(f"/console/handoffs/{secret['id']}/claim")).status == 404
    assert (await console.post(f"/console/cases/{secret['case_no']}/status", {"status": "acknowledged"})).status == 404
    supervisor = (await console.page("/console/supervisor"))[1]
    assert secret["case_no"] not in supervisor and open_["case_no"] in supervisor
    # a refused look is not a read: no audit row claims the branch saw it
    assert [a for a in await db.audit_trail(console.db, secret["case_no"]) if a.action == "read"] == []

    await console.login("hq")
    items = queue_json((await console.page("/console"))[1])["items"]
    assert {i["id"] for i in items} == {secret["id"], open_["id"]}
    assert (await console.page(f"/console/cases/{secret['case_no']}"))[0] == 200


async def test_case_detail_shows_full_pii_and_is_audited(console: Console) -> None:
    await console.user("wang")
    h = await console.handoff()
    await console.login("wang")
    status, page = await console.page(f"/console/cases/{h['case_no']}")
    assert status == 200
    assert "13812345678" in page and "王建国" in page
    # a case still in a queue names the queue in Chinese, never its code (issue 15)
    assert "queue:" not in page and "待分配（" in page
    # the history is in words: no event kind, field or value code (issue 15)
    history = page.split("处理历史", 1)[1]
    for code in ("created", "handoff_reason", ">human<", ">new<", "high_priority", ">status<"):
        assert code not in history, code
    assert "受理" in history and "转人工原因" in history and "媒体曝光" in history
    assert ">service<" not in history and "智能助手" in history  # the assistant that filed it
    reads = [a for a in await db.audit_trail(console.db, h["case_no"]) if a.action == "read"]
    assert [a.actor for a in reads] == ["wang"]
    # the workspace and queue keep them masked
    _, workspace = await console.page(f"/console/handoffs/{h['id']}")
    assert "13812345678" not in workspace and "138****5678" in workspace
    assert "王建国" not in workspace
    # the workspace shows what the customer wrote: its view is audited too
    views = [a for a in await db.audit_trail(console.db, h["case_no"]) if a.action == "handoff.view"]
    assert [a.actor for a in views] == ["wang"]
    # an id beyond the integer column is a plain 404, on PostgreSQL too
    assert (await console.page("/console/handoffs/99999999999"))[0] == 404


async def test_customer_text_is_escaped(console: Console, fake_rasa) -> None:
    await console.user("wang")
    h = await console.handoff(transcript=[{"role": "customer", "text": f"你们太过分了{SCRIPT}"}])
    fake_rasa.customer_says(h["conversation_id"], f"还有{SCRIPT}<img src=x onerror=alert(2)>")
    await handoffs.sync_once(console.db, _bridge(console))
    await console.login("wang")
    for path in (f"/console/handoffs/{h['id']}", f"/console/cases/{h['case_no']}"):
        page = (await console.page(path))[1]
        assert SCRIPT not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def _bridge(console: Console):
    from bot.casedesk.handoffs.rasa_bridge import RASA_KEY

    return console.app[RASA_KEY]


async def test_claim_reply_note_release(console: Console, fake_rasa) -> None:
    await console.user("wang", display_name="王明")
    h = await console.handoff()
    await console.login("wang")
    resp = await console.post(f"/console/handoffs/{h['id']}/claim")
    assert resp.status == 303 and resp.headers["Location"] == f"/console/handoffs/{h['id']}?msg=claimed"

    status, data = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": "您好，我是王明，请您放心。"})
    assert status == 200 and data["turn"]["delivery"] == "sent"
    sent = fake_rasa.posted(h["conversation_id"], "tracker/events")
    assert sent[-1]["body"][0]["text"] == "您好，我是王明，请您放心。"

    status, data = await console.post_json(f"/console/handoffs/{h['id']}/notes", {"text": "客户情绪已平复"})
    assert status == 200 and data["turn"]["role"] == "note"
    # the greeting by name at the claim, then the reply; a note is never sent
    assert [c["body"][0]["text"] for c in fake_rasa.posted(h["conversation_id"], "tracker/events")] == [
        "您好，我是客服王明，接下来由我为您服务，请问有什么可以帮您？", "您好，我是王明，请您放心。"]

    fake_rasa.fail = True
    status, data = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": "第二条"})
    assert status == 200 and data["turn"]["delivery"] == "failed"
    page = (await console.page(f"/console/handoffs/{h['id']}"))[1]
    assert "发送失败" in page and "内部备注" in page
    # release fails while Rasa is down: the agent keeps the conversation
    status, data = await console.post_json(f"/console/handoffs/{h['id']}/release", {})
    assert status == 503 and "会话仍由您接管" in data["message"]
    fake_rasa.fail = False

    resp = await console.post(f"/console/handoffs/{h['id']}/release")
    assert resp.status == 303
    assert fake_rasa.posted(h["conversation_id"], "execute")[-1]["body"] == {"name": "utter_handoff_released"}
    item = await handoffs.get_handoff(console.db, h["id"])
    assert item.handoff.status == "closed" and item.handoff.outcome == "released"
    async with console.db.reading() as s:
        from sqlalchemy import select

        roles = [t.role for t in (await s.execute(select(TranscriptTurn).order_by(TranscriptTurn.id))).scalars()]
    assert roles.count("agent") == 3 and roles.count("note") == 1  # the greeting, two replies


async def test_empty_reply_is_refused_politely(console: Console) -> None:
    await console.user("wang")
    h = await console.handoff()
    await console.login("wang")
    status, data = await console.post_json(f"/console/handoffs/{h['id']}/messages", {"text": "  "})
    assert status == 400 and "不能为空" in data["message"]


async def test_status_change_and_extension(console: Console) -> None:
    await console.user("wang")
    await console.user("boss", "supervisor")
    h = await console.handoff()
    await console.login("wang")
    resp = await console.post(
        f"/console/cases/{h['case_no']}/status",
        {"status": "acknowledged", "note": "已电话联系", "next": f"/console/handoffs/{h['id']}"},
    )
    assert resp.status == 303 and resp.headers["Location"] == f"/console/handoffs/{h['id']}?msg=status"
    status, data = await console.api("GET", f"/api/cases/{h['case_no']}")
    assert data["status"] == "acknowledged"
    assert any(e["actor"] == "wang" and e["new_value"] == "acknowledged" for e in data["history"])
    resp = await console.post(f"/console/cases/{h['case_no']}/status", {"status": "closed"})
    assert resp.status == 409 and "不能变更为" in await resp.text()
    assert (await console.post(f"/console/cases/{h['case_no']}/extend", {"reason": "需调查"})).status == 403

    await console.login("boss")
    resp = await console.post(f"/console/cases/{h['case_no']}/extend", {"reason": "需调取监控"})
    assert resp.status == 303
    _, data = await console.api("GET", f"/api/cases/{h['case_no']}")
    assert data["sla"]["extended"] is True


async def test_supervisor_view(console: Console, clock) -> None:
    await console.user("boss", "supervisor")
    for phone in ("13800000001", "13800000002", "13800000003"):
        await console.api("POST", "/api/cases", _case(phone))
    await console.handoff("regulator")
    clock.advance(hours=2)  # the handoff's 1 h contact deadline has passed
    await console.login("boss")
    status, page = await console.page("/console/supervisor")
    assert status == 200
    assert "<svg" in page and "交易争议" in page and "朝阳路支行" in page
    assert re.search(r'id="count-waiting">1<', page)
    assert re.search(r'id="count-overdue">[1-9]', page)
    assert "群体" in page  # three customers, same branch and category within 24 h


def _case(phone: str) -> dict:
    from tests.casedesk.helpers import case_payload

    return case_payload(phone=phone)


def test_sla_hit_rate_per_day() -> None:
    from datetime import datetime, timedelta, timezone

    now = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
    due = now - timedelta(hours=3)
    rows = [
        (due, due - timedelta(minutes=5), "acknowledged"),   # met
        (due, due + timedelta(minutes=5), "acknowledged"),   # late
        (due, None, "new"),                                   # missed
        (now + timedelta(hours=1), None, "new"),              # pending: not counted
        (due, None, "withdrawn"),                             # withdrawn first: not counted
    ]
    bars = sla_hit_rates(rows, now)
    assert len(bars) == 14
    today = bars[-1]
    assert today.value == 33 and today.note == "1/3"
    assert bars[0].note == "无到期"


def test_every_queue_a_case_can_be_routed_to_has_a_chinese_name() -> None:
    from bot.casedesk.cases import case_rules
    from bot.casedesk.console import labels
    queues = {case_rules.QUEUE_HIGH, case_rules.QUEUE_GENERAL, *case_rules.CATEGORY_QUEUES.values()}
    assert queues <= set(labels.QUEUE_LABELS)


async def test_the_customers_ratings_on_the_case_and_the_supervisor_page(console: Console) -> None:
    await console.user("boss", "supervisor")
    filed = []
    for phone, category in (("13800000011", "transaction_dispute"), ("13800000012", "transaction_dispute"),
                            ("13800000013", "staff_service")):
        payload = {**_case(phone), "category": category}
        status, body = await console.api("POST", "/api/cases", payload)
        assert status == 201, body
        filed.append({**body, "conversation_id": payload["conversation_id"]})
    for body, score in zip(filed[:2], (5, 2)):
        code, _ = await console.api("POST", f"/api/cases/{body['case_no']}/rating",
                                    {"conversation_id": body["conversation_id"], "score": score})
        assert code == 200
    await console.login("boss")
    page = (await console.page("/console/supervisor"))[1]
    section = page[page.index('id="satisfaction"'):]
    assert "登记 3 件，其中 2 件客户给了评分，平均 <strong>3.5</strong> 分" in section
    assert re.search(r"<td[^>]*>交易争议</td><td[^>]*>2</td><td[^>]*>3.5</td>", section)
    assert re.search(r"<td[^>]*>人员服务</td><td[^>]*>0</td><td[^>]*>—</td>", section)
    case_page = (await console.page(f"/console/cases/{filed[0]['case_no']}"))[1]
    assert "5 分（满分 5 分" in case_page and "客户评价" in case_page
    assert "未评价" in (await console.page(f"/console/cases/{filed[2]['case_no']}"))[1]
