"""Loading and matching the trainer-editable rule files in ``bot/escalation/rules/``.

One file per reason. Keywords, patterns and exceptions are normalised like the customer's text
(``bot.text.normalize_text`` + lower case) when loaded, so a trainer may write them in
Traditional or full-width characters. See docs/escalation.md for the file format.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Set, Tuple

import yaml

from bot.dialect import to_mandarin
from bot.escalation import scope as cue_scope
from bot.escalation.spelling import plain_spelling
from bot.text import normalize_text

# ESCALATION_RULES_DIR: another directory of rule files (a test's copy; every process reading
# them must be given the same one)
RULES_DIR = Path(os.environ.get("ESCALATION_RULES_DIR") or Path(__file__).resolve().parent / "rules")
REASONS = ("self_harm", "violence", "regulator", "media", "anger", "human")  # priority order
# Blanks out what an exception matched. Not a character any keyword or pattern uses, and one
# per masked character so the positions of the rest of the text stay where they were.
MASK = "\u25a1"
# Reasons whose cues are never scoped by one sign (bot/escalation/scope.py): their cues carry
# their own negations (不想活, 别逼我) and must win unless two signs agree (someone else, and a
# joke or news: scope.why_severe_not_live). A ``scope:`` in their files is an error.
NEVER_SCOPED = ("self_harm", "violence")
SCOPED_IS_EXCEPTION = True


def norm(text: str) -> str:
    return to_mandarin(plain_spelling(normalize_text(text).lower()))


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
    # the file's ``scope:``: which of scope.CODES may explain a cue match away (scope.py); a
    # cue counts when any one of its matches is live. Empty: every match counts, as before.
    scope: Tuple[str, ...] = ()

    def mask(self, text: str) -> Tuple[str, bool]:
        """``text`` with every exception's match blanked out, and whether any matched."""
        hit = False
        for exc in self.exceptions:
            text, n = exc.regex.subn(lambda m: MASK * len(m.group(0)), text)
            hit = hit or n > 0
        return text, hit

    def _live(self, text: str, rx: re.Pattern, scoped: Optional[List[str]],
              ignore: Tuple[str, ...] = ()) -> bool:
        """Whether ``rx`` matches ``text`` at least once as a live cue (scope.py). Each match is
        judged on its own: 我不会去找记者,但再不退钱我就找记者 fires on the second. ``ignore``:
        scope codes left out of the file's ``scope:`` for this look."""
        severe = self.reason in NEVER_SCOPED
        scope = tuple(code for code in self.scope if code not in ignore)
        if not scope and not severe:
            return rx.search(text) is not None
        for m in rx.finditer(text):
            if severe:
                why = cue_scope.why_severe_not_live(text, m.start(), m.end())
            else:
                why = cue_scope.why_not_live(text, m.start(), m.end(), scope)
            if why is None:
                return True
            if scoped is not None:
                scoped.append(why)
        return False

    def _find(self, text: str, keywords, patterns, scoped: Optional[List[str]] = None,
              ignore: Tuple[str, ...] = ()) -> List[str]:
        found = [kw for kw, rx in keywords if self._live(text, rx, scoped, ignore)]
        # 保监会 inside 银保监会 is one cue, not two
        cues = [kw for kw in found if not any(kw != other and kw in other for other in found)]
        cues += [p.name for p in patterns if self._live(text, p.regex, scoped, ignore)]
        return cues

    def strong_cues(self, text: str, scoped: Optional[List[str]] = None) -> List[str]:
        """The strong cues of normalised, masked ``text``; ``scoped`` collects the scope codes
        of the matches that were explained away (negated, someone_else …)."""
        return self._find(text, self.keywords, self.patterns, scoped)

    def lowered_cues(self, text: str) -> List[str]:
        """The strong cues that only a ``scope.TO_MILD`` code kept from being live (气死 at a
        system that hangs): they count as mild cues."""
        lowered = self._find(text, self.keywords, self.patterns, ignore=cue_scope.TO_MILD)
        return [cue for cue in lowered if cue not in self.strong_cues(text)]

    def mild_cues(self, text: str, scoped: Optional[List[str]] = None) -> List[str]:
        return self._find(text, self.mild_keywords, self.mild_patterns, scoped)

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
    scope = tuple(str(code) for code in (data.get("scope") or ()))
    unknown = [code for code in scope if code not in cue_scope.CODES]
    if unknown:
        raise ValueError(f"{path.name}: scope must be some of {cue_scope.CODES}, not {unknown}")
    if scope and reason in NEVER_SCOPED:
        raise ValueError(f"{path.name}: {reason} cues are never scoped (they must always win)")
    return RuleSet(
        reason=reason,
        path=path,
        keywords=_keywords(path, data.get("keywords")),
        patterns=_patterns(path, data.get("patterns")),
        mild_keywords=_keywords(path, data.get("mild_keywords")),
        mild_patterns=_patterns(path, data.get("mild_patterns")),
        intensifiers=_patterns(path, data.get("intensifiers")),
        exceptions=_patterns(path, data.get("exceptions")),
        scope=scope,
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
    whose exceptions matched (the detector and the learned model both read them). A reason
    whose cues were all explained away by its ``scope:`` (scope.py: 我不会去找媒体) counts as
    an exception matched when ``SCOPED_IS_EXCEPTION``: the learned model's handoff for it and
    DIET's escalate are then not trusted either, as for a listed exception."""
    hits: Dict[str, Tuple[str, Tuple[str, ...]]] = {}
    exceptions: Set[str] = set()
    for reason, ruleset in rules.items():
        masked, exception = ruleset.mask(text)
        if exception:
            exceptions.add(reason)
        scoped: List[str] = []
        strong = ruleset.strong_cues(masked, scoped)
        if strong:
            hits[reason] = ("strong", tuple(strong))
            continue
        if scoped and SCOPED_IS_EXCEPTION:
            exceptions.add(reason)
        mild = ruleset.mild_cues(masked)
        if any(code in cue_scope.TO_MILD for code in scoped):
            mild = ruleset.lowered_cues(masked) + mild
        boost = ruleset.intensifier_cues(masked)
        if mild and boost:
            hits[reason] = ("strong", tuple(mild + boost))
        elif mild or boost:
            hits[reason] = ("mild", tuple(mild or boost))
    return hits, exceptions
