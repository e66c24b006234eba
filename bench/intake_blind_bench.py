"""Scores whole intake conversations of a blind set against the real stack (issue 12's yardstick).

Usage: .venv/bin/python bench/intake_blind_bench.py [--set tests/intake_blind/conversations_2026-12-03.yml]
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
- loops: a question asked more than three times;
- unrequested handoff: a handoff where the set expects a filed case;
- fields: customer_name, phone (digits), occurred_at (days before today), amount (yuan),
  confidential, priority — each against the set's `expected`.

A conversation is right when its outcome is the expected one and, for a filed case, every
expected field matches. Prints the figures and the failed conversations with their transcript;
nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.text import normalize_text  # noqa: E402
from tests.e2e.dialogue import CASE_NO, topic_of  # noqa: E402
from tests.stack import Stack  # noqa: E402

DEFAULT_SET = ROOT / "tests/intake_blind/conversations_2026-12-03.yml"
HANDED_OFF = re.compile(r"转接?人工|人工客服|专人和您沟通")
CANCELLED = re.compile(r"不提交了|就不登记了|不会登记")
MAX_TURNS = 20
WHAT_HAPPENED = re.compile(r"遇到了什么问题|具体说说|描述一下|事情的经过|发生了什么|什么情况")
FIELDS = ("customer_name", "phone", "occurred_at", "amount", "confidential", "priority")


def today() -> date:
    from datetime import datetime

    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def play(stack: Stack, conv: dict) -> dict:
    sender = stack.new_sender(f"blind-{conv['id']}")
    answers = {k: str(v) for k, v in (conv.get("answers") or {}).items()}
    extra = {}
    for item in conv.get("extra_turns") or []:
        extra.setdefault(item["after"], []).append(item["say"])
    transcript, asked = [], Counter()
    outcome = "stuck"

    def say(text: str) -> list[str]:
        replies = stack.say(sender, text, timeout=60)
        transcript.append((text, replies))
        return replies

    replies = say(conv["opening"])
    for _ in range(MAX_TURNS):
        joined = "\n".join(replies)
        if CASE_NO.search(joined) and not HANDED_OFF.search(joined):
            outcome = "filed"
            break
        if HANDED_OFF.search(joined):
            outcome = "handoff"
            break
        if CANCELLED.search(joined):
            outcome = "cancelled"
            break
        topic = topic_of(replies[-1] if replies else "")
        if topic is None and replies and WHAT_HAPPENED.search(replies[-1]):
            topic = "description"
        if topic is None:
            break
        asked[topic] += 1
        if topic == "confirm" and extra:
            # what the customer meant to say after a question the assistant never asked
            # ("算了，不投诉了" after the branch question) is said before confirming
            replies = say(extra.pop(next(iter(extra)))[0])
            continue
        # a vague opening ("你好", "我要投诉") is followed by the story: the set keeps it with
        # the demand, the customer's own account of what they want put right
        story = answers.get("description") or answers.get("demand", "不清楚")
        answer = "确认" if topic == "confirm" else story if topic == "description" else answers.get(topic, "不清楚")
        replies = say(answer)
        for line in extra.pop(topic, []):
            replies = say(line)
    return {"sender": sender, "outcome": outcome, "asked": dict(asked), "transcript": transcript}


def filed_case(stack: Stack, sender: str) -> dict | None:
    items = stack.casedesk("GET", "/api/cases", params={"conversation_id": stack.conversation_id(sender)}).json()["items"]
    if not items:
        return None
    return stack.casedesk("GET", f"/api/cases/{items[0]['case_no']}").json()


def field_value(case: dict, name: str):
    value = case.get(name)
    if name == "phone":
        return re.sub(r"\D", "", value) if value else None
    if name == "occurred_at":
        if not value:
            return None
        if "/" in str(value):
            return None  # an approximate date ("上个月": an ISO interval) is no exact day: the set's null
        try:
            return (today() - date.fromisoformat(str(value)[:10])).days
        except ValueError:
            return value
    if name == "amount":
        return float(value) if value not in (None, "") else None
    return value


def score(conv: dict, played: dict, case: dict | None) -> dict:
    expected = conv.get("expected") or {}
    want = expected.get("outcome", "filed")
    problems = []
    if played["outcome"] != want:
        problems.append(f"outcome {played['outcome']} (expected {want})")
    loops = [t for t, n in played["asked"].items() if n > 3]
    if loops:
        problems.append(f"asked more than three times: {loops}")
    if want == "filed" and case is not None:
        for name in FIELDS:
            if name not in expected:
                continue
            want_value, got = expected[name], field_value(case, name)
            if name == "phone" and want_value is not None:
                want_value = re.sub(r"\D", "", str(want_value))
            if name == "amount" and want_value is not None:
                want_value = float(want_value)
            if name == "customer_name" and got and want_value:
                # the assistant files names in Simplified characters (design.md); 陳美玲 is 陈美玲
                got, want_value = normalize_text(str(got)), normalize_text(str(want_value))
            if name == "confidential":
                got, want_value = bool(got), bool(want_value)
            if got != want_value:
                problems.append(f"{name}: {got!r} (expected {want_value!r})")
    return {"id": conv["id"], "right": not problems, "problems": problems,
            "outcome": played["outcome"], "turns": len(played["transcript"]),
            "unrequested_handoff": played["outcome"] == "handoff" and want != "handoff",
            "loop": bool(loops) or played["outcome"] == "stuck"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--only", default="")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--show-failures", type=int, default=20)
    args = parser.parse_args()
    convs = yaml.safe_load(args.set.read_text(encoding="utf-8"))["conversations"]
    if args.only:
        wanted = set(args.only.split(","))
        convs = [c for c in convs if c["id"] in wanted]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp))
        print(f"==> 启动栈，{len(convs)} 段对话（{args.set.name}）", flush=True)
        stack.start_all()
        try:
            t0 = time.perf_counter()
            for i, conv in enumerate(convs, 1):
                played = play(stack, conv)
                case = filed_case(stack, played["sender"]) if played["outcome"] == "filed" else None
                result = score(conv, played, case)
                result["transcript"] = played["transcript"]
                results.append(result)
                print(f"  {i}/{len(convs)} {conv['id']}: {'对' if result['right'] else '错'} "
                      f"{'; '.join(result['problems'])}", flush=True)
            elapsed = time.perf_counter() - t0
        finally:
            stack.stop_all()
    n = len(results)
    right = sum(r["right"] for r in results)
    outcomes = Counter(r["outcome"] for r in results)
    field_errors = Counter(p.split(":")[0] for r in results for p in r["problems"] if ":" in p and not p.startswith("outcome"))
    print(f"\nintake blind set {args.set.name}: {right}/{n} right ({right / n:.0%}); outcomes {dict(outcomes)}; "
          f"loops or stuck {sum(r['loop'] for r in results)}; unrequested handoffs "
          f"{sum(r['unrequested_handoff'] for r in results)}; wrong fields {dict(field_errors)}; "
          f"turns per conversation {sum(r['turns'] for r in results) / n:.1f}; {elapsed:.0f} s")
    for r in [r for r in results if not r["right"]][: args.show_failures]:
        print(f"\n--- {r['id']}: {'; '.join(r['problems'])}")
        for said, replies in r["transcript"]:
            print(f"  客户：{said[:80]}")
            for reply in replies:
                print(f"    助手：{reply[:100]}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
