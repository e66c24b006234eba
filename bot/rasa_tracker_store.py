"""Rasa's SQL tracker store, keeping the conversations it last read or saved in memory.

endpoints.yml names it (``type: bot.rasa_tracker_store.CachingSQLTrackerStore``); everything
else is Rasa's ``SQLTrackerStore``: the same table, the same writes, the same URLs.

Why: for every message Rasa reads the conversation back from the database, parses each event's
JSON and replays the events into a tracker; py-spy put that at ~15 % of the Rasa process's CPU at
20 concurrent conversations. Between two messages of one conversation the database usually
holds exactly what this process read or saved last, so that tracker is handed back after one
small query (the conversation's newest event id); saving it then skips Rasa's count of the
events already stored, which is known. Whenever that cannot be shown the database is read and
counted as Rasa does:

- another Rasa worker (or an API call in another process) wrote to the conversation: the newest
  event id differs;
- a message failed after the tracker was handed out and before it was saved: the tracker has
  events the database has not;
- the tracker holds more than the database's latest session (a new session began inside the
  turn), or the model and so the domain changed: it is not kept at all.

The database stays the record: nothing is written later or differently, so a restart loses
nothing, several workers stay correct, and the trainer pages read the same table.
"""
from __future__ import annotations

import itertools
from collections import OrderedDict
from typing import Any, Dict, Iterator, NamedTuple, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

import bot.rasa_patches  # noqa: F401  (SQLite pool and WAL before the engine is made)


class _Saved(NamedTuple):
    tracker: DialogueStateTracker
    newest_event_id: int
    length: int
    domain: Domain


class CachingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that skips re-reading a conversation it read or saved itself."""

    def __init__(self, domain: Optional[Domain] = None, cache_size: int = 500, **kwargs: Any) -> None:
        super().__init__(domain, **kwargs)
        # about 100 kB per conversation; the least recently used are dropped first
        self.cache_size = int(cache_size)
        self._saved: "OrderedDict[Text, _Saved]" = OrderedDict()
        # conversation → how many of its tracker's events the database holds, during a save
        self._stored: Dict[Text, int] = {}

    def _newest_event_id(self, session: Any, sender_id: Text) -> Optional[int]:
        return (
            session.query(sa.func.max(self.SQLEvent.id))
            .filter(self.SQLEvent.sender_id == sender_id)
            .scalar()
        )

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        saved = self._saved.pop(sender_id, None)
        if saved is not None and saved.domain is self.domain and len(saved.tracker.events) == saved.length:
            with self.session_scope() as session:
                if self._newest_event_id(session, sender_id) == saved.newest_event_id:
                    self._saved[sender_id] = saved
                    return saved.tracker
        with self.session_scope() as session:
            # taken before the read: a write in between can only make the next check miss
            newest = self._newest_event_id(session, sender_id)
        tracker = await super().retrieve(sender_id)
        if tracker is not None and newest is not None:
            self._keep(_Saved(tracker, newest, len(tracker.events), self.domain))
        return tracker

    def _keep(self, saved: _Saved) -> None:
        self._saved[saved.tracker.sender_id] = saved
        while len(self._saved) > self.cache_size:
            self._saved.popitem(last=False)

    async def save(self, tracker: DialogueStateTracker) -> None:
        saved = self._saved.pop(tracker.sender_id, None)
        if saved is not None and saved.tracker is tracker:
            # handed out by retrieve() after checking the database held exactly its first
            # saved.length events; under the conversation's lock nobody else has written since
            self._stored[tracker.sender_id] = saved.length
        try:
            await super().save(tracker)
        finally:
            self._stored.pop(tracker.sender_id, None)
        with self.session_scope() as session:
            in_session, newest = (
                self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False)
                .order_by(None)
                .with_entities(sa.func.count(self.SQLEvent.id), sa.func.max(self.SQLEvent.id))
                .one()
            )
        # keep it only if a read of the database would rebuild the same events
        if newest is not None and in_session == len(tracker.events):
            self._keep(_Saved(tracker, newest, len(tracker.events), self.domain))

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        stored = self._stored.get(tracker.sender_id)
        if stored is not None:
            return itertools.islice(tracker.events, stored, len(tracker.events))
        return super()._additional_events(session, tracker)
