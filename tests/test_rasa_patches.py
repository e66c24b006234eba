"""bot/rasa_patches.py: Rasa's SQLite tracker store keeps its connections (a pool, not one
connection per retrieve and save), stays in WAL mode, and PostgreSQL keeps Rasa's own settings."""
from __future__ import annotations

import sqlite3

import pytest

import bot.rasa_patches  # noqa: F401  (installs the patches, as bot.rasa_cli does)
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event
from sqlalchemy.pool import QueuePool


@pytest.fixture
def store(tmp_path):
    s = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    yield s
    s.engine.dispose()


async def test_sqlite_tracker_store_reuses_its_connections(store, tmp_path):
    assert isinstance(store.engine.pool, QueuePool)
    opened = []
    event.listen(store.engine, "connect", lambda conn, _rec: opened.append(conn))
    for turn in range(5):
        tracker = await store.retrieve("c-1") or DialogueStateTracker("c-1", slots=[])
        tracker.update(UserUttered(f"第{turn}句", intent={"name": "complain", "confidence": 0.9}))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)
    assert len(opened) <= 1, "a new SQLite connection per retrieve/save"
    saved = await store.retrieve("c-1")
    assert [e.text for e in saved.events if isinstance(e, UserUttered)] == [f"第{i}句" for i in range(5)]
    mode = sqlite3.connect(tmp_path / "tracker.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_postgresql_keeps_rasas_own_engine_settings():
    from rasa.core import tracker_store

    kwargs = tracker_store.create_engine_kwargs("postgresql://postgres@127.0.0.1:5432/test")
    assert "poolclass" not in kwargs and kwargs["pool_size"] >= 1
    assert tracker_store.create_engine_kwargs("sqlite:///:memory:") == {}
