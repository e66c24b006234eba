"""Customers cannot steer the bot by typing Rasa's intent shortcuts.

Rasa treats any message that starts with "/" as a hard-coded prediction: "/restart" restarts
the conversation (and so ends a handoff's pause: the bot would answer again while an agent
has the customer), "/affirm" confirms a case, "/inform{\"phone\": …}" sets entities without
NLU. Our channels carry what customers type, so only the shortcuts our own pages send are
honoured — the web chat's greeting, "/greet" — and everything else starting with "/" goes
through the NLU pipeline as ordinary text. Rasa 3.6 has no setting for this, hence a patch of
``RegexMessageHandler.process`` (re-check on any Rasa upgrade).
"""
from __future__ import annotations

import functools
import re
from typing import Any, List, Optional

ALLOWED = frozenset({"greet"})
_SHORTCUT = re.compile(r"\s*/([^{@\s]*)")


def is_allowed(text: Optional[str]) -> bool:
    match = _SHORTCUT.match(text or "")
    return match is None or match.group(1) in ALLOWED


def install() -> None:
    from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
    from rasa.shared.nlu.constants import TEXT

    original = RegexMessageHandler.process
    if getattr(original, "__module__", None) == __name__:
        return

    # wraps: Rasa checks the graph component's method signature (it reads the original's)
    @functools.wraps(original)
    def process(self, messages: List[Any], domain: Any = None) -> List[Any]:  # type: ignore[no-untyped-def]
        allowed = [m for m in messages if is_allowed(m.get(TEXT))]
        handled = iter(original(self, allowed, domain))
        # a blocked shortcut keeps what the NLU pipeline made of it
        return [next(handled) if is_allowed(m.get(TEXT)) else m for m in messages]

    process.__module__ = __name__
    RegexMessageHandler.process = process  # type: ignore[method-assign]


install()
