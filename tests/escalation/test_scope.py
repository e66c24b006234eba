"""bot/escalation/scope.py: is one cue match the customer's own live threat? (issue 13)

Every sentence here is written for this test (none comes from a test round or train.yml). For
each reason code: mentions that must come out not live with that code, and close contrasts with
the same words that must stay live threats.
"""
from __future__ import annotations

import pytest

from bot.escalation import scope
from bot.escalation.detector import EscalationDetector
from bot.escalation.rules import load_rules, norm, rule_matches

from .helpers import RULES_DIR

RULES = load_rules(RULES_DIR)
DETECTOR = EscalationDetector(RULES_DIR, learned=False)


def why(text: str, cue: str, nth: int = 0):
    """scope.why_not_live for the nth occurrence of ``cue`` in normalised ``text``."""
    text = norm(text)
    start = -1
    for _ in range(nth + 1):
        start = text.index(cue, start + 1)
    return scope.why_not_live(text, start, start + len(cue))


NOT_LIVE = [
    # negated
    ("negated", "你放心，我不会去找媒体的，就是想把钱退回来", "媒体"),
    ("negated", "我没打算去消协，小事一桩，你们查一下就好", "消协"),
    ("negated", "本人并不想起诉，只是想看看借款合同", "起诉"),
    ("negated", "没必要闹到电视台吧，你们改了就行", "电视台"),
    ("negated", "我用不着找律师，这么点钱", "律师"),
    ("negated", "我不是来告状的，也不准备找12378，问个利率", "12378"),
    ("negated", "转人工就不用了，你帮我看下账单日", "转人工"),
    ("negated", "冇打算去金管局，想问下点样改密码", "金管局"),
    # someone_else
    ("someone_else", "我隔壁邻居去年去电视台反映过物业的事，我想问下定期利率", "电视台"),
    ("someone_else", "我同事报了警又找了媒体，是他自己被骗的事", "媒体"),
    ("someone_else", "我表妹的律师让我提供一下工资流水", "律师"),
    ("someone_else", "朋友说我可以找个律师咨询下，我觉得没必要", "律师"),
    ("someone_else", "排队时后面一个大爷嚷着要找记者，吵得很", "记者"),
    ("someone_else", "我老公想去起诉，被我拦住了，我就想问下那笔钱", "起诉"),
    ("someone_else", "客服让我自己去派出所报警，说银行这边查不了", "报警"),
    ("someone_else", "那个柜员还问我要不要请律师，我就想把钱要回来", "律师"),
    # a friend's own plan (他说要…) is his, not advice relayed about the bank
    ("someone_else", "我同学也亏了，他说要去监管局告你们，那是他的事，我只想问问赎回", "监管局"),
    # a past act told with 发过/写过 and then settled
    ("settled", "我之前写过一篇帖子骂你们，后来你们经理打电话道歉，钱也退了，那篇我删了", "帖子"),
    # settled
    ("settled", "前年我差点去找报社，后来你们主任帮我解决了，一直挺满意", "报社"),
    ("settled", "上个月我打过12378，你们很快就处理好了，谢谢", "12378"),
    # own_job
    ("own_job", "我是记者，想问问信用卡年费怎么收", "记者"),
    ("own_job", "我做律师的，客户的钱想走对公账户", "律师"),
    ("own_job", "我是电视台的编导，工资卡想换个网点", "电视台"),
    ("own_job", "我以前在消协干过几年，想办个房贷", "消协"),
    ("own_job", "我业余做直播卖水果，想开个对公账户", "直播"),
    # passive
    ("passive", "听说你们被媒体报道过，是真的吗", "媒体"),
    ("passive", "你们银行之前被曝光的那个理财还在卖吗", "曝光"),
    # question
    ("question", "这个事我应该找你们还是找12378？", "12378"),
    ("question", "信用卡乱收费归哪个部门管，消协还是银行？", "消协"),
    ("question", "12378跟12363是什么意思，有什么不同？", "12378"),
    # not_the_bank
    ("not_the_bank", "我向12345投诉的是小区停车，跟你们没关系，问下转账限额", "12345"),
    ("not_the_bank", "我准备起诉离婚，需要开一份存款证明", "起诉"),
]


@pytest.mark.parametrize("code,text,cue", NOT_LIVE)
def test_mentions_are_not_live(code, text, cue):
    assert why(text, cue) == code


