"""The handoff sync reads what customers wrote from the rows Rasa's own tracker store wrote
(handoffs/event_feed.py), on SQLite and PostgreSQL, and no longer asks Rasa for each open
handoff's tracker. The stand-in Rasa here only records calls: any tracker fetch shows up."""
from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from typing import Any, AsyncIterator, Dict

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import create_engine, func, insert, select

from bot.casedesk.app import init_app
from bot.casedesk.db import DB_KEY
from bot.casedesk.handoffs import service as handoffs
from bot.casedesk.handoffs.event_feed import FULL_READ_EVERY, EventFeed
from bot.casedesk.handoffs.rasa_bridge import RASA_KEY
from bot.casedesk.models import TranscriptTurn
from bot.casedesk.settings import Settings
from bot.trainer.tracker_store import EVENTS, encrypt_data, event_cipher
from tests.trainer.rasa_trackers import action, bot, opening, save, user

from tests.trainer.test_tracker_store import KEY
from .helpers import Api, Clock
from .rasa_fake import FakeRasa
from .test_handoffs import open_one


@pytest.fixture(autouse=True)
def tracker_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """Rasa's store and the desk share TRACKER_SECRET_KEY (scripts/env.sh reads it from .env)."""
    monkeypatch.setenv("TRACKER_SECRET_KEY", KEY)
    return KEY


@pytest.fixture
async def desk(settings: Settings, rasa: FakeRasa, target: Dict[str, Any]) -> AsyncIterator[Api]:
    # the loop is off: the tests run the passes themselves
    s = dataclasses.replace(
        settings, rasa_url=rasa.url, rasa_token=rasa.token, handoff_sync_seconds=0, tracker_db_url=target["url"]
    )
    async with TestClient(TestServer(init_app(s), host="127.0.0.1")) as client:
        yield Api(client)


@pytest.fixture
async def feed(target: Dict[str, Any]) -> AsyncIterator[EventFeed]:
    f = EventFeed(target["url"])
    yield f
    await f.dispose()


async def _customer_texts(api: Api) -> list:
    async with api.app[DB_KEY].reading() as s:
        rows = await s.execute(
            select(TranscriptTurn.text).where(TranscriptTurn.role == "customer").order_by(TranscriptTurn.at)
        )
        return list(rows.scalars())


def _conversation(at: float, *lines: str) -> list:
    events = opening(at - 30) + [user("我要投诉", "complain", 0.9, at=at - 20), action("action_handoff", at - 19)]
    for i, text in enumerate(lines):
        events += [user(text, "inform", 0.5, at=at + i + 1), bot("请稍候", at + i + 1.5)]
    return events


async def test_messages_are_copied_from_the_events_table_without_a_tracker_fetch(
    desk: Api, rasa: FakeRasa, bots_store: Any, feed: EventFeed, clock: Clock
) -> None:
    conversation = f"wx-{uuid.uuid4().hex[:10]}"
    others = [f"web-{uuid.uuid4().hex[:8]}" for _ in range(30)]
    for other in others:
        await open_one(desk, conversation_id=other)
    await open_one(desk, conversation_id=conversation)
    start = clock.now.timestamp()
    await save(bots_store, conversation, _conversation(start, "人呢？", "我的电话是13812345678"))
    # another conversation's messages are not this handoff's
    await save(bots_store, "not-handed-off", _conversation(start, "随便问问"))
    db, bridge = desk.app[DB_KEY], desk.app[RASA_KEY]

    assert await handoffs.sync_once(db, bridge, feed) == 2
    assert await handoffs.sync_once(db, bridge, feed) == 0
    # masked in the transcript list, as with the tracker fetch; "我要投诉" predates the handoff
    assert await _customer_texts(desk) == ["人呢？", "我的电话是138****5678"]

    await save(bots_store, conversation, _conversation(start, "人呢？", "我的电话是13812345678", "快点"))
    assert await handoffs.sync_once(db, bridge, feed) == 1
    assert rasa.calls("/tracker") == []


async def test_a_fresh_feed_copies_nothing_twice(
    desk: Api, rasa: FakeRasa, bots_store: Any, target: Dict[str, Any], clock: Clock
) -> None:
    # a restarted desk (or a second desk) starts its cursor at 0 and reads the rows again
    conversation = f"wx-{uuid.uuid4().hex[:10]}"
    await open_one(desk, conversation_id=conversation)
    await save(bots_store, conversation, _conversation(clock.now.timestamp(), "第一句", "第二句"))
    db, bridge = desk.app[DB_KEY], desk.app[RASA_KEY]
    for expected in (2, 0, 0):
        fresh = EventFeed(target["url"])
        try:
            assert await handoffs.sync_once(db, bridge, fresh) == expected
        finally:
            await fresh.dispose()
    assert await _customer_texts(desk) == ["第一句", "第二句"]


