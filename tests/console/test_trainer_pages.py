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
from datetime import datetime
from pathlib import Path
from typing import Dict

import pytest
import yaml
from sqlalchemy import select, text

from bot.casedesk.appkeys import SETTINGS_KEY
from bot.casedesk.console.trainer.views import REPORT_CSP
from bot.casedesk.cases.case_rules import CHINA_TZ
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
              "/console/trainer/report/index.html", "/console/trainer/keywords/media/edit",
              "/console/trainer/keywords/media/history", "/console/trainer/keywords/media/history/0"]
ROUTES_POST = ["/console/trainer/inbox/1", "/console/trainer/inbox/examples/1/undo",
               "/console/trainer/keywords/media", "/console/trainer/keywords/media/history/0/restore"]


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
    assert "微信公众号" in row and "媒体曝光" in row and "0.30" in row and "没听懂" in row
    assert "nlu_fallback" not in re.sub(r'title="[^"]*"', "", row)  # codes only as a hover title


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
    assert '<strong class="intent" title="complain">投诉</strong>' in page
    assert '<strong class="intent" title="nlu_fallback">没听懂</strong>' in page
    assert '<span class="confidence">0.93</span>' in page
    assert '<span class="confidence error">0.30</span>' in page
    assert '<mark class="entity" title="网点">朝阳路支行<sub>网点</sub></mark>' in page
    assert '<mark class="entity" title="手机号">13800000000<sub>手机号</sub></mark>' in page
    assert '<mark class="entity" title="姓名">张三<sub>姓名</sub></mark>' in page
    assert "网点 = 朝阳路支行 <span class=\"muted\">（模型识别）</span>" in page
    assert "非常抱歉，张三先生，13800000000 已记下" in page
    assert "其次：提供信息 0.05" in page
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


# ---------------------------------------------------------------------------------------------
# issue 13: the pages as a trainer found them in the browser

MEDIA = {"reason": "media", "level": "strong", "cues": ["曝光", "记者"], "source": "rules",
         "original_intent": {"name": "complain", "confidence": 0.81}}


@pytest.fixture
async def webchat(console: Console) -> Dict[str, int]:
    """Web-chat conversations as a running stack writes them: the widget's /greet first, a media
    threat the escalation detector handed off (the reason only in the message's parse data; the
    ranking DIET's), an agent's reply, and the same sentence in two conversations."""
    path = Path(console.app[SETTINGS_KEY].tracker_db_url.split("sqlite:///", 1)[1])
    store = sqlite_store(path)
    now = time.time()
    try:
        await save(store, "web-greet-1", [
            *opening(now - 300),
            user("/greet", "greet", 1.0, channel="socketio", at=now - 299),
            action("utter_greet", now - 298), bot("您好，我是投诉受理助手", now - 298),
            user("再不退钱我就找记者曝光你们", "escalate", 1.0, channel="socketio", at=now - 290,
                 escalation=MEDIA, diet_first=True, ranking=[("complain", 0.81), ("escalate", 0.12)]),
            action("action_handoff", now - 289), bot("已为您转接人工客服，请稍候", now - 289),
            slot("handoff_reason", None, now - 289),
            bot("您好，我是坐席王明，马上为您处理", now - 280, agent="王明"),
            user("我的卡被吞了", "complain", 0.4, channel="socketio", at=now - 270),
        ])
        await save(store, "web-greet-2", [
            *opening(now - 200),
            user("/greet", "greet", 1.0, channel="socketio", at=now - 199),
            user("我的卡被吞了！", "complain", 0.5, channel="socketio", at=now - 190),
        ])
    finally:
        store.engine.dispose()
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT id, sender_id, data FROM events WHERE type_name = 'user' ORDER BY id").fetchall()
    conn.close()
    out: Dict[str, int] = {}
    for event_id, sender, data in rows:
        out.setdefault(sender, event_id)
        if "卡被吞" in json.loads(data)["text"]:
            out[f"swallowed-{sender}"] = event_id
    return out


async def test_web_chat_first_sentence_is_not_the_greet_payload(console: Console, webchat) -> None:
    await trainer(console)
    _, page = await console.page("/console/trainer")
    row = re.search(rf'<tr data-key="{webchat["web-greet-1"]}">(.*?)</tr>', page, re.S).group(1)
    assert "/greet" not in page
    assert '<td class="text">再不退钱我就找记者曝光你们</td>' in row
    assert '<td class="text">我的卡被吞了！</td>' in page


async def test_a_media_handoff_shows_its_reason_and_any_reason_finds_it(console: Console, webchat) -> None:
    await trainer(console)
    _, page = await console.page("/console/trainer")
    row = re.search(rf'<tr data-key="{webchat["web-greet-1"]}">(.*?)</tr>', page, re.S).group(1)
    assert '<span class="badge reason-media">媒体曝光</span>' in row
    for reason in ("any", "media"):
        _, page = await console.page(f"/console/trainer?reason={reason}")
        assert keys(page) == [webchat["web-greet-1"]], reason


