"""Progress lookup in the chat (issue 14): "我的投诉怎么样了" → the case number → the last four digits
of the phone → the case desk's answer.

``validate_progress_form``  reads the case number (or "最近那次", or offers the case this
                            conversation filed) and the last four digits, answer first: what the
                            customer says to a question is read as its answer whatever the intent;
                            only leaving words without an answer (cancel, a person, a threat, a new
                            complaint) hand the turn to the rules. Three unusable answers end it.
``action_lookup_progress``  asks the case desk (which compares the digits with the encrypted
                            phone, counts wrong tries and locks) and says what it may: the status,
                            the team, the next deadline, the latest update meant for the customer.
``action_progress_stop``    forgets the lookup when the customer leaves it.

Every word is a response in bot/domain/progress.yml; the values are read by progress_parsing.py.
"""
from __future__ import annotations

import logging
import math
from datetime import date, datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import progress_parsing as parse
from actions.casedesk_client import CaseDeskClient, CaseDeskError

logger = logging.getLogger(__name__)

CASE, LAST4, TRIES, WORDING, RETRY = (
    "progress_case_no", "progress_last4", "progress_tries", "progress_wording", "progress_retry",
)
REQUESTED = "requested_slot"
LATEST = "latest"      # the latest case of this conversation, resolved by the case desk
GAVE_UP = "gave_up"    # no usable case number after three asks
MAX_TRIES = 3
# the case desk's open statuses (bot/casedesk/cases/case_rules.py OPEN_STATUSES): not yet decided
STILL_OPEN = frozenset({"new", "acknowledged", "in_progress"})
# Intents that leave the lookup when the message answers nothing (rules in data/rules/progress.yml).
LEAVING = frozenset({"cancel", "withdraw_complaint", "request_human", "escalate", "complain", "goodbye"})
PROGRESS_SLOTS = (CASE, LAST4, TRIES, WORDING, RETRY)


def reset() -> List[EventType]:
    return [SlotSet(slot, None) for slot in PROGRESS_SLOTS]