# threats with the same words: must stay live (None)
LIVE = [
    ("再不退钱我就去找记者", "记者"),
    ("别逼我去找媒体", "媒体"),
    ("不要逼我去找媒体", "媒体"),
    ("我让我儿子发到网上", "发到网上"),
    ("你们等着被曝光吧", "曝光"),
    ("上次找了12378没用，这次我直接去总行", "12378"),
    ("不给我个说法我就打12378", "12378"),
    ("我是记者，我要曝光你们", "曝光"),
    ("你们以为我不会去找媒体？", "媒体"),
    ("我本来不想找律师的，是你们逼的", "律师"),
    ("我不想闹到法院，但你们再拖下去我只能起诉", "起诉"),
    ("我不想等了直接找记者", "记者"),
    ("你们不想解决我就起诉", "起诉"),
    ("我还没去找消协，你们看着办", "消协"),
    ("我不得不去找律师了", "律师"),
    ("你看我会不会去告你们", "告你们"),
    ("我邻居去了电视台，我也要去电视台", "电视台", 1),
    ("我老公说了，再不退钱就去找记者", "记者"),
    ("我儿子说要去人民银行告你们", "告你们"),
    ("我和我老公一起去电视台反映", "电视台"),
    ("我的律师会起诉你们", "起诉"),
    ("我准备请律师起诉你们", "起诉"),
    ("我朋友是律师，他说你们这样可以直接起诉", "起诉"),
    ("去年我找过消协，到现在也没解决，我还要去", "消协"),
    ("你们迟早会被曝光的", "曝光"),
    ("我是不是该去找媒体了？", "媒体"),
    ("难道我只能找消协了吗？", "消协"),
    ("我就是要找记者", "记者"),
    ("我要报警抓你们这帮骗子", "报警"),
    ("转人工不用了是吧？那我只能找记者了", "记者"),
    ("经理说这事没办法，那我只能去法院起诉你们了", "起诉"),
    ("你们客服说让我等，等到现在，我就去12378投诉", "12378"),
    ("我跟你们客服说了多少遍，明天我就去金融监管局举报", "金融监管局"),
    ("我平时就拍抖音，这回专门拍你们银行怎么坑人", "抖音"),
]


@pytest.mark.parametrize("case", LIVE, ids=[c[0] for c in LIVE])
def test_threats_stay_live(case):
    text, cue, nth = (case + (0,))[:3]
    assert why(text, cue, nth) is None


@pytest.mark.parametrize("text", ["气死我了哈哈，不过你们这个活动真不错", "这手续费真气死人😂 开个玩笑",
                                  "受够了这天气hhh，问下网点几点关门"])
def test_laughter_makes_anger_a_joke(text):
    assert DETECTOR.detect(text) is None or DETECTOR.detect(text).reason != "anger"


@pytest.mark.parametrize("text", ["气死我了，又扣我钱", "呵呵，气死我了", "受够你们了！"])
def test_anger_without_laughter_stays(text):
    found = DETECTOR.detect(text)
    assert found and found.reason == "anger" and found.strong


def test_joke_is_only_for_anger():
    # laughter does not explain away a media threat: the media file does not list ``joke``
    assert "joke" not in RULES["media"].scope
    found = DETECTOR.detect("哈哈，等着上热搜吧你们")
    assert found and found.reason == "media"


# ------------------------------------------------------------------------- rule_matches end to end
@pytest.mark.parametrize("text", [
    "放心，我不打算去找记者，就问问卡什么时候寄到",
    "我同事前几天去电视台反映小区的事，我想问下大额存单",
    "我是律师，想给自己的律所开个对公户",
    "我不会去12378的，你们内部能处理最好",
    "不是要转人工，我自己看看说明就行了",
])
def test_rule_matches_drop_mentions(text):
    hits, exceptions = rule_matches(RULES, norm(text))
    assert not any(level == "strong" for level, _ in hits.values()), hits
    assert exceptions  # a scoped-out cue counts as an exception (rules.SCOPED_IS_EXCEPTION)


@pytest.mark.parametrize("text,reason", [
    ("我不会去找媒体，但再不退钱我就找记者", "media"),
    ("我邻居找了记者，我也准备找记者曝光你们", "media"),
    ("别逼我去找记者", "media"),
    ("你们等着被曝光吧", "media"),
    ("我让我儿子发抖音", "media"),
    ("不给我转人工我就去投诉", "human"),
    ("我不想活了", "self_harm"),
    ("别逼我动手，我拿刀过去", "violence"),
])
def test_rule_matches_keep_threats(text, reason):
    found = DETECTOR.detect(text)
    assert found and found.strong and found.reason == reason, found


