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

* phone: China national digits from bot/phones.py (the case desk's rule set too): a mobile
  "13812345678" or a landline with its area code "057187023456", also one the numbering data
  does not know yet but whose area code and length are plausible ("0730-8254 6137"); +86/0086,
  spaces, hyphens, brackets, full-width and spoken Chinese digits (一三八…, 幺 for 1, 洞 for 0,
  拐 for 7) are accepted. Card, ID and order numbers and dates are not phones.
* amount: a float number of yuan (五千 → 5000.0, 1.2万 → 12000.0, 一万二 → 12000.0,
  12,800.50 → 12800.5, 5k → 5000.0, 3w → 30000.0). With several sums the one the disputed act
  happened to (扣了, 被转走, 收了…违约金, 没到账) wins over background figures (余额, 本金,
  还了, 工资). Approximate sums are their base number (两万多, 十几万 → 100000); a sum without
  one (几十万, 好几千) is no amount. To the amount question, the parts of one loss listed one by
  one add up ("转了三次，3万、5万、6万" → 140000) unless the customer states the total; a debt,
  a loan, a limit or points is never the answer (``names_no_disputed_sum``: recorded as not
  given).
* occurred_at: an ISO **date** "YYYY-MM-DD", relative to the ``today`` argument, or, when the
  customer only knows roughly when (上个月, 月初, 上周, 最近, 几天前, 去年底), an ISO 8601
  interval of dates "YYYY-MM-DD/YYYY-MM-DD" (``describe_date`` reads either back in Chinese).
  The time of day ("下午三点") is deliberately dropped: the case desk contract carries a date,
  the customer's own words stay in ``description``, and an agent needs the day to find the
  transaction. Dates without a year that would lie in the future are taken from last year; a
  date or period in the future is rejected.
* customer_name: 2–4 characters (a bare surname from "免贵姓李" is kept as "李"), a name with a
  middle dot in any of its forms ("艾力·买买提", "阿依古丽•吐尔逊", stored with "·"), or a short
  Latin name.
* branch: the full name from the lookup list data/nlu/lookups/branch.yml when it can be matched
  (also from a short name: "朝阳路那家" → 朝阳路支行), else the "…支行/营业部/分行" phrase,
  else (lenient) the place said before 网点 ("解放东路那个网点" → 解放东路), else the customer's
  own short description.

``NOT_KNOWN`` ("不详") is what the form stores when the customer says they do not know or
remember (不记得了, 记不清, 唔记得), that the field does not apply (不涉及金额, 没去网点), gives
something else instead (a duration "一个多礼拜了", a festival, a debt "欠了三万二"), or turns the
question back ("这跟什么时候有啥关系", "问这个干嘛"):
``says_not_given(slot, text)`` knows each optional slot's ways of saying so. The case payload
turns it into null.
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Callable, Any, Dict, Iterable, List, Optional, Tuple

import cn2an
import yaml

from bot import phones
from bot.names import COMPOUND_SURNAMES
from bot.dialect import to_mandarin_for_fields
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


# "我叫 俞 秀 兰", "青年路 那个 门口": voice input and slow typists put a space between words or
# characters; no value a parser reads is split by a space between two Chinese characters
_SPACE_BETWEEN_HAN = re.compile(r"(?<=[\u4e00-\u9fff])[ \u3000]+(?=[\u4e00-\u9fff])")


# the capital numerals of cheques and receipts (壹贰叁…): the ordinary ones to every reader here,
# in a run of numerals only (陆, 伍 and 萬 are surnames too: 陆思琪 stays a name)
_CAPITAL_TABLE = str.maketrans("壹贰貳叁參肆伍陆陸柒捌玖拾佰仟萬", "一二二三三四五六六七八九十百千万")
_CAPITAL_RUN = re.compile(r"[壹贰貳叁參肆伍陆陸柒捌玖拾佰仟萬零〇一二两三四五六七八九十百千万亿元圆角整]{2,}")


def _capital_numerals(text: str) -> str:
    return _CAPITAL_RUN.sub(lambda m: m.group(0).translate(_CAPITAL_TABLE), text)


def normalize(text: Optional[str]) -> str:
    # dialects read as Mandarin (bot/dialect.py), so no reader below needs a twin for each
    return to_mandarin_for_fields(_SPACE_BETWEEN_HAN.sub("", normalize_text(_capital_numerals(text or ""))))


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

# digits read one by one, as a voice input or an elderly customer writes them (洞 幺 拐 勾 are the
# radio readings; 〇/○ are written zeros; 壹…玖 the banker's capitals). 十 and 百 never occur in a
# number read digit by digit. The one table for phones here and case numbers in progress_parsing.
SPOKEN_DIGITS = {"零": "0", "〇": "0", "○": "0", "洞": "0", "一": "1", "幺": "1", "壹": "1",
                 "二": "2", "两": "2", "贰": "2", "三": "3", "叁": "3", "四": "4", "肆": "4",
                 "五": "5", "伍": "5", "六": "6", "陆": "6", "七": "7", "拐": "7", "柒": "7",
                 "八": "8", "捌": "8", "九": "9", "勾": "9", "玖": "9"}
SPOKEN_DIGIT_CLASS = "".join(SPOKEN_DIGITS)
_CN_PHONE_DIGITS = SPOKEN_DIGITS
# a run of at least 7 spoken digits, possibly mixed with Arabic ones and grouping marks
_CN_PHONE_RUN = re.compile(f"[0-9{SPOKEN_DIGIT_CLASS}][0-9{SPOKEN_DIGIT_CLASS}\\s-]{{6,}}")
# "不是138…" / "别打138…": a number the customer takes back ("不对，139…" and "打错了，139…"
# introduce the right one instead)
_PHONE_DENIED = re.compile(r"(?:不是|不要打|别打|不用打)\s*(?:这个|那个)?\s*$")


# a slip taken back inside one answer: "二十号，不对，是二十一号", "3600，哦说错了，3060",
# "张晓，打错了，张骁": what follows the last marker is the answer (不是 alone is not a marker:
# "钱不是问题", "不是我办的")
_SELF_CORRECTION = re.compile(
    r"(?:不对(?![劲称头])|不不不?(?=[，,。\s是])|(?<![没])(?:说|打|写|记|讲|报|搞|弄|填|输)错了|口误|(?:哦|噢|喔|呃)不(?![知清记会用要是过太])|sorry)"
    r"[，,。.！!\s…~]*(?:应该|其实|正确的|准确地?说)?(?:是)?",
    re.I,
)


# two candidates weighed, then one settled on ("可能是29号也可能是30号，我看了下短信，应该是11月30号",
# "五号或者六号吧，哦确定是六号"): what follows the settling word is the answer
_TWO_CANDIDATES = re.compile(r"(?:可能|也许|或许|大概|要么)[^，,。]{0,12}(?:也可能|或者|还是|要么|或是)")
_SETTLED_ON = re.compile(r"(?:哦|噢|喔|嗯)?\s*(?:应该|确定|肯定|准确地?说|查了(?:一?下)?|看了(?:一?下)?[^，,。]{0,4}[，,]?\s*)(?:就)?是")


def after_self_correction(text: str) -> Optional[str]:
    """What an answer says after taking back its first words, or None when it takes nothing back
    (or ends on the marker: "前面说错了" alone names no new value)."""
    marks = list(_SELF_CORRECTION.finditer(text or ""))
    hedge = _TWO_CANDIDATES.search(text or "")
    if hedge:
        marks += [m for m in _SETTLED_ON.finditer(text, hedge.end())]
        marks.sort(key=lambda m: m.end())
    if not marks or marks[-1].start() == 0:
        return None
    rest = text[marks[-1].end():].strip(" ，,。.!！")
    return rest or None


def _spoken_digits_to_arabic(text: str) -> str:
    def repl(m: re.Match) -> str:
        run = m.group(0)
        spoken = sum(1 for c in run if c in _CN_PHONE_DIGITS or c.isdigit())
        if spoken < 7:
            return run
        return "".join(_CN_PHONE_DIGITS.get(c, c) for c in run)

    return _CN_PHONE_RUN.sub(repl, text)


# a landline's extension ("0731-8452 6610 转 306", "分机8021", "ext 12"): part of how to reach the
# customer, never more digits of the number nor a sum
_EXTENSION = re.compile(r"(?<=\d)\s*(?:转|分机|(?i:ext)\.?|(?i:x))\s*\d{1,5}(?![\d.]|\s*(?:元|块|万|千|百|蚊|(?i:[wk])))")


def _phone_text(text: str) -> str:
    """Full-width → half-width, Traditional → Simplified and spoken digits → Arabic, but the
    spaces between digit groups kept: the phone matcher needs them to tell "13812345678 5000元"
    from one long number. A landline's extension is left out."""
    t = _spoken_digits_to_arabic(to_simplified(unicodedata.normalize("NFKC", _capital_numerals(text or ""))))
    return _EXTENSION.sub("", t) if phones.phone_spans(t) else t


def _phone_spans(text: str) -> List[Tuple[int, int, str]]:
    t = _phone_text(text)
    spans = phones.phone_spans(t)
    if not spans:  # "1 3 8 1 2 …": digits spaced one by one, only readable once joined
        t = _spoken_digits_to_arabic(normalize(text))
        spans = phones.phone_spans(t)
    return [(s, e, d) for s, e, d in spans if not _PHONE_DENIED.search(t[max(0, s - 8): s])]


def without_phones(text: str) -> str:
    """The text with every phone number taken out: the digits of "一五八 零六七一 二二三三" are no
    amount and no date."""
    for t in (_phone_text(text), _spoken_digits_to_arabic(normalize(text))):
        spans = phones.phone_spans(t)
        if spans:
            for start, end, _ in reversed(spans):
                t = t[:start] + "，" + t[end:]
            return t
    return text


# A sum said roughly ("三万多", "一千来块", "十几万") or per period ("每月29", "每季度扣三块"):
# a clue, not the disputed figure, so the amount question is still asked.
_ROUGH_AMOUNT = re.compile(
    # ("十几年" is a time, not a sum)
    rf"{_NUM}\s*(?:多|来|余)(?![次天年月号岁个])|{_NUM}几(?![次天年月号岁个])|[十百千万]几(?![次天年月号岁个])|几[十百千万](?![次天年月号岁个])|上[千万]|"
    rf"好几|每(?:个|一)?(?:月|季度?|年|天|周|礼拜|星期|次|笔|期|回|人|工人|员工)|"
    # an introductory price ("首月一块钱") is what a period cost, not the sum now disputed
    rf"首(?:月|年|期|单|笔)|"
    # a sum in a foreign currency is what was exchanged or sent, not yet the yuan at stake
    rf"{_NUM}\s*(?:万|千|百)?\s*(?:美元|美金|港币|港元|港纸|欧元|日元|英镑|澳元|加元|新币|usd|hkd|eur|jpy|gbp)"
)


def rough_amount(text: str) -> bool:
    """A figure that is no total yet ("每期扣99", "三千美元", "两万多"), unless the customer also
    says the total ("每期都收手续费，一共收了¥2,400")."""
    t = normalize(text)
    if not _ROUGH_AMOUNT.search(t):
        return False
    prepared = _prepare_amounts(t)
    for cue in _TOTAL_CUE.finditer(prepared):
        tokens = list(_amount_tokens(prepared[cue.end():cue.end() + 14]))
        if tokens and tokens[0][0].start() <= 3:
            return False  # the total said as well
    return True


def find_phones(text: str) -> List[str]:
    """Every callable number in the text (bot/phones.py: mobiles and landlines with their area
    code, as national digits), in order of appearance; numbers the customer takes back
    ("不是138…，是139…", "别打138…") are left out."""
    return [digits for _, _, digits in _phone_spans(text)]


def find_phone(text: str) -> Optional[str]:
    phones_found = find_phones(text)
    return phones_found[0] if phones_found else None


def parse_phone(text: str) -> Optional[str]:
    """The answer to "您的联系电话是？": the last number given ("不是138…，是139…" → 139…,
    "138…哦不对，139…" → 139…), but a mobile over a landline named beside it ("手机139…，座机
    0571…"): notices go out by SMS. A landline alone is kept ("我没有手机，座机0571-87023456").
    Its last digits put right after it count ("173 5418 0296，哦不是，结尾是0926")."""
    found = find_phones(text)
    mobiles = [p for p in found if phones.is_mobile(p)]
    number: Optional[str]
    if mobiles:
        number = mobiles[-1]
    else:
        if not found:
            found = find_phones(_area_code_in_front(text))
        if not found:
            found = find_phones(_pauses_closed(text))
        number = found[-1] if found else None
    if number:
        spans = _phone_spans(text)
        after = _phone_text(text)[spans[-1][1]:] if spans else ""
        return amend_phone_tail(number, after) or number
    return None


# "最后四位是7290，不是7209", "结尾是0926", "尾号应该是43", "后头四位是二二九一": the last digits
# of a number put right
_PHONE_TAIL = re.compile(
    r"(?:结尾|尾号|尾数|最后|末尾|后面|后头|后边|尾巴|后(?=[一二两三四五六七八\d]位))(?:的)?(?:[一二两三四五六七八\d]位|几位|几个数字?|那几个数字?|那几位)?(?:数字)?"
    r"\s*(?:是|应该是|为|改成|写成|换成|该是)\s*(?P<tail>[0-9零〇洞一幺二两三四五六七拐八九勾]{2,8})(?![0-9])"
)


def amend_phone_tail(phone: Optional[str], text: str) -> Optional[str]:
    """``phone`` with its last digits replaced by those the text gives, or None when it gives none."""
    if not phone:
        return None
    said = re.sub(r"不是[^，,。；;]*", "", _phone_text(text))
    tails = list(_PHONE_TAIL.finditer(said))
    if not tails:
        return None
    digits = "".join(_CN_PHONE_DIGITS.get(c, c) for c in tails[-1].group("tail"))
    if not digits.isdigit() or not 2 <= len(digits) < len(phone):
        return None
    amended = phone[: -len(digits)] + digits
    return amended if amended != phone and is_valid_phone(amended) else None


_DIGIT_RUN = re.compile(r"\d{2,}")


def amend_phone_part(phone: Optional[str], text: str) -> Optional[str]:
    """``phone`` with a group of its digits put right ("中间四位说反了，是8067，不是8076"): the
    old digits named after 不是 replaced where they stand, or the middle four of a mobile named
    as such. None when the text says neither."""
    if not phone:
        return None
    said = "".join(_CN_PHONE_DIGITS.get(c, c) for c in _phone_text(text))
    old = re.search(r"不是\D{0,4}(\d{2,})", said)
    new = _DIGIT_RUN.search(re.sub(r"不是\D{0,4}\d+", "", said))
    if not new:
        return None
    digits = new.group(0)
    if old and len(old.group(1)) == len(digits) and phone.count(old.group(1)) == 1:
        amended = phone.replace(old.group(1), digits)
    elif re.search(r"中间(?:那)?(?:四|4)位", said) and len(digits) == 4 and len(phone) == 11:
        amended = phone[:3] + digits + phone[7:]
    else:
        return None
    return amended if amended != phone and is_valid_phone(amended) else None


# "幺三幺，五七幺二，八八零六": a number read out in groups, a comma for each pause. Only in an
# answer to the phone question: in a story a comma between figures separates two facts.
_PHONE_DIGIT = "0-9零〇洞一幺二两三四五六七拐八九勾"
_PAUSE_BETWEEN_DIGITS = re.compile(rf"(?<=[{_PHONE_DIGIT}])\s*[，,、。.；;]\s*(?=[{_PHONE_DIGIT}])")


def _pauses_closed(text: str) -> str:
    return _PAUSE_BETWEEN_DIGITS.sub(" ", to_simplified(unicodedata.normalize("NFKC", text or "")))


_AREA_CODE_SAID = re.compile(r"区号(?:是|为)?\s*(0\d{2,3})")
_LOCAL_NUMBER = re.compile(r"(?<!\d)([2-8]\d{6,7})(?!\d)")


def _area_code_in_front(text: str) -> str:
    """"座机82516637，区号024" → "024-82516637": the area code said apart from the number."""
    t = _spoken_digits_to_arabic(normalize(text))
    code, number = _AREA_CODE_SAID.search(t), _LOCAL_NUMBER.search(t)
    return f"{code.group(1)}-{number.group(1)}" if code and number else ""


def has_digits(text: str) -> bool:
    return bool(re.search(r"\d", _spoken_digits_to_arabic(normalize(text))))


def is_valid_phone(value: Any) -> bool:
    return phones.is_phone(value)


def mask_phone(phone: Optional[str]) -> str:
    return phones.mask_phone(phone) or ""


# ---------------------------------------------------------------------------------------------
# amount
# ---------------------------------------------------------------------------------------------

_ARABIC_AMOUNT = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_AMOUNT_TOKEN = re.compile(
    r"(?P<prefix>¥|￥|rmb|RMB|人民币)?\s*"
    r"(?P<num>(?:" + _ARABIC_AMOUNT + r")(?:[万千](?:\d+|[" + _CN_DIGIT + r"十百千]+)?)?"
    r"|[" + _CN_NUM_CHARS + r"]+(?:点[" + _CN_DIGIT + r"]+)?[万亿]?)"
    r"\s*(?:(?P<unit>[kKwW])(?P<tail>\d(?![\d.]))?(?![a-zA-Z]))?"
    r"(?P<approx>多|余|来|几)?"
    r"\s*(?P<currency>块钱|块|元|圆|rmb|RMB|人民币|大洋|蚊)?"
)
# words right before a number that make it money even without 元/块
_MONEY_CONTEXT = re.compile(
    r"(?:(?:扣|转|刷|收|取|存|付|交|花|借|贷|还|退|赔|亏|少|损失|多扣|盗刷|转走|被转|转出|被刷|被扣|支付|冒领|充|汇|骗|差|买|投|认购|申购)"
    r"(?:值|账|款|费)?(?:了|掉|走|出)?(?:我|我们)?(?:的)?(?:钱|本金|利息)?了?"
    r"|金额(?:是|为|有)?|余额(?:只有|还有|是)?|费用(?:是|为)?|手续费(?:是|为)?|年费(?:是|为)?"
    r"|本金|共计|一共|总共|合计|大概|大约|差不多|将近|接近|每笔|每次(?:都)?(?:是|为)?|一次|一笔|笔|价值"
    r"|分别(?:是|为)?|钱是|钱数是|(?:扣|付|刷|交|充)了?(?:两|三|\d)次|整整|足足(?:有)?|足有)\s*$"
)
# words right after a number that make it money: "一笔1288的消费", "19.9的扣费"
_MONEY_AFTER = re.compile(
    r"^\s*(?:元|块)?的?\s*(?:跨境|网上|境外|淘宝|网购)?(?:扣款|消费|交易|转账|支出|账单|扣费|存款|贷款|汇款|定金|订单|年费|手续费|保证金)"
)
# words right after a number that make it something other than money
_NOT_MONEY_AFTER = re.compile(
    r"^\s*(?:多|余|来|几)?\s*(?:次|回(?![来去到款单执报])|笔|天|个|号|日|月(?!费|供)|年(?!费)|点|分钟|分|秒|小时|钟头|岁|楼|层|张|位|遍|"
    r"趟|人|期|倍|%|％|周|星期|礼拜|家|台|条|条短信|窗口|号窗|排|米|公里|页|项|步|粉丝|个点|以上|以下|以内|"
    r"积分|里程|点积分)"
)
# "4k屏幕", "2K高清": a resolution, not a sum
_NOT_MONEY_AFTER_UNIT = re.compile(r"^\s*(?:的)?\s*(?:屏|高清|超清|分辨率|画质|视频|电视|显示|像素|hdr|HDR)")
_DENOMINATION_AFTER = re.compile(r"\s*(?:块|元|蚊|毛|角|分)?(?:钱)?(?:的)?\s*(?:硬币|钢镚|钢蹦|纸币|面值|面额|的零钱)")
_NOT_MONEY_BEFORE = re.compile(
    r"(尾号|卡号|账号|号码|手机|电话|编号|第|工号|窗口|排队|等了|等|年化|利率|费率|扣点|积分(?:有|是|还有)?)\s*$"
)
# a clause about a limit or a rate: its numbers are not the money at stake
_LIMIT_CLAUSE = re.compile(r"(?i:credit\s?limit)|额度|限额|利率|费率|年化|粉丝|只能|只让|只许|只准|超过|降额|降到|提额|门槛|起存|起购")
# What a sum is to the complaint. With several sums in one message the one at stake is the one
# the disputed act happened to (扣了/被转走/收了…违约金/没到账), not the background figures the
# customer gives to explain it (余额, 本金, 贷款, 还了多少, 工资): see _amount_role.
DISPUTED, NEUTRAL, BACKGROUND = 2, 1, 0
# a sum owed or lent (欠了三万二, 贷款二十万, 本金, 额度): what the customer owes the bank is never
# the sum at stake by itself, not even as the answer to "涉及多少钱？" (names_no_disputed_sum)
OWED = -1
# an act against the customer's money, said before the sum ("扣了我", "被骗走了", "违约金收了")
_DISPUTE_BEFORE = re.compile(
    r"扣|收了|收取|收我|多收|乱收|收走|被收|收费|少了|少给|少吐|少到|少算|少付|多算|算多|多计|"
    r"转走|被转|被人转|划走|被划|盗刷|被刷|刷走|盗走|被盗|被骗|骗走|骗了|骗去|诈骗|吞了|吞掉|被吞|吃了|"
    r"亏了|亏损|亏掉|赔了|损失|丢了|不见了|没了|冻结|被冻|冒领|被取|被领|套走|"
    r"违约金|手续费|罚息|年费|滞纳金|服务费|管理费|会员费|保费|扣费|押金|保证金|定金|"
    # any charge by its name (加急费五十, 清点费二十): not 浪费/免费/花费/经费/消费/运费, nor a
    # bill the customer pays through the bank (水电费, 话费, 物业费, 学费: "交水电费才两百多")
    r"(?<![浪免花经消运水电气话业学租])费(?:用)?"
)
# the same act right before a bare sum makes it money ("ATM少吐了500", "利息多算了800")
_DISPUTE_RIGHT_BEFORE = re.compile(
    r"(?:" + _DISPUTE_BEFORE.pattern + r")(?:了|掉|走|去|出|光)?(?:我|我们)?(?:的)?(?:钱)?了?\s*$"
)
# a figure that only sets the scene, said before the sum ("卡里本来有", "还了", "贷款"); not the
# customer's own deposit or purchase, which may well be the disputed transaction ("存了两万八，
# 回执上打的是两千八")
_BACKGROUND_BEFORE = re.compile(
    r"余额|剩下?|只剩|还剩|本来有|原来有|原本有|本来是|里(?:大概|大约|差不多|总共|一共)?有|里还有|账上有|里面有|只有|户口有|"
    r"还了|还款|已还|还清|共还|贷|借了|借款|欠|本金|工资|月薪|年薪|薪水|收入|总价|总额|市值|"
    # a shop's turnover, what the customer's business took in ("那天流水两万整"): the setting
    r"流水|营业额|交易额|成交额|营收|进账|"
    # what the customer meant to move, not money lost ("我要转六千回去", "取自己的钱，五万块")
    r"(?:想|要|准备|打算|需要|预约了?|约了?)(?:把钱)?[^，。,!?！？]{0,4}?(?:转|取|汇|提)(?:个|出)?(?:现金)?|自己的钱|"
    # the customer's own withdrawal, questioned or refused ("去取两万块钱给孙子交学费", "确定只取一千？")
    r"(?:去|来|只|就)(?:柜台|网点)?(?:取|提)(?:个|了)?(?:现金)?|"
    # a loan applied for, not money lost ("贷款app，申请五万，…交解冻费")
    r"申请(?:了|的)?(?:贷款|借款|额度)?(?:的)?|"
    # the threshold of a promotion, not money lost ("新客存满一万送88块红包")
    r"(?:存|买|消费|刷|充)满"
)
# a purchase the bank made a condition or pressed for ("还要买个…才给开", "非让我存…")
_PRESSED_TO_BUY = re.compile(
    r"(?:(?<![我俺想])要|让|必须|得|非要|非让|强制|强迫|逼|逼着|搭售|捆绑|要求)(?:我|俺|客户)?(?:先|再|同时|还|必须|一定)?"
    r"(?:买|购买|办|认购|存)(?:个|一个|份|一份|一笔|上)?\s*$"
)
# the bank's charges, by name
_CHARGE_NOUNS = "手续费|年费|违约金|服务费|管理费|滞纳金|罚息|利息|会员费|保费"
# a fee or charge named right after the sum ("六千块违约金", "300年费")
_DISPUTE_AFTER_NOUN = re.compile(
    r"^\s*的?\s*(?:违约金|手续费|罚息|年费|滞纳金|服务费|管理费|会员费|保费|扣费|扣款|押金|保证金)"
)
_BACKGROUND_AFTER_NOUN = re.compile(
    r"^\s*的?\s*(?:贷款|房贷|车贷|本金|工资|余额|首付|额度)"
)
# the principal of a fixed deposit, when what is disputed is its interest ("存了十万块一年定期，柜员讲
# 利率是二点六，到期只给了两点一五"): what earns the interest, not the sum at stake; asked for, the
# customer names the shortfall. A deposit that is itself the dispute ("存了五万块定期，存单上写五千")
# stays the sum.
_DEPOSIT_AFTER = re.compile(r"^\s*(?:[一二两三五\d]年期?|半年|[一二两三六九\d]个月)?的?(?:定期|大额存单|整存整取|存单)")
_INTEREST_DISPUTED = re.compile(r"利率|利息|百分之|个点|[%％]|年化|收益率")
# the background words that name a debt or a loan (OWED), not money the customer had
_OWED_WORD = re.compile(r"贷|借了|借款|欠|本金|额度")
# what happened to the sum, said after it ("两万块一直没到账", "三万被骗子转走了")
_DISPUTE_AFTER = re.compile(
    r"没到账|未到账|不到账|没收到|没有到账|没有收到|不见了|没了|被(?:转|扣|骗|盗|刷|吞|冻|划|取|领|收)|"
    r"扣(?:掉|走|了)|转走|骗走|打水漂|没退|未退|没出钞|没吐"
)
# money spent by the customer's own family ("是我儿子拿我卡冲游戏了", "我孙子偷偷用我手机转的"): the
# family's own doing, no stranger's; with nothing claimed for it, no sum is at stake (and
# taxonomy.yml `unauthorised.unless` keeps the case out of fund safety)
_FAMILY = (r"(?:儿子|女儿|孙子|孙女|外孙女?|老公|老婆|爱人|老伴|媳妇|闺女|孩子|小孩|娃|家里人|家人|"
           r"弟弟|妹妹|哥哥|姐姐|老爸|老妈|爸爸?|妈妈?|仔(?!细))")
_FAMILY_SPENT = (r"(?:(?:是|系|被|给)(?:我|俺|阿拉|阮|厓)?|(?:我|俺|阿拉|阮|厓))(?:家|屋企|屋里)?(?:的|个|嘅)?" + _FAMILY +
                 r"(?![的嘅个])[^。!?！？，,被俾]{0,8}?(?:拿|用|偷|刷|充|冲|转|取|买|花|打赏|玩|碌)")
# ...and not claimed: the customer's family business, nothing asked of the bank
_NOT_CLAIMED_FAMILY = r"(?:家里|自家|屋企|屋里|我家|家)(?:的|人的|嘅|个)?(?:事|私事|事情)"
_NOT_CLAIMED = (r"(?:" + _NOT_CLAIMED_FAMILY + r"|不找你们|唔关你哋|不关你们|跟你们(?:银行)?(?:没|无)(?:有)?关|"
                r"不怪你们|不追究|不用你们(?:管|赔|退)|(?:自己|自家)认)")


# the customer says no money was lost or is at stake ("钱没少", "不是钱的事"): the sums they
# mention (a balance, a debt, what they wanted to transfer) are then not an amount at stake
_NO_LOSS_SAYINGS = (
    # the money is fine: "钱没少", "一分没少", "钱还在", "钱最后取出来了", "还没被人动过"
    # (not "养老钱全部都在里面": locked inside what was sold, the very money at stake)
    r"钱(?:倒是|也|都)?(?:没少|没丢|没事|(?:还在|都在)(?!里面|里头|里边|那里面|那份|那张|这份|这张)|没问题|没损失|没毛病|没错|对得上|一分不少)|不是(?:少了|丢了|被扣了?|被转走了?)钱|(?:没|没有|并没有?)少(?![给吐付算到扣收花])(?:钱|一分)?",
    r"一分(?:钱)?(?:都|也)?没少|钱(?:最后)?(?:都)?(?:取|拿)(?:出来|到)了|(?:最后|后来|最终|还是)(?:是|也|都)?(?:取|拿|提)(?:到|出来)了",
    r"(?:还|暂时|目前|现在看)?(?:没|没有)(?:被)?(?:人)?(?:动|动过|取走|转走|刷走)|(?:还|暂时|目前)?(?:没|没有)被(?:人)?(?:取|转|刷|盗|用)",
    # no charge seen yet ("暂时还没看着被刷"): the card's money is at risk, none of it lost
    r"(?:没|没有|未)(?:看着|看到|看见|发现|见)(?:有)?(?:被)?(?:人)?(?:刷|盗刷|取|转走|扣|动)",
    # nothing was handed over to the one asking ("钱俺没给他", "好处费我没给")
    r"钱(?:我|俺)?(?:没|没有|并没)(?:给|交|转)(?:他|她|他们|出去)|(?:我|俺)(?:没|没有)(?:给|交)(?:他|她)(?:钱|好处费|红包)",
    # nobody took it, only frozen ("冇人偷，就系俾你哋冻住咗"); it came in the end ("隔了一天多才到账")
    # ("汇了六千八，结果今天早上才到": late, not lost)
    r"(?:没|冇)(?:有)?人(?:偷|盗|动|拿)|(?:才|终于|最后|后来|已经)(?:到账|到了账|入账)了?|(?:才|终于)到(?:了|账|帐)?(?=[，,。！!？?\s]|$)",
    # the money is there, only not to hand ("钱在卡里没丢，就是取不出来")
    r"钱[^，。,!?！？]{0,6}?(?:没丢|没少|没动|(?:还在|都在)(?!里面|里头|里边))",
    # the money in question is not the customer's ("反正没有我的钱")
    r"(?:反正|都|也)(?:没有|不是)我的钱",
    # money is not what it is about: "不是钱的事", "跟钱没关系", "没看到钱的损失"
    # ("水电费才两百多，钱不是问题，问题是办不了": the sum named is not the complaint)
    r"不是钱(?:的(?:事|问题))?|钱(?:倒|也|都|倒是)?不是(?:问题|重点|关键|事儿?)|(?:跟|和|与)钱(?:没有?|无)关|不关钱的?事|不是重点|无损失|"
    # "没啥钱的事儿"; in English, "no money lost"
    r"没(?:有)?(?:啥|什么)钱的?事|(?i:no money (?:was )?(?:lost|taken|involved|missing)|did ?n[o']?t lose (?:any )?money|not about (?:the )?money)|"
    r"(?i:\bno (?:money |financial )?loss(?:es)?\b|\bnothing (?:was )?(?:lost|taken)\b|\bno money\b)|"
    r"(?:不|没|没有)涉及(?:到)?(?:钱|金额|损失|资金|财产)",
    r"(?:没|冇)有?(?:造成|看到|发现|产生|见到|任何|什么|啥|有)*(?:钱的?|金钱|经济|资金|财产|财务)?(?:上|方面)?(?:的)?损失",
    # Cantonese 冇蝕錢 (lost no money), 冇蝕底; "没亏钱", "一分钱没亏"
    r"(?:没|冇)(?:有)?(?:蚀|亏|输)(?:到|过|了)?(?:钱|本|底|一分)|(?:一分钱?|钱)(?:都|也)?(?:没|冇)(?:有)?(?:蚀|亏)",
    # a purchase not made, said first ("没有买，所以没有损失")
    r"^(?:我|俺)?(?:都|也|根本|压根)?(?:没|没有|冇)(?:有)?买(?!到|着|成)(?=[，,。！!]|$|所以|就|也)",
    # Cantonese: "啲錢都攞咗" (the customer got the money)
    r"钱(?:都|全部?)?(?:攞|拿|取)(?:到|出来)?了",
    # no claim: "不是要你们赔钱", "不用你们赔"
    r"不是(?:要|想)(?:你们|让你们|银行)?(?:赔|退|补)(?:钱|偿)?|(?:不用|不要|无需)(?:你们|银行)?赔",
    # no money ever left the customer: nothing taken ("没收我钱"), a purchase not made ("让我买
    # 五千的理财，我没买"), an act that did not go through ("硬币没存成", "押金要交一万，刷不了"),
    # the money still at home ("还在家里"), a deposit that went in after all ("后来还是存上了"),
    # a bill paid on time ("当天还的")
    r"没(?:收|扣|要)(?:我|俺)的?钱|没(?:扣|收)(?:过)?(?:一分)?钱|(?:也|都|并|还)没(?:有)?(?:被)?扣(?:款|钱)?(?=[，,。！!]|$)|(?:我|俺|也|都|最后|根本)(?:没|没有)买(?!到|着)",
    r"没有?(?:存成|交成|付成|办成|扣成|买成|取成|转成)|(?:刷|付|交|支付)不了",
    # a wasted trip: the money the customer came for never moved ("取五万块钱…叫俺白跑了三十里地")
    r"白跑(?:了)?|跑了?(?:个)?空(?:趟)?|空跑(?:了)?",
    r"(?:钱|硬币|现金|零钱)?(?:都|也)?还在(?:家里|家|手里|手上|我手上|身上|我这)",
    r"(?:后来|最后|还是|已经)(?:都|也)?(?:存上|存进去|存进|办好|办成)了",
    r"(?:按时|准时|当天|提前|按期)(?:就)?(?:还|还款|还清|还上)(?:的|了)",
    # no debit seen yet ("卡里余额四万多，暂时还没收到扣钱短信"); the money there but frozen
    # ("卡里有一万二是我的工钱，一分都动不了")
    r"(?:还|暂时|目前|现在)?(?:没|没有|未)(?:收到|看到|发现|见到)(?:扣钱|扣款|消费|转账|交易|支出|动账)的?(?:短信|通知|记录|提醒)",
    # nothing charged on a card the customer never applied for ("目前没看到欠款，也没看到消费")
    r"(?:还|暂时|目前|现在)?(?:没|没有|未)(?:看到|见到|发现|产生|出现)(?:过)?(?:有)?(?:任何|什么|啥)?(?:欠款|欠费|消费|账单|透支|费用)|(?:也|都|并)?(?:没有|没|未)(?:任何)?(?:欠款|欠费|透支)(?![的了]?钱)",
    # ("暂时没看到扣钱", "钱数是对的，就名字错了": the sum is not what is wrong)
    r"(?:还|暂时|目前|现在)(?:还)?(?:没|没有)(?:看到|见到|发现)?(?:被)?(?:扣|刷|转|取)(?:钱|款|走)",
    r"(?:钱数|金额|数目|数额)(?:是|都|倒是)?(?:对的|没错|没问题|对得上)",
    # nothing seen gone yet, only feared ("卡里剩三万多，现在还没见少，就是怕被人取了")
    r"(?:没|没有|未)(?:见|看见|看到|发现|见到)(?:少|丢|被取|被扣|被转|被盗|被刷|动)",
    r"(?:一分钱?|钱)(?:都|也)?(?:动不了|取不出来?|转不出去?|用不了|拿不出来?)",
    # ("卡里有三万多块，都是货款，现在转不出来": the balance held, the clause's subject elided)
    r"(?:里|上)(?:还)?有[^。!?！？]{0,24}[，,]\s*(?:现在|目前|都|也|就|还是)?(?:转不出来?|取不出来?|转不出去|取不了|转不了|动不了|用不了)",
    # the money still in the customer's own account ("钱一直在卡里躺着")
    r"钱(?:一直|都|还|明明)?(?:在|放在|躺在)(?:卡|账户|帐户|户头)(?:里|上)",
    # the sum named still lies there ("学费5800还在卡里躺着"), and nothing was taken ("钱倒是没扣")
    r"(?:还|一直|都|明明)(?:在|放在|躺在)(?:卡|账户|帐户|户头)(?:里|上)(?:躺着|放着|好好的|没动)?",
    r"(?:倒是|倒|是|可)没(?:有)?(?:被)?扣(?:款|钱)?(?=[，,。！!]|$)",
    # the money spent by the customer's own family and not claimed ("是我儿子拿我卡冲游戏了，算我家里的
    # 事不找你们", "是孙子偷偷拿手机转的，自家的事，不追究了")
    f"{_FAMILY_SPENT}[^。!?！？]{{0,24}}?{_NOT_CLAIMED}|{_NOT_CLAIMED_FAMILY}[^。!?！？]{{0,16}}?{_FAMILY_SPENT}",
)
# a sum frozen in the customer's own account ("账户里大概有十二万被冻住"): still theirs, no sum
# lost, unless the message tells of money gone as well
_FROZEN_IN_OWN_ACCOUNT = re.compile(
    r"(?:账户|帐户|卡|户头|户口)(?:里|上)[^，。,!?！？]{0,6}有[^，。,!?！？]{0,10}?(?:被)?(?:冻住|冻结|冻上|锁住)"
    r"|(?:账户|帐户|卡|户头|户口)(?:里|上)(?:被)?(?:冻着|冻住了|锁着)")
_MONEY_GONE = re.compile(r"扣|转走|被转|盗|骗|少了|丢|没了|划走|不见")
_STILL_THERE = re.compile(r"(?:还|一直|都|明明)(?:在|放在|躺在)(?:卡|账户|帐户|户头)(?:里|上)")
_NEGATED_LOSS = re.compile(r"(?:没|没有|未|不|并没)(?:被)?(?:扣|转走|盗|骗|少|丢|划走)")
_NO_LOSS = re.compile("|".join(f"(?:{saying})" for saying in _NO_LOSS_SAYINGS))
def says_no_loss(text: str) -> bool:
    """"钱没少", "不是钱的问题": no sum is disputed, whatever figures the message holds."""
    return bool(_NO_LOSS.search(normalize(text)))


_FAMILY_SPENT_UNCLAIMED = re.compile(
    f"{_FAMILY_SPENT}[^。!?！？]{{0,24}}?{_NOT_CLAIMED}|{_NOT_CLAIMED_FAMILY}[^。!?！？]{{0,16}}?{_FAMILY_SPENT}"
    # the money said to be the household's own spending ("钱是自家人花的", "那笔钱是家里人用掉的")
    r"|(?:钱|这钱|那钱|这笔钱|那笔钱|这笔|那笔)(?:是|都是|全是|其实是)(?:我)?(?:自家人|家里人|家人|自己家里人|自家|屋企人)(?:花|用|买|刷|充)(?:掉|了)?的")


def says_family_spent_it(text: str) -> bool:
    """"是我儿子拿我卡冲游戏了，算我家里的事不找你们": the money gone was the customer's own family's
    doing, and nothing is asked of the bank for it."""
    return bool(_FAMILY_SPENT_UNCLAIMED.search(normalize(text)))


# a dispute verb right before a background word makes that word its object ("亏了本金")
_DISPUTE_OBJECT = re.compile(r"(?:" + _DISPUTE_BEFORE.pattern + r")(?:了|掉|走|去|光)?(?:我|我们)?的?\s*$")
# a sum standing alone in its clause continues the one before ("扣了三次，八十七")
_APPOSITIVE = re.compile(r"\s*(?:一共|总共|共计|共|合计|总计|加起来|算下来|也就是|就是)?\s*")
# cash notes: "两张一百" is 200, "一张假的一百" is 100
_NOTES = re.compile(
    r"(?P<n>\d+|[" + _CN_DIGIT + r"十]+)\s*张\s*(?:是)?(?:假的?|破的?|残缺?的?|旧的?|缺角的?|面值)?\s*"
    r"(?P<d>一百|五十|二十|十|100|50|20|10)(?:元|块)?"
)
# "三五千" and "八九百" are ranges: the upper bound
_CN_RANGE = re.compile(r"([一二两三四五六七八])([二两三四五六七八九])(?=[十百千万])")
# "两块五" is 2.5 yuan, "一百八十六块四" 186.4 (the whole numeral, not its last 八十六)
_KUAI_DECIMAL = re.compile(
    r"(\d+|[" + _CN_NUM_CHARS + r"]+)块(?:零(?=[" + _CN_DIGIT + r"\d](?:毛|角)))?([" + _CN_DIGIT + r"]|\d)(?:毛|角)?(?![\d" + _CN_NUM_CHARS + r"])"
    # "20000块一直显示处理中": the 一 of 一直 is no 角
    r"(?<![一二两三四五六七八九](?=[次笔个天号张位下直起共定样般些切旦遍趟周条份年月季期星礼辈家只台部本套间对]))"
)
_DIGITS = {c: str(i) for i, c in enumerate("零一二三四五六七八九")}
# yuan, jiao and fen said in full ("六千六百六十六块六毛六", "十二块三毛四分", "一百二十块零五分"): one
# figure with two decimals (the single 角 after 块 is _KUAI_DECIMAL's)
_KUAI_MAO_FEN = re.compile(
    r"(\d+|[" + _CN_NUM_CHARS + r"]+)(?:块|元)(?:(?P<mao>[" + _CN_DIGIT + r"\d])(?:毛|角)(?P<fen>[" + _CN_DIGIT + r"\d])分?"
    # ("零五分" is five fen, "零五毛" five jiao: _KUAI_DECIMAL's)
    r"|零(?P<fen2>[" + _CN_DIGIT + r"\d])分)"
    r"(?![\d" + _CN_NUM_CHARS + r"次笔个天号张位])")
# English number words before a currency ("I paid two thousand yuan", "one hundred and fifty RMB")
_EN_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_EN_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_EN_SCALES = {"hundred": 100, "thousand": 1000, "million": 1000000}
_EN_NUMBER = re.compile(
    r"\b(?:a|(?:" + "|".join(list(_EN_UNITS) + list(_EN_TENS)) + r"))(?:[\s-]+(?:and[\s-]+)?(?:"
    + "|".join(list(_EN_UNITS) + list(_EN_TENS) + list(_EN_SCALES)) + r"))*(?=\s*(?:yuan|rmb|kuai|块|元|bucks)\b|\s*(?:块|元))",
    re.I)


def _english_number(words: str) -> Optional[int]:
    total = current = 0
    seen = False
    for w in re.split(r"[\s-]+", words.lower()):
        if w in ("and", ""):
            continue
        if w == "a":
            current = current or 1
        elif w in _EN_UNITS:
            current += _EN_UNITS[w]
        elif w in _EN_TENS:
            current += _EN_TENS[w]
        elif w == "hundred":
            current = (current or 1) * 100
        elif w in _EN_SCALES:
            total += (current or 1) * _EN_SCALES[w]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None
# "十几万", "一百多万": the vague word sits inside the numeral; moved behind the magnitude
# ("十万几") it reads like "两万多": the base number (docs/taxonomy.md §4)
_APPROX_INSIDE = re.compile(r"([十百千])(几|多|来|余)([万亿])")
# "两万一直没到账": the 一 of 一直 is not the abbreviated tail of 两万一 (= 21000); a tail digit
# followed by a measure word or a word it starts belongs to the next word
_TAIL_STARTS_WORD = re.compile(
    r"(?<=[万千百])([一二两三四五六七八九])(?=[次笔个天号张位下直起共定样般些切旦遍趟周条份])"
)


# "手机和钱包一块儿丢了", "我们一块去的": 一块(儿) is together here, not one yuan
_TOGETHER = re.compile(r"一块儿|一块(?=[去来走丢办玩住吃过被跑进出找])|(?<=[加合])一块(?=\s*(?:是|就是|算|有)?\s*\d)")


_REDUPLICATED_UNIT = re.compile(r"(?<![每一])(次|回|笔)\1(?=都|也|扣|收|要|被|转|交|付|是)")
_ORDINAL_BI = re.compile(r"第([一二三四五六七八九十\d])比(?!第|较|起)")


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

    def yuan_jiao_fen(m: re.Match) -> str:
        whole = int(m.group(1)) if m.group(1).isdigit() else _cn_small_int(m.group(1))
        mao = m.group("mao") or "0"
        mao = mao if mao.isdigit() else _DIGITS.get(mao, "")
        fen = m.group("fen") or m.group("fen2")
        fen = fen if fen.isdigit() else _DIGITS.get(fen, "")
        if whole is None or not mao or not fen:
            return m.group(0)
        return f"{whole}.{mao}{fen}元"

    def english(m: re.Match) -> str:
        value = _english_number(m.group(0))
        return str(value) if value else m.group(0)

    t = _EN_NUMBER.sub(english, t)
    t = _KUAI_MAO_FEN.sub(yuan_jiao_fen, t)
    t = _TOGETHER.sub("一起", t)
    # "次次扣我四蚊" is 每次; "第一比5k" is 第一笔 typed by sound
    t = _REDUPLICATED_UNIT.sub(r"每\1", _ORDINAL_BI.sub(r"第\1笔", t))
    t = _TAIL_STARTS_WORD.sub(r" \1", _APPROX_INSIDE.sub(r"\1\3\2", t))
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
        if m.group("tail") and value == int(value):  # "1w2" = 1.2w, "3k5" = 3.5k
            value += int(m.group("tail")) / 10
        if unit == "k":
            value *= 1_000
        elif unit == "w":
            value *= 10_000
        yield m, round(value, 2)


def _note_amounts(t: str) -> List[float]:
    out = []
    for m in _NOTES.finditer(t):
        n, d = _cn_small_int(m.group("n")), cn_number(m.group("d"))
        if n and d:
            out.append(float(n * d))
    return out


def _amount_candidates(text: str, strict: bool) -> List[Tuple[float, int]]:
    """(value, role) for every money amount in the text; role is DISPUTED, NEUTRAL, BACKGROUND
    or OWED (_amount_role)."""
    t, accepted = _accepted_amounts(text, strict)
    roles = [_amount_role(t, accepted, i) for i in range(len(accepted))]
    if _NOT_MY_LOAN.search(t):  # "有人冒用我的身份贷了五万": the loan is the disputed act
        roles = [NEUTRAL if role == OWED else role for role in roles]
    return [(value, role) for (_, value), role in zip(accepted, roles)]


# a loan the customer says is not theirs
_NOT_MY_LOAN = re.compile(
    r"冒名|冒用|冒充我|盗用|假冒|被人(?:用|拿)|以我(?:的)?名义|不是我(?:本人)?(?:借|贷|办|申请)|"
    r"没(?:有)?(?:借|贷|申请)过|从来没(?:借|贷|申请)|被(?:人)?贷款|莫名其妙(?:多了|的)"
)


def _accepted_amounts(text: str, strict: bool) -> Tuple[str, List[Tuple[re.Match, float]]]:
    """The prepared text and every (token, value) in it that is a money amount."""
    t = _prepare_amounts(normalize(text))
    accepted: List[Tuple[re.Match, float]] = []
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
        if re.search(r"几\s*$", before):  # "几十万", "好几百": no number a clerk could file
            continue
        if _taken_back(t, m):  # "不是扣了五千，是扣了五百"
            continue
        if _DENOMINATION_AFTER.match(after):  # "一蚊硬币", "五毛的钢镚": what a coin is worth, no sum
            continue
        has_currency = bool(m.group("prefix") or m.group("currency"))
        if not has_currency and not m.group("unit") and len(m.group("num")) == 1 and not m.group("num").isdigit():
            continue  # a lone 一/两/三 is a word's ("一直", "两次"), never a sum by itself
        if not has_currency and _NOT_MONEY_AFTER.search(after):
            continue
        if m.group("unit") and (_NOT_MONEY_AFTER_UNIT.search(after) or re.search(r"[A-Za-z]\s*$", before)):
            continue  # "4k屏幕" is a resolution, "A3k7" a code
        if not has_currency and re.match(r"\s*([-/:：]|[月年](?!费|供))", after):  # a date or a time
            continue
        clause = re.split(r"[，。！？；,!?;\n]", before)[-1]
        if _LIMIT_CLAUSE.search(clause):
            continue
        has_magnitude = bool(m.group("unit")) or bool(re.search(r"[万千百亿]", m.group("num")))
        if strict and not has_currency:
            listed = re.search(r"[、和及]\s*$", before) and m.start() - accepted_end <= 2
            context = (_MONEY_CONTEXT.search(before) or _DISPUTE_RIGHT_BEFORE.search(before)
                       or _MONEY_AFTER.match(after) or listed)
            # "一万八", "五千八": a sum with 万/千 in a complaint is money by itself
            big = has_magnitude and value >= 1000 and not m.group("unit") or bool(m.group("unit"))
            if not ((context and (has_magnitude or value >= 10 or _MONEY_AFTER.match(after))) or big):
                continue
        if value <= 0:
            continue
        accepted.append((m, value))
        accepted_end = m.end()
    return t, accepted


def _taken_back(t: str, m: re.Match) -> bool:
    """The sum sits in a "不是…" clause that a "是…" clause corrects later."""
    left, right = _clause_bounds(t, m.start(), m.end())
    return bool(re.match(r"\s*(?:也|并)?不是", t[left: m.start()])
                and re.search(r"^[，,;；]\s*(?:而|就|应该)?是", t[right:]))


def _clause_bounds(t: str, start: int, end: int) -> Tuple[int, int]:
    left = max((m.end() for m in _CLAUSE_SPLIT.finditer(t, 0, start)), default=0)
    right = next((m.start() for m in _CLAUSE_SPLIT.finditer(t, end)), len(t))
    return left, right


_MEANT_TO_PAY = re.compile(r"(?<![被让叫逼])(?:要|得|需要|准备|打算|想|急着)(?:交|付|缴|转|汇|取)(?:个|上|出)?\s*$")
_REPAID_AFTER = re.compile(r"^\s*(?:元|块钱?)?\s*(?:是)?(?:我|俺)?(?:一次性|全部|都|一起|提前)?(?:还|还清|还上|还完|结清|还掉)(?:的|了)")


def _amount_role(t: str, accepted: List[Tuple[re.Match, float]], i: int) -> int:
    """DISPUTED, BACKGROUND or NEUTRAL for the i-th accepted sum, from its own clause.

    Read the way Chinese attaches a verb to a sum: a fee noun right after it ("六千块违约金")
    names it; a predicate after the last sum of a clause tells what happened to it ("两万一直
    没到账"); otherwise the cue nearest before it, back to the previous sum, decides ("卡里本来有
    三万，少了两千": 三万 is background, 两千 disputed; "我转了5000，结果扣了我5010": 5010); a
    sum that is a clause by itself continues the clause before ("扣了三次，八十七")."""
    m = accepted[i][0]
    left, right = _clause_bounds(t, m.start(), m.end())
    after = t[m.end(): right]
    if _MEANT_TO_PAY.search(t[left: m.start()]):
        return BACKGROUND  # "半夜急诊要交一万住院押金": what the customer had to pay, not a loss
    if _PRESSED_TO_BUY.search(t[left: m.start()]):
        return BACKGROUND  # "还要买个五千块的理财才给开": a sale pushed on the customer, not a loss
    if _DISPUTE_AFTER_NOUN.match(after):
        return DISPUTED
    # "两万的贷款" is the setting, "一笔两万的贷款" one item on the account (maybe the disputed one)
    background_noun = _BACKGROUND_AFTER_NOUN.match(after)
    if background_noun and not re.search(r"[一这那有]笔\s*$", t[left: m.start()]):
        return OWED if _OWED_WORD.search(background_noun.group(0)) else BACKGROUND
    if _REPAID_AFTER.match(after):
        return BACKGROUND  # "最后一笔十二万一次性还的": the customer's repayment, not a loss
    if _DEPOSIT_AFTER.match(after) and _INTEREST_DISPUTED.search(t):
        return BACKGROUND
    next_start = accepted[i + 1][0].start() if i + 1 < len(accepted) else len(t)
    if next_start >= right and _DISPUTE_AFTER.search(after):
        return DISPUTED
    start = max(left, accepted[i - 1][0].end()) if i > 0 else left
    role = _nearest_cue(t[start: m.start()])
    if role is None and start == left > 0 and _APPOSITIVE.fullmatch(t[left: m.start()]) \
            and not after.strip(_PUNCT + " "):
        # the clause is only this sum: the act is in the clause before ("扣了四期，八百六十四")
        previous = _CLAUSE_SPLIT.split(t[:left].rstrip(_PUNCT + " "))[-1]
        role = _nearest_cue(previous)
    return NEUTRAL if role is None else role


def _nearest_cue(before: str) -> Optional[int]:
    """The role the cue nearest before a sum gives it; ending at the same spot, the longer word
    decides. A background word that is the object of a dispute verb is part of the act ("亏了
    本金三千", "多扣了工资五百")."""
    cues = [(c.end(), len(c.group(0)), DISPUTED, c.start()) for c in _DISPUTE_BEFORE.finditer(before)]
    cues += [(c.end(), len(c.group(0)), OWED if _OWED_WORD.search(c.group(0)) else BACKGROUND, c.start())
             for c in _BACKGROUND_BEFORE.finditer(before)]
    if not cues:
        return None
    nearest = max(cues)
    if nearest[2] in (BACKGROUND, OWED) and _DISPUTE_OBJECT.search(before[: nearest[3]]):
        return DISPUTED
    if nearest[2] == OWED and len(before) - nearest[0] > 5:
        return BACKGROUND  # "房贷要求必须在你们这存五十万": the loan is not what the sum is
    return nearest[2]


def _pick(values: List[Tuple[float, int]], background_ok: bool) -> Optional[float]:
    """The sum at stake: the disputed one(s) over neutral over background; among equals the
    largest (docs/taxonomy.md §4: "被转走5000元，手续费50元" → 5000). A background figure
    (a balance, a repayment, a salary) only when ``background_ok``; a sum owed or lent never."""
    values = [vr for vr in values if vr[1] >= NEUTRAL or (background_ok and vr[1] == BACKGROUND)]
    if not values:
        return None
    return max(values, key=lambda vr: (vr[1], vr[0]))[0]


def _has_disputed(values: List[Tuple[float, int]]) -> bool:
    return any(role == DISPUTED for _, role in values)


# "两张一百的，每张都只给了五十，一共少给了一百": the difference the customer totals wins over the
# notes they count
_TOTAL_DIFFERENCE = re.compile(r"(?:一共|总共|合计|加起来)(?:少给|少了|差了|少付|少算|多扣|多收)了?(?:我)?\s*")


def _sum_at_start(text: str) -> Optional[float]:
    """The sum ``text`` opens with, or None ("264，…" → 264; "就是…264" → None)."""
    tokens = list(_amount_tokens(text))
    return tokens[0][1] if tokens and tokens[0][0].start() == 0 else None


def _sum_after_cue(cue: re.Pattern, t: str) -> Optional[float]:
    """The sum right after the first match of ``cue`` ("一共少给了" 300), or None."""
    m = cue.search(t)
    return _sum_at_start(t[m.end():]) if m else None


def _total_difference(t: str) -> Optional[float]:
    return _sum_after_cue(_TOTAL_DIFFERENCE, t)


# Figures typed one after another with a space ("3500 1200 还有一笔299", "3.5k 1.2k"): a list, where
# normalising would join the digits into one number. Kept together: thousands grouped by a space
# ("12 800": each later group of three digits) and a phone number's groups ("138 1234 5678").
_SPACED_DIGIT_GROUPS = re.compile(r"\d+(?:[ \u3000]+\d+)+")
_UNIT_THEN_FIGURE = re.compile(r"(?<=[kKwW万千元块])[ \u3000]+(?=\d)")


def _amounts_apart(text: str) -> str:
    def apart(m: re.Match) -> str:
        groups = m.group(0).split()
        # (digits spaced one by one, "5 0 0", are one number said slowly)
        if (len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])) or all(len(g) == 1 for g in groups) \
                or phones.phone_spans("".join(groups)):
            return m.group(0)
        return "、".join(groups)

    text = _SPACED_DIGIT_GROUPS.sub(apart, unicodedata.normalize("NFKC", text or ""))
    return _UNIT_THEN_FIGURE.sub("、", text)


