"""Value parsers: a customer's free Chinese text in, one normalised slot value out.

Kept apart from the dialogue (financial-demo's parsing.py idea): nothing here knows about
trackers or forms, so every rule can be unit-tested and benchmarked on plain strings.

Every parser first runs ``bot.text.normalize_text`` (Traditional→Simplified, full-width→
half-width, spaces inside numbers removed), so 「１３８ １２３４ ５６７８」 and 「一萬二」 reach
the rules below as "13812345678" and "一万二".

Two modes, because the same words mean different things in different places:

* ``find_*`` (strict) scans a whole complaint and only takes a value that carries its own cue
  ("我叫…", "…元", "…支行", "昨天"). A bare "5000" in a rant may be a card tail or a queue
  number, so it is not an amount.
* ``parse_*`` (lenient) reads the answer to a question the assistant has just asked: after
  "请问您怎么称呼？" a bare "王建国" is a name, after "涉及多少钱？" a bare "5000" is an amount.

Values produced:

* phone: 11 digits ("13812345678"); +86/0086, spaces, hyphens, full-width and Chinese digits
  (一三八…, 幺 for 1) are accepted.
* amount: a float number of yuan (五千 → 5000.0, 1.2万 → 12000.0, 一万二 → 12000.0,
  12,800.50 → 12800.5, 5k → 5000.0, 3w → 30000.0).
* occurred_at: an ISO **date** "YYYY-MM-DD", relative to the ``today`` argument. The time of
  day ("下午三点") is deliberately dropped: the case desk contract carries a date, the customer's
  own words stay in ``description``, and an agent needs the day to find the transaction.
  Dates without a year that would lie in the future are taken from last year; a date in the
  future is rejected.
* customer_name: 2–4 characters (a bare surname from "免贵姓李" is kept as "李"), or a short
  Latin name.
* branch: the full name from the lookup list data/nlu/lookups/branch.yml when it can be matched
  (also from a short name: "朝阳路那家" → 朝阳路支行), else the "…支行/营业部/分行" phrase,
  else (lenient) the customer's own short description.

``NOT_KNOWN`` ("不详") is what the form stores when the customer says they do not know or
remember (不记得了, 记不清); the case payload turns it into null.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import cn2an
import yaml

from bot.text import normalize_text, to_simplified

ROOT = Path(__file__).resolve().parents[1]
BRANCH_LOOKUP = ROOT / "data" / "nlu" / "lookups" / "branch.yml"

NOT_KNOWN = "不详"
NO_DEMAND = "无具体诉求（仅反映情况）"
ONLINE_CHANNEL = "线上渠道（手机银行/网银等）"

_CN_DIGIT = "零〇一二两三四五六七八九"
_CN_NUM_CHARS = _CN_DIGIT + "十百千万亿"
_CN_NUM = f"[{_CN_NUM_CHARS}]"
_NUM = f"(?:\\d+|{_CN_NUM}+)"

_PUNCT = "，。！？；、,.!?;:：…~～\n\"'“”‘’（）()【】[]"
_CLAUSE_SPLIT = re.compile(r"[，。！？；,!?;\n]+|(?<!\d)\.(?!\d)")


def normalize(text: Optional[str]) -> str:
    return normalize_text(text or "")


def readable(text: Optional[str]) -> str:
    """The customer's words for people to read (description): Simplified, but with the
    customer's own punctuation and digits kept."""
    return re.sub(r"\s+", " ", to_simplified(text or "")).strip()


# ---------------------------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------------------------

def cn_number(token: str) -> Optional[float]:
    """Arabic, Chinese or mixed numerals ("12,800.50", "一万二", "1万2千", "五点五万") → number."""
    token = token.replace(",", "").replace("，", "").strip()
    if not token:
        return None
    try:
        return float(token)
    except ValueError:
        pass
    # cn2an does not take "五点五万"/"1.5万" as one number: split the magnitude off.
    m = re.fullmatch(r"(.+?)([万亿])", token)
    if m and ("点" in m.group(1) or "." in m.group(1)):
        head = cn_number(m.group(1))
        if head is None:
            return None
        return head * (10_000 if m.group(2) == "万" else 100_000_000)
    if "点" in token:
        whole, _, frac = token.partition("点")
        w = cn_number(whole) if whole else 0.0
        digits = "".join(_CN_PHONE_DIGITS.get(c, c) for c in frac)
        if w is None or not digits.isdigit():
            return None
        return float(f"{int(w)}.{digits}")
    try:
        value = cn2an.cn2an(token, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return float(value)


def _cn_small_int(token: str) -> Optional[int]:
    value = cn_number(token)
    if value is None or value != int(value):
        return None
    return int(value)


# ---------------------------------------------------------------------------------------------
# phone
# ---------------------------------------------------------------------------------------------

_CN_PHONE_DIGITS = {"零": "0", "〇": "0", "洞": "0", "一": "1", "幺": "1", "二": "2", "两": "2",
                    "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "拐": "7", "八": "8",
                    "九": "9", "勾": "9"}
# a run of at least 7 spoken digits, possibly mixed with Arabic ones and grouping marks
_CN_PHONE_RUN = re.compile(r"[0-9零〇洞一幺二两三四五六七拐八九勾][0-9零〇洞一幺二两三四五六七拐八九勾\s-]{6,}")
_PHONE = re.compile(r"(?<!\d)(?:(?:\+|00)?86[\s-]?)?(1[3-9]\d(?:[\s-]?\d){8})(?!\d)")
_DIGIT_RUN = re.compile(r"\d[\d\s-]*\d|\d")


def _spoken_digits_to_arabic(text: str) -> str:
    def repl(m: re.Match) -> str:
        run = m.group(0)
        spoken = sum(1 for c in run if c in _CN_PHONE_DIGITS or c.isdigit())
        if spoken < 7:
            return run
        return "".join(_CN_PHONE_DIGITS.get(c, c) for c in run)

    return _CN_PHONE_RUN.sub(repl, text)


def find_phones(text: str) -> List[str]:
    """Every valid mobile number in the text, in order of appearance."""
    t = _spoken_digits_to_arabic(normalize(text))
    return [re.sub(r"\D", "", m.group(1)) for m in _PHONE.finditer(t)]


def find_phone(text: str) -> Optional[str]:
    phones = find_phones(text)
    return phones[0] if phones else None


def parse_phone(text: str) -> Optional[str]:
    """The answer to "您的手机号是？": the (last) valid number, e.g. "不是138…，是139…" → 139…."""
    phones = find_phones(text)
    return phones[-1] if phones else None


def has_digits(text: str) -> bool:
    return bool(re.search(r"\d", _spoken_digits_to_arabic(normalize(text))))


def is_valid_phone(value: Any) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"1[3-9]\d{9}", value))


