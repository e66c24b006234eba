"""Trainer pages (role `trainer`, docs/trainer.md): conversations, one conversation with what
the NLU predicted, story export, the NLU inbox, the escalation keyword lists and the latest
evaluation report.

Conversations are read from Rasa's tracker store (bot/trainer/tracker_store.py) and shown with
PII replaced; a page names a conversation by one of its event ids, never by its sender id (a
WeChat OpenID). Viewing or exporting a conversation is audited like a case read.
"""
from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional
from urllib.parse import urlencode

import yaml
from aiohttp import web

from bot.escalation.detector import EscalationDetector
from bot.escalation.rules import REASONS
from bot.trainer import conversations as conv
from bot.trainer import inbox
from bot.trainer import keyword_rules
from bot.trainer.stories import StoryExportError, story_name, tracker_to_story
from bot.trainer.tracker_store import TrackerStoreReader, events_of
from bot.casedesk import db
from bot.casedesk.console.trainer import nlu_inbox
from bot.casedesk.cases.access import hidden_branch
from bot.casedesk.appkeys import SETTINGS_KEY
from bot.casedesk.settings import REPO_ROOT
from bot.casedesk.db import DB_KEY
from bot.casedesk.cases.case_rules import CHINA_TZ
from bot.casedesk.api.errors import NotFound
from bot.casedesk.console import labels
from bot.casedesk.console.auth import ConsoleRole
from bot.casedesk.console.guards import require_role
from bot.casedesk.console.render import render

log = logging.getLogger(__name__)

TRACKER_KEY = web.AppKey("casedesk_trainer_tracker", TrackerStoreReader)
CATALOG_KEY = web.AppKey("casedesk_trainer_catalog", inbox.Catalog)

NOTICES = {
    "confirmed": "已确认，这句话会出现在导出的训练数据里。",
    "discarded": "已忽略这句话。",
    "undone": "已撤回，这句话回到了收件箱。",
    "saved": "已保存。正在运行的助手会在一秒内用上新规则，不用重启。",
    "restored": "已恢复这一版并保存为新版本。正在运行的助手会在一秒内用上它。",
}
# the report's own page has an inline <style>; nothing else is loosened
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
              "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
INBOX_PAGE = 50
REPORT_FILES = {"index.html": "text/html", "nlu/intent_confusion_matrix.png": "image/png"}


def _numeric_id(request: web.Request, name: str, not_found: str, digits: int = 12) -> int:
    """A row id from the URL; anything else (or a number past the column's range) is a 404."""
    raw = request.match_info[name]
    if not raw.isascii() or not raw.isdigit() or len(raw) > digits:
        raise NotFound(not_found)
    return int(raw)


def _is_number(raw: Optional[str]) -> bool:
    try:
        float(raw or "")
    except ValueError:
        return False
    return True


def require_trainer(request: web.Request):
    return require_role(request, {ConsoleRole.TRAINER.value})


def _now(request: web.Request) -> datetime:
    return request.app[SETTINGS_KEY].clock()


def _db(request: web.Request) -> db.Database:
    return request.app[DB_KEY]


def _tracker(request: web.Request) -> TrackerStoreReader:
    return request.app[TRACKER_KEY]


def _report_info(request: web.Request) -> Optional[Dict[str, Any]]:
    index = request.app[SETTINGS_KEY].report_dir / "index.html"
    if not index.is_file():
        return None
    return {"url": "/console/trainer/report/index.html",
            "at": datetime.fromtimestamp(index.stat().st_mtime, CHINA_TZ)}


def _common(request: web.Request, section: str) -> Dict[str, Any]:
    return {"section": section, "report": _report_info(request)}


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")



def audit_key(sender: str) -> str:
    """The conversation as the audit log names it: its story hash with a letter in front, so a
    digest that happens to be all digits never reads as a phone or card number."""
    return "c" + story_name(sender).split()[-1]

async def _conversation(request: web.Request, me) -> tuple[str, List[Dict[str, Any]]]:
    """The conversation a page's key names, if this user may see it."""
    row = await _tracker(request).event(_numeric_id(request, "key", "未找到该对话。"))
    sender = row.sender_id if row else None
    if sender is None or sender in await nlu_inbox.hidden_conversations(_db(request), hidden_branch(me)):
        raise NotFound("未找到该对话，或您无权查看。")
    return sender, events_of(await _tracker(request).conversation(sender))


# ---------------------------------------------------------------------------------------------
# Conversations


