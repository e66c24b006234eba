"""Plays seeded simulated customers against the real stack and checks every conversation (issue 12).

Usage: .venv/bin/python bench/intake_simulator_bench.py [--conversations 1000] [--seed-base 0]
                                                         [--workers 4] [--show-failures 5]
                                                         [--only-class "asked again"] [--json out.json]

Starts its own stack (tests/stack.py, the newest model in models/) on SQLite. Customer number i
is seed ``seed-base + i`` of tests/e2e/intake_simulator.py: a kind of complaint, an opening in one
register, the facts the customer means, and answers drawn from pools (many forms of the right
value, "don't know", chit-chat, gibberish, HTML, emoji, a 1,000-character rant, another
question's fact, corrections); about 5% cancel and 5% ask for a person. Each conversation is
checked against the contract (the module's docstring): unrequested handoff, loop / dead end,
a question asked more than three times, a question asked again after a usable answer, and each
filed field against what the customer meant.

Prints the pass rate, the failure counts by class (wrong fields by name), turns per
conversation (mean, p95), the time taken, and the first K failed conversations' transcripts.
Nothing is asserted; tests/e2e/test_intake_simulator_e2e.py is the gate.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.intake_simulator import (  # noqa: E402
    When,
    format_summary,
    run_many,
    summarize,
)
from tests.stack import Stack  # noqa: E402


def as_json(result) -> dict:
    conv = result.conversation
    return {
        "seed": result.seed, "sender": result.sender, "outcome": conv.outcome, "turns": conv.turns,
        "customer": conv.customer.describe(), "passed": result.passed,
        "failures": [str(f) for f in result.failures],
        "case": {k: result.case.get(k) for k in ("case_no", "customer_name", "phone", "branch", "occurred_at",
                                                  "amount", "demand", "confidential")} if result.case else None,
        "transcript": [{"topic": s.topic, "kind": s.answer.kind, "said": s.answer.text,
                        "gives": {k: (v.iso() if isinstance(v, When) else v) for k, v in s.answer.gives.items()},
                        "replies": s.replies, "ms": round(s.seconds * 1000)} for s in conv.steps],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--seed-base", type=int, default=0)
    parser.add_argument("--workers", type=int, default=4, help="conversations played at once")
    parser.add_argument("--show-failures", type=int, default=5, metavar="K")
    parser.add_argument("--only-class", default="", help="show only failures of this class (e.g. 'asked again')")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    seeds = list(range(args.seed_base, args.seed_base + args.conversations))
    done = []

    def progress(result) -> None:
        done.append(result)
        if len(done) % 25 == 0 or len(done) == len(seeds):
            passed = sum(r.passed for r in done)
            print(f"  {len(done)}/{len(seeds)} played, {passed} passed", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp))
        print(f"==> 启动栈（{stack.model.name}），{len(seeds)} 位模拟客户，seeds {seeds[0]}–{seeds[-1]}", flush=True)
        stack.start_all()
        try:
            t0 = time.perf_counter()
            results = run_many(stack, seeds, workers=args.workers, progress=progress)
            elapsed = time.perf_counter() - t0
        finally:
            stack.stop_all()
    summary = summarize(results)
    messages = sum(r.turns for r in results)
    print()
    print(format_summary(summary))
    print(f"{elapsed:.0f} s for {len(results)} conversations ({messages} customer messages, "
          f"{messages / elapsed:.1f} msg/s, {args.workers} at a time)")
    failed = [r for r in results if not r.passed
              and (not args.only_class or any(f.key.startswith(args.only_class) for f in r.failures))]
    for result in failed[: args.show_failures]:
        print("\n--- " + result.report())
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "seconds": elapsed,
                                         "results": [as_json(r) for r in results]},
                                        ensure_ascii=False, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
