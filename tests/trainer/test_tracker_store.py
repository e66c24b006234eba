"""bot/trainer/tracker_store.py against trackers written by Rasa's own SQLTrackerStore, on SQLite
and on a throw-away PostgreSQL database: if Rasa's `events` table changes, these fail. The bot's
own store (bot/rasa_tracker_store.py) encrypts each event's data with TRACKER_SECRET_KEY; the
reader decrypts it with the same variable of the case desk's environment."""
from __future__ import annotations

import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any, AsyncIterator, Dict

import psycopg2
import pytest
from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url

from bot.rasa_tracker_store import CachingSQLTrackerStore

from bot.trainer.tracker_store import TrackerStoreReader, async_url
from tests.casedesk.helpers import BACKENDS, PG_URL, _pg_dsn

from .rasa_trackers import OPENID, action, bot, opening, postgres_store, save, slot, sqlite_store, user

NOW = time.time()
KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """The case desk and Rasa get the same TRACKER_SECRET_KEY from .env."""
    monkeypatch.setenv("TRACKER_SECRET_KEY", KEY)
    return KEY
OTHER = "web-" + uuid.uuid4().hex[:8]


def _admin(sql: str) -> None:
    conn = psycopg2.connect(**_pg_dsn())
    try:
        conn.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


@pytest.fixture
def pg_database() -> Any:
    """A database of its own: Rasa's store creates its table in the default schema."""
    name = f"trainer_{uuid.uuid4().hex[:12]}"
    try:
        _admin(f'CREATE DATABASE "{name}"')
    except psycopg2.OperationalError as exc:
        pytest.fail(f"PostgreSQL unreachable at {PG_URL} ({exc}); set CASEDESK_SKIP_PG=1", pytrace=False)
    yield name
    # no FORCE: a connection left open by the reader or Rasa's store makes this fail
    _admin(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture(params=BACKENDS)
async def target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Dict[str, Any]]:
    """Rasa's store and the reader pointed at the same, empty database."""
    if request.param == "sqlite":
        path = tmp_path / "tracker.db"
        store = sqlite_store(path)
        url = f"sqlite:///{path}"
        name = None
    else:
        name = request.getfixturevalue("pg_database")
        u = make_url(PG_URL)
        store = postgres_store(name, host=u.host or "127.0.0.1", port=u.port or 5432,
                               username=u.username or "postgres", password=u.password)
        url = u.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    reader = TrackerStoreReader(url)
    try:
        yield {"store": store, "reader": reader, "url": url}
    finally:
        await reader.dispose()
        store.engine.dispose()


async def write_two(store: Any, openid: str = OPENID, other: str = OTHER) -> None:
    await save(store, openid, [
        *opening(NOW - 3600),
        user("我叫欧阳建国，在朝阳路支行被吞卡了", "complain", 0.93,
             ("customer_name", "欧阳建国"), ("branch", "朝阳路支行"), at=NOW - 3500),
        slot("customer_name", "欧阳建国", NOW - 3499),
        slot("phone", "13912345678", NOW - 3498),
        action("utter_apologize", NOW - 3497),
        bot("非常抱歉", NOW - 3496),
        user("嗯嗯那个啥", "nlu_fallback", 0.3, at=NOW - 3400),
        slot("handoff_reason", "media", NOW - 3300),
        action("action_handoff", NOW - 3299),
    ])
    await save(store, other, [
        *opening(NOW - 100),
        user("你好", "greet", 0.99, at=NOW - 90, channel="socketio"),
    ])


async def test_summary_rows_are_user_messages_and_the_handoff_slot_newest_first(target) -> None:
    await write_two(target["store"])
    rows = await target["reader"].summary_rows(NOW - 7200, NOW, 100)
    assert [(r.sender_id, r.type_name) for r in rows] == [
        (OTHER, "user"), (OPENID, "slot"), (OPENID, "user"), (OPENID, "user"),
    ]
    assert [r.id for r in rows] == sorted((r.id for r in rows), reverse=True)
    # customer_name and phone are slots too, but not the handoff reason
    slots = [r.event for r in rows if r.type_name == "slot"]
    assert [(e["name"], e["value"]) for e in slots] == [("handoff_reason", "media")]
    first = rows[-1]
    assert first.event["text"] == "我叫欧阳建国，在朝阳路支行被吞卡了"
    assert first.event["parse_data"]["intent"] == {"name": "complain", "confidence": 0.93}
    assert first.event["input_channel"] == "wechat"
    assert first.timestamp == pytest.approx(NOW - 3500)


