"""A seeded customer simulator for the intake conversation, and the checks every conversation
must pass (issue 12).

A simulated customer is a seed: ``SimulatedCustomer(seed)`` draws, from ``random.Random(seed)``,
a kind of complaint, an opening written in one register (colloquial, Traditional, typos and
homophones, emoji, mixed English, no punctuation), and the facts the customer MEANS: name,
phone, branch, date, amount, demand, confidential. Each question the assistant asks is told
from its words (``topic_of``) and answered from pools: the right value in one of many forms,
"don't know" answers, a refused name, chit-chat, gibberish, HTML, emoji, a 1,000-character rant,
a fact of another question, and corrections of a fact given earlier. About 5% of customers
cancel mid-way and about 5% ask for a person; everyone else confirms at the read-back.

``play()`` drives one conversation through any ``say(text) -> replies`` function (the real
stack over REST in the end-to-end test and the bench; a fake bot in tests/test_intake_simulator.py)
and ``check()`` holds it to the contract:

- it ends within ``MAX_TURNS`` customer messages in a filed case (TS + 14 digits), in the
  cancellation the customer asked for, or in the handoff the customer asked for; any other
  handoff is an "unrequested handoff", running out of turns or a question whose topic cannot be
  told is a "loop / dead end";
- no question is asked more than three times;
- a question the customer already answered usably is not asked again (except right after a
  correction of that topic; a "don't know" answer may be re-asked ``NOT_GIVEN_REASKS`` times,
  docs: docs/design.md "optional slots accept 'not given' after one re-ask"; a rough time in the
  opening or said in passing to another question, "上个月", may be followed by one question for
  the day);
- every filed field is what the customer meant (``field_matches``: name as said, Simplified;
  phone digits, a landline with its area code, +86 dropped; date "YYYY-MM-DD", or for "最近",
  "上个月", "月初", "上周" an interval "YYYY-MM-DD/YYYY-MM-DD" holding all the meant days; amount in
  yuan; null for what was refused, not known or never usably answered; confidential as said;
  branch as named, and a demand's first clause); a question that got
  three unusable answers is filed as not given (null), never handed off.

Each answer records what it conveys (``Answer.gives``), so the checks read the conversation as
the customer lived it, not as the customer was drawn: a field counts only if it was asked or
said. Only fields the assistant asked about, or the customer said in the opening, are checked
for presence; any other value the case holds must still be right.
"""
from __future__ import annotations

import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

MAX_TURNS = 20            # customer messages, the opening included
MAX_ASKS = 3              # a question may be asked at most this often
NOT_GIVEN_REASKS = 1      # re-asks allowed after "不清楚"/"不方便" before it must be accepted
P_BAD_FIRST = 0.2         # a question's first answer is a non-answer
P_REAL_AFTER_BAD = 0.7    # after a non-answer, the next ask gets a real answer
P_CANCEL = 0.05
P_HUMAN = 0.05
P_CORRECTION = 0.15
# What an approximate date means (the filed interval must contain all these days).
RECENT_DAYS = 7           # "最近": the last week, today included

NOT_GIVEN = "<not given>"     # a usable answer that gives no value: 不清楚, 不涉及, 不方便透露
NO_DEMAND = "<no demand>"     # "没有，就是反映一下": a demand answer with nothing to check
NO_BRANCH = "<no branch>"     # "没去网点，都是手机上弄的": null, or the bot's online-channel marker (线上…)

FIELDS = ("customer_name", "phone", "branch", "occurred_at", "amount", "demand")
# topics a question can be about; the first seven are the form's, "confirm" the read-back
FORM_TOPICS = ("description", "customer_name", "phone", "branch", "occurred_at", "amount", "demand")
COUNTED_TOPICS = FORM_TOPICS + ("confirm",)

# failure classes
UNREQUESTED_HANDOFF = "unrequested handoff"
UNREQUESTED_CANCEL = "unrequested cancellation"
REQUEST_IGNORED = "cancel/handoff request ignored"
LOOP = "loop / dead end"
ASKED_TOO_OFTEN = "asked >3 times"
ASKED_AGAIN = "asked again"
WRONG_FIELD = "wrong field"
CASE_MISSING = "case missing"
FAILURE_CLASSES = (UNREQUESTED_HANDOFF, UNREQUESTED_CANCEL, REQUEST_IGNORED, LOOP, ASKED_TOO_OFTEN,
                   ASKED_AGAIN, WRONG_FIELD, CASE_MISSING)

CASE_NO = re.compile(r"TS\d{14}")
# words that may mean a handoff: then the tracker's "paused" decides (a hotline offer such as
# "拨打客服热线按提示转人工" also says 人工 but is no handoff)
HANDOFF_HINT = re.compile(r"人工|专人和您沟通|专人跟进|客服接入|排在第|请您稍候")
CANCELLED = re.compile(r"不提交了|不登记了|不会登记|不予登记|已取消|取消了?(这次|本次|您的)?投诉|撤销了")
FILED_PENDING = re.compile(r"稍后会?自动完成登记")
# the call-back offered instead of a wait (bot/domain/callback.yml): the conversation is handed over
CALLBACK_OFFER = re.compile(r"回电会打到|给您回电|打电话给您")


def beijing_today() -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


# ── telling the topic of a question ────────────────────────────────────────────────────────────
# As tests/e2e/dialogue.topic_of, extended: the read-back's own words, the correction prompts,
# the description question, and "确认" alone is no confirmation question ("没能确认是哪个网点").
QUESTION_TOPICS = [
    ("which_field", re.compile(r"修改哪一?项|哪一?项需要修改|要改哪|改哪一?项")),
    ("correct_value", re.compile(r"正确的(?P<label>[^，。？?、]{1,8}?)(是什么|是多少|是哪|。|？|\?|$)")),
    ("confirm_cancel", re.compile(r"(确定|确认|真的)[^。？?]{0,12}(不投诉|不登记|取消|撤回|不提交)")),
    ("confirm_handoff", re.compile(r"(需要|要不要|是否|要)[^。？?]{0,8}转(接)?人工[^。]{0,6}[吗？?]")),
    ("confirm", re.compile(r"是否确认|确认提交|回复“确认”|回复\"确认\"|确认无误|请您核对|核对一下(登记|您)|没问题的话|可以提交")),
    ("phone", re.compile(r"手机|电话|联系方式|号码")),
    ("customer_name", re.compile(r"怎么称呼|姓名|名字|贵姓|称呼")),
    ("branch", re.compile(r"网点|支行|营业厅|哪家|营业部")),
    ("occurred_at", re.compile(r"什么时候|时间|哪天|哪一天|日期|几号")),
    ("amount", re.compile(r"金额|多少钱|多少元|涉及.*钱|钱数")),
    ("demand", re.compile(r"诉求|希望|期望|要求|想怎么|如何处理|怎样处理|怎么处理")),
    ("description", re.compile(r"什么问题|具体说说|描述|经过|发生了什么|什么情况|什么事|哪方面")),
    # "没理解，麻烦再说详细一点": the previous question again (play() maps it)
    ("rephrase", re.compile(r"说详细|再说一遍|换个说法|没理解|没太明白|没听明白|没听清|没看明白")),
]
FIELD_OF_LABEL = [
    ("customer_name", ("姓名", "名字", "称呼")), ("phone", ("手机", "电话", "号码")),
    ("branch", ("网点", "支行")), ("occurred_at", ("日期", "时间", "哪天")),
    ("amount", ("金额", "钱")), ("demand", ("诉求", "要求")), ("description", ("内容", "经过")),
]


def topic_of(text: str) -> Tuple[Optional[str], Optional[str]]:
    """(topic, field) of one bot message; field only for a "正确的X" prompt."""
    for topic, pattern in QUESTION_TOPICS:
        found = pattern.search(text or "")
        if not found:
            continue
        if topic == "correct_value":
            label = found.group("label")
            for name, words in FIELD_OF_LABEL:
                if any(w in label for w in words):
                    return topic, name
            continue
        return topic, None
    return None, None


def topic_of_replies(replies: Sequence[str]) -> Tuple[Optional[str], Optional[str]]:
    """The question of a turn: the last message that asks something."""
    for reply in reversed(list(replies)):
        topic, label = topic_of(reply)
        if topic:
            return topic, label
    return None, None


