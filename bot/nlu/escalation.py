"""EscalationComponent: runs the escalation detector on every parsed message.

Last in the pipeline, after FallbackClassifier, so it sees DIET's intent and the fallback::

    - name: bot.nlu.escalation.EscalationComponent
      escalate_threshold: 0.98  # DIET's `escalate` alone hands off only at this confidence
      human_threshold: 0.9      # DIET's `request_human` alone hands off only at this confidence

On a STRONG detection the intent becomes ``{"name": "escalate", "confidence": 1.0}`` (the rules
and stories hand off on that intent) and the parse data gets::

    "escalation": {"reason": "media", "level": "strong", "cues": ["曝光", "记者"],
                   "source": "rules", "original_intent": {"name": "complain", "confidence": 0.91}}

``intent_ranking`` is left as DIET made it. A MILD detection adds ``escalation`` with level
``mild`` and leaves the intent alone. When DIET itself says ``escalate`` but the detector does
not confirm it (below the threshold, or an exception such as 我以前是记者 explains the trigger
word), the intent falls back to DIET's next-best intent, or to ``complain`` when DIET gave that
under 10 %, so ``escalate`` always means the detector decided. Likewise a ``request_human`` that
one of the human exceptions explains ("转人工按了十遍都转不过去" is a complaint about the phone
line, "我不需要人工" declines one). The rule files are read when the component is created (server start), not
stored in the model: a trainer's edit needs a restart, not a retraining.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.exasperation import gives_up
from bot.lookup_words import asks_about_a_complaint
from bot.nlu.normalizer import MARKED_TEXT
from bot.escalation.detector import (
    DEFAULT_ESCALATE_THRESHOLD,
    DEFAULT_HUMAN_THRESHOLD,
    ESCALATE_INTENT,
    HUMAN_INTENT,
    EscalationDetector,
    default_detector,
)

ESCALATION = "escalation"
FALLBACK_INTENT = "nlu_fallback"
COMPLAIN_INTENT = "complain"
CANCEL_INTENT = "cancel"
LOOKUP_INTENT = "check_progress"
# Below this DIET's runner-up is noise (0.01 "thank" for an angry complaint), not an answer.
MIN_NEXT_BEST = 0.1


def _top_intent(message: Message) -> Dict[Text, Any]:
    """DIET's own best intent: under an nlu_fallback, the first real one of the ranking."""
    intent = message.get(INTENT) or {}
    if intent.get("name") != FALLBACK_INTENT:
        return intent
    for entry in message.get(INTENT_RANKING_KEY) or []:
        if entry.get("name") != FALLBACK_INTENT:
            return entry
    return intent


def _demoted(message: Message, escalate_confidence: float, text: str = "") -> Dict[Text, Any]:
    """The intent for a DIET `escalate` (or `request_human`) the detector did not confirm."""
    for entry in message.get(INTENT_RANKING_KEY) or []:
        if entry.get("name") not in (ESCALATE_INTENT, HUMAN_INTENT, FALLBACK_INTENT):
            if entry.get("name") == CANCEL_INTENT and not gives_up(text):
                break  # "服了你们了，真的服了": fed up, nothing given up (bot/exasperation.py)
            if entry.get("name") == LOOKUP_INTENT and not asks_about_a_complaint(text):
                break  # "我就想问问，你们银行是不是专门跟老百姓过不去？": a grievance, no lookup (bot/lookup_words.py)
            if (entry.get("confidence") or 0.0) >= MIN_NEXT_BEST:
                return {"name": entry["name"], "confidence": entry.get("confidence")}
            break
    # DIET put (nearly) everything on escalate, whose examples are all complaints
    return {"name": COMPLAIN_INTENT, "confidence": escalate_confidence}


def apply_detection(message: Message, detector: EscalationDetector) -> None:
    # with its runs of marks ("！！！"), which the normaliser cut for the intent classifier
    text = message.get(MARKED_TEXT) or message.get(TEXT)
    if not isinstance(text, str) or not text:
        return
    intent = message.get(INTENT) or {}
    top = _top_intent(message)
    detection = detector.detect(text, top.get("name"), top.get("confidence"))
    if detection is not None:
        original = {"name": intent.get("name"), "confidence": intent.get("confidence")}
        message.set(ESCALATION, {**detection.as_dict(), "original_intent": original},
                    add_to_output=True)
        if detection.strong:
            message.set(INTENT, {"name": ESCALATE_INTENT, "confidence": 1.0}, add_to_output=True)
            return
    if intent.get("name") == ESCALATE_INTENT or (
        # "转人工按了十遍都转不过去" tells of the phone line; it does not ask for a person
        intent.get("name") == HUMAN_INTENT and detector.has_exception(text, "human")
    ):
        message.set(INTENT, _demoted(message, intent.get("confidence") or 0.0, text), add_to_output=True)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class EscalationComponent(GraphComponent):
    """Sets intent ``escalate`` and the ``escalation`` output on threats and strong anger."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "escalate_threshold": DEFAULT_ESCALATE_THRESHOLD,
            "human_threshold": DEFAULT_HUMAN_THRESHOLD,
            "rules_dir": None,  # default: bot/escalation/rules
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config
        defaults = self.get_default_config()
        if all(config.get(k) == defaults[k] for k in defaults):
            self.detector = default_detector()  # shared with the action server's process
        else:
            self.detector = EscalationDetector(
                config.get("rules_dir"), config["escalate_threshold"], config["human_threshold"]
            )

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "EscalationComponent":
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            apply_detection(message, self.detector)
        return messages
