"""Escalation marks in the console (issue 13, learning from production; docs/console.md,
docs/trainer.md): an agent marks a handoff 不必要 on its workspace or a customer message 漏转 on
the case page; trainers and supervisors read per-reason precision and recall on
/console/trainer/escalation-quality, and trainers send the marked messages to the NLU inbox.

The rules are in bot/casedesk/handoffs/escalation_marks.py; this module only wires them to forms.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Optional

from aiohttp import web

from bot.casedesk.handoffs import escalation_marks as marks
from bot.casedesk.cases.access import hidden_branch
from bot.casedesk.appkeys import SETTINGS_KEY
from bot.casedesk.db import DB_KEY
from bot.casedesk.cases.case_rules import CASE_NO_RE, CHINA_TZ
from bot.casedesk.api.errors import BadRequest, NotFound
from bot.casedesk.console import labels
from bot.casedesk.console.auth import ConsoleRole
from bot.casedesk.console.guards import require_case_worker, require_role
from bot.casedesk.console.render import render
from bot.casedesk.console.trainer.views import TRACKER_KEY
from bot.casedesk.console.views import form_fields, handoff_id_param

QUALITY_PATH = "/console/trainer/escalation-quality"
QUALITY_ROLES = {ConsoleRole.TRAINER.value, ConsoleRole.SUPERVISOR.value}
PERIODS = {7: "最近 7 天", 30: "最近 30 天", 90: "最近 90 天", 180: "最近半年", 365: "最近一年"}
DEFAULT_DAYS = 30
NOTICES = {
    "inbox": "已把 {n} 句标记过的话送入 NLU 收件箱，请到“NLU 收件箱”标注正确的意图。",
    "inbox_none": "没有需要送入收件箱的话。",
}


def _now(request: web.Request) -> datetime:
    return request.app[SETTINGS_KEY].clock()


def _tracker(request: web.Request) -> Any:
    return request.app.get(TRACKER_KEY)


async def mark_unnecessary(request: web.Request) -> web.StreamResponse:
    me = require_case_worker(request)
    handoff_id = handoff_id_param(request)
    form = await form_fields(request)
    await marks.mark_unnecessary(
        request.app[DB_KEY], _tracker(request), handoff_id, me.username, form.get("note"),
        _now(request), hidden_branch=hidden_branch(me), remote=request.remote,
    )
    raise web.HTTPSeeOther(f"/console/handoffs/{handoff_id}?msg=unnecessary")


async def mark_missed(request: web.Request) -> web.StreamResponse:
    me = require_case_worker(request)
    case_no = request.match_info["case_no"]
    if not CASE_NO_RE.match(case_no):
        raise NotFound("未找到该案件，请核对案件编号。")
    form = await form_fields(request)
    raw_turn = form.get("turn_id", "")
    if not raw_turn.isascii() or not raw_turn.isdigit() or len(raw_turn) > 10:
        raise BadRequest("请选择一句客户说的话。")
    await marks.mark_missed(
        request.app[DB_KEY], _tracker(request), case_no, int(raw_turn), form.get("reason", ""),
        me.username, form.get("note"), _now(request), hidden_branch=hidden_branch(me),
        remote=request.remote,
    )
    raise web.HTTPSeeOther(f"/console/cases/{case_no}?msg=missed")


def _period(request: web.Request) -> tuple[int, Optional[str]]:
    raw = request.query.get("days")
    if raw is None or raw == "":
        return DEFAULT_DAYS, None
    if not raw.isascii() or not raw.isdigit() or int(raw) not in PERIODS:
        return DEFAULT_DAYS, "统计区间不正确，请从列表中选择；下面显示的是最近 30 天。"
    return int(raw), None


def percent(value: Optional[float]) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


async def quality_page(request: web.Request) -> web.StreamResponse:
    me = require_role(request, QUALITY_ROLES)
    database = request.app[DB_KEY]
    today = _now(request).astimezone(CHINA_TZ).date()
    days, error = _period(request)
    since = today - timedelta(days=days - 1)
    scope = hidden_branch(me)
    report = await marks.quality(database, since, today, scope)
    latest = await marks.latest(database, scope)
    pending = sum(1 for m, _ in latest if m.inbox_at is None and m.message_id)
    notice = None
    code = request.query.get("msg", "")
    if code in NOTICES:
        notice = NOTICES[code].format(n=request.query.get("n", "0") if request.query.get("n", "").isdigit() else "0")
    return render(request, "console/escalation_quality.html", {
        "section": "quality", "q": report, "latest": latest, "days": days, "periods": PERIODS,
        "reasons": marks.REASONS, "percent": percent, "labels": labels, "error": error,
        "pending": pending, "is_trainer": me.role == ConsoleRole.TRAINER.value, "notice": notice,
    }, status=400 if error else 200)


async def send_to_inbox(request: web.Request) -> web.StreamResponse:
    me = require_role(request, {ConsoleRole.TRAINER.value})
    sent, _ = await marks.send_to_inbox(request.app[DB_KEY], me.username, _now(request), request.remote)
    raise web.HTTPSeeOther(f"{QUALITY_PATH}?msg=inbox&n={sent}" if sent else f"{QUALITY_PATH}?msg=inbox_none")


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/console/handoffs/{handoff_id}/unnecessary", mark_unnecessary, name="console.mark_unnecessary")
    r.add_post("/console/cases/{case_no}/missed", mark_missed, name="console.mark_missed")
    r.add_get(QUALITY_PATH, quality_page, name="console.escalation_quality")
    r.add_post(f"{QUALITY_PATH}/inbox", send_to_inbox, name="console.escalation_quality.inbox")