# ── pools ──────────────────────────────────────────────────────────────────────────────────────
BRANCHES = ["朝阳路支行", "高新区支行", "人民广场营业部", "解放路支行", "中山路支行", "建设路支行",
            "和平街支行", "东城支行", "西城支行", "南湖支行", "火车站支行", "开发区支行", "滨江支行",
            "新华路支行", "文化路支行", "大学城支行", "科技园支行", "金融街支行"]

# (name, surname); compound surnames and names that are also words
NAMES = [("王建国", "王"), ("李桂芳", "李"), ("张伟", "张"), ("陈志强", "陈"), ("刘洋", "刘"),
         ("赵敏", "赵"), ("欧阳娜娜", "欧阳"), ("司马云飞", "司马"), ("诸葛明", "诸葛"),
         ("上官婉清", "上官"), ("李想", "李"), ("高兴", "高"), ("金鑫", "金"), ("文静", "文"),
         ("马丽", "马"), ("周到", "周"), ("常青", "常"), ("白雪", "白"), ("陈美玲", "陈"),
         ("林小雨", "林"), ("吴桐", "吴"), ("何平", "何"), ("宋佳", "宋"), ("黄金", "黄"),
         ("郑秀兰", "郑"), ("孙立新", "孙"), ("胡晓燕", "胡"), ("朱红", "朱")]

MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                   "152", "155", "156", "158", "159", "166", "176", "177", "180", "181", "186",
                   "187", "188", "189", "191", "198", "199"]
LANDLINE_AREAS = ["010", "021", "020", "0571", "0755", "025", "028", "027"]


@dataclass(frozen=True)
class Template:
    text: str
    amt: str = "{}"       # how a volunteered amount reads in the sentence
    where: str = "在{}"
    # False where the sum in the sentence is not yet the disputed one ("我买了三万，现在亏了不少":
    # the sum put in, the loss unsized): the assistant may still ask, and the answer is the sum
    amount_said: bool = True


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    money: bool                  # the complaint is about a sum of money
    branch_p: float              # chance the customer can name a branch
    openings: Tuple[Template, ...]
    descriptions: Tuple[str, ...]
    demands: Tuple[str, ...]
    amounts: Tuple[float, ...] = ()
    confidential_p: float = 0.05
    no_branch: Tuple[str, ...] = ("没去网点，都是手机上弄的", "不涉及网点", "没有去过网点")


KINDS: Tuple[Kind, ...] = (
    Kind("card_fraud", "盗刷", True, 0.15, (
        Template("我的信用卡{when}被盗刷了{amt}，卡一直在我身上，我根本没消费过"),
        Template("{when}收到短信说我的卡在外地消费了{amt}，不是我刷的，卡就在我手上"),
        Template("银行卡莫名其妙被人刷了{amt}，我{when}才看到扣款短信，人一直在家"),
     ), ("我的卡被人盗刷了，卡在我身上，短信显示在外地消费，不是我本人操作的",
         "有人盗用我的银行卡消费，我没有授权过任何交易"),
        ("把被盗刷的钱追回来", "先冻结这张卡再查清楚", "尽快调查把钱退给我"),
        (5000, 2100, 12000, 8000, 1999, 650, 38000, 3500)),
    Kind("police_scam", "冒充公检法诈骗转账", True, 0.4, (
        Template("{when}有人冒充公安局打电话说我涉嫌洗钱，让我把钱转到安全账户，我转了{amt}，后来才知道是骗子"),
        Template("接到一个自称检察院的电话，吓得我{when}转了{amt}过去，现在对方联系不上了"),
        Template("我被骗了，对方说自己是法院的，{when}让我把钱转到所谓的监管账户{amt}", amt="，一共{}"),
     ), ("有人冒充公安打电话，说我的账户涉嫌洗钱，让我把钱转到安全账户，转完就联系不上了",),
        ("帮我把钱拦下来", "冻结对方账户把钱追回来", "协助我报警追回损失"),
        (38000, 50000, 12000, 200000, 8600, 30000), 0.02),
    Kind("atm_card", "ATM吞卡", False, 0.9, (
        Template("{when}{where}取钱，ATM把我的卡吞了，取不出来"),
        Template("ATM吞卡了，我{when}{where}取钱，卡直接被吞进去了"),
        Template("{when}{where}取款，机器提示故障，把卡吞了也不吐出来"),
     ), ("取钱的时候ATM出故障把我的银行卡吞了，现在卡拿不回来",),
        ("尽快把卡还给我", "今天就把卡退给我，别让我等好几天", "把卡还我，再检查一下那台机器")),
    Kind("atm_cash", "ATM吞钞", True, 0.9, (
        Template("{when}{where}ATM存钱，钞票被吞进去了{amt}，屏幕显示交易失败，钱也没进账户", amt="，整整{}"),
        Template("{when}{where}ATM取款{amt}，机器响了半天没出钞，账上却扣了"),
     ), ("在ATM存钱，钞票被机器吞了，屏幕显示交易失败，钱也没有进我的账户",),
        ("把吞掉的钱补到我账上", "尽快查一下机器把钱退给我"),
        (2800, 5000, 3000, 1000, 2000, 10000)),
    Kind("staff_attitude", "柜台态度差", False, 0.95, (
        Template("{when}{where}办业务，柜员态度特别差，问两句就不耐烦，还冲我翻白眼"),
        Template("柜台工作人员说话很难听，{when}我{where}取钱被她当众数落了一顿"),
        Template("我{when}{where}办挂失，那个大堂经理爱理不理的，让我自己看墙上的说明"),
     ), ("柜台的工作人员服务态度很不好，对我很不耐烦，说话也很难听",),
        ("那个柜员给我道歉", "加强员工培训，给个说法", "对这个工作人员批评教育"),
        (), 0.45),
    Kind("queue", "排队太久", False, 0.95, (
        Template("{when}{where}排队排了两个多小时，窗口只开了一个，叫号系统还坏了"),
        Template("你们网点效率太低，我{when}{where}等了一上午都没轮到我"),
     ), ("在网点排队等了很久，只开了一个窗口，也没有人维持秩序",),
        ("多开几个窗口", "改进排队叫号，别让老人干等", "给个说法，以后别这样"),
        (), 0.15),
    Kind("annual_fee", "乱收年费", True, 0.3, (
        Template("这张卡我办了就没用过，{when}莫名其妙扣了我{amt}年费", amt="{}"),
        Template("办卡的时候说免年费，{when}却收了{amt}年费，也没人提前告诉我", amt="{}"),
     ), ("办卡时说好免年费，后来却被扣了年费，事先没有任何通知",),
        ("退年费", "把年费退回来，顺便把卡销了", "退还年费并解释为什么收费"),
        (300, 200, 680, 100, 580), 0.02),
    Kind("installment_fee", "分期手续费", True, 0.3, (
        Template("{when}办的账单分期，说好免息，结果每期都收手续费{amt}", amt="，一共收了{}"),
        Template("客服推销分期的时候说零手续费，{when}一看账单被收了{amt}手续费", amt="{}"),
     ), ("办分期的时候说免息，结果每期都收了手续费，和当初说的不一样",),
        ("退还多收的手续费", "把手续费退给我，给个解释"),
        (1280, 960, 450, 2400, 360), 0.02),
    Kind("collection", "催收骚扰", False, 0.1, (
        Template("你们的催收天天打电话到我单位和家里，{when}还打给我爸妈，影响太大了"),
        Template("信用卡晚还了几天，催收{when}开始每天打十几个电话，连我同事都收到短信"),
     ), ("催收人员频繁给我的家人和同事打电话，严重影响了我的生活和工作",),
        ("停止骚扰我的家人和同事", "规范催收，别再打给我单位"),
        (), 0.1),
    Kind("credit_report", "征信错误", False, 0.2, (
        Template("我从来没逾期过，{when}查征信发现有一笔逾期记录，房贷都批不下来"),
        Template("征信报告上有一笔不是我的贷款，{when}才发现的，肯定是你们搞错了"),
     ), ("我的征信报告上出现了错误的逾期记录，我从来没有逾期过",),
        ("尽快更正征信记录", "把错误的逾期记录删掉，出个证明"),
        (), 0.05),
    Kind("transfer_failed", "手机银行转账失败钱扣了没到账", True, 0.05, (
        Template("{when}用手机银行给我妈转账{amt}，显示失败但是钱扣了，对方也没收到"),
        Template("手机银行转账{amt}一直显示处理中，{when}转的到现在都没到账，钱已经扣了"),
     ), ("用手机银行转账，页面显示失败，钱却从我的账户扣走了，对方也没有收到",),
        ("钱要么退回来要么到账", "尽快查清楚这笔钱去哪了", "把扣的钱退回来"),
        (12000, 5000, 800, 3000, 20000, 1500)),
    Kind("wealth_missell", "理财误导", True, 0.9, (
        Template("{when}{where}的理财经理说是保本的，我买了{amt}，现在亏了不少，合同里根本不是保本", amount_said=False),
        Template("我{when}{where}去存定期，被工作人员忽悠买成了保险{amt}，现在取不出来", amt="，一共{}"),
     ), ("理财经理推销产品时说是保本的，实际上不保本，现在亏了钱",),
        ("退还本金", "给个说法，把本金还给我", "调查那个理财经理的销售行为"),
        (50000, 100000, 200000, 30000, 80000), 0.3),
    Kind("close_refused", "销户被拒", False, 0.9, (
        Template("{when}{where}想把卡销了，柜台说不能销，非让我先办别的业务"),
        Template("我要注销账户，{where}一直推三阻四的，{when}跑了一趟白跑"),
     ), ("我去网点想注销银行卡，柜台以各种理由拒绝给我办理",),
        ("今天就给我把卡销了", "按规定给我办理销户"),
        (), 0.15),
    Kind("face_fail", "人脸识别失败", False, 0.05, (
        Template("{when}开始手机银行人脸识别一直失败，登不进去，转账也转不了"),
        Template("你们APP的刷脸认证怎么都过不去，{when}试了十几次，急着用钱"),
     ), ("手机银行的人脸识别一直不通过，我没法登录也没法转账",),
        ("尽快修好人脸识别", "给我换个验证方式，让我能正常转账"),
        (), 0.02),
)

