"""HTTP handlers of /api/callbacks (issue 15, 待回电): parse (pydantic), act (callbacks), answer.

The action server confirms the number a customer will be called on; services list the queue.
Agents mark a call-back done in the console (console/callback_views.py), where who they are
is known from their session.
"""
from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web

from bot.casedesk.handoffs import callbacks
from bot.casedesk.handoffs.callback_schemas import parse_confirm
from bot.casedesk.db import DB_KEY
from bot.casedesk.api.errors import BadRequest, NotFound
from bot.casedesk.handoffs.views import MAX_ID
from bot.casedesk.api.json_io import json_response, read_json_body, request_now
from bot.casedesk.api.middlewares import actor_of


def _callback_id(request: web.Request) -> int:
    raw = request.match_info["callback_id"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not 0 < int(raw) <= MAX_ID:
        raise NotFound(f"未找到回电请求 {raw[:32]}，请核对编号。", code="callback_not_found")
    return int(raw)


async def confirm(request: web.Request) -> web.Response:
    callback_id = _callback_id(request)
    body = parse_confirm(await read_json_body(request))
    if body.callback_id is not None and body.callback_id != callback_id:
        raise BadRequest("请求体中的“回电编号”（callback_id）与地址中的不一致，请核对后重试。", code="invalid_value")
    now = request_now(request)
    said = datetime.fromtimestamp(body.said_at, timezone.utc) if body.said_at is not None else None
    item = await callbacks.confirm(
        request.app[DB_KEY], callback_id, body.conversation_id, now,
        phone=body.phone, confirmed=body.confirmed, said_at=said,
        actor=actor_of(request), remote=request.remote,
    )
    return json_response(callbacks.summary(item, now))


LIST_PARAMS = ("status", "conversation_id")


async def list_callbacks(request: web.Request) -> web.Response:
    unknown = [k for k in request.query.keys() if k not in LIST_PARAMS]
    if unknown:
        names = "、".join(f"“{k}”" for k in dict.fromkeys(unknown))
        raise BadRequest(f"抱歉，无法识别查询参数 {names}，请核对参数名称。", code="unknown_field")
    status = request.query.get("status", callbacks.PENDING)
    if status not in callbacks.STATUSES:
        raise BadRequest(
            f"字段“回电状态”（status）取值无效，可选值为：{', '.join(callbacks.STATUSES)}，请检查后重试。",
            code="invalid_value",
        )
    conversation_id = request.query.get("conversation_id") or None
    if conversation_id is not None and len(conversation_id) > 128:
        raise BadRequest("字段“会话编号”（conversation_id）最多 128 个字符，请检查后重试。", code="invalid_value")
    now = request_now(request)
    items = await callbacks.list_callbacks(request.app[DB_KEY], status=status, conversation_id=conversation_id)
    return json_response({"items": [callbacks.summary(i, now) for i in items], "total": len(items)})

