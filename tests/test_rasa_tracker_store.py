"""bot/rasa_tracker_store.py on SQLite and PostgreSQL: a conversation this process saved comes back
without re-reading it, and whenever the database may hold something else it is read as Rasa reads
it, so the tracker is always the one Rasa's own SQLTrackerStore would rebuild."""
from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator, List

import pytest
from rasa.core.tracker_store import SQLTrackerStore, create_tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import read_endpoint_config
from sqlalchemy import event

from bot.rasa_tracker_store import CachingSQLTrackerStore

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("TEST_TRACKER_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "bot/domain"))


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}" if request.param == "sqlite" else PG_URL


@pytest.fixture
def stores(url: str, domain: Domain) -> Iterator[List[SQLTrackerStore]]:
    """Two caching stores (two Rasa workers) and Rasa's own store on one database."""
    made: List[SQLTrackerStore] = [
        CachingSQLTrackerStore(domain, host=url),
        CachingSQLTrackerStore(domain, host=url),
        SQLTrackerStore(domain, host=url),
    ]
    senders: List[str] = []
    made[0].senders = senders  # type: ignore[attr-defined]
    yield made
    with made[2].session_scope() as session:  # the PostgreSQL table is shared: leave it clean
        session.query(made[2].SQLEvent).filter(made[2].SQLEvent.sender_id.in_(senders)).delete(
            synchronize_session=False)
        session.commit()
    for store in made:
        store.engine.dispose()


def new_sender(stores: List[SQLTrackerStore]) -> str:
    sender = f"cache-{uuid.uuid4().hex[:10]}"
    stores[0].senders.append(sender)  # type: ignore[attr-defined]
    return sender


def turn(tracker: DialogueStateTracker, text: str, slot: str, value: Any) -> None:
    """One message as Rasa logs it: the user event with our parse data, a slot, the form, a reply."""
    now = time.time()
    tracker.update(UserUttered(text, intent={"name": "inform", "confidence": 0.93}, parse_data={
        "intent": {"name": "inform", "confidence": 0.93}, "entities": [], "text": text,
        "escalation": {"level": "none"}}, timestamp=now))
    tracker.update(ActionExecuted("intake_form", timestamp=now))
    tracker.update(SlotSet(slot, value, timestamp=now))
    tracker.update(BotUttered("请问您的手机号码是多少？", timestamp=now))
    tracker.update(ActionExecuted("action_listen", timestamp=now))


def state(tracker: DialogueStateTracker) -> dict:
    return tracker.current_state(EventVerbosity.ALL)


def statements(store: SQLTrackerStore, wanted: Callable[[str], bool]) -> List[str]:
    """The SQL statements this store runs from now on that `wanted` picks (by upper-cased text)."""
    seen: List[str] = []

    def listen(_conn, _cursor, statement, *_args):
        if wanted(statement.lstrip().upper()):
            seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", listen)
    return seen


def counts_events(store: SQLTrackerStore) -> List[str]:
    """Rasa's count of the stored events before it writes new ones, from now on."""
    return statements(store, lambda sql: sql.startswith("SELECT COUNT(*)"))


def rows(store: SQLTrackerStore, sender: str) -> int:
    with store.session_scope() as session:
        return session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender).count()


def reads_events(store: SQLTrackerStore) -> List[str]:
    """The SELECTs that fetch event rows (Rasa's full read), from now on; counting them, as
    Rasa's save does, is not a read."""
    return statements(store, lambda sql: sql.startswith("SELECT") and not sql.startswith("SELECT COUNT(")
                      and "EVENTS.DATA" in sql)


async def started(store: SQLTrackerStore, sender: str) -> DialogueStateTracker:
    """A conversation as Rasa starts it, after its second message's read."""
    tracker = await store.get_or_create_tracker(sender)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    turn(tracker, "信用卡被盗刷了", "description", "信用卡被盗刷了")
    tracker.update(ActiveLoop("intake_form"))
    await store.save(tracker)
    # the first save holds the events before the session start too, which a read leaves out:
    # that tracker is not kept, and the second message reads the database once
    back = await store.retrieve(sender)
    assert back is not tracker
    return back


def test_endpoints_yml_builds_the_caching_store(monkeypatch, tmp_path, domain):
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    store = create_tracker_store(config, domain)
    assert isinstance(store, CachingSQLTrackerStore)  # async: Rasa uses it as it is
    store.engine.dispose()


async def test_a_saved_conversation_comes_back_without_a_read(stores):
    ours, _, rasas = stores
    sender = new_sender(stores)
    tracker = await started(ours, sender)
    full_reads, counts, before = reads_events(ours), counts_events(ours), rows(rasas, sender)
    for n, (slot, value) in enumerate([("customer_name", "王建国"), ("phone", "13812345678"),
                                       ("branch", "朝阳路支行")]):
        again = await ours.retrieve(sender)
        assert again is tracker
        turn(again, f"第{n}句", slot, value)
        await ours.save(again)
        # exactly what Rasa's own store rebuilds from the database
        assert state(await ours.retrieve(sender)) == state(await rasas.retrieve(sender))
    assert full_reads == [] and counts == []
    assert rows(rasas, sender) == before + 3 * 5  # each event written once
    assert tracker.get_slot("branch") == "朝阳路支行"