CHITCHAT = ("你是机器人吗", "你们几点下班？", "好的", "嗯嗯", "谢谢", "在吗", "稍等一下，我找找",
            "你们客服电话多少？", "今天周末你们上班吗", "好的好的")
GIBBERISH = ("asdfgh", "。。。", "😂😂", "？", "……", "qwerty", "jjjj", "1a2b")
HTML = ("<b>测试</b>", "<script>alert(1)</script>", "<a href='http://x.cn'>点这里</a>",
        "<img src=x onerror=alert(1)>", "<div>你好</div>")
EMOJI_ONLY = ("🙂", "👍👍", "😭😭😭", "🙏", "😅", "🤔")
NOT_KNOWN = {
    "branch": ("不清楚", "不知道哪个网点", "记不清了", "忘了是哪个网点", "不记得了"),
    "occurred_at": ("记不清了", "忘了", "不清楚", "具体哪天不记得了", "想不起来了"),
    "amount": ("不清楚", "记不清了", "具体多少忘了", "不知道具体多少"),
}
NOT_KNOWN_AGAIN = ("真的记不清了", "确实不知道", "实在想不起来了")
NO_AMOUNT = ("不涉及金额", "没有金额", "不涉及钱", "没有涉及钱的事")
NAME_REFUSALS = ("名字就不说了", "不方便透露", "名字就不留了吧", "不想说名字")
NAME_REFUSALS_AGAIN = ("还是不说了", "真的不方便透露", "名字就算了吧")
NO_DEMAND_ANSWERS = ("没有，就是反映一下情况", "没什么要求，就是想让你们知道")
CONFIRMS = ("确认", "对的，提交吧", "没问题")
CANCELS = ("算了，不投诉了", "不用登记了，我自己去网点", "算了算了，不登记了", "我不想投诉了，取消吧")
HUMANS = ("转人工", "我要找人工客服", "帮我转人工", "我要跟真人说")
CONFIDENTIAL = ("别让那个柜员知道是我投诉的", "请替我保密，别告诉网点是我投诉的",
                "能不能别让他们知道是我反映的", "投诉的事请帮我保密")
RANT = ("我真的不知道该怎么说了，这件事情让我好多天都没有睡好觉。", "家里人也一直在问我到底是怎么回事，我也解释不清楚。",
        "我平时工作很忙，为了这件事请了好几次假，来回跑了很多趟。", "每次打电话过去都是让我等，等了很久也没有人给我一个明确的答复。",
        "我一直觉得你们是大银行，服务应该很规范，没想到会遇到这种事情。", "我身边的朋友听说以后也都觉得不可思议。",
        "我不是不讲道理的人，只是希望有人能认真听我把话说完。", "这些年我一直在你们这里办业务，工资卡和房贷都在你们这里。",
        "我年纪也不小了，对手机上的这些操作本来就不太熟悉。", "我把能找的凭证都找出来了，短信和截图都保存着。",
        "说实话我现在对你们的信任已经打了折扣，希望你们能重视起来。", "我孩子在外地上学，家里的开销都指望着这张卡。",
        "前前后后耽误了我不少时间，心里一直七上八下的。", "我也理解你们有流程，可是流程不能让客户一直干等着吧。")

TYPOS = (("银行", "银航"), ("信用卡", "信用咔"), ("账户", "帐户"), ("手续费", "手续废"), ("转账", "转帐"),
         ("怎么", "咋"), ("没有", "木有"), ("工作人员", "工做人员"), ("知道", "造"), ("盗刷", "盗涮"),
         ("柜员", "贵员"), ("已经", "以经"), ("在", "再"))
ENGLISH = (("信用卡", "credit card"), ("手机银行", "mobile banking"), ("转账", "transfer"),
           ("柜员", "teller"), ("理财经理", "理财manager"), ("手续费", "fee"), ("年费", "annual fee"),
           ("失败", "fail"), ("短信", "SMS"), ("客服", "customer service"), ("APP", "app"))
EMOJI_DECOR = ("😭", "🙏", "😢", "😓", "💔", "🥲", "😰")
REGISTERS = ("colloquial", "traditional", "typos", "emoji", "english", "no_punctuation")

CN_DIGITS = "零一二三四五六七八九"


@lru_cache(maxsize=1)
def _s2t():
    try:
        import opencc  # opencc-python-reimplemented, in the bot's requirements

        return opencc.OpenCC("s2t").convert
    except Exception:  # pragma: no cover - the venv has it; plain Python falls back to a few chars
        table = str.maketrans("银钱块盗卡转账户没说话这个们来时间还让给费门号码问题网点员态队发现经理财产险销识别脸败无处应该东长实谁马乱扰征错误导终于气将两万术",
                              "銀錢塊盜卡轉賬戶沒說話這個們來時間還讓給費門號碼問題網點員態隊發現經理財產險銷識別臉敗無處應該東長實誰馬亂擾徵錯誤導終於氣將兩萬術")
        return lambda text: text.translate(table)


def to_traditional(text: str) -> str:
    # opencc writes the surname 朱 as 硃 (朱砂's character): no customer does
    return _s2t()(text).replace("硃", "朱")


@lru_cache(maxsize=1)
def _t2s():
    try:
        from bot.text import normalize_text

        return normalize_text
    except Exception:  # pragma: no cover
        import unicodedata

        return lambda text: unicodedata.normalize("NFKC", text or "").strip()


def normalize(text: Any) -> str:
    """The bot's own normal form (Simplified, half-width), for comparing what was said with
    what was filed."""
    return _t2s()(str(text or ""))


# ── numbers in words ───────────────────────────────────────────────────────────────────────────
def _cn_below_10000(n: int, two: bool = True) -> str:
    units = ((1000, "千"), (100, "百"), (10, "十"))
    out, zero = "", False
    for value, unit in units:
        d, n = divmod(n, value)
        if d:
            if zero and out:
                out += "零"
            zero = False
            out += ("两" if d == 2 and two and unit in "千百" else CN_DIGITS[d]) + unit
        elif out:
            zero = True
    if n:
        if zero and out:
            out += "零"
        out += CN_DIGITS[n]
    if out.startswith("一十"):
        out = out[1:]
    return out or "零"


def cn_number(n: int) -> str:
    """3800 → 三千八百, 38000 → 三万八千, 2100 → 两千一百, 200000 → 二十万."""
    if n >= 10000:
        high, low = divmod(n, 10000)
        head = _cn_below_10000(high, two=False) if high >= 10 else ("两" if high == 2 else CN_DIGITS[high])
        if not low:
            return head + "万"
        sep = "零" if low < 1000 else ""
        return head + "万" + sep + _cn_below_10000(low)
    return _cn_below_10000(n)


