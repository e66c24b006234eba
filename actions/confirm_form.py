"""Step 4 of the script: read the case back, let the customer correct any field, then confirm.

The confirmation is a loop (``confirm_form``, one slot: ``confirmed``) so that every answer at
the read-back — "确认", "电话不对，是139…", "不对", "网点", "13912345678" — goes to one place,
this validator, and interruptions (cancel, a person, chit-chat) fall through to the same rules
as in the intake form. Its question, ``action_ask_confirmed``, is the read-back itself, or the
follow-up question while a correction is under way. An unusable new value is asked for again
with the intake form's own question, ``utter_ask_<field>``; Rasa renders a custom action's
response with the slots as they were before the action's own events, so the validator (which
runs earlier in the same turn) sets its ``ask_wording``.

Correction steps are kept in two bookkeeping slots: ``intake_stage`` ("confirming" /
"correcting") and ``correcting_field`` (the field whose new value we asked for).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.case_record import FIELD_LABELS, summary
from actions.classify import detect_flags
from actions.custom_forms import (
    CHITCHAT_INTENTS,
    INVALID,
    REASK_SLOT,
    RULE_INTENTS,
    WORDING_SLOT,
    ask_wording,
    is_fresh_user_turn,
    latest_intent,
    reask_state,
)
from actions.corrections import (
    has_value_attempt,
    fields_taken_back,
    named_fields,
    read_correction,
    typed_values,
)
from actions.intake_form import (
    classification_slots,
    drops_the_complaint,
    entity_values,
    is_more_complaint,
    is_question,
    message_text,
    message_words,
    today,
)

FORM = "confirm_form"
STAGE = "intake_stage"
CORRECTING = "correcting_field"

# The words decide when the NLU hesitates: "没问题了，提交吧" is a yes even if read as deny.
_YES = re.compile(r"没问题|没有问题|没错|对的|是的|确认|提交|可以了|就这样|都对|无误|没有要改|不用改")
_NO = re.compile(r"不对|不是|错了|有误|要改|修改|更正|不正确|不准确")


def derived_slots(slots: Dict[str, Any], values: Dict[str, Any]) -> Dict[str, Any]:
    """What else changes with a corrected field: classification, the compensation flag."""
    derived: Dict[str, Any] = {}
    updated = {**slots, **values}
    if "description" in values:
        derived.update(classification_slots(values["description"], slots))
    if "demand" in values or "description" in values:
        said = f"{updated.get('description') or ''}；{updated.get('demand') or ''}"
        derived["compensation_requested"] = detect_flags(said)["compensation_requested"]
    return derived


def _last_action(tracker: Tracker) -> Optional[str]:
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") not in (FORM, "action_listen", "action_extract_slots"):
            return event.get("name")
    return None


def _confirming() -> List[EventType]:
    return [SlotSet(STAGE, "confirming"), SlotSet(CORRECTING, None), SlotSet(REASK_SLOT, None)]


class ValidateConfirmForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_confirm_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if not is_fresh_user_turn(tracker, FORM):
            return []  # activation, or back from an interruption: the question is asked again
        intent = latest_intent(tracker)
        text = message_text(tracker)
        fields = named_fields(text, entity_values(tracker, "field"))
        if intent not in ("cancel", "escalate") and drops_the_complaint(text):
            # "钱到账了，那就不用投诉了，取消吧" at the read-back: whatever the NLU called it (a
            # story, a correction: "…用我手机转的…撤了吧", a person: "我直接去找行长…先不登记了"),
            # nothing is filed; a cancel intent and a threat keep their rules
            return [SlotSet(STAGE, None), SlotSet(CORRECTING, None), SlotSet(REASK_SLOT, None),
                    SlotSet("requested_slot", None), FollowupAction("action_cancel_intake")]
        if intent in RULE_INTENTS:
            return []
        slots = tracker.current_slot_values()
        if detect_flags(text)["confidential"] and not slots.get("confidential") and not _NO.search(text):
            # "别跟网点说是我投诉的" at the read-back asks for confidentiality, whatever field it
            # names and whatever the NLU calls it; the read-back then shows 是否保密：是
            return self._apply(dispatcher, slots, {"confidential": True}, "utter_kept_confidential")
        more = is_more_complaint(tracker)
        if intent in CHITCHAT_INTENTS and not more and (
            is_question(text) or not (fields or typed_values(text, today()))
        ):
            return []
        stage = slots.get(STAGE) or "confirming"
        pending = slots.get(CORRECTING)

        # "多收的是一千零八十，不是一千二，你给改一下": the figure on the read-back denied and another
        # given is a correction of that field, however much it also tells
        taken_back = [] if fields or pending else fields_taken_back(text, slots, today())
        if more and not fields and not taken_back:
            description = f"{slots.get('description') or ''}；{message_words(tracker)}".strip("；")
            return self._apply(dispatcher, slots, {"description": description}, "utter_detail_added")

        targets = fields or ([pending] if pending else []) or taken_back
        values = {f: v for f in targets if (v := read_correction(f, text, slots, today())) is not None}
        if not targets:
            values = typed_values(text, today())
        if values:
            return self._apply(dispatcher, slots, values, "utter_corrected")

        if targets:
            field = targets[0]
            if has_value_attempt(text):
                state = reask_state(tracker, field)
                state = {"slot": field, "count": int(state["count"]) + 1, "reason": INVALID}
                return [
                    SlotSet(STAGE, "correcting"),
                    SlotSet(CORRECTING, field),
                    SlotSet(REASK_SLOT, state),
                    # action_ask_confirmed asks with utter_ask_<field>, worded by this slot
                    SlotSet(WORDING_SLOT, ask_wording(field, state, domain)),
                ]
            return [SlotSet(STAGE, "correcting"), SlotSet(CORRECTING, field), SlotSet(REASK_SLOT, None)]

        says_yes = intent == "affirm" or bool(_YES.search(text))
        if _NO.search(text) and not re.search(r"没有要改|不用改", text):
            says_yes = False
        if says_yes:
            if stage == "correcting" and pending:
                return [SlotSet(STAGE, "correcting")]  # "好的" is not the new value: ask again
            if stage == "correcting" and intent != "affirm":
                return _confirming()  # "不用改了": read back again
            return [SlotSet("confirmed", True), SlotSet(REASK_SLOT, None)]
        if intent == "deny" and stage == "correcting":
            return _confirming()  # "算了不改了": read back again
        if intent in ("deny", "correct"):
            return [SlotSet(STAGE, "correcting"), SlotSet(CORRECTING, None), SlotSet(REASK_SLOT, None)]
        # not understood: ask the short confirmation question instead of the whole read-back
        state = reask_state(tracker, "confirmed")
        return [SlotSet(STAGE, stage), SlotSet(REASK_SLOT, {"slot": "confirmed", "count": int(state["count"]) + 1})]

    @staticmethod
    def _apply(
        dispatcher: CollectingDispatcher,
        slots: Dict[str, Any],
        values: Dict[str, Any],
        response: str,
    ) -> List[EventType]:
        values = {k: v for k, v in values.items() if v is not None}
        values.update(derived_slots(slots, values))
        if "confidential" not in values and any(
            detect_flags(str(v))["confidential"] for k, v in values.items() if k in ("description", "demand")
        ):
            values["confidential"] = True  # "…另外别让那个柜员知道是我" added to the story
        dispatcher.utter_message(response=response)
        return [SlotSet(k, v) for k, v in values.items()] + _confirming()


class ActionAskConfirmed(Action):
    """The read-back (名字、masked phone, category in plain Chinese, 保密) and "是否确认提交？";
    during a correction, the question that correction needs next."""

    def name(self) -> Text:
        return "action_ask_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        slots = tracker.current_slot_values()
        if slots.get(STAGE) == "correcting":
            field: Optional[str] = slots.get(CORRECTING)
            if not field:
                dispatcher.utter_message(response="utter_ask_which_field")
                return []
            if reask_state(tracker, field)["count"]:
                # worded by ask_wording, which validate_confirm_form set with the count
                dispatcher.utter_message(response=f"utter_ask_{field}")
            else:
                dispatcher.utter_message(response="utter_ask_correct_value", field_label=FIELD_LABELS[field])
            return []
        # back from chit-chat or a request for a person: the short question, not the whole case
        interrupted = not is_fresh_user_turn(tracker, FORM) and _last_action(tracker) != "action_propose"
        if interrupted or reask_state(tracker, "confirmed")["count"]:
            dispatcher.utter_message(response="utter_ask_confirm")
            return []
        dispatcher.utter_message(response="utter_read_back", case_summary=summary(slots))
        return [SlotSet(STAGE, "confirming")]
