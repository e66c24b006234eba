"""The call-back queue in the console (issue 15, 待回电; docs/console.md): /console/callbacks lists
the customers to call back, the earliest promise first, with the masked number, why they wait
for a call and when one was promised; an agent opens one for the number in full (audited, like
a case page), calls, and marks it 已回电 with a note (audited, in the case's history).

Agents and supervisors, under the console's one access rule (bot/casedesk/cases/access.py): a
confidential case hidden from a user is absent here too. The rules are in
bot/casedesk/handoffs/callbacks.py; this module only wires them to pages and forms.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterable, List

from aiohttp import web
from sqlalchemy import select

from bot.casedesk.handoffs import callbacks, waits
from bot.casedesk.cases.access import hidden_branch
from bot.casedesk.appkeys import SETTINGS_KEY
from bot.casedesk.db import DB_KEY, Database
from bot.casedesk.api.errors import NotFound
from bot.casedesk.handoffs.views import MAX_ID
from bot.casedesk.models import ConsoleUser
from bot.casedesk.console import labels
from bot.casedesk.console.guards import require_case_worker
from bot.casedesk.console.render import json_response, render, wants_json
from bot.casedesk.console.views import form_fields

LIST_PATH = "/console/callbacks"
NOTICES = {"done": "已标记为已回电，回电情况已记入案件处理历史和审计日志。"}


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get(LIST_PATH, callback_list, name="console.callbacks")
    r.add_get(f"{LIST_PATH}/{{callback_id}}", callback_page, name="console.callback")
    r.add_post(f"{LIST_PATH}/{{callback_id}}/done", mark_done, name="console.callback_done")


def _now(request: web.Request) -> datetime:
    return request.app[SETTINGS_KEY].clock()


def _callback_id(request: web.Request) -> int:
    raw = request.match_info["callback_id"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not 0 < int(raw) <= MAX_ID:
        raise NotFound("未找到该回电请求。")
    return int(raw)


async def display_names(db: Database, usernames: Iterable[str]) -> Dict[str, str]:
    """Agents as colleagues know them (王明), not by their sign-in name."""
    wanted = sorted({u for u in usernames if u})
    if not wanted:
        return {}
    async with db.reading() as s:
        rows = (await s.execute(
            select(ConsoleUser.username, ConsoleUser.display_name).where(ConsoleUser.username.in_(wanted))
        )).all()
    return {u: d for u, d in rows}


def row(item: callbacks.CallbackItem, now: datetime, names: Dict[str, str]) -> Dict[str, Any]:
    cb, case, handoff = item.callback, item.case, item.handoff
    return {
        "id": cb.id,
        "case_no": case.case_no,
        "promise": waits.promise_words(cb.promised_by, now),
        "promised_by": cb.promised_by,
        "overdue": cb.status == callbacks.PENDING and cb.promised_by < now,
        "reason": labels.label(labels.CALLBACK_REASON_LABELS, cb.reason),
        "handoff_reason_code": handoff.reason,
        "handoff_reason": labels.label(labels.REASON_LABELS, handoff.reason),
        "phone": cb.phone_masked or "",
        "confirmation": labels.CALLBACK_CONFIRMATION_LABELS.get(cb.confirmation or "", labels.CALLBACK_UNANSWERED),
        "category": labels.label(labels.CATEGORY_LABELS, case.category),
        "customer_name": case.customer_name_masked or "",
        "channel": labels.label(labels.CHANNEL_LABELS, handoff.channel),
        "created_at": cb.created_at,
        "done_at": cb.done_at,
        "done_by": names.get(cb.done_by or "", cb.done_by or ""),
        "note": cb.note or "",
        "status": labels.label(labels.CALLBACK_STATUS_LABELS, cb.status),
    }


async def callback_list(request: web.Request) -> web.StreamResponse:
    me = require_case_worker(request)
    db, now = request.app[DB_KEY], _now(request)
    status = callbacks.DONE if request.query.get("status") == callbacks.DONE else callbacks.PENDING
    scope = hidden_branch(me)
    items = await callbacks.list_callbacks(db, status=status, hidden_branch=scope)
    names = await display_names(db, (i.callback.done_by or "" for i in items))
    rows: List[Dict[str, Any]] = [row(i, now, names) for i in items]
    pending = len(rows) if status == callbacks.PENDING else await callbacks.pending_count(db, scope)
    if wants_json(request):
        return json_response({"items": [callbacks.summary(i, now) for i in items], "pending": pending})
    return render(request, "console/callbacks.html", {
        "rows": rows, "status": status, "pending": pending,
        "overdue": sum(1 for r in rows if r["overdue"]),
        "notice": NOTICES.get(request.query.get("msg", "")),
    })


async def callback_page(request: web.Request) -> web.StreamResponse:
    me = require_case_worker(request)
    db, now = request.app[DB_KEY], _now(request)
    # the one page with the number in full: read through read_callback, which audits it
    item, phone = await callbacks.read_callback(db, _callback_id(request), me.username, request.remote, hidden_branch(me))
    names = await display_names(db, [item.callback.done_by or ""])
    return render(request, "console/callback.html", {
        "r": row(item, now, names), "phone": phone, "pending": item.callback.status == callbacks.PENDING,
        "summary": item.case.description,
    })


async def mark_done(request: web.Request) -> web.StreamResponse:
    me = require_case_worker(request)
    callback_id = _callback_id(request)
    form = await form_fields(request)
    item = await callbacks.mark_done(
        request.app[DB_KEY], callback_id, me.username, form.get("note", ""), _now(request),
        hidden_branch=hidden_branch(me), remote=request.remote,
    )
    if wants_json(request):
        return json_response(callbacks.summary(item, _now(request)))
    raise web.HTTPSeeOther(f"{LIST_PATH}?msg=done")
