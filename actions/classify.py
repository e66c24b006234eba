"""Category, business line and priority of a complaint, plus the confidential/compensation flags.

The labelling rules are written in ``docs/taxonomy.md``; their words live in
``actions/taxonomy.yml`` so a trainer can tune them without touching code, and this module only
applies them. Keyword rules are deliberate: a trainer can see why a case was classified the way
it was (``explain(text)``), and a misclassified case is fixed by an edit to the word list. The
classification is a first guess for routing; the case desk lets staff correct it.

Where the rules are not decisive (no rule fires, or a broad rule meets a confident
disagreement), a small model trained at first use from committed labelled text decides
(``actions/classify_model.py``, ``combine``; docs/taxonomy.md "Learned fallback").
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Pattern, Tuple

import yaml

from bot.dialect import to_mandarin
from bot.text import normalize_text

logger = logging.getLogger(__name__)

TAXONOMY_PATH = Path(__file__).with_name("taxonomy.yml")
# The learned model overrides a non-decisive rule when its margin (best class score minus the
# runner-up, LinearSVC decision function) is at least this; cross-validated plateau 0.2–0.4.
MODEL_MARGIN = 0.3
# When no rule fired, the model's category is taken only with at least this margin; below it
# the rules' own guess stands (a text with nothing concrete in it).
MODEL_MIN_MARGIN = 0.1
# A line the keyword scorer names with a strong word (score >= LINE_STRONG_SCORE: 信用卡, 存折,
# 代扣, 吞卡…) is replaced by the model's only with a margin of at least LINE_STRONG_MARGIN, also
# when no category rule fired; cross-validated (bench/classify_cv.py), +0.8 pt line accuracy.
LINE_STRONG_SCORE = 3
LINE_STRONG_MARGIN = 0.6

CATEGORIES = ("product_service", "business_operation", "staff_service", "transaction_dispute", "other")
BUSINESS_LINES = ("deposit", "loan", "bank_card", "payment", "cash", "wealth", "personal_info", "other")
PRIORITIES = ("high", "normal")


Negation = Tuple[Tuple[str, ...], int]


def _negated(text: str, start: int, negation: Negation) -> bool:
    """A cue ("不是", "不是说", "没买过") shortly before the hit, in the same clause."""
    cues, window = negation
    before = re.split(r"[，。！？；,!?;\n]", text[max(0, start - window): start])[-1]
    return any(cue in before for cue in cues)


FLAG_NAMES = ("confidential", "compensation_requested")


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
    business_line: str
    high_priority: bool
    patterns: Tuple[Pattern[str], ...]
    unless: Tuple[Pattern[str], ...]
    default_line: Optional[str] = None
    default_line_when: Optional[Pattern[str]] = None
    # fund-safety classes (taxonomy.yml `priority.fund_safety`) that make this rule fire too
    fires_with: Tuple[str, ...] = ()
    # the rule's category stands but its high priority does not (保本 sold, the principal back
    # and only the yield short: no major loss)
    normal_when: Tuple[Pattern[str], ...] = ()

    def fires(self, text: str, negation: Negation, safety: Optional[str] = None) -> bool:
        if any(p.search(text) for p in self.unless):
            return False
        if safety is not None and safety in self.fires_with:
            return True
        return any(_hits(p, text, negation) for p in self.patterns)


@dataclass(frozen=True)
class _Cues:
    """Negation cues as regular expressions, searched in the same clause just before a hit
    (up to ``window`` characters): "不是诈骗", "没被骗", "差点被骗", "防诈骗宣传". ``doubt`` cues
    ("担心被盗刷", "是不是被骗了") negate only while no money is gone: after "卡里少了五千" the
    same words are the customer's suspicion, not a hypothesis."""
    cues: Tuple[Pattern[str], ...]
    doubt: Tuple[Pattern[str], ...]
    window: int

    def negated(self, text: str, start: int, loss: bool) -> bool:
        before = re.split(r"[，。！？；,!?;\n]", text[max(0, start - self.window): start])[-1]
        cues = self.cues if loss else self.cues + self.doubt
        return any(cue.search(before) for cue in cues)

    def hits(self, pattern: Pattern[str], text: str, loss: bool = False) -> bool:
        return any(not self.negated(text, m.start(), loss) for m in pattern.finditer(text))