async def conversations_page(request: web.Request) -> web.StreamResponse:
    me = require_trainer(request)
    catalog = request.app[CATALOG_KEY]
    today = _now(request).astimezone(CHINA_TZ).date()
    error, items, truncated, total = None, [], False, 0
    try:
        f = conv.parse_filters(request.query, today, catalog.intents)
    except conv.BadFilter as exc:
        error = str(exc)
        f = conv.parse_filters({}, today, catalog.intents)
    if error is None:
        since, until = f.window()
        rows = await _tracker(request).summary_rows(since, until, conv.SCAN_LIMIT)
        truncated = len(rows) >= conv.SCAN_LIMIT
        hidden = await nlu_inbox.hidden_conversations(_db(request), hidden_branch(me))
        found = conv.apply_filters(
            (s for s in conv.summarise(rows) if s.sender_id not in hidden), f
        )
        total = len(found)
        items = found[(f.page - 1) * conv.PAGE_SIZE: f.page * conv.PAGE_SIZE]
    query = {k: v for k, v in request.query.items() if k != "page"}
    return render(request, "console/trainer.html", {
        **_common(request, "conversations"),
        "f": f, "error": error, "items": items, "total": total, "truncated": truncated,
        "page_size": conv.PAGE_SIZE, "query": query,
        "intents": [*catalog.intents, conv.FALLBACK_INTENT],
        "channels": conv.CHANNEL_LABELS, "reasons": REASONS, "labels": labels,
        "when": _day,
    }, status=400 if error else 200)


async def conversation_page(request: web.Request) -> web.StreamResponse:
    me = require_trainer(request)
    sender, events = await _conversation(request, me)
    name = story_name(sender)
    await db.record_audit(_db(request), _now(request), me.username, "trainer.conversation.view",
                          audit_key(sender), request.remote)
    return render(request, "console/trainer_conversation.html", {
        **_common(request, "conversations"),
        "key": request.match_info["key"], "name": name,
        "turns": conv.conversation_turns(sender, events),
        "channels": conv.CHANNEL_LABELS, "labels": labels, "when": _day,
    })


async def story_download(request: web.Request) -> web.StreamResponse:
    me = require_trainer(request)
    sender, events = await _conversation(request, me)
    try:
        text = tracker_to_story({"sender_id": sender, "events": events})
    except StoryExportError as exc:
        raise NotFound(str(exc).replace(sender, "（该对话）"))
    name = story_name(sender).split()[-1]
    await db.record_audit(_db(request), _now(request), me.username, "trainer.story.export", audit_key(sender),
                          request.remote)
    return web.Response(
        text=text, content_type="application/x-yaml", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="test_conversation_{name}.yml"'},
    )


# ---------------------------------------------------------------------------------------------
# NLU inbox


def _threshold(request: web.Request, raw: Optional[str] = None) -> float:
    try:
        value = float((raw if raw is not None else request.query.get("below")) or inbox.DEFAULT_THRESHOLD)
    except ValueError:
        return inbox.DEFAULT_THRESHOLD
    return min(max(value, 0.05), 1.0)


async def _inbox_rows(request: web.Request, me) -> list:
    """The last 30 days' customer messages this user may see."""
    now = _now(request)
    rows = await _tracker(request).summary_rows((now - timedelta(days=30)).timestamp(),
                                                (now + timedelta(minutes=5)).timestamp(), conv.SCAN_LIMIT)
    hidden = await nlu_inbox.hidden_conversations(_db(request), hidden_branch(me))
    return [r for r in rows if r.sender_id not in hidden]


async def _same_sentence(request: web.Request, me, event_id: int, below: float,
                         decided: set) -> List[tuple]:
    """[(event_id, message_id)] of the inbox entry `event_id` heads or belongs to: the same
    sentence said elsewhere is decided together (the page shows it once, with a count)."""
    found, _ = inbox.candidates(await _inbox_rows(request, me), decided, below, limit=10 ** 9)
    for c in found:
        if any(e == event_id for e, _ in c.members):
            return list(c.members)
    return []


async def inbox_page(request: web.Request, error: Optional[str] = None,
                     status: int = 200) -> web.StreamResponse:
    me = require_trainer(request)
    database = _db(request)
    below = _threshold(request)
    rows = await _inbox_rows(request, me)
    order = "recent" if request.query.get("order") == "recent" else "confidence"
    try:
        page = max(1, min(int(request.query.get("page") or 1), 10000))
    except ValueError:
        page = 1
    items, total = inbox.candidates(rows, await nlu_inbox.decided_ids(database), below,
                                    limit=INBOX_PAGE, order=order, offset=(page - 1) * INBOX_PAGE)
    confirmed = await nlu_inbox.confirmed(database)
    return render(request, "console/trainer_inbox.html", {
        **_common(request, "inbox"),
        "items": items, "total": total, "below": below, "error": error, "order": order, "page": page,
        "page_size": INBOX_PAGE,
        "intents": request.app[CATALOG_KEY].labels, "entities": request.app[CATALOG_KEY].entities,
        "labels": labels,
        "confirmed_count": len({(e.intent, e.text) for e in confirmed}),
        "recent": nlu_inbox.together(await nlu_inbox.recent(database, limit=200))[:30],
        "notice": NOTICES.get(request.query.get("msg", "")), "when": _day,
    }, status=status)


