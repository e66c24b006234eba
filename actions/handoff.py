"""Handing the conversation to a person (docs/design.md, "Escalation and handoff").

``action_handoff`` runs when the NLU's escalation detector fires (intent ``escalate``), when
the customer asks for a person (``request_human``), or when a conversation signal fires inside
a form (``signal_handoff_events``: anger again after an apology, the same complaint repeated, a
third failed answer). It

1. tells the customer a person is taking over (worded for the reason), and the expected wait —
   or, when the case desk will not quote one (longer than its limit, or outside service hours;
   issue 15), that a colleague calls back by a stated time, then asks which number to call
   (``callback_form``, actions/callback.py) instead of falling silent;
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
from rasa_sdk.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    EventType,
    FollowupAction,
    SessionStarted,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions import parsing
from actions.case_record import NAME_DECLINED, NOT_GIVEN, build_payload, build_transcript, channel_of, current_conversation
from actions.classify import classify
from actions.clock import today
from actions.outbox import REJECTED, deliverer
from bot import intent_shortcuts

logger = logging.getLogger(__name__)

REASONS = ("anger", "media", "regulator", "violence", "self_harm", "human")
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


def _page_shortcut(text: str) -> bool:
    """"/greet", which the web chat page sends when it opens: not the customer's words."""
    return text.startswith("/") and intent_shortcuts.is_allowed(text)


def customer_words(events: Sequence[Dict[str, Any]]) -> str:
    """What the customer has said since the conversation (re)started, for a case that had no
    description yet: the agent should not have to scroll for it."""
    texts = [str(e.get("text")).strip() for e in current_conversation(events)
             if e.get("event") == "user" and e.get("text") and not _page_shortcut(str(e.get("text")).strip())]
    joined = "；".join(t for t in texts if t)
    return joined[-MAX_DESCRIPTION:] or "（客户转人工时尚未描述具体情况）"


# the facts a message states by itself, with their own cue (parsing's strict find_* readers)
FACT_READERS = {
    "customer_name": parsing.find_name,
    "phone": parsing.find_phone,
    "branch": parsing.find_branch,
    "occurred_at": lambda text: parsing.find_date(text, today()),
    "amount": parsing.find_amount,
}


def facts_said(events: Sequence[Dict[str, Any]], slots: Dict[str, Any]) -> Dict[str, Any]:
    """The facts the customer stated since the conversation (re)started that the slots do not
    hold yet ("朝阳路支行扣了我五千，我要去找记者" → branch and amount): a case filed at a handoff
    keeps every fact already said (issue 13)."""
    found: Dict[str, Any] = {}
    for event in current_conversation(events):
        if event.get("event") != "user" or not event.get("text"):
            continue
        text = str(event["text"])
        for field, read in FACT_READERS.items():
            if slots.get(field) in (None, NOT_GIVEN, NAME_DECLINED, parsing.NOT_KNOWN) and field not in found:
                value = read(text)
                if value is not None:
                    found[field] = value
    return found


def _timestamp(event: Dict[str, Any]) -> Optional[float]:
    try:
        return float(event["timestamp"])
    except (KeyError, TypeError, ValueError):
        return None


def sync_from(events: Sequence[Dict[str, Any]], case_filed: bool) -> Optional[float]:
    """From when the case desk copies customer messages to the agent (``since``).

    A new case carries the transcript up to now, so: after the latest message. A case filed
    earlier holds the transcript of its filing only, so: from the filing on — what the customer
    said since then, the threat included, must reach the agent too."""
    events = current_conversation(events)
    if case_filed:
        filed = [e for e in events if e.get("event") == "action" and e.get("name") == "action_file_case"]
        if filed and _timestamp(filed[-1]) is not None:
            return _timestamp(filed[-1])
    latest = next((e for e in reversed(events) if e.get("event") == "user"), None)
    ts = _timestamp(latest) if latest else None
    if ts is None:
        return None
    # the message that called for a person is not in a filed case's transcript: include it
    return ts - 0.001 if case_filed else ts


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
    filed = slots.get("filing_status") == "filed" and bool(slots.get("case_no"))
    since = sync_from(tracker.events, filed)
    if since is not None:
        # customer messages after this reach the agent through the case desk's sync
        body["since"] = since
    if filed:
        body["case_no"] = slots["case_no"]
        return body
    if not slots.get("intake_id"):
        slots["intake_id"] = str(uuid.uuid4())
    if not slots.get("description"):
        slots["description"] = customer_words(tracker.events)
        slots["category"], slots["business_line"], _ = classify(slots["description"])
    slots.update(facts_said(tracker.events, slots))
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


