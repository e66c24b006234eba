"""The agent's 正在输入… (issue 15; rules in bot/casedesk/handoffs/agent_typing.py).

- `POST /console/handoffs/{id}/typing` (the agent holding the active handoff): JSON
  `{"typing": true}` while they type in the reply box (console.js sends it at most every 3 s),
  `{"typing": false}` when they send or empty it. 403 for another agent's handoff, 409 for a
  waiting or closed one. No audit row (nothing of the case is read) and no text of the reply.
"""
from __future__ import annotations

from aiohttp import web

from bot.casedesk.handoffs import agent_typing
from bot.casedesk.cases import schemas
from bot.casedesk.cases.access import hidden_branch
from bot.casedesk.appkeys import SETTINGS_KEY
from bot.casedesk.db import DB_KEY
from bot.casedesk.api.errors import BadRequest
from bot.casedesk.console.guards import require_case_worker
from bot.casedesk.console.render import json_response
from bot.casedesk.console.views import handoff_id_param


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/console/handoffs/{handoff_id}/typing", typing, name="console.typing")


async def typing(request: web.Request) -> web.StreamResponse:
    me = require_case_worker(request)
    handoff_id = handoff_id_param(request)
    body = schemas.parse_json_object(await request.read())
    state = body.get("typing", True)
    if not isinstance(state, bool):
        raise BadRequest("无法识别输入状态，请刷新页面后再试。", code="invalid_value")  # typing: true | false
    until = await agent_typing.signal(
        request.app[DB_KEY], handoff_id, me.username, request.app[SETTINGS_KEY].clock(),
        typing=state, hidden_branch=hidden_branch(me),
    )
    return json_response({"ok": True, "typing": until is not None})