async def inbox_decide(request: web.Request) -> web.StreamResponse:
    me = require_trainer(request)
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    row = await _tracker(request).event(_numeric_id(request, "event_id", "未找到这句话。"))
    if row is None or row.type_name != "user" or not row.event.get("message_id"):
        raise NotFound("未找到这句话，可能已被删除。")
    if row.sender_id in await nlu_inbox.hidden_conversations(_db(request), hidden_branch(me)):
        raise NotFound("未找到这句话，或您无权查看。")
    predicted, confidence = conv.intent_of(row.event)
    # back to the inbox as the trainer had it (threshold and order), with the outcome
    view = {"order": "recent" if form.get("order") == "recent" else "confidence"}
    if _is_number(form.get("below")):
        view["below"] = form["below"]
    back = f"/console/trainer/inbox?{urlencode(view)}&"
    decided = await nlu_inbox.decided_ids(_db(request))
    same = [m for _, m in await _same_sentence(request, me, row.id, _threshold(request, form.get("below")), decided)]
    message_ids = [str(row.event["message_id"])] + [m for m in same if m != str(row.event["message_id"])]
    if form.get("action") == "discard":
        for message_id in message_ids:
            await nlu_inbox.decide(_db(request), message_id, nlu_inbox.DISCARDED,
                                   me.username, _now(request), predicted_intent=predicted, confidence=confidence)
        raise web.HTTPSeeOther(back + "msg=discarded")
    try:
        text, entities = inbox.check_example(form.get("intent", ""), form.get("annotated", ""),
                                             request.app[CATALOG_KEY])
    except inbox.BadExample as exc:
        return await inbox_page(request, error=str(exc), status=400)
    for message_id in message_ids:
        await nlu_inbox.decide(
            _db(request), message_id, nlu_inbox.CONFIRMED, me.username, _now(request),
            text=text, intent=form["intent"], entities=entities,
            predicted_intent=predicted, confidence=confidence,
        )
    log.info("nlu inbox: example confirmed by=%s intent=%s predicted=%s", me.username, form["intent"], predicted)
    raise web.HTTPSeeOther(back + "msg=confirmed")


async def inbox_undo(request: web.Request) -> web.StreamResponse:
    require_trainer(request)
    if not await nlu_inbox.undo(_db(request), _numeric_id(request, "example_id", "未找到这条记录。", 10)):
        raise NotFound("未找到这条记录，可能已经撤回。")
    raise web.HTTPSeeOther("/console/trainer/inbox?msg=undone")


async def inbox_export(request: web.Request) -> web.StreamResponse:
    me = require_trainer(request)
    examples = await nlu_inbox.confirmed(_db(request))
    # the same sentence confirmed for several messages (the inbox groups them) is one example
    unique = {(e.intent, e.text, json.dumps(e.entities, sort_keys=True, ensure_ascii=False)): e for e in examples}
    text = inbox.export_yaml((e.intent, e.text, e.entities) for e in unique.values())
    stamp = _now(request).astimezone(CHINA_TZ).strftime("%Y%m%d")
    log.info("nlu inbox: %d examples exported by=%s", len(examples), me.username)
    return web.Response(
        text=text, content_type="application/x-yaml", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="inbox_{stamp}.yml"'},
    )


# ---------------------------------------------------------------------------------------------
# Escalation keywords and the evaluation report


async def keywords_page(request: web.Request) -> web.StreamResponse:
    require_trainer(request)
    sample = (request.query.get("q") or "").strip()[:500]
    try:
        # read from disk on every visit: the page shows the files as they are now
        detector = EscalationDetector(keyword_rules.rules_dir())
    except (ValueError, OSError, yaml.YAMLError) as exc:
        return render(request, "console/trainer_keywords.html", {
            **_common(request, "keywords"), "rules": [], "sample": sample, "result": None,
            "labels": labels, "root": REPO_ROOT, "notice": None,
            "error": f"规则文件有错误，助手会继续使用出错前的规则，请先改正：{exc}",
        }, status=500)
    result = None
    if sample:
        hits, exception = detector.rule_hits(sample)
        result = {"detection": detector.detect(sample), "hits": hits, "exception": exception}
    return render(request, "console/trainer_keywords.html", {
        **_common(request, "keywords"),
        "rules": [detector.rules[r] for r in REASONS if r in detector.rules],
        "sample": sample, "result": result, "labels": labels, "root": REPO_ROOT, "error": None,
        "notice": NOTICES.get(request.query.get("msg", "")),
        "saved": {r: len(keyword_rules.versions(r)) for r in REASONS},
    })


