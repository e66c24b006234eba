"""Trackers written by Rasa's own SQLTrackerStore, for the trainer tests: the rows the console
reads are the rows a running Rasa writes, so a change of Rasa's schema fails a test."""
from __future__ import annotations

import uuid
from typing import Any, Iterable, Optional, Sequence, Tuple

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.slots import AnySlot
from rasa.shared.core.trackers import DialogueStateTracker

# a WeChat OpenID: the sender id of a WeChat conversation, never to appear on a page
OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"


def user(text: str, intent: str, confidence: float, *entities: Tuple[str, str], at: float,
         channel: str = "wechat", seen: Optional[str] = None,
         ranking: Sequence[Tuple[str, float]] = (), message_id: Optional[str] = None,
         escalation: Optional[dict] = None, diet_first: bool = False) -> UserUttered:
    """A customer message as Rasa stores it. `seen` is the normalised text the NLU saw
    (entity offsets refer to it); entities are (entity, substring of `seen`). `escalation` is
    what the escalation component adds; with `diet_first` the ranking is DIET's alone (the
    component sets the intent without touching it), else the intent is ranked first."""
    seen = seen if seen is not None else text
    ents = []
    for entity, span in entities:
        start = seen.index(span)
        ents.append({"entity": entity, "start": start, "end": start + len(span), "value": span,
                     "extractor": "DIETClassifier", "confidence_entity": 0.9})
    parse_data = {
        "text": seen,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": ([] if diet_first else [{"name": intent, "confidence": confidence}])
        + [{"name": n, "confidence": c} for n, c in ranking],
        "entities": ents,
    }
    if escalation:
        parse_data["escalation"] = escalation
    return UserUttered(text, intent={"name": intent, "confidence": confidence}, entities=ents,
                       parse_data=parse_data, input_channel=channel,
                       message_id=message_id or uuid.uuid4().hex, timestamp=at)


def opening(at: float) -> list:
    return [ActionExecuted("action_session_start", timestamp=at),
            SessionStarted(timestamp=at), ActionExecuted("action_listen", timestamp=at)]


def action(name: str, at: float) -> ActionExecuted:
    return ActionExecuted(name, timestamp=at)


def bot(text: str, at: float, agent: Optional[str] = None) -> BotUttered:
    """A bot line; with `agent`, an agent's reply as the case desk appends it (rasa_bridge.py)."""
    return BotUttered(text, metadata={"agent": agent} if agent else None, timestamp=at)


def slot(name: str, value: Any, at: float) -> SlotSet:
    return SlotSet(name, value, timestamp=at)


def sqlite_store(path: Any) -> SQLTrackerStore:
    return SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))


def postgres_store(db: str, host: str = "127.0.0.1", port: int = 5432,
                   username: str = "postgres", password: Optional[str] = None) -> SQLTrackerStore:
    return SQLTrackerStore(Domain.empty(), dialect="postgresql", host=host, port=port, db=db,
                           username=username, password=password)


async def save(store: SQLTrackerStore, sender_id: str, events: Iterable[Event]) -> None:
    slots = [AnySlot(name, mappings=[]) for name in ("handoff_reason", "customer_name", "phone")]
    tracker = DialogueStateTracker(sender_id, slots=slots)
    for event in events:
        tracker.update(event)
    await store.save(tracker)
