"""Chinese dialects read as Mandarin, in one place for every reader of a customer's words.

Customers type as they speak: Cantonese (你哋, 唔, 咗, 冇), Wu (侬, 阿拉), Henan (恁, 俺, 嘞), Hakka
(𠊎, 捱), Sichuan (没得, 啥子). The escalation rules (bot/escalation/rules.py) and the intake form's
field readers (actions/parsing.py) are written for Mandarin; both read the customer's text through
``to_mandarin`` first, so "恁处理嘞时候别跟经理说是俺们投诉嘞" meets the same rules as
"你们处理的时候别跟经理说是我们投诉的". The text is already normalised (bot.text.normalize_text:
Simplified, half-width); what is stored and shown stays the customer's own words.
"""
from __future__ import annotations

import re

# Dialect pronouns and particles read as Mandarin before any rule or parser looks (Henan 恁/俺/嘞, Wu
# 侬/侬拉/阿拉, Hokkien 恁, Hunan 么子, Shaanxi 额): "恁再扣俺嘞钱" then meets the rules written for "你们再扣我的钱".
# Not 阿拉伯/阿拉善 (Arabia, a place).
COMMON = (
    (re.compile(r"侬拉"), "你们"),
    (re.compile(r"伊拉"), "他们"),
    (re.compile(r"阿拉(?![伯善丁斯])"), "我们"),
    (re.compile(r"恁"), "你们"),
    (re.compile(r"侬"), "你"),
    (re.compile(r"俺"), "我"),
    (re.compile(r"(?<=[我你他她们])嘞"), "的"),
    # Hunan 么子 (what); Shaanxi 额 for 我 where it opens a clause before a verb (额已经给省分行
    #写了信), never 金额/余额/额度
    (re.compile(r"么子"), "什么"),
    # Hokkien 予人 = 被人 ("钱予人转走矣"), never 给予人/授予人; 矣 after a verb = 了
    (re.compile(r"(?<![给授赋赐施寄赠])予人(?=[\u4e00-\u9fff])"), "被人"),
    (re.compile(r"(?<=[走去掉了])矣"), "了"),
    # Hokkien 无 = 没 before a verb done or a loss ("我根本无去办过", "我的钱是无少"), 有无 = 有没有
    # ("里面有无钱"); never 无法/无效/无关/无论
    (re.compile(r"有无(?=[\u4e00-\u9fff])"), "有没有"),
    (re.compile(r"无(?=去|少(?!年|量|许)|[办开签用收拿借]过)"), "没"),
    # Wu 覅 = 不要 (one character with no Mandarin reading), 吾 = 我 ("吾叫严美娟", "覅讲是吾投诉额")
    (re.compile(r"覅"), "不要"),
    (re.compile(r"吾(?![辈等爱侪])"), "我"),
    # Cantonese (HK, Guangdong; Traditional already made Simplified): the pronouns, the negators,
    # the aspect and place particles and the verbs threats turn on, so "我要搵你哋经理倾，唔该叫
    # 佢出嚟" meets the rules written for "我要找你们经理谈，麻烦叫他出来". Only forms with no
    # Mandarin reading: 系 stays (系统, 联系) except in 唔系/真系/系咪.
    (re.compile(r"你哋|你地"), "你们"),
    (re.compile(r"佢哋|佢地"), "他们"),
    (re.compile(r"我哋|我地"), "我们"),
    (re.compile(r"佢"), "他"),
    (re.compile(r"唔该"), "麻烦"),
    (re.compile(r"系唔系|係唔係"), "是不是"),
    (re.compile(r"唔系|唔係"), "不是"),
    (re.compile(r"真系"), "真是"),
    (re.compile(r"系咪"), "是不是"),
    (re.compile(r"唔"), "不"),
    (re.compile(r"冇"), "没"),
    (re.compile(r"咗"), "了"),
    (re.compile(r"喺"), "在"),
    (re.compile(r"嘅"), "的"),
    (re.compile(r"嚟"), "来"),
    (re.compile(r"[搵揾]"), "找"),
    (re.compile(r"听日"), "明天"),
    (re.compile(r"琴日|寻日"), "昨天"),
    (re.compile(r"而家"), "现在"),
    # 活落去, 捱落去: 落去 is Mandarin 下去 (不想再活落去)
    (re.compile(r"落去"), "下去"),
    # 倾 is "talk" before 吓/偈/计 or ending a clause (搵经理倾); 倾向, 倾听, 倾家荡产 keep theirs
    (re.compile(r"倾(?=吓|下|偈|计|清楚|$|[,.!?;:、。])"), "谈"),
    (re.compile(r"(?:(?<=^)|(?<=[,.!?;:、。\s]))额(?=[已就也都要想跟给去在不是的们]|没)"), "我"),
)