def cn_short(n: int) -> Optional[str]:
    """The spoken short form when the number has two significant digits: 三万八, 两千一, 一万二."""
    for value, unit, low_unit in ((10000, "万", 1000), (1000, "千", 100), (100, "百", 10)):
        if n >= value and n < value * 10:
            high, rest = divmod(n, value)
            d, r = divmod(rest, low_unit)
            if r == 0 and d:
                head = "两" if high == 2 else CN_DIGITS[high]
                return f"{head}{unit}{CN_DIGITS[d]}"
    return None


def amount_forms(amount: float) -> List[str]:
    n = int(amount)
    forms = [f"{n}", f"{n}元", f"{n}块", f"¥{n:,}", f"人民币{n}元", cn_number(n), cn_number(n) + "块",
             cn_number(n) + "元"]
    short = cn_short(n)
    if short:
        forms += [short, short + "块"]
    if n >= 10000:
        high, low = divmod(n, 10000)
        if low and low % 1000 == 0:
            forms.append(f"{high}万{low // 1000}")      # 3万8
        if low % 1000 == 0:
            forms.append(f"{n / 10000:g}万")            # 1.2万, 5万
    return forms


# ── dates ──────────────────────────────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class When:
    """What the customer means by a date: one day, or an approximate range of days."""
    start: date
    end: date
    approximate: bool = False

    @property
    def exact(self) -> bool:
        return not self.approximate

    def iso(self) -> str:
        return self.start.isoformat() if self.exact else f"{self.start.isoformat()}/{self.end.isoformat()}"


def exact_date_forms(offset: int, today: date) -> List[str]:
    day = today - timedelta(days=offset)
    forms = [f"{day.month}月{day.day}号", f"{day.month}月{day.day}日"]
    named = {0: ["今天", "就今天上午", "今天下午"], 1: ["昨天", "昨天晚上", "昨天下午三点多"],
             2: ["前天", "前天下午四点", "前天上午"], 3: ["大前天", "三天前"]}
    forms += named.get(offset, [])
    if 2 <= offset <= 10:
        forms += [f"{offset}天前", f"{CN_DIGITS[offset] if offset < 10 else '十'}天前"]
    return forms


def approximate_dates(today: date) -> List[Tuple[str, When]]:
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    last_month = When(last_month_end.replace(day=1), last_month_end, True)
    monday = today - timedelta(days=today.weekday())
    last_week = When(monday - timedelta(days=7), monday - timedelta(days=1), True)
    recent = When(today - timedelta(days=RECENT_DAYS - 1), today, True)
    early = When(first, min(first.replace(day=10), today), True)
    return [("最近", recent), ("最近几天吧", recent), ("上个月", last_month),
            ("上个月吧，具体哪天忘了", last_month), ("月初", early), ("这个月月初", early),
            ("上周", last_week), ("上个星期", last_week)]


# ── what the customer says ─────────────────────────────────────────────────────────────────────
@dataclass
class Answer:
    """One customer message and what it conveys.

    kind: opening | real | not_given | refuse | chitchat | gibberish | html | emoji | long |
    off_question | correction | confirm | cancel | human | which_field | correct_value | other
    gives: field → value (NOT_GIVEN for a usable "don't know"); ``confidential`` → True.
    """
    text: str
    kind: str
    gives: Dict[str, Any] = field(default_factory=dict)
    corrects: Optional[str] = None

    @property
    def usable(self) -> bool:
        return self.kind in ("real", "not_given", "refuse", "confirm")


NON_ANSWERS = ("chitchat", "gibberish", "html", "emoji", "long", "off_question")
NON_ANSWER_WEIGHTS = (0.32, 0.14, 0.08, 0.1, 0.08, 0.28)


@dataclass
class Profile:
    seed: int
    kind: Kind
    register: str
    name: Optional[str]            # None: refuses to give it
    surname: str
    phone: str                      # digits as they should be filed
    landline: bool
    branch: Optional[str]           # None: cannot name one
    when: Optional[When]            # None: does not know
    when_form: Optional[str]        # how the customer says the date (first time)
    amount: Optional[float]         # None: no amount / does not know
    amount_known: bool
    demand: str                     # core of the demand (as said); NO_DEMAND for none
    confidential: bool
    confidential_in_opening: bool
    volunteer: Tuple[str, ...]      # facts in the opening
    ending: str                     # file | cancel | human
    request_after: int              # answers before the cancel / handoff request
    wrong_first: Optional[str]      # phone | amount | occurred_at: said wrong first, corrected later
    correct_at_readback: bool
    wrong_value: Any = None
    wrong_form: Optional[str] = None


def _mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))


def _landline(rng: random.Random) -> Tuple[str, str]:
    area = rng.choice(LANDLINE_AREAS)
    local = rng.choice("2345678") + "".join(rng.choice("0123456789") for _ in range(7))
    return area, local


def phone_forms(digits: str, area: Optional[str] = None) -> List[str]:
    if area:
        local = digits[len(area):]
        return [f"{area}-{local}", f"({area}){local}", f"我没有手机，座机{area}-{local}",
                f"我没有手机，家里座机是{area} {local[:4]} {local[4:]}", f"座机：{area}{local}"]
    d = digits
    fullwidth = d.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    spoken = "".join("幺" if c == "1" else CN_DIGITS[int(c)] for c in d)
    return [d, f"{d[:3]} {d[3:7]} {d[7:]}", f"{d[:3]}-{d[3:7]}-{d[7:]}", f"+86 {d[:3]} {d[3:7]} {d[7:]}",
            fullwidth, spoken, f"我的手机是{d}", f"手机号{d}，随时能打通"]


def name_forms(name: str, surname: str) -> List[str]:
    forms = [name, f"我叫{name}", f"免贵姓{surname}，{name}", f"叫我老{surname}就行，{name}", f"我是{name}",
             f"姓{surname}，叫{name}", f"{name}。", f"名字是{name}"]
    return forms


def branch_forms(branch: str, kind: Kind) -> List[str]:
    core = branch_core(branch)
    forms = [branch, f"在{branch}", f"{core}那个网点", f"北京市{branch}", f"就是{branch}"]
    if kind.key.startswith("atm"):
        forms += [f"{branch}门口那台ATM", f"{branch}自助区"]
    else:
        forms += [f"{branch}柜台", f"在{branch}营业厅"]
    return forms


def branch_core(branch: str) -> str:
    return re.sub(r"(支行|分行|营业部)$", "", branch)


def rant(rng: random.Random, kind: Kind) -> str:
    parts = [rng.choice(kind.descriptions) + "。"]
    pool = list(RANT)
    while sum(map(len, parts)) < 1000:
        rng.shuffle(pool)
        parts += pool
    text = "".join(parts)
    return text[:1000 if len(text) > 1000 else len(text)]