def mask_phone(phone: Optional[str]) -> str:
    if not phone:
        return ""
    if len(phone) == 11:
        return f"{phone[:3]}****{phone[-4:]}"
    return phone[:2] + "*" * max(len(phone) - 4, 0) + phone[-2:]


# ---------------------------------------------------------------------------------------------
# amount
# ---------------------------------------------------------------------------------------------

_ARABIC_AMOUNT = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_AMOUNT_TOKEN = re.compile(
    r"(?P<prefix>¥|￥|rmb|RMB|人民币)?\s*"
    r"(?P<num>(?:" + _ARABIC_AMOUNT + r")(?:[万千](?:\d+|[" + _CN_DIGIT + r"十百千]+)?)?"
    r"|[" + _CN_NUM_CHARS + r"]+(?:点[" + _CN_DIGIT + r"]+)?[万亿]?)"
    r"\s*(?P<unit>[kKwW](?![a-zA-Z]))?"
    r"(?P<approx>多|余|来|几)?"
    r"\s*(?P<currency>块钱|块|元|圆|rmb|RMB|人民币|大洋)?"
)
# words right before a number that make it money even without 元/块
_MONEY_CONTEXT = re.compile(
    r"(?:(?:扣|转|刷|收|取|存|付|交|花|借|贷|还|退|赔|亏|少|损失|多扣|盗刷|转走|被转|转出|被刷|被扣|支付|冒领|充|汇|骗|差)"
    r"(?:了|掉|走|出|款|费)?(?:我|我们)?(?:的)?(?:钱|本金|利息)?了?"
    r"|金额(?:是|为|有)?|余额(?:只有|还有|是)?|费用(?:是|为)?|手续费(?:是|为)?|年费(?:是|为)?"
    r"|本金|共计|一共|总共|合计|大概|大约|差不多|将近|接近|每笔|每次(?:都)?(?:是|为)?|一次|一笔|笔|价值"
    r"|分别(?:是|为)?|钱是|钱数是|(?:扣|付|刷|交|充)了?(?:两|三|\d)次)\s*$"
)
# words right after a number that make it money: "一笔1288的消费", "19.9的扣费"
_MONEY_AFTER = re.compile(
    r"^\s*(?:元|块)?的?\s*(?:跨境|网上|境外|淘宝|网购)?(?:扣款|消费|交易|转账|支出|账单|扣费|存款|贷款|汇款|定金|订单|年费|手续费|保证金)"
)
# words right after a number that make it something other than money
_NOT_MONEY_AFTER = re.compile(
    r"^\s*(?:多|余|来|几)?\s*(?:次|笔|天|个|号|日|月(?!费|供)|年(?!费)|点|分钟|分|秒|小时|钟头|岁|楼|层|张|位|遍|"
    r"趟|人|期|倍|%|％|周|星期|礼拜|家|台|条|条短信|窗口|号窗|排|米|公里|页|项|步|粉丝|个点|以上|以下|以内)"
)
_NOT_MONEY_BEFORE = re.compile(r"(尾号|卡号|账号|号码|手机|电话|编号|第|工号|窗口|排队|等了|等|年化|利率)\s*$")
# a clause about a limit or a rate: its numbers are not the money at stake
_LIMIT_CLAUSE = re.compile(r"额度|限额|利率|年化|粉丝|只能|超过|降额|降到|提额|门槛|起存|起购")
# words before an amount that make it the sum lost or disputed (preferred over other sums)
_LOSS_CONTEXT = re.compile(
    r"(?:少了|亏了|亏损了?|损失了?|差了|丢了|多扣了?|多收了?|扣了|扣钱了|被(?:转|刷|扣|取|骗|盗|划)(?:走)?了?|"
    r"骗了|转走了|冒领了|吞了|吃了)(?:我|我们)?(?:的)?(?:本金|利息|钱)?\s*$"
)
# cash notes: "两张一百" is 200, "一张假的一百" is 100
_NOTES = re.compile(
    r"(?P<n>\d+|[" + _CN_DIGIT + r"十]+)\s*张\s*(?:是)?(?:假的?|破的?|残缺?的?|旧的?|缺角的?|面值)?\s*"
    r"(?P<d>一百|五十|二十|十|100|50|20|10)(?:元|块)?"
)
# "三五千" and "八九百" are ranges: the upper bound
_CN_RANGE = re.compile(r"([一二两三四五六七八])([二三四五六七八九])(?=[十百千万])")
# "两块五" is 2.5 yuan
_KUAI_DECIMAL = re.compile(
    r"(\d+|[" + _CN_DIGIT + r"十]+)块([" + _CN_DIGIT + r"]|\d)(?:毛|角)?(?![\d" + _CN_NUM_CHARS + r"])"
)
_DIGITS = {c: str(i) for i, c in enumerate("零一二三四五六七八九")}


