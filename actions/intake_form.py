"""The intake form: which facts a case needs and how an answer is read.

``CASE_FIELDS`` is the one table that says which of branch / occurred_at / amount a kind of
complaint needs; everything else in the form follows from it. Reading values is parsing.py's
job; re-asking after a bad answer is custom_forms.py's. The questions themselves are the
``utter_ask_<slot>`` responses, which Rasa sends without calling this server: the validator's
``ask_wording`` slot picks their wording (custom_forms.py).
"""
from __future__ import annotations

import os
import re
from datetime import date, datetime
from typing import Any, Callable, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions import parsing
from actions.case_record import NAME_DECLINED
from actions.classify import case_kind, classify, detect_flags
from actions.corrections import named_fields, read_correction
from actions.custom_forms import (
    DECLINED,
    INVALID,
    ReaskingFormValidationAction,
    latest_intent,
)


# Which facts a case needs besides who the customer is and what they want (seed 001 分类).
# Keys are case kinds (actions.classify.case_kind): a category, or category/sub-kind.
CASE_FIELDS: Dict[str, Tuple[str, ...]] = {
    "transaction_dispute": ("occurred_at", "amount"),   # to find the transaction
    "staff_service": ("branch", "occurred_at"),         # who was on duty, where and when
    "business_operation": ("branch",),                  # which branch's process went wrong
    "product_service/fee": ("amount",),                 # which charge is disputed
    "product_service/atm": ("branch", "occurred_at"),   # which machine, when
    "product_service/wealth": ("branch", "amount"),     # where it was sold, how much is at stake
    "product_service/online": ("occurred_at",),         # app/system faults: when it happened
    "product_service": (),
    "other": (),
}
FORM_SLOTS = ("description", "customer_name", "phone", "branch", "occurred_at", "amount", "demand")

_NAME_DECLINE = re.compile(r"不方便|不想(说|告诉|透露|留)|不愿(意)?(说|透露|告诉)|不告诉|匿名|保密|不用(名字|姓名)")
_PHONE_DECLINE = re.compile(r"不想(留|给|说|告诉)|不方便|不愿(意)?(留|给|说)|不给|不留|保密|不能(给|留)")


def today() -> date:
    """The date relative dates ("昨天") are counted from: the server's local date, or the zone in
    INTAKE_TIMEZONE (e.g. Asia/Shanghai) when the server's clock runs on another zone."""
    zone = os.environ.get("INTAKE_TIMEZONE")
    if zone:
        try:
            from zoneinfo import ZoneInfo

            return datetime.now(ZoneInfo(zone)).date()
        except Exception:  # unknown zone or no tz database: fall back to the local date
            pass
    return date.today()


def required_fields(slots: Dict[str, Any]) -> List[str]:
    """The form's questions for this case, in the order they are asked."""
    kind = case_kind(slots.get("category"), slots.get("business_line"), slots.get("description") or "")
    fields = CASE_FIELDS.get(kind) or CASE_FIELDS.get(kind.split("/")[0], ())
    return ["description", "customer_name", "phone", *fields, "demand"]


def message_text(tracker: Tracker) -> str:
    return parsing.normalize((tracker.latest_message or {}).get("text") or "")