def callback_slots(offer: Dict[str, Any], case_no: Optional[str]) -> Dict[str, Any]:
    """The call-back the case desk offers instead of a wait (POST /api/handoffs' ``callback``),
    as the slots of bot/domain/callback.yml; the desk sets the same ones when it makes the offer
    itself (bot/casedesk/handoffs/callbacks.py, bot_slots)."""
    masked = offer.get("phone_masked") or None
    return {
        "callback_id": str(offer.get("id") or ""),
        "callback_reason": offer.get("reason"),
        "callback_promise": offer.get("promise_words"),
        "callback_phone_masked": masked,
        "callback_hotline": offer.get("hotline"),
        "callback_service_hours": offer.get("service_hours"),
        # how callback_form words its question: read the number back, or ask for one
        "callback_wording": "confirm" if masked else "ask",
        "callback_number": None,
        "case_no": case_no,
    }


# the case desk's call-back reasons (bot/casedesk/handoffs/waits.py) and the form that confirms the number
CALLBACK_REASONS = ("long_wait", "after_hours", "idle")
CALLBACK_FORM = "callback_form"


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        reason, cues = reason_and_cues(tracker)
        body = build_handoff_request(tracker, reason, cues)
        key = (body["conversation_id"], handoff_key(body["request_id"]))
        d = deliverer()
        d.ensure_started()
        answer: Optional[Dict[str, Any]] = None
        try:
            answer, entry = await d.submit(body, key)
        except Exception:
            # the outbox itself failed (disk)
            logger.exception("handoff %s not stored", key[1])
            entry = None
        offer = (answer or {}).get("callback")
        if isinstance(offer, dict) and offer.get("reason") in CALLBACK_REASONS and entry is not None:
            return self._offer_callback(dispatcher, reason, answer or {}, offer, key[1])
        # the reason's own words first: the feeling before the facts
        dispatcher.utter_message(response=f"utter_handoff_{reason}")
        if entry is None or entry.status == REJECTED:
            # nobody will see this conversation in the queue: the bot must not fall silent
            logger.error("handoff %s could not be queued; the bot keeps the conversation", key[1])
            dispatcher.utter_message(response="utter_handoff_failed")
            return [SlotSet(REASON_SLOT, None), SlotSet(CUES_SLOT, None), SlotSet("reask", None)]
        if reason == "self_harm":
            pass  # words of care and where to get help now (utter_handoff_self_harm), no queue talk
        elif answer:
            dispatcher.utter_message(
                response="utter_handoff_queued",
                case_no=answer.get("case_no"),
                position=int(answer.get("position") or 1),
                minutes=int(answer.get("expected_wait_minutes") or 1),
            )
        else:
            dispatcher.utter_message(response="utter_handoff_recorded")
        logger.info("handoff %s: reason %s, queued now=%s", key[1], reason, bool(answer))

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

    @staticmethod
    def _offer_callback(
        dispatcher: CollectingDispatcher, reason: str, answer: Dict[str, Any], offer: Dict[str, Any], key: str
    ) -> List[EventType]:
        """No wait quoted: the feeling, then a call-back by a stated time; the bot keeps the
        conversation and starts callback_form, which asks for the number and reads the answer
        (actions/callback.py). Started here by an ActiveLoop event — Rasa then runs the form
        next — rather than by a rule after action_handoff: the handoff rules end in silence, and
        a rule on a slot set by this action would compete with them."""
        slots = callback_slots(offer, answer.get("case_no"))
        dispatcher.utter_message(response=f"utter_callback_opening_{reason}")
        # rendered with the slots as they were before this action: the values go along
        why = str(offer["reason"])
        dispatcher.utter_message(response=f"utter_callback_offer_{why}", **slots)
        logger.info("handoff %s: reason %s, a call-back instead of a wait (%s)", key, reason, why)
        events: List[EventType] = [
            SlotSet(REASON_SLOT, None),
            SlotSet(CUES_SLOT, None),
            SlotSet("reask", None),
            SlotSet("intake_stage", None),
            SlotSet("correcting_field", None),
            SlotSet("filing_status", "filed"),
        ]
        events += [SlotSet(name, value) for name, value in slots.items()]
        return events + [ActiveLoop(CALLBACK_FORM)]


# What a handed-off conversation keeps into a new session: the case the agent is working on.
CARRIED_WHILE_HANDED_OFF = ("case_no", "filing_status", "intake_id", "customer_name", "phone")


class ActionSessionStart(Action):
    """Rasa starts a new session after an hour of silence (domain ``session_config``), and a
    new session is an un-paused one: a customer who waits quietly for an agent and then writes
    would get the bot back, which would start a second intake while the agent is still on the
    first. While handed off, the new session stays paused and keeps the case."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        if not tracker.is_paused():
            return events + [ActionExecuted("action_listen")]
        events += [SlotSet(name, tracker.get_slot(name)) for name in CARRIED_WHILE_HANDED_OFF
                   if tracker.get_slot(name) is not None]
        return events + [ActionExecuted("action_listen"), ConversationPaused()]
