"""A message the NLU is unsure of, outside any form: a complaint it could not place, or not?

"ATM吞卡了，在人民路支行，到现在没人管" can score below the NLU's fallback threshold for every
intent, and a re-greeting ("能换个说法再说一遍吗") then drops a customer who said exactly what
happened. The case classifier (actions/classify.py) reads the same words for what kind of
complaint they are; when it finds one (or a fund-safety case), the message opens the intake
like any complaint, and so does a message whose NLU candidates are complaint intents
(``nlu_leans_to_complaint``): the ``unclear_complaint`` slot tells the rule to start it
(data/rules/intake.yml), and action_start_intake clears the slot again, so it never shapes a
later turn. Anything else is asked again here.

An out-of-scope message goes through here too, so that nobody is left repeating themselves: a
message the bot could not read said again as it was (a customer writing in pinyin, say) opens
the intake; any other second unread message in a row gets a reply that says how to go on (put
it another way, ask elsewhere, or ask for a person) instead of the same words. The NLU's
out-of-scope reading is trusted on its own: a question about fees is no complaint, and two
different questions are two questions.
"""
from __future__ import annotations

from typing import List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.classify import names_a_problem
from actions.intake_form import message_text
from bot.text import normalize_text

SLOT = "unclear_complaint"
# our replies to a message we could not read; after one of them, the next unread message gets
# the way forward instead of the same words
UNREAD_REPLIES = ("utter_out_of_scope", "utter_default", "utter_not_understood_again", "utter_out_of_scope_again")


def reads_as_complaint(text: str) -> bool:
    """Says what went wrong: the words of a complaint the classifier knows, or a fund-safety case
    (a question such as "ATM吞卡了怎么办？" is one too)."""
    return len(text.strip()) >= 4 and names_a_problem(text)


# The NLU's own candidates: unsure between two readings of a complaint ("complain" 0.54 against
# "escalate" 0.46: too close to choose, so nlu_fallback) is still sure it is a complaint.
COMPLAINT_INTENTS = ("complain", "escalate")
LEANS_AT = 0.3


def nlu_leans_to_complaint(tracker: Tracker) -> bool:
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    candidates = [r for r in ranking if r.get("name") != "nlu_fallback"][:2]
    return len(message_text(tracker).strip()) >= 8 and any(
        r.get("name") in COMPLAINT_INTENTS and (r.get("confidence") or 0.0) >= LEANS_AT for r in candidates
    )


def _before_this_message(tracker: Tracker) -> Tuple[Optional[str], Optional[str]]:
    """The customer's previous message and our last reply before this one."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return None, None
    previous = users[-2]
    reply = None
    for event in tracker.events[tracker.events.index(previous) + 1:]:
        if event.get("event") == "bot":
            reply = (event.get("metadata") or {}).get("utter_action")
    return previous.get("text") or "", reply


def unread_again(tracker: Tracker) -> Tuple[bool, bool]:
    """(unread twice in a row, said again word for word) for this message."""
    previous, reply = _before_this_message(tracker)
    if previous is None or reply not in UNREAD_REPLIES:
        return False, False
    return True, normalize_text(previous) == normalize_text(message_text(tracker))


class ActionReadUnclear(Action):
    def name(self) -> Text:
        return "action_read_unclear"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        text = message_text(tracker)
        out_of_scope = ((tracker.latest_message or {}).get("intent") or {}).get("name") == "out_of_scope"
        twice, repeated = unread_again(tracker)
        if not out_of_scope and (reads_as_complaint(text) or nlu_leans_to_complaint(tracker)):
            return [SlotSet(SLOT, True)]
        # said again as it was: the customer means it (a story in pinyin, say). Two different
        # messages are not: a second question about parking is no complaint
        if repeated and len(text.strip()) >= 4:
            return [SlotSet(SLOT, True)]
        if twice:
            dispatcher.utter_message(response="utter_out_of_scope_again" if out_of_scope else "utter_not_understood_again")
        else:
            dispatcher.utter_message(response="utter_out_of_scope" if out_of_scope else "utter_default")
        return [SlotSet(SLOT, None)]  # the rules need the slot named either way
