"""Handing the conversation to a person (design.md, "Escalation and handoff").

``action_handoff`` runs when the NLU's escalation detector fires (intent ``escalate``), when
the customer asks for a person (``request_human``), or when a conversation signal fires inside
a form (``signal_handoff_events``: anger again after an apology, the same complaint repeated, a
third failed answer). It

1. tells the customer a person is taking over (worded for the reason), and the expected wait;
2. files or updates the case with what is known so far, ``handoff_reason`` and priority high,
   and puts the conversation in the agents' live queue — one ``POST /api/handoffs``, written to
   the durable outbox first so a case-desk outage loses nothing and a retry never queues twice;
3. pauses the conversation (Rasa's ``ConversationPaused``): the bot stays silent while the
   agent talks; the case desk resumes it on release (``utter_handoff_released``).

The detector itself (what counts as a threat) lives in bot/escalation/.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.case_record import build_payload, build_transcript, channel_of
from actions.classify import classify
from actions.outbox import deliverer

logger = logging.getLogger(__name__)

REASONS = ("anger", "media", "regulator", "violence", "human")
REASON_SLOT = "handoff_reason"
CUES_SLOT = "handoff_cues"
MAX_CUES = 20
MAX_DESCRIPTION = 2000


def handoff_key(request_id: str) -> str:
    """The outbox key of a handoff request (cases use their intake_id)."""
    return f"handoff:{request_id}"


def reason_and_cues(tracker: Tracker) -> Tuple[str, List[str]]:
    """Why this handoff: a conversation signal a form set, else the detector's verdict on the
    latest message, else the customer asked for a person."""
    reason = tracker.get_slot(REASON_SLOT)
    if reason in REASONS:
        return reason, [str(c) for c in (tracker.get_slot(CUES_SLOT) or [])][:MAX_CUES]
    escalation = (tracker.latest_message or {}).get("escalation") or {}
    if escalation.get("level") == "strong" and escalation.get("reason") in REASONS:
        return escalation["reason"], [str(c)[:32] for c in escalation.get("cues") or []][:MAX_CUES]
    return "human", []


def customer_words(events: Sequence[Dict[str, Any]]) -> str:
    """What the customer has said since the conversation (re)started, for a case that had no
    description yet: the agent should not have to scroll for it."""
    texts = [str(e.get("text")).strip() for e in events if e.get("event") == "user" and e.get("text")]
    joined = "；".join(t for t in texts if t)
    return joined[-MAX_DESCRIPTION:] or "（客户转人工时尚未描述具体情况）"


def _latest_user_timestamp(events: Sequence[Dict[str, Any]]) -> Optional[float]:
    for event in reversed(events):
        if event.get("event") == "user" and event.get("timestamp") is not None:
            try:
                return float(event["timestamp"])
            except (TypeError, ValueError):
                return None
    return None


def build_handoff_request(tracker: Tracker, reason: str, cues: List[str]) -> Dict[str, Any]:
    """The body of ``POST /api/handoffs`` (contract: docs/casedesk.md, "Handoffs")."""
    slots = dict(tracker.current_slot_values())
    channel = channel_of(tracker.get_latest_input_channel())
    body: Dict[str, Any] = {
        "conversation_id": tracker.sender_id,
        "request_id": uuid.uuid4().hex,
        "channel": channel,
        "reason": reason,
        "signals": cues[:MAX_CUES],
    }
    since = _latest_user_timestamp(tracker.events)
    if since is not None:
        # customer messages after this one reach the agent through the case desk's sync
        body["since"] = since
    if slots.get("filing_status") == "filed" and slots.get("case_no"):
        body["case_no"] = slots["case_no"]
        return body
    if not slots.get("intake_id"):
        slots["intake_id"] = str(uuid.uuid4())
    if not slots.get("description"):
        slots["description"] = customer_words(tracker.events)
        slots["category"], slots["business_line"], _ = classify(slots["description"])
    case = build_payload(
        slots,
        conversation_id=tracker.sender_id,
        channel=channel,
        transcript=build_transcript(tracker.events),
    )
    for key in ("conversation_id", "channel", "handoff_reason", "escalation_signals", "priority"):
        case.pop(key, None)
    body["case"] = case
    return body


def signal_handoff_events(reason: str, cues: Sequence[str]) -> List[EventType]:
    """Returned by a form's validator when a conversation signal fires: the form ends and
    ``action_handoff`` runs next, whatever the policies would have predicted."""
    return [
        SlotSet(REASON_SLOT, reason),
        SlotSet(CUES_SLOT, list(cues)[:MAX_CUES]),
        SlotSet(REQUESTED_SLOT, None),
        FollowupAction("action_handoff"),
    ]


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        reason, cues = reason_and_cues(tracker)
        dispatcher.utter_message(response=f"utter_handoff_{reason}")

        body = build_handoff_request(tracker, reason, cues)
        key = (body["conversation_id"], handoff_key(body["request_id"]))
        d = deliverer()
        d.ensure_started()
        answer: Optional[Dict[str, Any]] = None
        try:
            answer, _ = await d.submit(body, key)
        except Exception:
            # the outbox itself failed (disk): the customer still gets a person, by phone
            logger.exception("handoff for %s not stored", key[1])
        if answer:
            dispatcher.utter_message(
                response="utter_handoff_queued",
                case_no=answer.get("case_no"),
                position=int(answer.get("position") or 1),
                minutes=int(answer.get("expected_wait_minutes") or 1),
            )
        else:
            dispatcher.utter_message(response="utter_handoff_recorded")
        logger.info("handoff %s: reason %s, queued=%s", key[1], reason, bool(answer))

        events: List[EventType] = [
            SlotSet(REASON_SLOT, None),
            SlotSet(CUES_SLOT, None),
            SlotSet("reask", None),
            SlotSet("intake_stage", None),
            SlotSet("correcting_field", None),
        ]
        if answer and answer.get("case_no"):
            # the agent owns the case now: the bot must not read it back or file it again
            events += [SlotSet("case_no", answer["case_no"]), SlotSet("filing_status", "filed")]
        elif "case" in body:
            events += [SlotSet("intake_id", body["case"]["intake_id"]), SlotSet("filing_status", "pending")]
        return events + [ConversationPaused()]
