"""A RegexEntityExtractor for the entities named in its config, and only those.

Rasa's RegexEntityExtractor uses a regex only if an entity of the same name is annotated in the
NLU examples; but every annotation is also learnt by DIET, and then the same phone number comes
out twice (docs/design.md "Known pitfalls": one extractor per entity). This subclass takes the list of
entities from its config (``entities: [phone]``), so ``phone`` is never annotated in the examples
and DIET never learns it. Everything else (matching, persistence, loading) is Rasa's.

    - name: bot.nlu.regex_extractor.DeclaredRegexEntityExtractor
      entities: [phone]
      use_lookup_tables: false
      use_regexes: true
      use_word_boundaries: false
"""
from __future__ import annotations

from typing import Any, Dict, Text

import rasa.nlu.utils.pattern_utils as pattern_utils
import rasa.shared.utils.io
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.regex_entity_extractor import RegexEntityExtractor
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True
)
class DeclaredRegexEntityExtractor(RegexEntityExtractor):
    """Extracts the configured entities with the regexes (and lookups) of the same name."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **RegexEntityExtractor.get_default_config(),
            "use_lookup_tables": False,
            "use_word_boundaries": False,
            # entity names to extract; a regex/lookup is used when its name is listed here
            "entities": [],
        }

    def train(self, training_data: TrainingData) -> Resource:
        wanted = set(self._config.get("entities") or [])
        patterns = pattern_utils.extract_patterns(
            training_data,
            use_lookup_tables=self._config["use_lookup_tables"],
            use_regexes=self._config["use_regexes"],
            use_only_entities=False,
            use_word_boundaries=self._config["use_word_boundaries"],
        )
        self.patterns = [p for p in patterns if p["name"] in wanted]
        if not self.patterns:
            rasa.shared.utils.io.raise_warning(
                f"{self.__class__.__name__}: no regex or lookup table named like the "
                f"configured entities {sorted(wanted)} in the training data."
            )
        self.persist()
        return self._resource