@dataclass(frozen=True)
class _SafetyClass:
    """One class of fund-safety case (taxonomy.yml `priority.fund_safety`): it fires, unless an
    `unless` pattern matches, when a hit that is not negated is

    - a `patterns` hit;
    - an `unexplained` hit (a denial that names a debit itself: "不是我刷的", "我根本没消费过")
      and the customer does not say where the money went (`explained`: a bank fee, a machine
      that paid out short or swallowed cash, a failed or doubled payment);
    - a `with_debit` hit ("卡在我手上", "我在睡觉", "从来没开通过会员") while a debit is
      referenced (money gone or named, `loss`; or a transaction, `debit`) and not explained;
    - a `with_loss` hit and money is gone, moved or named (`loss`)."""
    name: str
    patterns: Tuple[Pattern[str], ...]
    with_loss: Tuple[Pattern[str], ...]
    unless: Tuple[Pattern[str], ...]
    unexplained: Tuple[Pattern[str], ...] = ()
    with_debit: Tuple[Pattern[str], ...] = ()

    def fires(self, text: str, cues: _Cues, loss: bool, debit: bool = False, explained: bool = True) -> bool:
        if any(p.search(text) for p in self.unless):
            return False
        if any(cues.hits(p, text, loss) for p in self.patterns):
            return True
        if not explained:
            debited = loss or debit
            if any(cues.hits(p, text, debited) for p in self.unexplained):
                return True
            if debited and any(cues.hits(p, text, debited) for p in self.with_debit):
                return True
        return loss and any(cues.hits(p, text, loss) for p in self.with_loss)


@dataclass(frozen=True)
class _Kind:
    """A kind of case within a category (taxonomy.yml `case_kinds`)."""
    patterns: Tuple[Pattern[str], ...]
    unless: Tuple[Pattern[str], ...]

    def fits(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns) and not any(p.search(text) for p in self.unless)


@dataclass(frozen=True)
class _Taxonomy:
    rules: Tuple[_Rule, ...]
    categories: _Scorer
    business_lines: _Scorer
    staff_lines: _Scorer
    negation: Negation
    priority_labels: Dict[str, str]
    fund_safety: Tuple[_SafetyClass, ...]
    priority_cues: _Cues
    loss: Tuple[Pattern[str], ...]
    loss_unless: Tuple[Pattern[str], ...]
    debit: Tuple[Pattern[str], ...]
    explained: Tuple[Pattern[str], ...]
    flag_negations: Tuple[str, ...]
    negation_window: int
    flags: Dict[str, Tuple[Pattern[str], ...]]
    flag_unless: Dict[str, Tuple[Pattern[str], ...]]
    flag_withdrawn: Dict[str, Tuple[Pattern[str], ...]]
    kinds: Dict[str, Dict[str, _Kind]]
    min_category_score: int
    vague: Tuple[Pattern[str], ...]
    fallback: Tuple[Tuple[str, Tuple[Pattern[str], ...]], ...]

    def money_lost(self, text: str) -> bool:
        """Money is gone, moved or named, and not by a charge or fault the customer can name
        (a fee, a machine that did not pay out, a failed transfer): taxonomy.yml `priority.loss`."""
        if any(p.search(text) for p in self.loss_unless):
            return False
        return any(self.priority_cues.hits(p, text) for p in self.loss)

    def explains(self, text: str) -> bool:
        """The customer names where the money went: a bank fee, a machine that paid out short or
        kept the cash, a failed or doubled payment, or only a thing that is not money (征信, a
        service opened, a freeze): taxonomy.yml `priority.explained`."""
        return any(p.search(text) for p in self.explained)

    def debited(self, text: str) -> bool:
        """A transaction or debit is referenced (一笔消费, 扣款短信, 被扣): `priority.debit`."""
        return any(self.priority_cues.hits(p, text) for p in self.debit)

    def safety_class(self, text: str) -> Optional[str]:
        """The first fund-safety class that fires (scam, unauthorised, lost_card …), or None."""
        loss = self.money_lost(text)
        explained = self.explains(text)
        debit = not explained and self.debited(text)
        return next((c.name for c in self.fund_safety
                     if c.fires(text, self.priority_cues, loss, debit, explained)), None)

    def guess(self, text: str) -> str:
        """No rule fired: the thing the customer names decides (taxonomy.yml `fallback`)."""
        if any(p.search(text) for p in self.vague):
            return "other"
        for category, patterns in self.fallback:
            if any(_hits(p, text, self.negation) for p in patterns):
                return category
        return "other"


def _patterns(items) -> Tuple[Pattern[str], ...]:
    return tuple(re.compile(str(p)) for p in items or [])