class SimulatedCustomer:
    """One customer, all drawn from ``seed``; answers each question as it comes.

    The profile and the opening come from ``Random(seed)``; each topic's answers from a stream
    of its own (``Random("seed/topic")``), so the same seed answers the same question the same
    way whatever the assistant asked before."""

    def __init__(self, seed: int, today: Optional[date] = None) -> None:
        self.seed = seed
        self.today = today or beijing_today()
        rng = random.Random(seed)
        self.profile = self._draw_profile(rng)
        self._streams: Dict[str, random.Random] = {}
        self.asked: Counter = Counter()           # how often each topic was asked
        self.bad_streak: Counter = Counter()      # non-answers in a row per topic
        self.given: Dict[str, Any] = {}           # what the customer believes they have told
        self.answers: List[Answer] = []
        self.requested: Optional[str] = None      # cancel | human once asked for
        self.request_count = 0
        self.pending_correction: Optional[str] = None   # field said wrong, not yet corrected
        self.corrected = False
        self.corrected_during: Optional[str] = None    # the question a correction was said to
        self.ranted = False
        self.opening = self._opening(rng)

    # -- drawing ---------------------------------------------------------------------------
    def _draw_profile(self, rng: random.Random) -> Profile:
        kind = rng.choice(KINDS)
        register = rng.choices(REGISTERS, weights=(0.4, 0.15, 0.15, 0.12, 0.1, 0.08))[0]
        name, surname = rng.choice(NAMES)
        refuses_name = rng.random() < 0.08
        landline = rng.random() < 0.08
        if landline:
            area, local = _landline(rng)
            phone = area + local
        else:
            phone = _mobile(rng)
        branch = rng.choice(BRANCHES) if rng.random() < kind.branch_p else None
        r = rng.random()
        if r < 0.7:
            offset = rng.choice([0, 1, 1, 1, 2, 2, 3, 4, 5, 7, 9, 12, 20, 35])
            day = self.today - timedelta(days=offset)
            when: Optional[When] = When(day, day)
            when_form: Optional[str] = rng.choice(exact_date_forms(offset, self.today))
        elif r < 0.85:
            when_form, when = rng.choice(approximate_dates(self.today))
        else:
            when, when_form = None, None
        amount_known = kind.money and rng.random() < 0.85
        amount = float(rng.choice(kind.amounts)) if amount_known else None
        demand = rng.choice(kind.demands) if rng.random() < 0.9 else NO_DEMAND
        confidential = rng.random() < kind.confidential_p
        volunteer = []
        if when and rng.random() < 0.35:
            volunteer.append("occurred_at")
        if amount is not None and rng.random() < 0.35:
            volunteer.append("amount")
        if branch and rng.random() < 0.35:
            volunteer.append("branch")
        if demand != NO_DEMAND and rng.random() < 0.12:
            volunteer.append("demand")
        confidential_in_opening = confidential and ("demand" in volunteer or rng.random() < 0.5)
        r = rng.random()
        ending = "cancel" if r < P_CANCEL else "human" if r < P_CANCEL + P_HUMAN else "file"
        request_after = rng.randint(1, 5)
        wrong_first = None
        if rng.random() < P_CORRECTION:
            options = (["phone"] if not landline else []) + \
                      (["amount"] if amount is not None and "amount" not in volunteer else []) + \
                      (["occurred_at"] if when and when.exact and (self.today - when.start).days <= 3
                       and "occurred_at" not in volunteer else [])
            wrong_first = rng.choice(options) if options else None
        profile = Profile(seed=self.seed, kind=kind, register=register,
                          name=None if refuses_name else name, surname=surname, phone=phone,
                          landline=landline, branch=branch, when=when, when_form=when_form,
                          amount=amount, amount_known=amount_known, demand=demand,
                          confidential=confidential, confidential_in_opening=confidential_in_opening,
                          volunteer=tuple(volunteer), ending=ending, request_after=request_after,
                          wrong_first=wrong_first, correct_at_readback=rng.random() < 0.5)
        if wrong_first == "phone":
            digits = list(phone)
            i = rng.randrange(len(digits) - 4, len(digits))
            digits[i] = str((int(digits[i]) + rng.randint(1, 8)) % 10)
            profile.wrong_value = "".join(digits)
        elif wrong_first == "amount":
            profile.wrong_value = float(rng.choice([a for a in (500, 1000, 3000, 5000, 6000, 9000, 15000)
                                                    if a != amount]))
        elif wrong_first == "occurred_at":
            offset = (self.today - when.start).days
            wrong = offset + 1 if offset < 3 else offset - 1
            day = self.today - timedelta(days=wrong)
            profile.wrong_value = When(day, day)
            profile.wrong_form = {0: "今天", 1: "昨天", 2: "前天", 3: "大前天"}.get(wrong, f"{wrong}天前")
        return profile

    def _stream(self, topic: str) -> random.Random:
        if topic not in self._streams:
            self._streams[topic] = random.Random(f"{self.seed}/{topic}")
        return self._streams[topic]

    # -- registers -------------------------------------------------------------------------
    def styled(self, text: str, rng: random.Random, free_text: bool = False) -> str:
        """The customer's register applied to something they type. Typos, English and missing
        punctuation only touch free text (the opening, descriptions); facts stay readable."""
        register = self.profile.register
        if register == "traditional":
            return to_traditional(text)
        if register == "emoji" and (free_text or rng.random() < 0.3):
            return text + rng.choice(EMOJI_DECOR) * rng.randint(1, 3)
        if not free_text:
            return text
        if register == "typos":
            for right, wrong in rng.sample(TYPOS, k=len(TYPOS)):
                if right in text and rng.random() < 0.7:
                    text = text.replace(right, wrong, 1)
        elif register == "english":
            for zh, en in ENGLISH:
                if zh in text:
                    text = text.replace(zh, en, 1)
            text = rng.choice(("Hi，", "hello，", "")) + text + rng.choice(("，please help", "，thx", " asap"))
        elif register == "no_punctuation":
            # (a decimal point is no punctuation: "1.2万" stays 1.2万, not 12万)
            text = re.sub(r"[，。！？、,!?]|\.(?!\d)|(?<!\d)\.", " " if rng.random() < 0.5 else "", text)
        return text

    # -- the opening -----------------------------------------------------------------------
    def _opening(self, rng: random.Random) -> Answer:
        p, kind = self.profile, self.profile.kind
        template = rng.choice(kind.openings)
        gives: Dict[str, Any] = {}
        when = where = amt = ""
        # a fact counts as said only when this opening has a place for it
        if "occurred_at" in p.volunteer and "{when}" in template.text:
            when = p.when_form.split("，")[0].rstrip("吧").replace("就", "")
            gives["occurred_at"] = p.when
        if "branch" in p.volunteer and "{where}" in template.text:
            where = template.where.format(rng.choice([p.branch, branch_core(p.branch) + "那个网点"]
                                                     if not kind.key.startswith("atm") else [p.branch]))
            gives["branch"] = p.branch
        if "amount" in p.volunteer and "{amt}" in template.text:
            form = rng.choice([f for f in amount_forms(p.amount) if not f.startswith("人民币")])
            amt = template.amt.format(form)
            if template.amount_said:
                gives["amount"] = p.amount
        text = template.text.format(when=when, where=where, amt=amt)
        text = re.sub(r"^[，,]+", "", text)
        # typos, English and missing punctuation touch the story; what the customer asks for
        # (demand, confidentiality) stays readable
        text = self.styled(text, rng, free_text=True)
        clauses = ""
        if "demand" in p.volunteer:
            clauses += rng.choice(("，能不能{}？", "，我希望{}", "，要求{}")).format(p.demand)
            gives["demand"] = self._said_core(p.demand)
        if p.confidential_in_opening:
            clauses += "，" + rng.choice(CONFIDENTIAL)
            gives["confidential"] = True
        if clauses:
            text += to_traditional(clauses) if p.register == "traditional" else clauses
        answer = Answer(text, "opening", gives)
        self._remember(answer)
        return answer

    def _said_core(self, core: str) -> str:
        return to_traditional(core) if self.profile.register == "traditional" else core

    def _remember(self, answer: Answer) -> None:
        self.answers.append(answer)
        for name, value in answer.gives.items():
            if value is not NOT_GIVEN or name not in self.given:
                self.given[name] = value

    # -- answering -------------------------------------------------------------------------
    def answer(self, topic: str, label: Optional[str] = None) -> Answer:
        """The customer's next message when the assistant asks about ``topic``."""
        answer = self._answer(topic, label)
        self._remember(answer)
        return answer

    def _request(self) -> Answer:
        self.requested = self.requested or self.profile.ending
        self.request_count += 1
        pool = CANCELS if self.requested == "cancel" else HUMANS
        text = pool[(self.seed + self.request_count) % len(pool)]
        return Answer(text, self.requested)

    def _answer(self, topic: str, label: Optional[str]) -> Answer:
        p = self.profile
        rng = self._stream(topic)
        if topic in COUNTED_TOPICS:
            self.asked[topic] += 1
        if topic == "confirm_cancel":
            return Answer("是的，不投诉了" if self.requested == "cancel" else "不是，我还要投诉", "other")
        if topic == "confirm_handoff":
            return Answer("是的，转人工" if self.requested == "human" else "不用，继续吧", "other")
        real_answers = sum(1 for a in self.answers if a.kind in ("real", "not_given", "refuse"))
        if self.requested or (p.ending != "file" and (real_answers >= p.request_after or topic == "confirm")):
            return self._request()
        if topic == "which_field":
            if self.pending_correction:
                return self._correction(rng)
            return Answer("没有要改的，确认提交", "confirm")
        if topic == "correct_value":
            return self._correct_value(label, rng)
        if topic == "confirm":
            if self.pending_correction:
                return self._correction(rng)
            return Answer(rng.choice(CONFIRMS), "confirm")
        if (self.pending_correction and not p.correct_at_readback and self.bad_streak[topic] == 0
                and self.asked[topic] == 1 and topic in FORM_TOPICS):
            self.corrected_during = topic
            return self._correction(rng)
        # a non-answer first (or again), then a real one; never a fourth non-answer in a row
        bad_before = self.bad_streak[topic]
        already_usable = any(a.usable for a in self.answers if a.kind != "opening" and topic in a.gives)
        # after a correction said to this question, its next ask gets the real answer (the
        # correction already took one of its three asks)
        if not already_usable and bad_before < MAX_ASKS and topic != self.corrected_during:
            p_bad = P_BAD_FIRST if bad_before == 0 else 1 - P_REAL_AFTER_BAD
            if rng.random() < p_bad:
                self.bad_streak[topic] += 1
                return self._non_answer(topic, rng)
        self.bad_streak[topic] = 0
        return self._real(topic, rng)

    def _non_answer(self, topic: str, rng: random.Random) -> Answer:
        kind = rng.choices(NON_ANSWERS, weights=NON_ANSWER_WEIGHTS)[0]
        if kind == "long" and (self.ranted or topic == "description"):
            kind = "chitchat"
        if kind == "off_question":
            offered = self._off_question(topic, rng)
            if offered:
                return offered
            kind = "chitchat"
        if kind == "long":
            self.ranted = True
            return Answer(self.styled(rant(rng, self.profile.kind), rng), "long")
        pool = {"chitchat": CHITCHAT, "gibberish": GIBBERISH, "html": HTML, "emoji": EMOJI_ONLY}[kind]
        text = rng.choice(pool)
        return Answer(self.styled(text, rng) if kind == "chitchat" else text, kind)

    def _off_question(self, topic: str, rng: random.Random) -> Optional[Answer]:
        """A fact of another question, said with its label ("对了，我手机号是…")."""
        p = self.profile
        options = []
        if topic != "phone" and self.pending_correction != "phone":
            options.append("phone")
        if topic != "customer_name" and p.name:
            options.append("customer_name")
        if topic != "occurred_at" and p.when and self.pending_correction != "occurred_at":
            options.append("occurred_at")
        if topic != "amount" and p.amount is not None and self.pending_correction != "amount":
            options.append("amount")
        if topic != "branch" and p.branch:
            options.append("branch")
        if not options:
            return None
        # a fact not told yet if there is one (what a customer remembers to add)
        fresh = [o for o in options if o not in self.given]
        other = rng.choice(fresh or options)
        if other == "phone":
            text, value = rng.choice(("对了，我手机号是{}", "先记一下我电话：{}")).format(p.phone), p.phone
            if p.landline:
                area = next(a for a in LANDLINE_AREAS if p.phone.startswith(a))
                text = f"对了，我没有手机，座机是{area}-{p.phone[len(area):]}"
        elif other == "customer_name":
            text, value = f"哦对了，我叫{p.name}", self._said_core(p.name)
        elif other == "occurred_at":
            form = p.when_form if p.when.approximate else rng.choice(
                exact_date_forms((self.today - p.when.start).days, self.today))
            text, value = f"这事是{form}的", p.when
        elif other == "amount":
            text, value = f"金额是{rng.choice(amount_forms(p.amount))}", p.amount
        else:
            text, value = f"是在{p.branch}办的", p.branch
        return Answer(self.styled(text, rng), "off_question", {other: value})

    def _real(self, topic: str, rng: random.Random) -> Answer:
        """The real answer to the question (re-asked: the same fact in another form)."""
        p, kind = self.profile, self.profile.kind
        again = any(a.kind in ("real", "not_given", "refuse") and topic in a.gives for a in self.answers)
        if topic == "description":
            # asked again: said shorter, not word for word (a repeated complaint reads as anger)
            text = f"就是{kind.label}的事，我刚才说过了" if again else rng.choice(kind.descriptions)
            return Answer(self.styled(text, rng, free_text=True), "real", {"description": True})
        if topic == "customer_name":
            if p.name is None:
                text = rng.choice(NAME_REFUSALS_AGAIN if again else NAME_REFUSALS)
                return Answer(self.styled(text, rng), "refuse", {"customer_name": NOT_GIVEN})
            text = rng.choice(name_forms(p.name, p.surname))
            return Answer(self.styled(text, rng), "real", {"customer_name": self._said_core(p.name)})
        if topic == "phone":
            if p.wrong_first == "phone" and not self.corrected:
                self.pending_correction = "phone"
                return Answer(self.styled(rng.choice(phone_forms(p.wrong_value)), rng), "real",
                              {"phone": p.wrong_value})
            area = next((a for a in LANDLINE_AREAS if p.phone.startswith(a)), None) if p.landline else None
            return Answer(self.styled(rng.choice(phone_forms(p.phone, area)), rng), "real", {"phone": p.phone})
        if topic == "branch":
            if p.branch is None:
                online = kind.branch_p < 0.5
                pool = NOT_KNOWN_AGAIN if again else (kind.no_branch if online else NOT_KNOWN["branch"])
                return Answer(self.styled(rng.choice(pool), rng), "not_given",
                              {"branch": NO_BRANCH if online else NOT_GIVEN})
            return Answer(self.styled(rng.choice(branch_forms(p.branch, kind)), rng), "real", {"branch": p.branch})
        if topic == "occurred_at":
            if p.when is None:
                pool = NOT_KNOWN_AGAIN if again else NOT_KNOWN["occurred_at"]
                return Answer(self.styled(rng.choice(pool), rng), "not_given", {"occurred_at": NOT_GIVEN})
            if p.wrong_first == "occurred_at" and not self.corrected:
                self.pending_correction = "occurred_at"
                return Answer(self.styled(p.wrong_form, rng), "real", {"occurred_at": p.wrong_value})
            if p.when.approximate:
                form = p.when_form if not again else rng.choice(
                    [f for f, w in approximate_dates(self.today) if w == p.when])
            else:
                offset = (self.today - p.when.start).days
                form = p.when_form if not again and p.when_form else rng.choice(exact_date_forms(offset, self.today))
            return Answer(self.styled(form, rng), "real", {"occurred_at": p.when})
        if topic == "amount":
            if not kind.money:
                return Answer(self.styled(rng.choice(NO_AMOUNT), rng), "not_given", {"amount": NOT_GIVEN})
            if p.amount is None:
                pool = NOT_KNOWN_AGAIN if again else NOT_KNOWN["amount"]
                return Answer(self.styled(rng.choice(pool), rng), "not_given", {"amount": NOT_GIVEN})
            value = p.amount
            if p.wrong_first == "amount" and not self.corrected:
                self.pending_correction = "amount"
                value = p.wrong_value
            forms = amount_forms(value)
            if rng.random() < 0.12:
                balance = int(value) * rng.choice((3, 5, 10)) + 10000
                form = rng.choice((f"卡里本来有{cn_number(balance)}，被扣了{rng.choice(forms)}",
                                   f"账户里原来有{balance}元，少了{rng.choice(forms)}"))
            else:
                form = rng.choice(forms + [f"大概{rng.choice(forms)}左右"])
            return Answer(self.styled(form, rng), "real", {"amount": value})
        if topic == "demand":
            gives: Dict[str, Any] = {}
            if p.demand == NO_DEMAND:
                text = rng.choice(NO_DEMAND_ANSWERS)
                gives["demand"] = NO_DEMAND
            else:
                text = rng.choice(("{}", "希望{}", "我要求{}", "就是想{}")).format(p.demand)
                gives["demand"] = self._said_core(p.demand)
            if p.confidential and not p.confidential_in_opening:
                text += "，另外" + rng.choice(CONFIDENTIAL)
                gives["confidential"] = True
            return Answer(self.styled(text, rng), "real", gives)
        return Answer(rng.choice(("好的", "嗯")), "other")

    def _correction(self, rng: random.Random) -> Answer:
        p, name = self.profile, self.pending_correction
        self.pending_correction = None
        self.corrected = True
        if name == "phone":
            text = rng.choice(("刚才电话说错了，是{}", "不对，手机号应该是{}", "电话号码写错了，正确的是{}")).format(p.phone)
            value: Any = p.phone
        elif name == "amount":
            form = rng.choice([cn_number(int(p.amount)), f"{int(p.amount)}元", cn_number(int(p.amount)) + "块"])
            text = rng.choice(("不对，金额是{}", "金额说错了，应该是{}", "刚才钱数说错了，是{}")).format(form)
            value = p.amount
        else:
            offset = (self.today - p.when.start).days
            form = {0: "今天", 1: "昨天", 2: "前天", 3: "大前天"}.get(offset, f"{offset}天前")
            text = f"不对，是{form}，不是{p.wrong_form}"
            value = p.when
        return Answer(self.styled(text, rng), "correction", {name: value}, corrects=name)

    def _correct_value(self, label: Optional[str], rng: random.Random) -> Answer:
        """The bot asks "正确的X是什么": the value of X as the customer means it."""
        p = self.profile
        if self.pending_correction and label == self.pending_correction:
            answer = self._correction(rng)
            return Answer(answer.text, "correct_value", answer.gives, corrects=answer.corrects)
        if label == "phone":
            return Answer(p.phone, "correct_value", {"phone": p.phone})
        if label == "amount" and p.amount is not None:
            return Answer(f"{int(p.amount)}元", "correct_value", {"amount": p.amount})
        if label == "customer_name" and p.name:
            return Answer(p.name, "correct_value", {"customer_name": self._said_core(p.name)})
        return Answer("没有要改的，确认提交", "confirm")

    def describe(self) -> str:
        p = self.profile
        bits = [p.kind.label, p.register]
        if p.ending != "file":
            bits.append(f"will {p.ending}")
        if p.wrong_first:
            bits.append(f"corrects {p.wrong_first}")
        return "/".join(bits)


