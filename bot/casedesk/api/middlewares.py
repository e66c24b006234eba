"""Errors to JSON in one place, and bearer-token auth for /api/*."""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from typing import Awaitable, Callable, Dict, Optional, Tuple

from aiohttp import web
from aiohttp.http_exceptions import ContentEncodingError, HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

from bot.casedesk.appkeys import SETTINGS_KEY
from bot.log_format import REQUEST_ID, request_id
from bot.crypto import DecryptionFailed
from bot.casedesk.cases.case_rules import IllegalTransition
from bot.casedesk.api.errors import ApiError, BadRequest, Unauthorized

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Public on purpose: load balancers probe /healthz, and the API description holds no secrets.
PUBLIC_PATHS = frozenset({"/healthz", "/api/openapi.json"})

HTTP_ERRORS: Dict[int, Tuple[str, str]] = {
    400: ("bad_request", "请求格式不正确，请检查后重试。"),
    401: ("unauthorized", "身份验证失败，请提供有效的访问令牌。"),
    403: ("forbidden", "抱歉，您没有权限执行此操作。"),
    404: ("not_found", "抱歉，未找到您请求的资源，请核对地址。"),
    405: ("method_not_allowed", "抱歉，该地址不支持此请求方法。"),
    413: ("payload_too_large", "请求内容过大，请精简后重试。"),
    415: ("unsupported_media_type", "请使用 JSON 格式提交请求。"),
}

_ACTOR_RE = re.compile(r"^[\w.@:\-]{1,64}$")
ACTOR_KEY = "casedesk_actor"
REQUEST_ID_KEY = "casedesk_request_id"


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def error_response(
    status: int, code: str, message: str, headers: Optional[Dict[str, str]] = None
) -> web.Response:
    return web.json_response(
        {"error": code, "message": message}, status=status, headers=headers, dumps=_dumps
    )


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.headers)
    except IllegalTransition as exc:
        return error_response(409, "illegal_transition", exc.message)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code, message = HTTP_ERRORS.get(
            exc.status, ("http_error", "请求无法处理，请稍后重试。")
        )
        headers = {k: v for k, v in exc.headers.items() if k in ("Allow", "WWW-Authenticate")}
        return error_response(exc.status, code, message, headers)
    except (RequestPayloadError, HttpProcessingError) as exc:
        # a body aiohttp cannot read: Content-Encoding: gzip (or deflate) on a body that is
        # not, bad chunking, a short body. The client's fault, never a 500.
        cause = exc.__cause__ or exc
        if isinstance(cause, ContentEncodingError) or "content-encoding" in str(exc).lower():
            response = error_response(400, "bad_encoding", "请求内容的压缩编码无效，请检查 Content-Encoding 后重试。")
        else:
            response = error_response(400, "bad_request", HTTP_ERRORS[400][1])
        # the rest of that body cannot be read either: end the connection after this answer
        # instead of letting aiohttp try to drain it (which raises again and logs a traceback)
        request.content.feed_eof()
        response.force_close()
        return response
    except asyncio.CancelledError:
        raise
    except DecryptionFailed:
        # configuration fault, not bad input: the key in .env is not the one the data was
        # written with. No value is logged.
        log.error("cannot decrypt case PII: CASEDESK_SECRET_KEY differs from the one in use at write time")
        return error_response(500, "decryption_failed", "系统暂时无法读取该案件的客户信息，请联系管理员。")
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "系统繁忙，请稍后重试。")


def actor_of(request: web.Request) -> str:
    return request.get(ACTOR_KEY, "service")


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    if (path == "/api" or path.startswith("/api/")) and path not in PUBLIC_PATHS:
        expected = request.app[SETTINGS_KEY].token.encode("utf-8")
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        supplied = given.strip().encode("utf-8", "replace")
        # compare_digest runs in constant time even when the lengths differ
        if scheme.lower() != "bearer" or not hmac.compare_digest(supplied, expected):
            raise Unauthorized(
                "身份验证失败，请在 Authorization 头中提供有效的 Bearer 令牌。",
                headers={"WWW-Authenticate": 'Bearer realm="casedesk"'},
            )
        # one service token for now; the caller names the person it acts for
        actor = request.headers.get("X-Actor")
        if actor is not None:
            actor = actor.strip()
            if not _ACTOR_RE.match(actor):
                raise BadRequest("X-Actor 请求头格式不正确（最多 64 个字母、数字或 ._@:- 字符）。", code="invalid_actor")
            request[ACTOR_KEY] = actor
    return await handler(request)


SERVER_NAME = "casedesk"


async def plain_server_header(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: `Server` names the service, not the aiohttp and Python versions
    (aiohttp only fills it in when it is unset)."""
    response.headers["Server"] = SERVER_NAME


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every log line written while serving the request carries its id (bot/log_format.py); the
    caller's X-Request-Id when it looks like an id, else a new one, sent back either way."""
    rid = request_id(request.headers.get("X-Request-Id"))
    request[REQUEST_ID_KEY] = rid
    REQUEST_ID.set(rid)  # not reset: the access log line, written after the handler, carries it too
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers["X-Request-Id"] = rid
        raise
    response.headers["X-Request-Id"] = rid
    return response


def setup_middlewares(app: web.Application) -> None:
    app.on_response_prepare.append(plain_server_header)
    app.middlewares.append(request_id_middleware)
    # errors outermost but for the request id, so a 401 from auth is rendered like every other error
    app.middlewares.append(error_middleware)
    app.middlewares.append(auth_middleware)
