"""Category, business line and priority of a complaint, plus the confidential/compensation flags.

The labelling rules are written in ``docs/taxonomy.md``; their words live in
``actions/taxonomy.yml`` so a trainer can tune them without touching code, and this module only
applies them. Keyword rules are deliberate: a trainer can see why a case was classified the way
it was (``explain(text)``), and a misclassified case is fixed by an edit to the word list. The
classification is a first guess for routing; the case desk lets staff correct it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Pattern, Tuple

import yaml

from bot.text import normalize_text

TAXONOMY_PATH = Path(__file__).with_name("taxonomy.yml")

CATEGORIES = ("product_service", "business_operation", "staff_service", "transaction_dispute", "other")
BUSINESS_LINES = ("deposit", "loan", "bank_card", "payment", "cash", "wealth", "personal_info", "other")
PRIORITIES = ("high", "normal")


Negation = Tuple[Tuple[str, ...], int]


def _negated(text: str, start: int, negation: Negation) -> bool:
    """A cue ("不是", "不是说", "没买过") shortly before the hit, in the same clause."""
    cues, window = negation
    before = re.split(r"[，。！？；,!?;\n]", text[max(0, start - window): start])[-1]
    return any(cue in before for cue in cues)


def _hits(pattern: Pattern[str], text: str, negation: Negation) -> bool:
    return any(not _negated(text, m.start(), negation) for m in pattern.finditer(text))


@dataclass(frozen=True)
class _Scorer:
    order: Tuple[str, ...]
    labels: Dict[str, str]
    patterns: Dict[str, Tuple[Tuple[Pattern[str], int], ...]]

    def scores(self, text: str, negation: Negation = ((), 0)) -> Dict[str, int]:
        return {
            key: sum(weight for pattern, weight in self.patterns[key] if _hits(pattern, text, negation))
            for key in self.order
        }

    def best(self, text: str, negation: Negation = ((), 0), default: str = "other", minimum: int = 1) -> str:
        scores = self.scores(text, negation)
        top = max(scores.values(), default=0)
        if top < minimum:
            return default
        return next(key for key in self.order if scores[key] == top)


@dataclass(frozen=True)
class _Rule:
    """One question of docs/taxonomy.md §1: the first rule that fires decides the category."""
    name: str
    category: str
    business_line: Optional[str]
    high_priority: bool
    patterns: Tuple[Pattern[str], ...]
    unless: Tuple[Pattern[str], ...]
    default_line: Optional[str] = None
    default_line_when: Optional[Pattern[str]] = None

    def fires(self, text: str, negation: Negation) -> bool:
        if any(p.search(text) for p in self.unless):
            return False
        return any(_hits(p, text, negation) for p in self.patterns)


@dataclass(frozen=True)
class _Taxonomy:
    rules: Tuple[_Rule, ...]
    categories: _Scorer
    business_lines: _Scorer
    staff_lines: _Scorer
    negation: Negation
    priority_labels: Dict[str, str]
    high_priority: Tuple[Pattern[str], ...]
    flag_negations: Tuple[str, ...]
    negation_window: int
    flags: Dict[str, Tuple[Pattern[str], ...]]
    kinds: Dict[str, Dict[str, Tuple[Pattern[str], ...]]]
    min_category_score: int
    vague: Tuple[Pattern[str], ...]
    fallback: Tuple[Tuple[str, Tuple[Pattern[str], ...]], ...]

    def guess(self, text: str) -> str:
        """No rule fired: the thing the customer names decides (taxonomy.yml `fallback`)."""
        if any(p.search(text) for p in self.vague):
            return "other"
        for category, patterns in self.fallback:
            if any(_hits(p, text, self.negation) for p in patterns):
                return category
        return "other"


def _compiled(item, default_weight: int) -> Tuple[Pattern[str], int]:
    pattern, weight = (item if isinstance(item, list) else (item, default_weight))
    return re.compile(str(pattern)), int(weight)


def _scorer(section: Dict, weights: Dict[str, int]) -> _Scorer:
    patterns: Dict[str, Tuple[Tuple[Pattern[str], int], ...]] = {}
    labels: Dict[str, str] = {}
    for key, spec in section.items():
        spec = spec or {}
        if isinstance(spec, list):  # staff_lines: a plain list of strong patterns
            spec = {"strong": spec}
        labels[key] = spec.get("label", key)
        patterns[key] = tuple(
            _compiled(item, weights[group]) for group in ("strong", "weak") for item in spec.get(group) or []
        )
    return _Scorer(tuple(section), labels, patterns)


@lru_cache(maxsize=1)
def taxonomy() -> _Taxonomy:
    data = yaml.safe_load(TAXONOMY_PATH.read_text(encoding="utf-8"))
    weights = data.get("weights", {"strong": 3, "weak": 1})
    flags = data["flags"]
    negation = data.get("negation") or {}
    rules = tuple(
        _Rule(
            name=rule["name"],
            category=rule["category"],
            business_line=rule.get("business_line"),
            high_priority=rule.get("priority") == "high",
            patterns=tuple(re.compile(str(p)) for p in rule["patterns"]),
            unless=tuple(re.compile(str(p)) for p in rule.get("unless") or []),
            default_line=rule.get("default_line"),
            default_line_when=re.compile(str(rule["default_line_when"])) if rule.get("default_line_when") else None,
        )
        for rule in data.get("category_rules") or []
    )
    return _Taxonomy(
        rules=rules,
        categories=_scorer(data["categories"], weights),
        business_lines=_scorer(data["business_lines"], weights),
        staff_lines=_scorer({**(data.get("staff_lines") or {}), "other": []}, weights),
        negation=(tuple(negation.get("cues", [])), int(negation.get("window", 6))),
        priority_labels=dict(data["priority"]["labels"]),
        high_priority=tuple(re.compile(p) for p in data["priority"]["high"]),
        flag_negations=tuple(flags.get("negations", [])),
        negation_window=int(flags.get("negation_window", 6)),
        flags={
            name: tuple(re.compile(p) for p in flags[name])
            for name in ("confidential", "compensation_requested")
        },
        kinds={
            category: {kind: tuple(re.compile(p) for p in patterns) for kind, patterns in spec.items()}
            for category, spec in (data.get("case_kinds") or {}).items()
        },
        min_category_score=int(data.get("min_category_score", 2)),
        vague=tuple(re.compile(str(p)) for p in (data.get("fallback") or {}).get("vague", [])),
        fallback=tuple(
            (rule["category"], tuple(re.compile(str(p)) for p in rule["patterns"]))
            for rule in (data.get("fallback") or {}).get("rules", [])
        ),
    )


def explain(text: str) -> Dict[str, object]:
    """Why a text gets its labels: the rule that fired and the line scores (for trainers)."""
    t = normalize_text(text or "")
    tax = taxonomy()
    rule = next((r for r in tax.rules if r.fires(t, tax.negation)), None)
    return {
        "rule": rule.name if rule else None,
        "category_scores": tax.categories.scores(t, tax.negation),
        "line_scores": tax.business_lines.scores(t, tax.negation),
        "staff_line_scores": tax.staff_lines.scores(t, tax.negation),
    }


def classify(text: str) -> Tuple[str, str, str]:
    """(category, business_line, priority) of a complaint text (docs/taxonomy.md)."""
    t = normalize_text(text or "")
    tax = taxonomy()
    rule = next((r for r in tax.rules if r.fires(t, tax.negation)), None)
    if rule is not None:
        category = rule.category
    else:
        category = tax.guess(t)
    if rule is not None and rule.business_line:
        business_line = rule.business_line
    elif category == "staff_service":
        business_line = tax.staff_lines.best(t, tax.negation)
    else:
        business_line = tax.business_lines.best(t, tax.negation)
        if business_line == "other" and rule is not None and rule.default_line and (
            rule.default_line_when is None or rule.default_line_when.search(t)
        ):
            business_line = rule.default_line
    high = (rule is not None and rule.high_priority) or any(p.search(t) for p in tax.high_priority)
    return category, business_line, "high" if high else "normal"


def case_kind(category: Optional[str], business_line: Optional[str], text: str) -> str:
    """The category, refined where cases of one category need different facts
    ("product_service/fee" needs the amount, "product_service/atm" the branch and the date)."""
    category = category or "other"
    kinds = taxonomy().kinds.get(category)
    if not kinds:
        return category
    t = normalize_text(text or "")
    for kind, patterns in kinds.items():
        if kind == business_line or any(p.search(t) for p in patterns):
            return f"{category}/{kind}"
    return category


def _flag(text: str, name: str, tax: _Taxonomy) -> bool:
    negation = (tax.flag_negations, tax.negation_window)
    return any(_hits(pattern, text, negation) for pattern in tax.flags[name])


def detect_flags(text: str) -> Dict[str, bool]:
    """{confidential, compensation_requested}: what the customer asks for besides the facts."""
    t = normalize_text(text or "")
    tax = taxonomy()
    return {name: _flag(t, name, tax) for name in ("confidential", "compensation_requested")}


def category_label(code: Optional[str]) -> str:
    return taxonomy().categories.labels.get(code or "other", "其他事项")


def business_line_label(code: Optional[str]) -> str:
    return taxonomy().business_lines.labels.get(code or "other", "其他")


def priority_label(code: Optional[str]) -> str:
    return taxonomy().priority_labels.get(code or "normal", "普通")
