"""GET /healthz reports each dependency (issue 17): the database, Rasa and the notice outbox, on
SQLite and PostgreSQL; the app's clock is moved instead of waiting for a notice to lag."""
from __future__ import annotations

import dataclasses
import json
from typing import Any, AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.casedesk.customer import notices
from bot.casedesk.app import init_app
from bot.casedesk.settings import NoticeSettings, Settings

from .helpers import Api, Clock
from .rasa_fake import FakeRasa, unused_port


async def _api(settings: Settings) -> AsyncIterator[Api]:
    async with TestClient(TestServer(init_app(settings), host="127.0.0.1")) as client:
        yield Api(client)


@pytest.fixture
async def with_rasa(settings: Settings, rasa: FakeRasa) -> AsyncIterator[Api]:
    quiet = dataclasses.replace(settings, rasa_url=rasa.url, rasa_token=rasa.token, handoff_sync_seconds=0,
                                notices=NoticeSettings(dispatch_seconds=0))
    async for api in _api(quiet):
        yield api


@pytest.fixture
async def rasa_down(settings: Settings) -> AsyncIterator[Api]:
    down = dataclasses.replace(settings, rasa_url=f"http://127.0.0.1:{unused_port()}", handoff_sync_seconds=0)
    async for api in _api(down):
        yield api


async def health(api: Api) -> Any:
    return await api.call("GET", "/healthz", auth=False)


async def test_every_dependency_up_is_ok(with_rasa: Api) -> None:
    status, body = await health(with_rasa)
    assert status == 200 and body["status"] == "ok", body
    assert {k: v["status"] for k, v in body["checks"].items()} == {"database": "ok", "rasa": "ok", "notice_outbox": "ok"}
    assert body["checks"]["notice_outbox"] == {"status": "ok", "waiting": 0, "oldest_waiting_seconds": None}
    assert isinstance(body["checks"]["database"]["latency_ms"], int)


async def test_rasa_down_is_degraded_not_down(rasa_down: Api) -> None:
    # cases are still filed without Rasa: the balancer keeps the desk (200), the report says why
    status, body = await health(rasa_down)
    assert status == 200 and body["status"] == "degraded"
    assert body["checks"]["rasa"] == {"status": "unavailable"} and body["checks"]["database"]["status"] == "ok"
    assert (await rasa_down.create())[0] == 201


async def test_a_notice_stuck_in_the_outbox_is_reported(with_rasa: Api, clock: Clock) -> None:
    # a WeChat case's notices go by SMS here; nothing sends them in this test (no loop)
    status, case = await with_rasa.create(channel="wechat", conversation_id="wechat:oHealth")
    assert status == 201
    await with_rasa.app[notices.OUTBOX_KEY].make()
    body = (await health(with_rasa))[1]
    assert body["status"] == "ok" and body["checks"]["notice_outbox"]["waiting"] == 1
    clock.advance(minutes=20)
    status, body = await health(with_rasa)
    assert status == 200 and body["status"] == "degraded"
    outbox = body["checks"]["notice_outbox"]
    assert outbox["status"] == "lagging" and outbox["oldest_waiting_seconds"] >= 20 * 60
    # no customer, conversation or token in the report
    text = json.dumps(body, ensure_ascii=False)
    assert "oHealth" not in text and case["case_no"] not in text and "token" not in text


async def test_a_web_notice_waiting_for_the_customer_is_no_lag(with_rasa: Api, clock: Clock) -> None:
    assert (await with_rasa.create(channel="web", conversation_id="web-session-1"))[0] == 201
    await with_rasa.app[notices.OUTBOX_KEY].make()
    clock.advance(days=2)
    body = (await health(with_rasa))[1]
    assert body["status"] == "ok" and body["checks"]["notice_outbox"]["waiting"] == 0