# ── one conversation ───────────────────────────────────────────────────────────────────────────
@dataclass
class Step:
    topic: Optional[str]          # the question the customer answered (None: the opening)
    label: Optional[str]
    answer: Answer
    replies: List[str]
    seconds: float = 0.0


@dataclass
class Conversation:
    seed: int
    customer: SimulatedCustomer
    steps: List[Step] = field(default_factory=list)
    outcome: str = "unfinished"   # filed | handoff | cancelled | out_of_turns | dead_end | request_ignored
    note: str = ""
    case_no: Optional[str] = None

    @property
    def turns(self) -> int:
        return len(self.steps)


def ending_of(replies: Sequence[str], paused: Callable[[], bool]) -> Optional[str]:
    joined = "\n".join(replies)
    if not replies or HANDOFF_HINT.search(joined) or CASE_NO.search(joined):
        if paused():
            return "handoff"
    if CALLBACK_OFFER.search(joined):
        return "handoff"  # a person will call back (the queue too long or the desk closed): handed over
    if CASE_NO.search(joined) or FILED_PENDING.search(joined):
        return "filed"
    if CANCELLED.search(joined):
        return "cancelled"
    return None


def play(customer: SimulatedCustomer, say: Callable[[str], List[str]],
         paused: Callable[[], bool] = lambda: False, max_turns: int = MAX_TURNS) -> Conversation:
    """Plays one conversation: the opening, then one answer per question, until it ends."""
    conv = Conversation(customer.seed, customer)

    def send(topic: Optional[str], label: Optional[str], answer: Answer) -> List[str]:
        t0 = time.perf_counter()
        replies = say(answer.text)
        conv.steps.append(Step(topic, label, answer, replies, time.perf_counter() - t0))
        return replies

    replies = send(None, None, customer.opening)
    while True:
        end = ending_of(replies, paused)
        if end:
            conv.outcome = end
            found = CASE_NO.search("\n".join(replies))
            conv.case_no = found.group(0) if found else None
            break
        if not replies:
            conv.outcome, conv.note = "dead_end", "the assistant fell silent without a handoff"
            break
        topic, label = topic_of_replies(replies)
        if topic == "rephrase":
            topic = next((s.topic for s in reversed(conv.steps) if s.topic in COUNTED_TOPICS), "description")
        if topic is None:
            conv.outcome, conv.note = "dead_end", f"no question to answer: {replies[-1][:80]}"
            break
        if customer.request_count >= 3 and topic not in ("confirm_cancel", "confirm_handoff"):
            conv.outcome, conv.note = "request_ignored", f"asked {customer.request_count} times to {customer.requested}"
            break
        if conv.turns >= max_turns:
            conv.outcome, conv.note = "out_of_turns", f"no end after {max_turns} customer messages"
            break
        replies = send(topic, label, customer.answer(topic, label))
    return conv


