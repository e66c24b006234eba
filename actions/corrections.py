"""Reading a correction: which field the customer names and the new value they give.

Used at the read-back (confirm_form.py) and in the middle of the intake form ("电话说错了，
是139…"). Text only: the callers pass the NLU's `field` entity values and today's date.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Dict, Iterable, List

from actions import parsing

# Words that name a field in a correction, checked in this order. The NLU `field` entity
# (synonym-mapped to these slot names) counts first.
FIELD_WORDS = (
    # ("刚那个号最后两位说反了": the number just given, its last digits)
    # (尾数: "尾数系8407，唔系8401", Cantonese for "the last digits are…, not…")
    ("phone", re.compile(r"电话|手机|号码|联系方式|中间(?:那)?(?:四|4)位|前(?:三|3)位|尾号|尾数|(?:那个|这个)号(?!码)|"
                         r"(?:最后|后头|后面|后边|后)(?:一|两|二|三|四|[1-4])位")),
    # a wrong character is a name typed wrong ("打错字了，是王珏，不是金字旁的钰")
    # (the other name the customer goes by: "阿宝是小名，身份证上是洪宝珠")
    ("customer_name", re.compile(r"名字|姓名|称呼|姓|打错字|错字|别字|字旁|小名|大名|真名|全名|本名|学名|(?:身份证|户口本|证件)上")),
    # "昨天是去网点问的" tells where the customer went: no branch field named
    ("branch", re.compile(r"(?<![去到跑回上])(?:网点|支行|营业部|营业厅|分行|分理处)")),
    ("occurred_at", re.compile(r"时间|日期|日子|哪天|几号")),
    ("amount", re.compile(r"金额|钱数|数额|多少钱")),
    ("demand", re.compile(r"诉求|要求")),
    # 情况 names the field only when something is said of it ("情况写错了"), not in passing
    # ("昨天是我去网点问情况的日子")
    ("description", re.compile(r"描述|经过|内容|情况(?=[^，,。]{0,3}(?:写|说|记|描述|不对|错|有误|改|补充))|(?:补充|更正|修改)[^，,。]{0,3}情况")),
    ("confidential", re.compile(r"保密")),
)
CORRECTABLE = tuple(f for f, _ in FIELD_WORDS)
_VALUE_CUE = re.compile(r"改成|改为|换成|写成|应该是|更正为|更正成|改一下|改下|是|为|[:：]")
_NOT_A_VALUE = re.compile(
    r"电话|手机|号码|联系方式|名字|姓名|称呼|网点|支行|营业部|时间|日期|金额|诉求|要求|描述|经过|"
    r"情况|内容|保密|不对|错了|写错了|有误|不是|改一下|改下|修改|更正|帮我|麻烦|请|我的|一下|也|还有|"
    r"[\s\W_]"
)
_ADDS = re.compile(r"补充|还有|另外|再加|加上|漏了|忘了说")
_NO_CONFIDENTIAL = re.compile(r"(不用|不需要|无需|不必|取消|不要)保密")


# what the customer says about their own words, not a value: "刚才说多了两百" (the size of the
# slip, no amount), "刚才那个是工作手机" (刚才 is no date)
_ABOUT_WHAT_WAS_SAID = re.compile(
    # (up to a 是 that gives the value in one breath: "语音打错了是张红发")
    r"[，,。…]*\s*(?:刚才|刚刚|之前|前面|上面)?(?:我)?(?:说|讲|打|写|报|填)(?:多|少|错|反|成)了[^，,。；;是]*|"
    r"(?:刚才|刚刚)(?=那个|那|说|讲|给|留|报|的|打|写|我说)"
)


# a figure the customer disowns in the same breath ("三百八是我另外一趟"): the old value, gone
_DISOWNED = re.compile(r"[^，,。；;]*是(?:我的?)?(?:另外|别的|其他|另一)[^，,。；;]*")


def without_remarks(text: str) -> str:
    return _DISOWNED.sub("", _ABOUT_WHAT_WAS_SAID.sub("", text))


def named_fields(text: str, entity_fields: Iterable[str] = ()) -> List[str]:
    """The fields a message names: the NLU's `field` entity first, then the words."""
    named = [v for v in entity_fields if v in CORRECTABLE]
    return named + [f for f, words in FIELD_WORDS if words.search(text) and f not in named]


