"""Smaller defects of issue 18, item 8: a bad gzip body, the `Server` header, /chat's headers."""
from __future__ import annotations

import gzip
import re

from .helpers import Api, case_payload
from .test_errors import assert_error


async def test_bad_gzip_body_is_a_400_not_a_500(api: Api, caplog) -> None:
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    for path, method in (("/api/cases", "POST"), ("/api/handoffs", "POST")):
        status, body = await api.call(method, path, data=b"\x1f\x8b\x08garbage-not-gzip", headers=headers)
        assert_error(status, body, 400, "bad_encoding")
        status, body = await api.call(method, path, data=b"plain text, not gzip at all", headers=headers)
        assert_error(status, body, 400, "bad_encoding")
    # answered, not crashed: no traceback from the handler or from aiohttp's draining
    assert not [r for r in caplog.records if r.levelno >= 40], [r.getMessage() for r in caplog.records]
    status, _ = await api.call("GET", "/api/cases")
    assert status == 200


async def test_good_gzip_body_still_works(api: Api) -> None:
    import json

    data = gzip.compress(json.dumps(case_payload()).encode("utf-8"))
    status, body = await api.call(
        "POST", "/api/cases", data=data, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
    )
    assert status == 201, body


async def test_server_header_names_no_versions(api: Api) -> None:
    for path, auth in (("/healthz", False), ("/api/cases", True), ("/api/cases", False), ("/chat", False), ("/console/login", False), ("/nope", False)):
        resp = await api.client.get(path, headers=api.headers if auth else {})
        server = resp.headers.get("Server", "")
        assert not re.search(r"\d", server), (path, server)
        assert "aiohttp" not in server.lower() and "python" not in server.lower(), (path, server)


async def test_chat_page_security_headers(api: Api) -> None:
    resp = await api.client.get("/chat")
    assert resp.status == 200
    h = resp.headers
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] in ("no-referrer", "strict-origin")
    assert h["X-Content-Type-Options"] == "nosniff"
    csp = {d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else "" for d in (p.strip() for p in h["Content-Security-Policy"].split(";")) if d}
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'"  # no inline script, no eval
    assert "frame-ancestors" in csp and csp["frame-ancestors"] == "'none'"
    assert "base-uri" in csp
    # the widget talks to Rasa's socket.io, by default on the page's host at RASA_PORT
    assert "http://127.0.0.1:5005" in csp["connect-src"] and "ws://127.0.0.1:5005" in csp["connect-src"]
    html = await resp.text()
    # every <script> has a src: nothing inline for script-src 'self' to block
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html)


async def test_chat_csp_follows_rasa_public_url(api: Api, monkeypatch) -> None:
    monkeypatch.setenv("RASA_PUBLIC_URL", "https://bot.example.cn")
    resp = await api.client.get("/chat")
    csp = resp.headers["Content-Security-Policy"]
    assert "https://bot.example.cn" in csp and "wss://bot.example.cn" in csp
    assert 'data-socket-url="https://bot.example.cn"' in await resp.text()


async def test_chat_script_is_served(api: Api) -> None:
    resp = await api.client.get("/static/chat.js")
    assert resp.status == 200
    body = await resp.text()
    assert "WebChat.default" in body