# ── the checks ─────────────────────────────────────────────────────────────────────────────────
@dataclass
class Failure:
    cls: str
    detail: str

    @property
    def key(self) -> str:
        """The class a bench counts it under: "wrong field: phone" by field name."""
        if self.cls == WRONG_FIELD:
            return f"{WRONG_FIELD}: {self.detail.split(' ', 1)[0]}"
        return self.cls

    def __str__(self) -> str:
        return f"{self.cls}: {self.detail}"


def _present(value: Any) -> bool:
    return value not in (None, "", [], "不详", "未提供")


def field_matches(name: str, meant: Any, filed: Any, case: Dict[str, Any]) -> bool:
    """Whether the filed value is what the customer meant (meant None: nothing may be filed)."""
    if meant is None:
        return not _present(filed)
    if meant == NO_BRANCH:
        return not _present(filed) or "线上" in normalize(filed)
    if not _present(filed):
        return False
    if name == "customer_name":
        return normalize(filed) == normalize(meant)
    if name == "phone":
        return re.sub(r"\D", "", str(filed)) == meant
    if name == "branch":
        if case.get("branch_name") == meant:
            return True
        return branch_core(meant) in normalize(filed)
    if name == "amount":
        try:
            return abs(float(str(filed).replace(",", "")) - float(meant)) < 0.005
        except ValueError:
            return False
    if name == "occurred_at":
        text = str(filed)
        if meant.exact:
            return text[:10] == meant.start.isoformat() and (len(text) == 10 or text[10] == "T")
        if "/" not in text:
            return False
        lo, hi = text.split("/", 1)
        try:
            return date.fromisoformat(lo[:10]) <= meant.start and date.fromisoformat(hi[:10]) >= meant.end
        except ValueError:
            return False
    if name == "demand":
        head = _bare(meant).split("，")[0] if len(_bare(meant).split("，")[0]) >= 4 else _bare(meant)
        return head.replace("，", "") in _bare(filed).replace("，", "")
    return filed == meant


def _bare(text: Any) -> str:
    """Normalised text without spaces and with one comma: what comparisons of free text see."""
    text = re.sub(r"\s+", "", normalize(text))
    return re.sub(r"[,;；、]", "，", text).strip("。.!！?？，")


def _same_text(said: str, filed: Any) -> bool:
    a, b = _bare(said), _bare(filed)
    return bool(a) and (a == b or (len(a) >= 6 and a in b))


def _shown(value: Any) -> str:
    if isinstance(value, When):
        return value.iso()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


