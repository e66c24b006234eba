"""Escalation detector benchmark: recall per reason and false handoffs on calm complaints.

    .venv/bin/python bench/escalation_bench.py              # rules only + newest model in models/
    .venv/bin/python bench/escalation_bench.py --no-nlu     # rules only (no model, < 1 s)
    .venv/bin/python bench/escalation_bench.py --model models/nlu/nlu-dev.tar.gz

Items:
- tests/escalation/labelled.yml (threats, mild anger, requests for a person, hard negatives);
- tests/escalation/holdout_threats.yml: the threats among the held-out NLU sets' complaints;
- tests/escalation/second_round.yml: items written after the first tuning, scored apart (their
  first, untuned figures are in docs/escalation.md);
- calm messages: the `complain`/`inform` items of tests/nlu_holdout/{holdout,holdout_fresh,
  blind}.yml that are not in holdout_threats.yml, plus the labelled set's `calm` negatives.

Printed two ways: the rule files alone (bot.escalation.EscalationDetector, no model), and the
full NLU pipeline through a loaded Rasa model (its `escalation` parse data; a model trained
before the component existed gets the detector applied to its DIET intent).
Targets: media, regulator, violence recall 100 %; anger recall >= 95 %; false handoffs <= 2 %
of calm complaint messages. A handoff is a STRONG detection; mild anger does not hand off.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import yaml  # noqa: E402

from bot.escalation import Detection, default_detector  # noqa: E402
from bot.escalation.rules import REASONS  # noqa: E402

LABELLED = ROOT / "tests" / "escalation" / "labelled.yml"
HOLDOUT_THREATS = ROOT / "tests" / "escalation" / "holdout_threats.yml"
SECOND_ROUND = ROOT / "tests" / "escalation" / "second_round.yml"
NLU_SETS = [ROOT / "tests" / "nlu_holdout" / n for n in ("holdout.yml", "holdout_fresh.yml", "blind.yml")]
TARGETS = {"media": 1.0, "regulator": 1.0, "violence": 1.0, "anger": 0.95}
MAX_FALSE_HANDOFFS = 0.02


def load_items() -> Dict[str, List[Dict[str, Any]]]:
    labelled = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["items"]
    threats = yaml.safe_load(HOLDOUT_THREATS.read_text(encoding="utf-8"))["items"]
    threat_texts = {str(t["text"]) for t in threats}
    calm = [{"text": str(i["text"]), "reason": "none", "from": path.name}
            for path in NLU_SETS
            for i in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
            if i["intent"] in ("complain", "inform") and str(i["text"]) not in threat_texts]
    calm += [dict(i, **{"from": "labelled"}) for i in labelled if i.get("group") == "calm"]
    untuned = yaml.safe_load(SECOND_ROUND.read_text(encoding="utf-8"))["items"]
    return {"scored": labelled + [dict(t, group="holdout_threat") for t in threats], "calm": calm,
            "untuned": untuned,
            "untuned_calm": [dict(i, **{"from": "untuned"}) for i in untuned if i.get("group") == "calm"]}


def pct(n: int, d: int) -> str:
    return f"{100.0 * n / d:5.1f}% ({n}/{d})" if d else "  n/a"


def rules_only(texts: List[str]) -> List[Optional[Detection]]:
    detector = default_detector()
    return [detector.detect(t) for t in texts]


async def _parse(model: Path, texts: List[str]) -> List[Dict[str, Any]]:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.ERROR)  # Rasa's per-message debug lines would bury the figures
    agent = Agent.load(str(model))
    return [await agent.parse_message(t) for t in texts]


def full_pipeline(model: Path, texts: List[str]) -> List[Optional[Detection]]:
    results = asyncio.run(_parse(model, texts))
    return detections_from_parses(texts, results)


def detections_from_parses(texts: List[str], results: List[Dict[str, Any]]) -> List[Optional[Detection]]:
    detector = default_detector()
    out = []
    with_component = any("escalation" in r for r in results) or any(
        (r.get("intent") or {}).get("name") == "escalate" for r in results)
    if not with_component:
        print("  (model without bot.nlu.escalation: detector applied to its DIET intent)")
    for text, res in zip(texts, results):
        if with_component:
            out.append(Detection.from_dict(res.get("escalation")))
        else:
            intent = res.get("intent") or {}
            out.append(detector.detect(text, intent.get("name"), intent.get("confidence")))
    return out


def score(title: str, items: Dict[str, List[Dict[str, Any]]], got: Dict[str, List[Optional[Detection]]],
          show: int) -> Dict[str, Any]:
    print(f"\n---- {title}")
    scored, calm = items["scored"], items["calm"]
    strong_pred = [d.reason if d and d.strong else "none" for d in got["scored"]]
    figures: Dict[str, Any] = {}
    misses: List[str] = []
    print(f"  {'reason':<10} {'precision':>16} {'recall':>16}   target")
    for reason in REASONS:
        expected = [i.get("level") == "strong" and i["reason"] == reason for i in scored]
        predicted = [p == reason for p in strong_pred]
        tp = sum(e and p for e, p in zip(expected, predicted))
        target = TARGETS.get(reason)
        recall = tp / sum(expected) if sum(expected) else None
        flag = "" if target is None else (" ok" if recall is not None and recall >= target else " MISSED")
        print(f"  {reason:<10} {pct(tp, sum(predicted)):>16} {pct(tp, sum(expected)):>16}   "
              f"{'' if target is None else f'>= {target:.0%}'}{flag}")
        figures[reason] = {"precision": tp / sum(predicted) if sum(predicted) else None, "recall": recall}
    for item, pred, det in zip(scored, strong_pred, got["scored"]):
        want = item["reason"] if item.get("level") == "strong" else "none"
        if pred != want:
            misses.append(f"    want {want:<9} got {pred:<9} {','.join(det.cues) if det else ''}  {item['text']}")
    threats = [d for i, d in zip(scored, got["scored"]) if i.get("level") == "strong" and i["reason"] != "human"]
    handed = sum(1 for d in threats if d and d.strong)
    print(f"  threats handed off for any reason: {pct(handed, len(threats))}")
    figures["threats_handed_off"] = handed / len(threats) if threats else None
    mild = [(i, d) for i, d in zip(scored, got["scored"]) if i.get("level") == "mild"]
    mild_ok = sum(1 for _, d in mild if d and d.reason == "anger")
    print(f"  mild anger noticed (mild or strong): {pct(mild_ok, len(mild))}; "
          f"handed off: {sum(1 for _, d in mild if d and d.strong)}")
    false = [(i, d) for i, d in zip(calm, got["calm"]) if d and d.strong]
    rate = len(false) / len(calm)
    print(f"  false handoffs on calm complaint/inform messages: {pct(len(false), len(calm))}   "
          f"target <= {MAX_FALSE_HANDOFFS:.0%}{' ok' if rate <= MAX_FALSE_HANDOFFS else ' MISSED'}")
    print(f"  calm messages flagged mild (no handoff): {sum(1 for d in got['calm'] if d and not d.strong)}")
    mentions = [(i, d) for i, d in zip(scored, got["scored"]) if i.get("group") == "mention"]
    print(f"  hard-negative mentions (记者/律师/12378/…) handed off: "
          f"{pct(sum(1 for _, d in mentions if d and d.strong), len(mentions))}")
    figures.update(false_handoff_rate=rate, false_handoffs=len(false), calm=len(calm),
                   mild_noticed=mild_ok / len(mild) if mild else None)
    if misses:
        print("  labelled misses:")
        print("\n".join(misses[:show]))
    if false:
        print("  false handoffs:")
        for item, det in false[:show]:
            print(f"    {det.reason:<9} {det.source:<7} {','.join(det.cues)}  [{item['from']}] {item['text']}")
    return figures


def score_untuned(how: str, items, got, show: int) -> Dict[str, Any]:
    # tests/escalation/second_round.yml, kept apart so its remaining misses stay visible
    return score(f"{how}, second-round items",
                 {"scored": items["untuned"], "calm": items["untuned_calm"]},
                 {"scored": got["untuned"], "calm": got["untuned_calm"]}, show)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="escalation detector benchmark")
    parser.add_argument("--model", type=Path, help="model archive (default: newest in models/)")
    parser.add_argument("--no-nlu", action="store_true", help="rules only, no Rasa model")
    parser.add_argument("--show", type=int, default=30, help="how many misses to list")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    items = load_items()
    texts = {k: [str(i["text"]) for i in v] for k, v in items.items()}
    n_threats = sum(1 for i in items["scored"] if i.get("level") == "strong")
    print(f"items: {len(items['scored'])} scored ({n_threats} strong, "
          f"{sum(1 for i in items['scored'] if i['reason'] == 'none')} negatives), "
          f"{len(items['calm'])} calm complaint/inform messages")

    start = time.perf_counter()
    got = {k: rules_only(v) for k, v in texts.items()}
    per_msg = (time.perf_counter() - start) / sum(len(v) for v in texts.values())
    figures = {"rules": score("rules only (no model)", items, got, args.show),
               "rules_untuned": score_untuned("rules only", items, got, args.show)}
    print(f"  detector time: {per_msg * 1000:.3f} ms per message")
    figures["rules"]["ms_per_message"] = per_msg * 1000

    if not args.no_nlu:
        from bench.nlu_bench import latest_model

        model = args.model or latest_model()
        start = time.perf_counter()
        flat = [t for v in texts.values() for t in v]
        parsed = iter(full_pipeline(model, flat))
        got = {k: [next(parsed) for _ in v] for k, v in texts.items()}
        title = f"full NLU pipeline ({model.name}, load + parse {time.perf_counter() - start:.0f} s)"
        figures["pipeline"] = score(title, items, got, args.show)
        figures["pipeline_untuned"] = score_untuned("full NLU pipeline", items, got, args.show)
        figures["pipeline"]["model"] = str(model)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