def _kind(spec) -> _Kind:
    if isinstance(spec, dict):
        return _Kind(_patterns(spec.get("patterns")), _patterns(spec.get("unless")))
    return _Kind(_patterns(spec), ())


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
    priority = data["priority"]
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
            fires_with=tuple(rule.get("fires_with") or ()),
            normal_when=tuple(re.compile(str(p)) for p in rule.get("normal_when") or []),
        )
        for rule in data.get("category_rules") or []
    )
    return _Taxonomy(
        rules=rules,
        categories=_scorer(data["categories"], weights),
        business_lines=_scorer(data["business_lines"], weights),
        staff_lines=_scorer({**(data.get("staff_lines") or {}), "other": []}, weights),
        negation=(tuple(negation.get("cues", [])), int(negation.get("window", 6))),
        priority_labels=dict(priority["labels"]),
        fund_safety=tuple(
            _SafetyClass(name, _patterns(spec.get("patterns")), _patterns(spec.get("with_loss")),
                         _patterns(spec.get("unless")), _patterns(spec.get("unexplained")),
                         _patterns(spec.get("with_debit")))
            for name, spec in (priority.get("fund_safety") or {}).items()
        ),
        priority_cues=_Cues(_patterns((priority.get("negation") or {}).get("cues")),
                            _patterns((priority.get("negation") or {}).get("doubt")),
                            int((priority.get("negation") or {}).get("window", 8))),
        loss=_patterns((priority.get("loss") or {}).get("patterns")),
        loss_unless=_patterns((priority.get("loss") or {}).get("unless")),
        debit=_patterns(priority.get("debit")),
        explained=_patterns(priority.get("explained")),
        flag_negations=tuple(flags.get("negations", [])),
        negation_window=int(flags.get("negation_window", 6)),
        flags={
            name: tuple(re.compile(p) for p in flags[name])
            for name in FLAG_NAMES
        },
        flag_unless={name: _patterns((flags.get("unless") or {}).get(name)) for name in FLAG_NAMES},
        flag_withdrawn={name: _patterns((flags.get("withdrawn") or {}).get(name)) for name in FLAG_NAMES},
        kinds={
            category: {kind: _kind(kind_spec) for kind, kind_spec in spec.items()}
            for category, spec in (data.get("case_kinds") or {}).items()
        },
        min_category_score=int(data.get("min_category_score", 2)),
        vague=tuple(re.compile(str(p)) for p in (data.get("fallback") or {}).get("vague", [])),
        fallback=tuple(
            (rule["category"], tuple(re.compile(str(p)) for p in rule["patterns"]))
            for rule in (data.get("fallback") or {}).get("rules", [])
        ),
    )


# Category rules precise enough to win over the learned model (bench/classify_cv.py).
DECISIVE_RULES = frozenset({"private_sale", "mis_selling", "operating_error", "credit_report", "cash_shortfall"})
# A scam or an unauthorised debit is a transaction dispute (docs/taxonomy.md §1 rule 3, §3): when
# one of these fund-safety classes made the money-dispute rule fire, the model does not move the
# case elsewhere ("我没授权" is not a business operation).
DECISIVE_SAFETY = frozenset({"scam", "unauthorised"})


@dataclass(frozen=True)
class RuleDecision:
    """What the keyword rules say about a text, and how sure they are."""
    category: str
    business_line: str
    high: bool
    rule: Optional[str]  # the category rule that fired, None when the fallback guessed
    vague: bool  # a bare "我要投诉" or a threat: `other` on purpose
    line_fixed: bool  # the rule itself names the line
    line_score: int  # top score of the line scorer (0: nothing named a product)
    # why the priority is high: a high-priority category rule ("mis_selling", "private_sale")
    # or a fund-safety class ("scam", "unauthorised", "lost_card"); None when normal
    reason: Optional[str] = None
    safety: Optional[str] = None  # the fund-safety class, when the reason is one


