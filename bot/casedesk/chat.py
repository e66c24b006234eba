"""The customer's web chat page (`/chat`): rasa-webchat talking to Rasa's socket.io channel.

The page carries no inline script: `static/chat.js` starts the widget and reads Rasa's address
from data attributes, so the Content-Security-Policy can allow scripts from this origin only.
"""
from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import List
from urllib.parse import urlsplit

from aiohttp import web

HERE = Path(__file__).resolve().parent
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