def _prepare_amounts(t: str) -> str:
    def range_upper(m: re.Match) -> str:
        lo, hi = _cn_small_int(m.group(1)), _cn_small_int(m.group(2))
        return m.group(2) if lo is not None and hi is not None and lo < hi else m.group(0)

    def kuai(m: re.Match) -> str:
        whole = _cn_small_int(m.group(1))
        tenth = m.group(2) if m.group(2).isdigit() else _DIGITS.get(m.group(2), "")
        if whole is None or not tenth:
            return m.group(0)
        return f"{whole}.{tenth}元"

    return _KUAI_DECIMAL.sub(kuai, _CN_RANGE.sub(range_upper, t))


def _amount_tokens(text: str) -> Iterable[Tuple[re.Match, float]]:
    for m in _AMOUNT_TOKEN.finditer(text):
        num = m.group("num")
        if not num or not re.search(r"[\d" + _CN_DIGIT + "十]", num):
            continue
        value = cn_number(num)
        if value is None:
            continue
        unit = (m.group("unit") or "").lower()
        if unit == "k":
            value *= 1_000
        elif unit == "w":
            value *= 10_000
        yield m, value


def _note_amounts(t: str) -> List[float]:
    out = []
    for m in _NOTES.finditer(t):
        n, d = _cn_small_int(m.group("n")), cn_number(m.group("d"))
        if n and d:
            out.append(float(n * d))
    return out


def _amount_candidates(text: str, strict: bool) -> List[Tuple[float, bool]]:
    """(value, is the sum lost or disputed) for every money amount in the text."""
    t = _prepare_amounts(normalize(text))
    found: List[Tuple[float, bool]] = []
    accepted_end = -10
    for m, value in _amount_tokens(t):
        before, after = t[: m.start()], t[m.end():]
        digits = re.sub(r"\D", "", m.group("num"))
        if len(digits.split(".")[0]) > 9:  # phone, card or account number
            continue
        if _NOT_MONEY_BEFORE.search(before):
            continue
        if re.search(r"(不是|而非)\s*$", before) and strict:  # "不是五百，是五千"
            continue
        has_currency = bool(m.group("prefix") or m.group("currency"))
        if not has_currency and _NOT_MONEY_AFTER.search(after):
            continue
        if not has_currency and re.match(r"\s*([-/:：]|[月年](?!费|供))", after):  # a date or a time
            continue
        clause = re.split(r"[，。！？；,!?;\n]", before)[-1]
        if _LIMIT_CLAUSE.search(clause):
            continue
        has_magnitude = bool(m.group("unit")) or bool(re.search(r"[万千百亿]", m.group("num")))
        if strict and not has_currency:
            listed = re.search(r"[、和及]\s*$", before) and m.start() - accepted_end <= 2
            context = _MONEY_CONTEXT.search(before) or _MONEY_AFTER.match(after) or listed
            # "一万八", "五千八": a sum with 万/千 in a complaint is money by itself
            big = has_magnitude and value >= 1000 and not m.group("unit") or bool(m.group("unit"))
            if not ((context and (has_magnitude or value >= 10 or _MONEY_AFTER.match(after))) or big):
                continue
        if value <= 0:
            continue
        found.append((value, bool(_LOSS_CONTEXT.search(before))))
        accepted_end = m.end()
    return found


def _pick(values: List[Tuple[float, bool]]) -> Optional[float]:
    if not values:
        return None
    lost = [v for v, loss in values if loss]
    return max(lost) if lost else max(v for v, _ in values)


def find_amount(text: str) -> Optional[float]:
    """The amount at stake in a complaint, or None (docs/taxonomy.md "amount").

    Cash notes counted out ("两张假的一百") win; then the largest sum lost or disputed
    ("少了/被转走/扣了…"); then the largest money amount ("被转走5000元，手续费50元" → 5000).
    """
    t = normalize(text)
    notes = _note_amounts(t)
    if notes:
        return max(notes)
    return _pick(_amount_candidates(t, strict=True))


