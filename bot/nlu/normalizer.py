"""TextNormalizer: a Rasa 3 NLU graph component that rewrites the message text.

Put it first in the pipeline, before the tokenizer::

    pipeline:
      - name: bot.nlu.normalizer.TextNormalizer
      - name: JiebaTokenizer
        ...

It is registered as a ``MESSAGE_TOKENIZER`` so that the default recipe runs it as a
preprocessing node, in pipeline order, both on the training data (``process_training_data``)
and on every incoming message (``process``). It does not subclass ``Tokenizer``: Rasa allows
only one tokenizer and counts them by that base class.

The rewritten text is what the tokenizer, featurizers, classifiers and extractors see, so entity
offsets in the parse result refer to the normalised text. The ``user`` event's ``text`` keeps
what the customer typed (Rasa builds it from the incoming message); its ``parse_data["text"]``,
which actions read as ``tracker.latest_message["text"]``, is the normalised text.

At training time annotated entities are moved to their place in the normalised text (removing
the spaces in "138 1234 5678" or NFKC-folding "…" changes lengths). Synonym keys and lookup table
elements are normalised too, so trainers may write them in either script.
"""
from __future__ import annotations

import hashlib
import inspect
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

import bot.text
from bot.channels.guard import nlu_text
from bot.text import normalize_text as _normalize_text, squeeze_marks

# the normalised text before runs of marks were cut ("！！！" is a sign of anger)
MARKED_TEXT = "text_with_marks"


def normalize_text(text: Text) -> Text:
    """What the NLU reads: ``bot.text.normalize_text`` with runs of marks cut to one."""
    return squeeze_marks(_normalize_text(text))

logger = logging.getLogger(__name__)


def _relocate_entity(
    original: Text, normalised: Text, entity: Dict[Text, Any]
) -> Optional[Dict[Text, Any]]:
    """Return a copy of ``entity`` whose offsets point into ``normalised``.

    The normalised entity text is searched for in the normalised message, taking the
    occurrence closest to where the normalised prefix ends. ``None`` if it cannot be found.
    """
    start = entity.get(ENTITY_ATTRIBUTE_START)
    end = entity.get(ENTITY_ATTRIBUTE_END)
    if start is None or end is None:
        return dict(entity)
    old_slice = original[start:end]
    new_slice = normalize_text(old_slice)
    if not new_slice:
        return None
    expected = len(normalize_text(original[:start]))
    candidates = []
    pos = normalised.find(new_slice)
    while pos != -1:
        candidates.append(pos)
        pos = normalised.find(new_slice, pos + 1)
    if not candidates:
        return None
    new_start = min(candidates, key=lambda p: abs(p - expected))
    relocated = dict(entity)
    relocated[ENTITY_ATTRIBUTE_START] = new_start
    relocated[ENTITY_ATTRIBUTE_END] = new_start + len(new_slice)
    value = entity.get(ENTITY_ATTRIBUTE_VALUE)
    if value is None or value == old_slice:
        relocated[ENTITY_ATTRIBUTE_VALUE] = new_slice
    elif isinstance(value, str):
        # a synonym target ("phone", "朝阳路支行"): keep it, in the normalised script
        relocated[ENTITY_ATTRIBUTE_VALUE] = normalize_text(value)
    return relocated


def normalize_message(message: Message) -> None:
    """Rewrite ``message``'s text in place, moving annotated entities along."""
    text = message.get(TEXT)
    if not isinstance(text, str) or not text:
        return
    marked = _normalize_text(text)
    new_text = squeeze_marks(marked)
    if marked != new_text:
        message.set(MARKED_TEXT, marked)  # for the escalation detector (bot/nlu/escalation.py)
    if new_text == text:
        return
    entities = message.get(ENTITIES)
    if entities:
        moved = []
        for entity in entities:
            relocated = _relocate_entity(text, new_text, entity)
            if relocated is None:
                logger.warning(
                    "TextNormalizer: dropped entity %r of %r: not found after normalisation",
                    entity,
                    text,
                )
                continue
            moved.append(relocated)
        message.set(ENTITIES, moved)
    message.set(TEXT, new_text)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class TextNormalizer(GraphComponent):
    """Replaces the message text by ``bot.text.normalize_text(text)`` with runs of marks cut."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        # The cached output of this node must change when the normalisation code changes,
        # not only when this class's source does.
        source = inspect.getsource(bot.text)
        return hashlib.sha256(source.encode("utf-8")).hexdigest()

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TextNormalizer":
        return cls({**cls.get_default_config(), **config})

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            normalize_message(message)
        if training_data.entity_synonyms:
            training_data.entity_synonyms = {
                normalize_text(key): normalize_text(value) if isinstance(value, str) else value
                for key, value in training_data.entity_synonyms.items()
            }
        for table in training_data.lookup_tables or []:
            elements = table.get("elements")
            if isinstance(elements, list):
                table["elements"] = [
                    normalize_text(e) if isinstance(e, str) else e for e in elements
                ]
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            # NLU time grows with the square of the length: every later component reads at
            # most guard.NLU_MAX_CHARS characters; the tracker keeps the whole message
            text = message.get(TEXT)
            if isinstance(text, str):
                message.set(TEXT, nlu_text(text))
            normalize_message(message)
        return messages
