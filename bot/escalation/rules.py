"""Loading and matching the trainer-editable rule files in ``bot/escalation/rules/``.

One file per reason. Keywords, patterns and exceptions are normalised like the customer's text
(``bot.text.normalize_text`` + lower case) when loaded, so a trainer may write them in
Traditional or full-width characters. See docs/escalation.md for the file format.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Set, Tuple

import yaml

from bot.text import normalize_text

RULES_DIR = Path(__file__).resolve().parent / "rules"
REASONS = ("self_harm", "violence", "regulator", "media", "anger", "human")  # priority order
# Blanks out what an exception matched. Not a character any keyword or pattern uses, and one
# per masked character so the positions of the rest of the text stay where they were.
MASK = "\u25a1"


def norm(text: str) -> str:
    return normalize_text(text).lower()


@dataclass(frozen=True)
class Pattern:
    name: str
    regex: re.Pattern
    example: str


@dataclass
class RuleSet:
    """The rules of one reason (one file)."""

    reason: str
    path: Path
    keywords: List[Tuple[str, re.Pattern]] = field(default_factory=list)
    patterns: List[Pattern] = field(default_factory=list)
    mild_keywords: List[Tuple[str, re.Pattern]] = field(default_factory=list)
    mild_patterns: List[Pattern] = field(default_factory=list)
    intensifiers: List[Pattern] = field(default_factory=list)
    exceptions: List[Pattern] = field(default_factory=list)

    def mask(self, text: str) -> Tuple[str, bool]:
        """``text`` with every exception's match blanked out, and whether any matched."""
        hit = False
        for exc in self.exceptions:
            text, n = exc.regex.subn(lambda m: MASK * len(m.group(0)), text)
            hit = hit or n > 0
        return text, hit

    @staticmethod
    def _find(text: str, keywords, patterns) -> List[str]:
        found = [kw for kw, rx in keywords if rx.search(text)]
        # 保监会 inside 银保监会 is one cue, not two
        cues = [kw for kw in found if not any(kw != other and kw in other for other in found)]
        cues += [p.name for p in patterns if p.regex.search(text)]
        return cues

    def strong_cues(self, text: str) -> List[str]:
        return self._find(text, self.keywords, self.patterns)

    def mild_cues(self, text: str) -> List[str]:
        return self._find(text, self.mild_keywords, self.mild_patterns)

    def intensifier_cues(self, text: str) -> List[str]:
        return [p.name for p in self.intensifiers if p.regex.search(text)]


def _keyword_regex(keyword: str) -> re.Pattern:
    # Digits and Latin letters get boundaries: 12345 inside 13812345678 or "sb" inside "usb" is
    # not the keyword. Chinese has no word boundaries, so Chinese keywords match as substrings.
    body = re.escape(keyword)
    if keyword[0].isdigit():
        body = r"(?<!\d)" + body
    elif keyword[0].isascii() and keyword[0].isalpha():
        body = r"(?<![a-z])" + body
    if keyword[-1].isdigit():
        body += r"(?!\d)"
    elif keyword[-1].isascii() and keyword[-1].isalpha():
        body += r"(?![a-z])"
    return re.compile(body)


def _keywords(path: Path, values) -> List[Tuple[str, re.Pattern]]:
    out = []
    for value in values or []:
        keyword = norm(str(value))
        if not keyword:
            raise ValueError(f"{path.name}: empty keyword")
        out.append((keyword, _keyword_regex(keyword)))
    return out


def _patterns(path: Path, values) -> List[Pattern]:
    out = []
    for entry in values or []:
        if not isinstance(entry, dict) or not {"name", "pattern", "example"} <= set(entry):
            raise ValueError(f"{path.name}: each pattern needs name, pattern and example: {entry!r}")
        try:
            # the pattern is not run through normalize_text: NFKC would rewrite regex syntax
            # (full-width brackets), so patterns are written in Simplified, half-width form
            regex = re.compile(str(entry["pattern"]), re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"{path.name}: pattern {entry['name']!r} does not compile: {exc}") from exc
        out.append(Pattern(str(entry["name"]), regex, str(entry["example"])))
    return out


def load_ruleset(path: Path) -> RuleSet:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    reason = data.get("reason")
    if reason not in REASONS:
        raise ValueError(f"{path.name}: reason must be one of {REASONS}, not {reason!r}")
    return RuleSet(
        reason=reason,
        path=path,
        keywords=_keywords(path, data.get("keywords")),
        patterns=_patterns(path, data.get("patterns")),
        mild_keywords=_keywords(path, data.get("mild_keywords")),
        mild_patterns=_patterns(path, data.get("mild_patterns")),
        intensifiers=_patterns(path, data.get("intensifiers")),
        exceptions=_patterns(path, data.get("exceptions")),
    )


def load_rules(rules_dir: Optional[Path] = None) -> Dict[str, RuleSet]:
    """Every ``*.yml`` in ``rules_dir``, by reason, in priority order."""
    rules_dir = Path(rules_dir or RULES_DIR)
    found: Dict[str, RuleSet] = {}
    for path in sorted(rules_dir.glob("*.yml")):
        ruleset = load_ruleset(path)
        if ruleset.reason in found:
            raise ValueError(f"{path.name}: reason {ruleset.reason!r} also in {found[ruleset.reason].path.name}")
        found[ruleset.reason] = ruleset
    return {r: found[r] for r in REASONS if r in found}


def rule_matches(rules: Mapping[str, "RuleSet"], text: str) -> Tuple[Dict[str, Tuple[str, Tuple[str, ...]]], Set[str]]:
    """{reason: (level, cues)} of the rules that fire on normalised ``text``, and the reasons
    whose exceptions matched (the detector and the learned model both read them)."""
    hits: Dict[str, Tuple[str, Tuple[str, ...]]] = {}
    exceptions: Set[str] = set()
    for reason, ruleset in rules.items():
        masked, exception = ruleset.mask(text)
        if exception:
            exceptions.add(reason)
        strong = ruleset.strong_cues(masked)
        if strong:
            hits[reason] = ("strong", tuple(strong))
            continue
        mild = ruleset.mild_cues(masked)
        boost = ruleset.intensifier_cues(masked)
        if mild and boost:
            hits[reason] = ("strong", tuple(mild + boost))
        elif mild or boost:
            hits[reason] = ("mild", tuple(mild or boost))
    return hits, exceptions
