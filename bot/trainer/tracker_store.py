"""Read-only access to Rasa's SQL tracker store, for the trainer pages.

Rasa 3.x keeps every tracker event as one row of its `events` table (`SQLTrackerStore.SQLEvent`:
id, sender_id, type_name, timestamp, intent_name, action_name, data = the event's JSON). Rasa has
no HTTP route that lists conversations, so the console reads that table directly, never writes
it, and uses the same URL as Rasa (`TRACKER_DB_URL` in endpoints.yml). The table is declared
here, not imported from Rasa, so the case desk does not load Rasa to draw a list;
tests/trainer/test_tracker_store.py writes trackers through Rasa's own store and reads them back
here, so a change of Rasa's schema fails a test.

Event data at rest: the bot's tracker store (bot/rasa_tracker_store.py) writes `data` as a Fernet
token of the event's JSON, with the key in TRACKER_SECRET_KEY; the other columns stay plain (the
filters here use them). This module holds that encoding for both sides, so the case desk decrypts
with the same variable from its own environment (scripts/env.sh reads .env for every process).
Rows written before encryption (plain JSON, always starting with "{") are read as they are.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, and_, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.casedesk.dbconfig import with_driver

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
log = logging.getLogger(__name__)

KEY_VARIABLE = "TRACKER_SECRET_KEY"
MISSING_KEY = (
    f"缺少对话记录加密密钥 {KEY_VARIABLE}：Rasa 对话记录中的消息和槽位（姓名、电话）必须加密保存。"
    f"请运行 scripts/setup.sh（make run 会自动运行）在 .env 中生成，或设置环境变量 {KEY_VARIABLE}"
    f"（Fernet 密钥）。Rasa 和案件台须使用同一个密钥。"
)
INVALID_KEY = (
    f"{KEY_VARIABLE} 不是有效的 Fernet 密钥（32 字节的 URL-safe base64；更换密钥时写成"
    f"“新密钥,旧密钥”，第一个用于加密）。"
)
UNREADABLE = (
    f"无法用 {KEY_VARIABLE} 解密对话记录：密钥与写入时的不同。更换密钥时请写成“新密钥,旧密钥”。"
)


class TrackerKeyError(RuntimeError):
    """No usable TRACKER_SECRET_KEY, or a row it cannot decrypt."""


def event_cipher(secret_key: Optional[str] = None) -> MultiFernet:
    """The cipher of the events' data: `secret_key`, else $TRACKER_SECRET_KEY. Several keys
    separated by commas rotate: the first encrypts, any of them decrypts."""
    raw = os.environ.get(KEY_VARIABLE, "") if secret_key is None else str(secret_key)
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if not keys:
        raise TrackerKeyError(MISSING_KEY)
    try:
        # the base64 padding back: scripts/env.sh reads .env with IFS='=', which drops a
        # value's trailing '=' (the same 32 bytes either way)
        return MultiFernet([Fernet(k + "=" * (-len(k) % 4)) for k in keys])
    except (ValueError, TypeError):
        raise TrackerKeyError(INVALID_KEY) from None


def encrypt_data(cipher: MultiFernet, text: str) -> str:
    """An event's JSON (ASCII: Rasa writes it with json.dumps) → the `data` column."""
    return cipher.encrypt(text.encode("utf-8")).decode("ascii")


def decrypt_data(cipher: Optional[MultiFernet], data: str, missing: Optional[Exception] = None) -> str:
    """The `data` column → the event's JSON; plain JSON written before encryption as it is."""
    if data[:1] == "{":
        return data
    if cipher is None:
        raise missing or TrackerKeyError(MISSING_KEY)
    try:
        return cipher.decrypt(data.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise TrackerKeyError(UNREADABLE) from None


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


class TrackerStoreReader:
    """Queries over Rasa's events table. A table that does not exist yet (Rasa never ran
    against this database) reads as empty. The key is TRACKER_SECRET_KEY unless given; plain rows
    read without it. A query none of whose encrypted rows decrypts raises TrackerKeyError, which
    says what is missing; rows it cannot decrypt beside rows it can are left out with a warning.
    The case desk starts either way: its other pages do not need the key."""

    def __init__(self, url: str, secret_key: Optional[str] = None) -> None:
        self.url = url
        self.cipher: Optional[MultiFernet] = None
        self.key_error: Optional[TrackerKeyError] = None
        try:
            self.cipher = event_cipher(secret_key)
        except TrackerKeyError as exc:
            self.key_error = exc
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
        out: List[EventRow] = []
        unreadable: Optional[TrackerKeyError] = None
        skipped = 0
        for r in rows:
            try:
                row = self._row(r)
            except TrackerKeyError as exc:
                unreadable, skipped = exc, skipped + 1
                continue
            if row is not None:
                out.append(row)
        if unreadable is not None:
            if not out:
                raise unreadable  # no key, or another key: say so instead of an empty page
            # some rows under a key this process does not have (a table shared by test runs,
            # an old key dropped from the list): the rest is still shown
            log.warning("tracker store reader: %d of %d events left out: %s", skipped, len(rows), unreadable)
        return out

    def _row(self, r: Any) -> Optional[EventRow]:
        data = decrypt_data(self.cipher, r.data or "{}", self.key_error)
        try:
            event = json.loads(data)
        except ValueError:
            return None
        if not isinstance(event, dict):
            return None
        return EventRow(r.id, r.sender_id, r.type_name, float(r.timestamp or 0.0), event)

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
                    # a slot event's action_name is the slot's name (Rasa writes data["name"]);
                    # data itself is encrypted
                    and_(EVENTS.c.type_name == "slot", EVENTS.c.action_name == HANDOFF_SLOT),
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
