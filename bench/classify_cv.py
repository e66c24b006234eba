"""Cross-validation of the rules + learned-fallback combination in actions/classify.py.

    .venv/bin/python bench/classify_cv.py [--folds 5] [--repeats 2]

Folds are drawn from actions/data/complaints_labelled.yml only (texts the rules were NOT tuned
on); actions/data/dev.yml is always in the training part, as in production. Prints
category and business-line accuracy of the rules alone, the model alone and each combination
policy. Never reads the held-out sets.
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actions import classify as C  # noqa: E402
from actions import classify_model as M  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--errors", action="store_true",
                    help="list the texts the chosen combination gets wrong (first repeat)")
    args = ap.parse_args()
    from sklearn.model_selection import StratifiedKFold

    labelled = M.load_examples(include_dev=False)
    dev = M.load_examples()[len(labelled):]
    y = [c for _, c, _ in labelled]
    rules = [C.rule_decision(t) for t, _, _ in labelled]
    cat_hits = defaultdict(int)
    line_hits = defaultdict(int)
    n = 0
    errors = []
    for seed in range(args.repeats):
        skf = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=seed)
        for train_idx, test_idx in skf.split(labelled, y):
            models = M.train([labelled[i] for i in train_idx] + dev)
            for i in test_idx:
                text, gold_c, gold_l = labelled[i]
                r = rules[i]
                (mc, mcp), (ml, mlp) = models.predict(text)
                n += 1
                cats = {
                    "rules": r.category,
                    "model": mc,
                    "rule_else_model": r.category if r.rule else mc,
                    "rule_else_vague_else_model": r.category if (r.rule or r.vague) else mc,
                }
                base = cats["rule_else_vague_else_model"]
                for t in (0.25, 0.5):
                    cats[f"..+override_margin>={t}"] = mc if (r.rule and mc != r.category and mcp >= t) else base
                for t in (0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5):
                    cats[f"..+override_non_decisive>={t}"] = (
                        mc if (r.rule and r.rule not in C.DECISIVE_RULES and mc != r.category and mcp >= t) else base)
                for t in (0.1, 0.2, 0.3):
                    cats[f"no-rule model only if margin>={t}, +override>=0.3"] = (
                        r.category if (not r.rule and not r.vague and mcp < t)
                        else cats["..+override_non_decisive>=0.3"])
                cats["no override into other"] = (
                    cats["no-rule model only if margin>=0.1, +override>=0.3"]
                    if not (r.rule and mc == "other") else r.category)
                chosen = C.combine(r, {"category": mc, "category_p": mcp, "business_line": ml, "business_line_p": mlp})
                cats["CHOSEN: actions.classify.combine"] = chosen[0]
                for k, v in cats.items():
                    cat_hits[k] += v == gold_c
                fb = not (r.rule or r.vague)
                lines = {
                    "rules": r.business_line,
                    "model": ml,
                    "fixed_else_model": r.business_line if r.line_fixed else ml,
                    "fixed_else_model_when_fallback": ml if (fb and not r.line_fixed) else r.business_line,
                    "fixed_else_model_when_no_line_score": ml if (not r.line_fixed and r.line_score == 0) else r.business_line,
                    "fallback_or_no_score": ml if (not r.line_fixed and (fb or r.line_score == 0)) else r.business_line,
                }
                for t in (0.2, 0.3, 0.5):
                    lines[f"fallback+override>={t}"] = (
                        ml if (not r.line_fixed and (fb or (ml != r.business_line and mlp >= t))) else r.business_line)
                    lines[f"fallback_or_no_score(non-staff)+override>={t}"] = (
                        ml if (not r.line_fixed and (fb or (r.line_score == 0 and r.category != "staff_service")
                                                     or (ml != r.business_line and mlp >= t))) else r.business_line)
                for t in (0.1, 0.25, 0.5, 1.0):
                    lines[f"fallback_or_no_score+override>={t}"] = (
                        ml if (not r.line_fixed and (fb or r.line_score == 0 or (ml != r.business_line and mlp >= t)))
                        else r.business_line)
                for floor in (3, 4, 6):
                    for t in (0.3, 0.6):
                        lines[f"fallback+override>=0.3, score>={floor} needs margin>={t + 0.3:.1f}"] = (
                            r.business_line if r.line_fixed else
                            ml if ((fb and r.line_score < floor) or
                                   (ml != r.business_line and mlp >= (t + 0.3 if r.line_score >= floor else 0.3))
                                   or (fb and r.line_score >= floor and ml == r.business_line))
                            else r.business_line)
                lines["CHOSEN: actions.classify.combine"] = chosen[1]
                if seed == 0 and (chosen[0] != gold_c or chosen[1] != gold_l):
                    errors.append(f"  {gold_c}/{gold_l} -> {chosen[0]}/{chosen[1]} "
                                  f"(rule={r.rule}, by {chosen[2]}/{chosen[3]})  {text}")
                for k, v in lines.items():
                    line_hits[k] += v == gold_l
    print(f"{args.folds}-fold x {args.repeats} over {len(labelled)} labelled texts (+{len(dev)} dev always in training)")
    print("category:")
    for k, v in cat_hits.items():
        print(f"  {k:45s} {100 * v / n:5.1f}%")
    print("business line:")
    for k, v in line_hits.items():
        print(f"  {k:45s} {100 * v / n:5.1f}%")
    if args.errors:
        print(f"errors of the chosen combination (repeat 0, {len(errors)}):")
        print("\n".join(sorted(errors)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
