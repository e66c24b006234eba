"""Fixtures for the case desk: the real app over a real socket, on SQLite and on PostgreSQL.

Each test gets a fresh database — a temp SQLite file, or a PostgreSQL schema of its own that the
app's Alembic migrations create and the teardown drops — so runs are repeatable and independent.
PostgreSQL must be reachable (`CASEDESK_TEST_PG_URL`, default postgres@127.0.0.1/test); the PG
variants fail when it is not, unless CASEDESK_SKIP_PG=1.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.casedesk.app import init_app
from bot.casedesk.settings import Settings

# Rasa's own tracker store and a reader on one empty database, SQLite or PostgreSQL, and the bot's
# encrypted store on it (the trainer tests' fixtures): the handoff sync reads that table too
# (test_event_feed.py)
from tests.trainer.test_tracker_store import bots_store, pg_database, target  # noqa: F401

from .helpers import BACKENDS, SECRET, TOKEN, Api, Clock, ThreadedServer, database_target
from .rasa_fake import FakeRasa


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(backend: str, tmp_path: Path, clock: Clock) -> Iterator[Settings]:
    with database_target(backend, tmp_path) as (url, schema):
        yield Settings(token=TOKEN, secret_key=SECRET, db_url=url, db_schema=schema, clock=clock)


@pytest.fixture
async def rasa() -> AsyncIterator[FakeRasa]:
    """A stand-in Rasa on a real socket, for the handoff, call-back and metrics tests."""
    fake = await FakeRasa().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def api(settings: Settings) -> Any:
    app = init_app(settings)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Api(client)


@pytest.fixture(scope="module", params=BACKENDS)
def threaded_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedServer]:
    tmp = tmp_path_factory.mktemp("casedesk")
    with database_target(request.param, tmp) as (url, schema):
        server = ThreadedServer(
            Settings(token=TOKEN, secret_key=SECRET, db_url=url, db_schema=schema)
        ).start()
        try:
            yield server
        finally:
            server.stop()
