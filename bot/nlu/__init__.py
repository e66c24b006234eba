"""Custom Rasa NLU components of the complaint-intake assistant.

- ``bot.nlu.normalizer.TextNormalizer``: rewrites the message text with
  ``bot.text.normalize_text`` (Traditional→Simplified, full-width→half-width, digit grouping
  removed) before the tokenizer, at training and at inference.
- ``bot.nlu.regex_extractor.DeclaredRegexEntityExtractor``: RegexEntityExtractor that extracts only
  the entities named in its config (``phone``), without needing DIET-visible annotations.
- ``jieba_dict/``: the banking user dictionary folder for JiebaTokenizer (every file in it is
  loaded, so keep only dictionary files there). ``branch.txt`` in it is generated from
  ``data/nlu/lookups/branch.yml`` by ``python -m bot.nlu.sync_dict``.
"""

# Rasa imports this package whenever it loads a model with our components: install the
# behaviour-preserving speed fixes for the Rasa server (see bot/rasa_patches.py).
from bot import rasa_patches  # noqa: E402,F401
# ... and keep customers from typing Rasa's "/intent" shortcuts (see bot/intent_shortcuts.py).
from bot import intent_shortcuts  # noqa: E402,F401
