"""Is this message a withdrawal (撤诉) of a complaint made before? Read from its words, for the
NLU's IntentWordsReader (bot/nlu/intent_words.py, which explains why) and the action server's cancel
path (actions/script.py). No Rasa import: the action server loads this too."""
from __future__ import annotations

import re
from typing import List, Optional

WITHDRAW_INTENT = "withdraw_complaint"
CANCEL_INTENT = "cancel"
# DIET's withdrawal that the words say is none: the component takes DIET's next-best intent
NEXT_BEST = "next_best"

# the complaint, as customers name it: the slips of the same pinyin (头诉, 偷诉, 投述, 投素), 客诉 in
# Taiwan, the verb split around its object ("投的那个诉"), English
_COMPLAINT = (
    r"(?:投诉|投訴|投述|投素|头诉|偷诉|透诉|客诉|客訴|申诉|申訴|投(?:的|了|过)(?:那个|那次)?诉|complaint|complain)"
)
_CASE_NO = r"[Tt]\s*[Ss]\s*[0-9]{4}"
# verbs that drop it: 撤 in every dialect's form, cancel, void, no longer wanted or pursued
_DROP = (
    r"(?:撤(?:回|销|消|銷|掉|了|咯|咗|返|脱|下|走)?|取消|作废|不要了|不要啦|"
    r"不用(?:再)?(?:处理|跟进|管|弄|查)了?|别(?:再)?(?:处理|管|弄)了?|莫(?:管|弄|处理)了?|勿要弄|唔使跟进|"
    r"不追究了?|withdraw|cancel|drop)"
)
# after the verb only a particle, a polite tail, or "how do I do it" may end the clause
_TAIL = (
    r"(?:[吧了掉啦咯呗哈啊呀吗呢嘛喇啰佢伊它一下谢好的行可以麻烦您你请帮忙处理\s]{0,8}"
    r"|[要该]?(?:怎么|如何)(?:操作|弄|办理?|撤)?[吗呢啊]?)$"
)
_SPLIT = re.compile(r"[，,。.！!？?；;\n（）()]+")
# who and which, between a drop verb and the complaint ("撤回我上次的投诉")
_WHICH = r"(?:我|我的|我们的?|之前|先前|上次|上回|那个|那件|这个|该|前面|刚才|昨天|前几天|的|在这里|这边|my|the|\s)*"