def test_violence_and_self_harm_are_never_scoped(tmp_path):
    from bot.escalation.rules import load_ruleset
    assert not RULES["violence"].scope and not RULES["self_harm"].scope
    path = tmp_path / "violence.yml"
    path.write_text("reason: violence\nscope: [negated]\nkeywords: [砸了]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="never scoped"):
        load_ruleset(path)
    path.write_text("reason: media\nscope: [sarcasm]\nkeywords: [记者]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="scope"):
        load_ruleset(path)


def severe_why(text: str, cue: str):
    text = norm(text)
    start = text.index(cue)
    return scope.why_severe_not_live(text, start, start + len(cue))


@pytest.mark.parametrize("text,cue,code", [
    ("我们店的伙计开玩笑说要把那台POS机砸了，我想换台新的", "砸", "joke"),
    ("刷视频看到有个大妈被骗了想不开要跳河，我想给我妈的卡设个转账限额", "跳河", "passive"),
])
def test_violence_and_self_harm_need_two_signs_to_be_set_aside(text, cue, code):
    assert severe_why(text, cue) == code


@pytest.mark.parametrize("text,cue", [
    ("我开玩笑的？我真会把你们柜台砸了", "砸"),  # a joke word, but the customer acts
    ("我表哥说要把你们网点砸了", "砸"),  # someone else, but no joke and no news: a threat relayed
    ("看新闻我也想通了，不想活了", "不想活"),  # news, but the customer speaks of themselves
])
def test_one_sign_never_sets_violence_or_self_harm_aside(text, cue):
    assert severe_why(text, cue) is None


def test_scoped_reasons_are_the_documented_ones():
    scoped = {reason: set(rs.scope) for reason, rs in RULES.items() if rs.scope}
    assert scoped["anger"] == {"joke", "taken_back", "at_a_thing", "almost"}
    assert scoped["human"] == {"negated", "someone_else", "settled"}
    assert set(scoped) == {"media", "regulator", "anger", "human"}


@pytest.mark.parametrize("text", [
    "我哥说他要去找你们经理理论，我觉得没必要，先登记吧",
    "上次转人工已经帮我处理好了，谢谢，这次是另一件事",
])
def test_someone_elses_or_a_settled_request_for_a_person_is_no_request(text):
    assert "human" not in rule_matches(RULES, norm(text))[0]


@pytest.mark.parametrize("text", ["叫你们经理出来", "我不跟机器说，给我转人工", "我老公说了，再不处理就直接找你们行长"])
def test_the_customers_own_request_for_a_person_stays(text):
    assert "human" in rule_matches(RULES, norm(text))[0]


@pytest.mark.parametrize("text", [
    "不好意思，刚才那句气死我了是打给我同事的，发错了",
    "我说烦死了是口头禅，别往心里去，就是问下年费怎么免",
])
def test_anger_words_taken_back_do_not_hand_off(text):
    assert "anger" not in rule_matches(RULES, norm(text))[0]


def test_anger_not_taken_back_stays():
    assert "anger" in rule_matches(RULES, norm("气死我了，你们又乱扣费"))[0]


@pytest.mark.parametrize("text", [
    "前年那次我在微博上发过帖子说你们，后来你们主管专门道歉了，这次只是想改个密码",
    "之前在12378反映过一回，你们处理得挺好，这次是别的事",
])
def test_a_past_episode_settled_in_other_words_is_settled(text):
    hits = rule_matches(RULES, norm(text))[0]
    assert "media" not in hits and "regulator" not in hits


def test_a_question_about_the_proper_channel_is_no_threat():
    assert "regulator" not in rule_matches(RULES, norm("想了解一下，向监管部门反映问题的正规途径是什么？"))[0]


# The tenth blind round's classes, in wording of our own (the round's items are never copied).
@pytest.mark.parametrize("text, reason", [
    ("放心，我不打12315，就想把这笔钱的事弄明白", "regulator"),  # 不打: refused
    ("咨询一下，去人民银行反映一般要带什么证件呢？我暂时没这个打算", "regulator"),  # a question, not meant yet
    ("我表姐在打遗产官司，法院让我开一份存款证明", "regulator"),  # a private lawsuit
    ("诈骗电话说我卡涉案，不配合就报警抓我，我挂了，问下是不是你们打的", "regulator"),
    ("以前在电视台跑民生新闻，现在退休了，想把存单转到你们这", "media"),  # a past workplace
    ("我在一家律所当行政，想给所里开个对公户", "regulator"),  # a workplace named with 在
    ("我家黑猫把存折撕了一角，还能用吗", "media"),  # the cat
    ("你是人工智能还是真人呀？", "human"),  # asks what the bot is
    ("楼下不少人举着牌子在排队，是在抢购金条吗", "media"),  # other people's signs
])
def test_tenth_round_mentions_stay_calm(text, reason):
    assert reason not in rule_matches(RULES, norm(text))[0]


@pytest.mark.parametrize("text, reason", [
    ("我约了几个记者，明天一起来网点看看你们怎么办事", "media"),  # the press contacted
    ("几个跑财经的自媒体我已经联系好了，下礼拜来拍", "media"),
    ("我和几个邻居商量好了，礼拜一戴着纸牌去你们支行门口坐着", "media"),  # agreed together
    ("我店门口的大屏明天起循环播放你们这件事", "media"),
    ("我上个月就去监管局交了投诉信，今天来问进度", "regulator"),  # material handed in
    ("你们柜员骂我，我刚才报了警，等警察来", "regulator"),  # police called over staff
    ("我已经起诉了，立了案，你们还来问我满意度？", "regulator"),  # 满意度 is no settlement
    ("活着都没什么盼头了，卡里的钱你们爱冻就冻吧", "self_harm"),
    ("要是我死了，赔的钱应该够还这笔贷款了吧", "self_harm"),
    ("honestly I want to die, 这笔钱我再也还不上", "self_harm"),
    ("再吞我卡，我就去你们厅里掼电脑", "violence"),
    ("门口花盆里我留了个包，中午前不处理后果自负", "violence"),
    ("酒精我已经买好了两桶，明天你们开门见", "violence"),
    ("我砍伤人也不用坐牢的，你们想清楚", "violence"),
    ("mmp，又乱扣钱", "anger"),
    ("日你大爷，年费扣两遍", "anger"),
    ("服务态度跟狗屎一样", "anger"),
    ("我现在的火气已经难以用语言表达了", "anger"),
    ("帮我转接一下坐席", "human"),
    ("来个活的跟我说话", "human"),
    ("让你们经理亲自给我打电话", "human"),
    ("把你们网点今天管事的负责人叫过来", "human"),
])
def test_tenth_round_threats_in_new_words(text, reason):
    assert reason in rule_matches(RULES, norm(text))[0]


# The eleventh blind round's classes, in wording of our own.
@pytest.mark.parametrize("text, reason", [
    ("恁再不给俺退,俺就去恁省行告恁", "regulator"),  # Henan pronouns read as Mandarin
    ("侬拉再吞我卡,我到侬拉营业厅门口等侬下班,看侬哪能太太平平回去", "violence"),  # Wu
    ("阿拉已经把事体发到业主群里了,大家讲要一道去讨说法", "media"),
    ("给俺叫个管事嘞人来", "human"),
    ("材料我前天已经交到金融监管分局了", "regulator"),
    ("我去人民银行征信中心申诉你们", "regulator"),
    ("wo yi jing tou su dao jrjgj le", "regulator"),
    ("你们食堂的汤里哪天多加点料,别说我没提醒", "violence"),
    ("明早大厅里多个箱子炸了可别怪我", "violence"),
    ("活着就是连累爸妈,干脆消失算了", "self_harm"),
    ("明晚九点直播间见,主题就是你们银行怎么坑储户", "media"),
    ("这事我要让全网都瞧瞧", "media"),
    ("你们这种收费方式令人愤慨", "anger"),
    ("夭寿骨,钱又被冻牢了", "anger"),
    ("我是个体户客户,麻烦安排位客户经理回我电话", "human"),
    ("求接入rg", "human"),
])
def test_eleventh_round_threats_in_new_words(text, reason):
    assert reason in rule_matches(RULES, norm(text))[0]


@pytest.mark.parametrize("text, reason", [
    ("哈哈要去总行门口拉横幅了,开个玩笑,问下利率", "regulator"),  # a marked joke
    ("哈哈要去总行门口拉横幅了,开个玩笑,问下利率", "media"),
    ("前年还说过要告你们,后来你们把钱退了,早翻篇了", "regulator"),  # settled, told as a report
    ("电视里说有储户想不开跳楼了,存款保险能赔多少", "self_harm"),  # news about someone else
    ("我家猫名字叫「行长」,问下宠物险怎么买", "human"),
    ("我打12363咨询过,说让先找银行协商", "regulator"),
    ("我在人民法院旁边的网点存钱", "regulator"),
    ("抖音钱包能绑你们的卡吗", "media"),
    ("王者里被人杀了五次,顺便发现卡被扣了两笔", "violence"),
    ("有个陌生人说要把我的照片挂到网上,说我欠你们钱", "media"),
    ("你是真人还是机器人?", "human"),
    ("那台破机器又吞卡了,该修修了", "anger"),
    ("我是大堂经理,在测试转人工功能", "human"),
])
def test_eleventh_round_mentions_stay_calm(text, reason):
    assert reason not in rule_matches(RULES, norm(text))[0]


def test_a_denied_joke_is_no_joke():
    assert "media" in rule_matches(RULES, norm("我不是开玩笑,明天就去你们门口拉横幅"))[0]


def test_arabia_is_no_dialect_pronoun():
    assert norm("阿拉伯联合酋长国汇款") == "阿拉伯联合酋长国汇款"


# The thirteenth blind round's classes, in wording of our own.
@pytest.mark.parametrize("text, reason", [
    ("再推来推去,我到你们那把桌子掀翻", "violence"),  # a desk overturned
    ("侬等着,阿拉寻人来收作侬", "violence"),  # Wu 收作: dealt with
    ("我家里有把气枪,你们掂量掂量", "violence"),  # a gun the customer has
    ("这几天老在琢磨怎么了断比较快", "self_harm"),  # how to end it
    ("ming tian wo jiu shang xiao hong shu fa tie", "media"),  # platforms in pinyin
    ("zai bu tui qian wo jiu bao guang", "media"),
    ("回答不了就找个懂行的人来跟我说", "human"),  # someone who can answer, sent for
    ("zrg!!", "human"),  # initials of 转人工
    ("我要去香港金管局投诉你们", "regulator"),
    ("你哋呢啲银行真系食人唔吐骨", "anger"),
])
def test_thirteenth_round_threats_in_new_words(text, reason):
    assert reason in rule_matches(RULES, norm(text))[0]


@pytest.mark.parametrize("text, reason", [
    ("我表姐去年跟你们打过一场官司,早就了结了,我今天来开户", "regulator"),  # settled, kin's past
    ("我们厂跟装修队的官司要用流水,这跟你们银行没关系。流水怎么打?", "regulator"),  # not the bank
    ("要起诉一个老赖,想开个存款证明", "regulator"),  # another party sued
    ("收到个电话说我要被你们起诉了,是骗子吧?", "regulator"),  # the customer is the one sued
    ("我也不准备告,打官司太费劲,你们解释一下就行", "regulator"),  # a reason for not acting
    ("我没那闲工夫找记者,退钱就行", "media"),  # no time to spare for it
    ("前阵子在微博骂过你们,后来问题解决我就删了", "media"),  # the post taken down
    ("刷到热搜说有网点被砸了,我明天还能去办业务吗?", "media"),  # a platform where it was seen
    ("我之前系记者,但今次唔系要爆料,只系想查下张卡", "media"),  # Cantonese negation
    ("刷到个视频说有人在银行门口喝农药,吓得我妈要取钱,定期提前取怎么弄", "self_harm"),  # hearsay
    ("打工人想跳楼系列😂 顺便问下年费能免吗", "self_harm"),  # a meme laughed at, and a question
    ("你哋人工客服咩时候开始返工?", "human"),  # the hours, asked
    ("0571-8800 1234(律所的座机)", "regulator"),  # whose telephone it is, given as a contact
    ("白天打报社总机找我就行", "media"),
])
def test_thirteenth_round_mentions_stay_calm(text, reason):
    assert reason not in rule_matches(RULES, norm(text))[0]


def test_a_threat_to_sue_with_a_lawyer_stays_live():
    # contrasts: the same words aimed at the bank
    assert "media" in rule_matches(RULES, norm("我要联系记者"))[0]
    assert "regulator" in rule_matches(RULES, norm("我马上跟律师的团队一起起诉你们"))[0]
    assert "media" in rule_matches(RULES, norm("我和朋友一起去找记者"))[0]
    assert "media" in rule_matches(RULES, norm("晚报有个记者是我老同学,这种事他们最爱报"))[0]


# The fifteenth blind round's classes, in wording of our own.
@pytest.mark.parametrize("text, reason", [
    ("那个信贷员我记住了,改天弄瓶强酸泼过去", "violence"),  # acid thrown at staff
    ("等我到了柜台,先赏那个主任几记老拳", "violence"),  # blows handed out as a gift
    ("不给说法我就扛着被子住进你们营业厅", "media"),  # camping in the banking hall
    ("我去你们营业厅里坐着,办不好我就不走了", "media"),
    ("我坐高铁上北京你们总行大门口去闹", "media"),  # a scene at head office's door after a journey
    ("我让我小舅子扛着摄像机去你们网点转一圈", "media"),  # a camera brought by someone the customer knows
    ("这事我会照实贴到我们同行群里,各位老板自己看", "media"),  # a group of peers, said calmly
    ("wo ming tian jiu qu zhao lv shi", "regulator"),  # a lawyer in pinyin
    ("这种事只能去找你们上级了", "regulator"),  # over the branch's head
    ("你哋真系冇x用", "anger"),  # Cantonese swearing, masked
    ("what the hell is wrong with your staff", "anger"),  # English fury
    ("人工!! 求求你们了🙏", "human"),  # 人工 with a plea
    ("我眼睛不好看不清字,让人给我回个电话", "human"),  # cannot read the screen, a call asked for
    ("麻烦直接帮我接你们国际业务的专员", "human"),  # put through to an officer
    ("叫你们值班经理过来,我在四号窗口", "human"),  # a manager called to the counter
    ("主任在不在?在就让他来接电话", "human"),  # someone sent to the phone
    ("把你们主任给我叫来", "human"),
])
def test_fifteenth_round_threats_in_new_words(text, reason):
    assert reason in rule_matches(RULES, norm(text))[0]


@pytest.mark.parametrize("text, reason", [
    ("我们律师事务所要开个一般户,带什么材料", "regulator"),  # a law firm as the customer
    ("你们那个防骗宣传片能转发到我们小区群吗", "media"),  # the bank's own material shared
    ("看到一个主播直播跟柜员吵架,我想问问信用卡怎么还", "media"),  # a stream seen in passing
    ("我发了个红包到家族群,钱扣了对方没收到", "media"),  # a red packet
    ("我们厂要采购硫酸,对公转账限额多少", "violence"),  # a chemical bought
    ("网点门口今天好热闹,在搞什么活动", "media"),
])
def test_fifteenth_round_mentions_stay_calm(text, reason):
    assert reason not in rule_matches(RULES, norm(text))[0]


def test_the_banks_words_end_where_the_customers_own_act_begins():
    # "让我扫码" is the bank's instruction about something else; the customer then acts
    assert "regulator" in rule_matches(RULES, norm("你们柜台非让我用手机付,我去人民银行投诉你们"))[0]
    # what the bot says is not advice (说的/说得), and a written account (情况说明) is no speech
    assert "human" in rule_matches(RULES, norm("你们这机器人说得我一头雾水,给我找个真人"))[0]
    assert "media" in rule_matches(RULES, norm("明天我把你们的情况说明挂到本地论坛上"))[0]
    # …while the bank's advice itself stays someone else's word
    assert "regulator" not in rule_matches(RULES, norm("柜员说让我去人民银行投诉"))[0]


def test_a_streamer_is_someone_else_unless_it_is_the_customer():
    assert why("刷到一个网红直播,说你们利率高", "直播") == "someone_else"
    assert "media" in rule_matches(RULES, norm("我是美食博主,今晚直播就讲你们怎么坑人"))[0]
    assert "media" in rule_matches(RULES, norm("我找了个博主直播曝光你们"))[0]


def test_someone_sent_for_is_the_customers_act_whoever_they_are():
    # the causative verb with who they are in between (叫报社的同学…): the customer acts
    assert "media" in rule_matches(RULES, norm("我叫报社的同学带着话筒来你们网点"))[0]


# The sixteenth blind round's classes, in wording of our own.
@pytest.mark.parametrize("text, reason", [
    ("你这边处理不了，麻烦升级到你们当班的主管", "human"),  # passed up to someone senior
    ("能不能帮我转交给你们组长看一下", "human"),
    ("请你们值班经理跟我说两句", "human"),
    ("可以请个坐席老师教我改一下交易密码吗", "human"),  # a seat or an officer to help
    ("找一位专员帮我核对企业网银的授权", "human"),
    ("我明天搬个马扎去你们支行大厅坐着，哪天退钱哪天回家", "media"),  # a sit-in, however worded
    ("我到你们网点里坐到你们给我处理为止", "media"),
    ("ni men dou shi hun dan", "anger"),  # insults in pinyin
    ("wang ba dan yin hang", "anger"),
    ("恁这些龟孙，钱咋还不到账", "anger"),  # Henan insults
    ("孬孙，又扣俺的钱", "anger"),
    ("你们客服是猪吗，说了等于没说", "anger"),  # staff called animals
    ("让我来回跑五趟，当我是猴耍呢", "anger"),  # made a fool of
    ("若閣無處理，我就共恁的ATM摃破", "violence"),  # Hokkien 共 = 把
    ("我今天就拆了你们的柜台", "violence"),
    ("I'll make sure he can't walk straight for a week", "violence"),  # veiled, in English
    ("保安把我推倒在门口，我现在报警", "regulator"),  # police called after staff laid hands
    ("柜员扇了我妈一巴掌，已经报了警", "regulator"),
    ("分行不管我就接着往上告", "regulator"),  # up the ladder
    ("我就打你们总行的客服热线，一级一级往上反映", "regulator"),
])
def test_sixteenth_round_threats_in_new_words(text, reason):
    assert reason in rule_matches(RULES, norm(text))[0]


@pytest.mark.parametrize("text, reason", [
    ("律师执业证复印件要盖公章吗", "regulator"),  # a profession's name in a document or a fee
    ("律师协会会员办信用卡有年费优惠吗", "regulator"),
    ("诉讼费可以用你们的信用卡缴吗", "regulator"),
    ("我的记者证能当开户的身份证明吗", "media"),
    ("晚上有人工客服吗？", "human"),  # a person at another time, asked
    ("人工客服周末在不在？", "human"),
    ("春节放假期间还有坐席吗", "human"),
    ("我的信用卡能升级到白金卡吗", "human"),  # 升级 of a product
    ("贷款申请已经转给经理审批了吗", "human"),
    ("专员上周已经联系过我了", "human"),
    ("我在营业厅待了三个小时，直到办完为止", "media"),  # a long wait told, no sit-in
    ("我在网点坐着等叫号，什么时候能轮到我", "media"),
    ("想带孩子去你们分行大楼前面合影留念", "regulator"),  # a building admired or visited
    ("总行大楼对外开放参观吗", "regulator"),
    ("我拆了你们银行寄来的信封，里面是新卡", "violence"),  # 拆 of a letter
    ("一共拆了三个快递都不是我的卡", "violence"),
    ("qing wen zen me gua shi", "anger"),
    ("网点不管，我就打你们总行的投诉热线", "violence"),  # a call, not a blow
    ("骗子把我的钱转走了，经理帮我报了警", "regulator"),  # police about a fraudster
    ("总行的投诉电话是多少？", "regulator"),  # a hotline asked about
    ("聊天记录你往上翻翻就看到了", "regulator"),
])
def test_sixteenth_round_mentions_stay_calm(text, reason):
    assert reason not in rule_matches(RULES, norm(text))[0]


@pytest.mark.parametrize("text", [
    "再收我年费我就去找记者了，说笑的，年费能免吗",
    "我要去银保监会告你们，闹着玩的，帮我查下余额",
    "我真想去人民银行投诉你们，讲笑咋，几时到账",
])
def test_a_threat_said_in_jest_in_so_many_words_is_no_threat(text):
    hits = rule_matches(RULES, norm(text))[0]
    assert "media" not in hits and "regulator" not in hits


def test_jest_denied_keeps_the_threat():
    assert "regulator" in rule_matches(RULES, norm("我不是说笑的，再不退钱我就去银保监会"))[0]


@pytest.mark.parametrize("text", [
    "APP又闪退，真是气死我了",  # a thing that fails, nobody blamed, no insult
    "验证码怎么也收不到，气死人",
    "部提款機又食咗張卡，激死人",
])
def test_exasperation_at_a_thing_is_mild_anger(text):
    hits = rule_matches(RULES, norm(text))[0]
    assert hits.get("anger", ("",))[0] == "mild"
    found = DETECTOR.detect(text)
    assert found and (found.reason, found.level) == ("anger", "mild")


@pytest.mark.parametrize("text", [
    "气死我了，又扣我钱",  # an act of the bank that cost the customer
    "系统又死机了，气死我了！！！",  # shouting makes the lowered cue strong again
    "你们这帮人，系统天天坏，气死我了",  # the bank's people
    "APP闪退，我真的要被你们气死了",  # the bank as the one who angers
    "这破系统卡死了，一群废物，气死我了",  # an insult anywhere
])
def test_anger_at_people_or_with_more_stays_strong(text):
    found = DETECTOR.detect(text)
    assert found and (found.reason, found.level) == ("anger", "strong")


def test_at_a_thing_lowers_only_the_heat_of_anger():
    text = norm("系统又死机，气死我了")
    start = text.index("气死")
    assert scope.why_not_live(text, start, start + 2) == "at_a_thing"
    text = norm("系统又死机，受够了")  # other strong words are not lowered
    start = text.index("受够")
    assert scope.why_not_live(text, start, start + 2) is None



# --- seventeenth round: classes, each in new words (never an item of the round) ---------------

@pytest.mark.parametrize("text", [
    "排了一上午号还没轮到，我都快被逼疯了，能不能快点",  # nearly driven mad, nobody insulted
    "又让我补材料，快要气疯了",
])
def test_nearly_driven_mad_is_mild_anger(text):
    found = DETECTOR.detect(text)
    assert found and (found.reason, found.level) == ("anger", "mild")


def test_nearly_mad_with_an_insult_stays_strong():
    found = DETECTOR.detect("你们这帮废物，我快被你们逼疯了")
    assert found and (found.reason, found.level) == ("anger", "strong")


@pytest.mark.parametrize("text, reason", [
    ("我哪敢去告你们，就想问下贷款怎么延期", "regulator"),  # would not dare
    ("放心嘛，我不得去找媒体，帮我看哈卡咋个锁了", "media"),  # south-western 不得 = will not
    ("我不是那种会去电视台闹的人，就是想把钱要回来", "media"),
    ("原本打算找律师，后来觉得没必要，你们尽快处理吧", "regulator"),  # an intent dropped
])
def test_new_negations_set_the_cue_aside(text, reason):
    assert reason not in rule_matches(RULES, norm(text))[0]


def test_a_negator_before_a_condition_still_threatens():
    assert "regulator" in rule_matches(RULES, norm("我本来不想告你们，但再不退钱我就起诉"))[0]


@pytest.mark.parametrize("text", [
    "我弟在家嚷嚷要去砸你们柜台，我把他劝住了，他就是说说气话，麻烦帮我查下账单",
    "这利率低得我想从楼上跳下去（开玩笑），有没有收益高点的存款",  # asked without a question mark
])
def test_severe_cues_set_aside_by_two_signs(text):
    found = DETECTOR.detect(text)
    assert found is None or found.reason not in ("violence", "self_harm")


def test_cantonese_reads_as_mandarin_before_the_rules():
    assert norm("我要搵你哋經理傾，唔該叫佢出嚟") == "我要找你们经理谈,麻烦叫他出来"
    assert "human" in rule_matches(RULES, norm("我要搵你哋主管傾，唔該叫佢出嚟"))[0]
    # 系 keeps its Mandarin senses (系统, 联系); 倾 its own (倾向)
    assert norm("联系唔到系统") == "联系不到系统" and "倾向" in norm("我倾向于")


# The eighteenth round's classes, in words of our own (never the set's sentences).
@pytest.mark.parametrize("text, reason", [
    ("再拖着不办，阿拉就拨打12378电话投诉侬", "regulator"),  # a body's phone rung, not given as a contact
    ("我哥说月底前不给退，就把视频发到抖音上", "media"),  # a relative's threat on a stated condition
    ("你猜我要是把录音发到小红书上，你们网点受得了吗？", "media"),  # the customer's act held up as a question
    ("三天内没答复我就发ks和wb", "media"),  # platforms in initials after the verb
    ("我搬个凳子去你们支行门口坐着，哪天退钱哪天起来", "media"),  # a sit-in until it is done
    ("我认得那个客户经理，下班堵到他，给他点颜色看看", "violence"),  # a painful lesson promised
    ("能不能安排一个工作人员跟进一下我这个事", "human"),
    ("帮我专接人工，这个机器说不明白", "human"),  # 专 typed for 转
])
def test_eighteenth_round_threats_in_new_words(text, reason):
    found = DETECTOR.detect(text)
    assert found and found.strong and found.reason == reason, found


@pytest.mark.parametrize("text, reason", [
    ("对方打电话吓唬我说不还钱就起诉我，你们银行真有这种委托吗？", "regulator"),  # the customer is the one threatened
    ("12345市长热线是几点到几点有人接？我先问清楚", "regulator"),  # a hotline's hours asked
    ("想了解下向人民银行反映问题，一般多长时间能有结果？", "regulator"),  # how long a body takes
    ("催收员说要来我家门口闹，又说要发到我们小区群里，这合规吗？", "media"),  # the collector's report runs on
    ("律所座机0571-8612 3400，有事可以打这个电话找我", "regulator"),  # a workplace phone as a contact still
    ("我们有专人工作负责对账，不用转", "human"),  # 专人工作: staff at work
])
def test_eighteenth_round_mentions_stay_calm(text, reason):
    found = DETECTOR.detect(text)
    assert not (found and found.strong and found.reason == reason), found


def test_cantonese_luo_qu_reads_as_xia_qu():
    assert norm("我真係捱唔落去") == "我真是挨不下去"
