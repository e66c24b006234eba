"""One real stack (case desk + action server + Rasa with the trained model) per backend.

Starting Rasa loads the model (~50 s), so the end-to-end tests share one stack per backend;
each test uses its own conversation id. The same tests run on the embedded SQLite defaults
and on the production set-up (PostgreSQL for the case desk and Rasa's tracker store, Redis
lock store, Rasa's events through RabbitMQ to the desk). E2E_BACKENDS=sqlite limits a local run
to one.
"""
from __future__ import annotations

import os
import uuid

import pytest

from tests.stack import Stack
from tests.wechat.fake_wechat import FakeWeChat

RABBITMQ_URL = os.environ.get("RABBITMQ_TEST_URL", "amqp://guest:guest@127.0.0.1:5672/")
BACKENDS = {
    "sqlite": lambda: {},
    # production: Rasa publishes every event through its event broker to a queue of this run's
    # own, which the case desk consumes for the handoff sync (bot/event_broker.py,
    # handoffs/broker_feed.py)
    "postgres": lambda: {
        "CASEDESK_DB_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        "CASEDESK_DB_SCHEMA": f"e2e_{uuid.uuid4().hex[:8]}",
        "TRACKER_DB_URL": "postgresql://postgres@127.0.0.1:5432/test",
        "LOCK_STORE_TYPE": "redis",
        "RABBITMQ_URL": RABBITMQ_URL,
        "RABBITMQ_QUEUE": f"e2e_events_{uuid.uuid4().hex[:8]}",
        "CASEDESK_HANDOFF_SYNC_SOURCE": "rabbitmq",
    },
}
SELECTED = [b for b in os.environ.get("E2E_BACKENDS", "sqlite,postgres").split(",") if b]


@pytest.fixture(scope="session")
def fake_wechat():
    """WeChat's API server, faked on loopback; every stack's WeChat channel talks to it."""
    fake = FakeWeChat(appid="wx0e2e000000000001", secret=uuid.uuid4().hex).start()
    yield fake
    fake.stop()


def wechat_env(fake: FakeWeChat, workdir) -> dict:
    return {
        "WECHAT_APPID": fake.appid, "WECHAT_SECRET": fake.secret,
        "WECHAT_TOKEN": uuid.uuid4().hex, "WECHAT_AES_KEY": (uuid.uuid4().hex * 2)[:43],
        "WECHAT_API_BASE": fake.url, "WECHAT_STORE_PATH": str(workdir / "wechat.db"),
    }


@pytest.fixture(scope="session", params=SELECTED)
def stack(request, tmp_path_factory, fake_wechat):
    workdir = tmp_path_factory.mktemp(f"stack-{request.param}")
    s = Stack(workdir, **wechat_env(fake_wechat, workdir), **BACKENDS[request.param]())
    s.backend = request.param
    try:
        s.start_all()
    except Exception:
        s.stop_all()
        raise
    yield s
    s.stop_all()
    s.drop_casedesk_schema()
    if s.env.get("RABBITMQ_QUEUE", "").startswith("e2e_events_"):
        _delete_queue(s.env["RABBITMQ_QUEUE"])


def _delete_queue(name: str) -> None:
    """This run's queue goes with its stack: left bound to Rasa's exchange, it would gather the
    events of every later run."""
    import asyncio

    import aio_pika

    async def delete() -> None:
        connection = await aio_pika.connect(RABBITMQ_URL)
        async with connection:
            await (await connection.channel()).queue_delete(name)

    asyncio.run(delete())


def first_backend_only(stack) -> None:
    """Skip a browser test on every backend but the first. A page looks and behaves the same
    whatever database is behind it, and what the test stores is covered on both backends by the
    API and console tests; a browser test costs 20-60 s, so `make test` runs each once."""
    if getattr(stack, "backend", SELECTED[0]) != SELECTED[0]:
        pytest.skip(f"browser tests run on the {SELECTED[0]} stack only")


def _chromium():
    from tests.e2e.console_browser import launch

    playwright = pytest.importorskip("playwright.sync_api")
    with launch(playwright) as b:
        yield b


@pytest.fixture()
def browser(request):
    """A headless Chromium (Debian's, tests/e2e/console_browser.py) for one test, closed after it;
    the test is skipped where Playwright is not installed, and on the second backend's stack."""
    if "stack" in request.fixturenames:
        first_backend_only(request.getfixturevalue("stack"))
    yield from _chromium()


@pytest.fixture()
def browser_on_every_backend():
    """The same Chromium for a browser test whose pages read what only that backend stores (the
    trainer pages read Rasa's own tracker tables, SQLite or PostgreSQL)."""
    yield from _chromium()
