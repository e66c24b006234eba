"""Trainer pages through the real app (SQLite and PostgreSQL case desk), reading a tracker store
written by Rasa's own SQLTrackerStore: roles, PII, filters, audit, story export, the NLU inbox,
confidential cases, escalation keywords and the evaluation report."""
from __future__ import annotations

import html
import json
import re
import sqlite3
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Dict

import pytest
import yaml
from sqlalchemy import select, text

from bot.casedesk.appkeys import SETTINGS_KEY
from bot.casedesk.console.trainer_views import REPORT_CSP
from bot.casedesk.domain import CHINA_TZ
from bot.casedesk.models import NluExample
from bot.escalation.rules import RULES_DIR, norm
from tests.trainer.rasa_trackers import OPENID, action, bot, opening, save, slot, sqlite_store, user

from .helpers import Console

BRANCH = "朝阳路支行"
REAL_PHONE = "13912345678"
REAL_NAME = "欧阳建国"
SECRET_SENDER = f"web-{uuid.uuid4().hex[:10]}"
ROUTES_GET = ["/console/trainer", "/console/trainer/conversations/1", "/console/trainer/conversations/1/story.yml",
              "/console/trainer/inbox", "/console/trainer/nlu.yml", "/console/trainer/keywords",
              "/console/trainer/report/index.html"]
ROUTES_POST = ["/console/trainer/inbox/1", "/console/trainer/inbox/examples/1/undo"]


@pytest.fixture
async def tracker(console: Console) -> Dict[str, int]:
    """Four conversations in the tracker store the app reads; returns each one's key (the id
    of its first customer message) and the ids of the messages the inbox is about."""
    url = console.app[SETTINGS_KEY].tracker_db_url
    path = Path(url.split("sqlite:///", 1)[1])
    store = sqlite_store(path)
    now = time.time()
    try:
        await save(store, OPENID, [
            *opening(now - 600),
            user("我叫欧阳建国，手机139 1234 5678，在朝阳路支行被吞卡了", "complain", 0.93,
                 ("customer_name", REAL_NAME), ("phone", REAL_PHONE), ("branch", BRANCH),
                 seen="我叫欧阳建国，手机13912345678，在朝阳路支行被吞卡了", at=now - 590,
                 ranking=[("inform", 0.05)]),
            action("utter_apologize", now - 589),
            bot(f"非常抱歉，{REAL_NAME}先生，{REAL_PHONE} 已记下", now - 588),
            user("嗯嗯那个啥 asdf", "nlu_fallback", 0.3, at=now - 580),
            slot("handoff_reason", "media", now - 570),
            action("action_handoff", now - 569),
        ])
        await save(store, "web-open-1", [
            *opening(now - 500),
            user("我的信用卡被盗刷了", "complain", 0.45, channel="socketio", at=now - 490),
            user("好的谢谢", "thank", 0.98, channel="socketio", at=now - 480),
        ])
        await save(store, "rest-old-1", [
            *opening(now - 2 * 86400),
            user("你好", "greet", 0.99, channel="rest", at=now - 2 * 86400 + 10),
            slot("customer_name", "钱多多", now - 2 * 86400 + 20),
        ])
        await save(store, SECRET_SENDER, [
            *opening(now - 400),
            user("我要投诉朝阳路支行的经理", "complain", 0.5, ("branch", BRANCH), channel="socketio", at=now - 390),
        ])
    finally:
        store.engine.dispose()
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT id, sender_id, data FROM events WHERE type_name = 'user' ORDER BY id").fetchall()
    conn.close()
    first: Dict[str, int] = {}
    ids: Dict[str, int] = {}
    for event_id, sender, data in rows:
        first.setdefault(sender, event_id)
        said = json.loads(data)["text"]
        for label, needle in (("fallback", "嗯嗯那个啥"), ("stolen", "信用卡被盗刷"), ("thanks", "好的谢谢"),
                              ("secret", "投诉朝阳路支行的经理"), ("opening", "吞卡")):
            if needle in said:
                ids[label] = event_id
    return {"wechat": first[OPENID], "web": first["web-open-1"], "old": first["rest-old-1"],
            "secret": first[SECRET_SENDER], **ids, "now": now}  # type: ignore[dict-item]


