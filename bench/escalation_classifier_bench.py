"""The learned escalation-reason classifier beside the rule files (issue 13).

    .venv/bin/python bench/escalation_classifier_bench.py           # figures, ~5 s
    .venv/bin/python bench/escalation_classifier_bench.py --tune    # + 5-fold CV: margins, per-reason P/R, ~1 min

Three ways of judging each message, side by side:
- rules: the rule files alone (EscalationDetector(learned=False));
- learned: the model of bot/escalation/classifier.py alone (char n-grams and the
  rules' verdicts as features; its best reason when it beats calm by HANDOFF_MARGIN), no overrides;
- combined: EscalationDetector as shipped (rule hits win unless the model is sure of calm,
  self-harm/violence hits always win, the model hands off for wording no rule lists, a reason's
  exception vetoes the model's handoff for it). No DIET intent: text only.

Sets:
- tests/escalation/third_round.yml: written blind, never used for tuning the rules (self_harm
  counts right when handed off as violence);
- tests/escalation/labelled.yml + holdout_threats.yml and second_round.yml (the rules were tuned
  on these, so the rules' figures there are an upper bound);
- the calm complaint/inform messages of the held-out NLU sets (false handoffs; target <= 2 %).

The model is trained from data/escalation/train.yml + the data/nlu examples that are neither
escalate nor request_human (as calm); none of the sets above is used to train or to choose its
margins. ``--tune`` recomputes the margins the way classifier.py's constants were chosen (5-fold
out-of-fold scores on the training data; every rule keyword and pattern example still fires) and
prints 5-fold per-reason precision/recall of learned and combined on the training data.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.escalation_bench import load_items  # noqa: E402
from bot.escalation import classifier as clf  # noqa: E402
from bot.escalation.detector import EscalationDetector  # noqa: E402
from bot.escalation.rules import REASONS, norm  # noqa: E402

# Every blind round in tests/escalation/<ordinal>_round.yml, newest first. The second round is
# read with the labelled sets (bench/escalation_bench.py), as the rules were tuned on it.
ORDINALS = ["third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth", "thirteenth",
            "fourteenth", "fifteenth", "sixteenth"]
ROUNDS = [ROOT / "tests" / "escalation" / f"{o}_round.yml" for o in reversed(ORDINALS)]
FRAME = "今天下午，{}，就这样"  # tests/escalation/test_rules.py's neutral frame
SEEDS = 3  # shuffles of the 5-fold split averaged when choosing the handoff margin


def strong_reason(item: Dict) -> str:
    """What a message should do: its reason when it hands off, else none (mild anger too)."""
    if item.get("reason") == "none" or item.get("level", "strong") != "strong":
        return "none"
    return str(item["reason"])


def figures(want: Sequence[str], got: Sequence[str]) -> Dict[str, Tuple[int, int]]:
    right = sum(1 for w, g in zip(want, got) if w != "none" and (g == w or (w, g) == ("self_harm", "violence")))
    threats = [i for i, w in enumerate(want) if w not in ("none", "human")]
    negatives = [i for i, w in enumerate(want) if w == "none"]
    out = {"threats": (sum(got[i] != "none" for i in threats), len(threats)),
           "right": (right, sum(w != "none" for w in want)),
           "negatives": (sum(got[i] != "none" for i in negatives), len(negatives))}
    for reason in REASONS:
        idx = [i for i, w in enumerate(want) if w == reason]
        ok = {reason, "violence"} if reason == "self_harm" else {reason}
        out[reason] = (sum(got[i] in ok for i in idx), len(idx))
    return out


def combined_reason(hits, exceptions, verdict: clf.Verdict) -> str:
    """The detector's text-only decision from rule matches and the model's verdict (for sweeps
    over margins; main() checks it agrees with EscalationDetector.detect)."""
    strong = [r for r in REASONS if hits.get(r, ("",))[0] == "strong" and not verdict.vetoes(r)]
    if strong:
        return strong[0]
    return verdict.handoff(exceptions) or "none"


def learned_reason(verdict: clf.Verdict) -> str:
    reason, margin = verdict.best
    return reason if margin > verdict.handoff_margin else "none"


def judge_all(model: clf.ReasonClassifier, texts: Sequence[str], matches=None) -> List[clf.Verdict]:
    matches = matches or [clf.rule_matches(model.rules, t) for t in texts]
    scores = model.scores(list(texts), [clf.rule_row(h, e) for h, e in matches])
    return [clf.Verdict(s, model.handoff_margin, model.veto_margin) for s in scores]


def load_sets() -> Dict[str, List[Dict]]:
    bench = load_items()
    return {
        **{f"{path.stem.replace('_', ' ')} (blind; how it was used: its header and tests/escalation/test_blind_rounds.py)":
           yaml.safe_load(path.read_text(encoding="utf-8"))["items"] for path in ROUNDS if path.exists()},
        "labelled + holdout threats": bench["scored"],
        "second round": bench["untuned"],
        "calm complaints (NLU holdouts)": bench["calm"],
    }


def show_set(name: str, items: List[Dict], rules_det: EscalationDetector, det: EscalationDetector,
             model: clf.ReasonClassifier, list_false: bool) -> None:
    texts = [str(i["text"]) for i in items]
    want = [strong_reason(i) for i in items]
    normed = [norm(t) for t in texts]
    rules = [(d.reason if d and d.strong else "none") for d in map(rules_det.detect, texts)]
    matches = [clf.rule_matches(model.rules, t) for t in normed]
    verdicts = judge_all(model, normed, matches)
    learned = [learned_reason(v) for v in verdicts]
    detections, times = [], []
    for text in texts:
        start = time.perf_counter()
        detections.append(det.detect(text))
        times.append((time.perf_counter() - start) * 1000)
    per_message = sum(times) / len(times)
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    combined = [(d.reason if d and d.strong else "none") for d in detections]
    replica = [combined_reason(h, e, v) for (h, e), v in zip(matches, verdicts)]
    assert replica == combined, "combined_reason() no longer matches EscalationDetector.detect()"
    print(f"\n{name} ({len(items)})")
    rows = {"rules": figures(want, rules), "learned": figures(want, learned), "combined": figures(want, combined)}
    keys = ["threats", "right", "negatives"] + [r for r in REASONS if rows["rules"][r][1]]
    labels = {"threats": "threats handed off", "right": "right reason", "negatives": "negatives handed off"}
    print(f"  {'':24}" + "".join(f"{k:>12}" for k in rows))
    for key in keys:
        if not rows["rules"][key][1]:
            continue
        print(f"  {labels.get(key, key):24}" + "".join(f"{f'{v[key][0]}/{v[key][1]}':>12}" for v in rows.values()))
    print(f"  combined detector: {per_message:.2f} ms per message, p95 {p95:.2f} ms (rules + model; target p95 <= 10 ms)")
    if list_false:
        for text, w, g, d in zip(texts, want, combined, detections):
            if w == "none" and g != "none":
                print(f"      false handoff ({g}, {d.source}): {text}")


def tune(model_factory, texts: List[str], labels: List[str], from_nlu: List[bool], rules,
         handoff_margin: float = clf.HANDOFF_MARGIN, veto_margin: float = clf.VETO_MARGIN) -> None:
    """5-fold out-of-fold scores on the training data: the handoff margin, the veto margin, and
    per-reason precision/recall of learned and combined."""
    from sklearn.model_selection import StratifiedKFold

    normed = [norm(t) for t in texts]
    matches = [clf.rule_matches(rules, t) for t in normed]
    rows = [clf.rule_row(*m) for m in matches]
    runs: List[List[Dict[str, float]]] = []
    for seed in range(SEEDS):
        scores: List[Dict[str, float]] = [{}] * len(texts)
        for train_idx, test_idx in StratifiedKFold(5, shuffle=True, random_state=seed).split(texts, labels):
            fold = model_factory().fit([texts[i] for i in train_idx], [labels[i] for i in train_idx])
            for i, s in zip(test_idx, fold.scores([normed[i] for i in test_idx], [rows[i] for i in test_idx])):
                scores[i] = s
        runs.append(scores)
    scores = runs[0]
    want = [lab if lab in REASONS else "none" for lab in labels]
    n_nlu, n_threats = sum(from_nlu), sum(w not in ("none", "human") for w in want)
    print(f"\n5-fold out-of-fold on the training data ({len(texts)} messages, {n_nlu} of them NLU examples), "
          f"{SEEDS} shuffles averaged")
    print("  handoff margin: combined false handoffs on the NLU examples, threats handed off")
    chosen = None
    for step in range(-4, 21):
        t = step * 0.05
        fp = thr = 0.0
        for run in runs:
            got = [combined_reason(h, e, clf.Verdict(x, t, veto_margin)) for (h, e), x in zip(matches, run)]
            fp += sum(1 for g, n in zip(got, from_nlu) if n and g != "none") / len(runs)
            thr += sum(1 for g, w in zip(got, want) if w not in ("none", "human") and g != "none") / len(runs)
        mark = ""
        if chosen is None and fp <= 0.01 * n_nlu:
            chosen, mark = round(t, 2), "  <- smallest with <= 1 %"
        print(f"    {t:5.2f}: NLU false handoffs {fp:5.1f}/{n_nlu} ({fp / n_nlu:.2%}), threats handed off {thr:5.1f}/{n_threats}{mark}")
    print(f"  handoff margin now {handoff_margin}; this run chooses {chosen}")
    # veto margin: the smallest at which every keyword and pattern example still fires
    full = model_factory().fit(texts, labels)
    frames = [(r, norm(FRAME.format(k))) for r, rs in rules.items() for k, _ in rs.keywords]
    frames += [(r, norm(p.example)) for r, rs in rules.items() for p in rs.patterns]
    frame_matches = [clf.rule_matches(rules, t) for _, t in frames]
    frame_scores = full.scores([t for _, t in frames], [clf.rule_row(*m) for m in frame_matches])
    veto = None
    for step in range(0, 41):
        v = step * 0.1
        verdicts = [clf.Verdict(s, handoff_margin, v) for s in frame_scores]
        ok = sum(combined_reason(h, e, x) == r and not x.vetoes(r)  # fires as a rule, with its cue
                 for (r, _), (h, e), x in zip(frames, frame_matches, verdicts))
        if ok == len(frames):
            veto = round(v, 2)
            break
    print(f"  veto margin now {veto_margin}; smallest at which all {len(frames)} keywords/pattern examples fire: {veto}")
    v = [clf.Verdict(s, handoff_margin, veto_margin) for s in scores]
    for how, got in (("learned", [learned_reason(x) for x in v]),
                     ("combined", [combined_reason(h, e, x) for (h, e), x in zip(matches, v)])):
        print(f"  {how}, per reason (5-fold, training data): precision / recall")
        for reason in REASONS + ("none",):
            tp = sum(1 for g, w in zip(got, want) if g == w == reason)
            pred, true = sum(g == reason for g in got), sum(w == reason for w in want)
            print(f"    {reason:10} {tp}/{pred} = {tp / pred if pred else 0:.1%}   {tp}/{true} = {tp / true if true else 0:.1%}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="5-fold CV on the training data: margins, per-reason P/R")
    parser.add_argument("--rule-weight", type=float, default=clf.RULE_FEATURE_WEIGHT,
                        help="weight of the rules' verdicts as extra features (0: none, as shipped)")
    parser.add_argument("--handoff-margin", type=float, default=clf.HANDOFF_MARGIN)
    parser.add_argument("--veto-margin", type=float, default=clf.VETO_MARGIN)
    parser.add_argument("--no-list", action="store_true", help="do not list the combined false handoffs")
    args = parser.parse_args(argv)

    rules_det = EscalationDetector(learned=False)
    texts, labels, from_nlu = clf.training_data()
    start = time.perf_counter()
    model = clf.ReasonClassifier(rules_det.rules, rule_weight=args.rule_weight, handoff_margin=args.handoff_margin,
                                 veto_margin=args.veto_margin).fit(texts, labels)
    print(f"trained on {len(texts) - sum(from_nlu)} labelled messages + {sum(from_nlu)} NLU examples as calm "
          f"in {time.perf_counter() - start:.1f} s; "
          f"margins: handoff {model.handoff_margin}, veto {model.veto_margin}")
    det = EscalationDetector(learned=True)
    det.model = model
    for name, items in load_sets().items():
        show_set(name, items, rules_det, det, model, list_false=not args.no_list and not name.startswith("third"))
    if args.tune:
        tune(lambda: clf.ReasonClassifier(rules_det.rules, rule_weight=args.rule_weight), texts, labels, from_nlu,
             rules_det.rules, args.handoff_margin, args.veto_margin)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
