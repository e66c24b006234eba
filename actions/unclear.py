"""A message the NLU is unsure of, outside any form: a complaint it could not place, or not?

"ATM吞卡了，在人民路支行，到现在没人管" can score below the NLU's fallback threshold for every
intent, and a re-greeting ("能换个说法再说一遍吗") then drops a customer who said exactly what
happened. The case classifier (actions/classify.py) reads the same words for what kind of
complaint they are; when it finds one (or a fund-safety case), the message opens the intake
like any complaint, and so does a message whose NLU candidates are complaint intents
(``nlu_leans_to_complaint``): the ``unclear_complaint`` slot tells the rule to start it
(data/rules/intake.yml), and action_start_intake clears the slot again, so it never shapes a
later turn. Anything else is asked again here.
"""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.classify import names_a_problem
from actions.intake_form import message_text

SLOT = "unclear_complaint"


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


class ActionReadUnclear(Action):
    def name(self) -> Text:
        return "action_read_unclear"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if reads_as_complaint(message_text(tracker)) or nlu_leans_to_complaint(tracker):
            return [SlotSet(SLOT, True)]
        dispatcher.utter_message(response="utter_default")
        return [SlotSet(SLOT, None)]  # the rules need the slot named either way
