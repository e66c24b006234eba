"""A small stand-in for Rasa's HTTP API on a loopback port, recording what the case desk sends.

A boundary fake for the case desk's own tests: it checks the exact requests (path, query, body)
and serves trackers the tests write. The end-to-end tests run against the real Rasa.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set
from urllib.parse import unquote

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Recorded:
    method: str
    raw_path: str
    conversation_id: str
    tail: str
    query: Dict[str, str]
    body: Any


@dataclass
class FakeRasa:
    token: str = "rasa-test-token"
    requests: List[Recorded] = field(default_factory=list)
    # conversation id → tracker events served by GET .../tracker
    events: Dict[str, List[Dict[str, Any]]] = field(default_factory=dict)
    # HTTP status to answer everything with, to play a failing Rasa
    fail_with: Optional[int] = None
    # conversations whose tracker says "paused": true (handed to a person)
    paused: Set[str] = field(default_factory=set)
    server: Optional[TestServer] = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    def add_user(self, conversation_id: str, text: str, timestamp: float) -> None:
        self.events.setdefault(conversation_id, []).append(
            {"event": "user", "text": text, "timestamp": timestamp, "parse_data": {}}
        )

    def add_bot(self, conversation_id: str, text: str, timestamp: float) -> None:
        self.events.setdefault(conversation_id, []).append(
            {"event": "bot", "text": text, "timestamp": timestamp}
        )

    def calls(self, tail: Optional[str] = None) -> List[Recorded]:
        return [r for r in self.requests if tail is None or r.tail == tail]

    async def _handle(self, request: web.Request) -> web.Response:
        raw = request.raw_path.split("?", 1)[0]
        if raw == "/":  # Rasa's root, which health checks read
            return web.Response(text="Hello from Rasa: fake", status=self.fail_with or 200)
        prefix = "/conversations/"
        if not raw.startswith(prefix):
            return web.json_response({"error": "not found"}, status=404)
        rest = raw[len(prefix):]
        for tail in ("/tracker/events", "/tracker", "/execute"):
            if rest.endswith(tail):
                quoted, found = rest[: -len(tail)], tail
                break
        else:
            return web.json_response({"error": "not found"}, status=404)
        body = await request.json() if request.can_read_body else None
        conversation_id = unquote(quoted)
        self.requests.append(
            Recorded(request.method, raw, conversation_id, found, dict(request.query), body)
        )
        if self.fail_with is not None:
            return web.json_response({"status": "failure"}, status=self.fail_with)
        if request.query.get("token") != self.token:
            return web.json_response({"status": "failure", "reason": "NotAuthenticated"}, status=401)
        if found == "/tracker":
            return web.json_response(
                {"sender_id": conversation_id, "events": self.events.get(conversation_id, []),
                 "paused": conversation_id in self.paused}
            )
        return web.json_response({"sender_id": conversation_id, "events": []})

    async def start(self) -> "FakeRasa":
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.close()


def unused_port() -> int:
    """A loopback port nothing listens on: a Rasa that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
