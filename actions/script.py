"""The de-escalation script (seed 000: 先处理感情，再处理事情), as actions, in conversation order:

1. ``action_start_intake``  a complaint arrives: read everything it already says, classify it,
                            open a new intake. The apology is ``utter_apologize``, which the rule
                            runs right after this action and before the form's first question;
                            its wording follows the severity (the ``priority`` slot: a fund-safety
                            case is not apologised for like a queue).
   ``advise_on_fund_safety`` a scam, an unauthorised debit or a lost card: the bank's safety
                            advice (110, freeze or 挂失 through the hotline, keep the evidence, no
                            more transfers) and the 1 h contact, once per intake, in the turn the
                            case becomes one (bot/domain/triage.yml; the form's validator calls it).
2. ``intake_form``          asks only what is missing (intake_form.py).
3. ``action_propose``       the next step and the time commitment; never a promised outcome.
4. ``confirm_form``         reads the case back (phone masked) and asks "是否确认提交？"; a
                            correction changes just that field and reads back (confirm_form.py).
5. ``action_file_case``     outbox first, then the case desk; the case number, thanks, a rating.
   ``action_record_rating`` the optional 1–5 rating.
Any time: ``action_cancel_intake`` (nothing is filed), ``action_handoff`` (a person takes over,
actions/handoff.py).

Every word the customer sees is a response in bot/domain/intake.yml, in the same order (the
fund-safety advice: bot/domain/triage.yml).
"""
from __future__ import annotations

import logging
import re
import uuid
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import parsing
from actions.case_record import build_payload, build_transcript, channel_of
from actions.classify import classify
from actions.custom_forms import REASK_SLOT, latest_intent
from actions.intake_form import (
    BRANCH_SAID,
    BRANCH_SUGGESTION,
    FORM_SLOTS,
    OCCURRED_HINT,
    classification_slots,
    entity_values,
    message_text,
    message_words,
    today,
)
from actions.outbox import RATING_PREFIX, REJECTED, Deliverer, deliverer
from actions.triage import FUND_SAFETY, advise_on_fund_safety
from bot.withdrawal import declines, names_a_complaint

UNCLEAR_SLOT = "unclear_complaint"  # set by actions/unclear.py to start an intake; cleared here

logger = logging.getLogger(__name__)

STAGE = "intake_stage"  # confirming | correcting | rating; bookkeeping, rules do not read it
CORRECTING = "correcting_field"
CASE_SLOTS = (
    *FORM_SLOTS, "confidential", "compensation_requested", "category", "business_line",
    "priority", "intake_id", "case_no", "filing_status", "confirmed", FUND_SAFETY, UNCLEAR_SLOT,
    BRANCH_SUGGESTION, BRANCH_SAID, OCCURRED_HINT,
)


def reset_intake() -> List[EventType]:
    """Forget the intake: every case slot and every bit of bookkeeping."""
    flags = ("confidential", "compensation_requested")
    events: List[EventType] = [SlotSet(slot, False if slot in flags else None) for slot in CASE_SLOTS]
    events += [SlotSet(slot, None) for slot in (STAGE, REASK_SLOT, CORRECTING, "satisfaction")]
    return events


_FILLER = re.compile(
    r"我要投诉|我想投诉|要投诉|想投诉|投诉一下|投诉|我要反映|反映一下|反映|我要|我想|你好|您好|请问|"
    r"我叫|我是|名字|姓名|电话|手机|号码|联系方式|"
    r"一下|问题|你们|银行|贵行|这个|那个|一个|个|的|了|啊|呀|吧|呢|哦|嗯|"
    # exasperation that tells no story yet ("你们这银行到底怎么回事啊！！！")
    r"到底|究竟|怎么回事|咋回事|怎么搞的|搞什么|搞乜嘢?|什么情况|怎么办事|是怎么|这是|这|真是|服了|"
    r"能不能|给个说法|靠点谱|管不管|又是这样|怎么又|"
    # a hunch with nothing in it yet ("我想问一下你们这个是怎么回事啊，我觉得不太对劲")
    r"想问|问问|问|回事|我觉得|觉得|感觉|好像|似乎|有点|不太对劲|不对劲|不太对|怪怪的|奇怪|…|"
    # an errand announced, not told ("我有点事想跟你们反映一下")
    r"有(?:点|件|个|一件|一个)?事(?:情|儿)?|想跟|想和|想找|跟你们|说一下|说说|"
    # not knowing how to put it ("我有点事想反映一下，也不知道该怎么说")
    r"(?:也|都)?不知(?:道)?(?:该|要)?(?:怎么|如何|从哪|从何)(?:说|讲|开口|说起|讲起)|怎么说呢|[\s\W_\d]"
)


def is_substantive(text: str, found: Dict[str, Any]) -> bool:
    """Does the message say what happened, or only that the customer wants to complain (or who
    they are)? What was read as name, branch or demand does not count as a description."""
    category, _, priority = classify(text)
    if category != "other" or priority == "high":
        return True
    rest = text
    for key in ("customer_name", "branch", "demand"):
        if isinstance(found.get(key), str):
            rest = rest.replace(found[key], "")
    return len(_FILLER.sub("", rest)) >= 6 or bool(found.get("demand"))


