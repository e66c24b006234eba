"""The number a colleague calls back on (issue 15, honest waits; bot/domain/callback.yml).

When nobody can take over soon, the case desk turns the handoff into a call-back and the bot
offers it (actions/handoff.py; or the desk itself, through Rasa, for a customer who went quiet).
Then one question, ``callback_form``: "回电会打到您登记的 138****5678，这个号码方便接听吗？"
(or, with no number known, "请留一个方便接听的电话号码"). This validator reads every answer —
it never hands the turn back, so a new outburst or "我就要人工" is answered here too (the
colleague is busy; the call-back stands):

* a number anywhere in the message → that number (another one, or the first one given);
* yes (可以、对、好的、谢谢) to a number read back → the number on file;
* no (不对、不方便、换一个) → asked for another number;
* "不用回电了", goodbye, or a third answer that settles nothing → the number on file is kept
  (or none), and the customer hears how to reach the hotline.

``action_confirm_callback`` then tells the case desk (``POST /api/callbacks/{id}/confirm``,
through the durable outbox: a desk outage loses no number, a retry changes nothing twice) and
closes with the number read back masked and the hotline.
"""
from __future__ import annotations

import logging
import re
import uuid
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import parsing
from actions.custom_forms import GIVE_UP_AFTER, REASK_SLOT, is_fresh_user_turn, latest_intent, reask_state
from actions.outbox import REJECTED, deliverer

logger = logging.getLogger(__name__)

FORM = "callback_form"
NUMBER_SLOT = "callback_number"
WORDING_SLOT = "callback_wording"
MASKED_SLOT = "callback_phone_masked"
# callback_number's values besides a number
ON_FILE, UNCONFIRMED = "on_file", "unconfirmed"

# The words decide when the NLU hesitates; "不对" is read before "对".
_NO = re.compile(r"不对|不是|不行|不方便|不能|不太方便|换一?个|换号|别打|不要打|打不通|停机|没信号|不用这个|不用那个|错了")
_YES = re.compile(r"可以|好的|好啊|好吧|^好|行|对|是的|没问题|方便|嗯|就这个|打这个|ok|OK|没错")
_DECLINE = re.compile(r"不用回电|不需要回电|不要回电|别回电|不用打电话|不用给我打|不用联系|算了|不用了")
_ASKS_FOR_PERSON = frozenset({"request_human", "escalate"})


def callback_key(request_id: str) -> str:
    """The outbox key of a confirmation (cases use their intake_id, handoffs handoff:…)."""
    return f"callback:{request_id}"


def _timestamp(tracker: Tracker) -> Optional[float]:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            try:
                return float(event["timestamp"])
            except (KeyError, TypeError, ValueError):
                return None
    return None


