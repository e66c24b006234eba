"""The customer's 回访 page, `/survey/<link>` (rules in surveys.py): a 1–5 score and a comment.

Public like the chat page: the link in the customer's notice is the only key (an HMAC under the
desk's secret; a wrong or altered link gets the same "无效" page as an unknown one). The page is a
plain form that works without JavaScript, on a phone first.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

import aiohttp_jinja2
from aiohttp import web

from bot.casedesk.customer import surveys
from bot.casedesk.appkeys import SETTINGS_KEY
from bot.casedesk.console.render import JINJA_KEY
from bot.casedesk.db import DB_KEY
from bot.casedesk.api.errors import BadRequest, Conflict, NotFound

_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the link is the key: never pass it on
    "X-Frame-Options": "DENY",
}
SCORES = [(5, "非常满意"), (4, "满意"), (3, "一般"), (2, "不满意"), (1, "非常不满意")]


def _page(request: web.Request, context: Dict[str, Any], status: int = 200) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    base = {"scores": SCORES, "hotline": settings.callbacks.hotline_words, "error": None, "view": None,
            "thanks": False, "state": "form", "max_comment": surveys.MAX_COMMENT, "comment": ""}
    base.update(context)
    response = aiohttp_jinja2.render_template("survey.html", request, base, app_key=JINJA_KEY, status=status)
    response.charset = "utf-8"
    response.headers.update(_HEADERS)
    return response


def _survey_id(request: web.Request) -> Optional[int]:
    return surveys.survey_id_of(request.app[SETTINGS_KEY].secret_key, request.match_info.get("link", ""))


async def survey_page(request: web.Request) -> web.Response:
    survey_id = _survey_id(request)
    try:
        if survey_id is None:
            raise NotFound("这个回访链接无效。")
        view = await surveys.read(request.app[DB_KEY], survey_id)
    except NotFound:
        return _page(request, {"state": "invalid"}, status=404)
    if not view.open:
        return _page(request, {"state": "closed", "view": view}, status=410)
    return _page(request, {"view": view, "comment": view.comment or ""})


async def survey_answer(request: web.Request) -> web.Response:
    survey_id = _survey_id(request)
    db = request.app[DB_KEY]
    if survey_id is None:
        return _page(request, {"state": "invalid"}, status=404)
    form = await request.post()
    comment = str(form.get("comment") or "")
    try:
        view = await surveys.read(db, survey_id)
        score, text = surveys.checked_answer(form.get("score"), comment)
        view = await surveys.answer(db, survey_id, score, text, request.remote)
    except NotFound:
        return _page(request, {"state": "invalid"}, status=404)
    except Conflict:
        return _page(request, {"state": "closed", "view": view}, status=410)
    except BadRequest as exc:
        # what the customer typed stays in the box
        return _page(request, {"view": view, "error": exc.message, "comment": comment[:2000]}, status=400)
    return _page(request, {"state": "thanks", "view": view})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/survey/{link}", survey_page, name="survey")
    app.router.add_post("/survey/{link}", survey_answer, name="survey.answer")
