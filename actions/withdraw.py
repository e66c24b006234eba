"""撤诉 in the chat (issue 14): "投诉我不要了，撤回吧" → which case → the last four digits of the phone
→ "确认撤回吗？" → the case desk withdraws it.

The regulator's rules let a customer withdraw a complaint; seed 003 asks that the customer's wish
be respected and recorded. The check is the progress lookup's (the case number, or the case this
conversation filed, or "最近那次", then the phone's last four digits, verified at the case desk,
wrong tries counted together with lookups), so the form reuses the lookup's slots and reading;
only the confirmation is its own. The desk confirms a withdrawal with a notice on the customer's
own channel, so a withdrawal somebody else made is noticed.

``validate_withdraw_form``   the lookup's reading of the number and the digits, then yes or no.
                             A message that answers nothing three times ends the form: a case is
                             never withdrawn without a clear yes.
``action_withdraw_complaint`` asks the case desk and says what happened; a decided case cannot be
                             withdrawn and the customer is told where to turn instead. A case
                             still in the outbox (filed while the desk was down) is checked
                             against the digits here and its withdrawal queued behind it
                             (actions/outbox.py): it reaches the desk once the case has its number.

Every word is a response in bot/domain/withdraw.yml; rules in data/rules/withdraw.yml.
"""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import progress
from actions.casedesk_client import CaseDeskClient, CaseDeskError
from actions.outbox import DELIVERED, WITHDRAW_PREFIX, Deliverer, deliverer

logger = logging.getLogger(__name__)

CONFIRMED, REASON, LABEL = "withdraw_confirmed", "withdraw_reason", "withdraw_case_label"
FORM = "withdraw_form"
MAX_REASON = 200

# The answer to "确认撤回吗": the words decide, the NLU's affirm/deny only when the words say
# nothing. A no is read first: "不撤了", "先不撤", "还是继续处理吧", "算了不撤" keep the complaint;
# "算了" alone is a no too (it drops the withdrawal, the gentler reading).
_NO = re.compile(
    r"不(?:要|用|想|打算)?(?:再)?撤|先不|别撤|莫撤|唔撤|冇撤|不撤|继续(?:处理|跟进|办|查)|还是(?:要)?(?:处理|投诉|查)|"
    r"再(?:想想|考虑|等等)|不(?:确认|同意|行|可以|好|对|是)|^\W*(?:不|否|不是|不用|不要|没有|no|算了|取消)\W*$",
    re.IGNORECASE,
)
_YES = re.compile(
    r"确认|確認|确定|確定|撤(?:回|销|銷|了|吧|啦|咗|诉|訴)?|是的|对的|對|好的|可以|行|嗯(?![？?])|冇问题|没问题|沒問題|"
    r"^\W*(?:是|对|好|yes|ok|y)\W*$",
    re.IGNORECASE,
)


def read_confirmation(text: str, intent: Optional[str]) -> Optional[bool]:
    """True for a yes, False for a no, None when the answer says neither."""
    if _NO.search(text):
        return False
    if _YES.search(text):
        return True
    if intent == "affirm":
        return True
    if intent in ("deny", "cancel"):
        return False
    return None


def case_label(case_no: Optional[str]) -> str:
    """The case as the confirmation names it."""
    if case_no and case_no not in (progress.LATEST, progress.GAVE_UP):
        return f"编号为 {case_no} 的投诉"
    return "您在这里最近登记的那件投诉"


def _slot_after(events: List[EventType], slot: str, tracker: Tracker) -> Any:
    for event in reversed(events):
        if event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return tracker.get_slot(slot)


class ValidateWithdrawForm(progress.ValidateProgressForm):
    FORM = FORM
    # asking again to withdraw, while asked which case, answers nothing: asked again
    LEAVING = progress.LEAVING - {"withdraw_complaint"}

    def name(self) -> Text:
        return "validate_withdraw_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        requested = tracker.get_slot(progress.REQUESTED)
        active = (tracker.active_loop or {}).get("name") == FORM
        retry = bool(tracker.get_slot(progress.RETRY))
        if active and requested == CONFIRMED and not retry:
            return self._confirmation(tracker)
        events = await super().run(dispatcher, tracker, domain)
        # the form's first turn: Rasa sets the loop active before validating, so no slot asked
        # yet tells it (as in the lookup's own opening)
        opening = not active or requested not in (progress.CASE, progress.LAST4, CONFIRMED)
        if opening and not retry:
            # the message that asked for the withdrawal: its words are the customer's reason
            events += [SlotSet(CONFIRMED, None), SlotSet(REASON, progress.said(tracker)[:MAX_REASON])]
        return events + [SlotSet(LABEL, case_label(_slot_after(events, progress.CASE, tracker)))]

    def _confirmation(self, tracker: Tracker) -> List[EventType]:
        answer = read_confirmation(progress.said(tracker), progress.intent_of(tracker))
        if answer is not None:
            return [SlotSet(CONFIRMED, answer), SlotSet(progress.TRIES, 0)]
        if progress.intent_of(tracker) in self.LEAVING - {"cancel"}:
            return []  # a person, a threat, a new complaint, goodbye: the rules take the turn
        tries = int(tracker.get_slot(progress.TRIES) or 0) + 1
        if tries >= progress.MAX_TRIES:
            # never withdrawn without a clear yes: the form ends and the complaint goes on
            return [SlotSet(CONFIRMED, False), SlotSet(progress.TRIES, tries), SlotSet(progress.REQUESTED, None)]
        return [SlotSet(progress.TRIES, tries), SlotSet(progress.WORDING, "reask"), SlotSet(progress.REQUESTED, CONFIRMED)]


