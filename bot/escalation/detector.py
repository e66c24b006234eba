"""EscalationDetector: does one customer message call for a person now?

    from bot.escalation import default_detector
    d = default_detector().detect("再不处理我就找记者曝光", intent="complain", intent_confidence=0.93)
    # Detection(reason='media', level='strong', cues=('曝光', '记者'), source='rules')

The rule files can decide together with a small learned model (bot/escalation/classifier.py,
trained from data/escalation/train.yml the first time a process needs it, about 2 s; then ~0.2 ms
per message): rule hits win, except that the model may overrule one it is sure is a mere mention
or give a lesser one its more severe reason (media/regulator/anger/human -> violence or
self-harm, human -> anger; self-harm and violence hits always win), and the model hands off for
threats in wording no rule lists. It is behind the ``ESCALATION_LEARNED`` setting (``on``/``off``; unset: see
``classifier.DEFAULT_ON``) or ``learned=True/False``; off, the rules decide alone. The NLU
component (bot/nlu/escalation.py), the action server and the benches all call this one class.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import yaml

from bot.escalation import classifier as learned_model
from bot.escalation import rules as rule_files
from bot.escalation.rules import REASONS, load_rules, norm, rule_matches

logger = logging.getLogger(__name__)

STRONG, MILD = "strong", "mild"
ESCALATE_INTENT = "escalate"
HUMAN_INTENT = "request_human"
# DIET is trusted alone only when it is sure: a wrong handoff costs an agent's time, and the
# rules already catch the listed threats. Measured on the 374 calm messages of
# bench/escalation_bench.py: DIET's escalate >= 0.8 on 6 of them, >= 0.98 on 2; request_human
# >= 0.7 on 2 calm/mention messages, >= 0.9 on none. Re-measure after retraining.
DEFAULT_ESCALATE_THRESHOLD = 0.98
DEFAULT_HUMAN_THRESHOLD = 0.9
# A trainer's edit of a rule file (the console's keyword page writes it) is picked up by every
# running detector: the files' stamps are compared at most this often, on a message's way in.
RELOAD_CHECK_SECONDS = 1.0


def rule_stamps(rules_dir: Path) -> Tuple[Tuple[str, int, int], ...]:
    """Name, mtime and size of each rule file: a file edited, added or removed changes it."""
    out = []
    for path in sorted(Path(rules_dir).glob("*.yml")):
        stat = path.stat()
        out.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(out)


@dataclass(frozen=True)
class Detection:
    reason: str  # self_harm | violence | regulator | media | anger | human
    level: str  # strong (hand off now) | mild (mild anger: does not hand off alone)
    cues: Tuple[str, ...]  # matched keywords / pattern names, never the customer's own words
    source: str  # rules | learned | intent | conversation

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
                 human_threshold: float = DEFAULT_HUMAN_THRESHOLD,
                 learned: Optional[bool] = None) -> None:
        self.rules_dir = Path(rules_dir) if rules_dir else Path(rule_files.RULES_DIR)
        self.stamps = rule_stamps(self.rules_dir)
        self.rules = load_rules(self.rules_dir)
        self.reload_interval = RELOAD_CHECK_SECONDS
        self.checked_at = time.monotonic()
        self.escalate_threshold = escalate_threshold
        self.human_threshold = human_threshold
        # None: the ESCALATION_LEARNED setting (docs/escalation.md, "Learned classifier")
        self.learned = learned_model.enabled() if learned is None else learned
        self.model: Optional["learned_model.ReasonClassifier"] = None  # fetched at the first message

    def refresh(self) -> bool:
        """Reloads the rule files when one changed on disk (checked at most once per
        `reload_interval`); True when it did. A changed file that does not load is logged and
        the rules loaded before stay in force. The learned model is fetched again: its cache is
        keyed on the files' stamps (classifier.get_classifier), so it is retrained for them."""
        now = time.monotonic()
        if now - self.checked_at < self.reload_interval:
            return False
        self.checked_at = now
        try:
            stamps = rule_stamps(self.rules_dir)
        except OSError:
            return False
        if stamps == self.stamps:
            return False
        self.stamps = stamps  # a broken file is reported once, not every second
        try:
            rules = load_rules(self.rules_dir)
        except (ValueError, OSError, yaml.YAMLError):
            logger.exception("escalation rule files in %s changed but do not load; the rules loaded "
                             "before stay in force", self.rules_dir)
            return False
        self.rules = rules
        self.model = None
        logger.info("escalation rule files reloaded from %s", self.rules_dir)
        return True

    @property
    def classifier(self) -> Optional["learned_model.ReasonClassifier"]:
        """The learned model for these rules (trained on first use, shared per process), or None
        when it is switched off or cannot be built (then the rules decide alone)."""
        if not self.learned:
            return None
        if self.model is not None:
            return self.model
        try:
            self.model = learned_model.get_classifier(self.rules)
            return self.model
        except Exception:  # never let the model take the detector down
            logger.exception("escalation classifier unavailable; the rule files decide alone")
            self.learned = False
            return None

    def rule_hits(self, text: str) -> Tuple[Dict[str, Tuple[str, Tuple[str, ...]]], bool]:
        """{reason: (level, cues)} of the rules that fire, and whether any exception matched."""
        self.refresh()
        hits, exceptions = rule_matches(self.rules, norm(text or ""))
        return hits, bool(exceptions)

    def detect(self, text: str, intent: Optional[str] = None,
               intent_confidence: Optional[float] = None) -> Optional[Detection]:
        self.refresh()
        normalised = norm(text or "")
        hits, exceptions = rule_matches(self.rules, normalised)
        any_exception = bool(exceptions)
        verdict = None
        model = self.classifier
        if model is not None and normalised.strip():
            verdict = model.judge(normalised, hits, exceptions)
            # the model overrules a strong rule hit only when it is sure the message is calm
            # (a mention, a negation, someone else's threat), or sure of a more severe reason
            # (classifier.UPGRADES: a veiled threat against staff that the rules read as anger
            # hands off as violence, below, source learned); self-harm and violence always win
            for reason in [r for r, (level, _) in hits.items() if level == STRONG and verdict.vetoes(r)]:
                if verdict.upgrade(reason) is not None:
                    del hits[reason]
                elif reason == "anger" and verdict.calm_label == learned_model.MILD:
                    hits[reason] = (MILD, hits[reason][1])
                else:
                    del hits[reason]
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
        # threats in wording no rule lists, unless one of that reason's exceptions explains it
        learned_reason = verdict.handoff(exceptions) if verdict is not None else None
        if learned_reason is not None:
            return Detection(learned_reason, STRONG, (), "learned")
        # DIET's escalate intent catches threats the rules do not list, unless an exception
        # explains the trigger word ("我以前是记者").
        if intent == ESCALATE_INTENT and confidence >= self.escalate_threshold and not any_exception:
            return Detection("anger", STRONG, hits.get("anger", (None, ()))[1], "intent")
        if "anger" in hits:
            return Detection("anger", MILD, hits["anger"][1], "rules")
        return None

    def has_exception(self, text: str, reason: str) -> bool:
        """Whether one of ``reason``'s exceptions matches (我不需要人工; 转人工按了十遍…)."""
        self.refresh()
        ruleset = self.rules.get(reason)
        return bool(ruleset and ruleset.mask(norm(text or ""))[1])


@lru_cache(maxsize=1)
def default_detector() -> EscalationDetector:
    """The detector over the shipped rule files, loaded once per process (the learned model
    follows the ESCALATION_LEARNED setting; when on, it is trained here, at start-up, ~2 s)."""
    detector = EscalationDetector()
    detector.classifier  # noqa: B018 - train now rather than on a customer's first message
    return detector
