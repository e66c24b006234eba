"""What customers wrote during open handoffs, read from the events Rasa stored, not by asking
Rasa for each conversation.

Rasa keeps every event of every conversation as one row of its tracker store's `events` table
(bot/trainer/tracker_store.py describes the table and its encrypted `data`). Each sync pass reads
only the rows added since the previous pass that are customer messages of an open handoff: one
indexed query, whatever the number of open handoffs. Before this, every pass fetched the whole
tracker of every open handoff from Rasa's HTTP API, so an idle desk with 200 open handoffs kept
Rasa half busy (issue 17).

Exactly once: copying is idempotent (the (case_id, turn_key) constraint and each handoff's
`synced_until` mark in service.py), so a pass may read a row again without harm. That is how
rows committed out of id order are caught: two Rasa instances writing to one PostgreSQL database
can commit id 101 after id 102 was already read, so each pass reads again the last LOOKBACK ids
before its cursor. One conversation's events are written in order (Rasa's lock store serialises
a conversation), which is what the marks rely on.

When the table cannot be read (no TRACKER_SECRET_KEY in the desk's environment, a tracker store
that is not SQL, the database down), or is plainly not the one Rasa writes to (no such file, or
no rows while handoffs are open), `customer_messages` returns None and the pass falls back to
fetching each open handoff's tracker: slower, nothing lost. The reason is logged once.
"""
from __future__ import annotations

import json
import logging
import os
from typing import Any, Dict, List, Optional, Sequence, Set

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.trainer.tracker_store import EVENTS, TrackerKeyError, async_url, decrypt_data, event_cipher

log = logging.getLogger(__name__)

# ids read again on every pass, for rows a concurrent writer committed after a higher id
LOOKBACK = 1000
# conversation ids per query: SQLite before 3.32 takes at most 999 parameters
CHUNK = 900
# while nothing new was stored, a pass reads nothing but the table's highest id; every this many
# passes it reads the open handoffs' rows all the same, for a row committed out of order just
# before the table fell quiet (at the loop's 0.5 s, within 10 s)
FULL_READ_EVERY = 20


def synced_mark(handoff: Any) -> float:
    """The timestamp after which a handoff's customer messages are still to be copied. Without a
    `since` from the bot, what came before the desk heard of the handoff is in the case's
    transcript already."""
    if handoff.synced_until is None:
        return float(handoff.created_at.timestamp())
    return float(handoff.synced_until)