async def trainer(console: Console, name: str = "teach", branch: str | None = None) -> None:
    await console.user(name, "trainer", branch=branch)
    resp = await console.login(name)
    assert resp.status == 303


def keys(page: str) -> list:
    return [int(k) for k in re.findall(r'<tr data-key="(\d+)"', page)]


def inbox_events(page: str) -> list:
    return [int(k) for k in re.findall(r'<tr data-event="(\d+)"', page)]


def assert_no_pii(page: str) -> None:
    for secret in (REAL_PHONE, "139 1234 5678", REAL_NAME, "欧阳", OPENID, "web-open-1", SECRET_SENDER, "钱多多"):
        assert secret not in page, secret


def beijing_day(ts: float) -> str:
    return datetime.fromtimestamp(ts, CHINA_TZ).date().isoformat()


# ---------------------------------------------------------------------------------------------
# who may open the pages


async def test_only_trainers_may_open_the_trainer_pages(console: Console, tracker) -> None:
    for route in ROUTES_GET:
        status, _ = await console.page(route)
        assert status == 303, route
    resp = await console.client.get("/console/trainer/inbox", allow_redirects=False)
    assert resp.headers["Location"].startswith("/console/login?next=/console/trainer/inbox")
    for role in ("agent", "supervisor"):
        await console.user(f"u-{role}", role)
        await console.login(f"u-{role}")
        for route in ROUTES_GET:
            assert (await console.page(route))[0] == 403, (role, route)
        for route in ROUTES_POST:
            resp = await console.post(route, {"action": "discard"})
            assert resp.status == 403, (role, route)
    async with console.db.reading() as s:
        assert (await s.execute(select(NluExample))).scalars().all() == []


# ---------------------------------------------------------------------------------------------
# the conversation list


async def test_list_shows_conversations_with_placeholders(console: Console, tracker) -> None:
    await trainer(console)
    status, page = await console.page("/console/trainer")
    assert status == 200
    assert set(keys(page)) == {tracker["wechat"], tracker["web"], tracker["old"], tracker["secret"]}
    assert keys(page)[0] == tracker["secret"]  # newest first
    assert_no_pii(page)
    assert "我叫张三，手机13800000000，在朝阳路支行被吞卡了" in page
    assert "共 4 段对话" in page
    row = re.search(rf'<tr data-key="{tracker["wechat"]}">(.*?)</tr>', page, re.S).group(1)
    assert "微信公众号" in row and "媒体曝光" in row and "0.30" in row and "nlu_fallback" in row


@pytest.mark.parametrize("query, expected", [
    ("channel=wechat", ["wechat"]),
    ("channel=socketio", ["secret", "web"]),
    ("intent=greet", ["old"]),
    ("intent=nlu_fallback", ["wechat"]),
    ("reason=any", ["wechat"]),
    ("reason=media", ["wechat"]),
    ("reason=anger", []),
    ("max_confidence=0.45", ["web", "wechat"]),
    ("order=confidence", ["wechat", "web", "secret", "old"]),
    ("channel=rest&intent=complain", []),
])
async def test_each_filter_narrows_the_list(console: Console, tracker, query, expected) -> None:
    await trainer(console)
    status, page = await console.page(f"/console/trainer?{query}")
    assert status == 200
    assert keys(page) == [tracker[k] for k in expected]
    if not expected:
        assert 'id="empty"' in page


async def test_date_filters(console: Console, tracker) -> None:
    await trainer(console)
    old_day = beijing_day(tracker["now"] - 2 * 86400 + 10)
    _, page = await console.page(f"/console/trainer?since={old_day}&until={old_day}")
    assert keys(page) == [tracker["old"]]
    yesterday = beijing_day(tracker["now"] - 86400)
    _, page = await console.page(f"/console/trainer?since={yesterday}")
    assert tracker["old"] not in keys(page) and len(keys(page)) == 3


