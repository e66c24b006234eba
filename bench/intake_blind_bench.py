"""Scores whole intake conversations of a blind set against the real stack (issue 12's yardstick).

Usage: .venv/bin/python bench/intake_blind_bench.py [--set tests/intake_blind/conversations_2026-12-03.yml …]
                                                    [--only c001,c017] [--json out.json] [--show-failures 20]

Starts the real stack (tests/stack.py, the newest model in models/). Each conversation of the
set is played over REST by a customer who answers whatever the assistant asks with that
conversation's answer for the question's topic (tests/e2e/dialogue.py tells the topic from the
question's words), says "确认" at the read-back, and says the set's `extra_turns` right after
answering the named topic. A conversation ends when a case number appears, the bot hands over
to a person, the bot confirms a cancellation, or after 20 customer turns.

It then reads what was filed (GET /api/cases?conversation_id=…, then the case detail) and
scores each conversation:
- outcome: filed / handoff / cancelled / stuck (20 turns, or a question it could not tell);
- loops: a question asked more than three times; questions asked again (an answer not taken)
  are counted and listed, not scored;
- unrequested handoff: a handoff where the set expects a filed case;
- fields: customer_name, phone (digits), occurred_at (days before today, or a recent day of the
  weekday or day of the month the set names), amount (yuan),
  confidential, priority — each against the set's `expected`.

A conversation is right when its outcome is the expected one and, for a filed case, every
expected field matches. Prints the figures and the failed conversations with their transcript;
nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.blind_intake import play_set  # noqa: E402
from tests.stack import Stack  # noqa: E402

DEFAULT_SET = ROOT / "tests/intake_blind/conversations_2026-12-03.yml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, nargs="+", default=[DEFAULT_SET],
                        help="one or more sets, played on one stack (started once)")
    parser.add_argument("--only", default="")
    parser.add_argument("--workers", type=int, default=4, help="conversations played at a time (default 4)")
    parser.add_argument("--json", type=Path, help="with one set: every result, transcripts included")
    parser.add_argument("--show-failures", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp))
        print(f"==> 启动栈（{len(args.set)} 个对话集）", flush=True)
        stack.start_all()
        try:
            summaries = [_play_set(stack, path, args) for path in args.set]
        finally:
            stack.stop_all()
    if len(summaries) > 1:
        print("\n==> 汇总")
        for line in summaries:
            print("  " + line)


def _play_set(stack: Stack, path: Path, args: argparse.Namespace) -> str:
    convs = yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]
    if args.only:
        wanted = set(args.only.split(","))
        convs = [c for c in convs if c["id"] in wanted]
    print(f"\n==> {len(convs)} 段对话（{path.name}）", flush=True)
    done = []

    def progress(result: dict) -> None:
        done.append(result)
        print(f"  {len(done)}/{len(convs)} {result['id']}: {'对' if result['right'] else '错'} "
              f"{'; '.join(result['problems'])}", flush=True)

    t0 = time.perf_counter()
    results = play_set(stack, convs, workers=args.workers, progress=progress)
    elapsed = time.perf_counter() - t0
    n = len(results)
    right = sum(r["right"] for r in results)
    outcomes = Counter(r["outcome"] for r in results)
    field_errors = Counter(p.split(":")[0] for r in results for p in r["problems"] if ":" in p and not p.startswith("outcome"))
    summary = (f"intake blind set {path.name}: {right}/{n} right ({right / n:.0%}); outcomes {dict(outcomes)}; "
               f"loops or stuck {sum(r['loop'] for r in results)}; unrequested handoffs "
               f"{sum(r['unrequested_handoff'] for r in results)}; questions asked again "
               f"{sum(sum(r['reasked'].values()) for r in results)} in {sum(bool(r['reasked']) for r in results)} conversations; wrong fields {dict(field_errors)}; "
               f"turns per conversation {sum(r['turns'] for r in results) / n:.1f}; {elapsed:.0f} s")
    print("\n" + summary)
    again = Counter(t for r in results for t, n in r["reasked"].items() for _ in range(n))
    if again:
        print("asked again, by question: " + ", ".join(f"{t} {n}" for t, n in again.most_common())
              + " (" + ", ".join(r["id"] for r in results if r["reasked"]) + ")")
    for r in [r for r in results if not r["right"]][: args.show_failures]:
        print(f"\n--- {r['id']}: {'; '.join(r['problems'])}")
        for said, replies in r["transcript"]:
            print(f"  客户：{said[:80]}")
            for reply in replies:
                print(f"    助手：{reply[:100]}")
    if args.json and len(args.set) == 1:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return summary

if __name__ == "__main__":
    main()