def _reason(request: web.Request) -> str:
    reason = request.match_info["reason"]
    if reason not in REASONS:
        raise NotFound("没有这个转人工原因。")
    return reason


def _editing(reason: str) -> tuple:
    path = keyword_rules.rule_file(reason)
    text = path.read_text(encoding="utf-8")
    return path, text


async def keywords_edit_page(request: web.Request, *, error: Optional[str] = None, form=None,
                             status: int = 200) -> web.StreamResponse:
    require_trainer(request)
    reason = _reason(request)
    try:
        path, text = _editing(reason)
        current = keyword_rules.current_edit(text)
    except (keyword_rules.BadRules, OSError, yaml.YAMLError) as exc:
        raise NotFound(f"无法打开这份规则：{exc}")
    if form is not None:  # a refused edit: the trainer's input back, to correct
        shown = {
            "keywords": form.get("keywords", ""), "mild_keywords": form.get("mild_keywords", ""),
            "patterns": _rows(form, "pattern"), "exceptions": _rows(form, "exception"),
            "note": form.get("note", ""), "base": form.get("base", ""),
        }
    else:
        shown = {
            "keywords": "\n".join(current.keywords), "mild_keywords": "\n".join(current.mild_keywords),
            "patterns": [vars(e) for e in current.patterns], "exceptions": [vars(e) for e in current.exceptions],
            "note": "", "base": keyword_rules.digest(text),
        }
    return render(request, "console/trainer_keywords_edit.html", {
        **_common(request, "keywords"), "reason": reason, "reason_name": keyword_rules.reason_name(reason),
        "file": path.name, "shown": shown, "error": error, "blank_rows": 2,
        "show_mild": reason == "anger" or bool(current.mild_keywords),
    }, status=status)


def _rows(form, prefix: str) -> List[Dict[str, str]]:
    out = []
    for i in range(0, 1000):
        if f"{prefix}-{i}-name" not in form:
            if i > 0 and f"{prefix}-{i + 1}-name" not in form:
                break
            continue
        if form.get(f"{prefix}-{i}-delete"):
            continue
        row = {f: form.get(f"{prefix}-{i}-{f}", "") for f in ("name", "pattern", "example")}
        if any(v.strip() for v in row.values()):
            out.append(row)
    return out


SAVE_LOCK = web.AppKey("casedesk_trainer_rules_lock", asyncio.Lock)


async def _save(request: web.Request, me, reason: str, new_text: str, base: str, note: str,
                restored_from: Optional[int] = None):
    async with request.app[SAVE_LOCK]:
        # the check loads the rules and runs every keyword: off the event loop
        v = await asyncio.get_running_loop().run_in_executor(None, lambda: keyword_rules.save(
            reason, new_text, base, me.username, getattr(me, "display_name", "") or me.username, note,
            _now(request), restored_from))
    action = "trainer.keywords.restore" if restored_from is not None else "trainer.keywords.save"
    await db.record_audit(_db(request), _now(request), me.username, action, f"{reason} v{v.number}", request.remote)
    log.info("escalation rules %s saved as version %d by=%s", reason, v.number, me.username)
    return v


async def keywords_save(request: web.Request) -> web.StreamResponse:
    me = require_trainer(request)
    reason = _reason(request)
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    try:
        path, text = _editing(reason)
        edit = keyword_rules.parse_form(form)
        new_text = keyword_rules.apply_edit(text, edit)
        await _save(request, me, reason, new_text, form.get("base", ""), form.get("note", ""))
    except keyword_rules.Conflict as exc:
        return await keywords_edit_page(request, error=str(exc), status=409)
    except keyword_rules.BadRules as exc:
        return await keywords_edit_page(request, error=str(exc), form=form, status=400)
    raise web.HTTPSeeOther(f"/console/trainer/keywords?msg=saved#rules-{reason}")


