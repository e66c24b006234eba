"""Category, business line and priority of a complaint, plus the confidential/compensation flags.

The words live in ``actions/taxonomy.yml`` so a trainer can tune them without touching code;
this module only scores them. Plain keyword scoring is deliberate: a trainer can see why a case
was classified the way it was, and a misclassified case is fixed by an edit to the word list.
The classification is a first guess for routing; the case desk lets staff correct it.
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


@dataclass(frozen=True)
class _Scorer:
    order: Tuple[str, ...]
    labels: Dict[str, str]
    patterns: Dict[str, Tuple[Tuple[Pattern[str], int], ...]]

    def scores(self, text: str) -> Dict[str, int]:
        return {
            key: sum(weight for pattern, weight in self.patterns[key] if pattern.search(text))
            for key in self.order
        }

    def best(self, text: str, default: str = "other", minimum: int = 1) -> str:
        scores = self.scores(text)
        top = max(scores.values(), default=0)
        if top < minimum:
            return default
        return next(key for key in self.order if scores[key] == top)


@dataclass(frozen=True)
class _Taxonomy:
    categories: _Scorer
    business_lines: _Scorer
    priority_labels: Dict[str, str]
    high_priority: Tuple[Pattern[str], ...]
    negations: Tuple[str, ...]
    negation_window: int
    flags: Dict[str, Tuple[Pattern[str], ...]]
    kinds: Dict[str, Dict[str, Tuple[Pattern[str], ...]]]
    min_category_score: int


def _scorer(section: Dict, weights: Dict[str, int]) -> _Scorer:
    patterns: Dict[str, Tuple[Tuple[Pattern[str], int], ...]] = {}
    labels: Dict[str, str] = {}
    for key, spec in section.items():
        labels[key] = spec.get("label", key)
        compiled: List[Tuple[Pattern[str], int]] = []
        for group in ("strong", "weak"):
            for item in spec.get(group) or []:
                pattern, weight = (item if isinstance(item, list) else (item, weights[group]))
                compiled.append((re.compile(str(pattern)), int(weight)))
        patterns[key] = tuple(compiled)
    return _Scorer(tuple(section), labels, patterns)


@lru_cache(maxsize=1)
def taxonomy() -> _Taxonomy:
    data = yaml.safe_load(TAXONOMY_PATH.read_text(encoding="utf-8"))
    weights = data.get("weights", {"strong": 3, "weak": 1})
    flags = data["flags"]
    return _Taxonomy(
        categories=_scorer(data["categories"], weights),
        business_lines=_scorer(data["business_lines"], weights),
        priority_labels=dict(data["priority"]["labels"]),
        high_priority=tuple(re.compile(p) for p in data["priority"]["high"]),
        negations=tuple(flags.get("negations", [])),
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
    )


def classify(text: str) -> Tuple[str, str, str]:
    """(category, business_line, priority) of a complaint text."""
    t = normalize_text(text or "")
    tax = taxonomy()
    # one weak word ("网点", "柜员") is not enough to name a category
    category = tax.categories.best(t, minimum=tax.min_category_score)
    business_line = tax.business_lines.best(t)
    priority = "high" if any(p.search(t) for p in tax.high_priority) else "normal"
    return category, business_line, priority


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


def _negated(text: str, start: int, tax: _Taxonomy) -> bool:
    window = text[max(0, start - tax.negation_window): start]
    return any(neg in window for neg in tax.negations)


def _flag(text: str, name: str, tax: _Taxonomy) -> bool:
    for pattern in tax.flags[name]:
        for m in pattern.finditer(text):
            if not _negated(text, m.start(), tax):
                return True
    return False


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