class EventFeed:
    def __init__(self, url: str, secret_key: Optional[str] = None, lookback: int = LOOKBACK) -> None:
        self._url = url
        self._secret_key = secret_key
        self._lookback = lookback
        self._cursor = 0  # the highest id seen; a restart reads the open handoffs' rows once
        self._engine: Optional[AsyncEngine] = None
        self._sqlite_path: Optional[str] = None
        self._failing: Optional[str] = None
        self._quiet_passes = 0
        # the highest handoff id a pass has seen (service.sync_once), and the open handoffs of
        # the last pass: a handoff new to the feed has its whole conversation read once, for
        # what its customer wrote before the desk heard of it (further back than LOOKBACK)
        self.newest_handoff = 0
        self._seen: Set[int] = set()
        # handoffs whose trackers the pass should fetch: none, this feed reads their history
        self.unseen: List[Any] = []

    async def quiet(self) -> bool:
        """True when Rasa stored nothing since the last pass (and a full read is not due): the
        pass then has nothing to do, whatever the number of open handoffs. False when it cannot
        tell, so the pass goes on and reports any trouble."""
        if self._cursor == 0 or self._quiet_passes + 1 >= FULL_READ_EVERY:
            return False
        try:
            async with self._connect().connect() as conn:
                top = (await conn.execute(select(func.max(EVENTS.c.id)))).scalar()
        except (SQLAlchemyError, OSError):
            return False
        if top is None or int(top) != self._cursor:
            return False
        self._quiet_passes += 1
        return True

    def _connect(self) -> AsyncEngine:
        if self._engine is None:
            u = make_url(self._url)
            if u.get_backend_name() == "sqlite":
                self._sqlite_path = u.database
            self._engine = create_async_engine(
                async_url(self._url), future=True, hide_parameters=True, pool_pre_ping=True
            )
        return self._engine

    async def customer_messages(self, handoffs: Sequence[Any]) -> Optional[Dict[str, List[Dict[str, Any]]]]:
        """New customer messages of these open handoffs (rows with conversation_id, synced_until,
        created_at), as Rasa `user` event dicts by conversation id; None when the table cannot be
        read, so the caller fetches trackers instead."""
        if not handoffs:
            return {}
        marks: Dict[str, float] = {}
        for h in handoffs:
            mark = synced_mark(h)
            marks[h.conversation_id] = min(mark, marks.get(h.conversation_id, mark))
        try:
            cipher = event_cipher(self._secret_key)
            engine = self._connect()
            if self._sqlite_path and not os.path.exists(self._sqlite_path):
                # open handoffs, yet no store where the desk looks: not the one Rasa writes to
                # (connecting would create the file empty)
                raise FileNotFoundError("TRACKER_DB_URL names no existing file")
            async with engine.connect() as conn:
                top = (await conn.execute(select(func.max(EVENTS.c.id)))).scalar()
                if top is None:
                    # open handoffs and an empty table: the same, a store Rasa does not write to
                    raise LookupError("Rasa's events table is empty")
                new = {h.conversation_id for h in handoffs if h.id not in self._seen}
                floor = max(self._cursor - self._lookback, 0)
                rows: List[Any] = []
                # (the conversations of handoffs new to the feed from their first row)
                for senders, since in ((sorted(set(marks) - new), floor), (sorted(new), 0)):
                    for start in range(0, len(senders), CHUNK):
                        rows += (
                            await conn.execute(
                                select(EVENTS.c.sender_id, EVENTS.c.timestamp, EVENTS.c.data)
                                .where(
                                    EVENTS.c.id > since,
                                    EVENTS.c.id <= top,
                                    EVENTS.c.type_name == "user",
                                    EVENTS.c.sender_id.in_(senders[start:start + CHUNK]),
                                )
                                .order_by(EVENTS.c.id)
                            )
                        ).all()
            found: Dict[str, List[Dict[str, Any]]] = {}
            for sender_id, timestamp, data in rows:
                # the plain timestamp column spares decrypting what was copied already
                if timestamp is None or float(timestamp) <= marks[sender_id]:
                    continue
                event = json.loads(decrypt_data(cipher, data or "{}"))
                if isinstance(event, dict):
                    found.setdefault(sender_id, []).append(event)
            self._cursor = max(self._cursor, int(top))
            self._quiet_passes = 0
            self._seen = {h.id for h in handoffs}
            return self._working(found)
        except (TrackerKeyError, SQLAlchemyError, ArgumentError, OSError, LookupError, ValueError) as exc:
            kind = type(exc).__name__
            if self._failing != kind:
                # the message says which key, file or table is missing; never conversation text
                said = isinstance(exc, (TrackerKeyError, FileNotFoundError, LookupError))
                log.warning("handoff sync: Rasa's events table unreadable (%s: %s); fetching trackers instead",
                            kind, str(exc).splitlines()[0][:200] if said else kind)
                self._failing = kind
            return None

    async def copied(self) -> None:
        """Nothing to acknowledge: the cursor moved when the rows were read, and a row read
        again is copied once all the same."""

    def _working(self, found: Dict[str, List[Dict[str, Any]]]) -> Dict[str, List[Dict[str, Any]]]:
        if self._failing is not None:
            log.info("handoff sync: reading Rasa's events table again")
            self._failing = None
        return found

    async def dispose(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