def intent_of(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def said(tracker: Tracker) -> str:
    """What the customer typed: the NLU's normalised text joins digits across spaces
    ("TS20261122000123 5678" → one run of 18 digits), so the user event's own text is read."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("text") or ""
    return tracker.latest_message.get("text") or ""


class ValidateProgressForm(Action):
    """The form's validation: sets the slots itself, so nothing is asked twice and a message
    that answers nothing is counted, not rejected (Rasa would otherwise hand it to the rules)."""

    FORM = "progress_form"  # the withdrawal's form reads the same slots the same way (withdraw.py)
    LEAVING = LEAVING

    def name(self) -> Text:
        return "validate_progress_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if tracker.get_slot(RETRY):
            # back after a wrong verification or "no case here": the message was read already
            return [SlotSet(RETRY, None), SlotSet(TRIES, 0), SlotSet(WORDING, "retry")]
        requested = tracker.get_slot(REQUESTED)
        if (tracker.active_loop or {}).get("name") != self.FORM or requested not in (CASE, LAST4):
            return self._opening(tracker)
        text = said(tracker)
        number = parse.find_case_no(text)
        if requested == CASE:
            if number or parse.refers_to_latest(text):
                return [SlotSet(CASE, number or self._latest(tracker)), SlotSet(TRIES, 0),
                        SlotSet(WORDING, "given" if number else self._latest_wording(tracker)),
                        *self._last4_said(text, marked_only=True)]
            return self._unusable(CASE, tracker)
        # requested == LAST4; a different case number switches the lookup to it
        events: List[EventType] = []
        if number and number != tracker.get_slot(CASE):
            events = [SlotSet(CASE, number), SlotSet(WORDING, "given")]
        last4 = parse.find_last4(text)
        if last4:
            return events + [SlotSet(LAST4, last4), SlotSet(TRIES, 0)]
        if events:
            return events + [SlotSet(TRIES, 0), SlotSet(REQUESTED, LAST4)]
        return self._unusable(LAST4, tracker)

    @staticmethod
    def _latest(tracker: Tracker) -> str:
        return tracker.get_slot("case_no") or LATEST

    @staticmethod
    def _latest_wording(tracker: Tracker) -> str:
        return "conversation" if tracker.get_slot("case_no") else "latest"

    @staticmethod
    def _last4_said(text: str, marked_only: bool) -> List[EventType]:
        last4 = parse.find_last4(text, marked_only=marked_only)
        return [SlotSet(LAST4, last4)] if last4 else []

    def _opening(self, tracker: Tracker) -> List[EventType]:
        """The message that asked for the lookup: what it already says is kept. Without a
        number, the case this conversation filed is offered."""
        text = said(tracker)
        number = parse.find_case_no(text)
        events: List[EventType] = [SlotSet(TRIES, 0), SlotSet(LAST4, None)]
        if number:
            events += [SlotSet(CASE, number), SlotSet(WORDING, "given")]
        elif parse.refers_to_latest(text) or tracker.get_slot("case_no") or tracker.get_slot("filing_status") == "pending":
            # (a case filed here but still on its way to the desk has no number yet: the latest)
            events += [SlotSet(CASE, self._latest(tracker)), SlotSet(WORDING, self._latest_wording(tracker))]
        else:
            events += [SlotSet(CASE, None), SlotSet(WORDING, None)]
        return events + self._last4_said(text, marked_only=True)

    def _unusable(self, slot: str, tracker: Tracker) -> List[EventType]:
        if intent_of(tracker) in self.LEAVING:
            return []  # nothing answered and the customer leaves: the rules take the turn
        tries = int(tracker.get_slot(TRIES) or 0) + 1
        if tries >= MAX_TRIES:
            # the form ends; action_lookup_progress says where else to ask
            return [SlotSet(CASE, GAVE_UP), SlotSet(TRIES, tries), SlotSet(REQUESTED, None)]
        return [SlotSet(TRIES, tries), SlotSet(WORDING, "reask"), SlotSet(REQUESTED, slot)]


def _chinese_date(value: str) -> str:
    day = date.fromisoformat(value)
    return f"{day.year}年{day.month}月{day.day}日"


def minutes_left(locked_until: Optional[str], retry_after: Any) -> int:
    if isinstance(retry_after, int) and retry_after > 0:
        return max(1, math.ceil(retry_after / 60))
    if locked_until:
        try:
            left = datetime.fromisoformat(locked_until) - datetime.now(datetime.fromisoformat(locked_until).tzinfo)
            return max(1, math.ceil(left.total_seconds() / 60))
        except ValueError:
            pass
    return 15


class ActionLookupProgress(Action):
    def __init__(self, client: Optional[CaseDeskClient] = None) -> None:
        self.client = client or CaseDeskClient()

    def name(self) -> Text:
        return "action_lookup_progress"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        case_no, last4 = tracker.get_slot(CASE), tracker.get_slot(LAST4)
        if case_no == GAVE_UP or not last4:
            dispatcher.utter_message(response="utter_progress_gave_up")
            return reset()
        body: Dict[str, Any] = {"conversation_id": tracker.sender_id, "phone_last4": last4}
        if case_no and case_no != LATEST:
            body["case_no"] = case_no
        try:
            status, answer = await self.client.lookup_progress(body)
        except CaseDeskError as exc:
            logger.warning("progress lookup failed: %s", exc)
            dispatcher.utter_message(response="utter_progress_unavailable")
            return reset()
        if status == 200 and answer.get("verified"):
            self._tell(dispatcher, answer)
            return reset()
        error = answer.get("error")
        if status == 403 and error == "verification_failed":
            dispatcher.utter_message(response="utter_progress_not_verified",
                                     attempts_left=answer.get("attempts_left") or 1)
            return [SlotSet(LAST4, None), SlotSet(RETRY, True)]
        if status == 429:
            minutes = minutes_left(answer.get("locked_until"), answer.get("retry_after_seconds"))
            dispatcher.utter_message(response="utter_progress_locked", minutes=minutes)
            return reset()
        if status == 404 and error == "no_case_in_conversation":
            dispatcher.utter_message(response="utter_progress_no_case_here")
            return [SlotSet(CASE, None), SlotSet(RETRY, True)]
        logger.warning("progress lookup: case desk answered %s %s", status, error)
        dispatcher.utter_message(response="utter_progress_unavailable")
        return reset()

    @staticmethod
    def _tell(dispatcher: CollectingDispatcher, answer: Dict[str, Any]) -> None:
        dispatcher.utter_message(response="utter_progress_result", case_no=answer["case_no"],
                                 status_label=answer["status_label"], handled_by=answer["handled_by"])
        deadline = answer.get("next_deadline")
        if deadline:
            dispatcher.utter_message(response="utter_progress_deadline", deadline_label=deadline["label"],
                                     deadline_date=_chinese_date(deadline["date"]))
        elif answer.get("status") in STILL_OPEN:
            # an open case with no date pending has its clock paused for an appraisal, not decided
            dispatcher.utter_message(response="utter_progress_deadline_paused")
        else:
            dispatcher.utter_message(response="utter_progress_no_deadline")
        if answer.get("latest_update"):
            dispatcher.utter_message(response="utter_progress_update", latest_update=answer["latest_update"])
        else:
            dispatcher.utter_message(response="utter_progress_no_update")


class ActionProgressStop(Action):
    """The customer left the lookup (算了 / 再见 / a person / a new complaint): forget it. Says
    something only for cancel and goodbye; the rules go on with a handoff or an intake."""

    def name(self) -> Text:
        return "action_progress_stop"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if intent_of(tracker) in ("cancel", "goodbye"):
            dispatcher.utter_message(response="utter_progress_stopped")
        return reset() + [SlotSet(REQUESTED, None)]