_AMOUNT_ANSWER = re.compile(
    r"(?:大概|差不多|大约|约|一共|总共|共|就|是|估计|可能|应该是|损失了?|被扣了|扣了|金额是?)?\s*"
    r"[\d,.\s" + _CN_NUM_CHARS + r"点kKwW¥￥]+\s*(?:多|余|来|几)?\s*(?:块钱|块|元|rmb|RMB|人民币)?"
    r"(?:\s*(?:到|至|-|~)\s*[\d,.\s" + _CN_NUM_CHARS + r"点kKwW]+\s*(?:块钱|块|元)?)?"
    r"\s*(?:左右|之间|吧|的样子|上下|出头|多)?"
)
_FIELD_VALUE_CUE = re.compile(r"(?:应该是|改成|改为|改到|写成|是)\s*")


def parse_amount(text: str) -> Optional[float]:
    """The answer to "涉及多少钱？": a bare "5000" or "大概五千左右" is enough."""
    t = normalize(text)
    notes = _note_amounts(t)
    if notes:
        return max(notes)
    return _pick(_amount_candidates(t, strict=True)) or _pick(_amount_candidates(t, strict=False))


def _amount_answer(t: str) -> Optional[float]:
    """A message that is only an amount ("两万多", "三千到五千之间"), or a correction of the
    amount field ("金额写错了，应该是三千二", "不是五百，是五千")."""
    if re.search(r"\d+\.\d+\.\d+|\d+[-/]\d+", t):  # 2026.3.1 is a date
        return None
    body = re.sub(r"^.*不是[^，,。]*[，,]\s*", "", t).strip(_PUNCT + " ")
    if _AMOUNT_ANSWER.fullmatch(body):
        return parse_amount(body)
    if re.search(r"金额|钱数|数额|数目|钱", t):
        cue = None
        for cue in _FIELD_VALUE_CUE.finditer(t):
            pass
        if cue is not None:
            tail = t[cue.end():].strip(_PUNCT + " ")
            tail = re.split(r"[，,。；;]|不是", tail)[0]
            if tail and _AMOUNT_ANSWER.fullmatch(tail):
                return parse_amount(tail)
    return None


def is_valid_amount(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1e10


def format_amount(value: Any) -> str:
    if not is_valid_amount(value):
        return str(value)
    if float(value).is_integer():
        return f"{int(value):,}元"
    return f"{value:,.2f}元"


# ---------------------------------------------------------------------------------------------
# date
# ---------------------------------------------------------------------------------------------

_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5,
             "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_RELATIVE_DAYS = [  # longest first so 大前天 is not read as 前天
    ("大大前天", -4), ("大前天", -3), ("前天", -2), ("前日", -2), ("昨天", -1), ("昨日", -1),
    ("昨晚", -1), ("昨夜", -1), ("昨早", -1), ("昨儿", -1), ("今天", 0), ("今日", 0),
    ("今早", 0), ("今晚", 0), ("今儿", 0), ("刚才", 0), ("刚刚", 0), ("当天", None),
]
_D = rf"(?:\d{{1,2}}|[{_CN_DIGIT}十]{{1,3}})"
_FULL_DATE = re.compile(
    rf"(?P<y>\d{{4}}|[{_CN_DIGIT}]{{4}})\s*[-/.年]\s*(?P<m>{_D})\s*[-/.月]\s*(?P<d>{_D})\s*[日号]?"
)
_MONTH_DAY = re.compile(
    rf"(?P<rel>今年|去年|前年)?\s*(?P<m>{_D})\s*月份?\s*(?P<d>{_D})\s*[日号]"
)
_REL_MONTH_DAY = re.compile(rf"(?P<rel>上上个?月|上个?月|这个?月|本月)\s*(?P<d>{_D})\s*[日号]")
_AGO = re.compile(
    rf"(?P<n>\d{{1,3}}|[{_CN_DIGIT}十]{{1,3}}|半)\s*(?P<u>个?(?:天|日|周|星期|礼拜|月))\s*(?:之|以)?前"
)
_WEEKDAY = re.compile(r"(?P<rel>上上|上个?|这个?|本)?\s*(?:周|星期|礼拜)(?P<w>[一二三四五六日天末1-7])")
_DAY_ONLY = re.compile(rf"(?<![月\d{_CN_DIGIT}十])(?P<d>{_D})\s*[号日](?!窗|柜|楼|线|机|门|台|位)")


def _safe_date(y: int, m: int, d: int) -> Optional[date]:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _months_back(today: date, n: int, day: Optional[int] = None) -> Optional[date]:
    y, m = today.year, today.month - n
    while m <= 0:
        m += 12
        y -= 1
    d = day if day is not None else today.day
    result = _safe_date(y, m, d)
    if result is None and day is None:  # 3月31日 minus one month → 2月28日
        for dd in range(d, 27, -1):
            result = _safe_date(y, m, dd)
            if result:
                break
    return result