# …and, for the intake form's field readers (actions/parsing.py) after those, the words that
# carry a field: numerals, units, names and the months of a date.
# Sichuan 没得 (没有) and 啥子 (什么): "钱倒是没得啥子损失" says no money was lost; Hakka 𠊎 (我) and
# 𠊎系 (我是): "𠊎系钟亚妹"; 廿/卅 (twenty, thirty) in dates ("十一月廿八"); Hakka and Hunan 喊做/喊得
# (叫, "𠊎喊做古志强", "我喊得罗春生"); Henan 嘞 (的) inside a phrase ("胡辣汤店嘞老板", "多收嘞利息");
# Cantonese 入面 (里面: "卡入面有六萬幾" is a balance), 啱啱 (刚刚), 未见 (没看到); Hakka 厓 (我), 里背 (里面)
# and 银 after a figure (元: "三千银")
FOR_FIELDS = ((re.compile("没得"), "没有"), (re.compile("啥子"), "什么"), (re.compile("𠊎系"), "我是"),
                  (re.compile("𠊎"), "我"), (re.compile("廿(?=[一二三四五六七八九])"), "二十"), (re.compile("廿"), "二十"),
                  (re.compile("卅(?=[一])"), "三十"), (re.compile("卅"), "三十"),
                  (re.compile("(?<=[我俺])(?:喊做|喊作|喊得)"), "叫"),
                  (re.compile("(?<=[\u4e00-\u9fff])嘞(?=[\u4e00-\u9fff])"), "的"),
                  (re.compile("入面"), "里面"), (re.compile("啱啱|啱先"), "刚刚"), (re.compile("未见"), "没看到"),
                  # Hakka 莫分…晓得 (别让…知道), 讲爱我 (说要我)
                  (re.compile(r"厓(?=[个嘅的叫系是姓名卡屋])|(?<=[，。,\s了咗给俾畀])厓|^厓"), "我"), (re.compile("里背"), "里面"),
                  # many type Hakka 𠊎 as 捱, which the Simplified reading makes 挨 ("捱叫温国良", "信贷员讲
                  # 捱征信有问题"): opening a clause before 叫/系/想…, or after 讲/同/给; never 挨打, 挨个, 挨着
                  (re.compile(r"(?:^|(?<=[，。,!?\s]))挨(?=叫|系|是|姓|想|从|冇|没|唔|讲|嘅|屋)|(?<=[讲话同畀])挨(?=[\u4e00-\u9fff])"), "我"),
                  (re.compile(r"(?<=[\d一二两三四五六七八九十百千万零])银(?!行|包|卡|联)"), "元"),
                  (re.compile("莫分(?=[^，。,!?！？]{0,10}(?:晓得|知道|晓))"), "别让"), (re.compile("(?<=[讲话])爱(?=我|俺)"), "要"),
                  # Cantonese 系/唔系 (是/不是) before a figure put right: "尾数系8407，唔系8401"
                  (re.compile("唔(?:系|係|是)"), "不是"),
                  (re.compile(r"(?<=[数号码位尾话机额])(?:系|係)(?=\s*[0-9零〇一二两三四五六七八九幺])"), "是"),
                  # Hakka and Cantonese count months with 只/隻 ("上只月廿二号": 上个月二十二号)
                  (re.compile("(?<=[上下这呢今])(?:只|隻)(?=月)"), "个"),
                  # 偶 (typed by sound) and Shaanxi 额 for 我, opening a clause before 叫/是/姓 ("偶叫马天宇")
                  (re.compile(r"(?:^|(?<=[，。,!！?？\s]))(?:偶|额)(?=叫|是|姓)"), "我"),
                  # Wu: 清爽 after a verb of knowing is 清楚 ("具体啥辰光记不清爽了"), 辰光 is 时候, 勿 before
                  # a verb of knowing is 不 (勿晓得, 记勿清)
                  (re.compile(r"(?<=[记讲说弄搞看])(?:不|勿)清爽"), "不清楚"), (re.compile("辰光"), "时候"),
                  (re.compile(r"勿(?=晓得|记得|清楚|知道)|(?<=记)勿(?=清|得)"), "不"))


def to_mandarin(text: str) -> str:
    """``COMMON``: pronouns, negators, particles and the verbs threats turn on."""
    for rx, mandarin in COMMON:
        text = rx.sub(mandarin, text)
    return text


def to_mandarin_for_fields(text: str) -> str:
    """``COMMON`` and then ``FOR_FIELDS``: what the intake form's field readers read."""
    text = to_mandarin(text)
    for rx, mandarin in FOR_FIELDS:
        text = rx.sub(mandarin, text)
    return text