async def test_conversation_labels_agents_and_shows_the_runner_up(console: Console, webchat) -> None:
    await trainer(console)
    _, page = await console.page(f"/console/trainer/conversations/{webchat['web-greet-1']}")
    assert '<div class="meta"><span>坐席（王明）</span>' in page
    agent = re.search(r'<li class="turn role-agent">(.*?)</li>', page, re.S).group(1)
    assert "您好，我是坐席王明，马上为您处理" in agent
    bot_line = re.search(r'<li class="turn role-bot">(.*?)</li>', page, re.S).group(1)
    assert "<span>助手</span>" in bot_line and "王明" not in bot_line
    assert '<strong class="intent" title="escalate">转人工（威胁或激动）</strong>' in page
    assert re.findall(r'<span class="muted runner-up">([^<]*)</span>', page) == ["其次：投诉 0.81"]
    assert "其次：转人工" not in page
    assert "打开聊天窗口时网页自动发送的问候" in page and "/greet" not in page


async def test_inbox_groups_the_same_sentence_with_links(console: Console, webchat) -> None:
    await trainer(console)
    _, page = await console.page("/console/trainer/inbox")
    assert page.count("我的卡被吞了") == 1  # in the form's value, once
    [row] = re.findall(r'<tr data-event="\d+">(.*?)</tr>', page, re.S)
    assert '<span class="count">2 次</span>' in row
    links = re.findall(r'href="/console/trainer/conversations/(\d+)" class="conversation-link"', row)
    assert sorted(int(k) for k in links) == sorted([webchat["swallowed-web-greet-1"], webchat["swallowed-web-greet-2"]])
    for k in links:
        assert (await console.page(f"/console/trainer/conversations/{k}"))[0] == 200
    assert "<strong title=\"complain\">投诉</strong>" in row
    event = int(re.search(r'<tr data-event="(\d+)"', page).group(1))
    resp = await console.post(f"/console/trainer/inbox/{event}", {
        "intent": "complain", "annotated": "我的卡被吞了", "action": "confirm"})
    assert resp.status == 303
    assert [(r.status, r.text) for r in await nlu_rows(console)] == [("confirmed", "我的卡被吞了")] * 2
    _, page = await console.page("/console/trainer/inbox")
    assert inbox_events(page) == [] and "（2 句）" in page
    body = await (await console.client.get("/console/trainer/nlu.yml")).text()
    assert body.count("我的卡被吞了") == 1
    undo = re.search(r'action="(/console/trainer/inbox/examples/\d+/undo)"', page).group(1)
    assert (await console.post(undo)).status == 303
    assert await nlu_rows(console) == []


# ---------------------------------------------------------------------------------------------
# editing the escalation keywords (on a copy of the rule files: never the repo's)


@pytest.fixture
def rules_copy(tmp_path, monkeypatch) -> Path:
    import shutil

    from bot.escalation import rules

    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    monkeypatch.setattr(rules, "RULES_DIR", target)
    monkeypatch.setenv("ESCALATION_RULES_HISTORY_DIR", str(tmp_path / "history"))
    return target


def edit_form(page: str) -> Dict[str, str]:
    """The edit page's form as the browser would post it unchanged."""
    form = {m.group(1): html.unescape(m.group(2))
            for m in re.finditer(r'<input type="(?:text|hidden)" name="([^"]+)" value="([^"]*)"', page)}
    for name in ("keywords", "mild_keywords"):
        m = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
        if m:
            form[name] = html.unescape(m.group(1))
    form.pop("_csrf", None)
    return form


def new_row(form: Dict[str, str], kind: str) -> int:
    return next(i for i in range(1000) if form.get(f"{kind}-{i}-name") == "")


async def test_a_trainer_edits_keywords_and_the_detector_follows(console: Console, rules_copy) -> None:
    from bot.escalation.detector import EscalationDetector

    await trainer(console)
    detector = EscalationDetector(rules_copy, learned=False)
    assert detector.detect("我要让你们上头条") is None
    status, page = await console.page("/console/trainer/keywords/media/edit")
    assert status == 200
    form = edit_form(page)
    assert "曝光" in form["keywords"].splitlines()
    lines = form["keywords"].splitlines()
    form["keywords"] = "\n".join([k for k in lines if k != "栏目组"] + ["上头条"])
    i = new_row(form, "exception")
    form.update({f"exception-{i}-name": "问头条新闻", f"exception-{i}-pattern": "头条新闻",
                 f"exception-{i}-example": "今天有什么头条新闻"})
    form["note"] = "客户常说上头条"
    resp = await console.post("/console/trainer/keywords/media", form)
    assert resp.status == 303, await resp.text()
    assert resp.headers["Location"].startswith("/console/trainer/keywords?msg=saved")
    text = (rules_copy / "media.yml").read_text(encoding="utf-8")
    assert "  - 上头条\n" in text and "栏目组" not in text and "头条新闻" in text
    assert text.startswith("# 触发原因 media")  # the comments for trainers stay
    assert "上头条" not in (RULES_DIR / "media.yml").read_text(encoding="utf-8")
    detector.checked_at -= 1
    assert detector.detect("我要让你们上头条").reason == "media"
    _, page = await console.page("/console/trainer/keywords?msg=saved&q=我要让你们上头条")
    assert '<span class="badge">上头条</span>' in page and "转人工：媒体曝光" in page
    assert "已保存" in page
    assert await audit_rows(console, "trainer.keywords.save") == [("teach", "trainer.keywords.save", "media v1")]
    _, page = await console.page("/console/trainer/keywords/media/history")
    assert re.findall(r'<tr data-version="(\d+)">', page) == ["1", "0"]
    assert "客户常说上头条" in page and "网页编辑之前的规则文件" in page


