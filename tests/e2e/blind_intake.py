"""Plays and scores the blind intake sets (tests/intake_blind/): shared by the bench
(bench/intake_blind_bench.py, which prints every figure) and the regression test
(tests/e2e/test_intake_blind_e2e.py, which holds the figures reached).

A customer answers whatever the assistant asks with the set's answer for the question's topic
(tests/e2e/dialogue.py tells the topic from the question's words; "what happened" gets the
customer's story, which the sets keep with the demand), says "确认" at the read-back, and says
the set's `extra_turns` right after answering the named topic (those for a topic never asked,
before confirming). A conversation ends when a case number appears, the bot hands over to a
person, the bot confirms a cancellation, or after 20 customer turns.
"""
from __future__ import annotations

import os
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from bot.text import normalize_text
from tests.e2e.dialogue import CASE_NO, topic_of
from tests.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
SETS_DIR = ROOT / "tests" / "intake_blind"

# (also the call-back offered instead of a long wait: a person will call)
HANDED_OFF = re.compile(r"转接?人工|人工客服|专人和您沟通|请同事马上来和您联系|回电会打到|给您回电|打电话给您")
CANCELLED = re.compile(r"不提交了|就不登记了|不会登记")
QUOTED_FIELD = re.compile(r"^(?:投诉内容|您的诉求)：.*$", re.M)
# what the bot suggests the customer type (回复“转人工”找工作人员) is no handoff yet
QUOTED_WORDS = re.compile(r"“[^”]{1,12}”")
MAX_TURNS = 20
# "what happened?" in any of its wordings (the greeting's variations included)
# the bot inviting the story, in every wording of its responses (utter_out_of_scope has two: "如果您
# 遇到了问题，可以直接告诉我" and "如果您有需要反映的问题，我可以帮您登记")
WHAT_HAPPENED = re.compile(r"什么问题|具体说说|描述一下|事情的经过|发生了什么|什么情况|需要反映|不满意的地方|尽管说|直接告诉我|再说详细|换个说法")
FIELDS = ("customer_name", "phone", "occurred_at", "amount", "confidential", "priority")


def today() -> date:
    """The bot's day (actions/clock.py): the zone INTAKE_TIMEZONE names, Beijing by default, so a
    run after midnight in Beijing scores "昨天" against the day the bot counted it from."""
    return datetime.now(ZoneInfo(os.environ.get("INTAKE_TIMEZONE") or "Asia/Shanghai")).date()


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
        # the read-back quotes the customer's words ("打客服电话转人工，等了四十分钟"): only the
        # bot's own lines tell a handoff or a cancel
        joined = QUOTED_WORDS.sub("", QUOTED_FIELD.sub("", "\n".join(replies)))
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


def play_and_score(stack: Stack, conv: dict) -> dict:
    """One conversation played and scored; the transcript is kept for the bench's report."""
    played = play(stack, conv)
    case = filed_case(stack, played["sender"]) if played["outcome"] == "filed" else None
    result = score(conv, played, case)
    result["transcript"] = played["transcript"]
    return result


def play_set(stack: Stack, convs: list[dict], workers: int = 4,
             progress: Callable[[dict], None] | None = None) -> list[dict]:
    """Plays a set ``workers`` conversations at a time: each is its own REST sender, so they do
    not depend on each other, and the stack's two cores are kept busy while one conversation
    waits on another process. Results come back in the set's order."""
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(play_and_score, stack, conv): i for i, conv in enumerate(convs)}
        results: list[dict | None] = [None] * len(convs)
        for future in as_completed(futures):
            results[futures[future]] = result = future.result()
            if progress:
                progress(result)
    return [r for r in results if r is not None]


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


def _is_the_day(days_ago, want: dict) -> bool:
    """True when a date filed `days_ago` days before today is a recent day of the weekday
    (`{weekday: 1..7}`) or the day of the month (`{day: D}`) the set names."""
    if not isinstance(days_ago, int) or not 0 <= days_ago <= 45:
        return False
    day = today() - timedelta(days=days_ago)
    if "weekday" in want and day.isoweekday() != int(want["weekday"]):
        return False
    return "day" not in want or day.day == int(want["day"])


def score(conv: dict, played: dict, case: dict | None) -> dict:
    expected = conv.get("expected") or {}
    want = expected.get("outcome", "filed")
    problems = []
    if played["outcome"] != want:
        problems.append(f"outcome {played['outcome']} (expected {want})")
    loops = [t for t, n in played["asked"].items() if n > 3]
    # a question asked again means an answer was not taken (a loop is the extreme case); the
    # read-back is not a question about a field
    reasked = {t: n - 1 for t, n in played["asked"].items() if n > 1 and t != "confirm"}
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
                # the assistant files names in Simplified characters (docs/design.md); 陳美玲 is 陈美玲
                got, want_value = normalize_text(str(got)), normalize_text(str(want_value))
            if name == "confidential":
                got, want_value = bool(got), bool(want_value)
            if name == "occurred_at" and isinstance(want_value, dict):
                # a weekday or a day of the month ("上周五", "3号"): the writer cannot know the day
                # of the run, so the set names the weekday or the day and any recent such day is right
                if not _is_the_day(got, want_value):
                    problems.append(f"{name}: {got!r} days ago (expected {want_value!r})")
                continue
            if got != want_value:
                problems.append(f"{name}: {got!r} (expected {want_value!r})")
    return {"id": conv["id"], "right": not problems, "problems": problems,
            "outcome": played["outcome"], "turns": len(played["transcript"]),
            "unrequested_handoff": played["outcome"] == "handoff" and want != "handoff",
            "reasked": reasked,
            "loop": bool(loops) or played["outcome"] == "stuck"}