@pytest.mark.parametrize("query, message", [
    ("since=2026-13-01", "日期格式应为 2026-11-22。"),
    ("since=2026-11-22&until=2026-11-01", "开始日期不能晚于结束日期。"),
    ("since=2026-01-01&until=2026-11-01", "日期范围最多 92 天，请缩小范围。"),
    ("intent=buy_a_car", "未知的意图。"),
    ("channel=telegram", "未知的渠道。"),
    ("max_confidence=2", "置信度应为 0 到 1 之间的数，例如 0.6。"),
])
async def test_a_bad_filter_is_a_400_with_the_reason(console: Console, tracker, query, message) -> None:
    await trainer(console)
    status, page = await console.page(f"/console/trainer?{query}")
    assert status == 400
    assert re.search(r'<p class="error" role="alert">([^<]*)</p>', page).group(1) == message
    assert keys(page) == []


# ---------------------------------------------------------------------------------------------
# one conversation


async def audit_rows(console: Console, action: str) -> list:
    async with console.db.reading() as s:
        rows = await s.execute(text("SELECT actor, action, case_no FROM audit_log WHERE action = :a"), {"a": action})
        return [tuple(r) for r in rows]


async def test_conversation_view_shows_the_nlu_and_is_audited(console: Console, tracker) -> None:
    await trainer(console)
    assert await audit_rows(console, "trainer.conversation.view") == []
    status, page = await console.page(f"/console/trainer/conversations/{tracker['wechat']}")
    assert status == 200
    assert_no_pii(page)
    assert '<strong class="intent">complain</strong>' in page
    assert '<strong class="intent">nlu_fallback</strong>' in page
    assert '<span class="confidence">0.93</span>' in page
    assert '<span class="confidence error">0.30</span>' in page
    assert '<mark class="entity" title="branch">朝阳路支行<sub>branch</sub></mark>' in page
    assert '<mark class="entity" title="phone">13800000000<sub>phone</sub></mark>' in page
    assert '<mark class="entity" title="customer_name">张三<sub>customer_name</sub></mark>' in page
    assert "<code>branch</code> = 朝阳路支行" in page
    assert "非常抱歉，张三先生，13800000000 已记下" in page
    assert "其次：inform 0.05" in page
    assert "转人工：机器人暂停" not in page  # no pause event in this one
    rows = await audit_rows(console, "trainer.conversation.view")
    assert len(rows) == 1 and rows[0][0] == "teach"
    assert rows[0][2] and OPENID not in rows[0][2]


async def test_unknown_or_malformed_conversation_keys_are_404(console: Console, tracker) -> None:
    await trainer(console)
    for key in ("999999", "abc", "１２", "9" * 13):
        assert (await console.page(f"/console/trainer/conversations/{key}"))[0] == 404, key
    assert await audit_rows(console, "trainer.conversation.view") == []


async def test_story_download_is_a_scrubbed_rasa_test_story(console: Console, tracker) -> None:
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

    await trainer(console)
    resp = await console.client.get(f"/console/trainer/conversations/{tracker['wechat']}/story.yml")
    assert resp.status == 200
    assert re.fullmatch(r'attachment; filename="test_conversation_[0-9a-f]{12}\.yml"',
                        resp.headers["Content-Disposition"])
    body = await resp.text()
    assert_no_pii(body)
    data = yaml.safe_load(body)
    steps = data["stories"][0]["steps"]
    assert steps[0]["intent"] == "complain" and "13800000000" in steps[0]["user"]
    assert steps[-1] == {"action": "action_handoff"}
    parsed = YAMLStoryReader().read_from_string(body)
    assert len(parsed) == 1 and parsed[0].block_name.startswith("conversation ")
    assert await audit_rows(console, "trainer.story.export") != []


