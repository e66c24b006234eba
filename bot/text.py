"""Text normalisation shared by the NLU pipeline and the action server.

Customers type Traditional characters, full-width digits, spaces inside phone numbers and
amounts; everything downstream (jieba, regexes, parsers) expects one plain form.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Spaces between digits are only visual grouping (138 1234 5678, 12 800). Hyphens are left
# alone because they also separate date parts (2026-11-08); the phone parser copes with them.
_DIGIT_GAP = re.compile(r"(?<=\d)[ \u3000]+(?=\d)")
_SPACES = re.compile(r"[ \t\u3000]+")
# Pinyin initials typed for banking words ("yhk被人绑到wx上", "xyk扣了年费"): read as the words, so
# the NLU, the case rules and the field readers meet one form. Only initials with no other
# reading a bank customer would mean; the customer's own text is stored as typed.
_SHORTHAND = {"yhk": "银行卡", "xyk": "信用卡", "zfb": "支付宝", "wx": "微信", "vx": "微信", "sfz": "身份证",
              "kf": "客服", "sjyh": "手机银行"}
_SHORTHAND_RE = re.compile(r"(?<![A-Za-z])(" + "|".join(_SHORTHAND) + r")(?![A-Za-z])", re.I)


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # opencc-python-reimplemented: pure Python, ships its dictionaries

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def to_halfwidth(text: str) -> str:
    # NFKC maps full-width ASCII (１３８, ＡＴＭ) to half-width but also turns Chinese
    # punctuation such as "，" into ","; that is fine for matching, and we never show the
    # normalised text back to the customer.
    return unicodedata.normalize("NFKC", text)


def normalize_text(text: str) -> str:
    """Traditional→Simplified, full-width→half-width, digit grouping removed, spaces squeezed."""
    if not text:
        return ""
    text = to_halfwidth(text)
    text = to_simplified(text)
    text = _DIGIT_GAP.sub("", text)
    text = _SHORTHAND_RE.sub(lambda m: _SHORTHAND[m.group(1).lower()], text)
    text = _SPACES.sub(" ", text).strip()
    return text


# "在吗？？", "你好！！！", "在吗。。。": a run of marks is emphasis, but DIET reads the unseen
# tokens as another intent ("在吗？？" was out_of_scope, "在吗？" a greeting). The NLU reads one
# mark; the escalation detector still sees the run (anger: 连续感叹号/问号).
_MARK_RUN = re.compile(r"[!?]{2,}|([.,~…。，、])\1+")


def squeeze_marks(text: str) -> str:
    """``normalize_text``'s output with every run of marks cut to its first mark."""
    return _MARK_RUN.sub(lambda m: m.group(0)[0], text)

