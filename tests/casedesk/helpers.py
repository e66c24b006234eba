"""Shared helpers of the case desk tests (fixtures are in conftest.py)."""
from __future__ import annotations

import asyncio
import itertools
import os
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple

import psycopg2
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.engine import make_url

from bot.casedesk.app import init_app
from bot.casedesk.settings import Settings

PG_URL = os.environ.get(
    "CASEDESK_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
SKIP_PG = os.environ.get("CASEDESK_SKIP_PG") == "1"
TOKEN = "test-token-" + "x" * 24
SECRET = "test-secret-key-" + "y" * 24

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="pg",
        marks=pytest.mark.skipif(SKIP_PG, reason="CASEDESK_SKIP_PG=1"),
    ),
]

_schemas = itertools.count()


def _pg_dsn() -> Dict[str, Any]:
    u = make_url(PG_URL)
    return dict(
        host=u.host or "127.0.0.1",
        port=u.port or 5432,
        user=u.username or "postgres",
        password=u.password,
        dbname=u.database,
        connect_timeout=5,
    )


def pg_execute(sql: str) -> None:
    try:
        conn = psycopg2.connect(**_pg_dsn())
    except psycopg2.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL unreachable at {PG_URL} ({exc}); start it or set CASEDESK_SKIP_PG=1",
            pytrace=False,
        )
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


@contextmanager
def database_target(backend: str, tmp_path: Path) -> Iterator[Tuple[str, Optional[str]]]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'casedesk.db'}", None
        return
    schema = f"cdtest_{os.getpid()}_{next(_schemas)}_{uuid.uuid4().hex[:6]}"
    pg_execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    try:
        yield PG_URL, schema
    finally:
        pg_execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


class Clock:
    """The app's clock, moved by tests to cross SLA, repeat and group windows."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Api:
    """Thin helper over the aiohttp test client: auth header and JSON in, (status, json) out."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {TOKEN}"}

    @property
    def app(self) -> web.Application:
        return self.client.server.app  # type: ignore[return-value]

    async def call(
        self,
        method: str,
        path: str,
        json: Any = None,
        data: Any = None,
        headers: Optional[Dict[str, str]] = None,
        auth: bool = True,
        params: Any = None,
    ) -> Tuple[int, Any]:
        h = dict(self.headers) if auth else {}
        h.update(headers or {})
        resp = await self.client.request(
            method, path, json=json, data=data, headers=h, params=params
        )
        body = await resp.json(content_type=None) if method != "HEAD" else None
        return resp.status, body

    async def create(self, **fields: Any) -> Tuple[int, Any]:
        return await self.call("POST", "/api/cases", json=case_payload(**fields))


def case_payload(**fields: Any) -> Dict[str, Any]:
    body: Dict[str, Any] = {
        "conversation_id": f"conv-{uuid.uuid4().hex[:12]}",
        "intake_id": str(uuid.uuid4()),
        "channel": "web",
        "category": "transaction_dispute",
        "business_line": "bank_card",
        "priority": "normal",
        "customer_name": "王建国",
        "phone": "13812345678",
        "branch": "朝阳路支行",
        "occurred_at": "2026-11-21",
        "amount": 5000.0,
        "description": "我的信用卡昨天被盗刷了五千元，我本人一直持卡。",
        "demand": "请尽快核查并追回资金",
        "confidential": False,
        "compensation_requested": True,
        "handoff_reason": None,
        "escalation_signals": [],
        "transcript": [
            {"role": "customer", "text": "我的卡被盗刷了！", "at": "2026-11-22T10:00:00+08:00"},
            {"role": "bot", "text": "非常抱歉给您带来困扰，我们马上为您处理。", "at": "2026-11-22T10:00:02+08:00"},
        ],
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


class ThreadedServer:
    """The app on a loopback port in a thread of its own, for synchronous clients
    (hypothesis drives its examples synchronously)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._runner = web.AppRunner(init_app(self.settings), access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            self.port = self._runner.addresses[0][1]
        except BaseException as exc:  # surfaced in start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def start(self) -> "ThreadedServer":
        self._thread.start()
        self._ready.wait(60)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