def _date_mentions(text: str, today: date, lenient: bool) -> List[Tuple[int, date]]:
    """(position, date) for every date expression; positions let callers pick one."""
    t = normalize(text)
    out: List[Tuple[int, date]] = []
    taken: List[Tuple[int, int]] = []

    def free(m: re.Match) -> bool:
        return all(m.end() <= s or m.start() >= e for s, e in taken)

    def add(m: re.Match, value: Optional[date]) -> None:
        taken.append((m.start(), m.end()))
        if value is not None:
            out.append((m.start(), value))

    for m in _FULL_DATE.finditer(t):
        y = int("".join(_CN_PHONE_DIGITS.get(c, c) for c in m.group("y")))  # 二〇二六 → 2026
        mo, d = _cn_small_int(m.group("m")), _cn_small_int(m.group("d"))
        add(m, _safe_date(y, mo, d) if y and mo and d else None)
    for m in _MONTH_DAY.finditer(t):
        if not free(m):
            continue
        mo, d = _cn_small_int(m.group("m")), _cn_small_int(m.group("d"))
        value = None
        if mo and d:
            year = today.year - {"去年": 1, "前年": 2}.get(m.group("rel") or "", 0)
            value = _safe_date(year, mo, d)
            if value and value > today and not m.group("rel"):
                value = _safe_date(year - 1, mo, d)
        add(m, value)
    for m in _REL_MONTH_DAY.finditer(t):
        if not free(m):
            continue
        d = _cn_small_int(m.group("d"))
        back = 2 if m.group("rel").startswith("上上") else 1 if m.group("rel").startswith("上") else 0
        add(m, _months_back(today, back, d) if d else None)
    for m in _AGO.finditer(t):
        if not free(m):
            continue
        n_txt, unit = m.group("n"), m.group("u")
        n = 0.5 if n_txt == "半" else _cn_small_int(n_txt)
        value = None
        if n:
            if unit.endswith(("天", "日")):
                value = today - timedelta(days=int(n))
            elif unit.endswith(("周", "星期", "礼拜")):
                value = today - timedelta(days=int(7 * n))
            elif unit.endswith("月"):
                value = today - timedelta(days=15) if n == 0.5 else _months_back(today, int(n))
        add(m, value)
    for m in _WEEKDAY.finditer(t):
        if not free(m):
            continue
        wd = _WEEKDAYS[m.group("w")]
        rel = m.group("rel") or ""
        monday = today - timedelta(days=today.weekday())
        if rel.startswith("上上"):
            value = monday - timedelta(days=14) + timedelta(days=wd)
        elif rel.startswith("上"):
            value = monday - timedelta(days=7) + timedelta(days=wd)
        else:
            value = monday + timedelta(days=wd)
            if value > today and not rel:  # a bare "周五" said on a Tuesday is last Friday
                value -= timedelta(days=7)
        add(m, value if value <= today else None)
    for word, delta in _RELATIVE_DAYS:
        for m in re.finditer(word, t):
            if free(m) and delta is not None:
                add(m, today + timedelta(days=delta))
    if lenient or not out:
        # "8号" alone: this month, or last month when the day is still to come
        for m in _DAY_ONLY.finditer(t):
            if not free(m):
                continue
            if not lenient and not re.search(r"(在|于|是|那天|当天)\s*$", t[: m.start()]):
                continue
            d = _cn_small_int(m.group("d"))
            value = _safe_date(today.year, today.month, d) if d else None
            if value and value > today:
                value = _months_back(today, 1, d)
            add(m, value)
    return sorted(out)


def find_date(text: str, today: date) -> Optional[str]:
    """When the complained-about thing happened, as an ISO date, or None.

    With several dates the earliest wins: "上周五被扣款，今天去问" is about 上周五.
    """
    dates = [d for _, d in _date_mentions(text, today, lenient=False) if d <= today]
    return min(dates).isoformat() if dates else None


def parse_date(text: str, today: date) -> Optional[str]:
    """The answer to "大概是哪天？" (also takes a bare "8号")."""
    dates = [d for _, d in _date_mentions(text, today, lenient=True) if d <= today]
    return min(dates).isoformat() if dates else None


def mentions_future_date(text: str, today: date) -> bool:
    return any(d > today for _, d in _date_mentions(text, today, lenient=True))


def is_valid_date(value: Any, today: date) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return date.fromisoformat(value) <= today
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------
# name
# ---------------------------------------------------------------------------------------------

_COMPOUND_SURNAMES = (
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木 独孤 南宫 "
    "西门 百里 呼延 澹台 公冶 太史 申屠 闻人 赫连 钟离 宗政 濮阳 淳于 单于 万俟"
).split()
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左"
    "柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶"
    "解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟"
    "邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班"
    "储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国"
    "狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹"
    "诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)
_NAME_CUE = re.compile(
    r"(?:我(?:的)?(?:名字|姓名)(?:是|叫)?|名字(?:是|叫)|姓名(?:是|叫)?|我叫|叫我|我是|本人(?:是|叫)?|"
    r"这里是|这边是|免贵姓\S?叫|免贵|(?:名字|姓名)(?:就)?(?:写|填|记)(?:成|作|为)?)\s*[:：]?\s*"
)
_SURNAME_CUE = re.compile(r"(?:免贵|我)?姓\s*(?P<s>[\u4e00-\u9fff]{1,2})")
# characters that end a name when they follow it in running text
_NAME_STOP_WORDS = (
    "电话", "手机", "号码", "联系", "今天", "昨天", "前天", "上周", "上个月", "刚才", "家住", "住在",
    "投诉", "反映", "来自", "因为", "想要", "要求", "希望", "你们", "您好", "客户", "先生的", "女士的",
    "就行", "就好", "就可以", "即可", "不叫", "不是",
)
_NAME_STOP_CHARS = set("的在是我你他她它了吗呢吧啊呀哦嗯哈电手号想要不就，。！？,.!?;；:：、 0123456789")
# what a customer may ask to be called after "叫我…就行" even without a surname ("胖哥", "王姐")
_NICKNAME = re.compile(r"[\u4e00-\u9fff]{1,2}(?:哥|姐|叔|姨|爷|总|工|师傅)")
# a correction of the name field: "名字不对，应该是王小明", "是李静不是李晶"
_NAME_FIELD = re.compile(r"名字|姓名|称呼")
_NAME_FIELD_VALUE = re.compile(r"(?:应该是|改成|改为|写成|是|叫)\s*(?P<v>[\u4e00-\u9fff]{2,4})")
_NOT_NAMES = {
    "客户", "老客户", "本人", "用户", "储户", "持卡人", "消费者", "你们", "这里", "那个", "投诉",
    "你好", "您好", "谢谢", "不是", "没有", "知道", "不知道", "就是", "那个人", "银行", "经理",
    "不对", "对的", "好的", "可以", "算了", "什么", "怎么", "为什么", "不好", "不行", "人工",
}
_HONORIFIC = ("先生", "女士", "小姐", "阿姨", "叔叔", "大爷", "大妈", "老师")