def rule_decision(text: str) -> RuleDecision:
    """The keyword rules of taxonomy.yml alone (docs/taxonomy.md §1–§3)."""
    t = normalize_text(text or "")
    tax = taxonomy()
    # a dialect's words read as Mandarin too (Hokkien 予人转走矣 = 被人转走了, Henan 俺嘞卡): the
    # reading can only add a fund-safety class, never take one away
    safety = tax.safety_class(t) or tax.safety_class(to_mandarin(t))
    rule = next((r for r in tax.rules if r.fires(t, tax.negation, safety)), None)
    vague = False
    if rule is not None:
        category = rule.category
    else:
        vague = any(p.search(t) for p in tax.vague)
        category = tax.guess(t)
    line_fixed = bool(rule is not None and rule.business_line)
    business_line: str
    if rule is not None and rule.business_line:
        business_line = rule.business_line
        line_score = 99
    elif category == "staff_service":
        scores = tax.staff_lines.scores(t, tax.negation)
        line_score = max(scores.values(), default=0)
        business_line = tax.staff_lines.best(t, tax.negation)
    else:
        scores = tax.business_lines.scores(t, tax.negation)
        line_score = max(scores.values(), default=0)
        business_line = tax.business_lines.best(t, tax.negation)
        if business_line == "other" and rule is not None and rule.default_line and (
            rule.default_line_when is None or rule.default_line_when.search(t)
        ):
            business_line = rule.default_line
    # A mis-selling or private-sale case is high for that reason even when the customer says
    # "被骗": its safety advice is not a scam's (no 110, no freezing).
    reason: Optional[str] = safety
    if rule is not None and rule.high_priority and not any(p.search(t) for p in rule.normal_when):
        reason, safety = rule.name, None
    return RuleDecision(category, business_line, reason is not None, rule.name if rule else None, vague,
                        line_fixed, line_score, reason, safety)


def classify_rules_only(text: str) -> Tuple[str, str, str]:
    """(category, business_line, priority) from the keyword rules alone (no learned model)."""
    d = rule_decision(text)
    return d.category, d.business_line, "high" if d.high else "normal"


def names_a_problem(text: str) -> bool:
    """Does the text name something a complaint is about (a category or business-line word, or
    a fund-safety case)? The learned model guesses a category for any text ("好的" included), so
    telling more of a complaint from small talk needs the words themselves."""
    t = normalize_text(text or "")
    tax = taxonomy()
    return (
        fund_safety(text) is not None
        or any(tax.categories.scores(t, tax.negation).values())
        or any(tax.business_lines.scores(t, tax.negation).values())
    )


def explain(text: str) -> Dict[str, object]:
    """Why a text gets its labels: the rule that fired, the line scores, the learned model's
    guess and which of them decided (for trainers)."""
    t = normalize_text(text or "")
    tax = taxonomy()
    d = rule_decision(text)
    model = _model_prediction(text)
    category, line, c_src, l_src = combine(d, model)
    return {
        "rule": d.rule,
        "category_scores": tax.categories.scores(t, tax.negation),
        "line_scores": tax.business_lines.scores(t, tax.negation),
        "staff_line_scores": tax.staff_lines.scores(t, tax.negation),
        "rules_say": (d.category, d.business_line),
        "priority": ("high" if d.high else "normal", d.reason),
        "model_says": model,
        "decided": {"category": category, "category_by": c_src, "business_line": line, "business_line_by": l_src},
    }


def _model_prediction(text: str) -> Optional[Dict[str, object]]:
    """The learned fallback's labels and margins (actions/classify_model.py); None if disabled
    (CLASSIFY_MODEL=off) or unavailable, so the rules alone still answer."""
    if os.environ.get("CLASSIFY_MODEL", "on").lower() in ("off", "0", "false", "no"):
        return None
    try:
        from actions import classify_model

        return classify_model.predict(text)
    except Exception:  # pragma: no cover - a broken model must never break the intake
        logger.exception("learned classifier unavailable; using the keyword rules alone")
        return None


def _decisive(rules: RuleDecision) -> bool:
    return rules.rule in DECISIVE_RULES or (
        rules.safety in DECISIVE_SAFETY and rules.category == "transaction_dispute")