# -- 1. a complaint arrives ---------------------------------------------------------------------

class ActionStartIntake(Action):
    def name(self) -> Text:
        return "action_start_intake"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        deliverer().ensure_started()
        text = message_text(tracker)
        found = parsing.extract_all(text, today())
        if not found["customer_name"]:
            # the NLU's name only where a name stands: at the start ("王建国，卡里少了五千"), not
            # inside a place ("在你们钟楼支行…"); a lone surname only before a pause ("王，…"), not
            # a word opening the story ("钱被扣走了")
            start = text.lstrip(" ，,。")
            found["customer_name"] = next(
                (n for n in map(parsing.normalize, entity_values(tracker, "customer_name"))
                 if parsing.is_valid_name(n) and start.startswith(n)
                 and (len(n) >= 2 or re.match(r"[\s，,。:：]", start[len(n):len(n) + 1] or "x"))),
                None,
            )
        if parsing.rough_amount(text):
            found["amount"] = None  # "里面还有三万多", "每月扣29": asked, not taken
        if found.get("demand") and found.get("occurred_at"):
            # "我希望今天就把卡退给我": a date inside what the customer wants is no date of the event
            story = text
            for clause in str(found["demand"]).split("；"):
                story = story.replace(clause, "，")
            found["occurred_at"] = parsing.find_date(story, today())
        if parsing.is_period(found.get("occurred_at")):
            # "上个月…": a rough time is a clue; the form still asks for the day, and files the
            # rough time if the customer cannot say (actions/intake_form.py)
            found[OCCURRED_HINT], found["occurred_at"] = found["occurred_at"], None
        slots: Dict[str, Any] = {k: v for k, v in found.items() if v not in (None, False)}
        if tracker.get_slot("filing_status"):
            # a second complaint in the same conversation: who the customer is was already said
            for key in ("customer_name", "phone"):
                if not slots.get(key) and tracker.get_slot(key):
                    slots[key] = tracker.get_slot(key)
        slots["intake_id"] = str(uuid.uuid4())
        slots.update(classification_slots(text, {}))
        if is_substantive(text, found):
            slots["description"] = message_words(tracker)
        # else ("我要投诉", or only a name): the form asks what happened first
        return reset_intake() + [SlotSet(k, v) for k, v in slots.items()]


# -- 3. propose -----------------------------------------------------------------------------------

class ActionPropose(Action):
    def name(self) -> Text:
        return "action_propose"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        # a fund-safety case whose advice was not given yet (the case became one without passing
        # the form's validator): the advice now, before the timeline — never a second time
        events = [
            SlotSet(slot, value)
            for slot, value in advise_on_fund_safety(
                dispatcher, tracker.get_slot("description"), tracker.current_slot_values()
            ).items()
        ]
        if tracker.get_slot("priority") == "high":
            dispatcher.utter_message(response="utter_propose_urgent")
        else:
            dispatcher.utter_message(response="utter_propose")
        if tracker.get_slot("compensation_requested"):
            dispatcher.utter_message(response="utter_compensation_noted")
        if tracker.get_slot("confidential"):
            dispatcher.utter_message(response="utter_confidential_noted")
        return events


# -- 4. confirm: confirm_form.py (the read-back is that loop's question) ------------------------

# -- 5. file --------------------------------------------------------------------------------------

class ActionFileCase(Action):
    def name(self) -> Text:
        return "action_file_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        slots = tracker.current_slot_values()
        if not slots.get("intake_id"):
            dispatcher.utter_message(response="utter_how_can_i_help")
            return [SlotSet(STAGE, None)]
        payload = build_payload(
            slots,
            conversation_id=tracker.sender_id,
            channel=channel_of(tracker.get_latest_input_channel()),
            transcript=build_transcript(tracker.events),
        )
        d = deliverer()
        d.ensure_started()
        try:
            answer, row = await d.submit(payload, (payload["conversation_id"], payload["intake_id"]))
        except Exception:
            logger.exception("outbox unavailable, case %s not stored", payload["intake_id"])
            dispatcher.utter_message(response="utter_filing_failed")
            return [SlotSet("confirmed", None)]
        if row.status == REJECTED:
            # the case desk will never take this payload: say so rather than "recorded"
            dispatcher.utter_message(response="utter_filing_failed")
            return [SlotSet("confirmed", None)]
        case_no = answer.get("case_no") if answer else None

        events: List[EventType] = [SlotSet(STAGE, "rating"), SlotSet(REASK_SLOT, None), SlotSet(CORRECTING, None)]
        if case_no:
            dispatcher.utter_message(response="utter_filed", case_no=case_no)
            events += [SlotSet("case_no", case_no), SlotSet("filing_status", "filed")]
        else:
            dispatcher.utter_message(response="utter_filed_pending")
            events += [SlotSet("filing_status", "pending")]
        dispatcher.utter_message(response="utter_thanks_and_rating")
        return events


# "3", "3分", "五星"; a Chinese numeral only with 分/星 or alone ("一般" is not a 1)
_RATING_DIGIT = re.compile(
    r"(?<![\d.])([1-5])(?![\d.万千百])|([一二三四五])\s*(?:分|星|颗星|个星)|^\s*([一二三四五])\s*[。.!！]?\s*$"
)
_RATING_WORDS = (
    (re.compile(r"非常不满意|很不满意|太差|很差|极差"), 1),
    (re.compile(r"不满意|不太满意|差"), 2),
    (re.compile(r"一般|还行|凑合|马马虎虎"), 3),
    (re.compile(r"非常满意|很满意|特别满意|十分满意|满分|很好|非常好"), 5),
    (re.compile(r"满意|不错|挺好|好评"), 4),
)


def parse_rating(text: str) -> Optional[int]:
    t = parsing.normalize(text)
    m = _RATING_DIGIT.search(t)
    if m:
        digit = next(g for g in m.groups() if g)
        return int(digit) if digit.isdigit() else "0一二三四五".index(digit)
    for pattern, value in _RATING_WORDS:
        if pattern.search(t):
            return value
    return None


class ActionRecordRating(Action):
    """The 1–5 score asked for right after filing; it lands on the case (the case desk's
    POST /api/cases/{no}/rating, for the supervisor's satisfaction figures) through the outbox,
    like the case itself: a desk that does not answer gets it later, and a case still in the
    outbox gets it once it has its number. The customer is thanked either way."""

    def __init__(self, outbox: Optional[Deliverer] = None) -> None:
        self._deliverer = outbox

    def name(self) -> Text:
        return "action_record_rating"

    async def _send(self, tracker: Tracker, rating: int) -> None:
        intake_id = tracker.get_slot("intake_id")
        if tracker.get_slot("filing_status") not in ("filed", "pending") or not intake_id:
            return
        payload = {"conversation_id": tracker.sender_id, "intake_id": intake_id,
                   "case_no": tracker.get_slot("case_no") if tracker.get_slot("filing_status") == "filed" else None,
                   "score": rating}
        d = self._deliverer or deliverer()
        d.ensure_started()
        try:
            await d.submit(payload, (tracker.sender_id, f"{RATING_PREFIX}{intake_id}"))
        except Exception:  # the outbox itself failed (disk): the customer is thanked all the same
            logger.exception("rating not stored")

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        rating = None if latest_intent(tracker) == "deny" else parse_rating(message_text(tracker))
        if rating is None:
            if latest_intent(tracker) == "thank":
                dispatcher.utter_message(response="utter_you_are_welcome")
            dispatcher.utter_message(response="utter_rating_skipped")
            return [SlotSet(STAGE, None)]
        dispatcher.utter_message(response="utter_rating_thanks", rating=rating)
        await self._send(tracker, rating)
        return [SlotSet("satisfaction", float(rating)), SlotSet(STAGE, None)]


# -- any time ------------------------------------------------------------------------------------

class ActionCancelIntake(Action):
    def name(self) -> Text:
        return "action_cancel_intake"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        after = [SlotSet(STAGE, None), SlotSet(REASK_SLOT, None), SlotSet(CORRECTING, None)]
        status = tracker.get_slot("filing_status")
        if status in ("filed", "pending"):
            # with the case desk already, or on its way there from the outbox: cancelling it is
            # withdrawing it (撤诉), which asks for the phone's last four digits and a clear yes;
            # a case still in the outbox gets its withdrawal queued behind it (actions/withdraw.py)
            return after + [FollowupAction("withdraw_form")]
        if tracker.get_slot("intake_id"):
            dispatcher.utter_message(response="utter_cancelled")
            return reset_intake()
        text = tracker.latest_message.get("text") or ""
        if names_a_complaint(text) and not declines(text):
            # nothing told here, but an earlier complaint named ("上周那个投诉撤了吧"): a withdrawal
            return reset_intake() + [FollowupAction("withdraw_form")]
        if _GIVES_UP_ON_US.search(parsing.normalize(text)) and not _invited_already(tracker):
            # "你们银行真的是……唉，算了，说了也白说吧": no complaint dropped, one not yet told
            # because the customer expects nothing of us; asked once, then respected
            dispatcher.utter_message(response="utter_invite_to_tell")
            return after
        dispatcher.utter_message(response="utter_cancel_nothing")
        return reset_intake()


# resignation before a complaint is told: the customer expects nothing to come of it
_GIVES_UP_ON_US = re.compile(
    r"说了?(?:也|都)(?:是)?(?:白说|没用|没有用|白搭|不管用)|(?:投诉|反映|找你们|跟你们说)(?:了)?(?:也|都)(?:是)?(?:没用|白搭|白投|白说|没人管)|"
    r"(?:你们|银行)(?:也|都)?(?:不会|不得)管|反正(?:也|都)?(?:没用|没人管|解决不了)|懒得(?:说|讲|投诉|跟你们)"
)


def _invited_already(tracker: Tracker) -> bool:
    return any(e.get("event") == "bot" and (e.get("metadata") or {}).get("utter_action") == "utter_invite_to_tell"
               for e in tracker.events)
