"""What every form of this assistant shares: re-asking after a bad answer, and leaving
interruptions to the rules (financial-demo's custom_forms.py idea, reworked for Chinese
wording and for our rules).

How a turn inside a form goes:

* The customer answers (inform, correct, deny, affirm, complain, a low-confidence
  nlu_fallback): the validator's ``extract_<slot>``/``validate_<slot>`` methods read the message.
  If the requested slot got no usable value, the failure is counted in the ``reask`` slot and
  the form asks again. Rasa itself asks, with the ``utter_ask_<slot>`` response (no action
  server call); the validator sets the ``ask_wording`` slot for the question asked next
  (``ask_wording()``), and the response's conditional variations give the wording: the plain
  ones first, ``reask`` (other words), ``reask_again`` (with an example) and ``declined`` (when
  the customer refused to give it). Rasa renders the question with the validator's events
  already applied, so the wording always matches this turn's count.
* The customer cancels, asks for a person or escalates: the validator returns nothing, Rasa rejects the
  form, and a rule takes over (data/rules/intake.yml).
* The customer chats (greet, thank, goodbye, out_of_scope) without answering: same as above, a
  rule replies and the form asks the same question again (the validator runs again then, not
  reading the message twice, and sets ``ask_wording`` from the unchanged count). A chatty
  message that does carry a clear answer ("你好，我的手机是138…") is still taken.

Rasa rejects a form turn only when the validator returns no slot at all, so the validator must
return nothing for interruptions (not even ``ask_wording``) and something (at least the
``reask`` count) for every real answer attempt.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
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
WORDING_SLOT = "ask_wording"
# ask_wording values (bot/domain/intake.yml); None is the first ask
REASK = "reask"
REASK_AGAIN = "reask_again"
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


def wordings(slot: str, domain: DomainDict) -> List[str]:
    """The ``ask_wording`` values ``utter_ask_<slot>`` has a variation for."""
    variations = domain.get("responses", {}).get(f"utter_ask_{slot}") or []
    return [
        condition.get("value")
        for variation in variations
        for condition in variation.get("condition") or []
        if condition.get("type") == "slot" and condition.get("name") == WORDING_SLOT
    ]


def ask_wording(slot: Optional[str], state: Dict[str, Any], domain: DomainDict) -> Optional[str]:
    """How to word the question for ``slot``, by how often the customer already failed:
    declined > a second failure > a first failure > the first ask (None), skipping a wording
    the slot's ``utter_ask_<slot>`` has no variation for (demand has no ``reask_again``: ``reask``)."""
    if not slot or not isinstance(state, dict) or state.get("slot") != slot:
        return None
    count = int(state.get("count") or 0)
    candidates: List[str] = []
    if state.get("reason") == DECLINED:
        candidates.append(DECLINED)
    if count >= 2:
        candidates.append(REASK_AGAIN)
    if count >= 1:
        candidates.append(REASK)
    available = wordings(slot, domain)
    return next((value for value in candidates if value in available), None)


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
            return self._with_wording(events + ([next_slot] if next_slot else []), tracker, domain)

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
        if not any(e.get("event") == "slot" and e.get("name") != REQUESTED_SLOT for e in events):
            return events  # nothing validated: Rasa rejects the form, so nothing may be added
        return self._with_wording(events, tracker, domain)

    def _with_wording(self, events: List[EventType], tracker: Tracker, domain: DomainDict) -> List[EventType]:
        """``events`` plus the ``ask_wording`` of the question Rasa asks after them (none when
        the form ends): Rasa asks for the ``requested_slot`` the events set, or else for the
        first empty slot of the domain's form."""
        slots = {**tracker.slots, **{e["name"]: e.get("value") for e in events if e.get("event") == "slot"}}
        if any(e.get("event") == "slot" and e.get("name") == REQUESTED_SLOT for e in events):
            asked = slots.get(REQUESTED_SLOT)
        else:
            asked = next((s for s in self.domain_slots(domain) if slots.get(s) is None), None)
        if not asked:
            return events
        state = slots.get(REASK_SLOT) or {}
        return events + [SlotSet(WORDING_SLOT, ask_wording(asked, state, domain))]

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