def reset() -> List[EventType]:
    return progress.reset() + [SlotSet(CONFIRMED, None), SlotSet(REASON, None), SlotSet(LABEL, None)]


class ActionWithdrawComplaint(Action):
    def __init__(self, client: Optional[CaseDeskClient] = None, outbox: Optional[Deliverer] = None) -> None:
        self.client = client or CaseDeskClient()
        self._deliverer = outbox

    def name(self) -> Text:
        return "action_withdraw_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        case_no, last4 = tracker.get_slot(progress.CASE), tracker.get_slot(progress.LAST4)
        if case_no == progress.GAVE_UP or not last4:
            dispatcher.utter_message(response="utter_withdraw_gave_up")
            return reset()
        if tracker.get_slot(CONFIRMED) is not True:
            dispatcher.utter_message(response="utter_withdraw_kept")
            return reset()
        body: Dict[str, Any] = {"conversation_id": tracker.sender_id, "phone_last4": last4}
        if case_no and case_no != progress.LATEST:
            body["case_no"] = case_no
        reason = (tracker.get_slot(REASON) or "").strip()
        if reason:
            body["reason"] = reason[:MAX_REASON]
        if case_no in (None, progress.LATEST) and tracker.get_slot("filing_status") == "pending":
            queued = await self._queue_behind_the_case(dispatcher, tracker, last4, body.get("reason"))
            if queued is not None:
                return queued
        try:
            status, answer = await self.client.withdraw_complaint(body)
        except CaseDeskError as exc:
            logger.warning("withdrawal failed: %s", exc)
            dispatcher.utter_message(response="utter_withdraw_unavailable")
            return reset()
        error = answer.get("error")
        if status == 200 and answer.get("withdrawn"):
            dispatcher.utter_message(response="utter_withdrawn", case_no=answer["case_no"])
            return reset()
        if status == 409 and error == "already_decided":
            dispatcher.utter_message(response="utter_withdraw_too_late", case_no=answer.get("case_no") or "",
                                     status_label=answer.get("status_label") or "")
            return reset()
        if status == 403 and error == "verification_failed":
            dispatcher.utter_message(response="utter_progress_not_verified",
                                     attempts_left=answer.get("attempts_left") or 1)
            return [SlotSet(progress.LAST4, None), SlotSet(progress.RETRY, True)]
        if status == 429:
            minutes = progress.minutes_left(answer.get("locked_until"), answer.get("retry_after_seconds"))
            dispatcher.utter_message(response="utter_progress_locked", minutes=minutes)
            return reset()
        if status == 404 and error == "no_case_in_conversation":
            dispatcher.utter_message(response="utter_progress_no_case_here")
            return [SlotSet(progress.CASE, None), SlotSet(progress.RETRY, True)]
        logger.warning("withdrawal: case desk answered %s %s", status, error)
        dispatcher.utter_message(response="utter_withdraw_unavailable")
        return reset()


    async def _queue_behind_the_case(self, dispatcher: CollectingDispatcher, tracker: Tracker, last4: str,
                                     reason: Optional[str]) -> Optional[List[EventType]]:
        """The case this conversation filed while the desk was down, still in the outbox: its
        withdrawal waits there behind it. None when the case has reached the desk meanwhile
        (then the desk is asked as for any case)."""
        d = self._deliverer or deliverer()
        intake_id = tracker.get_slot("intake_id")
        case = await asyncio.to_thread(d.outbox.get, (tracker.sender_id, intake_id)) if intake_id else None
        if case is None or case.status == DELIVERED:
            return None
        # the digits checked here, against the phone the case was filed with, as the desk would
        if re.sub(r"\D", "", str(case.payload.get("phone") or ""))[-4:] != last4:
            dispatcher.utter_message(response="utter_withdraw_pending_not_verified")
            return reset()
        payload: Dict[str, Any] = {"conversation_id": tracker.sender_id, "intake_id": intake_id,
                                   "phone_last4": last4}
        if reason:
            payload["reason"] = reason
        try:
            answer, _ = await d.submit(payload, (tracker.sender_id, f"{WITHDRAW_PREFIX}{intake_id}"))
        except Exception:  # the outbox itself failed (disk): nothing was promised yet
            logger.exception("outbox unavailable, withdrawal of %s not stored", intake_id)
            dispatcher.utter_message(response="utter_withdraw_unavailable")
            return reset()
        if answer is not None and answer.get("withdrawn"):
            dispatcher.utter_message(response="utter_withdrawn", case_no=answer["case_no"])
        else:
            dispatcher.utter_message(response="utter_withdraw_queued")
        return reset()


class ActionWithdrawStop(Action):
    """The customer left the withdrawal (a person, a new complaint, goodbye): forget it; the
    complaint goes on. Says so only for goodbye; the rules go on with a handoff or an intake."""

    def name(self) -> Text:
        return "action_withdraw_stop"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if progress.intent_of(tracker) in ("cancel", "goodbye"):
            dispatcher.utter_message(response="utter_withdraw_kept")
        return reset() + [SlotSet(progress.REQUESTED, None)]
