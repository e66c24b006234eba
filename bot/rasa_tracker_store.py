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

Two differences from Rasa's store besides speed:

- Event data is encrypted at rest. Each row's `data` (the event's JSON: messages, slot values
  such as names and phone numbers) is a Fernet token under TRACKER_SECRET_KEY (from the
  environment, or the store's ``secret_key`` kwarg; "new,old" rotates). sender_id, type_name,
  timestamp, intent_name and action_name stay plain: the queries here and the trainer pages'
  filters use them. Rows written in clear before are read as they are. Without a valid key the
  store refuses to start (bot/trainer/tracker_store.py holds the encoding for both readers).
- A storage error is an exception of that call, never an exit. Rasa's ``session_scope`` took any
  ``ValueError`` raised inside it for a missing PostgreSQL schema and called ``sys.exit``: a
  sender id with a lone surrogate (UnicodeEncodeError) or, on PostgreSQL, a NUL byte stopped
  the whole server. Here sender ids that no backend can store (surrogates, NUL, over the
  column's 255 characters) are refused before any query, and anything the database raises
  becomes a ``TrackerStoreError`` for that turn (Rasa's FailSafeTrackerStore, which wraps every
  tracker store, then carries on in memory for that conversation). The schema check Rasa made in
  every session (only with POSTGRESQL_SCHEMA set) is made once at start-up, with Rasa's message
  and exit: a configuration error still stops the start, a bad request never stops the server.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import logging
from collections import OrderedDict
from typing import Any, Dict, Generator, List, NamedTuple, Optional, Text

import rasa.shared.utils.cli
import sqlalchemy as sa
from cryptography.fernet import MultiFernet
from rasa.core.constants import POSTGRESQL_SCHEMA
from rasa.core.tracker_store import SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

import bot.rasa_patches  # noqa: F401  (SQLite pool and WAL before the engine is made)
from bot.trainer.tracker_store import TrackerKeyError, decrypt_data, encrypt_data, event_cipher

logger = logging.getLogger(__name__)

SENDER_ID_MAX = 255  # the events.sender_id column: VARCHAR(255)


class TrackerStoreError(Exception):
    """A tracker store call that failed: that turn fails, the process goes on."""


class InvalidSenderIdError(TrackerStoreError):
    """A sender id no backend can store; refused before any query."""


def check_sender_id(sender_id: Any) -> None:
    if not isinstance(sender_id, str):
        raise InvalidSenderIdError(f"sender id is a {type(sender_id).__name__}, not a string")
    if len(sender_id) > SENDER_ID_MAX:
        raise InvalidSenderIdError(f"sender id of {len(sender_id)} characters (at most {SENDER_ID_MAX})")
    if "\x00" in sender_id:
        raise InvalidSenderIdError("sender id contains a NUL character")
    try:
        sender_id.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidSenderIdError("sender id is not valid Unicode (lone surrogate)") from None


def _why(exc: BaseException) -> str:
    """A short, parameter-free account of a storage error (SQLAlchemy's own message carries the
    statement's parameters: message text, sender ids)."""
    cause = getattr(exc, "orig", None) or exc
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    return f"{type(cause).__name__}: {text[:200]}"


class _Kept(NamedTuple):
    tracker: DialogueStateTracker
    rows: int        # the conversation's rows in the database (all sessions)
    in_session: int  # of which in its latest session: len(tracker.events) when kept
    domain: Domain


class CachingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that skips re-reading a conversation it read or saved itself."""

    def __init__(self, domain: Optional[Domain] = None, cache_size: int = 500,
                 secret_key: Optional[Text] = None, **kwargs: Any) -> None:
        # no key, no start: never store the conversations in clear (message in Chinese, with the
        # variable's name; scripts/setup.sh generates it into .env)
        self._cipher: MultiFernet = event_cipher(secret_key)
        super().__init__(domain, **kwargs)
        # ~60 kB for a conversation of 100 events (~30 MB for 500); least recently used go first
        self.cache_size = int(cache_size)
        self._kept: "OrderedDict[Text, _Kept]" = OrderedDict()
        self._check_schema()
        self._check_key()

    def _check_key(self) -> None:
        """Says at start-up, not only at each conversation's read, when the newest row does not
        decrypt with this key (a changed key without the old one after it). Only said: a table
        shared by processes of different keys (test runs on one PostgreSQL database) is not an
        error of this process, and its own conversations read."""
        with self.session_scope() as session:
            newest = (session.query(self.SQLEvent.data).order_by(self.SQLEvent.id.desc())
                      .limit(1).scalar())
        try:
            decrypt_data(self._cipher, newest or "{}")
        except TrackerKeyError as exc:
            logger.error(f"tracker store: the newest event does not decrypt: {exc}")

    def _check_schema(self) -> None:
        """Rasa's check of POSTGRESQL_SCHEMA, which its session_scope made in every session and
        answered with an exit: made once, at start-up, with Rasa's message."""
        session = self.sessionmaker()
        try:
            ensure_schema_exists(session)
        except ValueError as e:
            rasa.shared.utils.cli.print_error_and_exit(
                f"Requested PostgreSQL schema '{e}' was not found in the database. To "
                f"continue, please create the schema by running 'CREATE DATABASE {e};' "
                f"or unset the '{POSTGRESQL_SCHEMA}' environment variable in order to "
                f"use the default schema. Exiting application."
            )
        finally:
            session.close()

    @contextlib.contextmanager
    def session_scope(self) -> Generator[Any, None, None]:
        """Rasa's session scope without the exit: whatever fails inside is this call's error."""
        session = self.sessionmaker()
        try:
            yield session
        except Exception as exc:
            raise TrackerStoreError(f"tracker store: {_why(exc)}") from exc
        finally:
            session.close()

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
        check_sender_id(sender_id)
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

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        check_sender_id(conversation_id)
        return await super().retrieve_full_tracker(conversation_id)

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool
                        ) -> Optional[DialogueStateTracker]:
        """Rasa's ``SQLTrackerStore._retrieve`` (3.6.21), reading only the data column and
        decrypting it."""
        with self.session_scope() as session:
            stored = (self._event_query(session, sender_id,
                                        fetch_events_from_all_sessions=fetch_events_from_all_sessions)
                      .with_entities(self.SQLEvent.data).all())
        events = [json.loads(decrypt_data(self._cipher, data)) for (data,) in stored]
        if self.domain and len(events) > 0:
            logger.debug(f"Recreating tracker from sender id '{sender_id}'")
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        logger.debug(f"Can't retrieve tracker matching sender id '{sender_id}' from SQL storage. "
                     f"Returning `None` instead.")
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save: the events after those already stored, then a commit, then the same
        events to the event broker (if any)."""
        sender_id = tracker.sender_id
        check_sender_id(sender_id)
        kept = self._kept.pop(sender_id, None)
        if kept is not None and kept.tracker is not tracker:
            kept = None
        with self.session_scope() as session:
            # handed out by retrieve() after the database was seen to hold exactly its first
            # kept.in_session events; under the conversation's lock nobody else wrote since
            stored = kept.in_session if kept is not None else self._in_session(session, sender_id)
            new = list(itertools.islice(tracker.events, stored, len(tracker.events)))
            if new:
                session.execute(self.SQLEvent.__table__.insert(),
                                [_row(sender_id, e, self._cipher) for e in new])
            session.commit()
            if kept is not None and _same_session(tracker, new):
                in_session, rows = stored + len(new), kept.rows + len(new)
            else:
                in_session, rows = self._in_session(session, sender_id), self._rows(session, sender_id)
        # keep it only if a read of the database would rebuild the same events
        if in_session == len(tracker.events):
            self._keep(_Kept(tracker, rows, in_session, self.domain))
        if new and self.event_broker is not None:
            # Rasa's stream_events, without its second read of the conversation (the new events
            # are known), and after the commit: a consumer that hears of an event finds its row
            await self._stream_new_events(self.event_broker, new, sender_id)


def _row(sender_id: Text, event: Event, cipher: MultiFernet) -> Dict[Text, Any]:
    """The row Rasa's SQLTrackerStore.save writes for an event, its data encrypted."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": encrypt_data(cipher, json.dumps(data)),
    }


def _same_session(tracker: DialogueStateTracker, new: List[Event]) -> bool:
    """Do the new events belong to the session a read returns (Rasa reads the events from the
    latest session start's timestamp on)?"""
    if any(isinstance(e, SessionStarted) for e in new):
        return False
    start = next((e.timestamp for e in reversed(tracker.events) if isinstance(e, SessionStarted)), None)
    return start is None or all(e.timestamp >= start for e in new)
