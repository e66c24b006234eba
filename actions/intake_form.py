"""The intake form: which facts a case needs and how an answer is read.

``CASE_FIELDS`` is the one table that says which of branch / occurred_at / amount a kind of
complaint needs; everything else in the form follows from it. Reading values is parsing.py's
job; re-asking after a bad answer is custom_forms.py's. The questions themselves are the
``utter_ask_<slot>`` responses, which Rasa sends without calling this server: the validator's
``ask_wording`` slot picks their wording (custom_forms.py).
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions import parsing
from actions.clock import today
from bot import branches
from actions.case_record import NAME_DECLINED, NOT_GIVEN
from actions.classify import case_kind, classify, detect_flags, flags_withdrawn, names_a_problem
from actions.corrections import named_fields, read_correction
from actions.triage import advise_on_fund_safety
from actions.custom_forms import (
    DECLINED,
    INVALID,
    NEAR_MATCH,
    REASK_SLOT,
    ReaskingFormValidationAction,
    latest_intent,
)

# What a question that failed three times is recorded as (never a handoff: issue 12), and what
# the customer hears then. Optional facts are "不详"; who the customer is, "未提供".
GIVEN_UP_AS = {
    "customer_name": NAME_DECLINED,
    "phone": NOT_GIVEN,
    "branch": parsing.NOT_KNOWN,
    "occurred_at": parsing.NOT_KNOWN,
    "amount": parsing.NOT_KNOWN,
    "demand": parsing.NO_DEMAND,
    "description": NOT_GIVEN,
}
# "您说的是朝阳路支行吗？": the directory's name asked about, and what the customer said
BRANCH_SUGGESTION, BRANCH_SAID = "branch_suggestion", "branch_said"
# a rough time from the opening ("上个月"): the day is still asked, this is filed if unknown
OCCURRED_HINT = "occurred_hint"
NARROW = "narrow"  # ask_wording: "还记得具体是哪一天吗？" after a rough time
NOT_GIVEN_MARKERS = (None, NOT_GIVEN, NAME_DECLINED, parsing.NOT_KNOWN)
GIVEN_UP_REPLY = {"phone": "utter_phone_not_given", "customer_name": "utter_name_not_given"}


# Which facts a case needs besides who the customer is and what they want (seed 001 分类).
# Keys are case kinds (actions.classify.case_kind): a category, or category/sub-kind.
CASE_FIELDS: Dict[str, Tuple[str, ...]] = {
    # When it happened is asked of every case (the records are looked up by date); "不记得"
    # is an answer. The branch only where the customer was at one, the amount only where money
    # is disputed (issue 12: no branch question for app transfers, 催收 or 征信).
    "transaction_dispute": ("occurred_at", "amount"),   # to find the transaction (app, card, fraud)
    "transaction_dispute/atm": ("branch", "occurred_at", "amount"),      # which machine
    "transaction_dispute/counter": ("branch", "occurred_at", "amount"),  # which counter
    "staff_service": ("branch", "occurred_at"),         # who was on duty, where and when
    "staff_service/collection": ("occurred_at",),       # a collector's conduct on the phone
    "staff_service/phone": ("occurred_at",),            # hotline staff
    "business_operation": ("branch", "occurred_at"),    # which branch's process went wrong
    "business_operation/credit_report": ("occurred_at",),  # 征信 is not a visit
    "business_operation/collection": ("occurred_at",),     # 催收 calls
    "business_operation/online": ("occurred_at",),         # app / hotline processes
    "product_service/fee": ("occurred_at", "amount"),   # which charge is disputed
    "product_service/atm": ("branch", "occurred_at"),   # which machine, when
    "product_service/wealth": ("branch", "occurred_at", "amount"),  # where it was sold, how much
    "product_service/online": ("occurred_at",),         # app/system faults: when it happened
    "product_service": ("occurred_at",),
    "other": ("occurred_at",),
}
FORM_SLOTS = ("description", "customer_name", "phone", "branch", "occurred_at", "amount", "demand")
FACT_SLOTS = ("customer_name", "phone", "branch", "occurred_at", "amount")

# What really ends the complaint or asks for a person, whatever the NLU calls the message:
# "取消罚息，不能影响我征信" answers the demand question, "算了，不投诉了" cancels; "不登记就不给
# 处理是吧？" is a challenge, not a cancel.
# 申诉 is what some customers (Taiwan) call a complaint ("不用申訴了")
_COMPLAINT = r"(?:投诉|申诉)"
_CANCELS_COMPLAINT = re.compile(
    rf"(?:^|[，,。！!？?\s…])(?:算了|算啦)|不(?:想|要|用)?{_COMPLAINT}了?(?!的)|不投了|(?:不|别)(?:想|要|用|需要)?(?:登记|提交|受理|立案)了?(?!就|的话|便|[^，,。]{0,8}(?:是吧|是不是|吗))|"
    rf"撤(?:销|回|单|了|诉|訴)|放弃{_COMPLAINT}|结束{_COMPLAINT}|(?:取消|删除)(?:{_COMPLAINT}|这次|申请|登记|提交)|^\W*取消\W*(?:吧|了)?\W*$|"
    rf"这个{_COMPLAINT}不要了|^\W*(?:退出|cancel|不弄了|不搞了|不办了)\W*$|不想(?:弄|追究)了"
)
# ...and the words that cancel whatever the NLU called the message ("钱到了，那不用投诉了，撤了吧"
# read as inform): the complaint itself named as dropped, or a withdrawal
_DROPS_THE_COMPLAINT = re.compile(
    # (喇/啦/咯: Cantonese 了, "唔投訴喇" arriving as 不投诉喇)
    rf"不(?:用|要|想|必|打算)?(?:再)?{_COMPLAINT}(?:了|喇|啦|咯|嘞)|{_COMPLAINT}\w{{0,3}}?(?:不弄|不搞|不办|不要|不提|不做|算了|撤了|取消)了?|"
    r"(?:撤了|撤销|撤回)吧|不(?:用|要|需要)?(?:再)?(?:登记|提交)了|(?:就|先|还是)不(?:投|反映|登记)了|不麻烦(?:你|您)了|"
    # "还是别投诉了吧"; Cantonese "咁唔使投訴啦" (then there is no need to complain)
    # ("唔投訴喇": Cantonese, no longer complaining)
    # (唔 is read as 不 first, bot/dialect.py: 唔使 arrives as 不使)
    rf"(?:还是|那就|那)别(?:再)?{_COMPLAINT}了|唔(?:使|洗|驶|駛|要|想)?(?:再)?{_COMPLAINT}|不(?:使|洗|驶|駛)(?:再)?{_COMPLAINT}|[,，]\s*不(?:再)?{_COMPLAINT}\W*$"
)
# a cancel thought of and taken back in the same message ("本来想说算了不投诉了……想想还是投吧")
_CANCEL_TAKEN_BACK = re.compile(
    rf"(?:还是|继续|接着|照样|照常)(?:要)?(?:投|{_COMPLAINT}|登记|记|提交|反映|帮我记)|本来(?:想|打算|准备)(?:说)?(?:算了|不{_COMPLAINT}|不投|撤)"
)
# the customer's own question about a way of filing ("是不是该匿名投诉？", "要不要留座机"), then 算了
_OWN_QUESTION_BEFORE = re.compile(r"(?:[？?]|吗|是不是|要不要|该不该|用不用|需不需要|能不能)\W*$")
# ...or 算了 followed by how to file instead ("算了，就写我的名字", "算了还是实名吧")
_FILE_THIS_WAY = re.compile(r"^\W*(?:不用|不要|不了|没必要)?\W*(?:就|还是|直接)?(?:写|用|登记|留|按|填|记|实名)")


def _gives_up_an_option(text: str, cancels: "re.Pattern[str]") -> bool:
    """A bare 算了 that answers the customer's own question about how to file gives up that way,
    not the complaint: every cancel word in the message is such a 算了."""
    found = list(cancels.finditer(text))
    if not found or any(m.group(0).strip("，,。！!？? …") not in ("算了", "算啦") for m in found):
        return False
    for m in found:
        at = m.start() + m.group(0).index("算")
        before, after = text[:at], text[at + 2:]
        if not (_OWN_QUESTION_BEFORE.search(before) or _FILE_THIS_WAY.match(after)):
            return False
    return True


# asking after a complaint already made, in so many words
_WANTS_LOOKUP = re.compile(
    r"查(?:一下|下|查)?(?:我的|一下)?(?:投诉)?(?:的)?进[度展]|不是(?:要|想)?(?:新的)?投诉|(?:之前|上次|上回|前几天|以前)[^，,。]{0,8}投诉的?[^，,。]{0,10}(?:怎么样|处理|进度|结果|到哪)|"
    r"(?<![a-z0-9])ts\s?\d{14}|投诉编号|(?:我的|那个)投诉(?:现在)?(?:怎么样|处理到|到哪)"
)
_STAFF = r"(?:人工|真人|活人|客服|坐席|专员|经理|领导|负责人|管事的?|主管|工作人员)"
_ASKS_FOR_PERSON = re.compile(
    rf"转(?:接)?(?:个|一个)?(?:人工|客服|坐席|真人|活人)|(?:要|想|让我|我要)(?:直接)?(?:跟|和|同)(?:个)?(?:人|真人|活人)(?:说|谈|聊|讲|沟通|对话)|(?:要|找|叫|换|接|请|给我)(?:个|一个)?{_STAFF}|人工(?:客服|服务|坐席|台)|"
    rf"^\W*(?:人工|真人)\W*$|{_STAFF}(?:出来|来|过来)|跟{_STAFF}(?:说|谈|聊|讲)|不(?:要|想)?(?:跟|和)?机器人|"
    r"换个?人|human",
    re.I,
)
# "多安排点人工客服", "增加几个窗口": a demand for more staff, not for a person now
_WANTS_MORE_STAFF = re.compile(r"(?:多|增加|加派|增派|添)(?:安排|开|招|配|派|设|加)?(?:点|些|几个|一些)?(?:人工|客服|坐席|窗口|人手|工作人员)")
# "你们是真人还是AI啊" asks what the bot is; it asks for nobody
_ASKS_WHAT_THE_BOT_IS = re.compile(r"真人还是|是不是(?:真人|机器人|人工|AI)|是(?:真人|机器人|人工|AI)(?:吗|嘛|么|啊)", re.I)
_STATES_A_FACT = re.compile(
    r"^\W*(?:哦|对了|那个|嗯|就)?\W*(?:这事|这个|那天|当时)?是(?!想|要|希望|让|请)(?:在)?|(?:金额|钱数|时间|日期|网点|支行)(?:是|为|[:：])"
)
_SOMEONE_ELSES_NUMBER = re.compile(
    r"(?:老婆|老公|爱人|儿子|女儿|妈|爸|家人|亲戚|朋友|同事|对方|骗子|他|她|客服|经理|柜员|网点|银行)的?(?:电话|手机|号码)"
)
_NAMES_A_CORRECTION = re.compile(
    # the name given was another the customer goes by ("阿宝是小名啦，身份证上是洪宝珠")
    r"是(?:我的?)?(?:小名|外号|昵称|网名|乳名|英文名)|(?:身份证|户口本|证件)上(?:的名字)?(?:是|叫|写的是?)|(?:真名|大名|全名)(?:是|叫)|"
    # the name to file said as such ("投诉人应该写我爸的名字，他叫赵德厚", "登记的话写武晓霞")
    r"(?:投诉人|登记人|登记)(?:的话|时|的时候|上)?(?:就|应该|要)?(?:写|填|用|记)|"
    r"错了|不对|有误|改成|改为|改一下|改下|更正|应该是|写错|说错|讲错|搞错|记错|弄错|打错|错字|说反|颠倒|修改|"
    # a character too few or too many ("我刚才名字少打了一个字，我叫欧阳文静")
    r"(?:少|多|漏)(?:打|写|输|填)了?(?:一个|一|两个|个)字|"
    # said as someone else's ("我刚刚讲成我阿兄的名字了"), in Hokkien and Cantonese 讲 too
    r"(?:讲|说|写|打|填)成[^，,。]{0,8}了|"
    # the customer checked and gives the figure to file ("刚翻了对账单，是八百六十五，你按这个记")
    r"(?:按|以)(?:这个|这|我说的|这次)(?:为准|记|算|写|登记)|(?:刚|刚才|重新|又|我)(?:翻|查|看|核对|对|找)(?:到|出)?(?:了)?(?:一?下)?(?:对账单|账单|短信|记录|流水|小票|收据|明细|水单|回单|凭条|单子)|"
    # counted or reckoned again ("我重新按了计算器，是三百二", "又数了一遍，不是两百是三百")
    r"(?:重新|又|再)(?:按|算|数|点|核)了?(?:一遍|一下|一次|下)?|(?:多|少)按了|(?:按|算|数|点)错了|"
    # "等下，昨天是我看短信的日子，取钱是大前天": the customer stops to put something right
    # ("等下等下，我翻到小票了…": said twice)
    r"^\W*(?:等下|等一下|等等|稍等)(?:等下|等一下|等等)*\W|"
    # the old value denied and the new one given, either way round ("哦不是前天，是大前天",
    # "是一千八，不是一千五")
    # ("不好意思，我翻了下水单，不是前天，是11月29号": after an opening clause too)
    r"(?:^|[，,。])\W*(?:哦|噢|啊|呃|额|嗯|哎)?\W*不是[^，,。；;]{1,10}[，,]\s*(?:是|应该是)|(?:^|[，,])\s*是[^，,。；;]{1,12}[，,]\s*不是[^，,。；;]{1,12}\W*$"
)

_NAME_DECLINE = re.compile(
    r"不方便|不想(说|告诉|透露|留)|不愿(意)?(说|透露|告诉)|不告诉|匿名|保密|不用(名字|姓名)|"
    r"(名字|姓名|称呼)\S{0,3}(不说|不留|不讲|不提|免了|就算了|不用了)|不(说|留|讲)(名字|姓名)"
)
_PHONE_DECLINE = re.compile(r"不想(留|给|说|告诉)|不方便|不愿(意)?(留|给|说)|不给|不留|保密|不能(给|留)")


# Money at stake in the customer's own words: then the amount is asked whatever the kind of case
# (a frozen account, a deposit taken by a salesman, gold bars sold to a pensioner).
_MONEY_AT_STAKE = re.compile(
    r"[0-9一二两三四五六七八九十百千万]+\s*(?:块|元|万)|钱|扣|押金|手续费|利息|罚息|违约金|年费|费用|收费|"
    r"冻结|冻住|转账|转了|汇款|汇了|存了|取了|没到账|退款|赔|损失|理财|基金|保险|金条|贷款|"
    r"多(?:收|扣|算|付|缴|交|还)|好?几[十百千万]|差价|汇率|"
    # a rate or a settlement the customer worked out ("费率原来0.38，结算单出来变成0.6了")
    r"费率|利率|扣点|结算|分润|"
    # any charge by name (清点费, 加急费, 工本费; not 浪费/免费/费劲), a yield short of what was
    # sold ("宣传最高4.2%，到期只给了1.8%"), something the customer was made to buy, a fee in English
    r"(?<![浪免花])费(?![劲力心事尽])|收益|本金|\d\s*[%％]|百分之|买|\b(?:fee|charge|refund)|"
    # a charge by another name, money owed to the customer (滞纳金, 报销款, 货款)
    r"滞纳金|罚金|(?<![存贷])款(?![式项])|"
    # a sale at a price other than the one clicked ("卖积存金，点的时候五百八十二一克，成交变成五百七十六")
    r"卖|成交|单价|价格|价钱|[一每]克|"
    # a price or rent raised (保管箱租金无端端加了价), the rent itself
    r"(?:加|涨|提|调高)(?:了)?价|租金|月租|房租"
)


def required_fields(slots: Dict[str, Any]) -> List[str]:
    """The form's questions for this case, in the order they are asked."""
    description = slots.get("description") or ""
    kind = case_kind(slots.get("category"), slots.get("business_line"), description)
    fields = list(CASE_FIELDS[kind] if kind in CASE_FIELDS else CASE_FIELDS.get(kind.split("/")[0], ()))
    if "amount" not in fields and _MONEY_AT_STAKE.search(parsing.normalize(description)):
        fields.append("amount")
    # money asked back only in the demand ("把账单费退了"): the sum is asked after it
    after = ["amount"] if "amount" not in fields and _REFUND_DEMANDED.search(parsing.normalize(slots.get("demand") or "")) else []
    return ["description", "customer_name", "phone", *fields, "demand", *after]