def find_amount(text: str) -> Optional[float]:
    """The amount at stake in a complaint, or None (docs/taxonomy.md "amount").

    Cash notes counted out ("两张假的一百") win; then the largest sum the disputed act happened
    to ("还了二十万，收了我六千违约金" → 6000, "卡里本来有三万，少了两千" → 2000); then the
    largest sum that is not background ("被转走5000元，手续费50元" → 5000); background figures
    (余额, 本金, 还了, 工资) only when nothing else is said.
    """
    # a phone number's digits are no sum ("座机 0731-8452 6610 转 306")
    text = without_phones(text) if find_phones(text) else text
    t = _prepare_amounts(normalize(_amounts_apart(text)))  # "一百一十九块六" is 119.6 to every reader below
    # (in a story a balance stays for the readers below: "你卡里还有十二万，确定只取一千？" disputes
    # no sum at all, where the withdrawal alone would read as one)
    if _FAMILY_SPENT_UNCLAIMED.search(t):
        return None  # "…是我外孙买了游戏点卡，钱是自家人花的": no sum is asked of the bank
    rest = _without_conceded(t, balances=False)
    if rest is not None:
        return parse_amount(rest) if rest else None
    # (a rough figure put right at once, "扣了两百出头，具体是二百一十五", is the exact one, as in
    # an answer to the amount question: parse_amount)
    said = _total_difference(t) or _worked_out(t) or _rough_then_exact(t)
    if said is not None:
        return said
    notes = _note_amounts(t)
    if notes:
        # "一张五十的票子…柜台只给换了一半": the half not given is at stake
        return max(notes) / 2 if _HALF_GIVEN.search(t) else max(notes)
    # the excess the customer names (多扣了两百) before our own subtraction of two figures
    short = _overcharge(t) or _paid_short(t)
    if short is not None:
        # "每个月多扣了一百二，已经三个月了": the excess is per month, times the months
        if _EXCESS_EACH_PERIOD.search(t):
            return _per_unit_times(t) or short
        return short
    # "揿了三次，每次扣我四蚊": the charge each time, times the count; not a charge taken twice
    # for one act ("扣了两次钱，一次二百三十五，两笔一模一样": one of them is at stake)
    times = None if _CHARGED_TWICE.search(t) else (
        _each_after_count(t) or _per_sheet(t) or _count_each(t) or _charged_in_a_run(t))
    if times is not None:
        return times
    if _UNCOUNTED_RECURRING.search(t) and _per_unit_times(t) is None and not _TOTAL_CUE.search(t):
        return None  # "逐个月攏有一笔十九块九被扣走": the charge each month, the months not told: ask
    if _COUNTED_SHORT.search(t) and len(_accepted_amounts(t, strict=False)[1]) == 1:
        return None  # "取了五千回家一数少了": how much is missing is still to be asked
    found = _amount_candidates(t, strict=True)
    disputed, no_loss = _has_disputed(found), bool(_NO_LOSS.search(t))
    if _LIMIT_CHANGED.search(t) and not disputed:
        return None  # "额度从五万降到三千": a credit limit, no sum at stake
    # the parts of one loss, listed in the story ("交了三次，三千、五千、八千"): the whole loss
    parts = None if no_loss else (_sequence_parts(t) or _listed_parts(t))
    if parts is not None:
        return parts
    if (no_loss or _UNCOUNTED_LOSS.search(t)) and not disputed:
        # "钱没少"; "买了二十万，现在亏了一大截": what was lost is still to be asked
        return None
    if _UNSIZED_CHARGE.search(t) and not re.search(r"被|盗|骗|冒", t) and not any(
            _DISPUTE_AFTER_NOUN.match(t[m.end():]) or _CHARGED_BEFORE.search(t[max(0, m.start() - 6): m.start()])
            for m, _ in _amount_tokens(t) if not re.match(r"\s*(?:次|遍|回|笔)", t[m.end():])):
        return None
    # in a complaint a balance or a loan alone is the setting, not the sum at stake
    return _pick(found, background_ok=False)


