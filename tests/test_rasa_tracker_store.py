"""bot/rasa_tracker_store.py on SQLite and PostgreSQL: a conversation this process saved comes back
without re-reading it, and whenever the database may hold something else it is read as Rasa reads
it, so the tracker is always the one Rasa's own SQLTrackerStore would rebuild. The event data is
encrypted at rest (TRACKER_SECRET_KEY), and no input, however malformed, makes the store exit
the process."""
from __future__ import annotations

import contextlib
import os
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterator, List

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore, create_tracker_store
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

from bot.rasa_tracker_store import CachingSQLTrackerStore, TrackerStoreError

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("TEST_TRACKER_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
# the run's own key when it has one (scripts/env.sh exports .env's; the e2e stacks of the same run
# write the shared PostgreSQL table with it), padded back (env.sh drops a trailing '='), else a new one
def _run_key() -> str:
    key = os.environ.get("TRACKER_SECRET_KEY", "").strip()
    key += "=" * (-len(key) % 4)
    try:
        Fernet(key)
        return key
    except ValueError:
        return Fernet.generate_key().decode()


KEY = _run_key()


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """The key every process of the bot gets from .env (bot/secrets.py generates it)."""
    monkeypatch.setenv("TRACKER_SECRET_KEY", KEY)
    return KEY


def plain(data: str) -> str:
    """A row's data as JSON: decrypted with the test's key, or as it is if written in clear."""
    return data if data.startswith("{") else Fernet(KEY).decrypt(data.encode()).decode()


class _Decrypted:
    """Rasa's event query, handing Rasa's own code each row's data decrypted."""

    def __init__(self, query: Any) -> None:
        self.query = query

    def all(self) -> list:
        return [SimpleNamespace(data=plain(r.data)) for r in self.query.all()]

    def count(self) -> int:
        return self.query.count()


class RasasStore(SQLTrackerStore):
    """Rasa's own SQLTrackerStore, unchanged (its queries, its replay, its plain JSON writes),
    shown each row's data decrypted: the reference the caching store must match."""

    def _event_query(self, session: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        return _Decrypted(super()._event_query(session, sender_id, fetch_events_from_all_sessions))


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
        RasasStore(domain, host=url),
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


async def test_endpoints_yml_builds_the_caching_store(monkeypatch, tmp_path, domain):
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    store = create_tracker_store(config, domain)
    assert isinstance(store, CachingSQLTrackerStore)  # async: Rasa uses it as it is
    tracker = DialogueStateTracker.from_events("endpoints", [SlotSet("phone", "13812345678")], domain.slots)
    await store.save(tracker)
    stored = raw_data(store, "endpoints")
    assert stored and not any(d.startswith("{") for d in stored)  # encrypted, with the key of .env
    assert (await store.retrieve("endpoints")).get_slot("phone") == "13812345678"
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


def raw_data(store: SQLTrackerStore, sender: str) -> List[str]:
    """The data column as stored, read with plain SQL."""
    with store.engine.connect() as conn:
        return [r[0] for r in conn.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender})]


def written(store: SQLTrackerStore, sender: str) -> List[tuple]:
    with store.session_scope() as session:
        rows = (session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender)
                .order_by(store.SQLEvent.id).all())
        return [(r.type_name, r.timestamp, r.intent_name, r.action_name, plain(r.data)) for r in rows]


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
    # the first message's events before the session start went in through get_or_create_tracker;
    # ours are encrypted (compared decrypted), Rasa's own are not
    assert written(ours, mine)[-len(tracker.events):] == written(rasas, theirs)
    assert all(not r.startswith("{") for r in raw_data(ours, mine))
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


# --- nothing that reaches the store makes it exit the process ---------------------------------

BAD_SENDERS = {
    "surrogate": "\ud800",   # UnicodeEncodeError (a ValueError) in either driver
    "nul": "a\x00b",         # psycopg2: ValueError; PostgreSQL text cannot hold NUL
    "huge": "x" * 100_000,   # the column is VARCHAR(255)
}


@pytest.mark.parametrize("bad", list(BAD_SENDERS.values()), ids=list(BAD_SENDERS))
async def test_a_bad_sender_id_fails_that_call_and_the_store_keeps_serving(stores, domain, bad):
    """Rasa's SQLTrackerStore.session_scope took any ValueError for a missing PostgreSQL schema and
    called sys.exit: one message with such a sender id stopped Rasa. SystemExit is not an
    Exception, so pytest.raises lets it through and the test fails."""
    ours, _, rasas = stores
    with pytest.raises(TrackerStoreError):
        await ours.retrieve(bad)
    with pytest.raises(TrackerStoreError):
        await ours.retrieve_full_tracker(bad)
    with pytest.raises(TrackerStoreError):
        await ours.get_or_create_tracker(bad)
    with pytest.raises(TrackerStoreError):
        await ours.save(DialogueStateTracker.from_events(bad, [SlotSet("phone", "13812345678")],
                                                         domain.slots))
    assert bad not in await ours.keys()
    # Rasa's agent wraps the store in a FailSafeTrackerStore, which catches an Exception (the
    # turn goes on in memory) but not a SystemExit
    failsafe = FailSafeTrackerStore(ours)
    assert await failsafe.retrieve(bad) is None
    await failsafe.save(DialogueStateTracker(bad, domain.slots))
    # and a normal conversation afterwards, as Rasa's own store reads it back
    sender = new_sender(stores)
    tracker = await started(ours, sender)
    turn(tracker, "我叫王建国", "customer_name", "王建国")
    await ours.save(tracker)
    assert state(await ours.retrieve(sender)) == state(await rasas.retrieve(sender))
    assert sender in await ours.keys()


