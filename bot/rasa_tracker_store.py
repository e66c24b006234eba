"""Rasa's SQL tracker store, keeping the conversations it last read or saved in memory.

endpoints.yml names it (``type: bot.rasa_tracker_store.CachingSQLTrackerStore``); everything
else is Rasa's ``SQLTrackerStore``: the same table, the same writes, the same URLs.

Why: for every message Rasa reads the conversation back from the database, parses each event's
JSON and replays the events into a tracker; py-spy put that at ~15 % of the Rasa process's CPU at
20 concurrent conversations. Between two messages of one conversation the database usually
holds exactly what this process read or saved last, so that tracker is handed back after one
small query (how many rows the conversation has: the table is only ever appended to). Saving
it then skips Rasa's count of the events already stored, which is known, and writes the new
events in one INSERT instead of one ORM object each (the same rows). Whenever that cannot be
shown the database is read and counted as Rasa does:

- another Rasa worker (or an API call in another process) wrote to the conversation: the row
  count differs;
- a message failed after the tracker was handed out and before it was saved: the tracker has
  events the database has not;
- the tracker holds more than the database's latest session (a new session began inside the
  turn), or the model and so the domain changed: it is not kept at all.

The database stays the record: nothing is written later or differently, so a restart loses
nothing, several workers stay correct, and the trainer pages read the same table.
"""
from __future__ import annotations

import itertools
import json
from collections import OrderedDict
from typing import Any, Dict, List, NamedTuple, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

import bot.rasa_patches  # noqa: F401  (SQLite pool and WAL before the engine is made)


class _Kept(NamedTuple):
    tracker: DialogueStateTracker
    rows: int        # the conversation's rows in the database (all sessions)
    in_session: int  # of which in its latest session: len(tracker.events) when kept
    domain: Domain


class CachingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that skips re-reading a conversation it read or saved itself."""

    def __init__(self, domain: Optional[Domain] = None, cache_size: int = 500, **kwargs: Any) -> None:
        super().__init__(domain, **kwargs)
        # ~60 kB for a conversation of 100 events (~30 MB for 500); least recently used go first
        self.cache_size = int(cache_size)
        self._kept: "OrderedDict[Text, _Kept]" = OrderedDict()

    def _rows(self, session: Any, sender_id: Text) -> int:
        return (
            session.query(sa.func.count(self.SQLEvent.id))
            .filter(self.SQLEvent.sender_id == sender_id)
            .scalar()
        )

    def _in_session(self, session: Any, sender_id: Text) -> int:
        """Rasa's own count: the rows a read of the conversation returns."""
        return self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()

    def _keep(self, kept: _Kept) -> None:
        self._kept[kept.tracker.sender_id] = kept
        while len(self._kept) > self.cache_size:
            self._kept.popitem(last=False)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        kept = self._kept.pop(sender_id, None)
        if kept is not None and kept.domain is self.domain and len(kept.tracker.events) == kept.in_session:
            with self.session_scope() as session:
                if self._rows(session, sender_id) == kept.rows:
                    self._kept[sender_id] = kept
                    return kept.tracker
        with self.session_scope() as session:
            # counted before the read: a write in between can only make the next check miss
            rows = self._rows(session, sender_id)
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._keep(_Kept(tracker, rows, len(tracker.events), self.domain))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save: the events after those already stored, then a commit."""
        sender_id = tracker.sender_id
        kept = self._kept.pop(sender_id, None)
        if kept is not None and kept.tracker is not tracker:
            kept = None
        await self.stream_events(tracker)
        with self.session_scope() as session:
            # handed out by retrieve() after the database was seen to hold exactly its first
            # kept.in_session events; under the conversation's lock nobody else wrote since
            stored = kept.in_session if kept is not None else self._in_session(session, sender_id)
            new = list(itertools.islice(tracker.events, stored, len(tracker.events)))
            if new:
                session.execute(self.SQLEvent.__table__.insert(), [_row(sender_id, e) for e in new])
            session.commit()
            if kept is not None and _same_session(tracker, new):
                in_session, rows = stored + len(new), kept.rows + len(new)
            else:
                in_session, rows = self._in_session(session, sender_id), self._rows(session, sender_id)
        # keep it only if a read of the database would rebuild the same events
        if in_session == len(tracker.events):
            self._keep(_Kept(tracker, rows, in_session, self.domain))


def _row(sender_id: Text, event: Event) -> Dict[Text, Any]:
    """The row Rasa's SQLTrackerStore.save writes for an event."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _same_session(tracker: DialogueStateTracker, new: List[Event]) -> bool:
    """Do the new events belong to the session a read returns (Rasa reads the events from the
    latest session start's timestamp on)?"""
    if any(isinstance(e, SessionStarted) for e in new):
        return False
    start = next((e.timestamp for e in reversed(tracker.events) if isinstance(e, SessionStarted)), None)
    return start is None or all(e.timestamp >= start for e in new)