_HALF_GIVEN = re.compile(r"(?:只|才)(?:给)?(?:我)?(?:换|兑|退|赔|给)了?一半")
_COUNTED_SHORT = re.compile(r"(?:一数|数了?一?[下遍]?|一点|点了?一?[下遍])(?:发现)?(?:钱)?少了(?!\s*[\d一二两三四五六七八九十百千])")


_AMOUNT_ANSWER = re.compile(
    r"(?:大概|差不多|大约|约|一共|总共|共|就|是|估计|可能|应该是|损失了?|被扣了|扣了|金额是?)?\s*"
    r"[\d,.\s" + _CN_NUM_CHARS + r"点kKwW¥￥]+\s*(?:多|余|来|几)?\s*(?:块钱|块|元|rmb|RMB|人民币)?"
    r"(?:\s*(?:到|至|-|~)\s*[\d,.\s" + _CN_NUM_CHARS + r"点kKwW]+\s*(?:块钱|块|元)?)?"
    r"\s*(?:左右|之间|吧|的样子|上下|出头|多)?"
)
_FIELD_VALUE_CUE = re.compile(r"(?:应该是|改成|改为|改到|写成|是)\s*")


# "取三千只出来两千八", "存了五千，只入账四千", "取两千，机器吐出来数了只有一千九": the missing
# part is the disputed sum
_PAID_SHORT = re.compile(
    r"(?:取|提|存|转|汇|充|退)(?:了|的)?(?:款)?\s*(?P<asked>[^，。,!！？?只才]{1,12}?)\s*[，,]?\s*"
    r"(?:结果|但是?|可是|机器)?(?:[^，。,!！？?只才就\d" + _CN_NUM_CHARS + r"]|一(?=[数看点查算]))"
    r"{0,6}?(?:只|才|就)(?:有|给(?:了|我)?|吐(?:了|出来?了?)?|出(?:来了?|了)?|到(?:账|帐)了?|入(?:账|帐)了?|到手|"
    r"认(?:了)?|显示(?:了)?|记(?:了)?|存进(?:去)?了?)"
    r"\s*(?P<got>[^，。,!！？?]{1,12})"
)


# a loss said without its size ("亏了一大截", "赔了不少"): the sum put in is not the sum lost
_UNCOUNTED_LOSS = re.compile(
    r"(?:亏|赔|损失|缩水|跌|少)(?:了|掉|去)?(?:一大截|一大半|大半|一半|不少|很多|好多|一些|一大块|惨了?|得厉害|得很惨)"
    # ("到期本金都没拿全": part of what was put in came back, how much not said)
    r"|(?:本金|本钱|钱)(?:都|也|还)?(?:没|没有)(?:拿|给|还)(?:全|够)"
)
# "我转了一笔五万…还是扣了我手续费": the charge is what is disputed and its size is not said, so
# the customer's own transfer is the setting (not when the money was taken: 被转走, 盗刷, 骗)
_CHARGED_BEFORE = re.compile(r"(?:扣|收|费)(?:了|掉|走|去)?(?:我|的)?\s*$")
_UNSIZED_CHARGE = re.compile(
    rf"(?:扣|收)(?:了)?(?:我)?(?:的)?(?:{_CHARGE_NOUNS})(?![\d一二两三四五六七八九十百千万]|[^，。,!！？?]{{0,3}}\d)|"
    # "手续费扣了我两次", "年费收了两遍": the charge named first, how often but not how much
    rf"(?:{_CHARGE_NOUNS})(?:被|给)?(?:扣|收|算)(?:了)?(?:我)?(?:[两二三四五六七八九十\d]|好几|多)(?:次|遍|回)"
)


# "原来一年六百，这回扣了一千二，多扣了我600", "到现在多还了1680": the excess named as such
_LIMIT_CHANGED = re.compile(r"(?:额度|降额|提额|限额|(?i:credit\s?limit|limit))[^。!！？?]{0,14}(?:降|调|减|提|砍)(?:到|至|道|成|了)")
_OVERCHARGED = re.compile(r"多(?:扣|收|算|付|缴|交|还)(?:了)?(?:我)?(?:的)?(?:那|这)?(?:一?笔|部分)?\s*")


# "差了两千零五十", "少给了我三百": the difference the customer worked out is the sum at stake,
# whatever larger figures it was worked out from
_DIFFERENCE = re.compile(
    r"(?:还差|差了|(?:一共|总共)?少了|差额(?:是|有)?|少给了?(?:我)?|少算了?(?:我)?|少付了?(?:我)?|少发了?(?:我)?|(?:就是|等于|一共)?多(?:了|出来?了?))\s*"
)
# "租金从六百涨到一千二", "由五百蚊一年加到二千蚊": what the customer disputes is the rise, not the new price
_FIGURE = r"(?:\d+(?:\.\d+)?[万千kw]?|[一二两三四五六七八九十百千万零点]+)"
_RAISED = re.compile(
    r"(?:从|由)\s*(?P<before>[^，。,!！？?从]{1,10}?)\s*(?:涨|提|调|加|变|改)(?:价|高|整)?(?:到|成|至|为)了?\s*(?P<after>[^，。,!！？?]{1,10})"
    # last year's price against this year's ("旧年一年先三百蚊，今年扣咗五百八")
    r"|(?:去年|旧年|上一年|往年)(?:[^，。,!！？?\d一二两三四五六七八九十百千]|一年){0,6}(?P<before2>" + _FIGURE + r")(?:块钱|块|元|蚊)?"
    r"\s*[，,]\s*(?:今年|现在|这回)[^，。,!！？?\d一二两三四五六七八九十百千]{0,6}(?P<after2>" + _FIGURE + r")"
)


_FEE_CHARGED = re.compile(rf"(?:收|扣)了?(?:我|俺)?\s*[\d一二两三四五六七八九十百千万.]+\s*(?:块|元)?钱?的?(?:{_CHARGE_NOUNS})")


def _overcharge(t: str) -> Optional[float]:
    raised = _RAISED.search(t)
    # a rate that rose ("费率从0.38变成0.6") is no sum: its rise is not the money at stake
    if raised and not _NOT_MONEY_BEFORE.search(t[:raised.start()]):
        # "由五百蚊一年加到二千蚊": the 一 of 一年 is no sum
        before = [v for _, v in _accepted_amounts(raised.group("before") or raised.group("before2"), strict=False)[1]]
        after = [v for _, v in _accepted_amounts(raised.group("after") or raised.group("after2"), strict=False)[1]]
        if len(before) == 1 and len(after) == 1 and 0 < before[0] < after[0]:
            return round(after[0] - before[0], 2)
    sums = []
    for m in list(_OVERCHARGED.finditer(t)) + list(_DIFFERENCE.finditer(t)):
        if m.group(0).startswith("多还") and _FEE_CHARGED.search(t):
            continue  # "多还了一千，取出来收了我十块手续费": the customer's own overpayment, the fee disputed
        tokens = list(_amount_tokens(t[m.end():]))
        if not tokens or tokens[0][0].start() != 0:
            continue
        first = tokens[0][0]
        if len(first.group("num")) == 1 and not first.group("num").isdigit() and not (
                first.group("unit") or first.group("prefix") or first.group("currency")):
            continue  # "少了一截", "差了一点": no figure at all
        following = t[m.end() + tokens[0][0].end():]
        if re.match(r"\s*(?:次|遍|回|笔|条|个|项|张|份|天|期)", following):
            continue  # "多扣了一次", "征信上多了一条逾期": how often or how many, not how much
        if not rough_amount(tokens[0][0].group(0) + following[:2]):
            sums.append(tokens[0][1])
    return max(sums) if sums else None


# "数好了五千块放进去的，机器显示4500": what went in against what the machine counted
_SHOWN_LESS = re.compile(
    r"(?:(?P<asked>[^，。,!！？?]{1,12}?)(?:放进去|存进去|塞进去|放进|存进)(?:的|了)?"
    r"|(?:放进去|存进去|塞进去|放进|存进|存了|塞了)(?:了)?(?P<asked2>[^，。,!！？?]{1,12}?))\s*[，,]?\s*(?:结果|但是?|可是)?"
    r"(?:机器|屏幕|存款机|取款机|atm|柜员机)?(?:上)?(?:显示|识别|认|点出来|数出来)(?:了|成|是|只有)?\s*(?P<got>[^，。,!！？?]{1,12})",
    re.I,
)


# what should have been against what was ("按牌价应该付两万一千三百八十，实际扣了我两万一千五百
# 三十六", "应该七千六，实际给了三千"; "小票上是两千，我手上拿到的是一千八"): the gap is at stake
_EXPECTED_ACTUAL = re.compile(
    r"(?:应该|应|本该|本应|按理)(?:是|付|给|到|扣|收|有|得)?(?:我)?\s*(?P<asked>[^，。,!！？?]{1,14}?)\s*[，,]\s*"
    # (what came: "实际扣了…", "到手只有三百", "柜员收了我7205")
    r"(?:结果|但是?|可是)?(?:[^，。,!！？?]{0,4}?(?:还是|照样|仍然|依然)|实际|实际上|结果|却|只|反而|到手|到账|入账"
    r"|[^，。,!！？?\d一二两三四五六七八九十百千万]{1,4}?(?=收了|扣了|给了|付了))"
    r"(?:上)?(?:扣了|扣的|给了|收了|收的|付了|到了|拿到|是|只有)?(?:我)?\s*(?P<got>[^，。,!！？?]{1,14})"
    r"|(?:小票|凭条|单子|短信|屏幕|账单)上?(?:是|写的是?|显示|打的是?|印的是?)\s*(?P<asked2>[^，。,!！？?]{1,10}?)\s*[，,]"
    # ("…，老板娘数给我，回去一数只有一千八": the figure got comes with a number)
    r"[^。!?！？]{0,16}?(?:拿到|收到|到手|数)(?:的|了)?(?:是|只有|才)?\s*(?P<got2>[\d一二两三四五六七八九十百千万][^，。,!！？?]{0,9})"
    # ("本来三百转成了三千": a slip of the finger, the excess is at stake)
    # ("柜员讲手续费50蚊，点知扣咗150": the charge quoted, then what was taken)
    r"|(?:说|讲|讲明|说明|告诉我|写着?)(?:是)?(?:手续费|费用|年费|收费|利息|汇费|工本费|服务费)(?:是|只要|要|就|只收)?\s*"
    r"(?P<asked4>\d+(?:\.\d+)?|[一二两三四五六七八九十百千万零点]+)(?:块钱|块|元|蚊)?\s*[，,]\s*(?:结果|点知|谁知|哪知|没想到|但是?|可是)"
    r"[^，。,!！？?\d]{0,4}?(?:扣|收)了?(?:我)?\s*(?P<got4>\d+(?:\.\d+)?|[一二两三四五六七八九十百千万零点]+)"
    r"|(?:本来|原本|原来)(?:是|要|想|该)?(?:转|打|付|汇|充|扣|交)?\s*(?P<asked3>[\d一二两三四五六七八九十百千万][^，。,!！？?]{0,8}?)\s*(?:[，,]\s*[^，。,!！？?\d]{0,5}?)?(?:转|打|付|汇|充|扣|交|变|写|输)成了?\s*(?P<got3>[\d一二两三四五六七八九十百千万][^，。,!！？?]{0,9})"
)


# a figure promised, usual or put in, against what came ("按她说的利息能拿六百，现在单子上算下来四百
# 二", "讲好收益有四千二，实际到手两千六", "往常是三千二这回只到了三千一百八", "投进去五十万，回来四
# 十七万三千"): the gap is at stake, whichever comes first in the customer's words
_AGAINST = re.compile(
    r"(?:说好|讲好|约好|讲定|说定|承诺|宣传|介绍|按[^，。,!！？?]{0,6}?(?:说|讲)|往常|平常|平时|以往|以前|每个?月|原来|之前|上个?月|"
    r"投进去|投了|投入|买了|存进去|塞进去|放进去|(?:往里)?(?:塞|放)了|本钱|本金是|本金|本钿)的?"
    r"[^，。,!！？?\d一二两三四五六七八九十百千万]{0,8}?(?P<asked>" + _FIGURE + r")(?:块钱|块|元|蚊)?"
    r"\s*[，,]?\s*(?:结果|但是?|可是)?\s*(?:它|机器|柜员|柜台|银行|你们)?(?:给我|只)?"
    # (Cantonese 而家/宜家, now: "买咗十万，而家赎回得返九万一千二")
    r"(?:现在|而家|宜家|如今|实际|实际上|到手|这回|这次|这个?月|今个?月|本月|回来|赎回|到期|拿回|结果|入账|到账|认了|显示|给我认了)"
    r"[^，。,!！？?\d一二两三四五六七八九十百千万]{0,10}?(?:只|才)?(?:有|是|到了|拿到|到手|给了|剩)?\s*(?P<got>" + _FIGURE + r")"
)


def _sum_values(text: str) -> List[float]:
    """The sums in ``text``, not counts ("扣了两次…只显示还了一笔" holds no sum)."""
    return [v for m, v in _amount_tokens(text) if not _COUNT_UNIT_AFTER.match(text[m.end():])]


_COUNT_UNIT_AFTER = re.compile(r"\s*(?:次|遍|回|笔|条|个(?!点)|项|张|份|天|期|趟)")


def _expected_against_actual(t: str) -> Optional[float]:
    m = _EXPECTED_ACTUAL.search(t)
    if m and _A_RATE.search(m.group(0)):
        return None  # "应该是0.15%，实际按1.5%收的": two rates, no sum (_rate_gap reads them with their base)
    if not m:
        m = _AGAINST.search(t)
        if not m or re.search(r"[%％厘]|年化|利率|费率|收益率", m.group(0)):
            return None  # a rate against a rate ("说好年化4.5%，实际3%") is no sum
        if any(len(m.group(g)) == 1 and not m.group(g).isdigit() for g in ("asked", "got")):
            return None  # "现在亏了一大半": a lone 一 is a word's, no figure
        asked = _sum_values(m.group("asked"))
        got = _sum_values(m.group("got"))
        # only a shortfall: more than promised or put in is no complaint about these two figures
        if len(asked) == 1 and len(got) == 1 and 0 < got[0] < asked[0]:
            return round(asked[0] - got[0], 2)
        return None
    asked = _sum_values(m.group("asked") or m.group("asked2") or m.group("asked3") or m.group("asked4") or "")
    got = _sum_values(m.group("got") or m.group("got2") or m.group("got3") or m.group("got4") or "")
    if len(asked) == 1 and len(got) == 1 and asked[0] != got[0] and min(asked[0], got[0]) > 0:
        return round(abs(asked[0] - got[0]), 2)
    return None


# "放咗一万蚊落去，佢只系入咗九千八" (咗 read as 了): what went in against what was credited
_A_RATE = re.compile(r"[%％‰]|千分之|百分之|个点|年化|利率|费率|收益率")
_PUT_IN_SHORT = re.compile(r"(?:放|存|塞)了\s*(?P<asked>[^，。,!！？?]{1,8}?)(?:落去|进去|下去)?[，,][^。!！？?]{0,8}?(?:只|才)(?:是|系)?(?:入|存进|进|到)了?(?:账)?\s*(?P<got>[^，。,!！？?]{1,8})")


_INTEREST_GOT = re.compile(r"利息|收益|利钱|分红")


# a note taken to be exchanged and less given back ("拿一张泡烂的一百块去柜台换，只给了我五十"):
# what was not given is at stake
_EXCHANGED_SHORT = re.compile(
    r"(?P<asked>[\d一二两三四五六七八九十百千万.]+\s*(?:块|元|蚊)(?:钱)?)[^。!！？?]{0,10}?(?:去|来)[^。!！？?]{0,6}?(?:换|兑)"
    r"[^。!！？?]{0,30}?(?:只|才)(?:给|换|兑|赔|退)(?:了)?(?:我)?\s*(?P<got>[^，。,!！？?]{1,8})")


# what was sent or put in, then the less that arrived or was left, a clause or two later ("汇了五千，
# 俺娘去取，存折上就进了四千八"; "买了十万。到期一看，只剩九万一千"; "转了五千，只到了四千八"): the
# difference is at stake
_SENT = re.compile(
    r"(?:汇|转|存|买|投|放|交|打|充)(?:了|过去|进去|入)?(?:款)?\s*(?P<asked>[\d.]+\s*[万千kKwW]?|[一二两三四五六七八九十百千万零点]+)"
    r"\s*(?:块钱|块|元|蚊)?")
_REACHED = re.compile(
    r"(?:只|才|就)(?:剩下?了?|到了|到账了?|到帐了?|进了|进账了?|收到了?|入了|入账了?|拿回了?|回来了?)\s*"
    r"(?P<got>[\d.]+\s*[万千kKwW]?|[一二两三四五六七八九十百千万零点]+)")
_SPENT_BETWEEN = re.compile(r"(?:取|花|用|还|付|消费)(?:了|掉|出)?\s*[\d一二两三四五六七八九十百千万]")


def _only_reached(t: str) -> Optional[float]:
    for got_m in _REACHED.finditer(t):
        before = t[max(0, got_m.start() - 40): got_m.start()]
        sent = list(_SENT.finditer(before))
        if not sent:
            continue
        between = before[sent[-1].end():]
        if _SPENT_BETWEEN.search(between) or _INTEREST_GOT.search(between):
            continue  # "存了五万，取了两万，只剩三万"; "存了五万，利息只到了八百"
        asked, got = _sum_values(sent[-1].group(0)), _sum_values(got_m.group("got"))
        if len(asked) == 1 and len(got) == 1 and 0 < got[0] < asked[0]:
            return round(asked[0] - got[0], 2)
    return None


def _paid_short(t: str) -> Optional[float]:
    gap = _expected_against_actual(t)
    if gap is not None:
        return gap
    swapped = _EXCHANGED_SHORT.search(t)
    if swapped:
        asked, got = _sum_values(swapped.group("asked")), _sum_values(swapped.group("got"))
        if len(asked) == 1 and len(got) == 1 and 0 < got[0] < asked[0]:
            return round(asked[0] - got[0], 2)
    put = _PUT_IN_SHORT.search(t)
    if put:
        asked = _sum_values(put.group("asked"))
        got = _sum_values(put.group("got"))
        if len(asked) == 1 and len(got) == 1 and 0 < got[0] < asked[0]:
            return round(asked[0] - got[0], 2)
    m = _PAID_SHORT.search(t) or _SHOWN_LESS.search(t)
    if not m or _INTEREST_GOT.search(m.group("got")) or _INTEREST_GOT.search(t, m.start(), m.start("got")):
        # ("存了五万，利息只给了八百": the interest is no part of the sum put in)
        return None if m else _only_reached(t)
    asked = _sum_values(m.group("asked") or m.groupdict().get("asked2") or "")
    got = _sum_values(m.group("got"))
    if len(asked) == 1 and len(got) == 1 and 0 < got[0] < asked[0]:
        return round(asked[0] - got[0], 2)
    return None


# the result of the customer's own working, said as such ("我算了多收两百七", "孙子给我算了差两千四百
# 块"): it wins over the figures it was worked out from, and over our own arithmetic on them
_WORKED_OUT = re.compile(
    r"(?:算了?一下|算了|算下来|算出来|一算|算过|计过|计咗|计了)(?:是|就是|一共)?[^，。,!！？?\d]{0,3}?"
    # (Cantonese 畀 = 给, 咗 = 了: "我计过少畀咗我八十六蚊")
    r"(?:差了?|多收了?|多扣了?|多算了?|少给了?|少畀(?:咗|了)?|少算了?|少了|亏了?)(?:我|俺)?\s*"
)


# the customer's working closed by its result, in the last clause ("流水12万，千分之六就系720，千分之三点
# 八应该系456，多扣咗264"; "5000乘1.52应该7600，只收到7450，少了150块"; "三千银收两个点，六十银")
_CLOSING_DIFFERENCE = re.compile(
    r"^(?:所以|即系|即是|就是|那就是|也就是|结果|总共|一共)?"
    # ("…差了零点二五个点，一年大概少五百左右": the loss over a period, said roughly)
    r"(?:一年|每年|一个月|每个月|每月|算下来|这样)?(?:大概|大约|差不多|估计|起码|至少|就)?"
    r"(?:多扣|多收|多算|少给|少算|少了|差了|差|少到|少收到|少(?=\s*[\d一二两三四五六七八九十百千万]))了?(?:我|俺|咗)?\s*"
)
_RESULT_WORD = re.compile(r"^(?:所以|即系|即是|就是|那就是|也就是|等于|算下来(?:就是|是)?|合起来(?:就是|是)?)\s*")
_WORKING = re.compile(r"[×xX*]|乘|千分之|百分之|个点|[%％]|应该(?:是|系)?")
# the customer's own sum said as such ("我算了是二百五十八", "加起来一共…"): the result, whatever
# the working before it
_COMPUTED = re.compile(
    r"^(?:我|俺)?(?:自己)?(?:算了|算过|计过|计咗|核算了|算了一下|算了算|算下来|加起来|合计|总共|一共)(?:一下)?\s*"
    r"(?:就|总共|一共|共)?(?:是|系|有|为)?\s*")


def _closing_result(t: str) -> Optional[float]:
    clauses = [c.strip() for c in re.split(r"[，,。；;!！?？]", t) if c.strip()]
    if len(clauses) < 2:
        return None
    last, before = clauses[-1], "，".join(clauses[:-1])
    if not _amount_candidates(before, strict=False):
        return None
    m = _CLOSING_DIFFERENCE.match(last)
    if m:
        # the sum after the cue, past a count ("多扣了一笔三千二百六十"; "多收了一次" names none)
        rest = last[m.end():]
        sums = [(tm, v) for tm, v in _amount_tokens(rest) if not _COUNT_UNIT_AFTER.match(rest[tm.end():])]
        return sums[0][1] if sums and sums[0][0].start() <= 3 else None
    computed = _COMPUTED.match(last)
    if computed:
        rest = last[computed.end():]
        tokens = list(_amount_tokens(rest))
        if len(tokens) == 1 and tokens[0][0].start() == 0 and len(rest) - tokens[0][0].end() <= 3 \
                and not _COUNT_UNIT_AFTER.match(rest[tokens[0][0].end():]):  # "一共四次" counts
            return tokens[0][1]
    # a bare figure closing a working with a rate or a product ("…收两个点，六十元"; "三十万存一年，
    # 差了零点五个点，就是一千五")
    last = _RESULT_WORD.sub("", last, count=1)
    tokens = list(_amount_tokens(last))
    if _WORKING.search(before) and len(tokens) == 1 and tokens[0][0].start() == 0 and rough_amount(last) is False \
            and len(last) - tokens[0][0].end() <= 2:
        return tokens[0][1]
    return None


def _worked_out(t: str) -> Optional[float]:
    return _sum_after_cue(_WORKED_OUT, t) or _equation_result(t) or _english_excess(t)


# the customer's own sum written as one ("违约金68 + 利息12 = 80"): the result is what they claim
_EQUATION = re.compile(r"[+＋][^=＝，,。!！?？]{1,20}[=＝]\s*")


def _equation_result(t: str) -> Optional[float]:
    m = _EQUATION.search(t)
    if not m:
        return None
    tokens = list(_amount_tokens(t[m.end():]))
    if not tokens or tokens[0][0].start() != 0 or _COUNT_UNIT_AFTER.match(t[m.end() + tokens[0][0].end():]):
        return None  # "1+1=2次" counts, no sum
    return tokens[0][1]


# the excess said in English ("结果扣了350, so 200 extra", "overcharged me 200", "200 more than they said")
_ENGLISH_EXCESS = re.compile(
    r"(?i)(?:overcharged|over-charged|charged)(?:\s+me)?\s+(?:an\s+)?(?:extra\s+)?(?:rmb|¥|￥)?\s*(?P<a>\d+(?:\.\d+)?)"
    r"|(?:rmb|¥|￥)?\s*(?P<b>\d+(?:\.\d+)?)\s*(?:块|元|yuan|rmb)?\s*(?:extra|too\s+much|more\s+than)\b"
)
# the customer's own total in English ("30 each time, twice, so 60 in total"; "a total of 460"),
# before any single charge named beside it
_ENGLISH_TOTAL = re.compile(
    # (a plain figure only: "total 18,500" or "total 2.5w" is left to the readers that know
    # thousands separators and units)
    r"(?i)(?:rmb|¥|￥)?\s*(?<![\d,.])(?P<c>\d+(?:\.\d+)?)\s*(?:块|元|yuan|rmb)?\s*(?:in\s+total|altogether|all\s+together)\b"
    r"|\b(?:a\s+)?total(?:\s+of|\s+is|\s+was)?\s*(?:rmb|¥|￥)?\s*(?P<d>\d+(?:\.\d+)?)(?![\d,.]|\s*(?:times|次|months|days|[wk万千百]))"
)


def _english_excess(t: str) -> Optional[float]:
    total = _ENGLISH_TOTAL.search(t)
    if total:
        return float(total.group("c") or total.group("d"))
    m = _ENGLISH_EXCESS.search(t)
    return float(m.group("a") or m.group("b")) if m else None