def _looks_like_name(candidate: str) -> bool:
    if not candidate or candidate in _NOT_NAMES:
        return False
    # "周一" is a day; "我是来闹事的", "本人来签字" are verbs (来 as a surname is too rare to risk)
    if re.fullmatch(r"周[一二三四五六七日天末]", candidate) or candidate[0] in "来去":
        return False
    if re.fullmatch(r"[A-Za-z][A-Za-z .'-]{1,19}[\u4e00-\u9fff]?", candidate):
        return True
    if not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", candidate):
        return False
    body = candidate
    if body[0] in "小老阿" and len(body) == 2:
        return body[1] in _SURNAMES
    if any(body.startswith(c) for c in _COMPOUND_SURNAMES):
        return True
    return body[0] in _SURNAMES and not any(c in _NAME_STOP_CHARS for c in body)


def _cut_name(run: str) -> str:
    for word in _NAME_STOP_WORDS:
        i = run.find(word)
        if i > 0:
            run = run[:i]
    for i, c in enumerate(run):
        if c in _NAME_STOP_CHARS:
            run = run[:i]
            break
    for h in _HONORIFIC:  # 王先生 is a complete answer
        i = run.find(h)
        if 0 < i <= 2:
            return run[: i + len(h)]
    if len(run) > 4:
        compound = any(run.startswith(c) for c in _COMPOUND_SURNAMES)
        run = run[: 4 if compound else 3]
    return run


def find_name(text: str) -> Optional[str]:
    """A name the customer introduces ("我叫王建国", "免贵姓李，叫李娜", "我是陈先生")."""
    t = normalize(text)
    for m in _NAME_CUE.finditer(t):
        rest = t[m.end():]
        latin = re.match(r"[A-Za-z][A-Za-z .'-]{1,19}[\u4e00-\u9fff]?", rest)
        if latin and _looks_like_name(latin.group(0).strip()):
            return latin.group(0).strip()
        run = re.match(r"[\u4e00-\u9fff]{1,8}", rest)
        if not run:
            continue
        candidate = _cut_name(run.group(0))
        if _looks_like_name(candidate):
            return candidate
        if m.group(0).startswith("叫我") and _NICKNAME.fullmatch(candidate):
            return candidate
    if _NAME_FIELD.search(t):
        for m in _NAME_FIELD_VALUE.finditer(re.sub(r"不(?:是|叫)\s*[\u4e00-\u9fff]{1,4}", "", t)):
            candidate = _cut_name(m.group("v"))
            if _looks_like_name(candidate):
                return candidate
    m = re.search(r"叫\s*([\u4e00-\u9fff]{2,4})", t)
    if m and _SURNAME_CUE.search(t):  # "免贵姓李，叫李娜"
        candidate = _cut_name(m.group(1))
        if _looks_like_name(candidate):
            return candidate
    m = _SURNAME_CUE.search(t)
    if m:
        s = m.group("s")
        surname = s if s in _COMPOUND_SURNAMES else s[0] if s[0] in _SURNAMES else None
        if surname:
            # "我姓周，周小燕": the full name, when it follows the surname on its own
            after = re.search(rf"(?:^|[，,。\s])({re.escape(surname)}[\u4e00-\u9fff]{{1,2}})(?:$|[，,。！!\s])",
                              t[m.end():])
            if after and _looks_like_name(after.group(1)):
                return after.group(1)
            return surname
    return None


def parse_name(text: str) -> Optional[str]:
    """The answer to "请问您怎么称呼？": also a bare "王建国" or "李女士"."""
    found = find_name(text)
    if found:
        return found
    t = normalize(text).strip(_PUNCT + " ")
    t = re.sub(r"(吧|呀|啊|哦|呢|就行|就好|就可以|即可)$", "", t)
    if t in _SURNAMES or t in _COMPOUND_SURNAMES:  # just "王"
        return t
    for part in re.split(r"[，,。.!！\s]+", t):
        candidate = _cut_name(part) if len(part) > 4 else part
        if _looks_like_name(candidate):
            return candidate
    return None


