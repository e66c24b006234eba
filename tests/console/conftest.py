"""Console fixtures: the real app (SQLite and PostgreSQL, tests/casedesk's pattern), a fake Rasa,
console users, and a signed-in client."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.casedesk.main import init_app
from bot.casedesk.settings import Settings
from tests.casedesk.helpers import BACKENDS, SECRET, TOKEN, Clock, database_target

from .fakes import FakeRasa
from .helpers import Console


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


@pytest.fixture
def settings(backend: str, tmp_path: Path, clock: Clock, fake_rasa: FakeRasa) -> Iterator[Settings]:
    with database_target(backend, tmp_path) as (url, schema):
        # the sync loop is off: tests copy customer messages with handoffs.sync_once
        yield Settings(
            token=TOKEN, secret_key=SECRET, db_url=url, db_schema=schema, clock=clock,
            rasa_url=fake_rasa.url, handoff_sync_seconds=0,
            tracker_db_url=f"sqlite:///{tmp_path}/tracker.db", report_dir=tmp_path / "report",
        )


@pytest.fixture
async def console(settings: Settings) -> Any:
    app = init_app(settings)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Console(client)