# ---------------------------------------------------------------------------------------------
# the NLU inbox


async def nlu_rows(console: Console) -> list:
    async with console.db.reading() as s:
        return list((await s.execute(select(NluExample).order_by(NluExample.id))).scalars())


async def test_inbox_lists_unsure_messages_least_confident_first(console: Console, tracker) -> None:
    await trainer(console)
    status, page = await console.page("/console/trainer/inbox")
    assert status == 200
    assert inbox_events(page) == [tracker["fallback"], tracker["stolen"], tracker["secret"]]
    assert tracker["thanks"] not in inbox_events(page) and tracker["opening"] not in inbox_events(page)
    assert_no_pii(page)
    status, page = await console.page("/console/trainer/inbox?below=0.95")
    assert inbox_events(page) == [tracker["fallback"], tracker["stolen"], tracker["secret"], tracker["opening"]]
    assert 'value="我叫[张三](customer_name)，手机[13800000000](phone)，在[朝阳路支行](branch)被吞卡了"' in page
    assert_no_pii(page)


async def test_confirm_with_a_correction_is_exported(console: Console, tracker) -> None:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    await trainer(console)
    resp = await console.post(f"/console/trainer/inbox/{tracker['stolen']}", {
        "intent": "inform", "annotated": "我的信用卡在[朝阳路支行](branch)被盗刷了", "action": "confirm",
    })
    assert resp.status == 303 and resp.headers["Location"].endswith("msg=confirmed")
    _, page = await console.page("/console/trainer/inbox")
    assert tracker["stolen"] not in inbox_events(page)
    assert "已确认，这句话会出现在导出的训练数据里。" not in page  # no msg in this URL
    resp = await console.client.get("/console/trainer/nlu.yml")
    assert resp.status == 200 and resp.headers["Content-Disposition"].startswith('attachment; filename="inbox_')
    data = RasaYAMLReader().reads(await resp.text())
    assert [(m.get("intent"), m.get("text"), m.get("entities")) for m in data.intent_examples] == [
        ("inform", "我的信用卡在朝阳路支行被盗刷了",
         [{"start": 6, "end": 11, "value": "朝阳路支行", "entity": "branch"}]),
    ]
    [row] = await nlu_rows(console)
    assert (row.status, row.intent, row.predicted_intent, row.confidence, row.reviewed_by) == \
        ("confirmed", "inform", "complain", 0.45, "teach")


async def test_a_correction_with_a_real_phone_is_refused(console: Console, tracker) -> None:
    await trainer(console)
    resp = await console.post(f"/console/trainer/inbox/{tracker['fallback']}", {
        "intent": "out_of_scope", "annotated": "嗯嗯那个啥 asdf 139 1234 5678", "action": "confirm",
    })
    assert resp.status == 400
    page = await resp.text()
    assert re.search(r'id="inbox-error">([^<]*)<', page).group(1) == \
        "例句里还有个人信息：手机号（请换成 13800000000 这样的占位号码）。"
    assert await nlu_rows(console) == []
    assert tracker["fallback"] in inbox_events(page)
    body = await (await console.client.get("/console/trainer/nlu.yml")).text()
    assert "1234" not in body and "asdf" not in body


async def test_unknown_intent_or_entity_is_refused(console: Console, tracker) -> None:
    await trainer(console)
    for form, message in (
        ({"intent": "escalate", "annotated": "嗯嗯"}, "请选择一个意图。"),
        ({"intent": "inform", "annotated": "[嗯嗯](card_no)"}, "没有这个实体：card_no。"),
    ):
        resp = await console.post(f"/console/trainer/inbox/{tracker['fallback']}", {**form, "action": "confirm"})
        assert resp.status == 400
        assert message in await resp.text()
    assert await nlu_rows(console) == []


