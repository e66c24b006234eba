"""No sentence the assistant can say promises compensation or an outcome.

Seed 000: 任何网点不得随意给予承诺. A compensation demand is recorded and assessed by the
responsible department; the assistant commits only to process and time (who calls, by when).
This scans every response variation in bot/domain/*.yml and every string literal in
actions/*.py (messages could be built there too). The rules are the product's own
(bot/quality/reply_check.py): the same 质检 every agent reply passes before it is sent, so the
bot's texts and the agents' are held to one rule set.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, Tuple

import pytest
import yaml

from bot.quality import reply_check

ROOT = Path(__file__).resolve().parents[2]

PROMISES = reply_check.PROMISE_PATTERN  # the product's rule set, shared with agent replies


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


def test_no_string_in_the_actions_is_rude():
    """The actions' strings pass the agents' rude-wording rule too (their docstrings quote
    example numbers, so the number rules are not applied here)."""
    found = [(where, text) for where, text in [*python_strings(), *data_files()]
             if reply_check.rude_words(text)]
    assert not found, found


def test_the_scan_covers_the_progress_lookup():
    """issue 14: the lookup's answers (status, deadline, lock) are scanned like the intake's."""
    progress = [text for where, text in response_texts() if where.startswith("progress.yml:")]
    assert len(progress) >= 20
    assert not [text for text in progress if PROMISES.search(text)]


def test_every_bot_response_passes_the_agents_pre_send_check():
    """The whole 质检 an agent reply passes (no promise, no whole card/ID/phone number, no rude
    wording), over every response the bot can say. Only the phone question may show whole
    numbers: its re-asks give the format by example (138 1234 5678, 010-6234 5678)."""
    numbers = {reply_check.CARD, reply_check.ID_NUMBER, reply_check.PHONE}
    examples = {"intake.yml:utter_ask_phone"}
    found = []
    for where, text in response_texts():
        check = reply_check.check_reply(text)
        rules = set(check.rules) - (numbers if where in examples else set())
        if rules:
            found.append((where, check.reasons))
    assert not found, found
    # and the exception is no blind spot: those examples are what the rule would catch
    examples_found = {rule for where, text in response_texts() if where in examples
                      for rule in reply_check.check_reply(text).rules}
    assert examples_found == {reply_check.PHONE}


def notice_texts() -> Iterator[Tuple[str, str]]:
    """issue 14: the customer notices (受理, 延期, 暂停, 恢复计时, 决定) a trainer edits in
    data/notices.yml — every string in the file, whatever its key."""
    path = ROOT / "data" / "notices.yml"

    def walk(node: object, where: str) -> Iterator[Tuple[str, str]]:
        if isinstance(node, str):
            yield where, node
        elif isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, f"{where}:{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, f"{where}[{i}]")

    yield from walk(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)


def test_the_scan_covers_the_customer_notices():
    from bot.casedesk.customer.notice_texts import DEFAULT_KINDS_NAMES, load

    scanned = list(notice_texts())
    names = {where.split(":")[2].split("[")[0] for where, _ in scanned if where.startswith("notices.yml:notices:")}
    assert names == set(DEFAULT_KINDS_NAMES)
    texts = load(ROOT / "data" / "notices.yml").all_texts()
    assert len(texts) >= 15 and {text for _, text in texts} <= {text for _, text in scanned}


def test_no_customer_notice_promises_compensation_or_an_outcome():
    found = [(where, text) for where, text in notice_texts() if PROMISES.search(text)]
    assert not found, found
