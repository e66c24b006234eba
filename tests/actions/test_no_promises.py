"""No sentence the assistant can say promises compensation or an outcome.

Seed 000: 任何网点不得随意给予承诺. A compensation demand is recorded and assessed by the
responsible department; the assistant commits only to process and time (who calls, by when).
This scans every response variation in bot/domain/*.yml and every string literal in
actions/*.py (messages could be built there too).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Iterator, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

PROMISES = re.compile(
    r"保证.{0,8}(赔|退|解决|处理好|还您|追回|满意)"
    r"|一定.{0,6}(赔|退还|退给|给您解决|帮您解决|解决|追回|还您)"
    r"|肯定.{0,6}(赔|退|解决|追回|还您)"
    r"|必定.{0,6}(赔|退|解决)"
    r"|承诺.{0,6}(赔|退|解决|给您)"
    r"|百分之百.{0,8}(赔|退|解决|追回)"
    r"|包赔|全额赔|照价赔|双倍赔|赔给您|赔偿给您|给您赔偿|会赔偿|会给您补偿|会退还给您|会把钱退"
    r"|一定能|肯定能|保证能|绝对能|绝对会|放心.{0,4}(钱|款).{0,4}(回来|追回|退)"
    # recovery of money lost to fraud or theft (the fund-safety advice, bot/domain/triage.yml)
    r"|(帮|为|替|给)您.{0,6}(追回|找回|拿回|挽回|要回|冻结回)"
    r"|(一定|肯定|保证|百分之百|全部|全额)(能|会|可以)?.{0,2}(追回|找回|拿回|挽回|退回来|回来)"
    r"|(钱|款|损失|资金).{0,4}(会|能|可以)(被)?(追回|找回|拿回|挽回|回来)(?!.{0,3}[吗么嘛？?])"
    r"|(及时|尽快|马上)?(冻结|报警|挂失).{0,10}(就|便)(能|可以|会)(追回|找回|拿回|挽回|保住)"
)


def response_texts() -> Iterator[Tuple[str, str]]:
    for path in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variations in (data.get("responses") or {}).items():
            for variation in variations:
                for key in ("text", "custom"):
                    if variation.get(key):
                        yield f"{path.name}:{name}", str(variation[key])
                for button in variation.get("buttons") or []:
                    yield f"{path.name}:{name}:button", str(button.get("title", ""))


def python_strings() -> Iterator[Tuple[str, str]]:
    for path in sorted((ROOT / "actions").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield f"{path.name}:{node.lineno}", node.value


def data_files() -> Iterator[Tuple[str, str]]:
    for path in sorted((ROOT / "actions").glob("*.yml")):
        yield path.name, path.read_text(encoding="utf-8")


def test_the_scan_finds_responses_and_strings():
    assert sum(1 for _ in response_texts()) > 80
    assert sum(1 for _ in python_strings()) > 100


@pytest.mark.parametrize("sentence", [
    "我们保证赔偿您的全部损失", "一定赔给您", "可以全额赔付", "钱肯定退给您", "我们包赔",
    "我们承诺解决", "保证三天内解决", "一定给您解决", "放心，钱一定能追回来",
    "我们会帮您把钱追回来", "被骗的钱会追回的", "损失会全额找回", "及时冻结就能追回损失",
    "放心，资金可以拿回来",
])
def test_the_pattern_catches_promises(sentence):
    assert PROMISES.search(sentence)


@pytest.mark.parametrize("sentence", [
    "您提出的赔偿或退款要求，我已经如实记录，会由责任部门在调查核实后进行评估。",
    "专人会在24小时内与您联系，并在15天内给您处理答复。",
    "我不要赔偿", "要求退还手续费",
    "如果发现钱已经被取走或转走，请拨打110报警。", "拨打我行客服热线冻结账户、挂失银行卡。",
    "不要再向对方或任何人转账。", "我的钱能追回来吗",
])
def test_the_pattern_leaves_honest_sentences_alone(sentence):
    assert not PROMISES.search(sentence)


def test_the_scan_covers_every_domain_file_and_the_fund_safety_advice():
    scanned = {where.split(":")[0] for where, _ in response_texts()}
    assert scanned == {path.name for path in (ROOT / "bot" / "domain").glob("*.yml")
                       if (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses")}
    advice = [text for where, text in response_texts() if ":utter_fund_safety_" in where]
    assert len(advice) >= 6 and all("110" in text for text in advice)


def test_no_response_promises_compensation_or_an_outcome():
    found = [(where, text) for where, text in response_texts() if PROMISES.search(text)]
    assert not found, found


def test_no_string_in_the_actions_promises_compensation_or_an_outcome():
    found = [(where, text) for where, text in [*python_strings(), *data_files()] if PROMISES.search(text)]
    assert not found, found


def test_the_scan_covers_the_progress_lookup():
    """issue 14: the lookup's answers (status, deadline, lock) are scanned like the intake's."""
    progress = [text for where, text in response_texts() if where.startswith("progress.yml:")]
    assert len(progress) >= 20
    assert not [text for text in progress if PROMISES.search(text)]