def parse_amount(text: str) -> Optional[float]:
    """The answer to "涉及多少钱？": a bare "5000" or "大概五千左右" is enough.

    The customer's own total first ("…加起来十四万"), then the parts of one loss listed one by
    one, which add up ("转了三次，3万、5万、6万" → 140000, "先转了两千又转了八千" → 10000: see
    ``_listed_parts``); then the disputed sum, a bare number included ("一共一万八千六，扣掉手续费
    应该到账18488" → 18488); else a sum with its own cue ("…元", "一共…"); else a bare number. A
    balance given as the answer is kept (the customer chose it as the sum involved), unless they
    say no money was lost ("卡里有八千，钱没少" → None) or do not know whether any was ("卡里有六万
    多，不知道少没少" → None). A sum owed or lent (欠了三万二, 贷款本金二十万), a credit limit and
    points are never the answer (``names_no_disputed_sum``)."""
    t = _prepare_amounts(normalize(_amounts_apart(text)))  # "一百一十九块六" is 119.6 to every reader below
    rest = _without_conceded(t)
    if rest is not None:
        return parse_amount(rest) if rest else None
    said = _total_difference(t) or _worked_out(t) or _closing_result(t)
    if said is not None:
        return said
    notes = _note_amounts(t)
    if notes:
        return max(notes)
    total = _stated_total(t)
    if total is not None:
        # parts counted (第一次…第二次…) where the told sequence goes on ("最后…又转走2000"): all of it
        told = None if _TOTAL_CUE.search(t) else _sequence_parts(t)
        return told if told is not None and told > total else total
    chosen = (_instalment_fee(t) or _per_thousand(t) or _chosen_sum(t) or _count_each(t) or _multiplied(t)
              or _charged_in_a_run(t))
    if chosen is not None:
        return chosen
    if _FROZEN_IN_OWN_ACCOUNT.search(t) and not _MONEY_GONE.search(t):
        return None
    # "没扣钱，学费5800还在卡里躺着": the sum named is still the customer's, nothing went
    if _STILL_THERE.search(t) and not _MONEY_GONE.search(_NEGATED_LOSS.sub("", t)):
        return None
    # the excess the customer names (多扣了两百) before our own subtraction of two figures
    short = _overcharge(t) or _paid_short(t)
    if short is not None:
        # "每个月多扣了一百二，已经三个月了": the excess is per month, times the months
        if _EXCESS_EACH_PERIOD.search(t):
            return _per_unit_times(t) or short
        return short
    # after the excess: "每次87.5，扣了两次，多扣了87.5" disputes 87.5, not the 175 taken
    times = _per_unit_times(t)
    if times is not None:
        return times
    if _PER_PERIOD.search(t) and _TOTAL_UNKNOWN.search(t):
        return None  # "一个月两块，扣了好几年了，具体多少不知道": the sum at stake is not known
    strict, lenient = _amount_candidates(t, strict=True), _amount_candidates(t, strict=False)
    if (_NO_LOSS.search(t) or _LOSS_UNKNOWN.search(t)) and not _has_disputed(lenient):
        return None
    parts = _sequence_parts(t) or _listed_parts(t)
    if parts is not None:
        return parts
    exact = _rough_then_exact(t)
    if exact is not None:
        return exact
    if _has_disputed(lenient):  # every sum strict reading accepts, lenient reading accepts too
        return _pick(lenient, background_ok=False)
    return _pick(strict, background_ok=True) or _pick(lenient, background_ok=True)


# a figure the customer lets go ("手续费一百五我认", "那20镑是中间行扣的，就算了", "利息就不计较了"):
# the sum at stake is among the others they name
_CONCEDED = re.compile(r"(?<![给让叫])我认(?!为|识|得)|自(?:己|家)认(?!为|识|得|证|真)|(?:勿要|不要|不用)(?:侬|你们?)赔|(?<![只才机器我它])认了|没意见|就算了|(?<![多少错乱重漏我他她])算了(?![一下个算])|不计较|不追究|不要了|不跟你们计较|无所谓")
_BALANCE_CLAUSE = re.compile(r"(?:卡里|卡上|账户里|帐户里|账上|户头里?|户头内底|存折上)(?:本来|原来|原先)(?:一共|总共)?(?:有|是|剩)?"
                             r"|(?:卡里|卡上|账户里|帐户里|账上|户头里?|户头内底|存折上)(?:都|也)?(?:还|犹|猶|仍|仍然)有")
_AFTER_PUNCTUATION = re.compile(r"(?<=[，,。；;！!？?])")


# words of a concession that only point back ("这个钱我不追究", "那就算了")
_REFERS_BACK = re.compile(r"(?:这|那)(?:个|笔|些)?(?:钱|费|损失|部分)?|我|也|就|都|了|吧|啦")
# a clause that claims a sum, which a later concession does not reach ("…要退，…就算了")
_CLAIMS_BACK = re.compile(r"要退|得退|退给我|还给我|还我|必须|要回|赔")


def _without_conceded(t: str, balances: bool = True) -> Optional[str]:
    """The answer without the clauses whose figures the customer concedes (and, with ``balances``,
    the clauses that only tell what the account held), when another clause still holds a figure;
    "" when every figure is conceded (no sum at stake); None when nothing is let go."""
    clauses = _AFTER_PUNCTUATION.split(t)
    if len(clauses) < 2 or not any(_CONCEDED.search(c) or balances and _BALANCE_CLAUSE.search(c) for c in clauses):
        return None
    keep = [True] * len(clauses)
    for i, clause in enumerate(clauses):
        if balances and _BALANCE_CLAUSE.search(clause) and not _MONEY_GONE.search(clause) and not _AGAINST.search(t):
            keep[i] = False  # "卡里本来一共一万五": what the account held beside what was taken
            continue
        if not _CONCEDED.search(clause):
            continue
        keep[i] = False
        said = _REFERS_BACK.sub("", _CONCEDED.sub("", clause).strip(" ,，。.!！;；"))
        if len(said) > 1:
            continue
        # a bare concession ("…中间行扣的，就算了", "…那是真用了的水电，我认", "这个钱我不追究") lets
        # go of the clauses before it, back to the one with the figure
        for j in range(i - 1, -1, -1):
            if _CLAIMS_BACK.search(clauses[j]):
                break
            keep[j] = False
            if _accepted_amounts(clauses[j], strict=False)[1]:
                break
    if all(keep):
        return None
    rest = "".join(c for c, k in zip(clauses, keep) if k)
    if not _accepted_amounts(rest, strict=False)[1]:
        # "这个月又扣了八十六，那是真用了的水电，我认": every figure let go, no sum at stake
        return "" if any(_CONCEDED.search(c) for c in clauses) else None
    return rest


# "不知道少没少", "有没有被扣我也不清楚": whether any money went is itself not known
_LOSS_UNKNOWN = re.compile(
    r"([少丢扣转刷盗])(?:了)?(?:没|没有|冇)\1|(?:有没有|有冇)(?:被)?(?:少|丢|扣|转走|刷|盗)|"
    r"(?:少|丢|扣|被转|被刷|被盗)了?没有?(?:[，,。?？]|$)|(?:是不是|系唔系)(?:被)?(?:少|扣|盗|刷|转走)了|"
    r"(?:不|唔)(?:知道?|清楚|确定)(?:有没有|有冇|是不是|会不会)?(?:少|丢|被扣|被转|被刷|被盗)(?!了?(?:多少|几))"
)
# what a figure that is no disputed sum is said to be: a debt, a loan, a limit, points, a rate,
# a balance
_NOT_DISPUTED_FIGURE = re.compile(
    r"欠|贷|借了|借款|本金|额度|限额|积分|里程|利率|年化|余额|卡里|卡上?有|账上|账户里|户口|还剩|剩下|存款"
)


def names_no_disputed_sum(text: str) -> bool:
    """An answer to "涉及多少钱？" whose figures are no sum at stake: a debt ("欠了三万二，我在
    还"), a loan or its principal, a credit limit ("额度从五万降到五千"), points ("六万积分"), or a
    balance the customer does not know to be short ("卡里有六万多，不知道少没少"). Asking again
    would only bring the same figure back: the form records the amount as not given."""
    t = normalize(text)
    if parse_amount(t) is not None:
        return False
    prepared = _prepare_amounts(t)
    # a number a clerk could file ("三万二", "4.5%"), not a lone 两 ("两笔"), a bare 几万, a date,
    # a count or an age ("3月10号", "三十多个工人", "四十天了")
    has_figure = any(
        re.search(r"\d|[一二两三四五六七八九十]", m.group("num")) and (len(m.group("num")) > 1 or m.group("num").isdigit())
        and not _FIGURE_NOT_SUM.match(prepared[m.end():]) and not _CODE_BEFORE.search(prepared[: m.start()])
        for m, _ in _amount_tokens(prepared)
    )
    return has_figure and bool(_NOT_DISPUTED_FIGURE.search(t) or _LOSS_UNKNOWN.search(t))


_CODE_BEFORE = re.compile(r"(?:尾号|卡号|账号|号码|手机|电话|编号|第|工号|窗口|排队)\s*$")
_FIGURE_NOT_SUM = re.compile(
    r"\s*(?:多|余|来|几)?\s*(?:次|笔|天|个(?!点)|号|日|月|年|点(?!\d)|分钟|秒|小时|钟头|岁|楼|层|张|位|遍|趟|人|期|"
    r"周|星期|礼拜|家|台|条|窗口|排|米|公里|页|项|步|[-/:：])"
)


# How the parts of one loss are joined when listed ("3万、5万、6万", "1999、1999，还有一笔500",
# "先转了两千又转了八千", "199、299和399"). A comma alone joins them only where the customer says
# there were several (三次, 两笔, 分别, 前后); a sum expected, corrected, refunded or compared
# ("本来收200，收了我2000", "取三千只出来两千八", "三千到五千") is no part.
_PART_JOINER = re.compile(r"[、+＋和及与加]|以及|还有|另外|另|又|再|外加|跟|同埋|同(?!样|一)|(?:一|第[二三四五六七八九])(?:笔|次)")
_PART_FILLER = re.compile(
    r"[、+＋和及与加，,;；:：\s]|以及|还有|另外|另|又|再|上|外加|跟|同埋|同|然后|后来|接着|之后|随后|紧接着|先|"
    r"[一两二三四五六七八九\d]?(?:笔|次|回)|分别(?:是|为)?|各|是|了|咗|掉|走|出去|过去|给|我|的|被|人|也|都|还|就|元|块钱?"
)
_NOT_A_PART_LINK = re.compile(
    r"不是|不对|应该|本来|原本|其实|结果|却|只|但|可是|不过|退|返|剩|到|至|或|还是|之间|~|-|降|涨|变成|成了|出来|每"
)
# "一千二百八十八，两千五百九十九，还有一笔六百五": "还有一笔" says the commas before it list parts too
_SEVERAL = re.compile(r"[两二三四五六七八九十几\d]+\s*(?:次|笔|回)|分别|前后|先后|分了|分成|(?:还有|另|又)(?:一)?(?:笔|次)")
_FEE_WORD = re.compile(_CHARGE_NOUNS)


def _listed_parts(t: str) -> Optional[float]:
    """The sum of the parts of one loss the customer lists (see _PART_JOINER), or None when the
    sums are no such list. A total the customer states beside the list wins."""
    prepared, accepted = _accepted_amounts(t, strict=False)
    if len(accepted) < 2:
        return None
    roles = [_amount_role(prepared, accepted, i) for i in range(len(accepted))]
    several = bool(_SEVERAL.search(prepared))
    best: List[int] = []
    run = [0]
    for i in range(1, len(accepted)):
        if _joins_parts(prepared, accepted, run[0], i, several):
            run.append(i)
        else:
            best = max(best, run, key=len)
            run = [i]
    best = max(best, run, key=len)
    if len(best) < 2:
        return None
    items = [accepted[i] for i in best]
    if any(roles[i] in (BACKGROUND, OWED) for i in best):
        return None
    after = prepared[items[-1][0].end():]
    if re.match(r"\s*(?:元|块钱?)?\s*(?:之间|以内|左右之间)", after):  # "两千和三千之间" is a range
        return None
    fees = {bool(_FEE_WORD.search(prepared[max(0, m.start() - 4): m.end() + 4])) for m, _ in items}
    if len(fees) > 1:  # "转走5000，还有50手续费": a fee is not another part of the loss
        return None
    for cue in _TOTAL_CUE.finditer(prepared):  # "一共十五万，3万、5万、6万": the total wins
        tokens = [(m, v) for m, v in accepted if 0 <= m.start() - cue.end() <= 2]
        if tokens and tokens[0][0] not in [m for m, _ in items]:
            return tokens[0][1]
    return float(sum(v for _, v in items))


def _joins_parts(t: str, accepted: List[Tuple[re.Match, float]], first: int, i: int, several: bool) -> bool:
    """Is the i-th sum listed as another part after the (i-1)-th, in a list starting at first?"""
    prev, cur = accepted[i - 1][0], accepted[i][0]
    link = t[prev.end(): cur.start()]
    if len(link) > 10 or _NOT_A_PART_LINK.search(link) or re.search(r"每\S{0,3}$", t[:accepted[first][0].start()]):
        return False
    if re.search(r"[两二三四五六七八九十几\d]\s*(?:次|笔|回)", link):  # "扣了八次，十六块": a count, then a total
        return False
    if not _PART_JOINER.search(link) and not (several and re.fullmatch(r"\s*(?:元|块钱?)?\s*[，,;；]\s*", link)):
        return False
    # a verb in the link must be the act already named before the list ("转了两千又转了八千"),
    # not another one ("存了两千又取了八千")
    verb = _PART_FILLER.sub("", link)
    head = t[: accepted[first][0].start()]
    return len(verb) <= 3 and all(c in head for c in verb)


# "两万出头，我对了下小票是21,360": a rough figure, then the exact one it rounds
_ROUGH_AFTER = re.compile(r"\s*(?:元|块钱?)?\s*(?:出头|多|来|左右|上下|的样子)")


def _rough_then_exact(t: str) -> Optional[float]:
    prepared, accepted = _accepted_amounts(t, strict=False)
    if len(accepted) != 2:
        return None
    (first, rough), (second, exact) = accepted
    # (the token may hold its own 多: "一百多")
    said_roughly = (_ROUGH_AFTER.match(prepared[first.end():]) or re.search(r"(?:大概|大约|差不多|估计|将近|接近|小)\s*$", prepared[: first.start()])
                    or re.search(r"[多来余]$", first.group(0)))
    if not said_roughly or _ROUGH_AFTER.match(prepared[second.end():]) or "不是" in prepared[first.end(): second.start()]:
        return None
    return exact if rough * 0.8 <= exact <= rough * 1.6 else None


# "第一次1.5w，后来又投了3w，最后交保证金5.2w": payments told in order, each clause opening with
# a word of sequence after a first one, are the parts of one loss
_FIRST_STEP = re.compile(r"第一(?:次|笔|回)|头一(?:次|笔|回)|一开始|刚开始|起初|最开始|先是|先")
# "转了三次，第一次4999": the first step after a lead-in in its clause
_FIRST_STEP_INSIDE = re.compile(r"第一(?:次|笔|回)|头一(?:次|笔|回)")
_NEXT_STEP = re.compile(r"(?:后来|然后|接着|之后|再后来|紧接着|最后|第[二三四五六七八九](?:次|笔|回))(?:又|再|还)?|又|再")
# "最后说提现要保证金又转了1.2w": 转了 right before the sum makes it a payment
_PAID_RIGHT_BEFORE = re.compile(r"(?:转|投|交|充|付|汇|打)(?:了|过去|进去|走了?)?\s*$")
_NOT_A_PAYMENT = re.compile(r"剩|余额|还有|提出|提现|取出|退|返|到账|收益|赚")


def _sequence_parts(t: str) -> Optional[float]:
    clauses = [c for c in re.split(r"[，；;。!！?？]|,(?!\d{3})", _prepare_amounts(normalize(t))) if c.strip()]
    parts: List[float] = []
    waiting = False  # "第三笔他说要交保证金，转了12k": a step whose sum comes in the next clause
    for i, clause in enumerate(clauses):
        step = bool((_NEXT_STEP if parts else _FIRST_STEP).match(clause.strip()))
        tokens = _accepted_amounts(clause, strict=False)[1]
        paid = bool(tokens) and _PAID_RIGHT_BEFORE.search(clause[: tokens[0][0].start()])
        if not parts and not step and tokens:
            step = bool(_FIRST_STEP_INSIDE.search(clause[: tokens[0][0].start()]))
        if not parts and not step and len(tokens) == 1 and i + 1 < len(clauses):
            # "卡里就被取了两万，又转走一万五": a loss, then 又 + another: the first of the steps
            after = clauses[i + 1].strip()
            step = bool(_NEXT_STEP.match(after) and _accepted_amounts(after, strict=False)[1]
                        and _DISPUTE_RIGHT_BEFORE.search(clause[: tokens[0][0].start()]))
        if parts and step and not tokens:
            waiting = True
            continue
        step = step or bool(waiting and tokens and paid)
        waiting = False
        if not step or len(tokens) != 1 or (not paid and (_NOT_A_PAYMENT.search(clause) or _BACKGROUND_BEFORE.search(clause))):
            if parts:
                break
            continue
        parts.append(tokens[0][1])
    return float(sum(parts)) if len(parts) >= 2 else None


# The customer's own total ("…一共两万九千八") is the sum involved; parts counted one by one
# ("一次五万一次三万五", "第一笔…第二笔…") add up to it.
# (加一块儿/加一块 and 加在一起, 合起来, 拢共, 统共: the customer's own sum in other words; 一块儿 is read
# as 一起 before: _TOGETHER)
_TOTAL_CUE = re.compile(r"(?:一共|总共|合计|共计|加起来|总计|加(?:在|到)?一起|合(?:在一起|起来|一起)|拢共|统共|满共)(?:是|有|被|扣了|转了|损失了?|花了|就是|算)?\s*")
_TOTAL_UNKNOWN = re.compile(r"(?:具体|一共|总共|到底|总的)(?:是|有|扣了|收了)?多少(?:钱)?(?:我)?(?:也)?(?:不知道|不清楚|说不清|算不清|记不清)|"
                            r"(?:不知道|不清楚|算不清|记不清)(?:一共|总共|具体|到底)(?:扣了|收了|是)?多少")
_CHARGED_TWICE = re.compile(r"一模一样|一样的|重复|扣重|扣了两遍|多扣了?一次|两笔一样|同一笔")
# a charge that recurs each period, a figure right after it ("每个月都扣一笔十九块九")
# ("这个月月初收到短信" is a month and its start, not 月月)
# (a charge per page or sheet, the pages not told: "打流水一页收我五块")
_UNCOUNTED_RECURRING = re.compile(r"(?:每(?:个)?月|逐个?月|(?<![个这上本下])月月(?![初底中末])|(?<![第头])一次|每次|每回|次次)[^，。,!！？?]{0,12}?(?:扣|收|划|少)"
                                  r"|(?:每|(?<![第头这那])一)(?:页|张|份)[^，。,!！？?]{0,6}?(?:扣|收|要)")
_PER_PERIOD = re.compile(r"每(?:个)?(?:月|年|期|季度?)|逐个?月|一个月|一年|一期|月月")
_SPAN_TOTAL = re.compile(
    r"(?:^|[，,；;\s])(?:[一二两三四五六七八九十\d]+(?:个)?(?:月|年|期|季度)|半年|一年半)"
    r"(?:下来|算下来|加起来|就是|总共|一共|共)?(?:是|有|扣了|收了)?\s*"
)
_PARTS = re.compile(r"(?:一次|一回|第[一二三四五六七八九十\d]+(?:次|笔|回)|一笔)"
                    # (the last part told as what followed: "第二回转了两万五后来又转了八千")
                    r"|(?<=[\d一二两三四五六七八九十百千万块元])(?:后来|然后|接着|最后)又(?=转|汇|打|付|扣|刷|取)")


# "代发一共二十一万六，其中三个人没到：4200、3800、5100": the parts that went wrong, not the gross
_AMONG_THEM = re.compile(r"其中[^，。,!！？?:：]{0,10}(?:没到|没收到|没到账|失败|被退|退回|少了|没发)[^:：]{0,4}[:：]?\s*(?P<parts>[^。!！？?]+)")


def _stated_total(t: str) -> Optional[float]:
    among = _AMONG_THEM.search(t)
    if among:
        parts = [v for _, v in _accepted_amounts(among.group("parts"), strict=False)[1]]
        if len(parts) >= 2:
            return float(sum(parts))
        if len(parts) == 1:
            return parts[0]
    for cue in reversed(list(_TOTAL_CUE.finditer(t))):
        if not list(_amount_tokens(t[: cue.start()])):
            continue  # a total said first is weighed with the rest ("一共两万三，应该到账22900")
        rest = t[cue.end():]
        tokens = list(_amount_tokens(rest))
        if tokens and tokens[0][0].start() <= 2 and not re.match(r"\s*[次笔个天年月回遍]", rest[tokens[0][0].end():]):
            return tokens[0][1]
    # "一个月两块，两年四十八", "每期扣87，12期下来一千零四十四": a sum per period, then the sum
    # over the whole span
    per = _PER_PERIOD.search(t)
    if per:
        for span in _SPAN_TOTAL.finditer(t, per.end()):
            said = span.group(0).strip("，,；; ")
            if _PER_PERIOD.fullmatch(said) and said[-1] == per.group(0)[-1]:
                continue  # the same period said again; "一个月两块，一年二十四" is a total
            total = _sum_at_start(t[span.end():])
            if total is not None:
                return total
    clauses = [c for c in re.split(r"[，。；;]|,(?!\d{3})", t) if _PARTS.search(c)]  # not the comma of 1,680
    # (read as sums, so "一笔 1,680.00" is 1680, not the 1 before its comma)
    parts = [v for c in clauses for piece in _PARTS.split(c)[1:] for _, v in _accepted_amounts(piece, strict=False)[1][:1]]
    if len(parts) >= 2:
        return float(sum(parts))
    return None


# "一个月三十九，扣了四个月了", "每季度扣十块，扣了四次", "每次二千五，总共三次": a sum per
# period or per time, and how many times it was taken: the sum at stake is the product
# (第一次, 头一回: an ordinal, not "a time")
# (not 一次都不该收, 一笔也没少: "not even once" counts nothing)
# ("还有一笔45": one more item of a list, not the price of each: 还有/另/又 before it)
_PER_UNIT = re.compile(r"(?:每(?:个)?|(?<![第头])一个|(?<![第头有另又再])一(?=(?:月|季度?|年|期|次|笔|回)(?!都|也)))(?P<unit>月|季度?|年|期|次|笔|回)")
_TIMES = re.compile(
    # ("收了整一年", "多收两个月": the count told before or after the charge)
    r"(?:(?:扣了|收了|交了|缴了|付了|还了|取了|提了|转了|被扣了|多收了?|多扣了?|多算了?)(?:整|足|满|足足|整整)?|一共|总共|共|总计|合计|已经|连续|连着|足足|整整|"
    # "账单上有三笔", "一次四块，五次" (the count alone closing the answer)
    r"上有|里有|[，,]\s*(?=[\d一二两三四五六七八九十]+\s*(?:次|笔|回|期)\s*[。.!！]?\s*$))\s*"
    r"(?P<n>[\d一二两三四五六七八九十]+|半)\s*(?P<unit>个月|个季度|季度|年|期|次|笔|回|个月了|月)"
)
_SAME_UNIT = {"月": ("个月", "月"), "季": ("个季度", "季度", "次"), "季度": ("个季度", "季度", "次"),
              "年": ("年",), "期": ("期", "次"), "次": ("次", "回", "笔"), "笔": ("笔", "次"), "回": ("回", "次")}


# "本金三十万，利息还有一万八，利息我不指望了，我只要本金": the customer says which sum they want back
_ONLY_WANT = re.compile(r"只要(?:回)?(?:我的)?(?P<noun>本金|本钱|利息|收益|手续费|违约金)|"
                        r"(?P<noun2>本金|本钱)(?:一定|必须)?(?:要|得)(?:回来|退回来?|还我|还给我)")


# the sum owed to the customer by the rules ("按条款应该赔一万二千六") or a charge said to be wrong
# ("赎回费收了一百五十块，这个不该收"): the claim, whatever costs or losses stand beside it
_CLAIMED = re.compile(r"(?:应该|应当|本该|理应|按理|按条款|按合同)(?:是|要|得)?(?:赔|理赔|赔付|报销|报|退|补)(?:给)?(?:我)?\s*"
                      # "剩下的720一次性扣了，我要的就是这720": the figure the customer says they want
                      r"|(?:我|俺)?要(?:的|回)?就是(?:这|那)?(?:笔)?\s*|(?:我|俺)要(?:的|嘅)(?:就)?(?:是|系)\s*")
_WRONGLY_CHARGED = re.compile(r"[，,]?\s*(?:这|这个|这笔|这些|那个)?(?:钱)?(?:不该|不应该|不应|不能|凭什么)(?:收|扣|要)")


def _claimed_sum(t: str) -> Optional[float]:
    claimed = _sum_after_cue(_CLAIMED, t)
    if claimed is not None:
        return claimed
    wrong = _WRONGLY_CHARGED.search(t)
    if wrong:
        clause = re.split(r"[，。,;；]", t[:wrong.start()])[-1]
        values = [v for _, v in _accepted_amounts(clause, strict=False)[1]]
        if len(values) == 1:
            return values[0]
    return None


def _chosen_sum(t: str) -> Optional[float]:
    claimed = _claimed_sum(t)
    if claimed is not None:
        return claimed
    wanted = _ONLY_WANT.search(t)
    if not wanted:
        return None
    noun = wanted.group("noun") or wanted.group("noun2")
    for named in re.finditer(noun, t[:wanted.start()]):
        after = t[named.end():named.end() + 14]
        tokens = list(_amount_tokens(after))
        if tokens and tokens[0][0].start() <= 4:  # "本金三十万", "利息还有一万八"
            return tokens[0][1]
        before = list(_amount_tokens(t[max(0, named.start() - 8):named.start()]))
        if before and before[-1][0].end() >= len(t[max(0, named.start() - 8):named.start()]) - 1:
            return before[-1][1]  # "三十万本金"
    return None


# the customer's own multiplication ("手续费 12 期 × 99", "99乘12") or the total after a count
# ("一次十块，两次就是二十")
_TIMES_SIGN = re.compile(r"(?P<a>\d+(?:\.\d+)?)\s*(?:元|块)?\s*(?:期|次|笔|个月)?\s*(?:[×xX*]|乘以?)\s*(?P<b>\d+(?:\.\d+)?)")
_COUNT_THEN_TOTAL = re.compile(
    r"[\d一二两三四五六七八九十]+\s*(?:次|笔|期|回|个月)(?:加起来|一共|总共)?就是\s*(?P<total>[^，。,!！？?]{1,10})"
    # the customer's own sum closing the working ("每克扣十五块手续费，那就是一千五")
    r"|(?:^|[，,。]\s*)(?:那|这样|算下来|加起来|合起来)(?:就|总共|一共)?是\s*(?P<total2>[^，。,!！？?]{1,10})")
# a price gap per gram and the grams ("卖了五十克，一克差了六块"): the customer's multiplication
_PER_GRAM = re.compile(r"(?:每|一)克(?:就|都)?(?:差了?|少了?|少给了?|多收了?|多扣了?|扣了?|亏了?)\s*(?P<each>[^，。,!！？?]{1,8})")
_GRAMS = re.compile(r"(?:卖了|买了|卖出|买入|一共|总共|共)\s*(?P<n>[\d一二两三四五六七八九十百千]+)\s*克")


# a percentage of a sum the customer names ("投了十万，现在亏了百分之十二", "提前还了十五万本金，按百分之一
# 收的违约金"): the customer's arithmetic left to the clerk
_PERCENT_OF = re.compile(r"(?:亏了|跌了|损失了|少了|缩水了?|按|收了?|扣了?)(?:的|了)?\s*(?:百分之(?P<cn>[一二两三四五六七八九十点零]+)|(?P<num>\d+(?:\.\d+)?)\s*[%％])")
_PERCENT_BASE = re.compile(r"(?:投了|投入|买了|存了|还了|提前还了?|本金|借了|贷了)\s*(?P<base>[^，。,!！？?]{1,8})")


