"""What a progress lookup reads from a customer's words: the case number, "the latest one", and
the last four digits of a phone. Value parsing only; the dialogue is in progress.py.

Case numbers are TS + 14 digits (TS20261122000123, bot/casedesk/cases/case_rules.py). Customers type them
in lower case, with spaces or dashes, in full-width digits, or say them to a phone's voice input,
which writes Chinese digits ("TS二零二六一一二二零零零一二三", "幺" for 1).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Optional

from actions.parsing import SPOKEN_DIGIT_CLASS, SPOKEN_DIGITS

CASE_DIGITS = 14

# digits read one by one (幺 拐 洞, capitals): the same table as the phone reader's
_CHINESE_DIGITS = str.maketrans(SPOKEN_DIGITS)
_CHINESE_RUN = re.compile(f"[{SPOKEN_DIGIT_CLASS}]{{4,}}")
_GAP = r"[\s\-_.·,，、/]*"

# TS, then 14 digits with any spacing; the prefix may be followed by 编号-like words or a colon
_WITH_PREFIX = re.compile(r"(?<![A-Z])T\s*S" + r"[\s:：#＃号\-_.]*" + r"((?:[0-9]" + _GAP + r"){13}[0-9])(?![0-9])")
# without the prefix, 14 digits in a row whose first eight are a date (20261122…)
_BARE = re.compile(r"(?<![0-9])(20[0-9]{2}" + _GAP + r"(?:[0-9]" + _GAP + r"){9}[0-9])(?![0-9])")

_LATEST = re.compile(
    r"最近(那|的|一|这)?(一)?(次|个|件|回|单|条)|最新(那|的|一)?(次|个|件)|"
    r"上(一)?(次|回)|刚(刚|才)(那|的|登记|提交|投诉|报)|之前(那|的)(个|件|次)|"
    r"前(几)?天(那|的)(个|件|次)|这边登记的那|你们(这|那)边登记的"
)

_LAST4_MARKER = re.compile(r"(尾号|后四位|后4位|末四位|末4位|最后四位|最后4位|后面四位|后面4位|末尾四位)")
_DIGIT_RUN = re.compile(r"[0-9](?:[ \-]?[0-9])*")
_UNIT = re.compile(r"\s*(年|月|日|号|元|块|万|千|百|个|次|天|多|RMB)")


def _plain(text: str) -> str:
    """Full-width to half-width, upper case, Chinese digit runs to digits."""
    value = unicodedata.normalize("NFKC", text or "").upper()
    return _CHINESE_RUN.sub(lambda m: m.group(0).translate(_CHINESE_DIGITS), value)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _is_date(digits: str) -> bool:
    try:
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return True


def find_case_no(text: str) -> Optional[str]:
    """The case number in a message, as TS + 14 digits, or None."""
    plain = _plain(text)
    found = _WITH_PREFIX.search(plain)
    if found:
        return "TS" + _digits(found.group(1))
    bare = _BARE.search(plain)
    if bare and _is_date(_digits(bare.group(1))):
        return "TS" + _digits(bare.group(1))
    return None


def refers_to_latest(text: str) -> bool:
    """"最近那次", "上次那个", "刚才登记的": the latest case of this conversation."""
    return bool(_LATEST.search(_plain(text)))


def _without_case_no(plain: str) -> str:
    plain = _WITH_PREFIX.sub(" ", plain)
    return _BARE.sub(lambda m: " " if _is_date(_digits(m.group(1))) else m.group(0), plain)


def find_last4(text: str, marked_only: bool = False) -> Optional[str]:
    """The last four digits of a phone: "5678", "尾号5678", "５６７８", "五六七八", or the last four
    of a whole number the customer typed instead (13812345678). With ``marked_only`` (a message
    that was not answering the question) only digits after 尾号 / 后四位 count."""
    plain = _without_case_no(_plain(text))
    if marked_only:
        marker = _LAST4_MARKER.search(plain)
        if not marker:
            return None
        plain = plain[marker.end():]
        run = _DIGIT_RUN.search(plain)
        if run and plain[: run.start()].strip(" 是为:：，,") == "":
            digits = _digits(run.group(0))
            return digits if len(digits) == 4 else None
        return None
    # a year, an amount or a count is no part of a phone ("2026年", "5000块")
    runs = [_digits(m.group(0)) for m in _DIGIT_RUN.finditer(plain) if not _UNIT.match(plain, m.end())]
    fours = [r for r in runs if len(r) == 4]
    phones = [r for r in runs if len(r) == 11 and r.startswith("1")]
    if len(fours) == 1 and not phones:
        return fours[0]
    if len(phones) == 1 and not fours:
        return phones[0][-4:]
    return None
