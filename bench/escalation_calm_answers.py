"""How many calm customer lines of the blind intake conversations the escalation detector would
hand to a person (issue 13: false handoffs <= 2 % of calm complaint messages).

    .venv/bin/python bench/escalation_calm_answers.py [--list]

Every line a customer says in a conversation the set expects to be filed or cancelled (the
opening, each answer, each extra turn) is calm by the set's own judgement; the shipped detector
(rules, scope and learned model, text only, no DIET intent) reads each one. This is the yardstick
the learned model's handoff margins were chosen on (bot/escalation/classifier.py).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.escalation.detector import default_detector  # noqa: E402
from bot.text import normalize_text  # noqa: E402

SETS = sorted((ROOT / "tests" / "intake_blind").glob("conversations_*.yml"))


def calm_lines():
    for path in SETS:
        for conv in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            if (conv.get("expected") or {}).get("outcome", "filed") == "handoff":
                continue
            yield path.name, conv["id"], str(conv["opening"])
            for value in (conv.get("answers") or {}).values():
                yield path.name, conv["id"], str(value)
            for extra in conv.get("extra_turns") or []:
                yield path.name, conv["id"], str(extra["say"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every calm line handed off")
    args = parser.parse_args()
    detector = default_detector()
    lines = list(calm_lines())
    handed = []
    for name, conv_id, text in lines:
        found = detector.detect(normalize_text(text))
        if found and found.strong:
            handed.append((name, conv_id, found.reason, found.source, text))
    print(f"calm customer lines of {len(SETS)} blind intake sets: {len(lines)}; handed off "
          f"{len(handed)} ({len(handed) / len(lines):.2%})")
    if args.list:
        for name, conv_id, reason, source, text in handed:
            print(f"  {name} {conv_id} {reason} ({source}): {text[:100]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
