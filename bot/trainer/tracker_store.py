"""Read-only access to Rasa's SQL tracker store, for the trainer pages.

Rasa 3.x keeps every tracker event as one row of its `events` table (`SQLTrackerStore.SQLEvent`:
id, sender_id, type_name, timestamp, intent_name, action_name, data = the event's JSON). Rasa has
no HTTP route that lists conversations, so the console reads that table directly, never writes
it, and uses the same URL as Rasa (`TRACKER_DB_URL` in endpoints.yml). The table is declared
here, not imported from Rasa, so the case desk does not load Rasa to draw a list;
tests/trainer/test_tracker_store.py writes trackers through Rasa's own store and reads them back
here, so a change of Rasa's schema fails a test.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, and_, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from ..casedesk.dbconfig import with_driver

_metadata = MetaData()
EVENTS = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)

HANDOFF_SLOT = "handoff_reason"


@dataclass(frozen=True)
class EventRow:
    id: int
    sender_id: str
    type_name: str
    timestamp: float
    event: Dict[str, Any]


def async_url(url: str) -> str:
    """Rasa's URL (sync drivers) → the same database through an asyncio driver."""
    return with_driver(url, "sqlite+aiosqlite", "postgresql+asyncpg")


def _row(r: Any) -> Optional[EventRow]:
    try:
        event = json.loads(r.data or "{}")
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    return EventRow(r.id, r.sender_id, r.type_name, float(r.timestamp or 0.0), event)


class TrackerStoreReader:
    """Queries over Rasa's events table. A table that does not exist yet (Rasa never ran
    against this database) reads as empty."""

    def __init__(self, url: str) -> None:
        self.url = url
        u = make_url(url)
        # connecting would create an empty SQLite file where Rasa will later want its own
        self.sqlite_path = u.database if u.get_backend_name() == "sqlite" else None
        self.engine: AsyncEngine = create_async_engine(
            async_url(url), future=True, hide_parameters=True, pool_pre_ping=True
        )

    async def _rows(self, query: Any) -> List[EventRow]:
        if self.sqlite_path and not os.path.exists(self.sqlite_path):
            return []
        try:
            async with self.engine.connect() as conn:
                result = await conn.execute(query)
                rows = result.fetchall()
        except (OperationalError, ProgrammingError) as exc:
            if "events" in str(exc) and ("no such table" in str(exc) or "does not exist" in str(exc)):
                return []
            raise
        return [row for row in map(_row, rows) if row is not None]

    async def summary_rows(self, since: float, until: float, limit: int) -> List[EventRow]:
        """The events a conversation list needs, newest first: customer messages, handoffs
        and the handoff reason slot, within [since, until)."""
        query = (
            select(EVENTS)
            .where(
                EVENTS.c.timestamp >= since,
                EVENTS.c.timestamp < until,
                or_(
                    EVENTS.c.type_name == "user",
                    and_(EVENTS.c.type_name == "slot", EVENTS.c.data.like(f"%{HANDOFF_SLOT}%")),
                ),
            )
            .order_by(EVENTS.c.id.desc())
            .limit(limit)
        )
        return await self._rows(query)

    async def conversation(self, sender_id: str) -> List[EventRow]:
        query = select(EVENTS).where(EVENTS.c.sender_id == sender_id).order_by(EVENTS.c.id)
        return await self._rows(query)

    async def event(self, event_id: int) -> Optional[EventRow]:
        """One event by id: pages name a conversation by one of its event ids, so sender ids
        (a WeChat OpenID) never appear in URLs or logs."""
        rows = await self._rows(select(EVENTS).where(EVENTS.c.id == event_id))
        return rows[0] if rows else None

    async def dispose(self) -> None:
        await self.engine.dispose()


def events_of(rows: Sequence[EventRow]) -> List[Dict[str, Any]]:
    return [row.event for row in rows]