def combine(rules: RuleDecision, model: Optional[Dict[str, object]]) -> Tuple[str, str, str, str]:
    """(category, business_line, category_source, line_source) — docs/taxonomy.md "Learned
    fallback"; chosen by cross-validation (bench/classify_cv.py).

    Category: a vague complaint or threat stays with the rules; a DECISIVE rule (or a money
    dispute that is a scam or an unauthorised debit, DECISIVE_SAFETY) wins; another
    rule wins unless the model disagrees with a margin >= MODEL_MARGIN; when no rule fired the
    model decides if its margin is >= MODEL_MIN_MARGIN, else the rules' guess stands.
    Line: a vague complaint and a line named by the rule stay; otherwise the model decides when
    no rule fired and no strong line word was found, or when it disagrees with the line scorer
    by a margin >= MODEL_MARGIN (>= LINE_STRONG_MARGIN when the scorer found a strong word).
    """
    category, c_src = rules.category, "rule" if rules.rule else ("vague" if rules.vague else "guess")
    line, l_src = rules.business_line, "rule"
    if model is None:
        return category, line, c_src, l_src
    m_cat, m_cp = str(model["category"]), float(model["category_p"])  # type: ignore[arg-type]
    m_line, m_lp = str(model["business_line"]), float(model["business_line_p"])  # type: ignore[arg-type]
    if rules.rule is None and not rules.vague:
        if m_cp >= MODEL_MIN_MARGIN:
            category, c_src = m_cat, "model"
    elif rules.rule is not None and not _decisive(rules) and m_cat != category and m_cp >= MODEL_MARGIN:
        category, c_src = m_cat, "model"
    if rules.vague or rules.line_fixed:
        return category, line, c_src, l_src
    strong_line = rules.line_score >= LINE_STRONG_SCORE
    needed = LINE_STRONG_MARGIN if strong_line else MODEL_MARGIN
    if (rules.rule is None and not strong_line) or (m_line != line and m_lp >= needed):
        line, l_src = m_line, "model"
    return category, line, c_src, l_src


def classify(text: str) -> Tuple[str, str, str]:
    """(category, business_line, priority) of a complaint text (docs/taxonomy.md): the keyword
    rules, with the learned model where they are not decisive. Priority stays rule-based."""
    d = rule_decision(text)
    category, business_line, _, _ = combine(d, _model_prediction(text))
    return category, business_line, "high" if d.high else "normal"


def fund_safety(text: str) -> Optional[str]:
    """The fund-safety class of a complaint (taxonomy.yml `priority.fund_safety`: "scam",
    "unauthorised", "lost_card"), or None. These cases are high priority and get the bank's
    safety advice (report to 110, freeze or 挂失 through the hotline, keep evidence, no more
    transfers). A mis-selling case is high priority but not one of them (see ``rule_decision``)."""
    return rule_decision(text).safety


def case_kind(category: Optional[str], business_line: Optional[str], text: str) -> str:
    """The category, refined where cases of one category need different facts
    ("product_service/fee" needs the amount, "product_service/atm" the branch and the date,
    "staff_service/collection" no branch: collectors do not sit in one). The first kind of the
    category (taxonomy.yml `case_kinds`) whose words appear, and none of its `unless`, or
    whose name is the business line, wins."""
    category = category or "other"
    kinds = taxonomy().kinds.get(category)
    if not kinds:
        return category
    t = normalize_text(text or "")
    for name, kind in kinds.items():
        if name == business_line or kind.fits(t):
            return f"{category}/{name}"
    return category


def _flag(text: str, name: str, tax: _Taxonomy) -> bool:
    negation = (tax.flag_negations, tax.negation_window)
    # what the flag's `unless:` patterns match is blanked out first, so a real request elsewhere
    # in the message still counts ("我的信息你们要保密，也别让经理知道是我投诉的")
    for pattern in tax.flag_unless[name]:
        text = pattern.sub(lambda m: "□" * len(m.group(0)), text)
    return any(_hits(pattern, text, negation) for pattern in tax.flags[name])


def detect_flags(text: str) -> Dict[str, bool]:
    """{confidential, compensation_requested}: what the customer asks for besides the facts."""
    t = normalize_text(text or "")
    tax = taxonomy()
    # and read as Mandarin: "覅讲是吾投诉额" (Wu) asks what "不要讲是我投诉的" asks
    mandarin = to_mandarin(t)
    return {name: _flag(t, name, tax) or (mandarin != t and _flag(mandarin, name, tax)) for name in FLAG_NAMES}


def flags_withdrawn(text: str) -> Dict[str, bool]:
    """The flags a later message takes back ("实名就实名吧"): the request is no longer made."""
    t = normalize_text(text or "")
    tax = taxonomy()
    mandarin = to_mandarin(t)
    return {name: any(p.search(t) or p.search(mandarin) for p in tax.flag_withdrawn[name]) for name in FLAG_NAMES}


def category_label(code: Optional[str]) -> str:
    return taxonomy().categories.labels.get(code or "other", "其他事项")


def business_line_label(code: Optional[str]) -> str:
    return taxonomy().business_lines.labels.get(code or "other", "其他")


def priority_label(code: Optional[str]) -> str:
    return taxonomy().priority_labels.get(code or "normal", "普通")


# Importing the model module inside `rasa run actions` starts its training in the background
# while the server starts (classify_model._warm_up_on_action_server).
from actions import classify_model as _classify_model  # noqa: E402,F401
