"""Plays the customer in end-to-end tests: answers whatever the assistant asks.

The answers are chosen from what the question asks for, not from its position, so the tests
check outcomes (what was asked, what was filed) without freezing the question order.
"""
from __future__ import annotations

import re
import time
from typing import Any, Callable

from tests.stack import Stack

# What a question is about, judged by its words; first match wins.
QUESTION_TOPICS = [
    # ("没能确认是哪个网点" asks about the branch, not for a confirmation)
    ("confirm", re.compile(r"(?<!能)(?<!法)确认(?!是哪)|核对.*(无误|是否)|是否.*提交|没问题的话")),
    ("phone", re.compile(r"手机|电话|联系方式|号码")),
    ("customer_name", re.compile(r"怎么称呼|姓名|名字|贵姓|称呼")),
    ("branch", re.compile(r"网点|支行|营业厅|哪家|营业部")),
    ("occurred_at", re.compile(r"什么时候|时间|哪天|日期|几号")),
    ("amount", re.compile(r"金额|多少钱|多少元|涉及.*钱|钱数")),
    ("demand", re.compile(r"诉求|希望|期望|要求|想怎么|如何处理|怎样处理")),
]

CASE_NO = re.compile(r"TS\d{14}")


def topic_of(text: str) -> str | None:
    for topic, pattern in QUESTION_TOPICS:
        if pattern.search(text):
            return topic
    return None


class Customer:
    def __init__(self, stack: Stack, answers: dict[str, str], sender: str | None = None):
        self.stack = stack
        self.answers = answers
        self.sender = sender or stack.new_sender()
        self.asked: list[str] = []
        self.transcript: list[tuple[str, list[str]]] = []

    def say(self, text: str) -> list[str]:
        replies = self.stack.say(self.sender, text)
        self.transcript.append((text, replies))
        return replies

    def answer(self, replies: list[str], until: str | None = None, max_turns: int = 12) -> list[str]:
        """Answers each question, starting from `replies`, until a case number appears or the
        assistant asks about `until` (e.g. "confirm" to stop at the read-back); returns the
        assistant's last replies."""
        for _ in range(max_turns):
            if CASE_NO.search("\n".join(replies)):
                return replies
            topic = topic_of(replies[-1] if replies else "")
            if topic is None:
                raise AssertionError(f"不知道助手在问什么：{self.transcript}")
            if topic == until:
                return replies
            self.asked.append(topic)
            answer = self.answers.get(topic, "确认" if topic == "confirm" else None)
            if answer is None:
                raise AssertionError(f"助手问了测试未准备的内容 {topic}：{self.transcript}")
            replies = self.say(answer)
        raise AssertionError(f"对话未在 {max_turns} 轮内完成：{self.transcript}")

    def converse(self, opening: str) -> str:
        """Opens with a complaint, answers each question, confirms; returns the case number."""
        found = CASE_NO.search("\n".join(self.answer(self.say(opening))))
        assert found, self.transcript
        return found.group(0)


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, interval: float = 0.2) -> Any:
    """Polls until `predicate` gives something truthy (an event has happened: the sync loop's or
    the outbox's pass), never a fixed sleep; the last value, falsy after `timeout`."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value