async def test_discard_then_undo(console: Console, tracker) -> None:
    await trainer(console)
    resp = await console.post(f"/console/trainer/inbox/{tracker['fallback']}", {
        "intent": "out_of_scope", "annotated": "嗯嗯那个啥 asdf", "action": "discard", "below": "0.6",
    })
    assert resp.status == 303 and resp.headers["Location"] == "/console/trainer/inbox?order=confidence&below=0.6&msg=discarded"
    [row] = await nlu_rows(console)
    assert (row.status, row.text, row.intent, row.entities) == ("discarded", None, None, [])
    status, page = await console.page(resp.headers["Location"])
    assert tracker["fallback"] not in inbox_events(page)
    assert "已忽略这句话。" in page
    assert "嗯嗯那个啥" not in page
    undo = re.search(r'action="(/console/trainer/inbox/examples/(\d+)/undo)"', page)
    assert int(undo.group(2)) == row.id
    resp = await console.post(undo.group(1))
    assert resp.status == 303 and resp.headers["Location"].endswith("msg=undone")
    assert await nlu_rows(console) == []
    _, page = await console.page("/console/trainer/inbox")
    assert tracker["fallback"] in inbox_events(page)
    # undoing twice is a 404, not a second delete
    assert (await console.post(undo.group(1))).status == 404


async def test_posts_without_the_csrf_token_are_refused(console: Console, tracker) -> None:
    await trainer(console)
    resp = await console.post(f"/console/trainer/inbox/{tracker['fallback']}",
                              {"intent": "out_of_scope", "annotated": "嗯嗯", "action": "confirm"}, csrf=None)
    assert resp.status == 403
    resp = await console.post(f"/console/trainer/inbox/{tracker['fallback']}",
                              {"action": "discard"}, csrf="not-the-token")
    assert resp.status == 403
    assert await nlu_rows(console) == []


async def test_decisions_only_for_customer_messages(console: Console, tracker) -> None:
    await trainer(console)
    for event_id in (tracker["wechat"] - 1, 999999, "x"):  # an action event, no event, not a number
        resp = await console.post(f"/console/trainer/inbox/{event_id}", {"action": "discard"})
        assert resp.status == 404, event_id
    assert await nlu_rows(console) == []


# ---------------------------------------------------------------------------------------------
# confidential cases


async def test_confidential_conversation_is_hidden_from_its_branch(console: Console, tracker) -> None:
    await console.handoff("human", branch=BRANCH, confidential=True, conversation_id=SECRET_SENDER)
    # a confidential case about another branch, and an open case about this one, hide nothing
    await console.handoff("human", branch="桃园支行", confidential=True, conversation_id="web-open-1")
    await console.handoff("human", branch=BRANCH, confidential=False, conversation_id=OPENID)

    await trainer(console, "branchtrainer", branch=BRANCH)
    _, page = await console.page("/console/trainer")
    assert set(keys(page)) == {tracker["wechat"], tracker["web"], tracker["old"]}
    assert (await console.page(f"/console/trainer/conversations/{tracker['secret']}"))[0] == 404
    assert (await console.page(f"/console/trainer/conversations/{tracker['secret']}/story.yml"))[0] == 404
    _, page = await console.page("/console/trainer/inbox")
    assert tracker["secret"] not in inbox_events(page) and "投诉朝阳路支行的经理" not in page
    resp = await console.post(f"/console/trainer/inbox/{tracker['secret']}", {"action": "discard"})
    assert resp.status == 404
    assert await nlu_rows(console) == []
    assert await audit_rows(console, "trainer.conversation.view") == []

    await trainer(console, "hqtrainer")
    _, page = await console.page("/console/trainer")
    assert tracker["secret"] in keys(page)
    assert (await console.page(f"/console/trainer/conversations/{tracker['secret']}"))[0] == 200
    _, page = await console.page("/console/trainer/inbox")
    assert tracker["secret"] in inbox_events(page)


# ---------------------------------------------------------------------------------------------
# escalation keywords