def check(conv: Conversation, case: Optional[Dict[str, Any]]) -> List[Failure]:
    """Every way this conversation broke the contract (empty: it passed)."""
    failures: List[Failure] = []
    requested = conv.customer.requested
    want = {"cancel": "cancelled", "human": "handoff"}.get(requested or "", "filed")
    # -- how it ended
    if conv.outcome == "handoff" and requested != "human":
        failures.append(Failure(UNREQUESTED_HANDOFF, f"handed off at turn {conv.turns}"))
    elif conv.outcome == "cancelled" and requested != "cancel":
        failures.append(Failure(UNREQUESTED_CANCEL, f"cancelled at turn {conv.turns}"))
    elif requested and conv.outcome != want:
        failures.append(Failure(REQUEST_IGNORED, f"customer asked to {requested}, outcome {conv.outcome}"
                                + (f" ({conv.note})" if conv.note else "")))
    elif conv.outcome in ("out_of_turns", "dead_end", "unfinished"):
        failures.append(Failure(LOOP, conv.note or conv.outcome))
    if conv.outcome == "filed" and case is None:
        failures.append(Failure(CASE_MISSING, f"the assistant said {conv.case_no or 'filed'} but the case desk has no case"))
    if conv.outcome == "filed" and case is not None and conv.case_no and case.get("case_no") != conv.case_no:
        failures.append(Failure(CASE_MISSING, f"said {conv.case_no}, the case desk holds {case.get('case_no')}"))
    if conv.outcome == "cancelled" and case is not None:
        failures.append(Failure(REQUEST_IGNORED, f"cancelled, yet case {case.get('case_no')} was filed"))

    # -- the questions
    asks: Counter = Counter()
    valued: Dict[str, int] = {}          # topic → turn of its first usable value
    not_given: Counter = Counter()       # usable "don't know" answers per topic
    said: Dict[str, Any] = {}            # field → what the customer last said it is
    asked_topics = set()
    flagged = set()
    for i, step in enumerate(conv.steps):
        topic = step.topic
        if topic in COUNTED_TOPICS:
            asked_topics.add(topic)
            asks[topic] += 1
            if asks[topic] == MAX_ASKS + 1:
                failures.append(Failure(ASKED_TOO_OFTEN, f"{topic} asked {MAX_ASKS + 1} times (turn {i + 1})"))
            after_correction = i > 0 and conv.steps[i - 1].answer.corrects == topic
            answered = topic in valued or not_given[topic] > NOT_GIVEN_REASKS
            if answered and not after_correction and (topic, "again") not in flagged:
                flagged.add((topic, "again"))
                where = f"turn {valued[topic] + 1}" if topic in valued else f"{not_given[topic]} × not given"
                failures.append(Failure(ASKED_AGAIN, f"{topic} asked at turn {i + 1}, answered ({where})"))
        answer = step.answer
        for name, value in answer.gives.items():
            if value is NOT_GIVEN or value == NO_BRANCH:
                if name == topic:
                    not_given[name] += 1
                said.setdefault(name, value)
                continue
            said[name] = value
            if name == "occurred_at" and not getattr(value, "exact", True) and (i == 0 or topic != name):
                # a rough time in the opening or said in passing ("上个月", "这事是上个月的" to
                # another question): the day may be asked once; not after the date question
                continue
            valued.setdefault(name, i)
        if answer.kind == "confirm" and topic == "confirm":
            valued.setdefault("confirm", i)

    # -- what was filed
    if conv.outcome != "filed" or case is None:
        return failures
    opening = conv.steps[0].answer.gives if conv.steps else {}
    for name in FIELDS:
        value = said.get(name)
        meant = None if value in (None, NOT_GIVEN) else value
        filed = case.get(name)
        if name == "demand":
            # free text: checked against a demand given (its first clause must be there), else
            # only that no non-answer to the demand question was filed as the demand
            if meant == NO_DEMAND:
                continue
            if meant is None:
                junk = [s.answer.text for s in conv.steps if s.topic == "demand" and not s.answer.usable
                        and s.answer.kind not in ("cancel", "human")]
                if _present(filed) and any(_same_text(j, filed) for j in junk):
                    failures.append(Failure(WRONG_FIELD, f"demand filed {filed!r}, a non-answer to the demand question"))
                continue
        elif name not in asked_topics and name not in opening:
            # not asked, not in the opening: only a value the case does hold must be right
            if not _present(filed):
                continue
        if not field_matches(name, meant, filed, case):
            failures.append(Failure(WRONG_FIELD, f"{name} filed {filed!r}, meant {_shown(meant) if meant is not None else 'null'}"))
    meant_confidential = bool(said.get("confidential"))
    if bool(case.get("confidential")) != meant_confidential:
        failures.append(Failure(WRONG_FIELD, f"confidential filed {case.get('confidential')!r}, meant {meant_confidential}"))
    return failures


# ── reports ────────────────────────────────────────────────────────────────────────────────────
UNTAGGED = {"real", "opening", "confirm"}      # answer kinds a transcript line does not label


def transcript_lines(conv: Conversation, width: int = 110) -> List[str]:
    lines = []
    for step in conv.steps:
        tag = "" if step.answer.kind in UNTAGGED else step.answer.kind
        asked = f"[{step.topic}] " if step.topic else "[opening] "
        text = step.answer.text.replace("\n", " ")
        if len(text) > width:
            text = text[:width] + f"…（{len(step.answer.text)}字）"
        lines.append(f"  {asked}客户{'(' + tag + ')' if tag else ''}：{text}")
        for reply in step.replies:
            reply = reply.replace("\n", " / ")
            lines.append(f"      助手：{reply[:width]}{'…' if len(reply) > width else ''}")
    return lines


@dataclass
class Result:
    seed: int
    sender: str
    conversation: Conversation
    failures: List[Failure]
    case: Optional[Dict[str, Any]]
    seconds: float

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def turns(self) -> int:
        return self.conversation.turns

    def report(self, max_lines: int = 80) -> str:
        conv = self.conversation
        head = (f"seed {self.seed} ({conv.customer.describe()}) sender {self.sender}: outcome {conv.outcome}, "
                f"{conv.turns} turns")
        body = [f"  ✗ {f}" for f in self.failures]
        if self.case is not None:
            body.append("  filed: " + ", ".join(f"{k}={self.case.get(k)!r}" for k in
                                                 ("case_no",) + FIELDS + ("confidential",)))
        lines = transcript_lines(conv)
        if len(lines) > max_lines:
            lines = lines[: max_lines // 2] + ["  …"] + lines[-max_lines // 2:]
        return "\n".join([head, *body, *lines])


def summarize(results: Sequence[Result]) -> Dict[str, Any]:
    n = len(results)
    turns = sorted(r.turns for r in results)
    by_class: Counter = Counter()
    conversations_by_class: Counter = Counter()
    for r in results:
        keys = [f.key for f in r.failures]
        by_class.update(keys)
        conversations_by_class.update(set(keys))
    return {
        "conversations": n,
        "passed": sum(r.passed for r in results),
        "pass_rate": (sum(r.passed for r in results) / n) if n else 0.0,
        "outcomes": dict(Counter(r.conversation.outcome for r in results)),
        "failures": dict(by_class.most_common()),
        "conversations_by_class": dict(conversations_by_class.most_common()),
        "turns_mean": (sum(turns) / n) if n else 0.0,
        "turns_p95": turns[min(n - 1, int(round(0.95 * (n - 1))))] if n else 0,
    }


def format_summary(summary: Dict[str, Any]) -> str:
    lines = [f"customer simulator: {summary['passed']}/{summary['conversations']} passed "
             f"({summary['pass_rate']:.1%}); outcomes {summary['outcomes']}; turns per conversation "
             f"mean {summary['turns_mean']:.1f}, p95 {summary['turns_p95']}"]
    if summary["conversations_by_class"]:
        lines.append("failures (conversations with it / occurrences):")
        for key, count in summary["conversations_by_class"].items():
            lines.append(f"  {key:<34} {count:>5} / {summary['failures'][key]}")
    return "\n".join(lines)


# ── against the real stack (tests/stack.Stack) ────────────────────────────────────────────────
def filed_case(stack: Any, sender: str, wait: float = 0.0) -> Optional[Dict[str, Any]]:
    """The case filed for a REST sender, in full (GET /api/cases?conversation_id=…, then the
    detail), or None. ``wait``: seconds to keep looking (a case sent through the outbox)."""
    deadline = time.monotonic() + wait
    while True:
        r = stack.casedesk("GET", "/api/cases", params={"conversation_id": stack.conversation_id(sender)})
        r.raise_for_status()
        items = r.json()["items"]
        if items:
            detail = stack.casedesk("GET", f"/api/cases/{items[0]['case_no']}")
            detail.raise_for_status()
            return detail.json()
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.5)


def run_one(stack: Any, seed: int, today: Optional[date] = None, max_turns: int = MAX_TURNS) -> Result:
    """One simulated customer against the running stack, checked."""
    t0 = time.perf_counter()
    sender = stack.new_sender(f"sim{seed}")
    customer = SimulatedCustomer(seed, today)
    conv = play(customer, lambda text: stack.say(sender, text, timeout=60),
                paused=lambda: bool(stack.tracker(sender).get("paused")), max_turns=max_turns)
    # a case exists for a filed and for a handed-off conversation (and must not for a cancelled one)
    case = filed_case(stack, sender, wait=5.0 if conv.outcome == "filed" else 0.0)
    return Result(seed, sender, conv, check(conv, case), case, time.perf_counter() - t0)


def run_many(stack: Any, seeds: Sequence[int], workers: int = 4,
             progress: Optional[Callable[[Result], None]] = None) -> List[Result]:
    """Plays the seeds, ``workers`` conversations at a time (each its own sender, so they are
    independent); results in seed order."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    today = beijing_today()
    results: List[Result] = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(run_one, stack, seed, today) for seed in seeds]
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            if progress:
                progress(result)
    return sorted(results, key=lambda r: r.seed)
