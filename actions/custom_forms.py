"""What every form of this assistant shares: re-asking after a bad answer, and leaving
interruptions to the rules (financial-demo's custom_forms.py idea, reworked for Chinese
wording and for our rules).

How a turn inside a form goes:

* The customer answers (inform, correct, deny, affirm, complain, a low-confidence
  nlu_fallback): the validator's ``extract_<slot>``/``validate_<slot>`` methods read the message.
  If the requested slot got no usable value, the failure is counted in the ``reask`` slot and
  the form asks again; the ask action (``AskForSlotAction``) picks the wording from the count:
  ``utter_ask_<slot>`` → ``utter_reask_<slot>`` → ``utter_reask_<slot>_again`` (and
  ``utter_<slot>_declined`` when the customer refused to give it).
* The customer cancels, asks for a person or escalates: the validator returns nothing, Rasa rejects the
  form, and a rule takes over (data/rules/intake.yml).
* The customer chats (greet, thank, goodbye, out_of_scope) without answering: same as above, a
  rule replies and the form asks the same question again. A chatty message that does carry a
  clear answer ("你好，我的手机是138…") is still taken.

Rasa rejects a form turn only when the validator returns no slot at all, so the validator must
return nothing for interruptions and something (at least the ``reask`` count) for every real
answer attempt.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions.case_record import current_conversation
from actions.handoff import signal_handoff_events
from bot.escalation import signals
from bot.escalation.detector import Detection
from bot.escalation.signals import third_failed_answer

REASK_SLOT = "reask"
THIRD_FAILURE_CUE = "同一问题三次未能作答"
INVALID = "invalid"
DECLINED = "declined"

# Intents a rule answers while a form is active (data/rules/intake.yml).
RULE_INTENTS = frozenset({"cancel", "request_human", "escalate"})
CHITCHAT_INTENTS = frozenset({"greet", "thank", "goodbye", "out_of_scope"})

# Actions Rasa logs between a user message and the form's own validation call.
_BOOKKEEPING_ACTIONS = frozenset({"action_listen", "action_extract_slots"})


def gives_up_on(reask_events: List[EventType]) -> bool:
    """Did this answer fail the same question for the third time (not counting refusals:
    a customer may decline to give a phone number without needing a person)?"""
    for event in reask_events:
        state = event.get("value") or {}
        if isinstance(state, dict) and state.get("reason") == INVALID:
            return third_failed_answer(int(state.get("count") or 0))
    return False


def conversation_signal(tracker: Tracker) -> Optional[Detection]:
    """Anger again after the apology, or the same complaint repeated (bot/escalation/signals.py)."""
    return signals.conversation_signal(
        current_conversation(tracker.events), (tracker.latest_message or {}).get("escalation")
    )


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message or {}).get("intent", {}).get("name")


def is_fresh_user_turn(tracker: Tracker, form_name: str) -> bool:
    """True when the form runs straight after a customer message.

    False at activation and when the form resumes after a rule handled an interruption: then
    the latest message was already dealt with and must not be read (or counted) again.
    """
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind == "action" and event.get("name") not in _BOOKKEEPING_ACTIONS | {form_name}:
            return False
        if kind == "action_execution_rejected":
            return False
    return False


def _slot_values(events: List[EventType]) -> Dict[str, Any]:
    return {
        e["name"]: e["value"]
        for e in events
        if e.get("event") == "slot" and e.get("name") != REQUESTED_SLOT and e.get("value") is not None
    }


def reask_state(tracker: Tracker, slot: Optional[str]) -> Dict[str, Any]:
    state = tracker.get_slot(REASK_SLOT) or {}
    if not isinstance(state, dict) or state.get("slot") != slot:
        return {"slot": slot, "count": 0, "reason": None}
    return state


def ask_response(slot: str, state: Dict[str, Any], domain: DomainDict) -> str:
    """The response that asks for ``slot``, worded by how often the customer already failed."""
    responses = domain.get("responses", {})
    count = int(state.get("count") or 0)
    candidates: List[str] = []
    if state.get("reason") == DECLINED:
        candidates.append(f"utter_{slot}_declined")
    if count >= 2:
        candidates.append(f"utter_reask_{slot}_again")
    if count >= 1:
        candidates.append(f"utter_reask_{slot}")
    candidates.append(f"utter_ask_{slot}")
    return next((name for name in candidates if name in responses), f"utter_ask_{slot}")


class AskForSlotAction(Action, ABC):
    """``action_ask_<slot>``: asks for one slot with the wording ``ask_response`` picks."""

    slot: Text = ""

    @abstractmethod
    def name(self) -> Text:
        raise NotImplementedError

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        dispatcher.utter_message(response=ask_response(self.slot, reask_state(tracker, self.slot), domain))
        return []


class ReaskingFormValidationAction(FormValidationAction, ABC):
    """Form validation with re-ask bookkeeping; subclasses add extract_/validate_ methods."""

    @abstractmethod
    def name(self) -> Text:
        raise NotImplementedError

    # -- hooks for subclasses ---------------------------------------------------------------
    def answers_requested_slot(self, slot: Optional[str], tracker: Tracker) -> bool:
        """Does a chit-chat-classified message still carry an answer to ``slot``?"""
        return False

    def is_more_complaint(self, tracker: Tracker) -> bool:
        """Is this message more about what happened (also when the NLU called it chit-chat)?"""
        return latest_intent(tracker) == "complain"

    def failure_reason(self, slot: str, tracker: Tracker) -> str:
        """Why the answer to ``slot`` was unusable: INVALID or DECLINED."""
        return INVALID

    async def extra_events(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        filled: Dict[str, Any],
    ) -> List[EventType]:
        """Events for what a message says besides the slots (flags, added details)."""
        return []

    # -- the turn ---------------------------------------------------------------------------
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        if not is_fresh_user_turn(tracker, self.form_name()):
            # activation (pre-filled slots) or back from an interruption: no new input to read
            events = await self.get_validation_events(dispatcher, tracker, domain)
            tracker.add_slots(events)
            next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
            return events + ([next_slot] if next_slot else [])

        intent = latest_intent(tracker)
        if intent in RULE_INTENTS:
            return []
        if (
            intent in CHITCHAT_INTENTS
            and not self.answers_requested_slot(requested, tracker)
            and not self.is_more_complaint(tracker)
        ):
            return []

        before = dict(tracker.slots)
        events = await super().run(dispatcher, tracker, domain)
        filled = _slot_values(events)
        extra = await self.extra_events(dispatcher, tracker, domain, filled)
        events += extra
        if requested:
            reask = self._reask_events(requested, before, {**filled, **_slot_values(extra)}, tracker)
            events += reask
            if gives_up_on(reask):
                # a third unusable answer to one question: a person does better than a fourth ask
                return events + signal_handoff_events("human", [THIRD_FAILURE_CUE])
        signal = conversation_signal(tracker)
        if signal is not None:
            return events + signal_handoff_events(signal.reason, signal.cues)
        return events

    def _reask_events(
        self,
        requested: str,
        before: Dict[str, Any],
        filled: Dict[str, Any],
        tracker: Tracker,
    ) -> List[EventType]:
        state = reask_state(tracker, requested)
        if filled.get(requested) is not None:
            new_state = {"slot": requested, "count": 0, "reason": None}
        elif any(before.get(k) != v for k, v in filled.items()):
            # the customer told us something else first; ask again without a reproach
            return [SlotSet(REASK_SLOT, {"slot": requested, "count": 0, "reason": None})] if state["count"] else []
        else:
            new_state = {
                "slot": requested,
                "count": int(state["count"]) + 1,
                "reason": self.failure_reason(requested, tracker),
            }
        return [SlotSet(REASK_SLOT, new_state)]
