"""质检 before sending in the console (issue 15; docs/console.md, "质检 before sending").

- The workspace's 发送 goes through reply_checks.send_reply: a reply that does not pass is not
  sent; the answer says why (rule and words, in Chinese) next to the reply box, and the text
  stays in the box (`reply` in views.py; `ReplyBlocked.answer`).
- 申请主管放行 (the author): `POST /console/reply-checks/{id}/request`, an optional note.
- 放行并发送 / 不放行 (supervisors): `POST /console/reply-checks/{id}/release` (a reason, at
  least 4 characters) and `/reject`, from the workspace or from the 回复质检 page.
- `GET /console/reply-checks/{id}` (JSON): a check's state, for the author's page to follow.
- `GET /console/reply-checks` (supervisors): how many replies were checked and blocked (7, 30,
  90 days; by rule, by agent), the requests waiting for a supervisor and the latest blocks.

Rules in bot/casedesk/handoffs/reply_checks.py; the checker is bot/quality/reply_check.py.
"""
from __future__ import annotations

from typing import Any, Dict

from aiohttp import web

from bot.casedesk.handoffs import reply_checks
from bot.casedesk.cases import schemas
from bot.casedesk.cases.access import hidden_branch
from bot.casedesk.appkeys import SETTINGS_KEY
from bot.casedesk.db import DB_KEY, Database
from bot.casedesk.cases.case_rules import local_iso
from bot.casedesk.api.errors import NotFound
from bot.casedesk.handoffs.views import MAX_ID
from bot.casedesk.handoffs.rasa_bridge import RASA_KEY
from bot.casedesk.console import live
from bot.casedesk.console.guards import require_case_worker, require_supervisor
from bot.casedesk.console.render import json_response, render, wants_json
from bot.casedesk.console.views import NOTICES, form_fields

PAGE_PATH = "/console/reply-checks"
PERIODS = (7, 30, 90)



def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get(PAGE_PATH, quality_page, name="console.reply_checks")
    r.add_get(f"{PAGE_PATH}/{{check_id}}", check_state, name="console.reply_check")
    r.add_post(f"{PAGE_PATH}/{{check_id}}/request", request_release, name="console.reply_check_request")
    r.add_post(f"{PAGE_PATH}/{{check_id}}/release", release, name="console.reply_check_release")
    r.add_post(f"{PAGE_PATH}/{{check_id}}/reject", reject, name="console.reply_check_reject")


def _db(request: web.Request) -> Database:
    return request.app[DB_KEY]


def _check_id(request: web.Request) -> int:
    raw = request.match_info["check_id"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not 0 < int(raw) <= MAX_ID:
        raise NotFound("未找到这条质检记录。")
    return int(raw)


def state_json(view: Dict[str, Any]) -> Dict[str, Any]:
    """A check's state for console.js (times as Beijing ISO strings)."""
    out = dict(view)
    for key in ("checked_at", "requested_at", "decided_at"):
        out[key] = local_iso(view[key]) if view[key] else None
    return out


def _back(request: web.Request, form: Dict[str, str], handoff_id: int, code: str) -> web.HTTPSeeOther:
    target = form.get("next") or ""
    if target != PAGE_PATH:
        target = f"/console/handoffs/{handoff_id}"
    return web.HTTPSeeOther(f"{target}?msg={code}#reply-checks")


async def check_state(request: web.Request) -> web.StreamResponse:
    me = require_case_worker(request)
    view = await reply_checks.get(_db(request), _check_id(request), hidden_branch(me))
    return json_response(state_json(view))


async def request_release(request: web.Request) -> web.StreamResponse:
    me = require_case_worker(request)
    form = await _fields(request)
    row = await reply_checks.request_release(
        _db(request), _check_id(request), me.username, form.get("note"),
        request.app[SETTINGS_KEY].clock(), hidden_branch=hidden_branch(me), remote=request.remote,
    )
    if wants_json(request):
        return json_response({"ok": True, "notice": NOTICES["reply_requested"], "check": state_json(reply_checks.row_view(row))})
    raise _back(request, form, row.handoff_id, "reply_requested")


async def _fields(request: web.Request) -> Dict[str, str]:
    """A form's fields, or console.js's JSON body (text fields only)."""
    if request.content_type == "application/json":
        body = schemas.parse_json_object(await request.read())
        return {k: v for k, v in body.items() if isinstance(v, str)}
    return await form_fields(request)


async def release(request: web.Request) -> web.StreamResponse:
    me = require_supervisor(request)
    form = await _fields(request)
    row, turn = await reply_checks.release(
        _db(request), request.app[RASA_KEY], _check_id(request), me.username, form.get("reason"),
        request.app[SETTINGS_KEY].clock(), supervisor_name=me.display_name,
        hidden_branch=hidden_branch(me), remote=request.remote,
    )
    if wants_json(request):
        return json_response({
            "ok": True, "notice": NOTICES["reply_released"],
            "check": state_json(reply_checks.row_view(row)), "turn": live.turn_row(turn),
        })
    raise _back(request, form, row.handoff_id, "reply_released")


async def reject(request: web.Request) -> web.StreamResponse:
    me = require_supervisor(request)
    form = await _fields(request)
    row = await reply_checks.reject(
        _db(request), _check_id(request), me.username, form.get("note"),
        request.app[SETTINGS_KEY].clock(), hidden_branch=hidden_branch(me), remote=request.remote,
    )
    if wants_json(request):
        return json_response({"ok": True, "notice": NOTICES["reply_rejected"], "check": state_json(reply_checks.row_view(row))})
    raise _back(request, form, row.handoff_id, "reply_rejected")


async def quality_page(request: web.Request) -> web.StreamResponse:
    me = require_supervisor(request)
    database, scope, now = _db(request), hidden_branch(me), request.app[SETTINGS_KEY].clock()
    raw_days = request.query.get("days", "30")
    days = int(raw_days) if raw_days.isdigit() and int(raw_days) in PERIODS else 30
    return render(
        request,
        "console/reply_checks.html",
        {
            "figures": await reply_checks.figures(database, scope, now, days),
            "periods": PERIODS,
            "pending": await reply_checks.recent(database, scope, (reply_checks.REQUESTED,), limit=100),
            "latest": await reply_checks.recent(
                database, scope,
                (reply_checks.BLOCKED, reply_checks.RELEASED, reply_checks.REJECTED, reply_checks.REQUESTED),
                limit=50,
            ),
            "notice": NOTICES.get(request.query.get("msg", "")) if request.query.get("msg", "").startswith("reply_") else None,
            "page_path": PAGE_PATH,
        },
    )
