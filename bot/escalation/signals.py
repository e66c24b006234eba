"""Conversation signals: hand off because of how the conversation goes, not one message.

Pure functions over the tracker's event dicts (``tracker.events`` in rasa_sdk)::

    {"event": "user", "text": ..., "parse_data": {"intent": {...}, "escalation": {...}}}
    {"event": "bot", "text": ...}
    {"event": "action", "name": ...}

- anger again after an apology: a mild-anger message after the bot apologised and after an
  earlier angry message → anger;
- the same complaint repeated: the customer sends (nearly) the same complaint text again → anger.

A question the customer cannot answer is no signal: the form records it as not given and offers
the hotline (docs/intake.md, issue 12), it never hands off for it.

``conversation_signal(events, latest_detection)`` returns the detection that should hand off now
(the latest message's own strong detection first), or None.
"""
from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any, Dict, Iterable, List, Optional, Union

from bot.escalation.detector import STRONG, Detection, EscalationDetector, default_detector
from bot.escalation.rules import norm

APOLOGY_ACTIONS = {"action_start_intake"}  # its first words are the apology (docs/intake.md)
APOLOGY_WORDS = ("抱歉", "对不起", "歉意")
COMPLAINT_INTENTS = {"complain", "escalate"}
REPEAT_RATIO = 0.9
REPEAT_MIN_CHARS = 6  # "好的" twice is not a repeated complaint

Event = Dict[str, Any]
DetectionLike = Union[Detection, Dict[str, Any], None]


def _as_detection(value: DetectionLike) -> Optional[Detection]:
    return value if isinstance(value, Detection) or value is None else Detection.from_dict(value)


def _user_detection(event: Event, detector: EscalationDetector) -> Optional[Detection]:
    # What the NLU component decided, if it ran; the rules alone otherwise (older models).
    escalation = (event.get("parse_data") or {}).get("escalation")
    if escalation:
        return Detection.from_dict(escalation)
    return detector.detect(event.get("text") or "")


def _intent_name(event: Event) -> Optional[str]:
    parse_data = event.get("parse_data") or {}
    original = (parse_data.get("escalation") or {}).get("original_intent") or {}
    return original.get("name") or (parse_data.get("intent") or {}).get("name")


def is_apology(event: Event) -> bool:
    if event.get("event") == "action":
        return event.get("name") in APOLOGY_ACTIONS
    if event.get("event") == "bot":
        text = norm(event.get("text") or "")
        return any(word in text for word in APOLOGY_WORDS)
    return False


def _split_latest(events: Iterable[Event]):
    """(events before the latest user message, the latest user message)."""
    events = list(events)
    for i in range(len(events) - 1, -1, -1):
        if events[i].get("event") == "user":
            return events[:i], events[i]
    return events, None


def anger_after_apology(events: Iterable[Event], latest: DetectionLike,
                        detector: Optional[EscalationDetector] = None) -> Optional[Detection]:
    latest = _as_detection(latest)
    if latest is None or latest.reason != "anger":
        return None
    detector = detector or default_detector()
    before, _ = _split_latest(events)
    apologised = earlier_anger = False
    for event in before:
        if is_apology(event):
            apologised = True
        elif event.get("event") == "user":
            found = _user_detection(event, detector)
            earlier_anger = earlier_anger or (found is not None and found.reason == "anger")
    if apologised and earlier_anger:
        return Detection("anger", STRONG, tuple(latest.cues) + ("道歉后仍不满",), "conversation")
    return None


def similar(a: str, b: str) -> bool:
    a, b = norm(a), norm(b)
    if min(len(a), len(b)) < REPEAT_MIN_CHARS:
        return False
    return a == b or SequenceMatcher(None, a, b).ratio() >= REPEAT_RATIO


REPEATED_CUES = ("重复投诉",)


def _answers(events: Iterable[Event]) -> List[bool]:
    """For each user message, in order: was it said while the bot's question waited for an
    answer (``requested_slot`` set by a form)?"""
    asked, found = False, []
    for event in events:
        if event.get("event") == "slot" and event.get("name") == "requested_slot":
            asked = event.get("value") is not None
        elif event.get("event") == "active_loop" and event.get("name") is None:
            asked = False
        elif event.get("event") == "user":
            found.append(asked)
    return found


def repeated_complaint(events: Iterable[Event]) -> Optional[Detection]:
    events = list(events)
    before, latest = _split_latest(events)
    if latest is None:
        return None
    text = latest.get("text") or ""
    latest_is_complaint = _intent_name(latest) in COMPLAINT_INTENTS
    answers = _answers(events)
    users = [e for e in before if e.get("event") == "user"]
    for event, was_answer in zip(users, answers):
        # the same answer given again to a question the bot asked again ("上只月廿二号签个合同"
        # three times to the date question) is a customer not understood, not a complaint repeated
        if was_answer and answers[-1]:
            continue
        # a re-typed phone number is an answer, not a complaint: one side must be a complaint
        if (latest_is_complaint or _intent_name(event) in COMPLAINT_INTENTS) and similar(
            text, event.get("text") or ""
        ):
            return Detection("anger", STRONG, REPEATED_CUES, "conversation")
    return None


def conversation_signal(events: List[Event], latest_detection: DetectionLike,
                        detector: Optional[EscalationDetector] = None) -> Optional[Detection]:
    latest = _as_detection(latest_detection)
    if latest is not None and latest.strong:
        return latest
    return (
        anger_after_apology(events, latest, detector)
        or repeated_complaint(events)
    )
