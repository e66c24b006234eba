"""An agent's presence switch (issue 15; rules in bot/casedesk/handoffs/assignment.py).

- `POST /console/presence` (agents): 在线 / 忙碌 / 离开, from the form in every page's header
  (base.html; console.js sends it as soon as the choice changes). Back to the page it came from.
"""
from __future__ import annotations

from aiohttp import web

from bot.casedesk.handoffs import assignment
from bot.casedesk.appkeys import SETTINGS_KEY
from bot.casedesk.db import DB_KEY
from bot.casedesk.api.errors import BadRequest
from bot.casedesk.console.auth import client_address
from bot.casedesk.console.guards import require_login
from bot.casedesk.console.views import safe_next, form_fields

PATH = "/console/presence"


def setup_routes(app: web.Application) -> None:
    app.router.add_post(PATH, switch, name="console.presence")


async def switch(request: web.Request) -> web.StreamResponse:
    me = require_login(request)
    if not me.takes_assignments:
        raise web.HTTPForbidden()
    form = await form_fields(request)
    presence = form.get("presence", "")
    if presence not in assignment.PRESENCES:
        raise BadRequest("请选择在线、忙碌或离开。", code="invalid_value")
    settings = request.app[SETTINGS_KEY]
    await assignment.set_presence(request.app[DB_KEY], me.user_id, presence, settings.clock(),
                                  remote=client_address(request, settings.trusted_proxies))
    # the header of the page it came from shows the new state and what it means
    raise web.HTTPSeeOther(safe_next(form.get("next")) or "/console")