# "…各扣19.9，一共四笔": the charge each time, then how many there were
_EACH_CHARGED = re.compile(r"各(?:扣|收|交|付|转|刷)了?\s*(?P<each>[^，。,!！？?]{1,8})")
_COUNT_SAID = re.compile(r"(?:一共|总共|共|合计)\s*(?P<n>[\d一二两三四五六七八九十]+)\s*(?:笔|次|回|期)")


# "第一次两万，后面两次各一万五", "头一笔三千 后来两笔各两千": a count of payments that were each the
# same sum (N次各X is N times X), after the first one told apart
_COUNT_EACH = re.compile(
    r"(?P<n>[两二三四五六七八九十\d]+)\s*(?:次|笔|回|期|趟)(?:都|也)?(?:是)?各(?:扣|收|交|付|转|刷|汇|打|投|存|充|取)?了?\s*"
)


def _count_each(t: str) -> Optional[float]:
    m = _COUNT_EACH.search(t)
    if not m or len(_COUNT_EACH.findall(t)) != 1:
        return None
    each = [(tm, v) for tm, v in _accepted_amounts(t[m.end():], strict=False)[1]]
    n = _count_number(m.group("n"))
    if not each or each[0][0].start() > 1 or not n or not 1 < n <= 60:
        return None
    total = each[0][1] * n
    before = _accepted_amounts(t[: m.start()], strict=False)[1]
    if before:
        if len(before) != 1 or not _FIRST_STEP.search(t[: before[0][0].start()]):
            return None  # "卡里有十万，两次各转走一万五": a balance, not a first payment
        total += before[0][1]
    if len(each) > 1:
        # "…两次各一万五，最后又转了三万": one more step told after them
        rest = t[m.end() + each[0][0].end():]
        later = _accepted_amounts(rest, strict=False)[1]
        if len(later) != 1 or not _NEXT_STEP.search(rest[: later[0][0].start()]):
            return None
        total += later[0][1]
    return round(total, 2)


def _percent_of(t: str) -> Optional[float]:
    pct, base = _PERCENT_OF.search(t), _PERCENT_BASE.search(t)
    if not (pct and base) or base.start() > pct.start():
        return None
    rate = cn_number(pct.group("cn")) if pct.group("cn") else float(pct.group("num"))
    values = [v for _, v in _amount_tokens(base.group("base"))]
    if rate and 0 < rate < 100 and len(values) == 1 and values[0] >= 100:
        return round(values[0] * rate / 100, 2)
    return None


# A rate the customer names (千分之六, 百分之三, 0.6%, 三个点), and the sum it applies to (流水五十万,
# 存了十万, 一个月提了十八万): "千分之八跟千分之六差多少", "说好三个点结果只给二点二", "按千分之一扣的"
# leave the arithmetic to us. Two rates: the gap between them on that sum; one rate charged: that
# share of it.
_RATE = re.compile(
    r"千分之(?P<pm>[\d.一二两三四五六七八九十点零]+)|百分之(?P<pc>[\d.一二两三四五六七八九十点零]+)"
    r"|(?P<num>\d+(?:\.\d+)?)\s*[%％]|(?P<pts>[\d.一二两三四五六七八九十点零]+)\s*个点"
)
# "…结果只给二点二": a bare figure with 点 is a rate beside one said in points
_BARE_POINTS = re.compile(
    r"(?:只给|给了?|只有|才|变成|成了|实际|结果|只)(?:了|我)?(?P<bare>[\d一二两三四五六七八九零]点[\d一二两三四五六七八九零]+)"
    r"(?![\d一二两三四五六七八九零]*(?:万|千|块|元|个点))"
)
_RATE_BASE = re.compile(
    r"(?:流水|存了|提了|提现了?|投了|投入|买了|申购了?|认购了?|本金|贷了|借了|刷了|刷卡|还了|收了|进账)(?:正好|一共|总共|大概|有|了)?\s*(?P<base>[^，。,!！？?]{1,8})"
)
_RATE_CHARGED = re.compile(r"(?:按|扣|收)(?:了|的)?\s*$")


def _rates(t: str) -> List[Tuple[int, float]]:
    found = []
    for m in _RATE.finditer(t):
        raw, scale = next((m.group(g), s) for g, s in (("pm", 1000), ("pc", 100), ("num", 100), ("pts", 100)) if m.group(g))
        value = cn_number(raw) if not re.fullmatch(r"\d+(?:\.\d+)?", raw) else float(raw)
        if value and 0 < value / scale < 0.5:
            found.append((m.start(), value / scale))
    if any(m.group("pts") for m in _RATE.finditer(t)):
        for m in _BARE_POINTS.finditer(t):
            value = cn_number(m.group("bare"))
            if value and 0 < value < 50:
                found.append((m.start("bare"), value / 100))
    return sorted(found)


def _rate_gap(t: str) -> Optional[float]:
    base = _RATE_BASE.search(t)
    if not base or _RATE.search(base.group("base")):
        return None
    # (the term said right after the sum is no part of it: "存了二十万三年期")
    values = [v for _, v in _amount_tokens(re.sub(r"[一二两三四五六七八九十\d]+(?:年期|年|个月|期)\S*$", "", base.group("base")))]
    rates = _rates(t)
    if len(values) != 1 or values[0] < 1000 or not rates:
        return None
    if len(rates) == 2 and rates[0][1] != rates[1][1]:
        return round(values[0] * abs(rates[0][1] - rates[1][1]), 2)
    if len(rates) == 1 and _RATE_CHARGED.search(t[:rates[0][0]]) and rates[0][1] < 0.05:
        return round(values[0] * rates[0][1], 2)
    return None


def _multiplied(t: str) -> Optional[float]:
    m = _TIMES_SIGN.search(t)
    if m:
        return round(float(m.group("a")) * float(m.group("b")), 2)
    percent = _percent_of(t) or _rate_gap(t)
    if percent is not None:
        return percent
    each, count = _EACH_CHARGED.search(t), _COUNT_SAID.search(t)
    if each and count and count.start() > each.start():
        values = [v for _, v in _amount_tokens(each.group("each"))]
        n = cn_number(count.group("n"))
        if len(values) == 1 and n and n == int(n) and 1 < n <= 60:
            return round(values[0] * n, 2)
    each, grams = _PER_GRAM.search(t), _GRAMS.search(t)
    if each and grams:
        values = [v for _, v in _amount_tokens(each.group("each"))]
        grams_n = cn_number(grams.group("n"))
        if len(values) == 1 and grams_n:
            return round(values[0] * grams_n, 2)
    m = _COUNT_THEN_TOTAL.search(t)
    if m:
        tokens = [v for _, v in _amount_tokens(m.group("total") or m.group("total2"))]
        return tokens[0] if len(tokens) == 1 else None
    return None


# "九月、十月、十一月各一次": a charge once in each of the periods listed
_EACH_ONCE = re.compile(
    r"(?P<items>(?:[^，,。、和跟及与\s]{1,6}[、和跟及与]){1,11}[^，,。、和跟及与\s]{1,6}?)(?:都|也)?各(?:扣|收|交|付|转|刷|来)?了?(?:一|1)(?:次|笔|回)"
)


# the count said first, the charge each time after it ("取了五次钱，每次都扣了4块手续费", "分了12期，
# 每期手续费99"); a charge per head and the number of heads ("每个工人收了两块，我厂三十二个人")
_COUNT_FIRST = re.compile(
    r"(?:^|取了|转了|扣了|刷了|分了|分成|分(?=\s*[\d一二两三四五六七八九十]+\s*期)|交了|付了|还了|汇了|存了|用了|收了|揿了|按了|出去|转出去?了?)\s*"
    r"(?P<n>[\d一二两三四五六七八九十]+)\s*(?P<unit>次|期|笔|回|个月)"
)
_PER_HEAD = re.compile(r"每(?:个|位|名)?(?:人|工人|员工|职工|人头)")
_HEADS = re.compile(r"(?<!每)(?<!每个)(?P<n>[\d一二两三四五六七八九十百]+)\s*(?:个|位|名)?(?:人|工人|员工|职工)(?!民)")
_CLAUSE_END = re.compile(r"[，,。；;!?！？]")
# words whose 一 is no number ("一共扣了四回", "一直")
_EXCESS_EACH_PERIOD = re.compile(r"每(?:个)?(?:月|期|年|季度?)[^，,。；;]{0,4}多(?:扣|收|付|还|交|算)")
_NOT_A_ONE = re.compile(r"一(?:共|起|直|下子|下|样|般|定|点儿|会儿|口气|次性)")


def _count_number(text: str) -> Optional[float]:
    n = float(text) if text.isdigit() else cn_number(text)
    return n if n and n == int(n) else None


def _each_after_count(t: str) -> Optional[float]:
    counts, per = list(_COUNT_FIRST.finditer(t)), list(_PER_UNIT.finditer(t))
    if len(counts) != 1 or len(per) != 1 or counts[0].end() > per[0].start():
        return None
    unit, count_unit = per[0].group("unit"), counts[0].group("unit")
    if count_unit not in _SAME_UNIT.get(unit, ()) and not (count_unit == "次" and unit in ("次", "笔", "回")):
        return None
    end = _CLAUSE_END.search(t, per[0].end())
    tokens = [v for _, v in _amount_tokens(t[per[0].end(): end.start() if end else len(t)])]
    n = _count_number(counts[0].group("n"))
    if len(tokens) != 1 or not n or not 1 < n <= 120:
        return None
    return round(tokens[0] * n, 2)


def _per_head(t: str) -> Optional[float]:
    per = _PER_HEAD.search(t)
    if not per:
        return None
    heads = [m for m in _HEADS.finditer(t) if not per.start() <= m.start() < per.end()]
    end = _CLAUSE_END.search(t, per.end())
    tokens = [v for _, v in _amount_tokens(t[per.end(): end.start() if end else len(t)])]
    n = _count_number(heads[0].group("n")) if len(heads) == 1 else None
    if len(tokens) != 1 or not n or not 1 < n <= 5000:
        return None
    return round(tokens[0] * n, 2)


# a charge per page or sheet and the pages ("一页五块，打了六页", "打了十二张，每张两块"): the product
_PER_SHEET = re.compile(r"(?:每|(?<![第头这那])一)(?P<unit>页|张|份)(?:都)?(?:收|扣|要)?(?:了)?(?:我|俺)?\s*(?P<each>[^，。,!！？?]{1,8})")
_SHEETS = re.compile(r"(?:打了|印了|打印了|复印了|盖了|开了|出了|拉了|一共|总共|共)\s*(?P<n>[\d一二两三四五六七八九十百]+)\s*(?P<unit>页|张|份)")


def _per_sheet(t: str) -> Optional[float]:
    per, count = _PER_SHEET.search(t), _SHEETS.search(t)
    if not (per and count) or per.group("unit") != count.group("unit"):
        return None
    tokens = [v for _, v in _amount_tokens(per.group("each"))]
    n = _count_number(count.group("n"))
    if len(tokens) != 1 or not n or not 1 < n <= 500:
        return None
    return round(tokens[0] * n, 2)


# the same charge taken in a run ("连续三个月都被扣了19.9", "一连五次扣我八块"): the run times the charge
_CHARGED_IN_A_RUN = re.compile(
    r"(?:连续|连着|接连|一连)(?P<n>[\d一二两三四五六七八九十]+)\s*(?:个)?(?:月|期|年|季度?|次|回|笔|天|周)(?:里|来|内)?"
    r"[^，。,!?！？\d]{0,4}?(?:被)?(?:扣|收|划|刷)(?:了|掉|走)?(?:我|俺)?(?:的)?\s*(?P<each>[^，。,!?！？]{1,10})")


def _charged_in_a_run(t: str) -> Optional[float]:
    run = _CHARGED_IN_A_RUN.search(t)
    if not run:
        return None
    tokens = [v for _, v in _amount_tokens(run.group("each"))]
    n = _count_number(run.group("n"))
    if len(tokens) != 1 or not n or not 1 < n <= 120:
        return None
    return round(tokens[0] * n, 2)


# a fee each instalment as a rate of the sum split ("分了8000块，12期，每期收0.6%"): the sum times
# the rate times the instalments
_INSTALMENTS = re.compile(r"(?P<n>[\d一二两三四五六七八九十]+)\s*期")
_RATE_EACH_INSTALMENT = re.compile(r"每(?:一)?期[^，,。；;\d]{0,6}?(?P<rate>\d+(?:\.\d+)?)\s*[%％]")


def _instalment_fee(t: str) -> Optional[float]:
    rate = _RATE_EACH_INSTALMENT.search(t)
    if not rate:
        return None
    counts = [m for m in _INSTALMENTS.finditer(t) if not rate.start() <= m.start() < rate.end()]
    if len(counts) != 1:
        return None
    taken = [(rate.start(), rate.end()), (counts[0].start(), counts[0].end())]
    bases = [v for m, v in _amount_tokens(t) if not any(a <= m.start() < b for a, b in taken)]
    n = _count_number(counts[0].group("n"))
    if len(bases) != 1 or bases[0] < 100 or not n or not 1 < n <= 60:
        return None
    return round(bases[0] * float(rate.group("rate")) / 100 * n, 2)


# a difference per hundred, thousand or ten thousand of a sum ("换了五万港币，每一千差了八蚊"): the sum
# in those units times the difference
_PER_THOUSAND = re.compile(
    r"每(?:一)?(?P<unit>百|千|万)(?:块|元|港币|港元|美元|美金|日元|欧元)?(?:钱)?[^，,。；;\d一二两三四五六七八九]{0,4}?"
    r"(?:差|多收|多扣|少给|少算|少|扣|收)了?(?P<each>[^，,。；;]{1,8})")
_UNIT_SIZE = {"百": 100, "千": 1000, "万": 10000}


def _per_thousand(t: str) -> Optional[float]:
    m = _PER_THOUSAND.search(t)
    if not m:
        return None
    unit = _UNIT_SIZE[m.group("unit")]
    each = [v for _, v in _amount_tokens(m.group("each"))]
    bases = [v for tm, v in _amount_tokens(t) if not m.start() <= tm.start() < m.end() and v >= unit]
    if len(each) != 1 or len(bases) != 1:
        return None
    return round(bases[0] / unit * each[0], 2)


def _per_unit_times(t: str) -> Optional[float]:
    first = _each_after_count(t) or _per_head(t) or _per_sheet(t)
    if first is not None:
        return first
    per = list(_PER_UNIT.finditer(t))
    each = list(_EACH_ONCE.finditer(t))
    before = [m for m in per if each and m.end() <= each[0].start()]  # not the 一月 of 十一月
    if len(before) == 1 and len(each) == 1:
        tokens = [v for _, v in _amount_tokens(t[before[0].end(): each[0].start()])]
        periods = len(re.split(r"[、和跟及与]", each[0].group("items")))
        if len(tokens) == 1 and 1 < periods <= 12:
            return round(tokens[0] * periods, 2)
    times = list(_TIMES.finditer(t))
    # (the 一年 of "收了整一年" is the count, not a charge per year)
    per = [m for m in per if not any(c.start() <= m.start() < c.end() for c in times)]
    if len(per) != 1 or len(times) != 1:
        return None
    if times[0].start() < per[0].start():
        if times[0].end() > per[0].start():
            return None
        # the count first ("多收两个月，每个月三百七十五"): the sum each time is in the clause after
        each_clause = re.split(r"[，,。；;!！?？]", t[per[0].end():])[0]
    else:
        each_clause = t[per[0].end(): times[0].start()]
    unit, count_unit = per[0].group("unit"), times[0].group("unit").rstrip("了")
    n_txt = times[0].group("n")
    n: Optional[float]
    if n_txt == "半" and unit == "月" and count_unit == "年":
        n = 6.0
    elif unit == "月" and count_unit == "年" and n_txt != "半":
        years = float(n_txt) if n_txt.isdigit() else cn_number(n_txt)
        n = years * 12 if years else None  # "每个月五块，收了整一年"
    elif count_unit in _SAME_UNIT.get(unit, ()) or (count_unit in ("次", "笔") and unit != "年"):
        n = float(n_txt) if n_txt.isdigit() else cn_number(n_txt)
    else:
        return None
    tokens = [v for _, v in _amount_tokens(_NOT_A_ONE.sub("", each_clause))]
    if len(tokens) != 1 or not n or n != int(n) or not 1 < n <= 120:
        return None
    return round(tokens[0] * n, 2)


def _amount_answer(t: str) -> Optional[float]:
    """A message that is only an amount ("两万多", "三千到五千之间"), or a correction of the
    amount field ("金额写错了，应该是三千二", "不是五百，是五千")."""
    if re.search(r"\d+\.\d+\.\d+|\d+[-/]\d+", t):  # 2026.3.1 is a date
        return None
    body = re.sub(r"^.*不是[^，,。]*[，,]\s*", "", t).strip(_PUNCT + " ")
    if _AMOUNT_ANSWER.fullmatch(body):
        return parse_amount(body)
    if re.search(r"金额|钱数|数额|数目|钱", t):
        cues = list(_FIELD_VALUE_CUE.finditer(t))
        cue = cues[-1] if cues else None  # the last cue is the one wanted
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

# (first day, last day): an exact date is a span of one day, "上个月" the whole month
Span = Tuple[date, date]

_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
             "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_RELATIVE_DAYS = [  # longest first so 大前天 is not read as 前天
    ("大前儿个", -3), ("前儿个", -2), ("前儿", -2),
    ("大大前天", -4), ("大前天", -3), ("大前日", -3), ("前天", -2), ("前日", -2), ("前晚", -2),
    ("昨天", -1), ("昨日", -1), ("昨晚", -1), ("昨夜", -1), ("昨早", -1), ("昨儿", -1),
    # northern speech: 前儿个 = 前天, 昨儿个 = 昨天 (前儿 is matched before 昨儿 reads it)
    # Cantonese: 琴日/寻日/噚日 = yesterday, 琴晚 = last night, 今朝 = this morning (今朝早, 今朝朝早)
    # (the normaliser writes 噚 as 㖊)
    # Henan 夜儿个/夜个 and Shandong 夜来(个) = yesterday (not 夜来香, 夜来了);
    ("夜儿个", -1), ("夜个", -1), (r"夜来个?(?!香|了)", -1),
    # Hokkien 昨昏/昨暝 = yesterday, 今仔日 = today
    ("昨昏", -1), ("昨暝", -1), ("今仔日", 0),
    # in English, typed inside a Chinese answer ("today morning 开始的", "yesterday 更新完")
    (r"(?<![A-Za-z])[Tt]he day before yesterday(?![a-z])", -2), (r"(?<![A-Za-z])[Yy]esterday(?![a-z])", -1),
    (r"(?<![A-Za-z])(?:[Tt]oday|[Tt]onight|[Tt]his morning)(?![a-z])", 0),
    ("琴日", -1), ("寻日", -1), ("噚日", -1), ("㖊日", -1), ("琴晚", -1), ("寻晚", -1), ("噚晚", -1), ("㖊晚", -1),
    ("今天", 0), ("今日", 0), ("今朝", 0), ("今早", 0), ("今晚", 0), ("今儿", 0),
    # "刚才那个是工作手机", "刚才说错了": the customer's own last words, not a time
    # ("刚才语音给俺认成杰了": the customer's voice input, not a time; "剛剛選字選錯了": a typing
    # slip corrected, any 错 soon after is about the chat; "刚才少打了一位": the number typed)
    (r"刚才(?!那个|那|说|讲|给|留|报|打|写|填|发|我说|语音|输入|识别|认成|选|拼|敲|按|输|点错|[少多漏](?:打|写|输|按|说|填|了一位))(?![^，。,!?！？]{0,5}错)", 0),
    (r"刚刚(?!那个|那|说|讲|给|留|报|打|写|填|发|我说|语音|输入|识别|认成|选|拼|敲|按|输|点错|[少多漏](?:打|写|输|按|说|填|了一位))(?![^，。,!?！？]{0,5}错)", 0),
    # 凌晨 alone is this morning's small hours (昨天凌晨 is read as 昨天 first)
    (r"(?<![天晚日])凌晨", 0),
    # Hakka 昨晡(日) = yesterday
    ("昨晡", -1),
    ("当天", None),
]
# minutes or hours ago, and "just now": today ("大概半小时前", "二十分钟之前", "一个多钟头前",
# "just now", "an hour ago")
_MINUTES_AGO = re.compile(
    r"(?:(?P<n>\d{1,3}|[一二两三四五六七八九十几]{1,3}|半)\s*(?:个)?\s*多?\s*(?:个)?\s*(?P<u>分钟|小时|钟头)\s*多?\s*(?:之|以)?前)"
    r"|(?i:(?<![a-z])just\s+now(?![a-z])|(?<![a-z])(?:a\s+few|\d{1,2}|an?|half\s+an?)\s+(?P<eu>minutes?|mins?|hours?|hrs?)\s+ago(?![a-z]))"
)
_D = rf"(?:\d{{1,2}}|[{_CN_DIGIT}十]{{1,3}})"
# a day number without 日/号 counts only where nothing else could follow it ("11月28，下午")
_DAY_END = r"(?:[日号]|(?=\s*(?:$|[，。,.!?！？；;、\s]|上午|下午|晚上|早上|中午|凌晨|傍晚|那天|左右|到期|到账|扣的|办的|开始)))"
_FULL_DATE = re.compile(
    rf"(?P<y>\d{{4}}|[{_CN_DIGIT}]{{4}})\s*[-/.年]\s*(?P<m>{_D})\s*[-/.月]\s*(?P<d>{_D})\s*[日号]?"
)
_MONTH_DAY = re.compile(rf"(?P<rel>今年|去年|前年)?\s*(?P<m>{_D})\s*月份?\s*(?P<d>{_D})\s*{_DAY_END}")
_REL_MONTH_DAY = re.compile(rf"(?P<rel>上上个?月|上个?月|这个?月|本月)\s*(?P<d>{_D})\s*[日号]")
# "11/28": month/day as typed on a phone; not inside a longer figure (1/2/3, 3/4%) nor a
# fraction ("1/2的钱", "1/3倍")
_SLASH_DATE = re.compile(
    r"(?<![\d/.])(?P<m>1[0-2]|0?[1-9])\s*/\s*(?P<d>3[01]|[12]\d|0?[1-9])(?![\d/%.])(?!\s*[的倍成])"
)
_DOT_DATE = re.compile(
    r"(?<![\d/.])(?P<m>1[0-2]|0?[1-9])\s*\.\s*(?P<d>3[01]|[12]\d|0?[1-9])(?![\d/%.])"
    r"(?!\s*(?:元|块|万|千|百|k|w|%|倍|折|米|斤|个|次|笔|岁|年|分|秒|小时))"
)
_AGO = re.compile(
    rf"(?P<n>\d{{1,3}}|[{_CN_DIGIT}十]{{1,3}}|半)\s*(?P<u>个?多?(?:天|日|周|星期|礼拜|月)|年)\s*(?:之|以)?前"
)
# the last day of a month ("十一月最后一天", "上个月月底那天")
_MONTH_LAST_DAY = re.compile(
    rf"(?:(?P<rel>上上个?月|上个?月|这个?月|本月)|(?P<m>{_D})\s*月份?)\s*(?:的)?(?:最后一天|最后那天|月?底那天|月?末那天)"
)
# ("这礼拜天天打" is this week, every day: no Sunday)
_WEEKDAY = re.compile(r"(?P<rel>上上|上个?|这个?|本)?\s*(?:周|星期|礼拜)(?P<w>[一二三四五六日1-7]|天(?!天))")
_DAY_ONLY = re.compile(rf"(?<![月\d{_CN_DIGIT}十])(?P<d>{_D})\s*[号日](?!窗|柜|楼|线|机|门|台|位)")

# -- periods: the customer knows roughly when, not the day --------------------------------------
# parts of a month (初 = 1st–10th, 中 = 11th–20th, 底 = 21st–end) and of a year (初 = Jan–Feb,
# 中 = Jun–Jul, 底 = Nov–Dec): wide enough for an agent to find the transaction in that window
_MONTH_PART_DAYS = {"初": (1, 10), "上旬": (1, 10), "头": (1, 10), "中": (11, 20), "中旬": (11, 20),
                    "尾": (21, 31),
                    "下旬": (21, 31), "底": (21, 31), "末": (21, 31)}
_YEAR_PART_MONTHS = {"初": (1, 2), "中": (6, 7), "底": (11, 12), "末": (11, 12), "尾": (11, 12)}
# 头/尾 are how Cantonese speakers say 初/底 ("上个月尾")
_MONTH_PART = r"(?P<part>上旬|中旬|下旬|初|中(?![午国心行间秋])|底|末|尾|头(?![一两二三几]))"
_MONTH_PERIOD = re.compile(  # "11月", "十月底", "2026年3月", "去年12月中旬"
    rf"(?:(?P<y>\d{{4}}|[{_CN_DIGIT}]{{4}})\s*年|(?P<yrel>今年|去年|前年))?\s*"
    rf"(?<![第每/\d{_CN_DIGIT}十])(?P<m>{_D})\s*月\s*份?\s*{_MONTH_PART}?"
)
_REL_MONTH_PERIOD = re.compile(rf"(?P<rel>上上个?月|上个?月|这个?月|本月)\s*份?\s*{_MONTH_PART}?")
_BARE_MONTH_PART = re.compile(rf"(?<![个每几一两上这本\d{_CN_DIGIT}十])月{_MONTH_PART}|(?P<xun>上旬|中旬|下旬)")
_YEAR_PERIOD = re.compile(
    r"(?P<rel>今年|去年|前年)\s*(?:年\s*)?(?P<part>初|中(?![午国心行间秋])|底|末|尾)?"
    r"|(?<![今去前明一每\d])年(?P<bpart>初|中(?![午国心行间秋])|底|末|尾)"
)
_WEEK_PERIOD = re.compile(
    r"(?<!每)(?P<rel>上上|上个?|这个?|本)?\s*(?:周|星期|礼拜)(?P<part>末)?(?![一二三四五六日1-7]|天(?!天))"
)
# "最近三天", "近一个月", "这两天", "最近几天": back from today
_RECENT_N = re.compile(
    rf"(?:最近|近|这|呢)\s*(?P<n>\d{{1,2}}|[{_CN_DIGIT}十]{{1,3}}|几|半)\s*\s*(?P<u>天|日|周|个?星期|个?礼拜|个多月|个月|年)"
)
# "几天前", "十几天前", "几个月前": "几" is a few, "十几" eleven to nineteen
# "四五天前", "两三个月前": two numbers in a row are a range, not forty-five
_FEW_AGO = re.compile(
    r"(?P<n>[二三四五]?十几|几|一两|两三|三四|四五|五六|六七|七八|八九)\s*(?P<u>个?(?:天|日|周|星期|礼拜|月))\s*(?:之|以)?前")