async def test_a_tracker_made_elsewhere_is_counted_as_rasa_counts(stores, domain):
    ours, _, rasas = stores
    sender = new_sender(stores)
    await started(ours, sender)
    before = rows(rasas, sender)
    # e.g. Rasa's API replacing a conversation's events: a tracker this store never handed out
    other = DialogueStateTracker.from_events(sender, list((await rasas.retrieve(sender)).events),
                                             domain.slots)
    turn(other, "补充一句", "demand", "希望尽快处理")
    counts = counts_events(ours)
    await ours.save(other)
    assert counts and rows(rasas, sender) == before + 5
    assert state(await ours.retrieve(sender)) == state(await rasas.retrieve(sender))


async def test_another_worker_writing_makes_it_read_the_database(stores):
    ours, other, rasas = stores
    sender = new_sender(stores)
    mine = await started(ours, sender)
    theirs = await other.retrieve(sender)
    turn(theirs, "我的电话是13812345678", "phone", "13812345678")
    await other.save(theirs)

    fresh = await ours.retrieve(sender)
    assert fresh is not mine
    assert fresh.get_slot("phone") == "13812345678"
    assert state(fresh) == state(await rasas.retrieve(sender))


async def test_a_message_that_failed_before_saving_leaves_no_trace(stores):
    ours, _, rasas = stores
    sender = new_sender(stores)
    tracker = await started(ours, sender)
    turn(tracker, "这条消息处理到一半出错了", "phone", "13900000000")  # never saved

    back = await ours.retrieve(sender)
    assert back is not tracker
    assert back.get_slot("phone") is None
    assert state(back) == state(await rasas.retrieve(sender))


async def test_a_new_session_inside_the_turn_is_read_back_as_rasa_reads_it(stores):
    ours, _, rasas = stores
    sender = new_sender(stores)
    tracker = await started(ours, sender)
    turn(tracker, "第一次说的话", "customer_name", "王建国")
    await ours.save(tracker)
    time.sleep(0.01)  # the new session's events must be later than the old session's
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    await ours.save(tracker)  # holds two sessions: a read returns only the latest

    back = await ours.retrieve(sender)
    assert back is not tracker
    assert state(back) == state(await rasas.retrieve(sender))


async def test_a_new_model_drops_what_was_kept(stores, domain):
    ours, _, _ = stores
    sender = new_sender(stores)
    tracker = await started(ours, sender)
    ours.domain = Domain.from_dict(domain.as_dict())
    back = await ours.retrieve(sender)
    assert back is not tracker
    assert back.slots.keys() == tracker.slots.keys()


async def test_least_recently_used_conversations_are_dropped_first(stores):
    ours, _, rasas = stores
    ours.cache_size = 2
    senders = [new_sender(stores) for _ in range(3)]
    trackers = [await started(ours, s) for s in senders]
    full_reads = reads_events(ours)
    assert await ours.retrieve(senders[2]) is trackers[2]
    assert await ours.retrieve(senders[1]) is trackers[1]
    assert full_reads == []
    dropped = await ours.retrieve(senders[0])
    assert dropped is not trackers[0] and full_reads
    assert state(dropped) == state(await rasas.retrieve(senders[0]))


async def test_a_restarted_process_finds_every_event(stores, url, domain):
    ours, _, _ = stores
    sender = new_sender(stores)
    tracker = await started(ours, sender)
    turn(tracker, "我叫王建国", "customer_name", "王建国")
    await ours.save(tracker)
    restarted = CachingSQLTrackerStore(domain, host=url)
    try:
        back = await restarted.retrieve(sender)
        assert state(back) == state(tracker)
    finally:
        restarted.engine.dispose()


def written(store: SQLTrackerStore, sender: str) -> List[tuple]:
    with store.session_scope() as session:
        rows = (session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender)
                .order_by(store.SQLEvent.id).all())
        return [(r.type_name, r.timestamp, r.intent_name, r.action_name, r.data) for r in rows]


async def test_the_rows_are_the_rows_rasa_writes(stores, domain):
    ours, _, rasas = stores
    mine, theirs = new_sender(stores), new_sender(stores)
    tracker = await started(ours, mine)
    turn(tracker, "我叫王建国，电话13812345678", "phone", "13812345678")
    await ours.save(tracker)
    same = DialogueStateTracker.from_events(theirs, list(tracker.events), domain.slots)
    await rasas.save(same)
    await rasas.save(same)  # a second save writes nothing new, in both
    await ours.save(tracker)
    # the first message's events before the session start went in through get_or_create_tracker
    assert written(ours, mine)[-len(tracker.events):] == written(rasas, theirs)
    assert rows(rasas, mine) == 2 + len(tracker.events)


async def test_an_event_dated_before_the_session_start_is_read_back_as_rasa_reads_it(stores):
    ours, _, rasas = stores
    sender = new_sender(stores)
    tracker = await started(ours, sender)
    tracker.update(SlotSet("phone", "13812345678", timestamp=1.0))  # e.g. appended over the API
    await ours.save(tracker)
    back = await ours.retrieve(sender)
    assert back is not tracker
    assert state(back) == state(await rasas.retrieve(sender))
