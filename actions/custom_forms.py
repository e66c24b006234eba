"""What every form of this assistant shares: re-asking after a bad answer, and leaving
interruptions to the rules (financial-demo's custom_forms.py idea, reworked for Chinese
wording and for our rules).

How a turn inside a form goes (answer-first: the message is read as the answer to the question
asked before anything else is made of it):

* The customer answers, whatever the NLU calls the message: the validator's
  ``extract_<slot>``/``validate_<slot>`` methods read it. If the requested slot got no usable
  value, the failure is counted in the ``reask`` slot and the form asks again. Rasa itself asks,
  with the ``utter_ask_<slot>`` response (no action server call); the validator sets the
  ``ask_wording`` slot for the question asked next (``ask_wording()``), and the response's
  conditional variations give the wording: the plain ones first, ``reask`` (other words),
  ``reask_again`` (with an example) and ``declined`` (when the customer refused to give it).
  Rasa renders the question with the validator's events already applied, so the wording always
  matches this turn's count.
* Chit-chat that does not answer ("你是机器人吗", "好的", "😂") counts as an attempt too: the
  validator gives the short chit-chat reply itself and the question comes again.
* Every question has an end. After ``GIVE_UP_AFTER`` unusable answers (or a refusal said twice)
  the subclass records the field as not given (``give_up_events``) and the form goes on: no
  question is asked a fourth time, and a customer who cannot answer is never handed to a person
  for it (issue 12; the hotline is offered instead).
* Only an explicit cancel of the whole complaint, a request for a person or an escalation leave
  the form: the validator returns nothing, Rasa rejects the form, and a rule takes over
  (data/rules/intake.yml). Whether a "cancel" or "request_human" from the NLU really is one is
  the subclass's call (``leaves_form``): "取消罚息" answers the demand question. A cancel in so
  many words that the NLU called something else (``drops_the_complaint``) ends the form with a
  follow-up ``action_cancel_intake``.

Rasa rejects a form turn only when the validator returns no slot at all, so the validator must
return nothing for a real interruption (not even ``ask_wording``) and something (at least the
``reask`` count) for every answer attempt.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions.case_record import current_conversation
from actions.handoff import signal_handoff_events
from bot.escalation import signals
from bot.escalation.detector import Detection

REASK_SLOT = "reask"
WORDING_SLOT = "ask_wording"
# ask_wording values (bot/domain/intake.yml); None is the first ask
REASK = "reask"
REASK_AGAIN = "reask_again"
INVALID = "invalid"
DECLINED = "declined"
NEAR_MATCH = "near_match"  # "您说的是朝阳路支行吗？" (the subclass's special_wording)
ASIDE = "aside"  # the customer told something else instead (more of the story, another fact)
# A question is asked at most three times: after the third unusable answer it is recorded as
# not given. A refusal is answered once with why we ask (the ``declined`` wording), then respected.
GIVE_UP_AFTER = 3
DECLINES_RESPECTED_AFTER = 2

# Intents a rule answers while a form is active (data/rules/intake.yml).
# withdraw_complaint: inside a form nothing is filed yet, so withdrawing is cancelling (data/rules/withdraw.yml)
RULE_INTENTS = frozenset({"cancel", "withdraw_complaint", "request_human", "escalate"})
# Chit-chat, and the short reply the validator gives before asking again.
CHITCHAT_REPLIES = {
    "greet": "utter_greet_in_form",
    "thank": "utter_you_are_welcome",
    "goodbye": "utter_goodbye_in_form",
    "out_of_scope": "utter_out_of_scope_in_form",
}
CHITCHAT_INTENTS = frozenset(CHITCHAT_REPLIES)

# Actions Rasa logs between a user message and the form's own validation call.
_BOOKKEEPING_ACTIONS = frozenset({"action_listen", "action_extract_slots"})


def gives_up_on(reask_events: List[EventType]) -> bool:
    """Has the question now failed often enough to be recorded as not given: the third
    unusable answer, or the second refusal?"""
    for event in reask_events:
        state = event.get("value") or {}
        if isinstance(state, dict) and state.get("count"):
            limit = DECLINES_RESPECTED_AFTER if state.get("reason") == DECLINED else GIVE_UP_AFTER
            return int(state["count"]) >= limit
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
    if state.get("reason") == ASIDE:
        return None  # no "没听清" after the customer told us something else
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

    def special_wording(self, slot: str, slots: Dict[str, Any]) -> Optional[str]:
        """A wording the question's state calls for whatever the count (a near match to
        confirm), or None for the usual one."""
        return None

    def leaves_form(self, intent: Optional[str], tracker: Tracker) -> bool:
        """Does this message really leave the form (cancel the complaint, ask for a person,
        escalate)? By default whatever the NLU says."""
        return intent in RULE_INTENTS

    def drops_the_complaint(self, tracker: Tracker) -> bool:
        """Does this message cancel the complaint in so many words, though the NLU called it
        something else ("钱到了，那不用投诉了，撤了吧")?"""
        return False

    def give_up_events(
        self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """The question for ``slot`` failed too often: record it as not given and go on."""
        return [SlotSet(slot, None)]

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
        if self.leaves_form(intent, tracker):
            return []
        if intent != "cancel" and self.drops_the_complaint(tracker):
            # the rules key on the `cancel` intent: the form ends and cancels itself (a slot
            # besides requested_slot must be set, or Rasa rejects the form's turn)
            return [SlotSet(REASK_SLOT, None), SlotSet(REQUESTED_SLOT, None), FollowupAction("action_cancel_intake")]
        if (
            intent in CHITCHAT_INTENTS | RULE_INTENTS
            and not self.answers_requested_slot(requested, tracker)
            and not self.is_more_complaint(tracker)
        ):
            if not requested:
                return []  # nothing asked yet: the rules answer
            # small talk instead of an answer (or a "cancel" / "person" that was neither): a
            # short reply, and it counts as an attempt
            dispatcher.utter_message(response=CHITCHAT_REPLIES.get(intent, "utter_out_of_scope_in_form"))
            # requested_slot named again: without it Rasa asks the domain's first empty slot
            events = self._failed(requested, tracker) + [SlotSet(REQUESTED_SLOT, requested)]
            return await self._after_attempt(requested, events, dispatcher, tracker, domain)

        before = dict(tracker.slots)
        events = await super().run(dispatcher, tracker, domain)
        filled = _slot_values(events)
        extra = await self.extra_events(dispatcher, tracker, domain, filled)
        events += extra
        if requested:
            reask = self._reask_events(requested, before, {**filled, **_slot_values(extra)}, tracker)
            if gives_up_on(reask):
                return await self._after_attempt(requested, events + reask, dispatcher, tracker, domain)
            events += reask
        signal = conversation_signal(tracker)
        answered = bool(requested) and _slot_values(events).get(requested) is not None
        if signal is not None and signal.reason == "human" and intent in RULE_INTENTS:
            signal = None  # leaves_form said this mention of a person asks for none
        if signal is not None and answered and signal.source == "intent" and not signal.cues:
            signal = None  # only DIET's intent said escalate, and the message answered the question
        if signal is not None and signal.cues == signals.REPEATED_CUES and reask_state(tracker, requested)["count"]:
            # we asked again and the customer said it again: the repetition is ours, not a
            # customer unheard (the question ends after three asks anyway)
            signal = None
        if signal is not None and not (answered and signal.cues == signals.REPEATED_CUES):
            # a message that answered the question is no sign of a customer unheard, even when
            # it repeats what they said before (the story told again as the demand)
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
        wording = self.special_wording(asked, slots) or ask_wording(asked, state, domain)
        return events + [SlotSet(WORDING_SLOT, wording)]

    def _reask_events(
        self,
        requested: str,
        before: Dict[str, Any],
        filled: Dict[str, Any],
        tracker: Tracker,
    ) -> List[EventType]:
        if filled.get(requested) is not None:
            return [SlotSet(REASK_SLOT, {"slot": requested, "count": 0, "reason": None})]
        # Not answered, also when the customer told something else instead: every ask counts,
        # so that no question comes a fourth time (the question is then asked without reproach)
        if any(before.get(k) != v for k, v in filled.items()):
            return self._failed(requested, tracker, reason=ASIDE)
        return self._failed(requested, tracker)

    def _failed(self, requested: str, tracker: Tracker, reason: Optional[str] = None) -> List[EventType]:
        """One more unusable answer to ``requested``."""
        state = reask_state(tracker, requested)
        return [SlotSet(REASK_SLOT, {
            "slot": requested,
            "count": int(state["count"]) + 1,
            "reason": reason or self.failure_reason(requested, tracker),
        })]

    async def _after_attempt(
        self,
        requested: str,
        events: List[EventType],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        """``events`` of a turn that did not answer ``requested``: ask again, or, when the
        question has failed often enough, record it as not given and ask the next one."""
        if gives_up_on(events):
            # Rasa asks for the first requested_slot among the events: drop the one that
            # asked this question again
            events = [e for e in events if not (e.get("event") == "slot" and e.get("name") == REQUESTED_SLOT)]
            events += self.give_up_events(requested, dispatcher, tracker, domain)
            events.append(SlotSet(REASK_SLOT, None))
            tracker.add_slots(events)
            next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
            events += [next_slot] if next_slot else []
        return self._with_wording(events, tracker, domain)
