"""快捷回复 in the console (issue 15; rules in bot/casedesk/handoffs/canned.py).

- `GET /console/canned` (supervisors): the canned replies, a form to add one and one to change or
  delete each; a reply that would not pass 质检, or uses a placeholder that cannot be filled, is
  refused with the reason and the typed text kept.
- `POST /console/canned` (add), `POST /console/canned/{id}` (change), `POST /console/canned/{id}/delete`.
- The workspace lists them filled for its case (views.render_handoff); choosing one puts the text in
  the reply box (console.js), where the agent may still edit it before 发送.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from aiohttp import web

from bot.casedesk.handoffs import canned
from bot.casedesk.db import DB_KEY, Database
from bot.casedesk.api.errors import ApiError, NotFound
from bot.casedesk.handoffs.views import MAX_ID
from bot.casedesk.console.guards import require_supervisor
from bot.casedesk.console.render import render
from bot.casedesk.console.views import form_fields

PAGE_PATH = "/console/canned"
NOTICES = {"saved": "快捷回复已保存。", "deleted": "快捷回复已删除。"}


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get(PAGE_PATH, page, name="console.canned")
    r.add_post(PAGE_PATH, add, name="console.canned_add")
    r.add_post(f"{PAGE_PATH}/{{reply_id}}", change, name="console.canned_change")
    r.add_post(f"{PAGE_PATH}/{{reply_id}}/delete", remove, name="console.canned_delete")


def _db(request: web.Request) -> Database:
    return request.app[DB_KEY]


def _reply_id(request: web.Request) -> int:
    raw = request.match_info["reply_id"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not 0 < int(raw) <= MAX_ID:
        raise NotFound("未找到这条快捷回复，可能已被删除。")
    return int(raw)


async def _page(request: web.Request, error: Optional[str] = None, typed: Optional[Dict[str, Any]] = None,
                status: int = 200) -> web.Response:
    return render(
        request,
        "console/canned.html",
        {
            "replies": await canned.all_replies(_db(request)),
            "notice": NOTICES.get(request.query.get("msg", "")),
            "error": error,
            "typed": typed or {},
            "placeholders": canned.PLACEHOLDERS,
            "max_title": canned.MAX_TITLE,
            "max_text": canned.MAX_TEXT,
        },
        status=status,
    )


async def page(request: web.Request) -> web.StreamResponse:
    require_supervisor(request)
    return await _page(request)


async def _save(request: web.Request, reply_id: Optional[int]) -> web.StreamResponse:
    me = require_supervisor(request)
    form = await form_fields(request)
    try:
        await canned.save(_db(request), reply_id, form.get("title", ""), form.get("text", ""), me.username, request.remote)
    except ApiError as exc:
        if isinstance(exc, NotFound):
            raise
        # the reason next to the form, what was typed kept
        return await _page(request, exc.message, {"id": reply_id, "title": form.get("title", ""), "text": form.get("text", "")}, 400)
    raise web.HTTPSeeOther(f"{PAGE_PATH}?msg=saved")


async def add(request: web.Request) -> web.StreamResponse:
    return await _save(request, None)


async def change(request: web.Request) -> web.StreamResponse:
    return await _save(request, _reply_id(request))


async def remove(request: web.Request) -> web.StreamResponse:
    me = require_supervisor(request)
    await form_fields(request)
    await canned.delete(_db(request), _reply_id(request), me.username, request.remote)
    raise web.HTTPSeeOther(f"{PAGE_PATH}?msg=deleted")