async def keywords_history_page(request: web.Request) -> web.StreamResponse:
    require_trainer(request)
    reason = _reason(request)
    history = keyword_rules.versions(reason)
    rows = []
    for i, v in enumerate(history):
        changes = keyword_rules.diff(history[i - 1].text, v.text) if i else []
        rows.append({"v": v, "added": sum(1 for k, _ in changes if k == "+"),
                     "removed": sum(1 for k, _ in changes if k == "-")})
    return render(request, "console/trainer_keywords_history.html", {
        **_common(request, "keywords"), "reason": reason, "reason_name": keyword_rules.reason_name(reason),
        "rows": list(reversed(rows)), "current": history[-1].number if history else None,
        "notice": NOTICES.get(request.query.get("msg", "")), "error": None,
    })


async def keywords_version_page(request: web.Request, error: Optional[str] = None,
                                status: int = 200) -> web.StreamResponse:
    require_trainer(request)
    reason = _reason(request)
    number = _numeric_id(request, "number", "没有这个版本。", 6)
    history = keyword_rules.versions(reason)
    v = next((x for x in history if x.number == number), None)
    if v is None:
        raise NotFound("没有这个版本。")
    before = next((x for x in history if x.number == number - 1), None)
    _, text = _editing(reason)
    return render(request, "console/trainer_keywords_version.html", {
        **_common(request, "keywords"), "reason": reason, "reason_name": keyword_rules.reason_name(reason),
        "v": v, "changes": keyword_rules.diff(before.text, v.text) if before else [],
        "is_current": v.text == text, "base": keyword_rules.digest(text), "error": error,
    }, status=status)


async def keywords_restore(request: web.Request) -> web.StreamResponse:
    me = require_trainer(request)
    reason = _reason(request)
    number = _numeric_id(request, "number", "没有这个版本。", 6)
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    v = keyword_rules.version(reason, number)
    if v is None:
        raise NotFound("没有这个版本。")
    note = form.get("note", "").strip() or f"恢复到第 {number} 版"
    try:
        await _save(request, me, reason, v.text, form.get("base", ""), note, restored_from=number)
    except keyword_rules.BadRules as exc:
        return await keywords_version_page(request, error=str(exc), status=409 if isinstance(exc, keyword_rules.Conflict) else 400)
    raise web.HTTPSeeOther(f"/console/trainer/keywords/{reason}/history?msg=restored")


async def report_file(request: web.Request) -> web.StreamResponse:
    require_trainer(request)
    name = request.match_info["file"]
    if name not in REPORT_FILES:
        raise NotFound("未找到该报告文件。")
    path = request.app[SETTINGS_KEY].report_dir / name
    if not path.is_file():
        raise NotFound("还没有评估报告：请先运行 make evaluate。")
    response = web.FileResponse(path, headers={"Content-Type": REPORT_FILES[name]})
    response.headers["Content-Security-Policy"] = REPORT_CSP
    return response


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/console/trainer", conversations_page, name="console.trainer")
    r.add_get("/console/trainer/conversations/{key}", conversation_page, name="console.trainer.conversation")
    r.add_get("/console/trainer/conversations/{key}/story.yml", story_download, name="console.trainer.story")
    r.add_get("/console/trainer/inbox", inbox_page, name="console.trainer.inbox")
    r.add_post("/console/trainer/inbox/{event_id}", inbox_decide, name="console.trainer.decide")
    r.add_post("/console/trainer/inbox/examples/{example_id}/undo", inbox_undo, name="console.trainer.undo")
    r.add_get("/console/trainer/nlu.yml", inbox_export, name="console.trainer.export")
    r.add_get("/console/trainer/keywords", keywords_page, name="console.trainer.keywords")
    r.add_get("/console/trainer/keywords/{reason}/edit", keywords_edit_page, name="console.trainer.keywords.edit")
    r.add_post("/console/trainer/keywords/{reason}", keywords_save, name="console.trainer.keywords.save")
    r.add_get("/console/trainer/keywords/{reason}/history", keywords_history_page,
              name="console.trainer.keywords.history")
    r.add_get("/console/trainer/keywords/{reason}/history/{number}", keywords_version_page,
              name="console.trainer.keywords.version")
    r.add_post("/console/trainer/keywords/{reason}/history/{number}/restore", keywords_restore,
               name="console.trainer.keywords.restore")
    r.add_get("/console/trainer/report/{file:.+}", report_file, name="console.trainer.report")


async def tracker_context(app: web.Application):
    """cleanup_ctx: the tracker store reader (no connection is opened until a page asks)."""
    app[TRACKER_KEY] = TrackerStoreReader(app[SETTINGS_KEY].tracker_db_url)
    yield
    await app[TRACKER_KEY].dispose()


def setup(app: web.Application) -> None:
    app[CATALOG_KEY] = inbox.load_catalog()
    app[SAVE_LOCK] = asyncio.Lock()
    app.cleanup_ctx.append(tracker_context)
    setup_routes(app)
