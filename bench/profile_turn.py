"""Times each message of one conversation against the real stack (tests.stack.Stack).

Usage: .venv/bin/python bench/profile_turn.py [--debug] [--conversations 3]
With --debug, Rasa and the action server log at DEBUG into the stack's scratch folder
(printed at the end) so a turn can be split into NLU, policies, action calls and tracker I/O.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.latency_bench import ANSWERS, OPENINGS  # noqa: E402
from tests.e2e.dialogue import CASE_NO, topic_of  # noqa: E402
from tests.stack import Stack  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--debug", action="store_true")
    ap.add_argument("--conversations", type=int, default=3)
    ap.add_argument("--keep", help="scratch folder to keep (logs)")
    args = ap.parse_args()
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp())
    env = {"LOG_LEVEL": "DEBUG", "LOG_LEVEL_LIBRARIES": "WARNING"} if args.debug else {}
    stack = Stack(workdir, **env)
    stack.start_all()
    all_ms = []
    try:
        stack.say("warm", "你好")
        for n in range(args.conversations):
            sender = stack.new_sender("p")
            text = OPENINGS[n % len(OPENINGS)]
            for _ in range(12):
                t0 = time.perf_counter()
                replies = stack.say(sender, text)
                ms = (time.perf_counter() - t0) * 1000
                all_ms.append(ms)
                print(f"{ms:7.1f} ms  {text[:20]:<22} -> {(replies[-1] if replies else '')[:30]}")
                if CASE_NO.search("\n".join(replies)):
                    break
                topic = topic_of(replies[-1] if replies else "")
                if topic not in ANSWERS:
                    print("unexpected reply", replies)
                    break
                text = ANSWERS[topic]
            print("--")
    finally:
        stack.stop_all()
    print(f"messages {len(all_ms)} median {statistics.median(all_ms):.0f} ms max {max(all_ms):.0f} ms")
    print("logs in", workdir)


if __name__ == "__main__":
    main()
