"""The customer's web chat page (`/chat`): rasa-webchat talking to Rasa's socket.io channel.

The page carries no inline script: `static/chat.js` starts the widget and reads Rasa's address
from data attributes, so the Content-Security-Policy can allow scripts from this origin only.

The widget keeps its session in localStorage, so the conversation survives closing the tab; the
page asks `POST /chat/notices` with that session id for the notices of the cases the
conversation filed (受理, 延期, 暂停, 恢复计时, 决定; notices.py) and keeps them in localStorage too.
With the same session id it asks `POST /chat/typing` whether the agent holding the conversation
is typing a reply (客服 王明 正在输入…; agent_typing.py).
"""
from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

from aiohttp import web

from bot.casedesk.handoffs import agent_typing
from bot.casedesk.customer import notices as outbox
from bot.casedesk.appkeys import SETTINGS_KEY
from bot.casedesk.db import DB_KEY
from bot.casedesk.api.json_io import json_response
from bot.casedesk.customer.notice_texts import Kind

HERE = Path(__file__).resolve().parents[1]  # bot/casedesk: its templates/ and static/
TEMPLATE = HERE / "templates" / "chat.html"
STATIC_DIR = HERE / "static"

# a host name or address as a browser may send it in Host (no port, no user info)
_HOST_RE = re.compile(r"^(?:[A-Za-z0-9.\-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])$")


def _settings() -> tuple:
    # RASA_PUBLIC_URL is where browsers reach Rasa; by default the page's own host on
    # RASA_PORT, so the same page works on localhost and behind a host name.
    socket_url = os.environ.get("RASA_PUBLIC_URL", "").strip()
    rasa_port = int(os.environ.get("RASA_PORT", "5005"))
    return socket_url, rasa_port


def render_chat_page() -> str:
    socket_url, rasa_port = _settings()
    return (
        TEMPLATE.read_text(encoding="utf-8")
        .replace("{{SOCKET_URL}}", html.escape(socket_url, quote=True))
        .replace("{{RASA_PORT}}", str(rasa_port))
    )


def rasa_origins(request: web.Request) -> List[str]:
    """Where the widget's socket.io may connect: Rasa's public URL, or the page's host on
    RASA_PORT (what static/chat.js computes), over HTTP(S) for polling and WS(S) for the
    socket. Both schemes: behind a TLS proxy the page is https while the desk sees http."""
    socket_url, rasa_port = _settings()
    if socket_url:
        parts = urlsplit(socket_url)
        if parts.scheme in ("http", "https") and parts.netloc:
            secure = parts.scheme == "https"
            return [f"{parts.scheme}://{parts.netloc}", f"{'wss' if secure else 'ws'}://{parts.netloc}"]
        return []
    try:
        host = urlsplit("//" + (request.host or "")).hostname or ""
    except ValueError:
        return []
    if ":" in host:  # IPv6
        host = f"[{host}]"
    if not _HOST_RE.match(host or ""):
        return []
    return [f"{scheme}://{host}:{rasa_port}" for scheme in ("http", "https", "ws", "wss")]


def chat_csp(request: web.Request) -> str:
    # style-src needs 'unsafe-inline': the widget's bundle injects its stylesheet as <style>
    # elements at run time. Scripts stay 'self' only (no inline, no eval).
    connect = " ".join(["'self'"] + rasa_origins(request))
    return (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data:; font-src 'self' data:; connect-src {connect}; "
        "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    )


async def chat_page(request: web.Request) -> web.Response:
    return web.Response(
        text=render_chat_page(),
        content_type="text/html",
        charset="utf-8",
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": chat_csp(request),
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
        },
    )


# rasa-webchat's session ids, as the socket.io channel accepts them (bot/channels/guard.py): the
# conversation id of a web chat is its session id, a random UUID only that browser knows
_SESSION_RE = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})$")
_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _error(status: int, code: str, message: str) -> web.Response:
    response = json_response({"error": code, "message": message}, status=status)
    response.headers.update(_NO_STORE)
    return response


async def _session_id(request: web.Request) -> Optional[str]:
    """The widget's session id from `{"session_id": "…"}` in a POST body (never in a URL, which
    logs and proxies keep); None when it is not one."""
    try:
        body = await request.json() if request.can_read_body else None
    except ValueError:
        body = None
    session_id = body.get("session_id") if isinstance(body, dict) else None
    return session_id if isinstance(session_id, str) and _SESSION_RE.match(session_id) else None


def _invalid_session() -> web.Response:
    return _error(400, "invalid_session", "会话标识无效，请刷新页面后重试。")


async def notices(request: web.Request) -> web.Response:
    """The notices of the web-chat cases this session filed. No other conversation's notice can
    be asked for: the session id is the conversation id, matched exactly."""
    session_id = await _session_id(request)
    if session_id is None:
        return _invalid_session()
    outbox_ = request.app[outbox.OUTBOX_KEY]
    # steps taken since the outbox's last pass are shown at once
    await outbox_.make()
    texts = outbox_.source.get()
    items = await outbox.for_conversation(request.app[DB_KEY], session_id)
    response = json_response({
        "items": [
            {"id": n.id, "case_no": n.case_no, "kind": n.kind, "title": texts.title(Kind(n.kind)),
             "text": n.text, "at": n.at.isoformat(), **({"link": n.link} if n.link else {})}
            for n in items
        ]
    })
    response.headers.update(_NO_STORE)
    return response


async def typing(request: web.Request) -> web.Response:
    """Whether a person holds this session's conversation (`with_agent`) and is typing a reply
    now (`typing`, with `agent`: the display name they greeted the customer with). The same rule
    as the notices: the session id, a random UUID only that browser knows, is the key, matched
    exactly to a web conversation; an id of no such conversation gets `{"with_agent": false,
    "typing": false}`, the answer of a conversation nobody holds, and no answer holds customer data.

    A POST poll rather than a server-sent stream: an EventSource cannot send a body, so the
    session id would go into the URL, and a poll needs no long-lived connection per customer on
    any desk process. The page polls every 1.5 s only while `with_agent` (static/chat.js)."""
    session_id = await _session_id(request)
    if session_id is None:
        return _invalid_session()
    view = await agent_typing.for_conversation(request.app[DB_KEY], session_id, request.app[SETTINGS_KEY].clock())
    answer: Dict[str, Any] = {"with_agent": view.with_agent, "typing": view.typing}
    if view.typing and view.agent_name:
        answer["agent"] = view.agent_name
    response = json_response(answer)
    response.headers.update(_NO_STORE)
    return response