def correction_value_text(text: str) -> str:
    """The part of "网点写错了，是高新区支行" that holds the new value ("不是…" is the old one)."""
    # (the old value ends at the next 是 when nothing is punctuated: "不是两百是三百")
    text = re.sub(r"不是[^，,。；;是]*", "", text)
    cues = list(_VALUE_CUE.finditer(text))
    if cues and text[cues[-1].end():].strip(" ，。,.!！"):
        return text[cues[-1].end():].strip(" ，。,.!！")
    return text


def has_value_attempt(text: str) -> bool:
    return bool(_NOT_A_VALUE.sub("", correction_value_text(text)))


def read_correction(field: str, text: str, slots: Dict[str, Any], today: date) -> Any:
    """The new value of ``field`` from a correction message, or None."""
    text = without_remarks(text)
    value_text = correction_value_text(text)
    if field == "confidential":
        return not _NO_CONFIDENTIAL.search(text)
    if field == "description":
        addition = value_text.strip()
        if len(_NOT_A_VALUE.sub("", addition)) < 2:
            return None
        if _ADDS.search(text):
            return f"{slots.get('description') or ''}；{addition}".strip("；")
        return addition  # "经过写错了，是…": the new account replaces the old one
    if field == "customer_name":
        # the given name alone put right ("刚才语音给认成杰了，是振洁，三点水那个洁"): the surname stays
        before = str(slots.get("customer_name") or "")
        given = re.match(r"[\u4e00-\u9fff]{1,2}(?=$|[，,。；;\s])", value_text.strip())
        if (len(before) >= 2 and given and len(given.group(0)) == len(before) - 1
                and sum(a != b for a, b in zip(given.group(0), before[1:])) == 1):
            return before[0] + given.group(0)
        return (parsing.parse_name(value_text) or parsing.find_name(text)
                # "是王珏，珏是两个王并排那个": the cue's last 是 explains the character
                or parsing.parse_name(re.sub(r"不是[^，,。；;]*", "", text)))
    if field == "phone":
        # "最后四位是7290，不是7209": the last digits of the number given
        return (parsing.parse_phone(value_text) or parsing.parse_phone(text)
                or parsing.amend_phone_tail(slots.get("phone"), text)
                or parsing.amend_phone_part(slots.get("phone"), text))
    if field == "branch":
        return parsing.find_branch(text) or parsing.parse_branch(value_text, free_text=not parsing.has_digits(value_text))
    if field == "occurred_at":
        return parsing.parse_date(value_text, today) or parsing.parse_date(text, today)
    if field == "amount":
        return parsing.parse_amount(value_text)
    if field == "demand":
        return parsing.parse_demand(value_text)
    return None


# a clause telling when the customer changed a setting: that day is no correction of the date
_CHANGED_ON = re.compile(r"[^，,。；;]*(?:改成|改为|换成|调成|调到|调整为|变更为)[^，,。；;]*")


# the old value given back in so many words: "违约金是3060，不是3600" (不是 + what the read-back said)
_TAKEN_BACK = re.compile(r"(?:不是|并非|而不是)([^，,。；;是]+)")


def fields_taken_back(text: str, slots: Dict[str, Any], today: date) -> List[str]:
    """The fields whose value on file the customer takes back ("是3060，不是3600" when the
    read-back said 3,600元): the correction names its field by the old value, not by a word."""
    found = []
    for m in _TAKEN_BACK.finditer(without_remarks(text)):
        old = m.group(1)
        if slots.get("amount") is not None and parsing.parse_amount(old) == float(slots["amount"]):
            found.append("amount")
        elif slots.get("phone") and (parsing.parse_phone(old) == slots["phone"]):
            found.append("phone")
        elif slots.get("occurred_at") and parsing.parse_date(old, today) == slots["occurred_at"]:
            found.append("occurred_at")
    return list(dict.fromkeys(found))


def typed_values(text: str, today: date) -> Dict[str, Any]:
    """Values a message states clearly enough to need no field name ("13912345678"); the old
    value in "不对，是前天，不是大前天" is not one of them."""
    text = re.sub(r"不是[^，,。；;]*", "", without_remarks(text))
    found = {
        "phone": parsing.find_phone(text),
        "branch": parsing.find_branch(text),
        # (not the day something was changed: "那个定投我上个月改成六百了，多扣的是六百")
        "occurred_at": parsing.find_date(_CHANGED_ON.sub("", text), today),
        "amount": parsing.find_amount(text),
        "customer_name": parsing.find_name(text),
        "demand": parsing.find_demand(text),
    }
    return {k: v for k, v in found.items() if v is not None}