async def test_keywords_page_lists_every_rule_file(console: Console) -> None:
    await trainer(console)
    status, page = await console.page("/console/trainer/keywords")
    assert status == 200
    files = sorted(RULES_DIR.glob("*.yml"))
    assert len(files) == 6  # one per reason, self_harm included
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        card = re.search(rf'<div class="card keywords" id="rules-{data["reason"]}">(.*?)</div>', page, re.S)
        assert card, path.name
        for kw in data["keywords"]:
            assert f'<span class="badge">{html.escape(norm(str(kw)))}</span>' in card.group(1), (path.name, kw)
        assert f"（{len(data['keywords'])}）" in card.group(1)


@pytest.mark.parametrize("sample, expected", [
    ("我要去找记者曝光你们", '<span class="badge reason-media">转人工：媒体曝光</span>'),
    ("我以前是记者", "规则不会因这句话转人工。"),
])
async def test_keywords_try_box(console: Console, sample, expected) -> None:
    await trainer(console)
    status, page = await console.page(f"/console/trainer/keywords?q={sample}")
    assert status == 200
    result = re.search(r'<div class="card" id="try-result">(.*?)</div>', page, re.S).group(1)
    assert expected in result
    if "媒体" not in expected:
        assert "转人工：" not in result


async def test_keywords_page_shows_a_rule_file_error_and_reads_edits_without_restart(
        console: Console, tmp_path, monkeypatch) -> None:
    """The page reads the rule files on each visit: a trainer's edit shows at once, and a file
    that would stop Rasa at its next start is reported in Chinese instead of a bare 500."""
    import shutil

    from bot.escalation import rules

    rules_dir = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules_dir)
    monkeypatch.setattr(rules, "RULES_DIR", rules_dir)
    await trainer(console)
    media = rules_dir / "media.yml"
    media.write_text(media.read_text(encoding="utf-8").replace("  - 曝光\n", "  - 曝光\n  - 上头条\n", 1),
                     encoding="utf-8")
    status, page = await console.page("/console/trainer/keywords?q=我要让你们上头条")
    assert status == 200 and '<span class="badge">上头条</span>' in page
    assert "转人工：媒体曝光" in page

    media.write_text("reason: media\npatterns:\n  - {name: 坏的, pattern: '(', example: x}\n", encoding="utf-8")
    status, page = await console.page("/console/trainer/keywords")
    assert status == 500
    assert "规则文件有错误" in page and "media.yml" in page


# ---------------------------------------------------------------------------------------------
# the evaluation report


async def test_report_link_and_file(console: Console) -> None:
    await trainer(console)
    report_dir = console.app[SETTINGS_KEY].report_dir
    _, page = await console.page("/console/trainer")
    assert "运行 <code>make evaluate</code>" in page and 'href="/console/trainer/report/index.html"' not in page
    assert (await console.page("/console/trainer/report/index.html"))[0] == 404

    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "index.html").write_text("<html><style>p{}</style><p>intent f1 0.97</p></html>", encoding="utf-8")
    (report_dir / "notes.html").write_text("secret notes", encoding="utf-8")
    (report_dir.parent / "casedesk.txt").write_text("outside", encoding="utf-8")
    _, page = await console.page("/console/trainer/inbox")
    assert 'href="/console/trainer/report/index.html"' in page and "make evaluate" not in page
    resp = await console.client.get("/console/trainer/report/index.html")
    assert resp.status == 200 and "intent f1 0.97" in await resp.text()
    assert resp.headers["Content-Type"].startswith("text/html")
    assert resp.headers["Content-Security-Policy"] == REPORT_CSP
    for path in ("notes.html", "../casedesk.txt", "%2e%2e/casedesk.txt", "..%2Fcasedesk.txt",
                 "nlu/intent_confusion_matrix.png", "index.html/", "INDEX.HTML"):
        resp = await console.client.get(f"/console/trainer/report/{path}", allow_redirects=False)
        assert resp.status == 404, path
        assert "secret notes" not in await resp.text() and "outside" not in await resp.text()