_REFUND_DEMANDED = re.compile(r"退(?!休|出|卡|订|货)|赔|补偿|返还|还(?:给)?我(?:钱|费)|(?<![浪免花])费(?![劲力心事尽])|利息")


def message_text(tracker: Tracker) -> str:
    return parsing.normalize((tracker.latest_message or {}).get("text") or "")


def message_words(tracker: Tracker) -> str:
    """The message as the customer wrote it (in Simplified characters), for free-text fields.

    ``latest_message`` holds the NLU's normalised text (half-width punctuation); the user
    event keeps what the customer typed.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return parsing.readable(event.get("text") or "")
    return parsing.readable((tracker.latest_message or {}).get("text") or "")


# a word that turns aside to something else in the same message ("…退给我。另外不好意思，我刚才名字
# 少打了一个字"; "前天下午。对了我刚才电话打错了一位")
_ASIDE = re.compile(r"[，,。.!！;；\s]\s*(?:另外|对了|哦对了?|还有就是|还有|顺便(?:说一下|说下|提一下)?|再就是|(?i:btw))")


def before_aside(tracker: Tracker) -> Optional[Tracker]:
    """The tracker as if the customer had sent only the words before such a turn, or None when
    the message does not turn aside after some words of its own."""
    words = message_words(tracker)
    m = _ASIDE.search(words)
    head = words[: m.start()].strip(" ，,。.!！;；") if m else ""
    if not head:
        return None
    copy = tracker.copy()
    # the NLU's entities belong to the whole message
    copy.latest_message = {**(tracker.latest_message or {}), "text": parsing.normalize(head), "entities": []}
    events = list(copy.events)
    for i in range(len(events) - 1, -1, -1):
        if events[i].get("event") == "user":
            events[i] = {**events[i], "text": head}
            break
    copy.events = events
    return copy


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    return [str(v) for v in tracker.get_latest_entity_values(entity) if v not in (None, "")]


_MARKUP = re.compile(r"<[^>]{0,200}>")
# a currency or a shorthand unit next to a figure ("6k整", "2W块", "1w2", "3k5", "USD 320") is
# part of an amount, not letters mixed into digits
_CURRENCY = re.compile(r"(?i:rmb|cny|usd|hkd|eur)\s*(?=\d)|(?<=\d)\s*(?i:k|w|rmb|cny|usd|hkd)(?![A-Za-z])\d?")
_DIGITS_IN_WORDS = re.compile(r"\d[A-Za-z]|[A-Za-z]\d")
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")  # "asdfgh" is a hand on the keys, not a word
_AFFIRM_ONLY = re.compile(
    r"^(好的?|好滴|嗯+|哦+|对+|是的?|可以|行吧?|没问题|ok|okay|收到|知道了|明白|谢谢|谢了|多谢|感谢|辛苦了?|你好|您好|"
    r"确认|确定|提交|对的|没错)+$", re.I
)


_COURTESY = re.compile(r"谢谢|多谢|感谢|谢了|你好|您好|再见|拜拜|早上好|晚上好|辛苦")
_STALLING = re.compile(
    r"^(?:\W*(?:稍等|等一下|等一等|等等|等会儿?|一下|我找找|找一下|我看看|看一下|我查查|查一下|我想想|让我想想|想一想|"
    r"嗯+|呃+|额+|哈|啊|我)\W*)+$"
)


def says_something(text: str) -> bool:
    """Words a person means, not markup, keyboard mashing or a bare "好的": at least two Chinese
    characters, or a real-looking Latin word ("refund", not "jjjj")."""
    if _MARKUP.search(text or ""):
        return False  # customers do not type tags; a page or a probe does
    if _STALLING.match(text or ""):
        return False  # "稍等一下，我找找": the answer is still to come
    plain = text or ""
    bare = re.sub(r"[\W_]+", "", plain)
    if not bare or _AFFIRM_ONLY.match(bare):
        return False
    if len(re.findall(r"[\u4e00-\u9fff]", plain)) >= 2:
        return True
    return any(
        len(set(word.lower())) >= 3 and not any(set(word.lower()) <= set(row) for row in _KEYBOARD_ROWS)
        for word in re.findall(r"[A-Za-z]{3,}", plain)
    )


# -- reading one field from a message ----------------------------------------------------------
# Each reader gets the normalised text, the NLU entities and whether the form has just asked
# for this field (lenient) or the customer mentions it in passing (strict).

def _read_name(text: str, entities: List[str], lenient: bool) -> Optional[str]:
    value = parsing.parse_name(text) if lenient else parsing.find_name(text)
    if value:
        return value
    for candidate in entities:
        candidate = parsing.normalize(candidate)
        # (a lone character is the NLU's guess at a word of the story, "钱被扣走了", unless asked)
        if parsing.is_valid_name(candidate) and candidate in text and (lenient or len(candidate) >= 2) \
                and not any(candidate in org.group() for org in parsing.ORGANISATION.finditer(text)):
            return candidate  # (not a word inside a company's name: 杭州…有限公司)
    if lenient and _NAME_DECLINE.search(text):
        return NAME_DECLINED
    return None


def near_branch(value: Any) -> Optional[str]:
    """The directory's name for a branch the customer nearly named ("朝阳支行" → 朝阳路支行), to
    be confirmed; None for a name the directory holds, for "online" and for anything not close."""
    if not isinstance(value, str) or value in (parsing.NOT_KNOWN, parsing.ONLINE_CHANNEL):
        return None
    found = branches.directory().near_match(value)
    return found.name if found else None


_YES_THAT_ONE = re.compile(r"^\W*(是|对|没错|嗯|恩|就是|正是|yes|yep|ok)", re.I)
_NOT_THAT_ONE = re.compile(r"^\W*(不|没|错|别|no\b|nope)", re.I)


def _answer_to_near_match(text: str, tracker: Tracker) -> str:
    """The branch after "您说的是朝阳路支行吗？": the directory's name on a yes (or when the
    customer says that name), another branch when they name one, else what they first said.
    Never asked twice: any answer settles it."""
    suggestion, said = tracker.get_slot(BRANCH_SUGGESTION), tracker.get_slot(BRANCH_SAID) or ""
    other = parsing.find_branch(text)
    if other and other not in (said, suggestion):
        return other  # "不是，是建设路支行"
    stem, _ = branches.split_suffix(branches.key(suggestion))
    if not _NOT_THAT_ONE.match(text) and (_YES_THAT_ONE.match(text) or stem in branches.key(text)):
        return suggestion
    return said or suggestion


def _nearly_the_same_name(new: str, old: str) -> bool:
    """王晓雯 for 王晓文, 陈凯文 for 陈楷文: the same length, one or two characters apart, the
    surname kept."""
    if new == old or len(new) != len(old) or len(new) < 2 or new[0] != old[0]:
        return False
    return sum(a != b for a, b in zip(new, old)) <= (1 if len(new) <= 3 else 2)


def _surname_put_right(new: str, old: str, text: str) -> bool:
    """"打错了，是三横一竖的王，不是三点水那个汪，王晓婷": the surname told apart from the one given,
    the given name the same."""
    return (len(new) == len(old) >= 2 and new[0] != old[0] and new[1:] == old[1:]
            and re.search(rf"不是[^，,。；;]{{0,8}}{re.escape(old[0])}", text) is not None)


def _read_phone(text: str, entities: List[str], lenient: bool) -> Optional[str]:
    return parsing.parse_phone(text) or next(filter(None, map(parsing.parse_phone, entities)), None)


def _holds_a_fact(body: str) -> bool:
    """What follows "是…" in "这事是最近的", "是在大学城支行办的", "金额是30000": a date, a place or a sum."""
    return bool(
        parsing.find_branch(body) or parsing.parse_date(body, today())
        or parsing.find_amount(body) or parsing.parse_amount(body) is not None and not re.search(r"[\u4e00-\u9fff]{4}", body)
    )


def _GIVES_ANOTHER_FACT(text: str) -> bool:
    """"哦对了，我叫胡晓燕", "这事是九天前的": a name or a date, not a place."""
    return bool(parsing.find_name(text) or parsing.find_date(text, today()) or parsing.says_no_loss(text))


def _read_branch(text: str, entities: List[str], lenient: bool) -> Optional[str]:
    # the customer's own words count as a branch only when they look like a place, not like
    # "金额不对，是两千五"
    free_text = (
        lenient and not parsing.has_digits(text) and set(named_fields(text)) <= {"branch"}
        and says_something(text) and not _GIVES_ANOTHER_FACT(text)
    )
    value = parsing.parse_branch(text, free_text=free_text) if lenient else parsing.find_branch(text)
    if value:
        return value
    for candidate in entities:
        # outside the answer to the branch question, the NLU's branch must name an outlet: in
        # "叫我老胡就行" DIET may tag 胡就行, which is no place
        value = parsing.parse_branch(candidate, free_text=lenient)
        if value:
            return value
    if lenient and parsing.says_not_given("branch", text):
        return parsing.NOT_KNOWN
    return None


def _read_date(text: str, entities: List[str], lenient: bool) -> Optional[str]:
    now = today()
    value = parsing.parse_date(text, now) if lenient else parsing.find_date(text, now)
    if value:
        return value
    if lenient and parsing.says_not_given("occurred_at", text):
        return parsing.NOT_KNOWN
    return None


def _read_amount(text: str, entities: List[str], lenient: bool) -> Optional[float]:
    # the text alone decides: the NLU's amount entity would bring back a figure the parser set
    # aside ("卡里八千八，钱没少"; the digits of a phone number)
    if _MARKUP.search(text) or _DIGITS_IN_WORDS.search(_CURRENCY.sub("", text)):
        return None  # "<script>alert(1)</script>" or "1a2b" hold digits, not an amount
    text = parsing.without_phones(text)  # "座机是025-81489595" to the amount question
    if parsing.says_family_spent_it(text):
        # "…是我外孙买了游戏点卡，钱是自家人花的": a sum, but none asked of the bank
        return parsing.NOT_KNOWN if lenient else None  # type: ignore[return-value]
    value = parsing.parse_amount(text) if lenient else parsing.find_amount(text)
    if value is None and lenient and (parsing.says_not_given("amount", text) or parsing.says_no_loss(text)):
        return parsing.NOT_KNOWN  # type: ignore[return-value]
    return value


def _read_demand(text: str, entities: List[str], lenient: bool) -> Optional[str]:
    if lenient and not (says_something(text) or parsing.says_no_demand(text)):
        return None
    return parsing.parse_demand(text) if lenient else parsing.find_demand(text)


def _read_description(text: str, entities: List[str], lenient: bool) -> Optional[str]:
    return text.strip() if lenient and len(text.strip()) >= 2 else None


READERS: Dict[str, Tuple[str, Callable[[str, List[str], bool], Any]]] = {
    "customer_name": ("customer_name", _read_name),
    "phone": ("phone", _read_phone),
    "branch": ("branch", _read_branch),
    "occurred_at": ("occurred_at", _read_date),
    "amount": ("amount", _read_amount),
    "demand": ("", _read_demand),
    "description": ("", _read_description),
}


# "邓小平的邓", "耳东陈": how a character is written, not a name of its own
_EXPLAINS_A_CHARACTER = re.compile(r"[\u4e00-\u9fff]{1,6}的[\u4e00-\u9fff][，,。.！!\s]*")


def read_field(slot: str, tracker: Tracker, lenient: bool) -> Any:
    entity, reader = READERS[slot]
    # free text is stored as the customer wrote it; values are parsed from the normalised text
    free_text = slot == "description" or (slot == "demand" and lenient)
    # a name is read from the words as typed: a space between words is a pause there ("我叫雷鸣
    # 打雷的雷 鸣叫的鸣"), which the normalised text has closed up (parsing.parse_name normalises)
    text = message_words(tracker) if free_text or slot == "customer_name" else message_text(tracker)
    if slot in ("amount", "occurred_at") and not lenient:
        # in passing, a phone number's digits are neither, and a rough or per-month sum is a
        # clue for the amount question, not its answer
        text = parsing.without_phones(text)
        if slot == "amount" and parsing.rough_amount(text):
            return None
    if slot in ("customer_name", "occurred_at", "amount"):
        # "二十号，不对，是二十一号成交的": the words after the slip, when they hold a value
        fixed = parsing.after_self_correction(text)
        if slot == "customer_name" and fixed and _EXPLAINS_A_CHARACTER.fullmatch(fixed):
            fixed = None  # "登记的登不对，是邓小平的邓": a character put right, read with the name
        value = reader(fixed, [], lenient) if fixed else None
        if value is not None:
            return value
    return reader(text, entity_values(tracker, entity) if entity else [], lenient)


# the customer gives the figures and leaves the sum to us ("千分之八跟千分之六差多少，你自己算"): an
# answer put as a question
_WORK_IT_OUT = re.compile(r"(?:你们?|自己)(?:自己)?(?:算|计算)|算算|算一下|差多少|差了多少|多(?:收|扣)了多少|少了多少")
_QUESTION = re.compile(r"[吗呢？?]|怎么|什么|为什么|为啥|几点|多少|哪里|能不能|可不可以|是不是")


# "680块！！对学生党来说很多了好吗": a tag that asks nothing
_RHETORICAL_TAIL = re.compile(r"(?:好吗|好不好|行吗|行不行|是吧|对吧|知道吗|懂吗|好伐|你说呢)[\W_]*$")


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(_RHETORICAL_TAIL.sub("", text or "")))


# how a customer goes on with the story instead of answering: "而且…", "还有…", "另外…"
_ADDS_TO_STORY = re.compile(r"^\W*(而且|还有|另外|并且|再说|况且|更(过分|离谱|可气)的是|不光|不仅)")


def adds_to_story(text: str) -> bool:
    return bool(_ADDS_TO_STORY.match(text or ""))


def drops_the_complaint(text: str) -> bool:
    """The complaint named as dropped in so many words ("那就不用投诉了，撤了吧"), whatever the NLU
    called the message; "不投诉了你们就不管了吗" asks, and "不投诉了，给我转人工" wants a person."""
    dropped = _DROPS_THE_COMPLAINT.search(text)
    if not dropped or _ASKS_FOR_PERSON.search(text) or _CANCEL_TAKEN_BACK.search(text):
        return False
    # the sentence that drops it must not be a question; a question before it is the reason
    # ("还要登记名字电话啊？那算了，我不投诉了")
    starts = [m.end() for m in re.finditer(r"[？?！!。]", text[: dropped.start()])]
    return not is_question(text[(starts[-1] if starts else 0):])


def is_more_complaint(tracker: Tracker) -> bool:
    """More about what happened: a complaint, or "chit-chat" that names a complaint topic
    ("他还让保安把我赶出去" is not small talk, whatever the NLU says)."""
    intent = latest_intent(tracker)
    if intent == "complain":
        return True
    if intent == "out_of_scope":
        text = message_text(tracker)
        return not is_question(text) and names_a_problem(text)
    return False


def _last_set(tracker: Tracker, slot: str) -> Any:
    """The value ``slot`` was set to before the customer's latest message (rasa_sdk appends this
    turn's readings to ``tracker.events``)."""
    value, seen_user = None, False
    for event in reversed(tracker.events):
        seen_user = seen_user or event.get("event") == "user"
        if seen_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return value