def is_valid_name(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    return _looks_like_name(value) or (
        len(value) <= 2 and (value in _SURNAMES or value in _COMPOUND_SURNAMES)
    )


# ---------------------------------------------------------------------------------------------
# branch
# ---------------------------------------------------------------------------------------------

_BRANCH_SUFFIX = "支行|分行|营业部|分理处|储蓄所|营业厅|营业网点"
_BRANCH_PHRASE = re.compile(rf"([\u4e00-\u9fffA-Za-z0-9]{{1,12}}?)({_BRANCH_SUFFIX})")
_BRANCH_WORD_AFTER_STEM = re.compile(
    rf"^\s*(?:的|那个|那家|这个|这家|那边的?|那里的?|附近的?)?\s*(?:{_BRANCH_SUFFIX}|网点|银行|自助银行|那家|这家)"
)
# where a place name starts inside "昨天下午在朝阳路支行"
_BRANCH_CUT = re.compile(r".*(?:在|去|到|的|是|了|个|家|我|们|和|跟|从|往|银行|贵行|本行|咱行|上午|下午|晚上|早上|中午)")
_ONLINE = re.compile(r"手机银行|网上银行|网银|app|APP|App|微信银行|电话银行|线上|小程序|网页")


@lru_cache(maxsize=1)
def branch_names() -> Tuple[str, ...]:
    """Branch names from the NLU lookup table (the single list trainers edit)."""
    try:
        data = yaml.safe_load(BRANCH_LOOKUP.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return ()
    names: List[str] = []
    for item in data.get("nlu", []) or []:
        if isinstance(item, dict) and item.get("lookup") == "branch":
            for line in str(item.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("-"):
                    name = normalize(line[1:].strip())
                    if name:
                        names.append(name)
    return tuple(sorted(set(names), key=len, reverse=True))


def _stem(name: str) -> str:
    return re.sub(rf"({_BRANCH_SUFFIX})$", "", name)


@lru_cache(maxsize=1)
def _branch_keys() -> Tuple[Tuple[str, str], ...]:
    """(words, full name): each stem ("朝阳路"), and each shorter start of a stem that names one
    branch only ("高新" → 高新区支行, "万达" → 万达广场支行), longest first."""
    stems = {_stem(name): name for name in branch_names() if len(_stem(name)) >= 2}
    keys = dict(stems)
    for stem, name in stems.items():
        for n in range(2, len(stem)):
            prefix = stem[:n]
            if prefix in stems or sum(1 for other in stems if other.startswith(prefix)) > 1:
                continue
            keys.setdefault(prefix, name)
    return tuple(sorted(keys.items(), key=lambda kv: len(kv[0]), reverse=True))


def _denied(t: str, start: int) -> bool:
    return bool(re.search(r"不是\s*$", t[max(0, start - 3): start]))


def _lookup_branch(t: str, need_branch_word: bool) -> Optional[str]:
    for name in branch_names():
        if any(not _denied(t, m.start()) for m in re.finditer(re.escape(name), t)):
            return name
    for key, name in _branch_keys():
        is_prefix = key != _stem(name)
        for m in re.finditer(re.escape(key), t):
            if _denied(t, m.start()):
                continue
            after = t[m.end():]
            if need_branch_word and not _BRANCH_WORD_AFTER_STEM.match(after):
                continue
            # a short form ("高新") only where it stands for a place: "人民币", "金融监管" are not
            if is_prefix and not re.match(rf"\s*(那|这|附近|的?(?:{_BRANCH_SUFFIX}|网点|营业厅)|$)", after):
                continue
            return name
    return None


def find_branch(text: str) -> Optional[str]:
    """A branch the customer names: lookup list first, then any "…支行/营业部/分行"."""
    t = normalize(text)
    found = _lookup_branch(t, need_branch_word=True)
    if found:
        return found
    for m in _BRANCH_PHRASE.finditer(t):
        place = _BRANCH_CUT.sub("", m.group(1))
        place = re.sub(r"^(今天|昨天|前天|刚才|那天|附近|旁边|对面|楼下)", "", place)
        if len(place) >= 2 and not re.fullmatch(r"[\d]+", place):
            return place + m.group(2)
    return None


def parse_branch(text: str, free_text: bool = True) -> Optional[str]:
    """The answer to "请问是哪个网点？": short names and (``free_text``) the customer's own
    words are fine."""
    found = find_branch(text)
    if found:
        return found
    t = normalize(text)
    found = _lookup_branch(t, need_branch_word=False)
    if found:
        return found
    if _ONLINE.search(t):
        return ONLINE_CHANNEL
    if not free_text:
        return None
    words = t.strip(_PUNCT + " ")
    words = re.sub(r"^(就是|是|在|就在|我在|去的|我去的|应该是|好像是)", "", words)
    words = re.sub(r"(那家|那个|这家|这个|的|网点|营业厅|银行|那边|吧|啊|呀|呢|哦)+$", "", words).strip(_PUNCT + " ")
    if re.fullmatch(rf"(你们|我们|贵行|本行|那个|这个|银行)*({_BRANCH_SUFFIX}|网点)?", words):
        return None
    if 2 <= len(words) <= 20 and re.search(r"[\u4e00-\u9fff]", words) and not says_not_known(words):
        return words
    return None


def is_valid_branch(value: Any) -> bool:
    return isinstance(value, str) and 2 <= len(value) <= 30


# ---------------------------------------------------------------------------------------------
# demand, "don't know", refusals
# ---------------------------------------------------------------------------------------------

_DEMAND_CUE = re.compile(
    r"要求|希望|请(?:你们|尽快|马上|立即|立刻|帮我|给我|银行|贵行)|必须|务必|"
    r"(?:给|讨)(?:我)?(?:一)?个?(?:说法|交代|解释)|赔偿|赔我|补偿|退还|退回|退钱|退给我|还我|"
    r"把钱(?:追|要|拿)?回|追回|道歉|处分|严肃处理|撤销|恢复|解冻|查清|查明|核实一下"
)
_CONFIDENTIAL_HINT = re.compile(r"不要让|别让|不想让|保密|匿名|不要告诉|别告诉|报复")
_NOT_KNOWN = re.compile(
    r"不知道|不记得|记不清|记不得|想不起|忘了|忘记了?|不清楚|不太清楚|说不准|说不清|不确定|没注意|没留意|不详"
)
_NO_DEMAND = re.compile(
    r"^(没有|没|无|没了|没啥|没什么|没有了|不用了?|都行|随便|就这样|没别的)|"
    r"(没有|没什么|没啥)(别的|其他|具体)?(要求|诉求)|只是(想)?反映|就是(想)?反映|只想反映"
)


def says_not_known(text: str) -> bool:
    return bool(_NOT_KNOWN.search(normalize(text)))


def says_no_demand(text: str) -> bool:
    return bool(_NO_DEMAND.search(normalize(text).strip(_PUNCT + " ")))


def _clauses(text: str) -> List[str]:
    return [c.strip() for c in _CLAUSE_SPLIT.split(text) if c.strip()]


def find_demand(text: str) -> Optional[str]:
    """What the customer wants: the clauses that say so ("希望…", "要求…", "给个说法"), verbatim.

    Whole clauses are kept, negations included ("我不要赔偿；要那个柜员给我道歉"): the demand
    is recorded in the customer's words, never interpreted.
    """
    t = normalize(text)
    wanted = []
    for clause in _clauses(t):
        if not _DEMAND_CUE.search(clause) or _CONFIDENTIAL_HINT.search(clause):
            continue
        wanted.append(re.sub(r"^(所以|然后|现在|那|就|只|我就|我只|那就|总之)+", "", clause).strip())
    wanted = [w for w in wanted if len(w) >= 2]
    if not wanted:
        return None
    return "；".join(dict.fromkeys(wanted))[:300]


def parse_demand(text: str) -> Optional[str]:
    """The answer to "您希望我们怎么处理？": any real sentence; "没有" means no demand."""
    if says_no_demand(text):
        return NO_DEMAND
    t = readable(text).strip(_PUNCT + "。，！？；：、 ")
    if len(t) < 2 or not re.search(r"[\u4e00-\u9fffA-Za-z]", t):
        return None
    return t[:300]


def is_valid_demand(value: Any) -> bool:
    return isinstance(value, str) and len(value.strip()) >= 2


# ---------------------------------------------------------------------------------------------
# everything at once
# ---------------------------------------------------------------------------------------------

# short replies that start with a surname character but are not names: 谢啦, 都对, 那好, 好的
_REPLY_WORDS = re.compile(
    r"谢(谢|啦|了|您|你|咯)|(那|都|就|还|也)(好|对|行|是|可以)|(好|行|对|是|嗯|哦|喂|算|没|不|早|晚|拜)"
)


def _answer_body(t: str) -> str:
    """The message without phone numbers and punctuation: what is left of a short answer."""
    t = _spoken_digits_to_arabic(t)
    t = _PHONE.sub(" ", t)
    t = re.sub(r"(手机|电话|号码|手机号)(号码)?(是|:|：)?", " ", t)
    return t.strip(_PUNCT + " ")


def extract_all(text: str, today: date) -> Dict[str, Any]:
    """Every field a customer's message states by itself: the opening complaint, or an answer.

    Returns all of: customer_name, phone, branch, occurred_at (ISO date), amount (yuan, float),
    demand (the customer's words), confidential (bool), compensation_requested (bool); a field
    that is not stated is None (the two flags are False).

    In a complaint only values with their own cue count (strict ``find_*``). A message that is
    nothing but a value — "王雪梅。", "贺小军 159…", "大学城", "两万多", "不是五百，是五千" — is an
    answer, and is read the lenient way (docs/taxonomy.md §4).
    """
    from actions.classify import detect_flags  # classify imports nothing from here

    t = normalize(text)
    flags = detect_flags(t)
    found = {
        "customer_name": find_name(t),
        "phone": find_phone(t),
        "branch": find_branch(t),
        "occurred_at": find_date(t, today),
        "amount": find_amount(t),
        "demand": find_demand(t),
        "confidential": flags["confidential"],
        "compensation_requested": flags["compensation_requested"],
    }
    body = _answer_body(t)
    if found["customer_name"] is None and re.fullmatch(r"[\u4e00-\u9fff]{1,4}", body) and not _REPLY_WORDS.match(body):
        found["customer_name"] = parse_name(body)
    if found["branch"] is None and len(body) <= 14 and not re.search(r"\d", body):
        found["branch"] = _lookup_branch(body, need_branch_word=False)
    if found["amount"] is None:
        found["amount"] = _amount_answer(t)
    return found
