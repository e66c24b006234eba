"""What every /console request goes through: the session, the CSRF check, HTML error pages, and
the security headers.

The API's middlewares answer JSON; console pages answer HTML, so console errors are rendered
here, inside the API's error middleware, which only sees what escapes this one.
"""
from __future__ import annotations

import logging
from typing import Awaitable, Callable, Optional

from aiohttp import web

from bot.casedesk.appkeys import SETTINGS_KEY
from bot.casedesk.db import DB_KEY
from bot.casedesk.cases.case_rules import IllegalTransition
from bot.casedesk.api.errors import ApiError
from bot.casedesk.console.auth import IDENTITY_KEY, COOKIE_NAME, CSRF_FIELD, CSRF_HEADER, Identity, load_session, tokens_match
from bot.casedesk.console.render import json_response, render, wants_json

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

LOGIN_PATH = "/console/login"

# No inline script or style anywhere: JS and CSS are static files, charts are SVG attributes.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # every console page can carry customer data: never in a browser or proxy cache
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}

ERROR_MESSAGES = {
    400: "请求内容不正确，请检查后重试。",
    401: "您尚未登录或登录已过期，请重新登录。",
    403: "抱歉，您没有权限访问此页面或执行此操作。",
    404: "抱歉，未找到您要访问的页面或案件。",
    405: "抱歉，该地址不支持此操作。",
    409: "操作与当前状态冲突，请刷新页面后重试。",
    413: "提交的内容过大，请精简后重试。",
}


def is_console_path(path: str) -> bool:
    return path == "/console" or path.startswith("/console/")


async def error_page(request: web.Request, status: int, message: Optional[str] = None) -> web.Response:
    message = message or ERROR_MESSAGES.get(status, "系统繁忙，请稍后重试。")
    if wants_json(request):
        return json_response({"error": status, "message": message}, status=status)
    return render(request, "console/error.html", {"status": status, "message": message}, status=status)


async def _csrf_ok(request: web.Request, identity: Identity) -> bool:
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # read() enforces client_max_size; post() caches the form for the handler
        given = (await request.post()).get(CSRF_FIELD)  # type: ignore[assignment]
    return tokens_match(given if isinstance(given, str) else None, identity.csrf_token)


@web.middleware
async def console_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_console_path(request.path):
        return await handler(request)
    try:
        now = request.app[SETTINGS_KEY].clock()
        identity = await load_session(request.app[DB_KEY], request.cookies.get(COOKIE_NAME), now)
        request[IDENTITY_KEY] = identity
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.path != LOGIN_PATH:
            if identity is None:
                return await error_page(request, 401)
            if not await _csrf_ok(request, identity):
                log.warning("console: CSRF token missing or wrong on %s %s", request.method, request.path)
                return await error_page(request, 403, "页面已过期或请求来源不明，请刷新页面后重试。")
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return await error_page(request, exc.status)
    except ApiError as exc:
        # our own messages: Chinese, written for people, never customer data
        return await error_page(request, exc.status, exc.message)
    except IllegalTransition as exc:
        return await error_page(request, 409, exc.message)


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: runs for pages, redirects, errors and the event stream alike."""
    if is_console_path(request.path):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
