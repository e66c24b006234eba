"""Console test helpers: users, sign-in, handoffs through the API, reading the event stream."""
from __future__ import annotations

import asyncio
import json
import re
import secrets
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.casedesk.console.users import create_user
from bot.casedesk.db import DB_KEY, Database
from tests.casedesk.helpers import TOKEN, case_payload

PASSWORD = secrets.token_urlsafe(16)  # a throw-away account per test run
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)">')
_FORM_TOKEN = re.compile(r'name="_csrf" value="([^"]+)"')


def handoff_body(reason: str = "media", **case_fields: Any) -> Dict[str, Any]:
    case = case_payload(**case_fields)
    conversation_id = case.pop("conversation_id")
    channel = case.pop("channel")
    return {
        "conversation_id": conversation_id,
        "request_id": uuid.uuid4().hex,
        "channel": channel,
        "reason": reason,
        "signals": ["曝光"],
        "case": case,
    }


class Console:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    @property
    def app(self) -> web.Application:
        return self.client.server.app  # type: ignore[return-value]

    @property
    def db(self) -> Database:
        return self.app[DB_KEY]

    async def user(self, username: str, role: str = "agent", branch: Optional[str] = None, display_name: str = "王明") -> None:
        await create_user(self.db, username, PASSWORD, role, display_name, branch)

    async def login(self, username: str, password: str = PASSWORD) -> Any:
        # a fresh browser: signing in as someone else starts without the previous cookies
        self.client.session.cookie_jar.clear()
        page = await (await self.client.get("/console/login")).text()
        token = _FORM_TOKEN.search(page).group(1)  # type: ignore[union-attr]
        resp = await self.client.post(
            "/console/login",
            data={"_csrf": token, "username": username, "password": password},
            allow_redirects=False,
        )
        if resp.status == 303:
            landing = await (await self.client.get(resp.headers["Location"])).text()
            match = _CSRF_META.search(landing)
            self.csrf = match.group(1) if match else ""
        return resp

    async def api(self, method: str, path: str, json_body: Any = None) -> Tuple[int, Any]:
        resp = await self.client.request(method, path, json=json_body, headers={"Authorization": f"Bearer {TOKEN}"})
        return resp.status, await resp.json(content_type=None)

    async def handoff(self, reason: str = "media", **case_fields: Any) -> Dict[str, Any]:
        body = handoff_body(reason, **case_fields)
        status, data = await self.api("POST", "/api/handoffs", body)
        assert status == 201, data
        data["conversation_id"] = body["conversation_id"]
        return data

    async def page(self, path: str) -> Tuple[int, str]:
        resp = await self.client.get(path, allow_redirects=False)
        return resp.status, await resp.text()

    async def post(self, path: str, data: Optional[Dict[str, str]] = None, csrf: Optional[str] = "session", **kw: Any) -> Any:
        form = dict(data or {})
        if csrf == "session":
            form["_csrf"] = self.csrf
        elif csrf is not None:
            form["_csrf"] = csrf
        return await self.client.post(path, data=form, allow_redirects=False, **kw)

    async def post_json(self, path: str, body: Any) -> Tuple[int, Any]:
        resp = await self.client.post(
            path, json=body,
            headers={"X-CSRF-Token": self.csrf, "Accept": "application/json"},
        )
        return resp.status, await resp.json(content_type=None)

    async def events(
        self, path: str, until: Callable[[List[Tuple[str, Any]]], bool], timeout: float = 5.0,
        on_event: Optional[Callable[[List[Tuple[str, Any]]], Awaitable[None]]] = None,
    ) -> List[Tuple[str, Any]]:
        """Reads the event stream until `until(events)` holds; returns [(name, data)].

        `on_event(events)`, if given, is awaited after each event, before `until`: a test makes
        its change there once the stream has shown the state before it (no sleeping for a poll)."""
        got: List[Tuple[str, Any]] = []
        resp = await self.client.get(path)
        assert resp.status == 200, await resp.text()
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        name: Optional[str] = None

        async def read() -> None:
            nonlocal name
            while True:
                line = (await resp.content.readline()).decode("utf-8")
                if not line:
                    return
                line = line.rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: ") and name:
                    got.append((name, json.loads(line[6:])))
                    name = None
                    if on_event is not None:
                        await on_event(got)
                    if until(got):
                        return

        try:
            await asyncio.wait_for(read(), timeout)
        finally:
            resp.close()
        return got


def queue_ids(events: List[Tuple[str, Any]]) -> List[List[int]]:
    return [[i["id"] for i in data["items"]] for name, data in events if name == "queue"]
