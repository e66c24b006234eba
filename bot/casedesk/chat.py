"""The customer's web chat page (`/chat`): rasa-webchat talking to Rasa's socket.io channel."""
from __future__ import annotations

import json
import os
from pathlib import Path

from aiohttp import web

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "templates" / "chat.html"
STATIC_DIR = HERE / "static"


def render_chat_page() -> str:
    # RASA_PUBLIC_URL is where browsers reach Rasa; by default the page's own host on
    # RASA_PORT, so the same page works on localhost and behind a host name.
    socket_url = os.environ.get("RASA_PUBLIC_URL", "")
    rasa_port = int(os.environ.get("RASA_PORT", "5005"))
    return (
        TEMPLATE.read_text(encoding="utf-8")
        .replace("{{SOCKET_URL}}", json.dumps(socket_url))
        .replace("{{RASA_PORT}}", json.dumps(str(rasa_port)))
    )


async def chat_page(request: web.Request) -> web.Response:
    return web.Response(
        text=render_chat_page(),
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )
