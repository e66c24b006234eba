"""The handoff sync on the production source: Rasa's event broker publishes to the machine's
RabbitMQ (bot/event_broker.py, through the bot's own tracker store as Rasa saves a
conversation) and the desk consumes the queue (handoffs/broker_feed.py). Real RabbitMQ, real
stores; the stand-in Rasa only records tracker fetches. RabbitMQ must be reachable
(RABBITMQ_TEST_URL, default guest@127.0.0.1:5672) unless CASEDESK_SKIP_RABBITMQ=1.

Each test gets an exchange and a queue of its own, deleted afterwards."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import uuid
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Dict

import aio_pika
import pytest
from aiohttp.test_utils import TestClient, TestServer
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from bot.casedesk.app import init_app
from bot.casedesk.db import DB_KEY
from bot.casedesk.handoffs import service as handoffs
from bot.casedesk.handoffs.broker_feed import BrokerFeed
from bot.casedesk.handoffs.rasa_bridge import RASA_KEY
from bot.casedesk.settings import Settings, load_settings
from bot.event_broker import SealedPikaEventBroker, open_event
from bot.rasa_tracker_store import CachingSQLTrackerStore
from bot.trainer.tracker_store import event_cipher
from tests.trainer.rasa_trackers import save
from tests.trainer.test_tracker_store import KEY

from .helpers import Api, Clock
from .rasa_fake import FakeRasa
from .test_event_feed import _conversation, _customer_texts
from .test_handoffs import open_one

URL = os.environ.get("RABBITMQ_TEST_URL", "amqp://guest:guest@127.0.0.1:5672/")

pytestmark = pytest.mark.skipif(
    os.environ.get("CASEDESK_SKIP_RABBITMQ") == "1", reason="CASEDESK_SKIP_RABBITMQ=1: no RabbitMQ here"
)


@pytest.fixture(autouse=True)
def tracker_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TRACKER_SECRET_KEY", KEY)
    return KEY


@pytest.fixture
async def names() -> AsyncIterator[Dict[str, str]]:
    tag = uuid.uuid4().hex[:10]
    made = {"exchange": f"test-exchange-{tag}", "queue": f"test-events-{tag}"}
    yield made
    connection = await aio_pika.connect(URL)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(made["queue"])
        await channel.exchange_delete(made["exchange"])


@pytest.fixture
async def broker(names: Dict[str, str]) -> AsyncIterator[SealedPikaEventBroker]:
    """Rasa's side, built from endpoints.yml's entry as Rasa builds it."""
    config = EndpointConfig(url=URL, queues=names["queue"], exchange_name=names["exchange"], connection_attempts=1)
    made = await SealedPikaEventBroker.from_endpoint_config(config, asyncio.get_running_loop())
    assert made is not None
    yield made
    await made.close()


@pytest.fixture
def store(tmp_path: Path, broker: SealedPikaEventBroker) -> Any:
    """The bot's tracker store (endpoints.yml), publishing through the broker as Rasa's does."""
    made = CachingSQLTrackerStore(Domain.empty(), host=f"sqlite:///{tmp_path / 'tracker.db'}", event_broker=broker)
    yield made
    made.engine.dispose()


@pytest.fixture
async def desk(settings: Settings, rasa: FakeRasa) -> AsyncIterator[Api]:
    s = dataclasses.replace(settings, rasa_url=rasa.url, rasa_token=rasa.token, handoff_sync_seconds=0)
    async with TestClient(TestServer(init_app(s), host="127.0.0.1")) as client:
        yield Api(client)


async def _started(feed: BrokerFeed) -> BrokerFeed:
    feed.start()
    await _until(feed.connected)
    return feed


@pytest.fixture
async def feed(names: Dict[str, str]) -> AsyncIterator[BrokerFeed]:
    made = await _started(BrokerFeed(URL, names["queue"], exchange=names["exchange"]))
    yield made
    await made.dispose()


async def _until(check: Callable[[], Awaitable[Any]], tries: int = 400) -> Any:
    """Waits for something RabbitMQ delivers in its own time (bounded, never a fixed sleep)."""
    for _ in range(tries):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.025)
    raise AssertionError("RabbitMQ never delivered")


async def _sync_until(desk: Api, feed: BrokerFeed, copied: int) -> int:
    """Sync passes until `copied` turns were added in all (what was published may still be on
    its way to the consumer)."""
    db, bridge = desk.app[DB_KEY], desk.app[RASA_KEY]
    total = 0

    async def one_pass() -> bool:
        nonlocal total
        total += await handoffs.sync_once(db, bridge, feed)
        return total >= copied

    await _until(one_pass)
    return total


async def test_published_messages_are_copied_without_a_tracker_fetch(
    desk: Api, rasa: FakeRasa, store: Any, feed: BrokerFeed, clock: Clock
) -> None:
    conversation = f"wx-{uuid.uuid4().hex[:10]}"
    for _ in range(20):
        await open_one(desk, conversation_id=f"web-{uuid.uuid4().hex[:8]}")
    await open_one(desk, conversation_id=conversation)
    db, bridge = desk.app[DB_KEY], desk.app[RASA_KEY]
    # the first pass after connecting fills what the queue cannot know from the trackers
    assert await handoffs.sync_once(db, bridge, feed) == 0
    fetched = len(rasa.calls("/tracker"))
    assert fetched == 21

    start = clock.now.timestamp()
    await save(store, conversation, _conversation(start, "人呢？", "我的电话是13812345678"))
    await save(store, "not-handed-off", _conversation(start, "随便问问"))
    assert await _sync_until(desk, feed, 2) == 2
    # masked in the transcript list, as with the other sources; "我要投诉" predates the handoff
    assert await _customer_texts(desk) == ["人呢？", "我的电话是138****5678"]
    # nothing arrived since: the pass does nothing, for any number of open handoffs
    assert await handoffs.sync_once(db, bridge, feed) == 0
    assert len(rasa.calls("/tracker")) == fetched


async def test_the_queue_holds_no_customer_text(
    names: Dict[str, str], store: Any, clock: Clock
) -> None:
    # a second queue on the exchange, read raw: what RabbitMQ stores on its disk
    connection = await aio_pika.connect(URL)
    async with connection:
        channel = await connection.channel()
        spy = await channel.declare_queue(exclusive=True)
        await spy.bind(await channel.get_exchange(names["exchange"]), "")
        await save(store, "wx-spied", _conversation(clock.now.timestamp(), "我叫王小明，电话13812345678"))
        bodies = []

        async def read() -> bool:
            message = await spy.get(fail=False, no_ack=True)
            if message is not None:
                bodies.append(message.body.decode())
            return message is None and bool(bodies)

        await _until(read)
    raw = "\n".join(bodies)
    assert "13812345678" not in raw and "王小明" not in raw and "\\u738b" not in raw
    heads = [json.loads(b) for b in bodies]
    assert {h["sender_id"] for h in heads} == {"wx-spied"}
    texts = [open_event(event_cipher(), h).get("text") for h in heads if h["event"] == "user"]
    assert "我叫王小明，电话13812345678" in texts


async def test_a_consumer_restart_copies_nothing_twice(
    desk: Api, rasa: FakeRasa, store: Any, names: Dict[str, str], clock: Clock
) -> None:
    conversation = f"wx-{uuid.uuid4().hex[:10]}"
    await open_one(desk, conversation_id=conversation)
    db, bridge = desk.app[DB_KEY], desk.app[RASA_KEY]
    start = clock.now.timestamp()

    first = await _started(BrokerFeed(URL, names["queue"], exchange=names["exchange"]))
    await handoffs.sync_once(db, bridge, first)  # the catch-up pass
    await save(store, conversation, _conversation(start, "第一句"))
    assert await _sync_until(desk, first, 1) == 1
    # the next message is received, then the desk dies before copying it: never acknowledged
    await save(store, conversation, _conversation(start, "第一句", "第二句"))
    await _until(lambda: _arrived(first))
    assert not await first.quiet()
    await first.dispose()

    second = await _started(BrokerFeed(URL, names["queue"], exchange=names["exchange"]))
    try:
        # its catch-up pass (the stand-in Rasa's trackers are empty), then the redelivery
        assert await handoffs.sync_once(db, bridge, second) == 0
        assert await _sync_until(desk, second, 1) == 1
        assert await handoffs.sync_once(db, bridge, second) == 0
    finally:
        await second.dispose()
    assert await _customer_texts(desk) == ["第一句", "第二句"]


async def _arrived(feed: BrokerFeed) -> bool:
    return bool(feed._arrived)


async def test_without_rabbitmq_the_trackers_are_fetched_and_it_is_said_once(
    desk: Api, rasa: FakeRasa, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    conversation = f"wx-{uuid.uuid4().hex[:10]}"
    await open_one(desk, conversation_id=conversation)
    rasa.add_user(conversation, "还在吗", clock.now.timestamp() + 1)
    # nothing listens on port 1: the feed keeps trying in the background
    down = BrokerFeed("amqp://guest:guest@127.0.0.1:1/", "rasa_events")
    caplog.set_level(logging.WARNING, logger="bot.casedesk.handoffs.broker_feed")
    down.start()
    db, bridge = desk.app[DB_KEY], desk.app[RASA_KEY]
    try:
        await _until(lambda: _said(caplog))
        assert await handoffs.sync_once(db, bridge, down) == 1
        assert await handoffs.sync_once(db, bridge, down) == 0
        assert len(rasa.calls("/tracker")) == 2
    finally:
        await down.dispose()
    warnings = [r for r in caplog.records if r.name.endswith("broker_feed")]
    assert len(warnings) == 1 and "还在吗" not in warnings[0].getMessage()
    assert await _customer_texts(desk) == ["还在吗"]


async def _said(caplog: pytest.LogCaptureFixture) -> bool:
    return any(r.name.endswith("broker_feed") for r in caplog.records)


async def test_events_published_before_the_connection_wait_for_it(names: Dict[str, str]) -> None:
    # Rasa's own broker drops what is published before its exchange is declared
    early = SealedPikaEventBroker(URL, "guest", "guest", queues=[names["queue"]], exchange_name=names["exchange"])
    early.publish({"sender_id": "wx-early", "event": "user", "timestamp": 1.0, "text": "在吗"})
    await asyncio.gather(*early._background_tasks)
    await early.connect()
    connection = await aio_pika.connect(URL)
    async with connection:
        queue = await (await connection.channel()).declare_queue(names["queue"], durable=True)

        async def got() -> Any:
            return await queue.get(fail=False, no_ack=True)

        message = await _until(got)
    await early.close()
    assert open_event(event_cipher(), json.loads(message.body))["text"] == "在吗"


async def test_no_url_means_no_broker_and_the_desk_needs_one_to_consume(tmp_path: Path) -> None:
    # the embedded default: endpoints.yml names the broker, RABBITMQ_URL is empty
    assert await SealedPikaEventBroker.from_endpoint_config(EndpointConfig(url="", queues="rasa_events")) is None
    secrets = {"CASEDESK_TOKEN": "t" * 20, "CASEDESK_SECRET_KEY": "s" * 32}
    with pytest.raises(ValueError, match="RABBITMQ_URL"):
        load_settings(tmp_path / "none.env", environ={**secrets, "CASEDESK_HANDOFF_SYNC_SOURCE": "rabbitmq"})
    told = load_settings(tmp_path / "none.env", environ={
        **secrets, "CASEDESK_HANDOFF_SYNC_SOURCE": "rabbitmq", "RABBITMQ_URL": URL, "RABBITMQ_QUEUE": "q1",
    })
    assert (told.handoff_sync_source, told.rabbitmq_url, told.rabbitmq_queue) == ("rabbitmq", URL, "q1")
    assert URL not in repr(told)


async def test_endpoints_yml_names_the_sealed_broker_only_with_a_url(
    monkeypatch: pytest.MonkeyPatch, names: Dict[str, str]
) -> None:
    from rasa.core.brokers.broker import EventBroker
    from rasa.utils.endpoints import read_endpoint_config

    endpoints = str(Path(__file__).resolve().parents[2] / "endpoints.yml")
    # the file's other variables, as scripts/env.sh sets them
    for name, value in (("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook"), ("TRACKER_DB_URL", "sqlite://"),
                        ("LOCK_STORE_TYPE", "in_memory"), ("REDIS_HOST", "127.0.0.1"), ("REDIS_PORT", "6379"),
                        ("REDIS_LOCK_DB", "1")):
        monkeypatch.setenv(name, os.environ.get(name, value))
    monkeypatch.setenv("RABBITMQ_URL", "")
    monkeypatch.setenv("RABBITMQ_QUEUE", names["queue"])
    assert await EventBroker.create(read_endpoint_config(endpoints, "event_broker")) is None
    monkeypatch.setenv("RABBITMQ_URL", URL)
    made = await EventBroker.create(read_endpoint_config(endpoints, "event_broker"))
    try:
        assert isinstance(made, SealedPikaEventBroker) and made.queues == [names["queue"]]
    finally:
        assert made is not None
        await made.close()


async def test_a_clean_shutdown_warns_of_nothing(names: Dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.casedesk.handoffs.broker_feed")
    feed = await _started(BrokerFeed(URL, names["queue"], exchange=names["exchange"]))
    await feed.dispose()
    assert not [r for r in caplog.records if r.name.endswith("broker_feed")]


async def test_a_handoff_that_reaches_the_desk_late_gets_what_was_written_before(
    desk: Api, rasa: FakeRasa, store: Any, feed: BrokerFeed, clock: Clock
) -> None:
    # the bot files a handoff through its outbox: later than the customer's next message when
    # the desk was down. The queue had that message before the desk knew the handoff.
    db, bridge = desk.app[DB_KEY], desk.app[RASA_KEY]
    await open_one(desk, conversation_id=f"web-{uuid.uuid4().hex[:8]}")
    assert await handoffs.sync_once(db, bridge, feed) == 0  # the catch-up pass
    conversation = f"wx-{uuid.uuid4().hex[:10]}"
    since = clock.now.timestamp() - 60
    await save(store, conversation, _conversation(since + 10, "你们人呢，我电话13812345678"))
    rasa.add_user(conversation, "你们人呢，我电话13812345678", since + 11)
    await _until(lambda: _arrived(feed))
    assert await handoffs.sync_once(db, bridge, feed) == 0  # dropped: no such handoff yet
    before = len(rasa.calls("/tracker"))
    await open_one(desk, conversation_id=conversation, since=since)
    assert await handoffs.sync_once(db, bridge, feed) == 1
    # its tracker fetched once, not at every pass
    assert await handoffs.sync_once(db, bridge, feed) == 0
    assert len(rasa.calls("/tracker")) == before + 1
    assert "你们人呢，我电话138****5678" in await _customer_texts(desk)
