"""IntentWordsReader: where the words settle what DIET guessed, the words win.

Two readings, each in its own module without Rasa (the action server reads them too):

- **A withdrawal (撤诉)**, bot/withdrawal.py. DIET reads a withdrawal that retells its complaint
  ("前几天投诉信用卡被盗刷，后来发现是孩子充值的，投诉撤回吧") by the story's words, as a new
  complaint, and one without a story ("那个投诉我不要了") as a progress lookup; it also learns
  撤回/取消 so well that it takes "把自动扣款取消掉" for a withdrawal. What makes a withdrawal is
  one thing in words: a complaint made before, named with a verb that drops it. So this sets
  ``withdraw_complaint`` when the words say one, unless they decline it (a refusal, being pushed to
  withdraw, someone else's withdrawal, a question about how it works with no request); turns
  DIET's ``withdraw_complaint`` into ``cancel`` when no complaint is named at all ("把那个订单取消
  了": inside an intake the cancel it always was, after filing the withdrawal of the case just
  filed, actions/script.py); and into DIET's runner-up when the words decline it.
- **A progress lookup**, bot/lookup_words.py: DIET's ``check_progress`` on a message that names no
  complaint, number or question of progress ("房贷利率早该下调了，你们一直没调…") is a complaint
  that sounded like waiting: DIET's runner-up, or ``complain``.
- **Bare exasperation**, bot/exasperation.py: DIET's ``cancel`` on "服了你们了，真的服了", with no
  word that gives anything up, is a complaint's opening: ``complain``.

After DIET and the fallback, before the escalation component (which may still override). The
original intent is kept in the parse data as ``intent_words: {"original_intent": …}``.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.exasperation import exasperated_only
from bot.lookup_words import asks_about_a_complaint
from bot.withdrawal import CANCEL_INTENT, NEXT_BEST, WITHDRAW_INTENT, read_intent

INTENT_WORDS = "intent_words"
LOOKUP_INTENT = "check_progress"
# DIET's runner-up below this is noise: then the default of the reading
MIN_NEXT_BEST = 0.1


def _next_best(message: Message, instead_of: str, default: str) -> str:
    for entry in message.get(INTENT_RANKING_KEY) or []:
        if entry.get("name") not in (instead_of, "nlu_fallback"):
            if (entry.get("confidence") or 0.0) >= MIN_NEXT_BEST:
                return str(entry["name"])
            break
    return default


def _read(message: Message, text: str, intent: str) -> Optional[str]:
    if intent == CANCEL_INTENT and exasperated_only(text):
        # "服了你们了，真的服了": fed up with nothing given up is a complaint's start (bot/exasperation.py)
        return "complain"
    new = read_intent(text, intent)
    if new == NEXT_BEST:
        # a question about withdrawing, or a refusal: whatever else DIET saw, or out of scope
        return _next_best(message, WITHDRAW_INTENT, "out_of_scope")
    if new is None and intent == LOOKUP_INTENT and not asks_about_a_complaint(text):
        return _next_best(message, LOOKUP_INTENT, "complain")
    return new


def apply_reading(message: Message) -> None:
    text = message.get(TEXT)
    if not isinstance(text, str) or not text:
        return
    intent = message.get(INTENT) or {}
    new = _read(message, text, str(intent.get("name")))
    if new is None or new == intent.get("name"):
        return
    original = {"name": intent.get("name"), "confidence": intent.get("confidence")}
    message.set(INTENT_WORDS, {"original_intent": original}, add_to_output=True)
    message.set(INTENT, {"name": new, "confidence": 1.0}, add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class IntentWordsReader(GraphComponent):
    """Puts the intent the words settle in place of DIET's (module doc)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "IntentWordsReader":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            apply_reading(message)
        return messages
