"""EscalationDetector: does one customer message call for a person now?

    from bot.escalation import default_detector
    d = default_detector().detect("再不处理我就找记者曝光", intent="complain", intent_confidence=0.93)
    # Detection(reason='media', level='strong', cues=('曝光', '记者'), source='rules')

Pure and cheap (a few regex searches, no model): the NLU component (bot/nlu/escalation.py), the
action server and the benches all call this one class.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from bot.escalation.rules import REASONS, load_rules, norm

STRONG, MILD = "strong", "mild"
ESCALATE_INTENT = "escalate"
HUMAN_INTENT = "request_human"
# DIET is trusted alone only when it is sure: a wrong handoff costs an agent's time, and the
# rules already catch the listed threats. Measured on the 374 calm messages of
# bench/escalation_bench.py: DIET's escalate >= 0.8 on 6 of them, >= 0.98 on 2; request_human
# >= 0.7 on 2 calm/mention messages, >= 0.9 on none. Re-measure after retraining.
DEFAULT_ESCALATE_THRESHOLD = 0.98
DEFAULT_HUMAN_THRESHOLD = 0.9


@dataclass(frozen=True)
class Detection:
    reason: str  # self_harm | violence | regulator | media | anger | human
    level: str  # strong (hand off now) | mild (mild anger: does not hand off alone)
    cues: Tuple[str, ...]  # matched keywords / pattern names, never the customer's own words
    source: str  # rules | intent | conversation

    @property
    def strong(self) -> bool:
        return self.level == STRONG

    def as_dict(self) -> Dict[str, Any]:
        return {"reason": self.reason, "level": self.level, "cues": list(self.cues), "source": self.source}

    @classmethod
    def from_dict(cls, data: Optional[Dict[str, Any]]) -> Optional["Detection"]:
        if not data or data.get("reason") not in REASONS:
            return None
        return cls(data["reason"], data.get("level", STRONG), tuple(data.get("cues") or ()),
                   data.get("source", "rules"))


class EscalationDetector:
    def __init__(self, rules_dir: Optional[Path] = None,
                 escalate_threshold: float = DEFAULT_ESCALATE_THRESHOLD,
                 human_threshold: float = DEFAULT_HUMAN_THRESHOLD) -> None:
        self.rules = load_rules(rules_dir)
        self.escalate_threshold = escalate_threshold
        self.human_threshold = human_threshold

    def rule_hits(self, text: str) -> Tuple[Dict[str, Tuple[str, Tuple[str, ...]]], bool]:
        """{reason: (level, cues)} of the rules that fire, and whether any exception matched."""
        text = norm(text or "")
        hits: Dict[str, Tuple[str, Tuple[str, ...]]] = {}
        any_exception = False
        for reason, ruleset in self.rules.items():
            masked, exception = ruleset.mask(text)
            any_exception = any_exception or exception
            strong = ruleset.strong_cues(masked)
            if strong:
                hits[reason] = (STRONG, tuple(strong))
                continue
            mild = ruleset.mild_cues(masked)
            boost = ruleset.intensifier_cues(masked)
            if mild and boost:
                hits[reason] = (STRONG, tuple(mild + boost))
            elif mild or boost:
                hits[reason] = (MILD, tuple(mild or boost))
        return hits, any_exception

    def detect(self, text: str, intent: Optional[str] = None,
               intent_confidence: Optional[float] = None) -> Optional[Detection]:
        hits, any_exception = self.rule_hits(text)
        confidence = intent_confidence or 0.0
        if (intent == HUMAN_INTENT and confidence >= self.human_threshold
                and "human" not in hits
                and not self.has_exception(text, "human")):
            hits["human"] = (STRONG, ())
            sources = {"human": "intent"}
        else:
            sources = {}
        for reason in REASONS:
            level, cues = hits.get(reason, (None, ()))
            if level == STRONG:
                return Detection(reason, STRONG, cues, sources.get(reason, "rules"))
        # DIET's escalate intent catches threats the rules do not list, unless an exception
        # explains the trigger word ("我以前是记者").
        if intent == ESCALATE_INTENT and confidence >= self.escalate_threshold and not any_exception:
            return Detection("anger", STRONG, hits.get("anger", (None, ()))[1], "intent")
        if "anger" in hits:
            return Detection("anger", MILD, hits["anger"][1], "rules")
        return None

    def has_exception(self, text: str, reason: str) -> bool:
        """Whether one of ``reason``'s exceptions matches (我不需要人工; 转人工按了十遍…)."""
        ruleset = self.rules.get(reason)
        return bool(ruleset and ruleset.mask(norm(text or ""))[1])


@lru_cache(maxsize=1)
def default_detector() -> EscalationDetector:
    """The detector over the shipped rule files, loaded once per process."""
    return EscalationDetector()