async def test_summary_rows_window_is_half_open_and_limited(target) -> None:
    await write_two(target["store"])
    reader = target["reader"]
    # [since, until): the greeting at NOW-90 is the only event from NOW-90 on
    assert [r.event["text"] for r in await reader.summary_rows(NOW - 90, NOW, 100)] == ["你好"]
    # the fallback message sits exactly at until: left out
    early = await reader.summary_rows(NOW - 3500, NOW - 3400, 100)
    assert [r.event["text"] for r in early] == ["我叫欧阳建国，在朝阳路支行被吞卡了"]
    assert await reader.summary_rows(NOW + 1, NOW + 100, 100) == []
    newest = await reader.summary_rows(NOW - 7200, NOW, 2)
    assert [(r.sender_id, r.type_name) for r in newest] == [(OTHER, "user"), (OPENID, "slot")]


async def test_conversation_is_every_event_of_one_sender_in_order(target) -> None:
    await write_two(target["store"])
    events = await target["reader"].conversation(OPENID)
    assert {r.sender_id for r in events} == {OPENID}
    assert [r.event["event"] for r in events] == [
        "action", "session_started", "action", "user", "slot", "slot", "action", "bot",
        "user", "slot", "action",
    ]
    assert [r.id for r in events] == sorted(r.id for r in events)
    assert events[7].event["text"] == "非常抱歉"
    assert events[-1].event["name"] == "action_handoff"
    assert await target["reader"].conversation("nobody") == []


async def test_event_by_id(target) -> None:
    await write_two(target["store"])
    reader = target["reader"]
    greeting = [r for r in await reader.conversation(OTHER) if r.type_name == "user"][0]
    row = await reader.event(greeting.id)
    assert row is not None
    assert (row.sender_id, row.type_name, row.event["text"]) == (OTHER, "user", "你好")
    assert row.event["input_channel"] == "socketio"
    assert await reader.event(greeting.id + 1000) is None


async def test_a_database_without_the_events_table_reads_as_empty(target) -> None:
    """Rasa never ran against it yet: the pages show nothing instead of an error."""
    target["store"].engine.dispose()
    if target["url"].startswith("sqlite"):
        path = Path(make_url(target["url"]).database)
        path.unlink()
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE other (id INTEGER)")
        conn.close()
    else:
        _drop_events(target["url"])
    reader = target["reader"]
    assert await reader.summary_rows(0, NOW + 10, 100) == []
    assert await reader.conversation(OPENID) == []
    assert await reader.event(1) is None


def _drop_events(url: str) -> None:
    u = make_url(url)
    dsn = {**_pg_dsn(), "dbname": u.database}
    conn = psycopg2.connect(**dsn)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("DROP TABLE events")
    finally:
        conn.close()


async def test_a_missing_sqlite_file_reads_as_empty_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "not-yet" / "tracker.db"
    reader = TrackerStoreReader(f"sqlite:///{path}")
    try:
        assert await reader.summary_rows(0, NOW + 10, 100) == []
        assert await reader.conversation(OPENID) == []
        assert await reader.event(1) is None
    finally:
        await reader.dispose()
    assert not path.exists() and not path.parent.exists()


async def test_a_file_rasa_creates_later_is_read(tmp_path: Path) -> None:
    """The reader is built at start-up, before Rasa's first message creates the file."""
    path = tmp_path / "tracker.db"
    reader = TrackerStoreReader(f"sqlite:///{path}")
    try:
        assert await reader.summary_rows(0, NOW + 10, 100) == []
        store = sqlite_store(path)
        await write_two(store)
        store.engine.dispose()
        assert len(await reader.summary_rows(0, NOW + 10, 100)) == 4
    finally:
        await reader.dispose()


def test_async_url_keeps_the_database_and_credentials() -> None:
    assert async_url("sqlite:////var/rasa/tracker.db") == "sqlite+aiosqlite:////var/rasa/tracker.db"
    assert async_url("postgresql://rasa:p%40ss@db:5433/rasa") == "postgresql+asyncpg://rasa:p%40ss@db:5433/rasa"
    with pytest.raises(ValueError):
        async_url("mysql://u@h/db")