async def test_a_row_committed_after_a_higher_id_is_still_copied(
    desk: Api, rasa: FakeRasa, bots_store: Any, feed: EventFeed, target: Dict[str, Any], clock: Clock
) -> None:
    # two Rasa instances on one PostgreSQL: id 101 can become visible after id 102 was read
    conversation = f"wx-{uuid.uuid4().hex[:10]}"
    await open_one(desk, conversation_id=conversation)
    await save(bots_store, "someone-else", _conversation(clock.now.timestamp(), "你好"))
    engine = create_engine(target["url"])
    cipher = event_cipher()
    try:
        with engine.begin() as conn:
            top = conn.execute(select(func.max(EVENTS.c.id))).scalar()
            conn.execute(insert(EVENTS).values(id=top + 10, sender_id="someone-else", type_name="bot",
                                               timestamp=clock.now.timestamp() + 1, data="{}"))
        db, bridge = desk.app[DB_KEY], desk.app[RASA_KEY]
        assert await handoffs.sync_once(db, bridge, feed) == 0
        late = {"event": "user", "text": "迟到的一句", "timestamp": clock.now.timestamp() + 2}
        with engine.begin() as conn:
            conn.execute(insert(EVENTS).values(id=top + 5, sender_id=conversation, type_name="user",
                                               timestamp=late["timestamp"],
                                               data=encrypt_data(cipher, json.dumps(late))))
        # nothing newer than the cursor: the quiet passes read only the highest id, and the
        # periodic full read finds the late row
        copied = [await handoffs.sync_once(db, bridge, feed) for _ in range(FULL_READ_EVERY)]
        assert sum(copied) == 1 and copied[-1] == 1
        assert await _customer_texts(desk) == ["迟到的一句"]
        # a row after it is read at once, the late one not again
        later = {"event": "user", "text": "又一句", "timestamp": clock.now.timestamp() + 3}
        with engine.begin() as conn:
            # (ids given: PostgreSQL's sequence knows nothing of the ids set by hand above)
            conn.execute(insert(EVENTS).values(id=top + 11, sender_id=conversation, type_name="user",
                                               timestamp=later["timestamp"],
                                               data=encrypt_data(cipher, json.dumps(later))))
        assert await handoffs.sync_once(db, bridge, feed) == 1
    finally:
        engine.dispose()


async def test_without_the_key_the_pass_fetches_trackers_and_loses_nothing(
    desk: Api, rasa: FakeRasa, bots_store: Any, feed: EventFeed, clock: Clock,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    conversation = f"wx-{uuid.uuid4().hex[:10]}"
    await open_one(desk, conversation_id=conversation)
    await save(bots_store, conversation, _conversation(clock.now.timestamp(), "还在吗"))
    rasa.add_user(conversation, "还在吗", clock.now.timestamp() + 1)
    monkeypatch.delenv("TRACKER_SECRET_KEY")
    caplog.set_level(logging.INFO, logger="bot.casedesk")
    db, bridge = desk.app[DB_KEY], desk.app[RASA_KEY]
    assert await handoffs.sync_once(db, bridge, feed) == 1
    assert await handoffs.sync_once(db, bridge, feed) == 0
    assert len(rasa.calls("/tracker")) == 2
    warnings = [r for r in caplog.records if "events table unreadable" in r.getMessage()]
    assert len(warnings) == 1 and "还在吗" not in warnings[0].getMessage()
    assert await _customer_texts(desk) == ["还在吗"]


async def test_the_app_reads_the_events_table_unless_told_otherwise(settings: Settings, tmp_path: Any) -> None:
    from bot.casedesk.settings import load_settings

    secrets = {"CASEDESK_TOKEN": "t" * 20, "CASEDESK_SECRET_KEY": "s" * 32}
    assert load_settings(tmp_path / "none.env", environ=secrets).handoff_sync_source == "events"
    told = load_settings(tmp_path / "none.env", environ={**secrets, "CASEDESK_HANDOFF_SYNC_SOURCE": "tracker"})
    assert told.handoff_sync_source == "tracker"
    with pytest.raises(ValueError, match="CASEDESK_HANDOFF_SYNC_SOURCE"):
        dataclasses.replace(settings, handoff_sync_source="kafka")


async def test_a_store_rasa_does_not_write_to_is_no_silent_gap(
    desk: Api, rasa: FakeRasa, clock: Clock, tmp_path: Any
) -> None:
    # TRACKER_DB_URL naming a file that does not exist (or an empty table) while handoffs are
    # open: the desk reads the wrong store, so it fetches the trackers rather than copy nothing
    conversation = f"wx-{uuid.uuid4().hex[:10]}"
    await open_one(desk, conversation_id=conversation)
    rasa.add_user(conversation, "人呢", clock.now.timestamp() + 1)
    missing = EventFeed(f"sqlite:///{tmp_path / 'nowhere' / 'tracker.db'}")
    try:
        assert await handoffs.sync_once(desk.app[DB_KEY], desk.app[RASA_KEY], missing) == 1
    finally:
        await missing.dispose()
    assert not (tmp_path / "nowhere").exists()
    assert len(rasa.calls("/tracker")) == 1


async def test_a_handoff_that_reaches_the_desk_late_has_its_whole_conversation_read(
    desk: Api, rasa: FakeRasa, bots_store: Any, target: Dict[str, Any], clock: Clock
) -> None:
    # the bot files a handoff through its outbox: after a desk outage, later than many rows
    # stored since its customer wrote; the look-back of a few ids no longer reaches them
    db, bridge = desk.app[DB_KEY], desk.app[RASA_KEY]
    small = EventFeed(target["url"], lookback=5)
    try:
        await open_one(desk, conversation_id=f"web-{uuid.uuid4().hex[:8]}")
        conversation = f"wx-{uuid.uuid4().hex[:10]}"
        since = clock.now.timestamp() - 60
        await save(bots_store, conversation, _conversation(since + 10, "有人吗，很急"))
        for i in range(6):
            await save(bots_store, f"someone-{i}", _conversation(since + 20, "随便问问"))
        assert await handoffs.sync_once(db, bridge, small) == 0
        await open_one(desk, conversation_id=conversation, since=since)
        assert await handoffs.sync_once(db, bridge, small) == 1
        assert await handoffs.sync_once(db, bridge, small) == 0
        assert "有人吗，很急" in await _customer_texts(desk)
        assert rasa.calls("/tracker") == []
    finally:
        await small.dispose()