_NUMBER_PAIR = re.compile(r"一两|两三|三四|四五|五六|六七|七八|八九")
# fixed words, longest first: (days back at the start, days back at the end)
_VAGUE_WINDOWS = [
    ("最近一段时间", (30, 0)), ("最近这段时间", (30, 0)), ("最近这阵子", (30, 0)), ("这段时间", (30, 0)),
    ("这阵子", (30, 0)), ("近期", (30, 0)), ("近来", (30, 0)),
    ("前一段时间", (30, 1)), ("前段时间", (30, 1)), ("前阵子", (30, 1)), ("前一阵子", (30, 1)),
    ("前一阵", (30, 1)), ("前些日子", (30, 1)), ("前些天", (7, 1)), ("前几天", (7, 1)), ("前两天", (7, 1)),
    ("这些天", (7, 0)), ("最近", (7, 0)),
    # Cantonese: 呢排/呢轮 = these days, 前排 = a while ago
    ("呢排", (30, 0)), ("呢轮", (30, 0)), ("前排", (30, 1)),
]
_FEW_DAYS = (1, 7)  # "前几天"/"几天前": yesterday back to a week ago
# A date in a promise or a wait is no date of the incident: "这两天给我回复", "说近期会处理",
# "要等到12月5号才到账", "让我等十五日再来". A period reaching today followed by what the bank will
# do, or a day without a year that lies ahead, after a wait
_PROMISED_AFTER = re.compile(
    r"^\s*(?:之内|以内|内)?\s*(?:"
    r"(?:就|会|才|再|将|能|可以|要|一定|肯定|保证)+\s*(?:给(?:我|您))?\s*"
    r"(?:到账|到|退|返|回复|答复|处理|联系|回电|打|通知|寄|解决|办|出结果|恢复|解冻|批)"
    r"|给(?:我|您)(?:回复|答复|处理|退|打电话|回电|办|结果|说法|解决)"
    r")(?![\u4e00-\u9fff]?了)"
)
_WAIT_BEFORE = re.compile(r"(?:等到|等至|要到|最晚|最迟|截止到?|预计|到时候?)\s*$")
# "等十五日", "十五日后": a number of days to wait, not the 15th
_WAIT_DAYS = re.compile(r"(?:等|过|再|隔|需要?|还要|得)\s*$")
# a period to be waited through: "等两周", "还要再等一个月", "这两周怎么过"
_WAITED_FOR = re.compile(r"(?:等|再等|要等|还要等|还得等|得等|需要等?|熬)\s*(?:上|个)?\s*$")
_STILL_AHEAD = re.compile(r"^\s*(?:怎么过|咋过|怎么办|咋办|怎么熬|才(?:能|到|寄|好|办)|(?:之|以)?后(?:才|再)|再说)")
_AROUND_AFTER = re.compile(r"\s*(?:的)?(?:前后|左右|上下|那阵子?|那段时间|附近)")
_SAID_BEFORE = re.compile(r"(?:说|讲|告诉我|通知我?|回复|答复)(?:了|说)?\s*[「『“\"‘':：,，]?\s*$")
_UNTIL_BEFORE = re.compile(r"(?:到|直到|截至|截止到?)\s*$")
_COME_BACK_BEFORE = re.compile(r"(?:等|等到|让我|叫我|说)\s*$")
_COME_BACK_AFTER = re.compile(r"^[^，。,!?！？]{0,6}(?:再来|再去|再办|来拿|来取|来办|上班)")
_DAYS_AHEAD = re.compile(r"^\s*(?:后|内|之内|以内|之后|以后|左右(?:就|才|再))")


def _ahead(t: str, m: re.Match, today: date, month: int, day: int) -> bool:
    """A month and day without a year that lie ahead this year, said as a wait or a promise
    ("要等到12月5号", "12月5号之前会到账"): not to be taken as last year's."""
    value = _safe_date(today.year, month, day)
    return bool(value and value > today and (
        _WAIT_BEFORE.search(t[: m.start()]) or _PROMISED_AFTER.match(re.sub(r"^\s*(?:之前|以前|前)", "", t[m.end():]))
    ))
_NEAREST = re.compile(r"离[^，。,!?！？]{0,8}$")


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


def _month_span(year: int, month: int, part: Optional[str] = None) -> Optional[Span]:
    if not 1 <= month <= 12:
        return None
    last = calendar.monthrange(year, month)[1]
    lo, hi = _MONTH_PART_DAYS.get(part or "", (1, last))
    return date(year, month, lo), date(year, month, min(hi, last))


def _year_span(year: int, part: Optional[str] = None) -> Span:
    lo, hi = _YEAR_PART_MONTHS.get(part or "", (1, 12))
    return date(year, lo, 1), date(year, hi, calendar.monthrange(year, hi)[1])


def _units_back(today: date, n: float, unit: str) -> Optional[date]:
    if unit.endswith(("天", "日")):
        return today - timedelta(days=int(n))
    if unit.endswith(("周", "星期", "礼拜")):
        return today - timedelta(days=int(7 * n))
    if unit.endswith("月"):
        return today - timedelta(days=15) if n == 0.5 else _months_back(today, int(n))
    if unit.endswith("年"):
        if n == 0.5:
            return today - timedelta(days=182)
        year = today.year - int(n)
        return _safe_date(year, today.month, today.day) or date(year, today.month, 28)  # 2月29日
    return None


def _few(n_txt: str) -> Tuple[int, int]:
    """"几" → 2–9 (a few); "十几" → 11–19; "二十几" → 21–29."""
    if n_txt == "几":
        return 2, 9
    if _NUMBER_PAIR.fullmatch(n_txt):
        return _cn_small_int(n_txt[0].replace("两", "二")) or 1, _cn_small_int(n_txt[1]) or 2
    tens = _cn_small_int(n_txt[:-1]) or 10  # "十" → 10, "二十" → 20
    return tens + 1, tens + 9


def _recent_count(n_txt: str, unit: str) -> Optional[float]:
    """How many units back "最近N天/近半年/这几天" reaches; "几" is a week of days, else 3 units."""
    if n_txt == "半":
        return 0.5
    if n_txt == "几":
        return 7 if unit in ("天", "日") else 3
    return _cn_small_int(n_txt)


