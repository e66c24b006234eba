"""A fake of WeChat's API server (api.weixin.qq.com) on loopback, for the channel's tests.

It issues access tokens for one AppID/secret (`GET /cgi-bin/token`) and records what the
channel sends through the 客服消息 API (`POST /cgi-bin/message/custom/send`) and the case desk's
notices through the 模板消息 API (`POST /cgi-bin/message/template/send`), answering like
WeChat: 40001 for an unknown token, 45015 for an OpenID told to fail. Runs in a thread with its
own event loop, so synchronous tests and a Rasa subprocess can both reach it.

Control (tests only): `fail(openid, errcode)`, `delay(openid, seconds)` (the next send to that
OpenID is answered late), `expire_tokens()`, `sent(openid)`, `token_fetches`.
"""
from __future__ import annotations

import asyncio
import json
import secrets
import socket
import threading
import time
from typing import Any, Dict, List, Optional

from aiohttp import web


class FakeWeChat:
    def __init__(self, appid: str, secret: str) -> None:
        self.appid = appid
        self.secret = secret
        self.tokens: Dict[str, float] = {}
        self.token_fetches = 0
        self.messages: List[Dict[str, Any]] = []
        self.failures: Dict[str, int] = {}
        self.delays: Dict[str, float] = {}
        # the 模板消息 template the account has (None: any)
        self.template_id: Optional[str] = None
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._runner: Optional[web.AppRunner] = None
        self._thread: Optional[threading.Thread] = None
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- WeChat's endpoints ------------------------------------------------------------------
    async def token(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("grant_type") != "client_credential" or q.get("appid") != self.appid:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if q.get("secret") != self.secret:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        token = secrets.token_urlsafe(24)
        with self._lock:
            self.token_fetches += 1
            self.tokens[token] = time.time() + 7200
        return web.json_response({"access_token": token, "expires_in": 7200})

    async def custom_send(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token", "")
        with self._lock:
            valid = self.tokens.get(token, 0) > time.time()
        if not valid:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        try:
            body = json.loads(await request.read())
        except ValueError:
            return web.json_response({"errcode": 47001, "errmsg": "data format error"})
        openid = body.get("touser", "")
        with self._lock:
            delay = self.delays.pop(openid, 0)
            errcode = self.failures.get(openid)
        if delay:
            await asyncio.sleep(delay)
        if errcode:
            return web.json_response({"errcode": errcode, "errmsg": "response out of time limit or subscription is canceled"})
        with self._lock:
            self.messages.append({**body, "at": time.time()})
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def template_send(self, request: web.Request) -> web.Response:
        """模板消息 (customer notices outside the 48-hour window, bot/casedesk/customer/wechat_notices.py):
        recorded with msgtype "template"; 40037 for a template id other than `template_id`."""
        token = request.query.get("access_token", "")
        with self._lock:
            valid = self.tokens.get(token, 0) > time.time()
        if not valid:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        try:
            body = json.loads(await request.read())
        except ValueError:
            return web.json_response({"errcode": 47001, "errmsg": "data format error"})
        if self.template_id is not None and body.get("template_id") != self.template_id:
            return web.json_response({"errcode": 40037, "errmsg": "invalid template_id"})
        with self._lock:
            self.messages.append({**body, "msgtype": "template", "at": time.time()})
            msgid = len(self.messages)
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": msgid})

    def templates(self, openid: str) -> List[Dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages if m.get("touser") == openid and m.get("msgtype") == "template"]

    # -- control -----------------------------------------------------------------------------
    def sent(self, openid: str) -> List[str]:
        with self._lock:
            return [m["text"]["content"] for m in self.messages
                    if m.get("touser") == openid and m.get("msgtype") == "text"]

    def wait_sent(self, openid: str, count: int = 1, timeout: float = 30) -> List[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.sent(openid)
            if len(got) >= count:
                return got
            time.sleep(0.1)
        return self.sent(openid)

    def fail(self, openid: str, errcode: int = 45015) -> None:
        with self._lock:
            self.failures[openid] = errcode

    def delay(self, openid: str, seconds: float) -> None:
        with self._lock:
            self.delays[openid] = seconds

    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    # -- life --------------------------------------------------------------------------------
    def start(self) -> "FakeWeChat":
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            app = web.Application()
            app.router.add_get("/cgi-bin/token", self.token)
            app.router.add_post("/cgi-bin/message/custom/send", self.custom_send)
            app.router.add_post("/cgi-bin/message/template/send", self.template_send)
            self._runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(self._runner.setup())
            loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-wechat", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake WeChat API did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