@pytest.mark.parametrize("intent", ["\ud800", "a\x00b"], ids=["surrogate", "nul"])
async def test_a_bad_value_in_a_plain_column_fails_the_save_not_the_process(stores, url, intent):
    """Rasa parses '/<intent>' typed by a customer as that intent: its name goes to the
    intent_name column in clear."""
    ours, _, rasas = stores
    sender = new_sender(stores)
    tracker = await started(ours, sender)
    tracker.update(UserUttered(f"/{intent}", intent={"name": intent, "confidence": 1.0},
                               parse_data={"intent": {"name": intent, "confidence": 1.0},
                                           "entities": [], "text": f"/{intent}"}))
    try:
        await ours.save(tracker)
        saved = True
    except Exception:  # not a SystemExit
        saved = False
    # SQLite stores a NUL; PostgreSQL's text cannot, and neither takes a lone surrogate
    assert saved == (intent == "a\x00b" and url.startswith("sqlite"))
    back = await ours.retrieve(sender)  # a failed save left nothing behind
    assert state(back) == state(await rasas.retrieve(sender))
    turn(back, "我叫王建国", "customer_name", "王建国")
    await ours.save(back)
    assert state(await ours.retrieve(sender)) == state(await rasas.retrieve(sender))


# --- event data encrypted at rest ------------------------------------------------------------

NAME, PHONE = "欧阳建国", "13812345678"


def in_clear(text: str) -> List[str]:
    """The forms a value takes in Rasa's JSON: as it is and \\u-escaped (json.dumps' default)."""
    return [text, json_escaped(text)]


def json_escaped(text: str) -> str:
    import json

    return json.dumps(text)[1:-1]


def every_column(store: SQLTrackerStore) -> List[str]:
    with store.engine.connect() as conn:
        return [str(v) for row in conn.execute(sa.text("SELECT * FROM events")) for v in row]


async def test_no_name_or_phone_in_clear_in_the_database(stores):
    ours, _, rasas = stores
    sender = new_sender(stores)
    tracker = await started(ours, sender)
    turn(tracker, f"我叫{NAME}，电话{PHONE}", "customer_name", NAME)
    turn(tracker, f"手机号是{PHONE}", "phone", PHONE)
    tracker.update(BotUttered(f"跟您核对一下：{NAME}，电话 {PHONE}"))
    await ours.save(tracker)
    stored = raw_data(ours, sender)
    assert len(stored) == 2 + len(tracker.events)
    values = every_column(ours)
    for secret in [*in_clear(NAME), *in_clear(PHONE), *in_clear("信用卡被盗刷了")]:
        assert not [v for v in values if secret in v], secret
    back = await ours.retrieve(sender)
    assert back.get_slot("customer_name") == NAME and back.get_slot("phone") == PHONE
    assert state(back) == state(await rasas.retrieve(sender))
    # the columns the trainer pages filter on stay plain
    with ours.engine.connect() as conn:
        cols = conn.execute(sa.text("SELECT type_name, intent_name, action_name FROM events "
                                    "WHERE sender_id = :s ORDER BY id"), {"s": sender}).fetchall()
    assert ("user", "inform", None) in cols and ("slot", None, "phone") in cols


async def test_rows_written_in_clear_before_still_read(stores, domain, url):
    """A database Rasa's own store wrote (plain JSON) before the key existed: read, continued
    (new rows encrypted) and read again, mixed, by a fresh process and by Rasa's reads."""
    ours, _, rasas = stores
    sender = new_sender(stores)
    old = await rasas.get_or_create_tracker(sender)
    old.update(ActionExecuted("action_session_start"))
    old.update(SessionStarted())
    old.update(ActionExecuted("action_listen"))
    turn(old, "我叫王建国", "customer_name", "王建国")
    await rasas.save(old)
    assert all(d.startswith("{") for d in raw_data(rasas, sender))

    back = await ours.retrieve(sender)
    assert state(back) == state(await rasas.retrieve(sender))
    assert back.get_slot("customer_name") == "王建国"
    turn(back, f"电话{PHONE}", "phone", PHONE)
    await ours.save(back)
    data = raw_data(ours, sender)
    assert any(d.startswith("{") for d in data) and any(not d.startswith("{") for d in data)
    restarted = CachingSQLTrackerStore(domain, host=url)
    try:
        again = await restarted.retrieve(sender)
        assert state(again) == state(back) == state(await rasas.retrieve(sender))
        full = await restarted.retrieve_full_tracker(sender)
        assert [e.as_dict() for e in full.events] == [json_loads(plain(d)) for d in data]
        assert sender in await restarted.keys()
    finally:
        restarted.engine.dispose()


