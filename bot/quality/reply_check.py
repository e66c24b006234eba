"""质检 before sending: the one rule set every text to a customer passes, the bot's and an agent's.

Three rules (design.md; seed 000: 任何网点不得随意给予承诺; seed 002: "你可以投诉我" as 过激言语):
- `promise`: no promise of compensation or of an outcome (赔偿、退款、追回、解决). Committing to
  process and time (who calls, by when: 我们会在15日内给您答复) is allowed;
- `card_number`, `id_number`, `phone_number`: no whole bank card, resident ID or phone number.
  The numbers are found by the PII masking rules (bot/redact.py), the same that mask logs and
  stored text, so "138 1234 5678", "6222-0212-3456-7890", full-width digits and +86 count; a
  number read out in Chinese digits (一三八…) is checked the same way. A masked number or its last
  four digits (您的卡号尾号1234, 138****5678) pass;
- `rude`: no rude or provoking wording (insults, 你可以去投诉, 听不懂吗, 关我什么事).

`check_reply(text)` answers a `ReplyCheck`: its findings (rule, the words that matched, numbers
masked) and the reasons in Chinese, one per rule, for the agent's screen. The bot's own texts
are scanned with the same function by tests/actions/test_no_promises.py; the console and the
handoff API refuse an agent reply that does not pass (bot/casedesk/handoffs/reply_checks.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Tuple

from bot.redact import redact
from bot.text import normalize_text

PROMISE = "promise"
CARD = "card_number"
ID_NUMBER = "id_number"
PHONE = "phone_number"
RUDE = "rude"
RULES: Tuple[str, ...] = (PROMISE, CARD, ID_NUMBER, PHONE, RUDE)

RULE_LABELS: Dict[str, str] = {
    PROMISE: "承诺赔偿或处理结果",
    CARD: "完整银行卡号",
    ID_NUMBER: "完整身份证号",
    PHONE: "完整电话号码",
    RUDE: "不文明用语",
}

# why, and what to write instead: shown next to the reply box
ADVICE: Dict[str, str] = {
    PROMISE: "不得向客户承诺赔偿、退款、追回资金或处理结果（任何网点不得随意给予承诺）。"
    "可以说明处理流程和时限，例如“我们会在15日内给您答复”。",
    CARD: "不得发送完整银行卡号，请只说卡号尾号，例如“尾号1234”。",
    ID_NUMBER: "不得发送完整身份证号，请只说末四位。",
    PHONE: "不得发送完整电话号码，请只说尾号，例如“尾号5678”或“138****5678”。",
    RUDE: "请使用文明、礼貌的服务用语，不要使用指责、推诿或激化矛盾的说法。",
}

# A promise of compensation or of an outcome. Read on normalize_text's output (Simplified,
# half-width). "会/能 追回" after 是否/能否/不 is a question or a caution, not a promise.
_NOT = r"(?<![是否不])"
_HONEST_GAP = r"(?:(?!是否|能否|可否|不|无法|没法).)"
# 不能保证…, 不一定能…: a caution, not a promise
_SURE = r"(?<![不没])(?<!不能)(?<!无法)(?<!不敢)(?<!保证)"
PROMISE_PATTERN = re.compile(
    rf"{_SURE}保证.{{0,8}}(赔|退|解决|处理好|还您|追回|满意)"
    rf"|{_SURE}一定.{{0,6}}(赔|退还|退给|给您解决|帮您解决|解决|追回|还您)"
    rf"|{_SURE}肯定.{{0,6}}(赔|退|解决|追回|还您)"
    rf"|{_SURE}必定.{{0,6}}(赔|退|解决)"
    # 承诺 a time is what the bank does (承诺办结时间, seed 000); 承诺 a payout or a fix is not
    rf"|{_SURE}承诺.{{0,6}}(赔|退|解决)"
    rf"|{_SURE}百分之百.{{0,8}}(赔|退|解决|追回)"
    rf"|包赔|全额赔|照价赔|双倍赔|赔给您|赔偿给您|给您赔偿|{_NOT}会赔偿|{_NOT}会给您补偿|{_NOT}会退还给您|{_NOT}会把钱退"
    # 相信您一定能理解 is about the customer, not a promise of the bank's
    rf"|{_SURE}(?<![您你])(一定能|肯定能|保证能|绝对能|绝对会)(?!理解|明白|体谅|谅解)|放心.{{0,4}}(钱|款).{{0,4}}(回来|追回|退)"
    # recovery of money lost to fraud or theft (the fund-safety advice, bot/domain/triage.yml);
    # 帮您找回密码 is a password, not money
    r"|(帮|为|替|给)您.{0,6}(追回|找回(?!.{0,3}(密码|账号|用户名))|拿回|挽回|要回|冻结回)"
    rf"|{_SURE}(一定|肯定|保证|百分之百|全部|全额)(能|会|可以)?.{{0,2}}(追回|找回|拿回|挽回|退回来|回来)"
    rf"|(钱|款|损失|资金){_HONEST_GAP}{{0,4}}{_NOT}(会|能|可以)(被)?(追回|找回|拿回|挽回|回来)(?!.{{0,3}}[吗么嘛?])"
    r"|(及时|尽快|马上)?(冻结|报警|挂失).{0,10}(就|便)(能|可以|会)(追回|找回|拿回|挽回|保住)"
)

# Rude or provoking wording towards a customer: insults, blame, brush-offs, daring them to
# complain (seed 002: "你可以投诉我"等过激言语). Read on normalize_text's output.
RUDE_PATTERN = re.compile(
    # insults and swearing
    r"傻[逼比bBxX]|傻子|白痴|弱智|蠢货|愚蠢|笨蛋|你(真|太|怎么这么|咋这么)笨|脑子(有病|进水|有问题|坏了)"
    r"|有病吧|你有病|神经病|废物|去死|他妈|妈的|操你|混蛋|王八蛋|滚(开|蛋|出去)|给我滚|你滚"
    r"|你(是|算)什么东西|不要脸|没素质|文盲"
    # daring the customer to complain, brushing them off
    r"|[你您](可以|尽管|随便|爱|就|有本事)?去?投诉(我|吧|去)|有本事(你|您)?(就)?去?(投诉|告)"
    r"|爱投诉就投诉|投诉也没用|告也没用|随便你|爱咋咋|爱信不信|你自己看着办"
    r"|关我(什么|啥|屁)事|不关我的?事|关你(什么|啥|屁)事|不归我管|跟我(有什么|没有?)关系"
    # blaming or talking down to the customer
    r"|听不懂(吗|啊|人话)|听懂了?没有?\?|说了(多少|几)遍|讲了(多少|几)遍|你懂不懂|你(自己)?不会看"
    r"|你是不是(傻|笨|有病|听不懂)|怪你自己|你自己的问题|谁让你|活该|自找的"
    r"|(别|少)(跟我)?废话|闭嘴|别烦我|烦不烦|烦死了|有完没完|没完没了|吵什么|嚷什么|你急什么"
)

# Chinese digits read out one by one (一三八…): mapped to digits so the masking rules see a number
_CHINESE_DIGITS = str.maketrans("零〇○一二三四五六七八九幺洞", "00012345678910")

_MASKED = re.compile(r"[0-9Xx]*\*+[0-9Xx]*")


@dataclass(frozen=True)
class Finding:
    rule: str
    words: Tuple[str, ...]  # what matched; numbers only ever masked

    @property
    def label(self) -> str:
        return RULE_LABELS[self.rule]

    @property
    def reason(self) -> str:
        """One line in Chinese: which rule, which words, what to do instead."""
        quoted = "、".join(f"“{w}”" for w in self.words)
        return f"{self.label}：{quoted}。{ADVICE[self.rule]}"


@dataclass(frozen=True)
class ReplyCheck:
    findings: Tuple[Finding, ...]

    @property
    def passed(self) -> bool:
        return not self.findings

    @property
    def rules(self) -> List[str]:
        return [f.rule for f in self.findings]

    @property
    def reasons(self) -> List[str]:
        return [f.reason for f in self.findings]

    @property
    def summary(self) -> str:
        """The headline for a blocked reply."""
        if self.passed:
            return "质检通过。"
        return "未发送：这条回复未通过发送前质检（" + "、".join(f.label for f in self.findings) + "）。"


def _unique(words: List[str]) -> Tuple[str, ...]:
    seen: Dict[str, None] = {}
    for w in words:
        w = w.strip()
        if w:
            seen.setdefault(w, None)
    return tuple(seen)


def promises(text: str) -> Tuple[str, ...]:
    """The promise wording in ``text`` (empty: none)."""
    return _unique([m.group(0) for m in PROMISE_PATTERN.finditer(normalize_text(text or ""))])


def rude_words(text: str) -> Tuple[str, ...]:
    return _unique([m.group(0) for m in RUDE_PATTERN.finditer(normalize_text(text or ""))])


def _kind(masked: str) -> str:
    """Which number a mask of bot/redact.py stands for, by its shape."""
    if re.fullmatch(r"[0-9]{6}\*{8}[0-9Xx]{4}", masked):
        return ID_NUMBER
    if re.fullmatch(r"(1[0-9]{2}|0[0-9]{2,3})\*{4}[0-9]{4}", masked):
        return PHONE  # a mobile, or a landline with its area code
    return CARD


def numbers(text: str) -> Dict[str, Tuple[str, ...]]:
    """Whole card, ID and phone numbers in ``text``, by rule, each as its mask (***0123)."""
    found: Dict[str, List[str]] = {}
    for candidate in {text or "", (text or "").translate(_CHINESE_DIGITS)}:
        masked = redact(candidate)
        if masked == candidate:
            continue
        # masks the text held already (an agent may quote 138****5678) are not new findings
        before = _MASKED.findall(candidate)
        for mask in _MASKED.findall(masked):
            if mask in before:
                before.remove(mask)
                continue
            found.setdefault(_kind(mask), []).append(mask)
    return {rule: _unique(words) for rule, words in found.items()}


def check_reply(text: str) -> ReplyCheck:
    """Every rule over ``text``; ``passed`` when nothing was found."""
    findings: List[Finding] = []
    promised = promises(text)
    if promised:
        findings.append(Finding(PROMISE, promised))
    found = numbers(text)
    for rule in (CARD, ID_NUMBER, PHONE):
        if found.get(rule):
            findings.append(Finding(rule, found[rule]))
    rude = rude_words(text)
    if rude:
        findings.append(Finding(RUDE, rude))
    return ReplyCheck(tuple(findings))