@pytest.fixture
def bots_store(target: Dict[str, Any]) -> Any:
    """The tracker store endpoints.yml names, on the target's database: event data encrypted."""
    store = CachingSQLTrackerStore(Domain.empty(), host=target["url"])
    yield store
    store.engine.dispose()


@pytest.fixture
def domain_free_store(target: Dict[str, Any]) -> Any:
    """The bot's store on the target's database with a key of its own."""
    made: list = []

    def make(key: str) -> Any:
        made.append(CachingSQLTrackerStore(Domain.empty(), host=target["url"], secret_key=key))
        return made[-1]
    yield make
    for store in made:
        store.engine.dispose()


def _raw_data(url: str) -> list:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        with sqlite3.connect(u.database) as conn:
            data = [r[0] for r in conn.execute("SELECT data FROM events")]
        conn.close()
        return data
    conn = psycopg2.connect(**{**_pg_dsn(), "dbname": u.database})
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT data FROM events")
            return [r[0] for r in cur.fetchall()]
    finally:
        conn.close()


async def test_encrypted_rows_read_as_the_plain_ones(target, bots_store) -> None:
    """The same conversations through the bot's store: nothing readable in the table, and the
    reader gives exactly what it gives for Rasa's plain rows (handoff slot filter included)."""
    await write_two(target["store"])
    reader = target["reader"]
    plain = await reader.summary_rows(NOW - 7200, NOW, 100)
    plain_conversation = await reader.conversation(OPENID)
    # the same events again for two other senders, through the encrypting store
    await write_two(bots_store, OPENID + "-b", OTHER + "-b")
    encrypted = [r for r in await reader.summary_rows(NOW - 7200, NOW, 100) if r.id > plain[0].id]
    data = _raw_data(target["url"])
    assert len([d for d in data if not d.startswith("{")]) == len(data) // 2
    assert not [d for d in data if not d.startswith("{") and ("13912345678" in d or "handoff" in d)]

    def seen(rows: Any) -> list:  # the message ids are new for every write
        def same(event: Dict[str, Any]) -> Dict[str, Any]:
            event = {k: v for k, v in event.items() if k != "message_id"}
            if "parse_data" in event:
                event["parse_data"] = {k: v for k, v in event["parse_data"].items() if k != "message_id"}
            return event
        return [(r.sender_id.removesuffix("-b"), r.type_name, r.timestamp, same(r.event)) for r in rows]

    assert seen(encrypted) == seen(plain)
    conversation = await reader.conversation(OPENID + "-b")
    assert seen(conversation) == seen(plain_conversation)
    one = await reader.event(conversation[-1].id)
    assert one is not None and one.event["name"] == "action_handoff"


async def test_without_the_key_an_encrypted_row_is_a_clear_error(target, bots_store, monkeypatch) -> None:
    await write_two(bots_store)
    monkeypatch.delenv("TRACKER_SECRET_KEY")
    reader = TrackerStoreReader(target["url"])
    try:
        with pytest.raises(Exception, match="TRACKER_SECRET_KEY"):
            await reader.conversation(OPENID)
    finally:
        await reader.dispose()
    monkeypatch.setenv("TRACKER_SECRET_KEY", Fernet.generate_key().decode())  # another key
    reader = TrackerStoreReader(target["url"])
    try:
        with pytest.raises(Exception, match="TRACKER_SECRET_KEY"):
            await reader.summary_rows(NOW - 7200, NOW, 100)
    finally:
        await reader.dispose()


async def test_rows_of_another_key_are_left_out_when_the_rest_reads(target, bots_store, domain_free_store) -> None:
    """A table shared by processes of different keys (test runs on one PostgreSQL database) or
    an old key dropped: the rows this key reads are shown, the others left out."""
    await write_two(bots_store)
    await write_two(domain_free_store(Fernet.generate_key().decode()), OPENID + "-x", OTHER + "-x")
    rows = await target["reader"].summary_rows(NOW - 7200, NOW, 100)
    assert {r.sender_id for r in rows} == {OPENID, OTHER}