def json_loads(text: str) -> Any:
    import json

    return json.loads(text)


async def test_the_full_tracker_of_several_sessions_is_decrypted(stores):
    ours, _, _ = stores
    sender = new_sender(stores)
    tracker = await started(ours, sender)
    turn(tracker, "第一次", "customer_name", NAME)
    await ours.save(tracker)
    time.sleep(0.01)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    turn(tracker, "第二次", "phone", PHONE)
    await ours.save(tracker)
    full = await ours.retrieve_full_tracker(sender)
    assert len(full.events) == rows(ours, sender)  # both sessions, and the events before them
    assert [e.as_dict() for e in full.events][-len(tracker.events):] == [e.as_dict() for e in tracker.events]
    latest = await ours.retrieve(sender)
    assert latest.get_slot("phone") == PHONE and latest.get_slot("customer_name") is None


@contextlib.contextmanager
def caplog_at_error() -> Iterator[list]:
    import logging

    records: list = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append  # type: ignore[assignment]
    log = logging.getLogger("bot.rasa_tracker_store")
    log.addHandler(handler)
    try:
        yield records
    finally:
        log.removeHandler(handler)


async def test_another_key_cannot_read_the_rows(stores, domain, url):
    ours, _, _ = stores
    sender = new_sender(stores)
    await started(ours, sender)
    # a process started with another key says so at start-up, and cannot read the rows
    with caplog_at_error() as records:
        stranger = CachingSQLTrackerStore(domain, host=url, secret_key=Fernet.generate_key().decode())
    assert any("TRACKER_SECRET_KEY" in r.getMessage() for r in records) or not url.startswith("sqlite")
    try:
        with pytest.raises(Exception, match="TRACKER_SECRET_KEY"):
            await stranger.retrieve(sender)
    finally:
        stranger.engine.dispose()


async def test_rotated_keys_read_the_old_key_rows(stores, domain, url):
    """TRACKER_SECRET_KEY=new,old: written with the first, read with either."""
    ours, _, rasas = stores
    sender = new_sender(stores)
    await started(ours, sender)
    new = Fernet.generate_key().decode()
    rotated = CachingSQLTrackerStore(domain, host=url, secret_key=f"{new},{KEY}")
    try:
        tracker = await rotated.retrieve(sender)
        turn(tracker, "换了密钥之后", "phone", PHONE)
        await rotated.save(tracker)
        last = raw_data(rotated, sender)[-1]
        assert Fernet(new).decrypt(last.encode())
        assert state(await rotated.retrieve(sender)) == state(tracker)
        restarted = CachingSQLTrackerStore(domain, host=url, secret_key=f"{new},{KEY}")
        assert state(await restarted.retrieve(sender)) == state(tracker)  # both keys' rows
        restarted.engine.dispose()
    finally:
        rotated.engine.dispose()


async def test_a_key_read_from_env_without_its_padding_is_the_same_key(monkeypatch, stores, domain, url):
    """scripts/env.sh reads .env with IFS='=': a key's trailing '=' does not reach the process."""
    sender = new_sender(stores)
    monkeypatch.setenv("TRACKER_SECRET_KEY", KEY.rstrip("="))
    unpadded = CachingSQLTrackerStore(domain, host=url)
    try:
        await unpadded.save(DialogueStateTracker.from_events(sender, [SlotSet("phone", PHONE)],
                                                             domain.slots))
        assert Fernet(KEY).decrypt(raw_data(unpadded, sender)[0].encode())
    finally:
        unpadded.engine.dispose()


@pytest.mark.parametrize("value", [None, "", "not-a-fernet-key"], ids=["unset", "empty", "invalid"])
def test_without_a_valid_key_the_store_refuses_to_start(monkeypatch, tmp_path, domain, value):
    if value is None:
        monkeypatch.delenv("TRACKER_SECRET_KEY")
    else:
        monkeypatch.setenv("TRACKER_SECRET_KEY", value)
    with pytest.raises(Exception, match="TRACKER_SECRET_KEY") as raised:
        CachingSQLTrackerStore(domain, host=f"sqlite:///{tmp_path / 'tracker.db'}")
    assert "密钥" in str(raised.value)


def test_a_missing_postgresql_schema_still_stops_the_start(monkeypatch, domain):
    """Rasa's own exit for POSTGRESQL_SCHEMA naming no schema, which it made on the first
    session of the first message: a configuration error, now found at start-up."""
    monkeypatch.setenv("POSTGRESQL_SCHEMA", f"missing_{uuid.uuid4().hex[:8]}")
    with pytest.raises(SystemExit):
        CachingSQLTrackerStore(domain, host=PG_URL)