def _exact_spans(t: str, today: date, add, free) -> None:
    """The day itself: 2026-11-08, 十一月八号, 上个月15号, 11/28, 三天前, 上周五, 昨天."""
    for m in _FULL_DATE.finditer(t):
        y = int("".join(_CN_PHONE_DIGITS.get(c, c) for c in m.group("y")))  # 二〇二六 → 2026
        mo, d = _cn_small_int(m.group("m")), _cn_small_int(m.group("d"))
        add(m, _safe_date(y, mo, d) if y and mo and d else None)
    for m in _MONTH_DAY.finditer(t):
        if free(m):
            mo, d = _cn_small_int(m.group("m")), _cn_small_int(m.group("d"))
            if mo and d and not m.group("rel") and _ahead(t, m, today, mo, d):
                add(m, None)
                continue
            add(m, _recent_year_date(today, mo, d, m.group("rel")) if mo and d else None)
    for m in _MONTH_LAST_DAY.finditer(t):
        if free(m):
            if m.group("rel"):
                first = _first_of_month_back(today, _rel_months(m.group("rel")))
                year, month = first.year, first.month
            else:
                month = _cn_small_int(m.group("m")) or 0
                year = today.year if 1 <= month <= today.month else today.year - 1
            span = _month_span(year, month) if 1 <= month <= 12 else None
            add(m, span[1] if span else None)
    for m in _REL_MONTH_DAY.finditer(t):
        if free(m):
            d = _cn_small_int(m.group("d"))
            add(m, _months_back(today, _rel_months(m.group("rel")), d) if d else None)
    for m in _SLASH_DATE.finditer(t):
        if free(m):
            if _ahead(t, m, today, int(m.group("m")), int(m.group("d"))):
                add(m, None)
                continue
            add(m, _recent_year_date(today, int(m.group("m")), int(m.group("d")), None))
    for m in _AGO.finditer(t):
        if free(m) and not _NUMBER_PAIR.fullmatch(m.group("n")):
            n = 0.5 if m.group("n") == "半" else _cn_small_int(m.group("n"))
            around = _units_back(today, n, m.group("u")) if n else None
            if around and n and "多" in m.group("u"):
                # "一个多礼拜前", "两个多月前": somewhere between n and n+1 units back
                add(m, _units_back(today, n + 1, m.group("u")), around)
            elif around and m.group("u") == "年":
                # "三年前开的户": years count in months; the year around it is the window
                add(m, around - timedelta(days=182), min(today, around + timedelta(days=182)))
            elif around and n and m.group("u").endswith("月") and n >= 1 and _SAID_ROUGHLY.search(t):
                # "大概一个月前吧，确切日期我忘了": months said roughly count in weeks, not to the day;
                # the window around it is filed unless the customer names the day
                add(m, around - timedelta(days=10), min(today, around + timedelta(days=10)))
            elif around and n and n >= 2 and m.group("u").endswith(("周", "星期", "礼拜")) and _SAID_ROUGHLY.search(t):
                # "差不多三个礼拜前交的，具体几号忘记了": weeks said roughly are a window of a week
                add(m, around - timedelta(days=3), min(today, around + timedelta(days=3)))
            else:
                add(m, around)
    # "等周一网点上班再来拿，我周一去了又说…": the day the customer was told to come back, and every
    # bare mention of it after, is a later step of the story, not when it happened
    told_back = {m.group("w") for m in _WEEKDAY.finditer(t)
                 if not m.group("rel") and _COME_BACK_BEFORE.search(t[: m.start()])
                 and _COME_BACK_AFTER.match(t[m.end():])}
    for m in _WEEKDAY.finditer(t):
        if free(m):
            if not m.group("rel") and m.group("w") in told_back:
                add(m, None)
                continue
            add(m, _weekday(today, m.group("rel") or "", _WEEKDAYS[m.group("w")]))
    for m in _MINUTES_AGO.finditer(t):
        if free(m):
            # "半小时前", "二十分钟前", "三个多钟头前", "just now": today (a day or more of hours counts back)
            hours = (_cn_small_int(m.group("n")) or 0) if m.group("u") in ("小时", "钟头") and m.group("n") != "半" else 0
            add(m, today - timedelta(days=int(hours // 24)))
    for word, delta in _RELATIVE_DAYS:
        for m in re.finditer(word, t):
            if free(m) and delta is not None:
                if delta == 0 and (_SAID_BEFORE.search(t[: m.start()]) or _UNTIL_BEFORE.search(t[: m.start()])):
                    # "保安说今天结账早": the day of the guard's words, told the next day; "这个月到今儿个
                    # 都没见着": how long it has lasted, not when it happened
                    add(m, None)
                    continue
                add(m, today + timedelta(days=delta))


def _recent_year_date(today: date, month: int, day: int, rel: Optional[str]) -> Optional[date]:
    """A month and day without a year: this year's, or last year's when still to come."""
    year = today.year - {"去年": 1, "前年": 2}.get(rel or "", 0)
    value = _safe_date(year, month, day)
    if value and value > today and not rel:
        value = _safe_date(year - 1, month, day)
    return value


def _rel_months(rel: str) -> int:
    return 2 if rel.startswith("上上") else 1 if rel.startswith("上") else 0


def _weekday(today: date, rel: str, wd: int) -> Optional[date]:
    monday = today - timedelta(days=today.weekday())
    if rel.startswith("上上"):
        value = monday - timedelta(days=14) + timedelta(days=wd)
    elif rel.startswith("上"):
        value = monday - timedelta(days=7) + timedelta(days=wd)
    else:
        value = monday + timedelta(days=wd)
        if value > today and not rel:  # a bare "周五" said on a Tuesday is last Friday
            value -= timedelta(days=7)
    return value if value <= today else None


def _period_spans(t: str, today: date, lenient: bool, add, free) -> None:
    """Windows for a customer who knows roughly when: 上个月, 月初, 上周, 去年底, 最近, 几天前."""
    for m in _FEW_AGO.finditer(t):
        if free(m):
            lo, hi = _FEW_DAYS if m.group("n") == "几" and m.group("u") in ("天", "日") else _few(m.group("n"))
            first, last = _units_back(today, hi, m.group("u")), _units_back(today, lo, m.group("u"))
            add(m, first, last)
    for m in _RECENT_N.finditer(t):
        if free(m):
            unit = m.group("u").replace("多", "")
            n = _recent_count(m.group("n"), unit)
            if n and m.group("u") == "个多月":
                n += 1  # "一个多月": up to two months back
            add(m, _units_back(today, n, unit) if n else None, today)
    for m in _MONTH_PERIOD.finditer(t):
        if free(m) and m.group("m") != "两":  # "两月" is two months, never February
            add(m, *(_month_period(today, m) or (None, None)))
    for m in _REL_MONTH_PERIOD.finditer(t):
        if free(m):
            first = _first_of_month_back(today, _rel_months(m.group("rel")))
            add(m, *(_month_span(first.year, first.month, m.group("part")) or (None, None)))
    for m in _BARE_MONTH_PART.finditer(t):
        if free(m):
            span = m.group("part") or m.group("xun")
            add(m, *_latest(today, lambda back, span=span: _month_span_back(today, back, span)))
    for m in _YEAR_PERIOD.finditer(t):
        if not free(m):
            continue
        rel, part = m.group("rel"), m.group("part") or m.group("bpart")
        if rel:
            if part or lenient:  # a bare "去年" in a complaint is background ("去年办的卡")
                add(m, *_year_span(today.year - {"今年": 0, "去年": 1, "前年": 2}[rel], part))
            else:
                add(m, None)
        else:
            add(m, *_latest(today, lambda back, part=part: _year_span(today.year - back, part)))
    for m in _WEEK_PERIOD.finditer(t):
        if free(m) and (m.group("rel") or m.group("part")):
            add(m, *_week_span(today, m.group("rel") or "", bool(m.group("part"))))
    for word, (start_back, end_back) in _VAGUE_WINDOWS:
        for m in re.finditer(word, t):
            if not free(m):
                continue
            if _NEAREST.search(t[: m.start()]) or t[m.end(): m.end() + 1] == "的":
                add(m, None)  # "最近的网点", "离我家最近": nearest, not recent
            else:
                add(m, today - timedelta(days=start_back), today - timedelta(days=end_back))


def _month_period(today: date, m: re.Match) -> Optional[Span]:
    month = _cn_small_int(m.group("m"))
    if not month or not 1 <= month <= 12:
        return None
    part = m.group("part")
    if m.group("y"):
        year = int("".join(_CN_PHONE_DIGITS.get(c, c) for c in m.group("y")))
        return _month_span(year, month, part)
    if m.group("yrel"):
        return _month_span(today.year - {"今年": 0, "去年": 1, "前年": 2}[m.group("yrel")], month, part)
    # no year: this year's, or last year's when it has not begun yet ("12月" said in November)
    first, last = _latest(today, lambda back: _month_span(today.year - back, month, part))
    return (first, last) if first and last else None


def _month_span_back(today: date, back: int, part: Optional[str]) -> Optional[Span]:
    first = _first_of_month_back(today, back)
    return _month_span(first.year, first.month, part)


def _first_of_month_back(today: date, back: int) -> date:
    """The 1st of the month `back` months before today's."""
    year, month0 = divmod(today.year * 12 + today.month - 1 - back, 12)
    return date(year, month0 + 1, 1)


def _latest(today: date, span_back) -> Tuple[Optional[date], Optional[date]]:
    """The most recent of this period and the one before (a bare "月底" said on the 5th is last
    month's end; "年底" said in March is last year's)."""
    span = span_back(0)
    if span is None or span[0] > today:
        span = span_back(1)
    return span if span is not None else (None, None)


def _week_span(today: date, rel: str, weekend: bool) -> Span:
    monday = today - timedelta(days=today.weekday())
    back = 14 if rel.startswith("上上") else 7 if rel.startswith("上") else 0
    first = monday - timedelta(days=back)
    if weekend:
        first += timedelta(days=5)
        if first > today and not rel:  # a bare "周末" said on a weekday is the last one
            first -= timedelta(days=7)
        return first, first + timedelta(days=1)
    return first, first + timedelta(days=6)


# words that make a count of months rough ("大概一个月前", "一个月前左右，具体哪天忘了")
_SAID_ROUGHLY = re.compile(r"大概|大约|差不多|左右|好像|估计|记不清|忘了|不记得|具体(?:哪天|日期)|确切|吧")
# the shopping festivals people date things by ("双十一那天放的款")
_SHOPPING_DAYS = re.compile(r"双(?:十一|11|十二|12)(?![\d一二])")
_SHOPPING_DAY_DATES = {"十一": "11月11日", "11": "11月11日", "十二": "12月12日", "12": "12月12日"}
# a date in English inside a Chinese message ("due date是Nov 25", "on 3rd December"): month and day
_EN_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_EN_MONTH = (r"(?P<mon>(?:[Jj]an(?:uary)?|[Ff]eb(?:ruary)?|[Mm]ar(?:ch)?|[Aa]pr(?:il)?|May|[Jj]une?|[Jj]uly?|"
             r"[Aa]ug(?:ust)?|[Ss]ep(?:t|tember)?|[Oo]ct(?:ober)?|[Nn]ov(?:ember)?|[Dd]ec(?:ember)?)\.?)(?![a-z])")
_EN_DATE = re.compile(
    r"(?<![A-Za-z])" + _EN_MONTH + r"\s*(?P<d>\d{1,2})(?:st|nd|rd|th)?(?!\d)"
    r"|(?<![\dA-Za-z])(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s*(?:of\s+)?" + _EN_MONTH.replace("mon>", "mon2>") + r"(?![a-z])"
)


def _english_dates(t: str) -> str:
    def month_day(m: re.Match) -> str:
        month = (m.group("mon") or m.group("mon2"))[:3].lower()
        return f"{_EN_MONTHS.index(month) + 1}月{int(m.group('d') or m.group('d2'))}日"
    return _EN_DATE.sub(month_day, t)


# what follows a day that is no incident: a deadline ("今天是交学费最后一天", "明天截止") or a
# question whether the bank is open then ("你们那个网点礼拜天有没有开门？")
_DEADLINE_AFTER = re.compile(r"(?:就|是|已经是)?[^，。,!?！？]{0,8}(?:最后一天|截止|的期限|到期日|的最后期限)")
_DISCOVERY_DAY_AFTER = re.compile(r"是我(?:看|收到|发现|查|打电话|问)[^，。,!?！？]{0,8}(?:的日子|那天|的时候)")
_OPENING_ASKED = re.compile(r"[^，。,!?！？]{0,4}(?:(?:有没有|能不能)(?:开门|营业|上班|办公|人)|开不开门|营不营业|上不上班|办不办公"
                           r"|(?:开门|营业|上班|办公)(?:吗|么|不|没有?)\s*[?？]?)")


def _date_mentions(text: str, today: date, lenient: bool) -> List[Tuple[int, date, date]]:
    """(position, first day, last day) of every date or period mentioned, in text order; spans
    may reach into the future (callers decide). Exact forms are read first, so "上个月15号" is a
    day and not the month."""
    t = _english_dates(_SHOPPING_DAYS.sub(lambda m: _SHOPPING_DAY_DATES[m.group(0)[1:]], normalize(text)))
    out: List[Tuple[int, date, date]] = []
    taken: List[Tuple[int, int]] = []

    def free(m: re.Match) -> bool:
        return all(m.end() <= s or m.start() >= e for s, e in taken)

    def add(m: re.Match, first: Optional[date], last: Optional[date] = None) -> None:
        taken.append((m.start(), m.end()))
        if first is None:
            return
        last = last if last is not None else first
        if first == last and _AROUND_AFTER.match(t[m.end():]):
            # "双十二前后", "11月20号左右": a week either side, a rough time and no day
            first, last = first - timedelta(days=7), last + timedelta(days=7)
        if last >= today and _PROMISED_AFTER.match(t[m.end():]):
            return  # "这两天给我回复", "说近期会处理": what the bank will do, not when it happened
        if first != last and (_WAITED_FOR.search(t[: m.start()]) or _STILL_AHEAD.match(t[m.end():])):
            return  # "要不就等两周寄过来", "这两周怎么过": a time to wait through, not the incident
        if _DEADLINE_AFTER.match(t[m.end():]) or _OPENING_ASKED.match(t[m.end():]) or _DISCOVERY_DAY_AFTER.match(t[m.end():]):
            return  # "今天是交学费最后一天", "礼拜天有没有开门？", "昨天是我看短信的日子": not the incident
        out.append((m.start(), first, last))

    _exact_spans(t, today, add, free)
    _period_spans(t, today, lenient, add, free)
    if lenient:
        # "11.28" as the answer to "哪天？": month.day typed with a full stop (in a story the same
        # form is a rate or a sum: "年化3.5", "扣了12.5")
        for m in _DOT_DATE.finditer(t):
            if free(m):
                mo, d = int(m.group("m")), int(m.group("d"))
                add(m, None if _ahead(t, m, today, mo, d) else _recent_year_date(today, mo, d, None))
    if lenient or not out:
        # "8号" alone: this month, or last month when the day is still to come
        for m in _DAY_ONLY.finditer(t):
            if not free(m):
                continue
            if not lenient and not re.search(r"(在|于|是|那天|当天)\s*$", t[: m.start()]):
                continue
            counted = m.group(0).rstrip().endswith("日") and (
                _WAIT_DAYS.search(t[: m.start()]) or _DAYS_AHEAD.match(t[m.end():]))
            if counted or _WAIT_BEFORE.search(t[: m.start()]):
                add(m, None)  # "让我等十五日再来": fifteen days, not the 15th; "等到8号": ahead
                continue
            day = _cn_small_int(m.group("d"))
            value = _safe_date(today.year, today.month, day) if day else None
            if value and value > today:
                value = _months_back(today, 1, day)
            add(m, value)
    return sorted(out)


def _event_span(text: str, today: date, lenient: bool) -> Optional[Span]:
    """The span of the complained-about event: the earliest mention that has begun, cut at today
    ("上周五被扣款，今天去问" → 上周五). A period gives way to an exact day mentioned inside it
    ("最近老扣费，昨天又扣了" → 昨天): the day is what the agent searches by."""
    mentions = _without_earlier_steps(
        text, [(at, a, min(b, today)) for at, a, b in _date_mentions(text, today, lenient) if a <= today])
    spans = [(a, b) for _, a, b in mentions]
    if not spans:
        return None
    first = min(spans)
    inside = [a for a, b in spans if a == b and first[0] <= a <= first[1]]
    if inside:
        return (min(inside),) * 2
    if lenient and first[0] != first[1]:
        # an answer with a rough time and an exact day ("头一笔是年初扣的，多扣那笔是12月1号", "去年买
        # 的，到期是11月15号"): the day is the disputed event's, unless its clause tells of a later step
        # ("上个月扣的，昨天去网点问的")
        t = normalize(text)
        days = [a for at, a, b in mentions if a == b and not _LATER_STEP.search(_clause_at(t, at))]
        if days:
            return (min(days),) * 2
    return first  # type: ignore[return-value]


# a step the customer took before the event, told with its own day: the booking, the listing, the
# money put in ready ("前天就打电话预约了今天取", "二十号是挂出去那天", "我24号就把钱存进去了")
_EARLIER_STEP = re.compile(r"预约|约好|约了|挂(?:出去|上去)|存进去|存进了|存好了|转进去|提前(?:存|转)")


def _without_earlier_steps(text: str, mentions: List[Tuple[int, date, date]]) -> List[Tuple[int, date, date]]:
    """The mentions left when the days of earlier steps give way to the day of the event: only
    when another day is told of that is neither such a step nor a later one (a day found out on
    is no event: "上个月存进去的钱，昨天发现少了" keeps 上个月)."""
    if len(mentions) < 2:
        return mentions
    t = normalize(text)
    starts = sorted(at for at, _, _ in mentions)

    def stretch(at: int) -> str:
        # from the day to the next day mentioned or the clause's end, whichever comes first
        clause = _clause_at(t, at)
        end = min([s for s in starts if s > at] + [at + len(clause)])
        return t[at:end]

    prep = {at for at, _, _ in mentions if _EARLIER_STEP.search(stretch(at))}
    kept = [m for m in mentions if m[0] not in prep]
    if prep and any(not _LATER_STEP.search(stretch(at)) for at, _, _ in kept):
        return kept
    return mentions


# what the customer did after the event, in the clause of a day: asked, went, called, found out
_LATER_STEP = re.compile(
    r"发现|看到|看见|才知道|知道|问|咨询|打(?:了)?(?:电话|客服|热线|过去)|投诉|反映|报警|找|查|"
    r"(?:去|到|跑)(?:了)?(?:网点|银行|支行|分行|柜台|营业厅|营业部)"
)


def _clause_at(t: str, at: int) -> str:
    left = max((m.end() for m in _CLAUSE_SPLIT.finditer(t, 0, at)), default=0)
    right = next((m.start() for m in _CLAUSE_SPLIT.finditer(t, at)), len(t))
    return t[left:right]


def _format_span(span: Optional[Span]) -> Optional[str]:
    if span is None:
        return None
    first, last = span
    return first.isoformat() if first == last else f"{first.isoformat()}/{last.isoformat()}"


def find_date(text: str, today: date) -> Optional[str]:
    """When the complained-about thing happened, mentioned in passing: an ISO date
    "2026-11-21", or for a rough time an ISO 8601 interval "2026-10-01/2026-10-31", or None."""
    return _format_span(_event_span(text, today, lenient=False))


def parse_date(text: str, today: date) -> Optional[str]:
    """The answer to "大概是哪天？": as ``find_date``, also a bare "8号" or "去年"."""
    return _format_span(_event_span(text, today, lenient=True))


def mentions_future_date(text: str, today: date) -> bool:
    return any(a > today for _, a, _ in _date_mentions(text, today, lenient=True))


def _span_of(value: Any) -> Optional[Span]:
    """"2026-11-28" or "2026-11-01/2026-11-30" → (first, last); anything else → None."""
    if not isinstance(value, str):
        return None
    first, sep, last = value.partition("/")
    try:
        span = (date.fromisoformat(first), date.fromisoformat(last if sep else first))
    except ValueError:
        return None
    return span if span[0] <= span[1] else None


def is_period(value: Any) -> bool:
    """An interval of days ("2026-11-01/2026-11-30": 上个月), not one day."""
    span = _span_of(value)
    return span is not None and span[0] != span[1]


def holds_the_day(period: Any, day: Any) -> bool:
    """``period`` is an interval that holds the whole of ``day`` ("上个月" holds 11月20号)."""
    outer, inner = _span_of(period), _span_of(day)
    return outer is not None and inner is not None and outer[0] <= inner[0] and inner[1] <= outer[1]


def is_valid_date(value: Any, today: date) -> bool:
    """A date or an interval of dates (first <= last) that has ended by today."""
    span = _span_of(value)
    return span is not None and span[1] <= today


def describe_date(value: Any) -> str:
    """Plain Chinese for the read-back: "2026年11月28日", "2026年11月1日至11月30日之间"."""
    span = _span_of(value)
    if span is None:
        return str(value)
    first, last = span
    head = f"{first.year}年{first.month}月{first.day}日"
    if first == last:
        return head
    tail = f"{last.month}月{last.day}日" if last.year == first.year else f"{last.year}年{last.month}月{last.day}日"
    return f"{head}至{tail}之间"


# ---------------------------------------------------------------------------------------------
# name
# ---------------------------------------------------------------------------------------------

_COMPOUND_SURNAMES = list(COMPOUND_SURNAMES)
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左"
    "柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶"
    "解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟"
    "邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班"
    "储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国"
    "狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹阎"
    "诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由洪赖钮郦鄂雒翦竺"
    "傅丘凤昌畅萧蔚贝缑蒯"  # 傅 is among the hundred commonest surnames
)
_NAME_CUE = re.compile(
    # 俺/咱 are how many northern and rural customers say 我 ("俺叫马长贵"), 吾 Shanghai's; 我系 is Cantonese
    r"(?:(?:我|俺|咱|吾)(?:的)?(?:名字|姓名)(?:是|叫)?|名字(?:是|叫)|姓名(?:是|叫)?|(?:我|俺|咱|吾)(?:叫|是|系)|叫(?:我|俺)|本人(?:是|叫)?|"
    r"这里是|这边是|免贵姓\S?叫|免贵|(?:名字|姓名)(?:就)?(?:写|填|记)(?:成|作|为)?)\s*[:：]?\s*"
)
# "我姓王", "免贵姓李", "姓王，叫王芳": the customer's own surname; not a third person's ("那个柜员
# 姓王") nor the 姓 of a word ("老百姓钱也敢骗", "同姓")
_SURNAME_CUE = re.compile(
    r"(?:(?:免贵|我(?:就|也)?|本人|鄙人|俺)\s*姓|(?:^|(?<=[，,。.!！?？;；:：\s]))(?:嗯|哦|噢)?\s*(?:是)?姓)"
    r"\s*(?P<s>[\u4e00-\u9fff]{1,2})"
)
# characters that end a name when they follow it in running text
_NAME_STOP_WORDS = (
    "电话", "手机", "号码", "联系", "今天", "昨天", "前天", "上周", "上个月", "刚才", "家住", "住在",
    "投诉", "反映", "来自", "因为", "想要", "要求", "希望", "你们", "您好", "客户", "先生的", "女士的",
    "就行", "就好", "就可以", "即可", "不叫", "不是",
)
_NAME_STOP_CHARS = set("也却都没从还又的在是我你他她它了吗呢吧啊呀哦嗯哈电手号想要不就，。！？,.!?;；:：、 0123456789")
# what a customer may ask to be called after "叫我…就行" even without a surname ("胖哥", "王姐")
_NICKNAME = re.compile(r"[\u4e00-\u9fff]{1,2}(?:哥|姐|叔|姨|爷|总|工|师傅)")
# a correction of the name field: "名字不对，应该是王小明", "是李静不是李晶"
_NAME_FIELD = re.compile(r"名字|姓名|称呼")
_NAME_FIELD_VALUE = re.compile(r"(?:应该是|改成|改为|写成|是|叫)\s*(?P<v>[\u4e00-\u9fff]{2,4})")
_NOT_NAMES = {
    "客户", "老客户", "本人", "用户", "储户", "持卡人", "消费者", "你们", "这里", "那个", "投诉",
    "你好", "您好", "谢谢", "不是", "没有", "知道", "不知道", "就是", "那个人", "银行", "经理",
    "不对", "对的", "好的", "可以", "算了", "什么", "怎么", "为什么", "不好", "不行", "人工",
    "明白", "明白了", "收到", "晓得",
    # what collectors call a debtor, not a surname 赖
    "老赖",
    # what the customer does, not who they are ("我是老师，第二天家长群里都传开了")
    "老师", "教师", "医生", "护士", "司机", "会计", "律师", "记者", "警察", "民警", "农民", "工人",
    "师傅", "老板", "店主", "厨师", "保安", "保姆", "军人", "公务员", "程序员", "快递员", "外卖员",
}
_HONORIFIC = ("先生", "女士", "小姐", "阿姨", "叔叔", "大爷", "大妈", "老师", "老板", "师傅", "大姐", "大哥")
# a job said after a surname as a form of address (刘律师, 王医生, 陈经理)
_JOB_TITLES = ("律师", "医生", "大夫", "经理", "主任", "工程师", "会计", "护士", "教授", "科长", "处长", "局长", "老总", "总监", "博士")


# who the customer is or what a field is called, never a name ("我是公司负责人", "金额是…")
_NOT_NAME_WORDS = re.compile(
    r"公司|负责|法人|老板|学生|儿子|女儿|家属|客户|员工|退休|个体|商户|金额|钱数|数额|钱款|电话|手机|地址|时间|日期|网点|支行"
    # a character spelt by its radical ("门字框里一个臽的阎", "王字旁"): no name
    r"|字框|字旁|字头|字底|字边|偏旁"
)


_WEEKDAY_WORD = re.compile(r"周[一二三四五六七日天末]")
# 谢 is a surname ("谢宇航", "谢娜"), but not in thanks ("谢谢您", "谢天谢地")
_THANKS = re.compile(r"谢(?:谢|啦|了|您|你|咯|过|天谢地|大家|各位|喇|晒)")

# Names of the Uyghur, Kazakh, Tibetan… way, written with a middle dot ("艾力·买买提",
# "阿依古丽•吐尔逊"): the dot comes in many forms and is stored as "·". An ASCII full stop or a
# dash between two runs ("迪丽热巴.迪力木拉提") is taken for the dot only where the two runs look like
# a name: no character of an everyday reply ("收到.谢谢", "你好.我要投诉")
_MIDDLE_DOTS = "·•・‧∙⋅"
_DOTTED_NAME = re.compile(r"[\u4e00-\u9fff]{1,8}(?:·[\u4e00-\u9fff]{1,10}){1,2}")
_DOTTED_NAME_BAN = set("我你他她它们的了吗呢吧啊呀哦嗯")
_LOOSE_DOT_BAN = _DOTTED_NAME_BAN | set(
    "好谢到收行对是在有没也就还要想去说问请投诉快点钱卡银行电话号码下再见明白知道可以帮什么怎为算")
_LOOSE_DOT = re.compile(
    r"(?:(?<=^)|(?<=[，,。!！?？;；:：\s])|(?<=叫)|(?<=是))([\u4e00-\u9fff]{2,8})\s*[.．\-—]\s*"
    r"([\u4e00-\u9fff]{2,10})(?=$|[，,。!！?？;；\s]|\d)"
)


_CUE_THEN_REST = re.compile(r"(.*(?:叫|是|名字|姓名|本人)|)(.*)")


def _dot_names(t: str) -> str:
    """Every form of a name's middle dot as "·"."""
    t = re.sub(rf"(?<=[\u4e00-\u9fff])\s*[{_MIDDLE_DOTS}]\s*(?=[\u4e00-\u9fff])", "·", t)

    def loose(m: re.Match) -> str:
        # "我叫迪丽热巴.迪力木拉提": the name starts after the cue
        parts = _CUE_THEN_REST.match(m.group(1))
        assert parts is not None  # both groups may be empty: it matches any text
        cue, first = parts.groups()
        name = first + m.group(2)
        if len(first) < 2 or len(name) < 5 or any(c in _LOOSE_DOT_BAN for c in name):
            return m.group(0)
        return f"{cue}{first}·{m.group(2)}"

    return _LOOSE_DOT.sub(loose, t)


def _dotted_name(candidate: str) -> bool:
    return bool(_DOTTED_NAME.fullmatch(candidate)) and not any(c in _DOTTED_NAME_BAN for c in candidate) \
        and not _NOT_NAME_WORDS.search(candidate)


_TIME_WORD_AFTER_PREPOSITION = re.compile(r"前年|去年|今年|近日|日前|昨日|今日|本月|上月|当日|当天|近期|[一二三四五六七八九十\d]+月")


def _looks_like_name(candidate: str) -> bool:
    if not candidate or candidate in _NOT_NAMES or _NOT_NAME_WORDS.search(candidate):
        return False
    if "·" in candidate:
        return _dotted_name(candidate)
    if _THANKS.match(candidate) or re.match(r"[那这](?:个|位|些|边|里|天|时|次|会)", candidate):
        return False  # "谢谢您"; "那个柜员姓王" is someone else
    if len(candidate) == 4 and len(set(candidate)) <= 2:  # 陆陆续续, 高高兴兴
        return False
    # "周一" is a day; "我是来闹事的", "本人来签字" are verbs (来 as a surname is too rare to risk)
    if _WEEKDAY_WORD.match(candidate) or candidate[0] in "来去":
        return False
    # "本人于前年在贵行购买…": 于/在/自 before a time word is a preposition of formal writing
    if candidate[0] in "于在自" and _TIME_WORD_AFTER_PREPOSITION.match(candidate, 1):
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


# "我本人成晚喺屋企瞓覺", "本人一直在家", "本人平时不用这张卡": 本人 (myself) before an adverb or a
# verb phrase stresses who did what; it introduces no name (成, 平, 明, 曾, 常, 全, 向, 尚, 马 are
# surnames too)
_SELF_ADVERB = re.compile(
    r"成(?:晚|夜|日|天|朝)|整(?:晚|夜|天|日)|一(?:直|向|早|整)|从(?:来|未|没)|根本|压根|完全|确实|绝对|始终|"
    r"平(?:时|常|日)|常(?:年|常|住)|向来|明明|曾经|曾(?=在|去|到|办|用|有|被|经)|尚未|当(?:时|晚|天|日)|全(?:程|都|部)|亲自|马上|早(?:就|已)|"
    r"正在|已经|刚(?:刚|才)?|那(?:天|晚|时)|都|也|还|又|在|喺|系|是|就|没|冇|未|不|并|只|人(?:在|喺)"
)


# after 叫我 + two characters, what makes them a deed, not a name ("叫我白跑了", "叫我等着")
# what staff told the customer to do, said right after 叫我/叫俺: no name ("叫俺明天再来", "叫我先回去等")
_TOLD_TO = re.compile(r"明天|后天|今天|下次|改天|过几天|过两天|下周|下个月|再来|再去|再等|先|等着?|去|回|到|把|别|不要|自己|重新|换个?|拿|带|填|签")
_MADE_TO_DO = re.compile(r"了|过(?!来)|着|一趟|一回|一次|几趟|几回|半天|[\u4e00-\u9fff]?[里公]地|回去|过去")


def _find_name(t: str) -> Optional[str]:
    """A name the customer introduces ("我叫王建国", "免贵姓李，叫李娜", "我是陈先生")."""
    for m in _NAME_CUE.finditer(t):
        rest = t[m.end():]
        dotted = _DOTTED_NAME.match(rest)
        if dotted and _dotted_name(dotted.group(0)):
            return dotted.group(0)
        latin = re.match(r"[A-Za-z][A-Za-z .'-]{1,19}[\u4e00-\u9fff]?", rest)
        if latin and _looks_like_name(latin.group(0).strip()):
            return latin.group(0).strip()
        run = re.match(r"[\u4e00-\u9fff]{1,8}", rest)
        if not run:
            continue
        if m.group(0).strip().startswith("本人") and (
            re.search(r"(?:须|要|得|让|请|需|是|非)\s*$", t[max(0, m.start() - 2): m.start()])
            or (run.group(0)[:1] not in _SURNAMES and not any(run.group(0).startswith(c) for c in _COMPOUND_SURNAMES))
            or (m.group(0).strip() == "本人" and _SELF_ADVERB.match(run.group(0)))
        ):
            continue  # "必须本人来刷脸", "要本人去网点": in person, not a name; "我本人成晚喺屋企": an alibi
        candidate = _cut_name(run.group(0))
        if re.match(r"(?:的)?(?:客户|用户|会员|储户|持卡人|卡户|老用户)", rest[len(candidate):]):
            continue  # "俺是金卡客户", "我是白金会员": what kind of customer, not who
        if m.group(0).strip().startswith(("叫我", "叫俺")) and (
                _MADE_TO_DO.match(rest, len(candidate)) or _TOLD_TO.match(candidate)):
            continue  # "柜员叫我白跑了三十里地", "叫俺明天再来": what the customer was made or told to do
        if _bare_full_name(run.group(0)) and not _NICKNAME.fullmatch(run.group(0)):
            return run.group(0)  # "我叫李想": the whole clause is the name, 想 and all
        if _looks_like_name(candidate):
            return candidate
        if m.group(0).startswith("叫我") and _NICKNAME.fullmatch(candidate):
            return candidate
    if _NAME_FIELD.search(t):
        for m in _NAME_FIELD_VALUE.finditer(re.sub(r"不(?:是|叫)\s*[\u4e00-\u9fff]{1,4}", "", t)):
            candidate = _cut_name(m.group("v"))
            if _looks_like_name(candidate):
                return candidate
    called = re.search(r"叫\s*([\u4e00-\u9fff]{2,4})", t)
    if called and _SURNAME_CUE.search(t):  # "免贵姓李，叫李娜"
        candidate = _cut_name(called.group(1))
        if _looks_like_name(candidate):
            return candidate
    said = _SURNAME_CUE.search(t)
    if said:
        s = said.group("s")
        surname = s if s in _COMPOUND_SURNAMES else s[0] if s[0] in _SURNAMES else None
        if surname:
            # "我姓周，周小燕": the full name, when it follows the surname on its own
            after = re.search(rf"(?:^|[，,。\s])({re.escape(surname)}[\u4e00-\u9fff]{{1,2}})(?:$|[，,。！!\s])",
                              t[said.end():])
            if after and _looks_like_name(after.group(1)):
                return after.group(1)
            return surname
    return None


# the number of characters said ("就这五个字", "一共四个字"): a name longer than Han names run, whole
# (two or three too: "岩温，我是傣族，就两个字" — a surname no list holds, told by its length)
_NAME_LENGTH_SAID = re.compile(r"(?:就这|一共|总共|共|是|就是|名字|就|只有)?(?P<n>[两二三四五六七八2-8])个字(?!的(?:复)?姓)")


def _stated_length_name(t: str) -> Optional[str]:
    said = _NAME_LENGTH_SAID.search(t)
    if not said:
        return None
    n = int(said.group("n")) if said.group("n").isdigit() else int(cn_number(said.group("n")) or 0)
    if n <= 3 and said.start("n") == said.start():
        return None  # "两个字" said of something else; a short name only with 就/只有/一共 before
    first = re.match(r"[\u4e00-\u9fff]+", t.strip(_PUNCT + " "))
    if first and len(first.group(0)) == n and not _NOT_NAME_WORDS.search(first.group(0)):
        return first.group(0)
    # "我叫乌云其其格，五个字": the length is the name's after a self-introduction
    intro = re.match(r"(?:我|俺|本人)(?:的名字|的姓名)?(?:叫做|名叫|叫|是)([\u4e00-\u9fff]+)", t.strip(_PUNCT + " "))
    if intro and len(intro.group(1)) == n and not _NOT_NAME_WORDS.search(intro.group(1)):
        return intro.group(1)
    return None


# the Chinese name beside an English one ("My name is Ethan, 中文叫黄一凡"): the one a Chinese bank files
_CHINESE_NAME_CUE = re.compile(r"中文(?:名字?|全名)?(?:是|叫|为|[:：])\s*(?P<v>[\u4e00-\u9fff]{2,4})")
# a business customer names the company, then the person to contact, often by their post
# ("公司名称是…有限公司，联系人是我，财务周敏", "单位是…，我是出纳刘晓燕"): the person is the name
_POSTS = "财务|出纳|会计|行政|文员|店长|经理|主管|负责人|老板娘|老板|法人|厂长|经办人"
_CONTACT_PERSON_CUE = re.compile(
    rf"(?:联系人|经办人|对接人)(?:是|写|填|叫|为|就是)?\s*(?:我)?\s*[，,：:\s]*(?:(?:{_POSTS})\s*)?(?P<v>[\u4e00-\u9fff]{{2,4}})"
    rf"|(?:我是|我系|本人是)(?:公司|单位|厂里|店里|我们公司|我们单位|我们厂)?的?(?:{_POSTS})\s*(?P<w>[\u4e00-\u9fff]{{2,4}})"
)
# an organisation's name, which holds a place or a word that reads like a name ("杭州瑞丰五金贸易有限公司")
ORGANISATION = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{2,24}?(?:有限责任公司|股份有限公司|有限公司|公司|集团|工厂|厂|商行|门市部|工作室|合作社|个体户)")


def _parse_name(t: str) -> Optional[str]:
    """The answer to "请问您怎么称呼？": also a bare "王建国" or "李女士"."""
    relative = _FOR_A_RELATIVE.match(t)
    if relative:
        t = t[relative.end():]
    contact = _CONTACT_PERSON_CUE.search(t)
    if contact:
        candidate = _cut_name(contact.group("v") or contact.group("w"))
        if _looks_like_name(candidate):
            return candidate
    chinese = _CHINESE_NAME_CUE.search(t)
    if chinese:
        candidate = _cut_name(chinese.group("v"))
        if _looks_like_name(candidate) or _bare_full_name(chinese.group("v")):
            return candidate if _looks_like_name(candidate) else chinese.group("v")
    whole = _stated_length_name(t)
    if whole:
        return whole
    found = _find_name(t)
    if found:
        return found
    t = t.strip(_PUNCT + " ")
    latin = _LATIN_NAME.fullmatch(t)
    if latin and not _ENGLISH_WORDS.intersection(latin.group(1).lower().split()):
        return latin.group(1) if latin.group(1)[:1].isupper() or " " in latin.group(1) else None
    asked_back = t.endswith("呢")  # "钱呢" asks where the money is
    t = re.sub(r"(吧|呀|啊|哦|呢|就行|就好|就可以|即可)$", "", t)
    if (t in _SURNAMES or t in _COMPOUND_SURNAMES) and not asked_back:  # just "王"
        return t
    for part in re.split(r"[，,。.!！\s]+", t):
        if "·" in part and _dotted_name(part):
            return part
        latin_part = bool(re.fullmatch(r"[A-Za-z][A-Za-z'-]*", part))
        candidate = _cut_name(part) if len(part) > 4 and not latin_part else part
        if candidate != part and len(candidate) == 4 and not any(candidate.startswith(c) for c in _COMPOUND_SURNAMES):
            continue  # four characters cut from a longer clause are words ("严重影响了我的生活")
        if re.match(r"[a-z]", candidate) or (latin_part and part.lower() in _ENGLISH_WORDS):
            continue  # a bare Latin answer is a name when written like one ("Amy", not "hre")
        if _looks_like_name(candidate) or _bare_full_name(part):
            return candidate if _looks_like_name(candidate) else part
    # a form of address to file under instead of a name ("名字不方便说，你就登记史老板", "写张师傅吧")
    for part in re.split(r"[，,。.!！\s]+", t):
        m = _ADDRESS_TO_FILE.search(part)
        if m and (m.group("surname") in _SURNAMES or m.group("surname") in _COMPOUND_SURNAMES):
            return m.group("surname") + m.group("title")
    return None


_ADDRESS_TO_FILE = re.compile(
    rf"(?:^|登记|写|记|叫我|称呼我|喊我)(?:成|为|作|个)?\s*(?P<surname>[\u4e00-\u9fff]{{1,2}}?)"
    # Cantonese 張生/陳太/李姐 too
    rf"(?P<title>{'|'.join(_HONORIFIC)}|生|太|姐|哥)(?:就行|就好|就可以|就得|吧|就这么登记)?$"
)


def _bare_full_name(part: str) -> bool:
    """A whole answer that is a surname and one or two characters ("李想", "高兴", "夏天"): the
    characters that end a name inside running text (想, 要, 就…) may be part of it here."""
    if not re.fullmatch(r"[\u4e00-\u9fff]{2,3}", part) or part in _NOT_NAMES or _NOT_NAME_WORDS.search(part):
        return False
    if _WEEKDAY_WORD.match(part) or _THANKS.match(part):
        return False
    return part[0] in _SURNAMES and not any(c in "也却都没从还又的在是我你他她它了吗呢吧啊呀哦嗯哈不" for c in part[1:])


# How people spell a name out ("李想，木子李，想法的想", "周是周总理的周"): the explanation is
# no part of the name. X…的X explains a character by a word it is in; a few surnames are spelt
# by their parts (木子李, 弓长张…).
_SPELT_BY_WORD = re.compile(r"([\u4e00-\u9fff])(?:是|就是)?[\u4e00-\u9fff]{0,5}?的\1")
_SPELT_BY_PARTS = re.compile(
    r"木子李|弓长张|口天吴|耳东陈|立早章|文武斌|双木林|古月胡|言午许|双口吕|人可何|三横王|草头黄|"
    r"禾口程|子小孙|四维罗|走肖赵|关耳郑|[一二两三]点水|[\u4e00-\u9fff]字旁|[\u4e00-\u9fff]字头|偏旁|"
    # "龚是龙字底下一个共": one part over another
    r"[\u4e00-\u9fff]字(?:底下?|下面|上面|边)(?:一个|加个?|再加个?)?[\u4e00-\u9fff]?|(?:上面|上边)一个[\u4e00-\u9fff](?:下面|下边)一个[\u4e00-\u9fff]"
)
# the name someone files under, said after a nickname or an English name ("叫我老邓就行，邓长林",
# "Amy，中文名叫邵佳琪", "我叫石头 大名石建华")
_FULL_NAME_CUE = re.compile(
    r"(?:大名|中文名(?:字)?|真名|全名|(?i:full ?name|real name)|身份证上(?:的名字)?|"
    # "阮名叫黄水木" (闽南 阮 = 我): 名叫 said by the customer, not of staff ("那个柜员名叫…")
    r"(?:^|(?<=[我俺阮咱侬，,。\s])|(?<=本人))名叫|"
    # "学生都叫我蔡老师，名字是蔡明轩": the name said as such beats what people call the customer
    r"(?:^|(?<=[我俺，,。\s的]))(?:名字|姓名)(?:是|叫)|"
    # the name to file said as such ("叫我阿武就行，登记的话写武晓霞", "投诉人写赵德厚")
    r"(?:登记|投诉人|登记人)(?:的话|时|的时候|上|那里|那儿)?(?:就|应该|要)?(?:写|填|用|记)(?:成|为|作)?)(?:是|叫|系|叫做)?\s*[:：]?\s*")
# typed for someone else, who is the complainant ("我帮我奶奶打的字" … "奶奶叫孔秀芬")
_FOR_A_RELATIVE = re.compile(
    r"^(?:我|俺)?(?:的)?(?:奶奶|爷爷|外婆|姥姥|外公|姥爷|妈妈|妈|老妈|爸爸|爸|老爸|母亲|父亲|老母亲|老父亲|"
    r"婆婆|公公|岳母|岳父|丈母娘|老丈人|家婆|家公|阿嬷|阿公|老人家|老人)(?:的)?(?:名字|姓名|大名)?(?:叫|是|叫做|系)\s*"
)
# English words that make an answer a sentence, not a name ("I don't know", "no thanks")
_ENGLISH_WORDS = frozenset(
    "i don't dont know not no want to say sure prefer the a an is are what why how yes ok okay please "
    "thanks thank you hello hi sorry name secret anonymous nothing none skip pass me it this that later "
    "n/a wait hold on test my am".split()
)
# an English or pinyin name given as the answer ("Zhang Wei", "my name is Kevin Li")
_LATIN_NAME = re.compile(r"(?:(?:my name is|my name's|i am|i'm|this is|call me|name:?)\s+)?([A-Za-z][A-Za-z'-]*(?:\s+[A-Za-z][A-Za-z'-]*){0,2})", re.I)


def _comma_before_spelling(text: str) -> str:
    """A voice input's name with its characters explained and no pause ("我叫高桂兰高山的高桂花的
    桂兰花的兰"): a comma before each "高山的高", the word holding the character it explains."""
    out = text
    for m in reversed(list(re.finditer(r"的([\u4e00-\u9fff])", text))):
        char, at = m.group(1), m.start()
        # a two-character word first ("常常的常" explains 常 by 常常, not by the second 常)
        for size in (2, 3, 1):
            start = at - size
            if start <= 0 or not re.fullmatch(r"[\u4e00-\u9fff]+", text[start:at]):
                continue
            if char in text[start:at]:
                if re.match(r"[\u4e00-\u9fff]", text[start - 1]):
                    out = out[:start] + "，" + out[start:]
                break
    return out


def _unspelt(text: str) -> str:
    t = _SPELT_BY_PARTS.sub("，", _comma_before_spelling(text))
    # "冯玉珍冯是…": the explanation starts where the surname comes again
    # ("龚秀英，龚是…" too)
    t = re.sub(r"([\u4e00-\u9fff])([\u4e00-\u9fff]{1,3}?)[，,\s]*\1(?:是|就是)", r"\1\2，", t)
    while True:
        cut = _SPELT_BY_WORD.sub(lambda m: "，" if m.start() > 0 else m.group(0), t)
        if cut == t:
            return t
        t = cut


# a character explained by a word that holds it ("骑马的马"; Wu and Cantonese 个/嘅 for 的), or by
# its radical ("女字旁个娟")
def _explains(char: str, text: str) -> bool:
    c = re.escape(char)
    return bool(re.search(rf"[\u4e00-\u9fff]*{c}[\u4e00-\u9fff]*(?:的|个|嘅)\s*{c}(?![\u4e00-\u9fff])"
                          rf"|(?:字旁|字头|字底|字边|偏旁|字框)[^，,。\s]{{0,4}}?(?:的|个|嘅)?\s*{c}(?![\u4e00-\u9fff])", text))


_SPELT_CANDIDATE = re.compile(r"(?:^|(?<=叫)|(?<=是)|(?<=系)|(?<=[，,。\s]))([\u4e00-\u9fff]{2,4})(?=$|[，,。\s])")


def _spelt_out_name(t: str) -> Optional[str]:
    """A name the customer spelt out character by character ("马哈买，骑马的马，哈哈的哈，买东西的买";
    "吾叫严美娟，严格个严，美丽个美，女字旁个娟"): a name, whatever its characters (哈 ends a name in
    running text, as laughter), since nobody explains the characters of anything else."""
    for m in _SPELT_CANDIDATE.finditer(t):
        candidate = m.group(1)
        if not (candidate[0] in _SURNAMES or any(candidate.startswith(c) for c in _COMPOUND_SURNAMES)):
            continue
        if candidate in _NOT_NAMES or _NOT_NAME_WORDS.search(candidate) or _THANKS.match(candidate):
            continue
        rest = t[m.end():]
        if all(_explains(c, rest) for c in dict.fromkeys(candidate)):
            return candidate
    return None


def _is_full_name(candidate: Optional[str]) -> bool:
    """A surname and a given name ("邓长林", "欧阳晓峰"), not a nickname (老邓, 小林) or a
    Latin name (Amy)."""
    if candidate and "·" in candidate:
        return _dotted_name(candidate)
    if not candidate or not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", candidate) or candidate[0] in "小老阿":
        return False
    if candidate.endswith(_HONORIFIC + _JOB_TITLES):
        return False  # "我是高老师，高建华", "我是刘律师，刘海燕": a form of address, the full name follows
    return (_looks_like_name(candidate) or _bare_full_name(candidate)) and not _NICKNAME.fullmatch(candidate)


_SURNAME_THEN_GIVEN = re.compile(
    r"(?:我|俺|本人)?姓(?P<s>[\u4e00-\u9fff])[^。!?！？]{0,12}?(?:名字|名)(?:叫|是|叫做)(?P<g>[\u4e00-\u9fff]{1,2})(?![\u4e00-\u9fff])"
)


# "登记我妈的名字吧，孙玉珍。我是她女儿，叫李静": the relative's name is the one to file
_RELATIVE_NAME_WANTED = re.compile(
    r"(?:写|登记|留|记|填|用)(?:上)?(?:我|俺)?的?(?:妈妈?|老妈|母亲|爸爸?|老爸|父亲|奶奶|爷爷|外婆|姥姥|外公|姥爷|"
    r"婆婆|公公|岳母|岳父|老人家?|阿嬷|阿公|老伴|爱人|老公|老婆|儿子|女儿)的(?:名字|姓名|名)(?:吧|就行|好了|啊)?[，,:：。\s]*"
)
_OWN_NAME_WANTED = re.compile(r"(?:写|登记|留|记|填|用)(?:上)?(?:我|俺)(?:自己)?的(?:名字|姓名|名)?|(?:我|俺)的名字(?:就)?行")
# "我是他儿子韦小军", "我叫韦小军", "本人韦小军": where the customer's own name starts
_KIN_OF_THE_HOLDER = r"(?:儿子|女儿|孙子|孙女|老伴|爱人|老公|老婆|媳妇|女婿|家属|亲戚)"
_SELF_INTRO = re.compile(rf"(?:我|俺)(?:是|叫|系)(?:他|她)?(?:的)?{_KIN_OF_THE_HOLDER}?|本人|(?:他|她)的?{_KIN_OF_THE_HOLDER}")


_WORD_GAP = re.compile(r"(?<=[\u4e00-\u9fff]{2})\s+(?=[\u4e00-\u9fff]{2})")


_JOBS = r"(?:财务|会计|出纳|老板娘|老板|总经理|经理|负责人|法人代表|法人|店长|行政|主管|文员|办事员)"
_JOB_BEFORE_NAME = re.compile(
    rf"我是(?:我们|咱们)?(?:公司|单位|店里|厂里|门店|这边|那边)?的?{_JOBS}(?=[\u4e00-\u9fff]{{2,3}}(?:$|[，,。\s]))"
    # "我是胡辣汤店的老板，牛得志": the business named, the job, then the name after a pause
    rf"|(?:我|俺)是[\u4e00-\u9fff]{{1,8}}?的{_JOBS}[，,\s]+(?=[\u4e00-\u9fff]{{2,3}}(?:$|[，,。\s]))"
)


def _best_name(text: str, reader: Callable[[str], Optional[str]]) -> Optional[str]:
    """The name a case is filed under: a full name wherever the customer says it, before a
    nickname or an English name said first."""
    # a space between two words is a pause ("我叫雷鸣 打雷的雷 鸣叫的鸣"), between single
    # characters a voice input's gap ("张 伟"): only the first is kept, as a comma
    # (nor after a cue: "我叫 司马德厚" is one clause)
    text = _WORD_GAP.sub(lambda m: m.group(0) if m.string[max(0, m.start() - 2):m.start()] in _COMPOUND_SURNAMES
                         else "" if re.search(r"(?:叫|名字是|姓名是)$", m.string[:m.start()])
                         else "，", text or "")  # "欧阳 明轩" is one name
    # emoji and symbols are no part of a name ("胡晓燕😓")
    said = re.sub(r"[^\w\s，,。.!！?？;；:：、…·'’-]", "", _dot_names(normalize(text)))
    spelt = _spelt_out_name(said)
    if spelt:
        return spelt
    t = _unspelt(said)
    # Hokkien 阮 = 我 when it opens a self-introduction ("阮叫陈阿枝，耳东陈")
    t = re.sub(r"(?:^|(?<=[，,。\s]))阮(?=叫|是|名)", "我", t)
    # "我是公司财务章慧", "我是店里老板娘刘芳": the job said before the name is no part of it
    t = _JOB_BEFORE_NAME.sub("我是", t)
    # "乌云其其格，蒙古族名字，就这五个字": the length said keeps the whole name
    whole = _stated_length_name(t)
    if whole:
        return whole
    # "我姓廖廖凤英": the surname said, then the whole name
    again = re.search(r"姓(?P<s>[\u4e00-\u9fff])[，,\s]*(?P=s)(?P<g>[\u4e00-\u9fff]{1,2})(?=$|[，,。\s])", t)
    if again and _is_full_name(again.group("s") + again.group("g")):
        return again.group("s") + again.group("g")
    cue = _FULL_NAME_CUE.search(t)
    # (名字叫 after 我姓刘 gives the given name only: the surname said apart is read below)
    if cue and not (re.search(r"名字|姓名", cue.group(0)) and _SURNAME_THEN_GIVEN.search(t)):
        # the clause right after the cue first: "Full name 周薇安，平时大家叫我Vivian"
        rest = t[cue.end():]
        head = re.split(r"[，,。.!！?？;；]", rest.strip(), maxsplit=1)[0]
        found = reader(head) if head != rest.strip() else None
        found = found if _is_full_name(found) else reader(rest)
        if found:
            return found
        # the cue itself introduces the name, also in passing ("我叫Vivian，中文名麦嘉慧（麦子的麦…）"),
        # not a clause that goes on about it ("连我全名都知")
        found = _parse_name(head) if not re.match(r"\s*[都也就还又才全亦竟居]", head) else None
        if _is_full_name(found):
            return found
    relative = _RELATIVE_NAME_WANTED.search(t)
    if relative:
        found = reader(t[relative.end():])
        if found and _is_full_name(found):
            return found
    # "我爹叫韦光明…你写我的名字吧，我是他儿子韦小军": the customer asks for their own name
    own = _OWN_NAME_WANTED.search(t)
    if own:
        intro = _SELF_INTRO.search(t, own.end()) or _SELF_INTRO.search(t)
        found = reader(t[intro.end():]) if intro else None
        if found and _is_full_name(found):
            return found
    # "我姓陈，耳东陈，名字叫建华": the surname and the given name said apart
    apart = _SURNAME_THEN_GIVEN.search(t)
    if apart and _is_full_name(apart.group("s") + apart.group("g")):
        return apart.group("s") + apart.group("g")
    first = reader(t)
    if _is_full_name(first):
        return first
    for clause in re.split(r"[，,。.!！?？;；:：\s…]+", t):
        # "打错字了，是王珏": a correction names the right one after 是
        candidate = reader(re.sub(r"^(?:名叫|叫做|叫|应该是|就是|是)", "", clause))
        if _is_full_name(candidate):
            return candidate
        # …also in one breath ("语音打错了是张红发")
        fixed = re.search(r"(?:错了|不对)(?:应该)?是(?=[\u4e00-\u9fff])", clause)
        candidate = reader(clause[fixed.end():]) if fixed else None
        if _is_full_name(candidate):
            return candidate
    return first


def find_name(text: str) -> Optional[str]:
    return _best_name(text, lambda t: _find_name(normalize(t)))


def _long_name(value: str) -> bool:
    """A name of five or six characters with no dot (乌云其其格, 斯琴格日乐): Mongolian, Tibetan and
    other names run longer than Han ones; _stated_length_name finds them in an answer."""
    return bool(re.fullmatch(r"[\u4e00-\u9fff]{5,6}", value)) and value[0] in _SURNAMES \
        and not _NOT_NAME_WORDS.search(value) and not any(c in _NAME_STOP_CHARS for c in value)


def parse_name(text: str) -> Optional[str]:
    return _best_name(text, lambda t: _parse_name(normalize(t)))


def is_valid_name(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    return _looks_like_name(value) or _long_name(value) or (
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
# a word between a place and its branch word ("北陵大街那个支行", "中山那家营业部", Cantonese
# "嗰间", which the normaliser writes 𠮶间): no part of the name
_BRANCH_FILLER = r"(?:的)?(?:那个|那家|这个|这家|那间|这间|那一家|那一个|[嗰𠮶](?:间|个|度)|那边的?|那里的?|那儿的?)"
_FILLED_BRANCH = re.compile(rf"(?<=[\u4e00-\u9fffA-Za-z0-9])\s*{_BRANCH_FILLER}\s*(?=(?:{_BRANCH_SUFFIX}|网点))")
# where a place is only described from the customer ("我家楼下", "离我最近", "常去的"): no name
_PLACE_DESCRIBED = r"今天|昨天|前天|刚才|那天|附近|旁边|对面|楼下|隔壁|门口|最近|离我最近|这边|那边|平时|经常|常去"
# a clause that is a place named before 网点/营业厅 ("解放东路那个网点", "就在太原街的网点办的"):
# the place is the answer; not a clause that goes on ("要跑网点", "别让网点知道", "开户网点")
_PLACE_BEFORE_OUTLET = re.compile(
    rf"(?:就是|就在|我在|我去的|去的是?|应该是|好像是|是在|是|在|就)?\s*(?P<place>[\u4e00-\u9fffA-Za-z0-9]{{2,12}}?)\s*"
    rf"(?:{_BRANCH_FILLER}|的)\s*(?:网点|营业厅)\s*(?:办的|弄的|吧|啊|呀|哦|呢|啦)*"
)
# where a place name starts inside "昨天下午在朝阳路支行"
_BRANCH_CUT = re.compile(
    r".*(?:在|去|到|的|是|了|个|家|我|们|和|跟|从|往|银行|贵行|本行|咱行|上午|下午|晚上|早上|中午|投诉|反映|举报|"
    # words of a request or a hedge, never of a place ("能不能别让支行知道", "叫什么西乡支行"),
    # and Cantonese 喺 (在), 你哋 (你们), 嗰 (那)
    r"让|别|不|能|把|给|被|叫|什么|啥|知道|喺|哋|嗰)"
)
# online channels, also as customers say it ("网上办的", "手机上弄的")
_ONLINE = re.compile(r"手机银行|网上银行|网银|app|APP|App|微信银行|电话银行|线上|小程序|网页|"
                     r"(?:网上|手机上|手机里|微信上|微信里)(?:办|弄|操作|申请|买|开|搞|点|做|转|付|交|还|扫|充)")


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
            # a short form ("高新") only where it stands for a place: "人民币", "金融监管" are not;
            # and not before a branch word: "朝阳支行" may be another branch than 朝阳路支行, so
            # it is kept as the customer said it
            if is_prefix and not re.match(r"\s*(那|这|附近|的?(?:网点|营业厅)|$)", after):
                continue
            # "中山那家营业部": another kind of outlet than 中山路支行, kept as said
            said = re.match(rf"\s*{_BRANCH_FILLER}?\s*(支行|分行|营业部|分理处|储蓄所)", after)
            if is_prefix and said and not name.endswith(said.group(1)):
                continue
            return name
    return None


def find_branch(text: str) -> Optional[str]:
    """A branch the customer names: lookup list first, then any "…支行/营业部/分行"."""
    t = normalize(text)
    found = _lookup_branch(t, need_branch_word=True)
    if found:
        return found
    for m in _BRANCH_PHRASE.finditer(_FILLED_BRANCH.sub("", t)):
        place = _named_place(m.group(1))
        if place:
            return place + m.group(2)
    return None


def _named_place(words: str) -> Optional[str]:
    """The place name at the end of the words before a branch word ("昨天下午在朝阳路" → 朝阳路),
    or None when they only describe where it is ("我家楼下", "离我最近")."""
    place = _BRANCH_CUT.sub("", words)
    place = re.sub(rf"^(?:{_PLACE_DESCRIBED})+", "", place)
    if len(place) >= 2 and not re.fullmatch(r"[\d]+", place):
        return place
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
    # "就我家楼下那个，解放东路那个网点": the place named before 网点, said as the customer said it
    # (kept without the word 网点, as a bare "长青路" would be)
    if not _says_none(t, "branch"):
        for clause in _clauses(t):
            m = _PLACE_BEFORE_OUTLET.fullmatch(clause)
            if not m or re.search(r"哪|什么|啥|让|告诉|跑|要|请|别|去|来|到|开户|办卡|原来|之前|上次|平时|常", m.group("place")):
                continue  # "非要我去开户的网点": no place named
            place = _named_place(m.group("place"))
            if place and not re.match(r"[不没无]", place):
                return place
    # "没去网点", "不知道哪个网点", "在家里办的": no branch, not a place called so
    if not free_text or _says_none(t, "branch"):
        return None
    words = t.strip(_PUNCT + " ")
    words = re.sub(r"^(就是|是|在|就在|我在|去的|我去的|应该是|好像是)", "", words)
    words = re.sub(r"(那家|那个|这家|这个|的|网点|营业厅|银行|那边|吧|啊|呀|呢|哦)+$", "", words).strip(_PUNCT + " ")
    if re.fullmatch(rf"(你们|我们|贵行|本行|那个|这个|银行)*({_BRANCH_SUFFIX}|网点)?", words):
        return None
    if re.fullmatch(rf"(?:{_PLACE_DESCRIBED}|的|那个|这个)+", words):  # "最近的网点" names no place
        return None
    # a denial without a new name ("不是这个网点") names no place
    if re.match(r"[不没无]", words):
        return None
    # a longer description is kept when it names the outlet ("老家会宁的网点开的卡，这边取钱是工地
    # 边上的ATM"): a clerk would write it down as said
    longest = 30 if _OUTLET_WORD.search(words) else 20
    if 2 <= len(words) <= longest and re.search(r"[\u4e00-\u9fff]", words) and not says_not_known(words):
        return words
    return None


_OUTLET_WORD = re.compile(r"网点|(?i:atm)|取款机|存款机|柜员机|营业厅|营业部|自助银行|柜台")


def is_valid_branch(value: Any) -> bool:
    return isinstance(value, str) and 2 <= len(value) <= 30


# ---------------------------------------------------------------------------------------------
# demand, "don't know", refusals
# ---------------------------------------------------------------------------------------------

_DEMAND_CUE = re.compile(
    r"要求|希望|请(?:你们|尽快|马上|立即|立刻|帮我|给我|银行|贵行)|必须|务必|"
    r"(?:给|讨)(?:我)?(?:一)?个?(?:说法|交代|解释)|赔偿|赔我|补偿|退还|退回|退钱|退给我|还我|"
    # ("钱后来查清楚了" tells what was found out, no request)
    r"把钱(?:追|要|拿)?回|追回|道歉|处分|严肃处理|撤销|恢复|解冻(?![费金])|查清(?!楚?了)|查明(?!白?了)|(?:要|请|帮我|给我|必须|得|务必)查(?:清楚?|明白?)了|核实一下|"
    # what a customer asks done about staff or a process ("对这个工作人员批评教育", "加强员工培训")
    r"批评教育|批评一下|教育一下|整改|加强(?:员工|人员|服务|管理)?(?:培训|管理)|改进|"
    # a request put as a question or an order: "能不能多开几个窗口", "给我换一张真的", "赶紧修好"
    # ("能不能在深圳直接给我销了": where and how may come first)
    # ("能不能规范催收，别再打给我单位": what is to stop or be kept in order is asked the same way)
    r"(?:能不能|能否|可不可以|可否|麻烦)[^，。,!?！？;；]{0,8}?(?:帮我|给我|把|给|帮|多|尽快|马上|赶紧|直接|退|补|改|删|停|开|销|恢复|解|调|换|修|"
    r"规范|约束|管管|管一下|取消|别|不要|不再)|"
    # (not told of someone: "柜员一边玩手机一边给我办" is what happened)
    r"(?<![边他她员])给我(?:换|补|退|办|开|恢复|删|改|调|解|处理|修|销)|赶紧|尽快|"
    # "别让我跑回老家", "别叫我再等了": a burden the customer asks to be spared
    r"(?:别|不要)(?:让|叫)我(?:再)?(?:跑|等|来回|白跑|折腾)|"
    r"(?:就是|只是|我只|只)想(?:要|让)?(?:你们)?(?:给我|帮我|把|尽快|赶紧|马上|今天|早点)|"
    # "让她别再联系我", "别再打了": a stop asked for
    r"让(?:他|她|他们|她们|那个[\u4e00-\u9fff]{0,4})?(?:别|不要)再?|(?:别|不要)再|"
    # Cantonese: 退返/俾返/赔返 (give back), 帮我取消 ("退返啲钱，同埋帮我取消呢个收费")
    r"(?:退|俾|畀|赔|还|补)返|帮我(?:取消|搞掂|处理|查|退|停)|唔该(?:你哋|你们)?(?:帮|快|即刻)"
)
# ("别让我跑回老家" asks to be spared a trip: 让我 is no one to keep a secret from)
_CONFIDENTIAL_HINT = re.compile(r"(?:不要让|别让|不想让)(?!我|俺)|保密|匿名|不要告诉|别告诉|报复")
_NOT_KNOWN = re.compile(
    r"不知道|不记得|记不清|记不得|想不起|忘了|忘记了?|不清楚|不太清楚|说不准|说不清|不确定|没注意|没留意|不详"
    r"|唔记得|唔知|冇留意|记唔清"
)
_NO_DEMAND = re.compile(
    r"^(没有|没|无|没了|没啥|没什么|没有了|不用了?|都行|随便|就这样|没别的)|"
    r"(没有|没什么|没啥)(别的|其他|具体)?(要求|诉求)|只是(想)?反映|就是(想)?反映|只想反映"
)


def says_not_known(text: str) -> bool:
    return bool(_NOT_KNOWN.search(normalize(text)))


def says_no_demand(text: str) -> bool:
    return bool(_NO_DEMAND.search(normalize(text).strip(_PUNCT + " ")))


# -- "not given" for the optional slots --------------------------------------------------------
# "I don't know / can't remember" (longest first: 记不清楚 before 记不清)
_NOT_KNOWN_VERB = re.compile(
    r"不太清楚|不大清楚|不清楚|记不太清楚?|记不大清楚?|记不清楚?|记不太得|记不大得|记不得|记不住|不太记得|不大记得|"
    r"不记得|想不太起来?|想不大起来?|想不起来?|忘记了?|忘了|不知道|不晓得|说不准|说不好|说不清楚?|讲不清楚?|"
    r"不太确定|不大确定|不确定|没注意|没留意|没在意|搞不清楚?|弄不清楚?|没(?:什么|啥)?印象|印象不深|不详|"
    # Cantonese: 唔记得 (不记得), 记唔清 (记不清), 唔知 (不知道), 冇印象 (没印象)
    r"唔记得|记唔清楚?|记唔到|唔知道?|唔清楚|唔肯定|冇印象|冇留意"
)
# what the customer asks instead: "不知道为什么被扣" is not "I don't know the amount"
_OTHER_QUESTION = re.compile(r"为什么|为啥|怎么|咋|谁|是不是|有没有|能不能|行不行|要不要|该不该")
# the value asked for, named in the same clause as the "don't know"
_SLOT_WORDS = {
    "amount": re.compile(r"多少|金额|数额|数目|钱数|几千|几百|几万|具体数"),
    "occurred_at": re.compile(r"哪天|哪一天|几号|几月|哪个月|日期|时间|什么时候|啥时候|时候|日子|上午|下午|几点"),
    "branch": re.compile(r"网点|支行|分行|营业厅|营业部|哪个银行|哪家银行|哪家|地址|哪里|哪儿|在哪"),
}
# words that say nothing about what is not known; whatever else is left is the thing not known
# ("不记得密码了": 密码, so not a date refusal)
_NOT_KNOWN_FILLER = re.compile(
    r"我们|我|也|都|真的?|实在|确实|具体|确切|准确|当时|现在|已经|一下|有点|太|很|这个|那个|叫什么(?:名字)?|名字|"
    r"时间太?久了?|太久了?|是|的|了|啦|呢|吧|啊|呀|哦|嘛|嗯|额|呃|喇|咯|啰|嘅|噃|\s"
)
# "none / not applicable", per slot; phrased so that "没有到账" or "不是这个网点" do not count
_NOT_APPLICABLE = {
    "amount": re.compile(
        r"不涉及|没涉及|没有涉及|无涉及|没有?(?:具体)?(?:的)?金额|没有?钱的事|没亏|"
        # a harm money cannot measure ("这个没法算钱", "算不出来")
        r"(?:没法|没办法|不好|不能|无法)(?:用钱)?算|算不(?:了|出)|"
        # ("没有多扣钱", "没乱收过我钱": nothing overcharged)
        r"没(?:有)?(?:被)?(?:多|乱|错)?(?:扣|收)(?:过|了)?(?:我|我的)?钱|钱(?:倒是?|也|都)?(?:没有?|未)(?:被)?(?:多|乱)?扣|" + _NO_LOSS.pattern
    ),
    "occurred_at": re.compile(
        r"(?:很久|好久)(?:以前|之前|了)|有(?:一)?段时间了|时间(?:太)?(?:久|长)了|"
        # how long it has gone on, instead of the day ("一个多礼拜了", "反正两年了", "好几个月了")
        r"(?:(?:\d+|[" + _CN_DIGIT + r"十百]+|几|好几|十几|半|个把|一两|两三|成)\s*(?:个)?|(?<![一二两三四五六七八九十几\d])个)"
        r"\s*(?:多|来)?\s*(?:天|日|周|星期|礼拜|月|年|年头)\s*(?:多|来)?\s*(?:了|啦|咯|喇|啰|之久)|"
        r"(?:好|很|挺|蛮|这么|那么|老|相当)\s*(?:(?:长|久|耐)\s*(?:一段)?(?:时间|日子|年|天|个月)?|多(?:年|天|日子|个月))"
        r"(?:了|啦|喇|咯)|"
        r"有(?:些|一些|好些|不少)?日子了|"
        # a state that goes on ("一直都这样", "从开户那天起就这样")
        r"一直(?:都|就)?(?:是|系)?(?:这样|这个样子?|这么|如此|咁|有这个问题|有问题)|"
        r"(?:老|总|天天|经常|每次|每天)(?:是|系|都)?(?:这样|如此|咁)|"
        r"一直以来|从来都(?:是)?这样|从\S{1,12}(?:开始|起)(?:就|都|一直)|"
        # a festival: there is no calendar here to turn it into a day ("重阳节前后")
        r"(?:春节|过年|年三十|除夕|大年初[一二三四五六七八九十]|元宵|清明|端午|中秋|重阳|七夕|腊八|冬至|元旦|国庆|"
        r"五一(?!路)|劳动节|圣诞|双十一|双11|双十二|双12|情人节|妇女节|儿童节)"
    ),
    "branch": re.compile(
        r"不涉及|没(?:有)?去(?:过)?(?:网点|银行|柜台|营业厅|支行)|不是在(?:网点|银行|柜台|营业厅|支行)|"
        r"没在(?:网点|柜台|营业厅)|不在(?:网点|柜台|营业厅)|(?:跟|和|与)网点(?:没有?|无)关|不是网点的(?:事|问题)|"
        r"(?:网上|线上|手机上|手机里|app上|APP上|电话里|电话上|微信上|微信里|在家里?)(?:办|弄|操作|申请|买|开|搞|点|做)"
    ),
}
# a whole answer that is just "none" (to "涉及多少钱？", "哪个网点？"; not to "哪天？")
_BARE_NONE = re.compile(r"(?:没有|没|无|都没有|什么都没有|没什么|不涉及|不适用|没涉及|没有涉及)(?:的|呀|啊|吧|哦|呢|了)*")


# a question turned back ("这跟什么时候有啥关系", "时间不重要", "问这个干嘛"): no value is coming
_DEFLECTION = re.compile(
    r"(?:有啥|有什么|有何|有毛|有乜|冇|没有?|没啥|没什么)\s*(?:关系|相干)|"
    r"(?:不|并不|一点都不|一点也不|没那么|唔)(?:重要|要紧|关键)|无所谓|无关紧要|"
    r"问(?:这个?|那个|这些|那么多|这么多|咁多)?(?:干嘛|干啥|干什么|做什么|做啥|有什么用|有啥用|作甚|搞咩|做咩|干吗)|"
    r"(?:你)?管(?:它|他|佢|我)(?:是)?(?:哪天|什么时候|几号|多少|哪个)|(?:别|不要|唔好)问(?:了|啦|这个)|"
    r"(?:哪天|什么时候|几号|多少|哪个)都(?:一样|行|无所谓|差不多)"
)
# the value each slot's deflection must not name another slot's ("网点不重要" to the date question)
_DEFLECTED_SLOT_WORDS = {
    "occurred_at": re.compile(r"时间|日期|哪天|哪一天|什么时候|啥时候|几号|几月|日子"),
    "amount": re.compile(r"钱|金额|多少|数目|数额"),
    "branch": re.compile(r"网点|支行|营业厅|营业部|哪个|哪家|地方|哪里|在哪"),
}


# "没关系", "无所谓" also say yes to anything else ("让他知道也没关系"): a deflection only as the
# whole answer or said of the value asked for
_WEAK_DEFLECTION = re.compile(r"没有?关系|无所谓|不重要|不要紧|没所谓")


def _deflects(t: str, slot: str) -> bool:
    """Does a clause of ``t`` turn the question for ``slot`` back? A clause that names another
    slot's value ("几号有什么关系，钱是真没了" to the amount question) does not."""
    for clause in _clauses(t):
        found = [m.group(0) for m in _DEFLECTION.finditer(clause)]
        if not found:
            continue
        named = [other for other, words in _DEFLECTED_SLOT_WORDS.items() if words.search(clause)]
        if named:
            if slot in named:
                return True
            continue
        weak = all(_WEAK_DEFLECTION.fullmatch(word) for word in found)
        if not weak or re.fullmatch(
            r"(?:都|也|我|真的|其实)?\s*(?:" + _WEAK_DEFLECTION.pattern + r")\s*(?:的|啦|吧|了|呀|啊|嘛)*", t.strip(_PUNCT + " ")
        ):
            return True
    return False


def _not_known_about(clause: str, slot: str) -> bool:
    """A "don't know" in this clause is about the slot's value: the value is named
    ("不知道哪个网点", "具体哪天忘了"), or nothing else is left to be what is not known
    ("记不清了", "我也说不准")."""
    slot_words = _SLOT_WORDS.get(slot)
    for verb in _NOT_KNOWN_VERB.finditer(clause):
        if _OTHER_QUESTION.search(clause[verb.end():]):
            continue
        if slot_words is not None and slot_words.search(clause):
            return True
        rest = _NOT_KNOWN_FILLER.sub("", clause[: verb.start()] + clause[verb.end():])
        rest = _NOT_KNOWN_VERB.sub("", rest)
        if not re.search(r"[\u4e00-\u9fffA-Za-z0-9]", rest):
            return True
    return False


def says_not_given(slot: str, text: str, today: Optional[date] = None) -> bool:
    """The customer's way of saying the optional ``slot`` (amount / branch / occurred_at) has no
    value: they do not know or remember it (记不清, 不知道哪个网点), or it does not apply
    (不涉及金额, 没有损失, 网上办的). A message that also gives the value is not a refusal
    ("没损失？扣了我五千", "上个月，哪天忘了"): the value wins."""
    t = normalize(text)
    return bool(t) and not _gives_value(slot, t, today) and _says_none(t, slot)


# a whole answer that is only a length of time ("差不多半年", "两三个月", "大概一个多礼拜")
_ONLY_A_DURATION = re.compile(
    r"(?:大概|大约|差不多|差唔多|估计|可能|应该|有|都|已经|快|将近|反正|也就|起码|至少)*\s*"
    r"(?:\d+|[" + _CN_DIGIT + r"十]+|几|好几|十几|半|个把)?\s*(?:个)?\s*(?:多|来)?\s*(?:天|周|星期|礼拜|个月|月|年)\s*"
    r"(?:多|来|左右|上下|吧|啦|了|咯|喇|啰|呢|啊|呀)*"
)


def _says_none(t: str, slot: str) -> bool:
    """``says_not_given`` on normalised text, without looking for the value itself."""
    if slot == "occurred_at" and _ONLY_A_DURATION.fullmatch(t.strip(_PUNCT + " ")) and \
            re.search(r"\d|[" + _CN_DIGIT + r"十几半个]", t):
        return True
    if slot in ("amount", "branch") and _BARE_NONE.fullmatch(t.strip(_PUNCT + " ")):
        return True
    if slot == "amount" and names_no_disputed_sum(t):
        return True
    pattern = _NOT_APPLICABLE.get(slot)
    if pattern is not None and pattern.search(t):
        return True
    if slot in _DEFLECTED_SLOT_WORDS and _deflects(t, slot):
        return True
    return any(_not_known_about(clause, slot) for clause in _clauses(t))


def _gives_value(slot: str, t: str, today: Optional[date]) -> bool:
    if slot == "amount":
        return parse_amount(t) is not None
    if slot == "occurred_at":
        return parse_date(t, today or date.today()) is not None
    if slot == "branch":  # online is where it happened, and also "no branch"
        return parse_branch(t, free_text=False) not in (None, ONLINE_CHANNEL)
    return False


def _clauses(text: str) -> List[str]:
    return [c.strip() for c in _CLAUSE_SPLIT.split(text) if c.strip()]


# a sum the demand asks to have put back ("把四百块给我补上", "这五千块退给我", "退我两千"):
# to be paid back, never a compensation asked on top (赔)
_REFUND_AFTER = re.compile(
    r"(?P<sum>[\d" + _CN_NUM_CHARS + r".,]+(?:块钱?|元)?)\s*(?:钱)?\s*(?:都|全部?|如数)?\s*(?:给我|还给我|给俺)?\s*"
    r"(?:退|补|还|返)(?:还|回|给)?(?:给)?(?:我|俺)?(?:上|回来|过来|到账|回去)?"
)
_REFUND_BEFORE = re.compile(
    r"(?:退|补|返还|还)(?:还|回|给)?(?:给)?(?:我|俺)(?:那|这)?\s*(?P<sum>[\d" + _CN_NUM_CHARS + r".,]+(?:块钱?|元)?)"
)


def money_figures(text: str) -> List[float]:
    """Every sum of money the text names, in order (balances and loans included), and the cash
    notes counted out ("五十张一百的" → 5000)."""
    return _note_amounts(_prepare_amounts(normalize(text))) + [v for _, v in _accepted_amounts(text, strict=False)[1]]


def refund_sum(text: str) -> Optional[float]:
    """The sum a demand asks to have paid back, or None (docs/intake.md "amount")."""
    t = _prepare_amounts(normalize(text))
    found = []
    for m in list(_REFUND_AFTER.finditer(t)) + list(_REFUND_BEFORE.finditer(t)):
        values = [v for _, v in _accepted_amounts(m.group("sum"), strict=False)[1]]
        if len(values) == 1 and not re.match(r"\s*(?:次|笔|天|个)", t[m.end("sum"):]):
            found.append(values[0])
    return found[0] if len(set(found)) == 1 else None


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
    if t in _ONE_WORD_DEMANDS:
        return _ONE_WORD_DEMANDS[t]  # "退": the terse customer's whole demand
    if len(t) < 2 or not re.search(r"[\u4e00-\u9fffA-Za-z]", t):
        return None
    return t[:300]


# a demand said in one word, filed as the two-character word a clerk would write
_ONE_WORD_DEMANDS = {"退": "退款", "赔": "赔偿", "补": "补上", "查": "查清楚", "改": "更正", "删": "删除",
                     "换": "更换", "修": "修好", "停": "停掉", "撤": "撤销", "还": "还钱"}


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
    for start, end, _ in reversed(phones.phone_spans(t)):
        t = t[:start] + " " + t[end:]
    t = re.sub(r"(手机|电话|号码|手机号)(号码)?(是|:|：)?", " ", t)
    return t.strip(_PUNCT + " ")


def extract_all(text: str, today: date) -> Dict[str, Any]:
    """Every field a customer's message states by itself: the opening complaint, or an answer.

    Returns all of: customer_name, phone, branch, occurred_at (ISO date or interval), amount
    (yuan, float), demand (the customer's words), confidential (bool), compensation_requested
    (bool); a field that is not stated is None (the two flags are False).

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
    if found["customer_name"] is None and (
        re.fullmatch(r"[\u4e00-\u9fff]{1,4}", body) and not _REPLY_WORDS.match(body)
        or _DOTTED_NAME.fullmatch(_dot_names(body))  # "艾力·买买提"
    ):
        found["customer_name"] = parse_name(body)
    if found["branch"] is None and len(body) <= 14 and not re.search(r"\d", body):
        found["branch"] = _lookup_branch(body, need_branch_word=False)
    if found["amount"] is None and not _FAMILY_SPENT_UNCLAIMED.search(t):
        found["amount"] = _amount_answer(t)
    return found