def read_answer(text: str, intent: Optional[str], has_number: bool, asked_to_confirm: bool) -> Dict[str, Any]:
    """What one message says about the number: {"number": digits} | {"yes": True} |
    {"no": True} | {"decline": True} | {} (nothing usable)."""
    number = parsing.parse_phone(text)
    if number:
        return {"number": number}
    if intent in _ASKS_FOR_PERSON:
        # "我不要回电，我现在就要人工": not a refusal of the call, a plea for a person now
        return {}
    if _DECLINE.search(text) or intent in ("cancel", "goodbye"):
        return {"decline": True}
    if asked_to_confirm and has_number:
        if _NO.search(text) or intent == "deny":
            return {"no": True}
        if _YES.search(text) or intent in ("affirm", "thank"):
            return {"yes": True}
    return {}


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_callback_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if not is_fresh_user_turn(tracker, FORM):
            return []  # activation: the question is asked, nothing to read yet
        slots = tracker.current_slot_values()
        masked = slots.get(MASKED_SLOT)
        wording = slots.get(WORDING_SLOT) or ("confirm" if masked else "ask")
        asked_to_confirm = wording.endswith("confirm")
        intent = latest_intent(tracker)
        text = parsing.normalize((tracker.latest_message or {}).get("text") or "")
        answer = read_answer(text, intent, bool(masked), asked_to_confirm)

        if "number" in answer:
            number = answer["number"]
            new_mask = parsing.mask_phone(number)
            changed = bool(masked) and new_mask != masked
            return [SlotSet(NUMBER_SLOT, number), SlotSet(MASKED_SLOT, new_mask),
                    SlotSet(WORDING_SLOT, "changed" if changed else None), SlotSet(REASK_SLOT, None)]
        if "yes" in answer:
            return [SlotSet(NUMBER_SLOT, ON_FILE), SlotSet(WORDING_SLOT, None), SlotSet(REASK_SLOT, None)]
        if "decline" in answer:
            return [SlotSet(NUMBER_SLOT, UNCONFIRMED), SlotSet(WORDING_SLOT, None), SlotSet(REASK_SLOT, None)]
        if "no" in answer:
            # that number is not the one: ask for another (a fresh question, not a failure)
            return [SlotSet(WORDING_SLOT, "ask"), SlotSet(REASK_SLOT, None)]

        count = int(reask_state(tracker, NUMBER_SLOT)["count"]) + 1
        if count >= GIVE_UP_AFTER:
            # no question a fourth time: the number on file stands (or none), the hotline is told
            return [SlotSet(NUMBER_SLOT, UNCONFIRMED), SlotSet(WORDING_SLOT, None), SlotSet(REASK_SLOT, None)]
        kind = "busy" if intent in _ASKS_FOR_PERSON else "reask"
        return [
            SlotSet(REASK_SLOT, {"slot": NUMBER_SLOT, "count": count}),
            SlotSet(WORDING_SLOT, f"{kind}_{'confirm' if asked_to_confirm else 'ask'}"),
        ]


def confirm_request(tracker: Tracker, value: str) -> Optional[Dict[str, Any]]:
    """The body of ``POST /api/callbacks/{id}/confirm`` (docs/casedesk.md, "Call-backs")."""
    raw_id = str(tracker.get_slot("callback_id") or "")
    if not raw_id.isdigit():
        return None
    body: Dict[str, Any] = {
        "conversation_id": tracker.sender_id,
        "callback_id": int(raw_id),
        "request_id": uuid.uuid4().hex,
    }
    said = _timestamp(tracker)
    if said is not None:
        body["said_at"] = said
    if value == ON_FILE:
        body["confirmed"] = True
    elif value == UNCONFIRMED:
        body["confirmed"] = False
    else:
        body["phone"] = value
    return body


class ActionConfirmCallback(Action):
    """The form is done: the answer to the case desk, then the closing line — the number
    masked, when the colleague calls, the hotline."""

    def name(self) -> Text:
        return "action_confirm_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        value = str(tracker.get_slot(NUMBER_SLOT) or UNCONFIRMED)
        slots = tracker.current_slot_values()
        said = {k: slots.get(k) for k in ("case_no", "callback_promise", "callback_hotline", MASKED_SLOT)}
        body = confirm_request(tracker, value)
        stored = False
        if body is not None:
            d = deliverer()
            d.ensure_started()
            try:
                _, entry = await d.submit(body, (body["conversation_id"], callback_key(body["request_id"])))
                stored = entry.status != REJECTED
            except Exception:  # the outbox itself failed (disk): say so rather than pretend
                logger.exception("callback confirmation not stored")
        if not stored:
            dispatcher.utter_message(response="utter_callback_failed", **said)
        elif value == UNCONFIRMED:
            has_number = bool(said[MASKED_SLOT])
            dispatcher.utter_message(response="utter_callback_kept" if has_number else "utter_callback_no_number", **said)
        else:
            dispatcher.utter_message(response="utter_callback_confirmed", **said)
        logger.info("callback %s answered: %s", slots.get("callback_id"), "number" if value not in (ON_FILE, UNCONFIRMED) else value)
        return [
            SlotSet(NUMBER_SLOT, None),
            SlotSet(WORDING_SLOT, None),
            SlotSet(REASK_SLOT, None),
        ]
