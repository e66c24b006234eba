"""Who may open which console page: signed in, and in the right role."""
from __future__ import annotations

from typing import Iterable
from urllib.parse import quote

from aiohttp import web

from bot.casedesk.console.auth import CASE_ROLES, ConsoleRole, Identity
from bot.casedesk.console.auth import identity_of
from bot.casedesk.console.middleware import LOGIN_PATH
from bot.casedesk.console.render import wants_json


def require_login(request: web.Request) -> Identity:
    me = identity_of(request)
    if me is None:
        if request.method == "GET" and not wants_json(request) and "text/event-stream" not in request.headers.get("Accept", ""):
            raise web.HTTPSeeOther(f"{LOGIN_PATH}?next={quote(request.path_qs, safe='/')}")
        raise web.HTTPUnauthorized()
    return me


def require_role(request: web.Request, roles: Iterable[str]) -> Identity:
    me = require_login(request)
    if me.role not in set(roles):
        raise web.HTTPForbidden()
    return me


def require_case_worker(request: web.Request) -> Identity:
    """Agents and supervisors: the people who handle cases and may see customer data."""
    return require_role(request, CASE_ROLES)


def require_supervisor(request: web.Request) -> Identity:
    return require_role(request, {ConsoleRole.SUPERVISOR.value})