# "那个投诉我不要了", "投诉撤回吧"; not "我要投诉…" (a new complaint told with 不要了 in it)
_NOUN_THEN_VERB = re.compile(rf"(?<![要想来])(?<!要来){_COMPLAINT}[^，,。]{{0,14}}?{_DROP}{_TAIL}")
_VERB_THEN_NOUN = re.compile(rf"{_DROP}(?:掉|了)?{_WHICH}{_COMPLAINT}")
_NUMBER_AND_VERB = re.compile(rf"{_CASE_NO}[0-9\s\-]*[^，,。]{{0,8}}?{_DROP}{_TAIL}|{_DROP}{_WHICH}[^，,。]{{0,4}}?{_CASE_NO}")
_WITHDRAW_WORD = re.compile(r"撤[诉訴]")
# a clause that is only the withdrawal ("现申请撤回", "帮忙撤回", "帮我撤咯")
_BARE = re.compile(
    r"^(?:现|现在|我|我们|想|要|就|申请|麻烦|麻烦您|帮忙|帮我|请|请您|那就|那|可以|能|直接)*"
    r"(?:撤回|撤销|撤消|撤掉|撤咯|撤脱|撤咗|撤了|撤返|取消)" + _TAIL
)
# a complaint made before, named in some clause of the message
_PAST_COMPLAINT = re.compile(
    rf"(?:上次|上回|上趟|之前|先前|早前|前几天|前两天|昨天|前天|上周|上礼拜|上个月|刚才|刚刚|本人于|[0-9]+月[0-9]+[日号])"
    rf"[^，,。]{{0,16}}?{_COMPLAINT}|{_COMPLAINT}(?:了|过|的)|(?:提交的|我的|那个|那件|这个){_COMPLAINT}|{_CASE_NO}"
)
# refusing to withdraw ("别想让我撤回投诉", "我是不会去撤诉的"), telling of being pushed to
# ("网点经理逼我撤回投诉": a new complaint), or of someone else's withdrawal: no withdrawal
_REFUSED = re.compile(
    r"(?:别想|休想|甭想|不会|不可能|绝不|决不|不打算|没打算|不想|不肯|不愿意?|不能|不要(?!了)|不准|不)"
    r"(?:让我|再|去|给你们|给他们)?(?:撤|取消)"
    # told as done long ago ("上次那件事我已经撤诉了，今天想问问理财")
    r"|(?:已经|早就|早已)[^，,。]{0,2}?撤"
)
_PUSHED = re.compile(r"(?:逼|迫|威胁|施压|催|劝)[^，,。]{0,3}?(?:我|客户|人家|我们)[^，,。]{0,3}?(?:撤|取消)")
_SOMEONE_ELSE = re.compile(
    r"(?:朋友|同事|邻居|亲戚|别人|人家|网友|他|她)(?:们)?[^，,。我]{0,8}?撤[^，,。吧]{0,8}?了(?![吧哈啊呀])"
)
# how withdrawing works, asked and not asked for: a question with no request in it ("撤诉一般多久
#生效？", "如果投诉了以后还能撤回吗？"), hearsay ("网上说撤诉之后…"), or nothing filed yet
_QUESTION = re.compile(r"[？?]|吗\W*$|能不能|能否|可不可以|是不是|会不会|多久|还能|怎么|如何|要不要")
_REQUEST = re.compile(r"帮我|帮忙|麻烦|我要|我想|申请|请(?!问)|撤了吧|撤回吧|撤销吧|取消吧")
_NOT_FILED = re.compile(r"如果|要是|假如|万一|网上说|听说|还没(?:有)?(?:投|提交|登记)|还在考虑|没想好|先问问")


def _clauses(text: str) -> List[str]:
    return [c.strip() for c in _SPLIT.split(text) if c.strip()]


def names_a_complaint(text: str) -> bool:
    """The message speaks of a complaint or its number (a cancel of it is a withdrawal)."""
    return bool(re.search(rf"{_COMPLAINT}|撤[诉訴]|{_CASE_NO}", text or ""))


def declines(text: str) -> bool:
    """Words that make a message no withdrawal, whatever else it says: a refusal, being pushed to
    withdraw, someone else's withdrawal, a question about withdrawing with no request in it."""
    if _REFUSED.search(text) or _PUSHED.search(text) or _SOMEONE_ELSE.search(text):
        return True
    if _NOT_FILED.search(text):
        return True
    return bool(_QUESTION.search(text)) and not _REQUEST.search(text)


def withdraws(text: str) -> bool:
    """Does the message ask to withdraw a complaint made before?"""
    text = text or ""
    if declines(text):
        return False
    clauses = _clauses(text)
    for clause in clauses:
        if any(p.search(clause) for p in (_WITHDRAW_WORD, _NOUN_THEN_VERB, _VERB_THEN_NOUN, _NUMBER_AND_VERB)):
            return True
    past = any(_PAST_COMPLAINT.search(c) for c in clauses)
    return past and any(_BARE.match(c) for c in clauses)


def read_intent(text: str, intent: Optional[str]) -> Optional[str]:
    """The intent this reading puts instead of DIET's, NEXT_BEST for DIET's runner-up, or None
    to keep DIET's."""
    if intent in ("escalate", "request_human"):
        return None  # the escalation component's business
    if intent == WITHDRAW_INTENT:
        if not names_a_complaint(text):
            return CANCEL_INTENT
        return NEXT_BEST if declines(text) else None
    return WITHDRAW_INTENT if withdraws(text) else None
