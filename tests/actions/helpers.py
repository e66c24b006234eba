"""Builds rasa_sdk trackers the way Rasa hands them to a form's validation action."""
from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parents[2]


@lru_cache(maxsize=1)
def domain() -> Dict[str, Any]:
    merged: Dict[str, Any] = {}
    for path in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in data.items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            else:
                merged[key] = value
    return merged


def initial_slots() -> Dict[str, Any]:
    return {name: spec.get("initial_value") for name, spec in domain()["slots"].items()}


def user_event(text: str, intent: str, entities: Iterable[Dict[str, Any]] = (), channel: str = "rest") -> Dict[str, Any]:
    return {
        "event": "user",
        "timestamp": time.time(),
        "text": text,
        "input_channel": channel,
        "parse_data": {"text": text, "intent": {"name": intent, "confidence": 0.99},
                       "entities": list(entities)},
    }


def form_tracker(
    text: str,
    intent: str = "inform",
    slots: Optional[Dict[str, Any]] = None,
    requested: Optional[str] = None,
    form: str = "intake_form",
    entities: Iterable[Dict[str, Any]] = (),
    after_user: Iterable[str] = (),
    history: Iterable[Dict[str, Any]] = (),
) -> Tracker:
    """The tracker a form's validator sees: the user turn, then (for an interruption) the rule's
    actions in ``after_user``, then the form's own ActionExecuted."""
    all_slots = {**initial_slots(), **(slots or {}), "requested_slot": requested}
    user = user_event(text, intent, entities)
    events: List[Dict[str, Any]] = list(history) + [user]
    events += [{"event": "action", "name": name} for name in after_user]
    events += [
        {"event": "slot", "name": "requested_slot", "value": requested},
        {"event": "action", "name": form},
    ]
    return Tracker(
        sender_id="test-sender",
        slots=all_slots,
        latest_message=user["parse_data"],
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": form},
        latest_action_name=form,
    )


def plain_tracker(text: str, intent: str, slots: Optional[Dict[str, Any]] = None,
                  events: Iterable[Dict[str, Any]] = (), channel: str = "rest",
                  entities: Iterable[Dict[str, Any]] = ()) -> Tracker:
    user = user_event(text, intent, entities, channel)
    return Tracker(
        sender_id="test-sender",
        slots={**initial_slots(), **(slots or {})},
        latest_message=user["parse_data"],
        events=list(events) + [user],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def slot_events(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(dispatcher: CollectingDispatcher) -> List[str]:
    return [m.get("response") for m in dispatcher.messages]


async def run_validator(tracker: Tracker, form: Any = None) -> Tuple[List[Dict[str, Any]], CollectingDispatcher]:
    """A form's validator run on ``tracker`` (the intake form's unless another is given): its
    events and what it said."""
    if form is None:
        from actions.intake_form import ValidateIntakeForm as form
    dispatcher = CollectingDispatcher()
    events = await form().run(dispatcher, tracker, domain())
    return events, dispatcher

def count_days_from(monkeypatch: Any, day: Any) -> None:
    """The intake's relative days (前天, 大前天) counted from ``day``, the day a blind set was
    written, whatever the day (or the hour in Beijing) the tests run."""
    from actions import confirm_form, intake_form

    monkeypatch.setattr(intake_form, "today", lambda: day)
    monkeypatch.setattr(confirm_form, "today", lambda: day)

