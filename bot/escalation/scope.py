"""Scope of one cue: is this mention the customer's own live threat? (issue 13)

A rule file's keyword fires wherever it stands. This module looks at the words around ONE
match of a cue in the normalised text (``bot.escalation.rules.norm``: Simplified, half-width,
lower case) and says whether it is a threat the customer is making now:

    why_not_live("放心,我不会去找媒体的", 7, 9)          -> "negated"
    why_not_live("再不退钱我就去找记者", 7, 9)            -> None      (live)

The answer is ``None`` (live) or one reason code:

==============  ==========================================================================
negated         a negator governs the cue in its own clause (我不打算找消协, 没想起诉谁)
someone_else    someone else acts (我邻居去了电视台, 同事报了警), not the customer
settled         a past or near-miss episode that was resolved (去年差点…后来经理解决了)
own_job         the customer's own occupation (我是记者, 我做律师的)
passive         news about the bank (你们被媒体曝光过吗)
question        a question about which channel to use (我该找你们还是找12378?)
not_the_bank    the cue is explicitly about something that is not the bank (跟你们没关系)
joke            laughter in the cue's sentence (气死我了哈哈); rules.py uses it for anger only
at_a_thing      the heat of anger at a thing that fails (系统又死机，气死人), nobody blamed, no
                insult: not explained away but lowered to mild (``TO_MILD``); anger only
==============  ==========================================================================

Which codes apply to which reason is each rule file's ``scope:`` list (rules.py). Violence
and self-harm are never scoped: their cues carry their own negations (不想活, 别逼我) and a
wrong "not live" there costs far more than an agent's minute.

The heuristics lean towards "live": when in doubt the cue fires, as before (recall is
preferred, docs/design.md). In particular a message that goes on to threaten anyway (…再不处理,
否则, 逼我, 我也要去…) makes every cue live, whatever it said first.

Terms: a *clause* is the text between any two marks (, ; : 、 … and spaces, and the sentence
marks); a *sentence* is the text between 。 ! ? . and newlines.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional, Tuple

NEGATED, SOMEONE_ELSE, SETTLED, OWN_JOB = "negated", "someone_else", "settled", "own_job"
PASSIVE, QUESTION, NOT_THE_BANK, JOKE = "passive", "question", "not_the_bank", "joke"
TAKEN_BACK = "taken_back"
MARKED_JOKE = "marked_joke"
AT_A_THING = "at_a_thing"
ALMOST = "almost"
CODES = (NEGATED, SOMEONE_ELSE, SETTLED, OWN_JOB, PASSIVE, QUESTION, NOT_THE_BANK, JOKE, TAKEN_BACK,
         MARKED_JOKE, AT_A_THING, ALMOST)
# Codes that do not explain a cue away but lower it: the cue counts as one of the file's mild
# cues (rules.rule_matches), so an intensifier (!!!, 😡😡) still makes it strong.
TO_MILD = (AT_A_THING, ALMOST)

# --------------------------------------------------------------------------- clauses, sentences
# "." ends a sentence unless it sits between digits (3.15, 1.5万).
_SENTENCE_MARK = r"[。!?\n]|(?<!\d)\.|\.(?!\d)"
_CLAUSE_MARK = _SENTENCE_MARK + r"|[,;:、…~\s\"'“”()（）]"
SENTENCE_RX = re.compile(_SENTENCE_MARK)
CLAUSE_RX = re.compile(_CLAUSE_MARK)


def _span(rx: re.Pattern, text: str, start: int, end: int) -> Tuple[int, int]:
    """The [begin, finish) of the unit (clause or sentence) holding text[start:end]."""
    begin = 0
    for m in rx.finditer(text, 0, start):
        begin = m.end()
    after = rx.search(text, end)
    return begin, (after.start() if after else len(text))


def clause_span(text: str, start: int, end: int) -> Tuple[int, int]:
    return _span(CLAUSE_RX, text, start, end)


def sentence_span(text: str, start: int, end: int) -> Tuple[int, int]:
    return _span(SENTENCE_RX, text, start, end)


# ------------------------------------------------------------------- the message threatens anyway
# Said anywhere after the cue, these make the cue live whatever came before it: the customer
# goes on to a condition or an ultimatum (我不想闹到法院,但你们再拖…), or takes up someone
# else's threat (我邻居去了电视台,我也要去 / 我孙女要发到网上,我同意了).
THREAT_AFTER = re.compile(
    r"否则|不然|要不然|再不|再拖|再这样|如果(你们|还)?不|要是(你们|还)?不|别怪|逼我|别逼|不要逼"
    r"|走着瞧|等着瞧|给我等着|你们等着|后果自负|说到做到|看着办"
    r"|(我|俺)(也|就|真的?|一定|肯定|马上|已经)(要|会|去|找|告|发|打算|准备)"
    r"|我?(同意|支持|赞成)(了|他|她)?(?![吗?])"
)
# Said before the cue in its own sentence, a condition aimed at the bank keeps someone else's
# or a past cue live (我老公说再不退钱就找记者).
# (…or the condition said outright: 今天不给办完,就直接发朋友圈)
CONDITION_BEFORE = re.compile(r"再不|如果|要是|不然|否则|要不然|的话|再拖|再这样"
                              r"|不(给|帮)?(我|我们|他|她)?(办|解决|处理|退|赔|还)[^,;:、。!?\s]{0,3},?就")


def _threat_follows(text: str, end: int) -> bool:
    return bool(THREAT_AFTER.search(text, end))


# --------------------------------------------------------------------------------- negation
# A negator of the customer's intent, in the cue's clause, before the cue. Bare 不/没 are not
# negators (不退钱我就找记者: the 不 negates the bank's act), nor are 别/不要 (别逼我去找记者,
# 不要让我去找媒体: threats) nor 不敢 (你以为我不敢找记者?).
NEGATOR = re.compile(
    r"不会|不打算|没打算|没有打算|不想|也不想|不是要|不是来|不是想|不是说要|不准备|没准备"
    r"|没想|没有想|没想过|没想要|并不|并没|不用|没必要|没有必要|用不着|犯不着|不至于|不需要"
    r"|不必|无意|没有要|没要|没说要|没说过要|不去|没去|没有去|不找|没找|没有找|不告|没告"
    r"|不愿|不屑|不值得|不值当|懒得|才不|不可能|绝不|决不|从没|从来没|从不|不再"
    r"|唔使|唔洗|不使|不洗|唔会|唔想|唔要|唔打算|冇打算|冇想过|唔系要|唔系想|唔系嚟"  # Cantonese (唔使转人工, 冇打算去金管局, 今次唔系要爆料)
    # no time or patience to spare for it (我没那闲工夫找媒体)
    r"|没(?:那|那个)?闲?(?:工夫|功夫|闲心|精力|心思)|没空"
    # the customer's act itself refused (我不打12378, 不发网上): 不 + a verb of acting on the cue
    r"|不打|不投|不报|不发|不闹"
    # would not dare (我哪敢炸你们银行); Sichuan and south-western 不得 + a verb is "will not"
    # (我不得去告你们), never 不得不 (must: handled in code) or 不得了
    r"|哪敢|哪里敢|哪儿敢|不得(?=去|找|告|发|闹|报|打|投|上|拉)"
    # not the kind to (我不是那种会拉横幅的人)
    r"|不是那种|不是那样的|不是那号"
)
# An intent the customer had and dropped, said in the sentence: 本来想找律师的，后来想想算了
INTENDED_BEFORE = re.compile(r"本来|原本|本想|本打算|起初|一开始|开始还")
DROPPED_AFTER = re.compile(r"算了|作罢|犯不上|犯不着|没必要|放弃了|打消了|不折腾了|就不(去|找|告|发)了")
# After the cue in its clause, the customer waves it off (找人工太麻烦了, 转人工就不用了).
# …or says why not (打官司太累, 找媒体划不来)
DECLINED_AFTER = re.compile(r"^[^,;:、。!?\s]{0,3}(太麻烦|好麻烦|就不用了|不用了|就算了|算了吧|就免了|没必要|不需要了"
                            r"|太累|太费劲|太折腾|耗不起|划不来|不值当|不值得)")
# A negator only counts after the last of these in the clause: a condition or a new
# resolve starts after them (再不处理我就找记者; 你们不想解决那我只能起诉).
NEGATION_RESET = re.compile(r"就|才|否则|不然|要不|但|可是|只能|只好|只有|干脆|直接|那我|必须|一定")
# Not negations of the threat: must (不得不, 不能不), A-not-A questions (会不会, 去不去) are
# handled in code; these before the negator make it rhetorical (你们以为我不会去告?).
RHETORICAL_BEFORE = re.compile(r"以为|当我|觉得我|认为我|谁说|难道|为什么|为啥|怎么|凭什么|本来|原本|本想|还没|暂时|先不|目前还")
# "I won't let it go" between negator and cue: defiance, not a negation (我不会放过你们去找媒体).
DEFIANCE = re.compile(r"放过|罢休|善罢甘休|算了|饶|客气|妥协|让步|退让|接受|原谅|甘心|死心|手软|忍|等")
# After the cue in its clause: the negation is a double one or a challenge (不找媒体不行是吧).
NEGATION_UNDONE_AFTER = re.compile(r"不行|不可|不成|是吧|是不是|吗|(你们|你)(就|才)")
# Someone else's negation: 你们不想解决我找记者 (the negator's subject is the bank).
OTHER_NEGATOR_SUBJECT = re.compile(r"(你们|你|您|贵行|银行|柜员|经理|客服)(也|都|还|根本|就是|就)?$")
MAX_NEGATION_GAP = 12  # characters between the negator and the cue


def _negated(text: str, start: int, end: int) -> bool:
    cs, ce = clause_span(text, start, end)
    if DECLINED_AFTER.search(text[end:ce]):
        return True
    ss, se = sentence_span(text, start, end)
    if INTENDED_BEFORE.search(text, ss, start) and DROPPED_AFTER.search(text, end, se):
        return True
    resets = [m.end() for m in NEGATION_RESET.finditer(text, cs, start)]
    begin = max(resets) if resets else cs
    negators = [m for m in NEGATOR.finditer(text, begin, min(start + 3, ce)) if m.start() < start]
    if not negators:
        return False
    neg = negators[-1]
    if neg.start() > 0 and text[neg.start() - 1] in "得能":  # 不得不, 不能不: must
        return False
    if neg.start() > 0 and text[neg.start() - 1] == text[neg.start() + 1]:  # 会不会, 去不去
        return False
    if neg.end() < len(text) and text[neg.end()] == "不":  # 不会不去找: double negation
        return False
    # (up to the negator's end: 还没 / 暂时不 overlap it)
    if RHETORICAL_BEFORE.search(text[sentence_span(text, start, end)[0]:neg.end()]):
        return False
    if OTHER_NEGATOR_SUBJECT.search(text[cs:neg.start()]):
        return False
    between = text[neg.end():start]
    if len(between) > MAX_NEGATION_GAP or DEFIANCE.search(between):
        return False
    # 了 closes the negated predicate (我不想等了直接找记者), except in 为了/除了
    if re.search(r"(?<![为除])了", between):
        return False
    # a new subject 我 after the negator starts a new predicate (…不想解决我找记者)
    if re.search(r"(我|俺)(?!的|们的)", between[1:]):
        return False
    if NEGATION_UNDONE_AFTER.search(text[end:ce]):
        return False
    return True


# ------------------------------------------------------------------------------ attribution
# Who acts: the nearest subject before the cue in its sentence. Kin and other people may carry
# a determiner (我老公, 我的朋友); 你们/你 are the bank and decide nothing (look further back).
_KIN = (r"老公|老婆|丈夫|妻子|爱人|媳妇|老伴|家人|家里人|儿子|女儿|孩子|孙子|孙女|外孙|外孙女"
        r"|父亲|母亲|爸爸|妈妈|老爸|老妈|爸|妈|哥哥|姐姐|弟弟|妹妹|大哥|大姐|表哥|表姐|表弟|表妹"
        r"|堂哥|堂姐|亲戚|前妻|前夫|男朋友|女朋友|对象"
        # in-laws and nephews (我女婿, 我姐夫在报社)
        r"|女婿|儿媳妇|儿媳|姐夫|妹夫|嫂子|弟媳|侄子|侄女|外甥女|外甥"
        # 我哥, 俺姐: short kin words only right after the speaker (not 帅哥, 小姐)
        r"|(?<=[我俺咱的])(?:哥|姐|弟|妹|舅|姨|姑|叔)")
_OTHERS = (r"邻居|同事|朋友|同学|家长|网友|客户|房东|租客|老板|大爷|大妈|阿姨|叔叔|大叔|大婶|小伙子"
           r"|律师|对方|骗子|催收(?:员|的人|的|公司|人员)|保安|柜员|大堂经理|工作人员|路人"
           r"|店员|员工|伙计|顾客|储户|老人|老太太|老头|小孩|学生|柜台|客户经理|理财经理|网点的人"
           r"|主角|主人公|角色"  # a story's people (写小说的，主角因为欠债想自杀)
           # a streamer or blogger seen in passing (刷到一个博主直播跟银行吵架)
           r"|博主|主播|网红|up主|大v")
OTHER_SUBJECT = re.compile(
    r"(?:(?:我|俺|咱)的?|我们的?|我家的?)?(?:" + _KIN + "|" + _OTHERS + r")(?:们)?"
    r"|他们|她们|他|她|人家|别人|有人|好多人|很多人|不少人|许多人|别的客户|其他客户|旁边的人|后面的人|前面的人"
    r"|(?:那|有|一)个(?:人|男的|女的)|的人"
)
SELF_SUBJECT = re.compile(r"我们|我|俺|咱们|咱|本人|老子")
# before a person: the customer makes them act, or acts with them (我让我儿子发抖音,
# 我和老公去电视台, 我准备委托他起诉)
CAUSATIVE = re.compile(r"(让|叫|喊|请|托|委托|拜托|找|带|带着|和|跟|同|陪|替|帮|求|派|安排|给)$|(让|叫|喊|请|找|派|安排|联系)(了|好)?(个|一个|一位|位|几个|两个)$"
                       # …with who they are said first (叫电视台的朋友, 让我在报社的同学)
                       r"|(让|叫|喊|请|托|拜托|派|安排)[^,;:、。!?\s]{1,8}的$")
# before a person: that person is an object, not the one who acts (我问他, 我告他, 骂我)
OBJECT_VERB = re.compile(r"(问|告|骂|打|看|见|通知|联系|对|向|把|被|等|说服|劝|拦|为|是|像)$")
# after someone else's speech verb, 我 is inside their words (朋友说我可以找律师)
SPEECH_BEFORE_SELF = re.compile(r"(说|讲|建议|劝|提醒|告诉|让|叫|问|要求|觉得|认为)(过)?$")


OWN_LAWYER = re.compile(r"(我|俺|我们)的?律师")


def _actor(text: str, start: int, end: int) -> Optional[str]:
    """'self', 'other' or None (no subject in the sentence before the cue)."""
    ss, _ = sentence_span(text, start, end)
    found = []  # (start, end, who)
    for m in OTHER_SUBJECT.finditer(text, ss, start):
        found.append((m.start(), m.end(), "other"))
    for m in SELF_SUBJECT.finditer(text, ss, start):
        if not any(s <= m.start() < e for s, e, _ in found):
            found.append((m.start(), m.end(), "self"))
    who = None
    for s, e, kind in sorted(found):
        before = text[ss:s]
        if kind == "other" and OWN_LAWYER.match(text, s, e):
            kind = "self"  # 我的律师会起诉: the customer's own lawyer acts for them
        if kind == "other" and re.search(r"(我|俺)(是|就是|作为)[^,;:、。!?\s]{0,4}$", before) \
                and re.match(r"客户|顾客|储户|博主|主播|网红|up主|大v", text[s:e]):
            continue  # 我是对公客户, 我是美食博主: the customer says who they are, nobody else acts
        if kind == "other" and text[s:e] == "的人" and re.search(r"我们|咱们|俺们", before):
            kind = "self"  # 我们十几个买了那款理财的人: the customer among them
        if kind == "other":
            if CAUSATIVE.search(before) and who == "other":
                continue  # 我同事跟他那家银行闹掰了: the colleague still acts, 他 is with him
            if CAUSATIVE.search(before):
                kind = "self"  # 我让我儿子…, 我和老公…
            elif OBJECT_VERB.search(before):
                continue  # 我问他…: an object, not the actor
        elif kind == "self":
            if text[e:e + 1] == "的" or OBJECT_VERB.search(before):
                continue  # 我的…, 骂我: not the actor
            if who == "other" and (SPEECH_BEFORE_SELF.search(before) or re.search(r"(跟|和|同)$", before)):
                continue  # 朋友说我可以找律师, 她跟我打官司: still the other's act
        who = kind
    return who


KIN_SUBJECT = re.compile(r"(?:(?:我|俺|咱)的?|我家的?)?(?:" + _KIN + ")")
# what a relative's act is aimed at: the bank or the customer's case (我儿子说要曝光你们)
BANK_TARGET = re.compile(r"你们|贵行|这件事|这事")
# …unless the customer stopped them (我老公想告你们,被我拦住了)
STOPPED = re.compile(r"拦|劝住|劝下|劝他|劝她|没让|不让|阻止|制止|按住|算了|没必要")
# the customer says they act too, earlier in the sentence (我要投稿给公众号,他们专门曝光…)
SELF_INTENT = re.compile(r"(我|俺)(要|会|准备|打算|已经|一定|就)[^,;:、。!?\s]{0,2}(去|找|发|投|告|把|让|联系|请|拍|录|写|上)")
# acting together with the others (大家商量好了,一起去市政府反映)
TOGETHER = re.compile(r"一起|一块|一同|一道")
# …or agreed with them beforehand (我跟几个老伙计约好了,周五举着牌子去总行)
AGREED_WITH = re.compile(r"(我|俺)(跟|和|同)[^。!?]{0,30}(约好|说好|商量好|约了)")


# the bank's own people told the customer to do it (柜台说只能我自己报警或者打官司, 客服问我要不要
# 报警): their advice, unless the customer then resolves on it (…那我只能去告你们了)
BANK_SPEAKER = re.compile(r"(?<![跟和对给向同])(你们|贵行|银行|柜台|柜员|客服|经理|工作人员|网点)[^,;:、。!?\s我俺]{0,6}(说(?![不的得明服])|建议|告诉我|问我|劝我|让我|叫我)")  # 说不明白, 说的我听不懂, 情况说明 are no advice
# (…or has already acted on their own: 这种暴力催收我已经截图发给监管热线了)
RESOLVE = re.compile(r"(那|那么)?(我|俺)[^,;:、。!?\s]{0,4}?(就|要|会|一定|也|只能|只好|必须|准备|打算|已经)|大不了|否则|不然|再不")
CLAUSE_BREAK = re.compile(r"[,;:、]")


# the customer's own act, opening a clause after the bank's words (…非让我扫码,我去人民银行举报)
OWN_ACT_OPENS = re.compile(r"(那|那么)?(我|俺)(自己)?(今天|明天|马上|这就|现在|立刻|回头)?(去|到|找|向|跟|给)")


def _told_by_the_bank(text: str, start: int) -> bool:
    ss = sentence_span(text, start, start)[0]
    said = list(BANK_SPEAKER.finditer(text, ss, start))
    if not said or RESOLVE.search(text, said[-1].end(), start):
        return False
    cs = clause_span(text, start, start)[0]
    if cs > said[-1].end() and OWN_ACT_OPENS.match(text, cs):
        return False
    # their words reach the next clause at most: "经理让我把钱转到他账户,说是内部通道,我怀疑
    # 被骗了,已经去派出所报案" is the customer's own report, clauses later
    return len(CLAUSE_BREAK.findall(text, said[-1].end(), start)) <= 1


# a cue that is itself a request to the one reading (麻烦帮我接过去, 请帮我转人工): the customer's
# own, whoever else the sentence names before it (得找你们的客户经理，麻烦帮我接过去)
REQUEST_TO_READER = re.compile(r"麻烦(你|您)?|请(你|您)?|帮我|给我")


def _someone_else(text: str, start: int, end: int) -> bool:
    if _told_by_the_bank(text, start):
        return True
    if REQUEST_TO_READER.match(text, start):
        return False
    if _actor(text, start, end) != "other":
        return False
    ss, se = sentence_span(text, start, end)
    cs, _ = clause_span(text, start, end)
    if CONDITION_BEFORE.search(text, ss, start):
        return False  # 我老公说再不退钱就找记者
    if SELF_INTENT.search(text, ss, start) or TOGETHER.search(text, cs, end) or AGREED_WITH.search(text, ss, start):
        return False
    last_other = None
    for m in OTHER_SUBJECT.finditer(text, ss, start):
        last_other = m
    if last_other is None:
        return True
    # the other person's words judge the bank (朋友是律师,他说你们这样可以直接告): relayed, live
    # (their words, not their act at the bank: "听说有人在你们网点门口拉横幅" is hearsay)
    # (说要/说会 is their own plan, 他说要去法院告你们: theirs, not the customer's)
    if re.search(r"(说|讲|认为|觉得|建议|告诉我)(?!要|会|准备|打算|想)[^,;:、。!?\s]{0,12}?(你们|你(?!说))", text[last_other.end():start]):
        return False
    # a relative acting against the bank for the customer (我儿子说要去人民银行告你们) is the
    # customer's case: live, unless the customer stopped them
    kin = [m for m in KIN_SUBJECT.finditer(text, ss, start)]
    # (a relative who suffered it, 她儿子被人拿刀逼着, acts against nobody)
    if kin and not text.startswith("被", kin[-1].end()) and BANK_TARGET.search(text, kin[-1].end(), se) \
            and not STOPPED.search(text, ss):
        return False
    return True


# ----------------------------------------------------------------------------------- settled
PAST = re.compile(r"之前|以前|上次|上回|去年|前年|那次|当时|上个月|上周|前几天|前阵子|曾经|差点|差一点|险些|都快|已经|早就|"
                  r"(?:投诉|反映|告|找|打|去|说|发|写|挂|贴|闹|拍)过")  # "我还去人民银行投诉过", "发过一条朋友圈"
# a resolution after the cue; not 没解决 / 还没处理 / 不道歉
RESOLVED = re.compile(r"(?<![没未不])(?<!没有)(?<!还没)(解决了|解决好|处理好|处理了|搞定|退了|退回|退给|道了歉|道歉了|赔了|补偿了|没事了|翻篇|满意(?!度)|感谢|谢谢|"
                      # "后来你们经理亲自打电话道歉，钱也追回来了", "你们处理得挺好"
                      r"打电话道歉|(?:亲自|专门|当面)道歉|接受了|出面(?:处理|解决|协调)|和解了|调解(?:好|完)|追回来了?|要回来了|拿回来了|了结|结案了|判完了|"
                      # the post taken down once it was settled (后来事情解决我就删了)
                      r"删了|删掉了|撤下来了|处理得(?:挺|很|还|比较|蛮|非常)?(?:好|快|及时|到位|不错))")


# …told as what happened (后来你们把钱赔了): a report, whatever 把 suggests
REPORTED = re.compile(r"后来|已经|早就|早已|最后|之后")
# a resolution asked for, not reported (你们先把年费退了再说)
DEMAND = re.compile(r"把|先|要|得|必须|赶紧|给我|请|希望|能不能|如果|要是|再说")


def _settled(text: str, start: int, end: int) -> bool:
    cs, ce = clause_span(text, start, end)
    ss, _ = sentence_span(text, start, end)
    if not PAST.search(text, cs, ce):
        return False
    if CONDITION_BEFORE.search(text, ss, start):
        return False
    for m in RESOLVED.finditer(text, end):
        rs, re_ = clause_span(text, m.start(), m.end())
        # the demand words around the resolution, not inside it (处理得挺好 is no 得 of must)
        if not DEMAND.search(text[rs:m.start()] + "，" + text[m.end():re_]) or REPORTED.search(text, rs, m.start()):
            return True
    return False


# ----------------------------------------------------------------------------------- own job
OCCUPATION = re.compile(r"记者|律师|警察|民警|主播|博主|编导|编辑|主持人|法官|检察官|媒体人|网红|up主|摄影师|自媒体")
# 是/做/当/干/作为 + a few words with no verb of acting (我就是要找记者 is no job)
# (Cantonese 系 for 是: 我之前系记者; not 联系/关系)
JOB_BEFORE = re.compile(r"(是|(?<![联关体维])系|做|当|干|作为)(?P<mid>[^,;:、。!?\s]{0,6})$")
JOB_MID_VERB = re.compile(r"[要找去叫给会告让打发被请上来]|真的|准备|打算")


# 我是<the cue> + the customer's post in it (我是区法院的书记员, 我是电视台做节目的): the cue is the
# customer's employer, named by what they do there
POST_AFTER = re.compile(
    r"^[^,;:、。!?\s]{0,2}的?[^,;:、。!?\s]{0,3}(书记员|职员|员工|职工|工作人员|编导|编辑|助理|实习生|干部|科员|"
    r"会计|出纳|司机|保安|保洁|后勤|技术员|程序员|设计师|主任|法警|干警|摄像|剪辑|制片)"
    r"|^[^,;:、。!?\s]{0,2}(做|搞|跑|管|拍|负责)[^,;:、。!?\s]{1,4}的(?![^,;:、。!?\s])")
# the cue names where the customer works or worked (我以前在消协干过, 在监管局实习过)
WORKED_AT_AFTER = re.compile(r"^[^,;:、。!?\s]{0,3}(干过|干了|工作|上班|实习|任职|当过|做过|退休)")
# the cue is the customer's own business (我在抖音直播带货, 自己的律所)
# 年轻时在报社…, 以前在电视台…: where the customer once worked
PAST_WORKPLACE_BEFORE = re.compile(r"(年轻时|年轻的时候|以前|之前|当年|过去|退休前|早年|原来)[^,;:、。!?\s]{0,3}在$")
# 在一家律师事务所做会计: the cue names the customer's workplace, a job follows
WORKPLACE_BEFORE = re.compile(r"(我|俺)[^,;:、。!?\s]{0,2}在(一家|一个|家)?$")
WORK_AFTER = re.compile(r"^[^,;:、。!?\s]{0,6}(做|当|上班|工作|干|实习|任职)")
OWN_BUSINESS_AFTER = re.compile(r"带货|卖货|开店|做生意|做买卖|接广告|收款")
# the cue says whose telephone it is, given as a contact (0571-8612 3400（律所座机）, 报社的电话)
PHONE_OF_AFTER = re.compile(r"^的?(座机|电话|号码|固话|分机|前台|总机|办公电话)")
RING_BEFORE = re.compile(r"(打|拨|拨打|call|致电)[^,;:、。!?\s]{0,2}$")
REACH_ME_AFTER = re.compile(r"找我|联系我|转我|叫我|找到我")
OWN_ORG_BEFORE = re.compile(r"自己的?$")
OWN_ORG = re.compile(r"律所|律师事务所|报社|电视台|媒体|公众号|直播|抖音|快手|小红书|微博")
ILL_OF_THE_BANK = re.compile(r"坑|骗|曝光|黑心|欺负|评评理|维权|揭露|怎么对")
# the customer's habit on a platform (平时拍抖音, 业余做直播), not aimed at the bank
HABIT_BEFORE = re.compile(r"(平时|平常|日常|经常|一直|业余|没事)(在|就|也|会|都)?(拍|做|发|玩|运营|更新|刷|用)[^,;:、。!?\s]{0,2}$")


def _own_job(text: str, start: int, end: int) -> bool:
    cs, ce = clause_span(text, start, end)
    if _actor(text, start, end) == "other":
        return False
    if WORKED_AT_AFTER.search(text[end:ce]) and text[max(cs, start - 3):start].find("在") >= 0:
        return True
    if PAST_WORKPLACE_BEFORE.search(text[cs:start]):
        return True
    if WORKPLACE_BEFORE.search(text[cs:start]) and WORK_AFTER.search(text[end:ce]):
        return True
    if OWN_BUSINESS_AFTER.search(text, end, ce):
        return True
    # a telephone given as a contact (打报社总机找我), not one the customer rings to complain
    # (打金融监管局电话投诉你)
    if PHONE_OF_AFTER.search(text[end:ce]) and (not RING_BEFORE.search(text[max(cs, start - 4):start])
                                                 or REACH_ME_AFTER.search(text[end:ce])):
        return True
    if OWN_ORG_BEFORE.search(text[cs:start]) and OWN_ORG.match(text, start):
        return True
    if HABIT_BEFORE.search(text[cs:start]) and not re.search(r"你们|银行|贵行", text[cs:ce]):
        ss, se = sentence_span(text, start, end)
        return not ILL_OF_THE_BANK.search(text, ss, se)  # 平时拍抖音,这回专门拍你们怎么坑人
    # 是/做/当 + (an organisation) + an occupation: the cue is the occupation or stands in its
    # noun phrase (我是电视台编导, 我做了二十年报社记者)
    job = OCCUPATION.match(text, start) or POST_AFTER.search(text[end:ce])
    if not job:
        nxt = OCCUPATION.search(text, end, min(ce, end + 3))
        if not nxt:
            return False
    before = JOB_BEFORE.search(text[cs:start])
    if before is None or JOB_MID_VERB.search(before.group("mid")):
        return False
    # 做X的 after a measure word describes other people (联系了几个做财经的自媒体)
    return not re.search(r"(个|位|些|家|帮|群)$", text[cs:cs + before.start()])


# ----------------------------------------------------------------------------------- passive
PASSIVE_BEFORE = re.compile(r"被(?!迫|逼|气|骗|坑|害)(?P<mid>[^,;:、。!?\s]{0,6})$")
PASSIVE_MID_VERB = re.compile(r"[我去找要得了]")
# the customer wishes it on the bank: 你们等着被曝光吧, 我要让你们被曝光
PASSIVE_THREAT = re.compile(r"让|要|等着|等|会|就|迟早|早晚|准备|小心|活该|该")
SELF_BEFORE_PASSIVE = re.compile(r"(我|俺)(就|也|还|快|马上|可能)?(要|会|快要|将|将要)?$")


# news about a regulator's rules (听说金融监管总局出了新规)
# what the customer heard or saw, not what they do: news, reports, hearsay, a video (one
# lexicon for the news-rule below and for the two-sign rule of why_severe_not_live)
HEARD_OR_SEEN = re.compile(r"新闻|报道|听说|据说|网上看到|视频里|看到有|电视里|电视上|刷到|视频说|看到热搜|热搜说")
NEWS_AFTER = re.compile(r"^[^,;:、。!?\s]{0,3}(出了|发布|出台|发了|新规|规定|通知|要求|罚|处罚|通报)")


def _passive(text: str, start: int, end: int) -> bool:
    cs, ce = clause_span(text, start, end)
    if HEARD_OR_SEEN.search(text, cs, start) and NEWS_AFTER.search(text[end:ce]):
        return True
    if _seen_on(text, start, end):
        return True
    m = PASSIVE_BEFORE.search(text[cs:start])
    if not m or PASSIVE_MID_VERB.search(m.group("mid")):
        return False
    if SELF_BEFORE_PASSIVE.search(text[cs:cs + m.start()]):
        return True  # 我要被你们行起诉了: the customer is the one it is done to
    return not PASSIVE_THREAT.search(text[cs:cs + m.start()])


# the platform is where the customer saw something (看到热搜说…, 在抖音上刷到…), not where they post
SEEN_BEFORE = re.compile(r"(看到|刷到|看了|看见|刷了)$")
SEEN_AFTER = re.compile(r"^(上|里|里面|上面)?(说|讲|报道|有人|写着|写的)")
SEEN_IN_AFTER = re.compile(r"^(上|里|里面|上面)(看到|刷到|看见)")


def _seen_on(text: str, start: int, end: int) -> bool:
    cs, ce = clause_span(text, start, end)
    if SEEN_BEFORE.search(text[cs:start]) and SEEN_AFTER.search(text[end:ce]):
        return True
    return text[cs:start].endswith("在") and bool(SEEN_IN_AFTER.search(text[end:ce]))


# ---------------------------------------------------------------------------------- question
CHANNEL_QUESTION = re.compile(r"应该|应当|该找|该打|哪个部门|哪个|找哪|打哪|归[^,;:、。!?\s]{0,4}管|可以找|能不能找|能找|怎么投诉|去哪|找谁|还是|"
                              r"途径|渠道|流程|怎么反映|向哪|区别|分别|边个|什么意思|是什么|有什么不同|是干什么|是干嘛|管什么|"
                              # what it is (12378是做什么的); not its number: "省分行的投诉电话多少?" comes
                              # before "我要投诉你们"
                              r"是做什么|做什么的"
                              # how long it takes or when someone answers (12378是24小时有人接的吗?,
                              # 金融监管局的投诉一般多久会有回复?)
                              r"|多久|多长时间|多少天|几个工作日|时限|时效|24小时|几点|有人接|上班时间|工作时间")
# …but not a threat asked as a question (是不是该去找记者了?, 难道只能找消协?)
# (…nor the customer's act held up as a question: 你说我要是发到抖音上,会是什么样?)
QUESTION_THREAT = re.compile(r"是不是|要不要|只能|只好|难道|逼|再不|不然|否则|信不信"
                             r"|(你说|你猜|你想想|你们想想|你们猜)(我|俺)?[^,;:、。!?\s]{0,3}(要是|如果|假如|真)")


# the customer says the question is all: nothing is filed, nor meant to be yet
NOT_YET = re.compile(r"只是(先)?(了解|问问|问一下|咨询)|还没(有)?决定|(暂时|目前|现在)(还)?没(有)?(这个)?(打算|想法)|还没(有)?(要|打算|想)(去)?(申诉|投诉|反映|告)|没这个打算")


# asks where to take something, even without a question mark (文书应该送到你们哪个部门)
WHERE_TO = re.compile(r"哪个部门|哪个窗口|找哪个|送到哪|交到哪|交给谁|哪里办")


def _question(text: str, start: int, end: int) -> bool:
    ss, se = sentence_span(text, start, end)
    sentence = text[ss:se]
    ends_asking = (text[se:se + 1] == "?" or re.search(r"(吗|呢)\W*$", sentence)
                   or WHERE_TO.search(sentence))
    if not ends_asking or QUESTION_THREAT.search(sentence):
        return False
    # a question about a body's process, said to be only a question (我只是先了解一下,还没有要申诉)
    return bool(CHANNEL_QUESTION.search(sentence) or NOT_YET.search(text))


# ------------------------------------------------------------------------------ not the bank
NOT_BANK = re.compile(
    r"(跟|和|与)(你们|你|银行|你们银行|贵行)(都|也|一点|完全)?(没|无|没有)(什么|啥|任何)?关系(?!吗|\?)"
    r"|(跟|和|与)(你们|银行|贵行)无关|不是(针对|冲着|说)(你们|银行|贵行)|不关(你们|银行)的?事|不是你们的(事|问题|错)"
)


# the cue's own clause names another target after it (报警抓那个骗子, 起诉离婚), and not the bank
OTHER_TARGET_AFTER = re.compile(r"骗子|小偷|诈骗|离婚|开发商|房东|前夫|前妻|物业|婆家|网贷|欠款人|欠钱的|老赖|债务人|借款人|供应商|承包商")
# …or before it: a suit with someone else (跟供应商的官司)
OTHER_PARTY_BEFORE = re.compile(r"(跟|和|与)(?!你们|你|银行|贵行)[^,;:、。!?\s]{1,8}?(之间)?的$")
# a lawsuit the household has (家里有个官司): theirs, not one against the bank
OWN_LAWSUIT_BEFORE = re.compile(r"有(个|一个|场|一场|桩)$")


def _not_the_bank(text: str, start: int, end: int) -> bool:
    ss, se = sentence_span(text, start, end)
    if NOT_BANK.search(text, ss, se):
        return True
    cs, ce = clause_span(text, start, end)
    if re.search(r"你们|你|银行|贵行", text[cs:ce]):
        return False
    # 这事跟你们银行没关系 in another sentence of the message
    if NOT_BANK.search(text):
        return True
    if text.startswith("官司", start) and OWN_LAWSUIT_BEFORE.search(text[cs:start]):
        return True
    return bool(OTHER_TARGET_AFTER.search(text, end, ce) or OTHER_PARTY_BEFORE.search(text[cs:start]))


# -------------------------------------------------------------------------------------- joke
LAUGHTER = re.compile(r"哈哈|嘻嘻|hhh|lol|233|😂|🤣|😆|😄|😁|开玩笑|逗你")


def _joke(text: str, start: int, end: int) -> bool:
    ss, se = sentence_span(text, start, end)
    # laughter closes the sentence right after it ("气死我了哈哈!"): look one sentence further
    after = SENTENCE_RX.search(text, se + 1)
    return bool(LAUGHTER.search(text, ss, after.start() if after else len(text)))


# ------------------------------------------------------------------------------- taken back
# the words quoted as words ("刚才那句气死我了"), or taken back in the message ("发错了", "别往
# 心里去", "不是冲你们"): what the customer says they did not mean
QUOTED_BEFORE = re.compile(r"(?:那句|这句|一句|那话|口头禅)[^,;:、。!?\s]{0,2}$")
TAKEN_BACK_WORDS = re.compile(r"发错了|发错人|别往心里去|不是冲你们|不是说你们|不是针对你们|口头禅|随口一说|说着玩")


def _taken_back(text: str, start: int, end: int) -> bool:
    cs, _ = clause_span(text, start, end)
    return bool(QUOTED_BEFORE.search(text[cs:start]) or TAKEN_BACK_WORDS.search(text))


# --------------------------------------------------------------------------------- marked joke
# The customer says in so many words it was a joke (开个玩笑, 逗你的): enough to set a media or
# regulator cue aside, where laughter alone is not (哈哈，等着被曝光吧 is sarcasm). Not when denied
# (我不是开玩笑, 别以为我开玩笑).
MARKED_JOKE_WORDS = re.compile(r"(?<!不是)(?<!没)(?<!没有)(?<!别以为我)(?<!别当我)(?<!谁跟你)开(个|了个)?玩笑(的|而已|啦|哈|呢)?(?!吗)|逗你(的|玩)|说着玩的"
                               # said in jest in other words (说笑的, 闹着玩的, Cantonese 讲笑咋)
                               r"|(?<!不是)(?<!没)(?<!没有)(?<!别以为我)(?<!谁跟你)(说笑|讲笑|闹着玩)(的|而已|啦|哈|呢|咋|啫|嘅|㗎)")


def _marked_joke(text: str, start: int, end: int) -> bool:
    return bool(MARKED_JOKE_WORDS.search(text))


# ---------------------------------------------------------------------------------- at a thing
# The heat of anger (气死, 激死) at a thing that fails — a system that hangs, an app, a form, a
# machine that will not take the card — with nobody of the bank's people named, none of its acts
# that cost the customer (扣钱, 乱收费) and no insult anywhere in the message: exasperation, which
# the conventions call mild anger. 气死我了，又扣我钱 and 你们这群废物，气死我了 stay strong.
EXASPERATION = re.compile(r"气死|气炸|气疯|激死|激到|嬲死|嬲到")
THING = re.compile(r"系统|app|软件|程序|机器(?!人)|机子|自助机|atm|柜员机|取款机|提款机|存取款机|页面|网页|网站|界面"
                   r"|验证码|密码|流程|表格|表单|手续|网速|信号|东西|二维码|u盾|刷脸|人脸识别"
                   r"|死机|闪退|卡死|卡住|卡顿|转圈|崩了|崩溃|白屏|黑屏|报错|打不开|登不上|登录不了|加载|没反应"
                   r"|难弄|弄不好|搞不定|弄不明白|搞唔掂|搞唔到|搞不掂|搞不到|部机")
# …none of which may stand anywhere in the message: the bank as the one who angers (被你们气炸),
# people of the bank, a group of them, an insult, or an act of the bank that cost the customer
NOT_A_THING = re.compile(r"(被|让|给|叫)(你们|你)|你们[^,.!?;。、]{0,3}(气|激)|你们这(帮|群|些)|你哋班|你地班|你们班|一(帮|群|伙)|一个个|人话|智障|弱智|白痴|脑子|脑残|傻|蠢|笨"
                         r"|废物|废柴|垃圾|骗|坑|扣|乱收|收费|收我|冻结|态度|柜员|经理|客服|员工|职员|工作人员"
                         r"|行长|主任|保安|欺负|破银行|烂银行|黑心|流氓")


def _at_a_thing(text: str, start: int, end: int) -> bool:
    if not EXASPERATION.match(text, start):
        return False
    _, se = sentence_span(text, start, end)
    return bool(THING.search(text, 0, se)) and not NOT_A_THING.search(text)


# ------------------------------------------------------------------------------------ almost
# "Nearly" driven mad (我真的快被逼疯了, 都快气死了) with no insult in the message: exasperation,
# which the conventions call mild anger; 你们这帮废物，快把我气死了 stays strong.
NEARLY_MAD = re.compile(r"逼疯|气死|气疯|气炸|疯了|崩溃")
ALMOST_BEFORE = re.compile(r"(快|快要|都快|就快|差点)[^,;:、。!?\s]{0,5}$")
INSULT = re.compile(r"你们这(帮|群|些)|一(帮|群|伙)|智障|弱智|白痴|脑残|废物|废柴|垃圾|破银行|烂银行|黑心|流氓|骗子|王八|混蛋|他妈|tm|nm")


def _almost(text: str, start: int, end: int) -> bool:
    if not NEARLY_MAD.match(text, start):
        return False
    cs, _ = clause_span(text, start, end)
    return bool(ALMOST_BEFORE.search(text[cs:start])) and not INSULT.search(text)


CHECKS = (
    (NEGATED, _negated),
    (SOMEONE_ELSE, _someone_else),
    (SETTLED, _settled),
    (TAKEN_BACK, _taken_back),
    (OWN_JOB, _own_job),
    (PASSIVE, _passive),
    (QUESTION, _question),
    (NOT_THE_BANK, _not_the_bank),
    (JOKE, _joke),
    (MARKED_JOKE, _marked_joke),
    (AT_A_THING, _at_a_thing),  # last: laughter or words taken back explain the cue away first
    (ALMOST, _almost),
)


def why_not_live(text: str, start: int, end: int, codes: Iterable[str] = CODES) -> Optional[str]:
    """``None`` when the cue at text[start:end] (normalised text) is the customer's own live
    threat, else the first code of ``codes`` that explains it away (see the module's table)."""
    codes = set(codes)
    if not codes or _threat_follows(text, end):
        return None
    for code, check in CHECKS:
        if code in codes and check(text, start, end):
            return code
    return None


def why_severe_not_live(text: str, start: int, end: int) -> Optional[str]:
    """A violence or self-harm cue (rules.NEVER_SCOPED) is not explained away by one sign, only
    by two at once:
    - someone else acts AND it is laughed off or retold news ("店员还开玩笑说要把收款码砸了",
      "看新闻说有老人想不开从楼上跳下来"), or AND the customer asks for help or facts about it
      ("我朋友老说不想活了，你们有没有心理援助热线？");
    - the customer denies it AND laughs it off ("哈哈开玩笑的，我才不会去砸你们柜台"), or marks
      the very words a joke AND asks about something else ("跌得我想跳楼（开玩笑），几天到账？");
    - it lies in the past AND was resolved AND the customer says how things are now ("前几年也想过
      轻生。现在欠款还清了，人也缓过来了").
    ``None`` when live."""
    if _threat_follows(text, end):
        return None
    if not _someone_else(text, start, end):
        if _negated(text, start, end) and _joke(text, start, end):
            return JOKE
        joke = MARKED_JOKE_WORDS.search(text, end, min(len(text), end + 10)) or MEME_LAUGH_AFTER.match(text, end)
        if joke and joke.start() <= end + 2 and _asks_for_help_or_facts(text):
            return MARKED_JOKE
        return SETTLED if _over_and_done(text, start, end) else None
    if _joke(text, start, end):
        return JOKE
    if _asks_for_help_or_facts(text) or OTHERS_THREAT_DISMISSED.search(text):
        return SOMEONE_ELSE
    ss, _ = sentence_span(text, start, end)
    return PASSIVE if HEARD_OR_SEEN.search(text, ss, start) else None


# someone else's threat the customer stopped or waves off (我已经拦住了，他就是嘴上说说)
OTHERS_THREAT_DISMISSED = re.compile(r"拦住|劝住|劝下来|按住|没让他|没让她|嘴上说说|说说而已|只是说说|说的气话|气话")

# a question after facts or help (有没有…热线, 一般几天到账, 怎么打电话), not a rhetorical one
# (你们满意了吗, 你们管不管)
HELP_OR_FACTS = re.compile(r"有没有|能不能|可不可以|可以|怎么|如何|多少|几天|几号|几点|哪个|哪里|哪儿|什么|是不是有"
                           r"|有[^,;:、。!?\s]{1,12}吗|能[^,;:、。!?\s]{1,6}吗")
# a meme phrase laughed at on the spot (打工人不想活了系列😂): marked as a joke like 开玩笑
MEME_LAUGH_AFTER = re.compile(r"(系列|梗|表情包)?\W{0,2}(😂|🤣|😆|哈哈|hhh)")


# a last clause that asks without a question mark (有没有高一点的, 请问APP怎么登录)
ASKING_OPENS = re.compile(r"(请问|想问|问一下|问下|请教)?[^,;:、。!?\s]{0,4}(有没有|能不能|可不可以|怎么|如何|请问|请教|想问)")


def _asks_for_help_or_facts(text: str) -> bool:
    tail = text.rstrip(" .。!~")
    last = max((m.end() for m in CLAUSE_RX.finditer(tail)), default=0)
    if ASKING_OPENS.match(tail, last) and not QUESTION_THREAT.search(tail, last):
        return True
    for m in re.finditer(r"[?？]|吗\W*$", text):
        cs, _ = clause_span(text, max(0, m.start() - 1), m.start())  # the asking clause alone
        if HELP_OR_FACTS.search(text, cs, m.end()) and not QUESTION_THREAT.search(text, cs, m.end()):
            return True
    return False


# the past (a time, not 已经/差点) before the cue, a resolution after it, and the present said
SEVERE_PAST = re.compile(r"以前|之前|前几年|前些年|去年|前年|那时|那时候|当时|曾经|年轻时|有段时间|有一阵")
SEVERE_RESOLVED = re.compile(r"(?<![没未不])(?<!还没)(解决了|还清了|缓过来|挺过来|走出来了|熬过来|没事了|好起来了|过去了)")
NOW = re.compile(r"现在|如今|这回|这次|眼下|目前")


def _over_and_done(text: str, start: int, end: int) -> bool:
    ss, _ = sentence_span(text, start, end)
    if not SEVERE_PAST.search(text, ss, start):
        return False
    resolved = SEVERE_RESOLVED.search(text, end)
    return bool(resolved and NOW.search(text, end) and not _threat_follows(text, resolved.end()))


def is_live(text: str, start: int, end: int, codes: Iterable[str] = CODES) -> bool:
    return why_not_live(text, start, end, codes) is None