def message_words(tracker: Tracker) -> str:
    """The message as the customer wrote it (in Simplified characters), for free-text fields.

    ``latest_message`` holds the NLU's normalised text (half-width punctuation); the user
    event keeps what the customer typed.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return parsing.readable(event.get("text") or "")
    return parsing.readable((tracker.latest_message or {}).get("text") or "")


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    return [str(v) for v in tracker.get_latest_entity_values(entity) if v not in (None, "")]


# -- reading one field from a message ----------------------------------------------------------
# Each reader gets the normalised text, the NLU entities and whether the form has just asked
# for this field (lenient) or the customer mentions it in passing (strict).

def _read_name(text: str, entities: List[str], lenient: bool) -> Optional[str]:
    value = parsing.parse_name(text) if lenient else parsing.find_name(text)
    if value:
        return value
    for candidate in entities:
        candidate = parsing.normalize(candidate)
        if parsing.is_valid_name(candidate) and candidate in text:
            return candidate
    if lenient and _NAME_DECLINE.search(text):
        return NAME_DECLINED
    return None


def _read_phone(text: str, entities: List[str], lenient: bool) -> Optional[str]:
    return parsing.parse_phone(text) or next(filter(None, map(parsing.parse_phone, entities)), None)


def _read_branch(text: str, entities: List[str], lenient: bool) -> Optional[str]:
    # the customer's own words count as a branch only when they look like a place, not like
    # "金额不对，是两千五"
    free_text = lenient and not parsing.has_digits(text) and set(named_fields(text)) <= {"branch"}
    value = parsing.parse_branch(text, free_text=free_text) if lenient else parsing.find_branch(text)
    if value:
        return value
    for candidate in entities:
        value = parsing.parse_branch(candidate)
        if value:
            return value
    if lenient and parsing.says_not_known(text):
        return parsing.NOT_KNOWN
    return None


def _read_date(text: str, entities: List[str], lenient: bool) -> Optional[str]:
    now = today()
    value = parsing.parse_date(text, now) if lenient else parsing.find_date(text, now)
    if value:
        return value
    if lenient and parsing.says_not_known(text):
        return parsing.NOT_KNOWN
    return None


def _read_amount(text: str, entities: List[str], lenient: bool) -> Optional[float]:
    value = parsing.parse_amount(text) if lenient else parsing.find_amount(text)
    if value is None:
        value = next(filter(None, map(parsing.parse_amount, entities)), None)
    if value is None and lenient and parsing.says_not_known(text):
        return parsing.NOT_KNOWN  # type: ignore[return-value]
    return value


def _read_demand(text: str, entities: List[str], lenient: bool) -> Optional[str]:
    return parsing.parse_demand(text) if lenient else parsing.find_demand(text)


def _read_description(text: str, entities: List[str], lenient: bool) -> Optional[str]:
    return text.strip() if lenient and len(text.strip()) >= 2 else None


READERS: Dict[str, Tuple[str, Callable[[str, List[str], bool], Any]]] = {
    "customer_name": ("customer_name", _read_name),
    "phone": ("phone", _read_phone),
    "branch": ("branch", _read_branch),
    "occurred_at": ("occurred_at", _read_date),
    "amount": ("amount", _read_amount),
    "demand": ("", _read_demand),
    "description": ("", _read_description),
}


def read_field(slot: str, tracker: Tracker, lenient: bool) -> Any:
    entity, reader = READERS[slot]
    # free text is stored as the customer wrote it; values are parsed from the normalised text
    free_text = slot == "description" or (slot == "demand" and lenient)
    text = message_words(tracker) if free_text else message_text(tracker)
    return reader(text, entity_values(tracker, entity) if entity else [], lenient)


_QUESTION = re.compile(r"[吗呢？?]|怎么|什么|为什么|为啥|几点|多少|哪里|能不能|可不可以|是不是")


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(text))


# how a customer goes on with the story instead of answering: "而且…", "还有…", "另外…"
_ADDS_TO_STORY = re.compile(r"^\W*(而且|还有|另外|并且|再说|况且|更(过分|离谱|可气)的是|不光|不仅)")


def adds_to_story(text: str) -> bool:
    return bool(_ADDS_TO_STORY.match(text or ""))


def is_more_complaint(tracker: Tracker) -> bool:
    """More about what happened: a complaint, or "chit-chat" that names a complaint topic
    ("他还让保安把我赶出去" is not small talk, whatever the NLU says)."""
    intent = latest_intent(tracker)
    if intent == "complain":
        return True
    if intent == "out_of_scope":
        category, _, priority = classify(message_text(tracker))
        return category != "other" or priority == "high"
    return False


def classification_slots(description: str, slots: Dict[str, Any]) -> Dict[str, Any]:
    """category/business_line/priority for a description; priority never drops back to normal."""
    category, business_line, priority = classify(description)
    if slots.get("priority") == "high":
        priority = "high"
    return {"category": category, "business_line": business_line, "priority": priority}


class ValidateIntakeForm(ReaskingFormValidationAction):
    def name(self) -> Text:
        return "validate_intake_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        # The questions for this kind of case, then any other fact the customer already gave:
        # those are validated and kept, so a later change of category never asks for them.
        required = required_fields(tracker.slots)
        return required + [s for s in FORM_SLOTS if s not in required and tracker.slots.get(s) is not None]

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        # Every fact a message states is read, not only the ones this kind of case needs: the
        # message may also change the kind of case ("…在朝阳路支行排了两小时队").
        events: List[EventType] = []
        for slot in FORM_SLOTS:
            found = await self._extract_slot(slot, dispatcher, tracker, domain)
            tracker.slots.update(found)
            events += [SlotSet(k, v) for k, v in found.items()]
        return events

    # -- extraction: one method per slot, as rasa_sdk expects ---------------------------------
    def _extract(self, slot: str, tracker: Tracker) -> Dict[str, Any]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        text = message_text(tracker)
        if latest_intent(tracker) == "correct" and slot in named_fields(text, entity_values(tracker, "field")):
            # "电话说错了，是139…" in the middle of the form: the value after the field name
            value = read_correction(slot, text, tracker.slots, today())
            return {slot: value} if value is not None else {}
        lenient = slot == requested
        if slot == "demand" and lenient and (self._other_facts_in_message(tracker) or adds_to_story(text)):
            # "我叫王建国" or "而且叫号系统一直坏着" in answer to the demand question is a name or
            # more of the complaint. Anything else is the demand: answer-first, a free-text
            # answer is taken as said ("把两千八给我补到账上" reads like more of the complaint to
            # the NLU, and refusing it three times ended in a handoff nobody asked for)
            lenient = False
        if not lenient and tracker.get_slot(slot) is not None and latest_intent(tracker) != "correct":
            return {}  # said in passing: fill gaps, never overwrite without a correction
        value = read_field(slot, tracker, lenient)
        return {slot: value} if value is not None else {}

    @staticmethod
    def _other_facts_in_message(tracker: Tracker) -> bool:
        """The message gives a fact the form still lacks ("我叫王建国" to the demand question).
        A fact already known is part of the demand ("把两千八给我补到账上", "周末多开窗口")."""
        return any(
            tracker.get_slot(slot) is None and read_field(slot, tracker, lenient=False) is not None
            for slot in ("customer_name", "phone", "branch", "occurred_at", "amount")
        ) and not parsing.find_demand(message_text(tracker))

    def extract_description(self, dispatcher, tracker, domain):
        return self._extract("description", tracker)

    def extract_customer_name(self, dispatcher, tracker, domain):
        return self._extract("customer_name", tracker)

    def extract_phone(self, dispatcher, tracker, domain):
        return self._extract("phone", tracker)

    def extract_branch(self, dispatcher, tracker, domain):
        return self._extract("branch", tracker)

    def extract_occurred_at(self, dispatcher, tracker, domain):
        return self._extract("occurred_at", tracker)

    def extract_amount(self, dispatcher, tracker, domain):
        return self._extract("amount", tracker)

    def extract_demand(self, dispatcher, tracker, domain):
        return self._extract("demand", tracker)

    # -- validation: values may come pre-filled from the opening message ----------------------
    def validate_description(self, value, dispatcher, tracker, domain):
        if not isinstance(value, str) or len(value.strip()) < 2:
            return {"description": None}
        return {"description": value, **classification_slots(value, tracker.slots)}

    def validate_customer_name(self, value, dispatcher, tracker, domain):
        if value == NAME_DECLINED:
            return {"customer_name": value}
        name = parsing.normalize(str(value)) if value else ""
        if not parsing.is_valid_name(name):
            name = parsing.parse_name(name) or ""
        return {"customer_name": name or None}

    def validate_phone(self, value, dispatcher, tracker, domain):
        phone = value if parsing.is_valid_phone(value) else parsing.parse_phone(str(value or ""))
        return {"phone": phone}

    def validate_branch(self, value, dispatcher, tracker, domain):
        if value == parsing.NOT_KNOWN or parsing.is_valid_branch(value):
            return {"branch": value}
        return {"branch": None}

    def validate_occurred_at(self, value, dispatcher, tracker, domain):
        if value == parsing.NOT_KNOWN or parsing.is_valid_date(value, today()):
            return {"occurred_at": value}
        return {"occurred_at": parsing.parse_date(str(value or ""), today())}

    def validate_amount(self, value, dispatcher, tracker, domain):
        if value == parsing.NOT_KNOWN:
            return {"amount": value}
        if parsing.is_valid_amount(value):
            return {"amount": float(value)}
        return {"amount": parsing.parse_amount(str(value or ""))}

    def validate_demand(self, value, dispatcher, tracker, domain):
        if not parsing.is_valid_demand(value):
            return {"demand": None}
        slots: Dict[str, Any] = {"demand": value}
        if detect_flags(value)["compensation_requested"]:
            slots["compensation_requested"] = True
        return slots

    # -- re-ask hooks -------------------------------------------------------------------------
    def answers_requested_slot(self, slot: Optional[str], tracker: Tracker) -> bool:
        text = message_text(tracker)
        if is_question(text):  # "今天天气怎么样" holds a date but answers nothing
            return False
        if slot in ("phone", "amount"):
            return parsing.has_digits(text) or read_field(slot, tracker, lenient=False) is not None
        if slot in ("customer_name", "branch", "occurred_at"):
            return read_field(slot, tracker, lenient=False) is not None
        if slot == "demand":
            # a free-text answer: whatever the NLU calls it ("能不能把钱拦下来" is no small talk),
            # except a greeting, thanks or goodbye on its own
            return latest_intent(tracker) not in ("greet", "thank", "goodbye") and not adds_to_story(text)
        return False

    def is_more_complaint(self, tracker: Tracker) -> bool:
        return is_more_complaint(tracker)

    def failure_reason(self, slot: str, tracker: Tracker) -> str:
        if slot == "phone" and _PHONE_DECLINE.search(message_text(tracker)):
            return DECLINED
        return INVALID

    async def extra_events(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        filled: Dict[str, Any],
    ) -> List[EventType]:
        text = message_text(tracker)
        words = message_words(tracker)
        events: List[EventType] = []
        for flag, raised in detect_flags(text).items():
            if raised and not tracker.get_slot(flag):
                events.append(SlotSet(flag, True))
        requested = tracker.get_slot(REQUESTED_SLOT)
        if latest_intent(tracker) == "correct" and set(filled) - {requested, "description"}:
            dispatcher.utter_message(response="utter_corrected")
        if (
            is_more_complaint(tracker)
            and requested != "description"
            and requested not in filled
            and text
        ):
            # more about what happened, not an answer: add it to the complaint, then ask again
            description = tracker.get_slot("description") or ""
            if words not in description:
                description = f"{description}；{words}" if description else words
                events.append(SlotSet("description", description))
                events += [SlotSet(k, v) for k, v in classification_slots(description, tracker.slots).items()]
            dispatcher.utter_message(response="utter_detail_added")
        return events