def _sums_of_two(values: List[float]) -> List[float]:
    return [round(a + b, 2) for i, a in enumerate(values) for b in values[i + 1:]]


def classification_slots(description: str, slots: Dict[str, Any]) -> Dict[str, Any]:
    """category/business_line/priority for a description; priority never drops back to normal here
    (only an answer that puts the loss down to the customer's own family does:
    ValidateIntakeForm._own_family_spent_it)."""
    category, business_line, priority = classify(description)
    if slots.get("priority") == "high":
        priority = "high"
    return {"category": category, "business_line": business_line, "priority": priority}


class ValidateIntakeForm(ReaskingFormValidationAction):
    def name(self) -> Text:
        return "validate_intake_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        # The questions for this kind of case, then any other fact the customer already gave:
        # those are validated and kept, so a later change of category never asks for them.
        required = required_fields(tracker.slots)
        given = [s for s in FORM_SLOTS if tracker.slots.get(s) is not None]
        if tracker.slots.get(BRANCH_SUGGESTION):
            given.append("branch")  # said in passing, to be confirmed ("您说的是朝阳路支行吗？")
        return required + [s for s in FORM_SLOTS if s not in required and s in given]

    def special_wording(self, slot: str, slots: Dict[str, Any]) -> Optional[str]:
        if slot == "branch" and slots.get(BRANCH_SUGGESTION):
            return NEAR_MATCH
        state = slots.get(REASK_SLOT) or {}
        first_ask = state.get("slot") != slot or not state.get("count")
        if slot == "occurred_at" and slots.get(OCCURRED_HINT) and first_ask:
            return NARROW
        return None

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        # Every fact a message states is read, not only the ones this kind of case needs: the
        # message may also change the kind of case ("…在朝阳路支行排了两小时队").
        events: List[EventType] = []
        for slot in FORM_SLOTS:
            found = await self._extract_slot(slot, dispatcher, tracker, domain)
            tracker.slots.update(found)
            events += [SlotSet(k, v) for k, v in found.items()]
        return events

    # -- extraction: one method per slot, as rasa_sdk expects ---------------------------------
    def _extract(self, slot: str, tracker: Tracker) -> Dict[str, Any]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        text = message_text(tracker)
        if self._corrects(slot, tracker):
            # "电话说错了，是139…" in the middle of the form: the value after the field name
            value = read_correction(slot, text, tracker.slots, today())
            return {slot: value} if value is not None else {}
        if slot == requested == "branch" and tracker.get_slot(BRANCH_SUGGESTION):
            return {"branch": _answer_to_near_match(text, tracker)}
        if slot == requested:
            if any(self._corrects(other, tracker) for other in FACT_SLOTS if other != slot):
                # "刚才电话说错了，是177…" to the date question: its 刚才 is no date. The answer
                # may come first, the correction after a word that turns aside ("前天下午。对了
                # 刚才电话打错了一位…"): that answer is read alone
                return self._answer_before_aside(slot, tracker)
            if slot == "demand" and not self._is_demand_answer(tracker):
                return {}
            value = read_field(slot, tracker, lenient=True)
            return {slot: value} if value is not None else {}
        if slot == "amount" and requested == "demand" and self._is_demand_answer(tracker):
            return self._refund_named_in_demand(tracker)
        if tracker.get_slot(slot) not in NOT_GIVEN_MARKERS or not self._reads_in_passing(tracker):
            # said in passing: fill gaps (a refused name may come later: "哦要真名啊，我叫方蕾"),
            # never overwrite a value without a correction
            return {}
        value = read_field(slot, tracker, lenient=False)
        if slot == "occurred_at" and parsing.is_period(value):
            # "车贷三月份就全部还完了" told as the story: a rough time is a clue, as in the opening
            # (actions/script.py); the day is still asked
            return {OCCURRED_HINT: value} if not tracker.get_slot(OCCURRED_HINT) else {}
        return {slot: value} if value is not None else {}

    def _answer_before_aside(self, slot: str, tracker: Tracker) -> Dict[str, Any]:
        head = before_aside(tracker)
        if head is None or any(self._corrects(other, head) for other in FACT_SLOTS):
            return {}
        if slot == "demand" and not self._is_demand_answer(head):
            return {}
        value = read_field(slot, head, lenient=True)
        return {slot: value} if value is not None else {}

    @staticmethod
    def _refund_named_in_demand(tracker: Tracker) -> Dict[str, Any]:
        """"把四百块给我补上": the sum the customer asks back is the sum at stake, when the amount
        was only read from the story and never asked ("放进去五十张一百的…只认了四十六张" read
        5000). It may be a part of the figures the story gave, or their sum ("多收了三千八的服务费，
        还有一千二的GPS费" → "这五千块退给我"), never more: a compensation asked on top is no
        refund (parsing.refund_sum reads 退/补/还, not 赔)."""
        refund = parsing.refund_sum(message_text(tracker))
        current = tracker.get_slot("amount")
        asked = any(e.get("event") == "slot" and e.get("name") == REQUESTED_SLOT and e.get("value") == "amount"
                    for e in tracker.events)
        if refund is None or asked or current == refund:
            return {}
        story = parsing.normalize(str(tracker.get_slot("description") or ""))
        told = parsing.money_figures(story)
        if told and refund <= sum(told) and (not parsing.is_valid_amount(current) or refund < current
                                             or refund in _sums_of_two(told)):
            return {"amount": refund}
        return {}

    def _reads_in_passing(self, tracker: Tracker) -> bool:
        """May this message fill a gap the form did not ask about? Not when it corrects a field
        (the correction's "刚才" is no date), and not when it is the demand: its words are about
        what the customer wants ("今天之内到账" is no date of the incident)."""
        if any(self._corrects(slot, tracker) for slot in FACT_SLOTS):
            return False
        return not (tracker.get_slot(REQUESTED_SLOT) == "demand" and self._is_demand_answer(tracker))

    def _is_demand_answer(self, tracker: Tracker) -> bool:
        """Is the answer to the demand question the demand? Answer-first: a free-text answer is
        taken as said ("把两千八给我补到账上" reads like more of the complaint to the NLU), unless
        it gives a fact instead ("我叫王建国", "电话写错了，是139…") or goes on with the story
        ("而且叫号系统一直坏着")."""
        text = message_text(tracker)
        if adds_to_story(text) or any(self._corrects(slot, tracker) for slot in FACT_SLOTS):
            return False
        if _NAMES_A_CORRECTION.search(text) and not parsing.find_demand(text) and any(
            read_field(slot, tracker, lenient=False) is not None for slot in FACT_SLOTS
        ):
            return False  # "不对，是昨天，不是前天": a correction, also once it has been applied
        return not self._other_facts_in_message(tracker)

    @staticmethod
    def _corrects(slot: str, tracker: Tracker) -> bool:
        """Is this message a correction of ``slot``? Answer-first: the question asked is
        answered, and a field already given changes only when the customer names it with a
        correction ("电话说错了，是139…"), not because the NLU said `correct` ("马上停止骚扰，删掉
        那些图" is a demand, not a new name)."""
        if tracker.get_slot(slot) in NOT_GIVEN_MARKERS:
            return False  # nothing to correct: read as an answer or a fact given in passing
        text = message_text(tracker)
        if slot == "phone" and slot != tracker.get_slot(REQUESTED_SLOT):
            # a customer has one number to give: another full number later replaces it
            # ("sorry 号码最后两位是43，186…43")
            other = parsing.find_phone(text)
            if other and other != tracker.get_slot("phone") and not _SOMEONE_ELSES_NUMBER.search(text):
                return True
        if not _NAMES_A_CORRECTION.search(text):
            return False
        named = named_fields(text, entity_values(tracker, "field"))
        if slot in named:
            return True
        # "不对，是昨天，不是前天": no field named, but a new value only one field takes
        if not named and slot in ("occurred_at", "amount") and slot != tracker.get_slot(REQUESTED_SLOT):
            value = read_correction(slot, text, tracker.slots, today())
            if slot == "occurred_at" and parsing.is_period(value) and parsing.holds_the_day(value, tracker.get_slot(slot)):
                # "不是说这个啊，是上个月本来该扣…" to the amount question: a rougher word for the day
                # already given (上个月 holds 11月20号) puts nothing right
                return False
            return value is not None and value != tracker.get_slot(slot)
        # "打错了，是王晓雯，雨字头的雯" to the next question: a name that differs from the one
        # given by a character or two is that name corrected, not somebody else's
        if not named and slot == "customer_name" and slot != tracker.get_slot(REQUESTED_SLOT):
            value = read_correction(slot, text, tracker.slots, today())
            old = str(tracker.get_slot(slot))
            return isinstance(value, str) and (_nearly_the_same_name(value, old) or _surname_put_right(value, old, text))
        return False

    @staticmethod
    def _other_facts_in_message(tracker: Tracker) -> bool:
        """The message gives a fact the form still lacks ("我叫王建国" to the demand question).
        A fact already known is part of the demand ("把两千八给我补到账上", "周末多开窗口")."""
        text = message_text(tracker)
        # who the customer is never belongs in a demand, whether or not it was given before
        if parsing.find_phone(text) or parsing.find_name(text):
            return True
        stated = _STATES_A_FACT.search(text)
        if stated and not parsing.find_demand(text) and _holds_a_fact(re.sub(r"的?\W*$", "", text[stated.end():])):
            return True  # "是在大学城支行办的", "金额是30000", "这事是最近的": a fact told again
        return any(
            tracker.get_slot(slot) is None and read_field(slot, tracker, lenient=False) is not None
            for slot in ("branch", "occurred_at", "amount")
        ) and not parsing.find_demand(text)

    def extract_description(self, dispatcher, tracker, domain):
        return self._extract("description", tracker)

    def extract_customer_name(self, dispatcher, tracker, domain):
        return self._extract("customer_name", tracker)

    def extract_phone(self, dispatcher, tracker, domain):
        return self._extract("phone", tracker)

    def extract_branch(self, dispatcher, tracker, domain):
        return self._extract("branch", tracker)

    def extract_occurred_at(self, dispatcher, tracker, domain):
        return self._extract("occurred_at", tracker)

    def extract_amount(self, dispatcher, tracker, domain):
        return self._extract("amount", tracker)

    def extract_demand(self, dispatcher, tracker, domain):
        return self._extract("demand", tracker)

    # -- validation: values may come pre-filled from the opening message ----------------------
    def validate_description(self, value, dispatcher, tracker, domain):
        if value == NOT_GIVEN:
            return {"description": value}
        if not isinstance(value, str) or len(value.strip()) < 2:
            return {"description": None}
        slots = {"description": value, **classification_slots(value, tracker.slots)}
        # the safety advice (110, freeze, 挂失) comes once, as soon as the case is one of fund safety
        return {**slots, **advise_on_fund_safety(dispatcher, value, tracker.slots)}

    def validate_customer_name(self, value, dispatcher, tracker, domain):
        if value == NAME_DECLINED:
            return {"customer_name": value}
        name = parsing.normalize(str(value)) if value else ""
        if not parsing.is_valid_name(name):
            # a name no surname list holds is kept when the customer's own words single it out
            # ("岩温，我是傣族，就两个字")
            said = parsing.parse_name(message_text(tracker))
            name = parsing.parse_name(name) or (name if name and name == said else "")
        return {"customer_name": name or None}

    def validate_phone(self, value, dispatcher, tracker, domain):
        if value == NOT_GIVEN:
            return {"phone": value}
        phone = value if parsing.is_valid_phone(value) else parsing.parse_phone(str(value or ""))
        return {"phone": phone}

    def validate_branch(self, value, dispatcher, tracker, domain):
        settled = {BRANCH_SUGGESTION: None, BRANCH_SAID: None}
        if value == parsing.NOT_KNOWN:
            return {"branch": value, **settled}
        if not parsing.is_valid_branch(value):
            return {"branch": None}
        near = None if value == tracker.get_slot(BRANCH_SAID) else near_branch(value)
        if near:
            # a name the directory nearly holds ("朝阳支行"): asked back before it is filed, since
            # the wrong branch would see a complaint about itself (docs/design.md, branch directory)
            return {"branch": None, BRANCH_SUGGESTION: near, BRANCH_SAID: value}
        return {"branch": value, **settled}

    def validate_occurred_at(self, value, dispatcher, tracker, domain):
        if value == parsing.NOT_KNOWN and tracker.get_slot(OCCURRED_HINT):
            return {"occurred_at": tracker.get_slot(OCCURRED_HINT)}  # "记不清" after "上个月"
        if value == parsing.NOT_KNOWN or parsing.is_valid_date(value, today()):
            return {"occurred_at": value}
        return {"occurred_at": parsing.parse_date(str(value or ""), today())}

    def validate_amount(self, value, dispatcher, tracker, domain):
        if value == parsing.NOT_KNOWN:
            slots = {"amount": value}
        elif parsing.is_valid_amount(value):
            slots = {"amount": float(value)}
        else:
            slots = {"amount": parsing.parse_amount(str(value or ""))}
        return {**slots, **self._own_family_spent_it(tracker)}

    @staticmethod
    def _own_family_spent_it(tracker: Tracker) -> Dict[str, Any]:
        """"钱后来查清楚了，是我儿子拿我卡冲游戏了，算我家里的事不找你们": the money gone was the
        customer's own family's doing and nothing is claimed, so the case is no longer one of fund
        safety. The one place the priority drops back to normal: the story and this answer together
        are classified again (taxonomy.yml `unauthorised.unless`)."""
        text = message_text(tracker)
        if tracker.get_slot("priority") != "high" or not parsing.says_family_spent_it(text):
            return {}
        description = str(tracker.get_slot("description") or "")
        _, _, priority = classify(f"{description}；{text}")
        return {"priority": priority} if priority == "normal" else {}

    def validate_demand(self, value, dispatcher, tracker, domain):
        if not parsing.is_valid_demand(value):
            return {"demand": None}
        slots: Dict[str, Any] = {"demand": value}
        if detect_flags(value)["compensation_requested"]:
            slots["compensation_requested"] = True
        return slots

    # -- re-ask hooks -------------------------------------------------------------------------
    def leaves_form(self, intent: Optional[str], tracker: Tracker) -> bool:
        text = message_text(tracker)
        if intent == "check_progress":
            # "不是投诉，我只是想查进度": a lookup of an earlier case, not a detail of this one
            # (data/rules/progress.yml); a demand that names progress ("及时告诉我处理进度") stays
            return bool(_WANTS_LOOKUP.search(text)) and not (
                tracker.get_slot(REQUESTED_SLOT) == "demand" and parsing.find_demand(text))
        if intent in ("cancel", "withdraw_complaint"):
            if _CANCEL_TAKEN_BACK.search(text):
                return False  # "本来想说算了不投诉了……想想还是投吧，你继续记"
            if self._gives_up_a_wording(text, tracker):
                return False  # "one five seven… 算了直接打数字 15757129038": the answer, typed again
            if _gives_up_an_option(text, _CANCELS_COMPLAINT):
                return False  # "是不是该匿名投诉？算了不用，就写俺的名儿": the option, not the complaint
            return bool(_CANCELS_COMPLAINT.search(text)) or self.drops_the_complaint(tracker)
        escalation = (tracker.latest_message or {}).get("escalation") or {}
        if intent == "request_human" or (intent == "escalate" and escalation.get("reason") == "human"):
            # inside the form a person is brought only when asked for in so many words:
            # "人工核实一下" is a demand, "你们是真人还是AI" a question
            return (bool(_ASKS_FOR_PERSON.search(text)) and not _ASKS_WHAT_THE_BOT_IS.search(text)
                    and not _WANTS_MORE_STAFF.search(text))
        if intent == "escalate" and escalation.get("source") == "intent" and not escalation.get("cues"):
            # only DIET's intent, with no cue the rules or the learned model know: a real answer
            # to the open question stays an answer ("就在深圳给我销了，别让我跑回老家" to the demand)
            return not self._answers_open_question(tracker)
        return intent == "escalate"

    def _gives_up_a_wording(self, text: str, tracker: Tracker) -> bool:
        """A bare 算了 with the asked value beside it gives up one way of saying the answer, not
        the complaint: nothing else in the message cancels, and the requested slot reads a value."""
        cancels = [m.group(0) for m in _CANCELS_COMPLAINT.finditer(text)]
        if not cancels or any(c.strip("，,。！!？? …") not in ("算了", "算啦") for c in cancels):
            return False
        if self.drops_the_complaint(tracker):
            return False
        slot = tracker.get_slot(REQUESTED_SLOT)
        return slot in FACT_SLOTS and read_field(slot, tracker, lenient=True) not in NOT_GIVEN_MARKERS

    def _answers_open_question(self, tracker: Tracker) -> bool:
        slot = tracker.get_slot(REQUESTED_SLOT)
        if slot == "demand":
            return bool(parsing.find_demand(message_text(tracker)))
        return bool(slot) and self.answers_requested_slot(slot, tracker) and \
            read_field(slot, tracker, lenient=True) is not None

    def drops_the_complaint(self, tracker: Tracker) -> bool:
        return drops_the_complaint(message_text(tracker))

    def give_up_events(self, slot, dispatcher, tracker, domain) -> List[EventType]:
        dispatcher.utter_message(response=GIVEN_UP_REPLY.get(slot, "utter_field_not_given"))
        if slot == "occurred_at" and tracker.get_slot(OCCURRED_HINT):
            return [SlotSet(slot, tracker.get_slot(OCCURRED_HINT))]
        return [SlotSet(slot, GIVEN_UP_AS[slot])]

    def answers_requested_slot(self, slot: Optional[str], tracker: Tracker) -> bool:
        text = message_text(tracker)
        if slot == "demand":
            # a free-text answer, whatever the NLU calls it, except a greeting, thanks or goodbye
            # on its own, or a question that asks for nothing ("你们几点下班？"); a demand is often
            # put as a question ("能不能把钱拦下来？")
            if adds_to_story(text) or (latest_intent(tracker) in ("greet", "thank", "goodbye")
                                       and not parsing.find_demand(text)):
                return False  # ("让她别再联系我" reads like a goodbye to the NLU: it is a demand)
            return not is_question(text) or bool(parsing.find_demand(text))
        if is_question(text) and not (slot == "branch" and parsing.find_branch(text)) \
                and not (slot == "phone" and parsing.find_phone(text)) \
                and not (slot == "amount" and _WORK_IT_OUT.search(text) and read_field(slot, tracker, lenient=True) is not None):
            # "今天天气怎么样" holds a date but answers nothing; "叫什么西乡支行" names a branch;
            # "要电话干啥？……那行，187…" asks, then answers with the whole number
            return False
        if slot in ("phone", "amount"):
            return parsing.has_digits(text) or read_field(slot, tracker, lenient=True) is not None
        if slot in ("customer_name", "branch", "occurred_at"):
            # read as an answer ("最近", "不清楚", "李想"), whatever the NLU made of it; a greeting
            # or thanks answers only with a value it plainly holds ("谢谢" is no branch)
            lenient = latest_intent(tracker) not in ("greet", "thank", "goodbye") or (
                slot == "customer_name" and not _COURTESY.search(text)  # "谢宇航" is no thanks
            )
            return read_field(slot, tracker, lenient=lenient) is not None
        return False

    def is_more_complaint(self, tracker: Tracker) -> bool:
        return is_more_complaint(tracker)

    def failure_reason(self, slot: str, tracker: Tracker) -> str:
        if slot == "phone" and _PHONE_DECLINE.search(message_text(tracker)):
            return DECLINED
        return INVALID

    async def extra_events(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        filled: Dict[str, Any],
    ) -> List[EventType]:
        text = message_text(tracker)
        words = message_words(tracker)
        events: List[EventType] = []
        hint = tracker.slots.get(OCCURRED_HINT)
        if hint and hint != _last_set(tracker, OCCURRED_HINT):
            # read in passing (_extract); rasa_sdk validates only the form's own slots, so the
            # clue is set here
            events.append(SlotSet(OCCURRED_HINT, hint))
        withdrawn = flags_withdrawn(text)
        for flag, raised in detect_flags(text).items():
            if raised and not withdrawn[flag] and not tracker.get_slot(flag):
                events.append(SlotSet(flag, True))
            elif withdrawn[flag] and tracker.get_slot(flag):
                events.append(SlotSet(flag, False))  # "算了，实名就实名吧": asked for, then let go
        requested = tracker.get_slot(REQUESTED_SLOT)
        corrected = bool(_NAMES_A_CORRECTION.search(text) and (set(filled) & set(FACT_SLOTS)) - {requested})
        if corrected:
            dispatcher.utter_message(response="utter_corrected")
        if (
            is_more_complaint(tracker)
            and requested != "description"
            and requested not in filled
            and text
            # a fact put right ("啊我打错了，尾数系8407，唔系8401") is no more of the story
            and not corrected
        ):
            # more about what happened, not an answer: add it to the complaint, then ask again
            description = tracker.get_slot("description") or ""
            if words not in description:
                description = f"{description}；{words}" if description else words
                events.append(SlotSet("description", description))
                events += [SlotSet(k, v) for k, v in classification_slots(description, tracker.slots).items()]
            dispatcher.utter_message(response="utter_detail_added")
            advice = advise_on_fund_safety(dispatcher, description, tracker.slots)
            events += [SlotSet(k, v) for k, v in advice.items()]
        return events