@pytest.mark.parametrize("change, message", [
    (lambda f: f.update({"keywords": f["keywords"] + "\n记者"}), "关键词“记者”重复了"),
    (lambda f: f.update({"pattern-0-pattern": "(打|找"}), "的正则写得不对（少了右括号“)”"),
    (lambda f: f.update({"keywords": f["keywords"] + "\n砸了你们"}),
     "“媒体曝光”的关键词“砸了你们”放进普通句子（今天下午，砸了你们，就这样）里不会触发“媒体曝光”，而是触发了优先级更高的“暴力威胁”。"),
    (lambda f: f.update({f"exception-{new_row(f, 'exception')}-name": "坏例外",
                         f"exception-{new_row(f, 'exception')}-pattern": "天气",
                         f"exception-{new_row(f, 'exception')}-example": "我要找记者曝光你们"}),
     "“媒体曝光”的例外“坏例外”的例句“我要找记者曝光你们”仍会触发“媒体曝光”"),
    (lambda f: f.update({"pattern-0-example": "今天天气不错"}), "的例句“今天天气不错”没有由这条说法触发“媒体曝光”"),
    (lambda f: f.update({"note": " "}), "请写一句修改说明"),
])
async def test_an_invalid_edit_is_refused_in_chinese_and_nothing_is_written(
        console: Console, rules_copy, change, message) -> None:
    await trainer(console)
    before = (rules_copy / "media.yml").read_text(encoding="utf-8")
    _, page = await console.page("/console/trainer/keywords/media/edit")
    form = edit_form(page)
    form["note"] = "试试"
    change(form)
    resp = await console.post("/console/trainer/keywords/media", form)
    assert resp.status == 400
    page = await resp.text()
    error = html.unescape(re.search(r'id="edit-error">([^<]*)<', page).group(1))
    assert message in error, error
    assert (rules_copy / "media.yml").read_text(encoding="utf-8") == before
    assert await audit_rows(console, "trainer.keywords.save") == []
    assert edit_form(page)["keywords"] == form["keywords"]  # the trainer's input back, to correct


async def test_a_stale_form_does_not_overwrite_anothers_save(console: Console, rules_copy) -> None:
    await trainer(console)
    _, page = await console.page("/console/trainer/keywords/human/edit")
    first, second = edit_form(page), edit_form(page)
    first.update(note="第一个人", keywords=first["keywords"] + "\n找个真人")
    assert (await console.post("/console/trainer/keywords/human", first)).status == 303
    second.update(note="第二个人", keywords=second["keywords"] + "\n人工服务台")
    resp = await console.post("/console/trainer/keywords/human", second)
    assert resp.status == 409 and "已被修改" in await resp.text()
    text = (rules_copy / "human.yml").read_text(encoding="utf-8")
    assert "找个真人" in text and "人工服务台" not in text


async def test_versions_can_be_viewed_and_restored(console: Console, rules_copy) -> None:
    await trainer(console)
    original = (rules_copy / "media.yml").read_text(encoding="utf-8")
    _, page = await console.page("/console/trainer/keywords/media/edit")
    form = edit_form(page)
    form.update(note="加上头条", keywords=form["keywords"] + "\n上头条")
    assert (await console.post("/console/trainer/keywords/media", form)).status == 303
    status, page = await console.page("/console/trainer/keywords/media/history/1")
    assert status == 200 and '<span class="added">+ ' in page and "上头条" in page
    assert 'id="is-current"' in page and 'id="restore"' not in page
    status, page = await console.page("/console/trainer/keywords/media/history/0")
    assert status == 200 and 'id="restore"' in page
    base = re.search(r'name="base" value="([^"]+)"', page).group(1)
    resp = await console.post("/console/trainer/keywords/media/history/0/restore", {"base": base, "note": ""})
    assert resp.status == 303 and resp.headers["Location"].endswith("history?msg=restored")
    assert (rules_copy / "media.yml").read_text(encoding="utf-8") == original
    _, page = await console.page(resp.headers["Location"])
    assert re.findall(r'<tr data-version="(\d+)">', page) == ["2", "1", "0"]
    assert "恢复到第 0 版" in page and "（恢复自第 0 版）" in page
    assert await audit_rows(console, "trainer.keywords.restore") == [("teach", "trainer.keywords.restore", "media v2")]
    assert (await console.page("/console/trainer/keywords/media/history/9"))[0] == 404
    assert (await console.page("/console/trainer/keywords/nothing/edit"))[0] == 404
