"""The blind escalation rounds, read by the shipped detector (rules and learned model, text only):
each set was written by someone who never saw the rules, the training data or the model, and
scored once before the work it measured. Here they hold the ground reached — a floor, not a
target; bench/escalation_classifier_bench.py prints every figure and the misses."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.escalation.detector import default_detector
from bot.text import normalize_text

HERE = Path(__file__).parent
# reached when each floor was set: third round 114/145 threats, 20/90 negatives (the set was
# used while the model was built); fourth round 91/125, 18/90 (never used for tuning). The
# rules alone: 89/145 and 72/125.
# After the cue scope (bot/escalation/scope.py, 2026-12-05): third round 114/145 and 3/90,
# fourth round 91/125 and 4/90 (both sets were read for classes, never copied), fifth round
# 94/125 and 4/110 (never read: only this bench's figure; 21/110 before the scope). The
# negative floors are the figure + 3.
# After the fifth round's work (2026-12-06: 488 new train.yml lines, a lesser rule hit giving way
# to violence/self_harm the model is sure of): third round 121/145 and 3/90, fourth round 96/125
# and 4/90, fifth round 103/125 and 4/110 (still never read). Threat floors are the figure minus
# about 3 points, negative floors the figure + 2.
# The sixth round (written blind 2026-12-05, scored once: 68/96 threats, 7/84 negatives), then
# its classes (violence at the common margin with staff reports as hard negatives; words taken
# back, settled episodes in other words, questions about the proper channel, 笑不活了 and 砸锅):
# sixth 77/96 and 0/84, fifth 109/125 and 4/110, fourth 104/125 and 4/90, third 123/145 and 3/90.
# The seventh round (written blind 2026-12-05, scored once: 95/106 threats, 10/74 negatives),
# then its classes (two signs to set violence/self-harm aside, a request waved off, Cantonese
# negators, a habit on a platform, questions about what a body is, sharing good news; strong
# anger said politely, a lone 滚, English and Cantonese curses; videos, @ and group chats about
# the bank; a weapon readied with a warning, a bomb sent, northern beatings): seventh 106/106
# and 1/74, sixth 80/96 and 0/84, fifth 112/125, fourth 107/125, third 125/145.
# The eighth round (written blind 2026-12-06, scored once: 77/104 threats, 10/76 negatives),
# then its classes (a vehicle driven at the branch, blows and 动手, a knife emoji, arson, a gang
# brought along, knowing where staff live, Wu and English threats; pills stored up and farewells
# over debts; already posted, HK platforms, material given to a blogger; a hotline already rung,
# copied to head office, police called on staff; dialect insults and a screen of angry faces;
# pinyin, a department's staff, a call-back asked for; the customer as the one threatened, a
# regulator's role asked about, co-branded cards, the bank's own live room, a joke with a
# denial): eighth 104/104 and 2/76, seventh 106/106 and 1/74, sixth 81/96, fifth 113/125,
# fourth 107/125, third 127/145.
# The ninth round (written blind 2026-12-06 after the eighth round's work, scored once: 82/104
# threats, 9/76 negatives), then its classes (things smashed to bits or taken off their hinges, a
# violent past held up, explosives hinted at, staff watched; affairs put in order, pinyin despair;
# a banner made or hung, a sign held up, the story written up, a crowd going together, 黑猫; a
# provincial branch, a letter to head office, police called on the bank, Taiwan's 金管会; being
# called stupid, shaking with anger, 他妈 as a swear, pinyin swearing; 不要机器要人, 转rg, 人工
# repeated with emoji; calm: photography's 曝光, 砸金蛋, a scammer's threat to the customer, anger at
# oneself, the regulator sending the customer back, news of fines, hearsay of a banner, someone
# else's quarrel with their bank): ninth 102/104 and 1/76, eighth 104/104 and 2/76, seventh
# 106/106 and 1/74, sixth 82/96, fifth 113/125 and 1/110, fourth 109/125 and 5/90, third 127/145.
# The tenth round (written blind 2026-12-06, scored once: 84/104 threats, 14/20 requests for a
# person, 11/76 negatives), then its classes (no meaning left in living, death weighed against a
# debt, despair in English; Wu 掼, something left behind with an ultimatum, fuel readied, harm said
# to go unpunished; the press contacted, a post pinned, a sign worn, the bank named on a shop's
# screen, a plan agreed with others; material handed in to a regulator, police called over staff,
# 满意度 no settlement; mmp/wcnm/辣鸡, Sichuan curses, dung, anger beyond words; a seat, an officer,
# a living person, the manager in person; calm: 不打 12378, a process question said to be only a
# question, a private lawsuit, police threatened against the customer, past and present
# workplaces, the cat 黑猫, the bank's own live stream, whether the bot is a person, other
# people's signs, a form driving one mad): tenth 104/104 and 0/76, ninth 102/104 and 1/76,
# eighth 104/104 and 2/76, seventh 106/106 and 1/74, sixth 81/96, fifth 113/125 and 1/110,
# fourth 110/125 and 5/90, third 127/145.
# The eleventh round (written blind 2026-12-06 after the tenth round's work, scored once: 87/104
# threats, 16/20 requests for a person, 10/76 negatives), then its classes (dialect pronouns read
# as Mandarin before the rules: Henan 恁/俺/嘞, Wu 侬/侬拉/阿拉; poison hinted, a parcel that goes off,
# staff waited for after work, Hokkien 拍; a live stream announced, the whole country to see;
# the provincial branch, material handed in, typed and pinyin regulator names, the credit
# centre appealed to; Henan and Hokkien curses, indignation said politely, the Nth time with
# angry faces; someone in charge called for, a manager to phone, RG; calm: a marked joke, a
# settled past told as a report, TV news, a pet called 经理, a hotline rung to ask, landmarks,
# platform wallets, games, a stranger's threat to the customer): eleventh 104/104 and 0/76,
# tenth 104/104 and 0/76, ninth 102/104 and 0/76, eighth 104/104 and 2/76, seventh 106/106 and
# 1/74, sixth 81/96, fifth 114/125 and 1/110, fourth 110/125 and 5/90, third 127/145.
# The twelfth round (written blind 2026-12-06 after the eleventh round's work, scored once: 86/104
# threats, 17/20 requests for a person, 14/76 negatives), then its classes (going to the branch on
# ordinary business, 去你们那排号, which the learned model had read as violence; beating staff one by
# one, a weapon brought, coming to blows, walking home at night; alone at the river, a wrist cut,
# pinyin despair; an article sent to outlets, a slogan pulled open, a sit-in, the live room and
# the next episode, Hong Kong forums; the city's hotline by name, a letter over the branch's head,
# staff who took money and the police called, Shaanxi 额 and Hunan 么子; formal indignation, 骂娘,
# Cantonese 激死; 管事的, a specialist, someone who can explain; calm: a victim in the family with a
# question for help, a friend's despair and a hotline asked for, a story's hero, a past despair
# over and done, a joke marked in brackets, a rate that "kills", a stranger threatening the
# customer, 火滚, a person declined in pinyin or not wanted, the bank asked to stream): twelfth
# 104/104 and 0/76, eleventh 104/104 and 0/76, tenth 104/104 and 0/76, ninth 102/104, eighth
# 104/104 and 0/76, seventh 106/106 and 1/74, sixth 81/96, fifth 114/125, fourth 110/125 and
# 5/90, third 128/145 and 2/90.
# The thirteenth round (written blind 2026-12-06 after the twelfth round's work, scored once:
# 99/104 threats, 18/20 requests for a person, 14/76 negatives), then its classes (a desk
# overturned, Wu 收作, a gun at home; how to end it least painfully; platforms and 曝光 in pinyin;
# Hong Kong's 金管局; someone who can answer sent for, zrg; 食人唔吐骨; calm: a relative's lawsuit
# settled long ago, a suit with another party or "nothing to do with your bank" said in another
# sentence, the customer as the one sued, a reason given for not suing, no time to spare for the
# press, a post taken down once settled, a platform where something was seen, Cantonese 唔系要 and
# 系 for 是, hearsay of someone's self-harm, a meme laughed at beside a question, the hours of
# human agents in Cantonese): thirteenth 104/104 and 3/76, twelfth 104/104 and 0/76, eleventh
# 104/104, tenth 104/104, ninth 102/104, eighth 104/104, seventh 106/106, sixth 82/96, fifth
# 114/125, fourth 109/125, third 128/145.
# The fourteenth round (written blind 2026-12-06 after the thirteenth round's work, scored once:
# 89/104 threats, 19/20 requests for a person, 8/64 negatives), then its classes (the counter
# knocked off in Wu and staff not spared, a visitor who will not leave whole, a knife of any name
# taken to the branch, explosives in pinyin, a member of staff told to hide; the means readied,
# ending it oneself, dying and taking someone along; Taiwan's forums, a sign made then held up, a
# scene at the door by whoever comes, platforms in initials, 扯横幅, the whole of Taiwan; a
# regulator already told with a reference, hotlines together, 报警 said at once; 碳基 for a
# person; internet and English insults, 不得好死 as a curse, not violence; calm: not one to come to
# blows, a plant that cannot go on, a friend who says he will sue, an exception that hid the
# subject, a lawsuit with a named other party, the customer's own law firm, regulator numbers
# listed for others, a post made before and taken down, the hours of 真人客服): fourteenth
# 104/104 and 0/64, thirteenth 104/104 and 2/76, sixth 83/96, third 129/145; after the hard
# negatives the intake sets 06j and 06k asked for (a pushy sale told calmly, fee rhetoric), the
# learned model retrained: fourth 108/125, fifth 113/125, ninth 101/104, each one down.
# The fifteenth round (written blind 2026-12-06 after the fourteenth round's work, scored once:
# 96/104 threats, 15/20 requests for a person, 3/64 negatives), then its classes (acid meant for a
# member of staff, blows handed out as a gift (赏他两拳); camping or sitting in the banking hall
# until it is settled, a scene at a higher branch's door after a journey, a camera brought by
# someone the customer knows, a calm word that it goes to a group of peers or a local forum; suing
# and lawyers in pinyin, cash refused and reported to the central bank, the bank's superiors; English
# fury, Cantonese swearing masked as 冇X用; 人工 with a plea, a customer who cannot type asking to
# be phoned, put through to an officer, a manager called to the counter or to the phone, Henan 中不中;
# calm: a law firm as the bank's customer, the bank's own anti-fraud material shared, a streamer seen
# in passing, 情况说明 and 说的 read as no advice from the bank): fifteenth 104/104 and 0/64,
# fourth 111/125, third 131/145, fifth 113/125 (requests for a person 22/25, up one); the rest held.
# The sixteenth round (written blind 2026-12-06 after the fifteenth round's work, scored once:
# 98/104 threats, 18/20 requests for a person, 4/64 negatives, mild anger 2/12 handed off), then
# its classes (a profession's name in an account, a document or a fee: 律师执业…, 律师协会, 诉讼费,
# a press card; the case passed up to a supervisor or the manager on duty, a seat or an officer
# asked to help; a sit-in in the hall until it is done, however worded (哪天…哪天走, 坐到…为止);
# pinyin, Henan and Sichuan insults, staff called animals, 当猴耍; a threat said in jest in so many
# words (说笑的, 闹着玩的, 讲笑); Hokkien 共 before tearing the counter down, 拆 of the bank's
# counter, a veiled threat in English; head office's building visited or photographed; whether a
# person is there at another time; the police called after staff laid hands on the customer; up
# the ladder to head office's hotline and beyond, and 就打你们总行的热线 no longer read as a blow;
# exasperation: the heat of anger (气死, 激死) at a thing that fails, nobody blamed and nothing
# insulting, lowered to mild by a new scope code (at_a_thing), and saying it again without an
# insult taught to the model as mild): sixteenth 104/104 and 0/64 (mild 0/12), fifteenth 104/104
# and 0/64, fourteenth 104/104 and 0/64, thirteenth 104/104 and 2/64 (mild 0/12, down one),
# twelfth, eleventh, tenth and eighth 104/104 and 0/64, ninth 101/104 and 0/64, seventh 106/106
# (mild 0/10, down one), sixth 83/96, fifth 114/125, fourth 112/125 and third 132/145 (each up one);
# calm intake answers 4 of 8,767, the same four lines as before the change.
# The seventeenth round (written blind 2026-12-07 after the sixteenth round's work, scored once:
# 100/104 threats, 19/20 requests for a person, 9/64 negatives, mild anger 1/12 handed off), then
# its classes (Cantonese read as Mandarin before the rules, as Henan and Wu were: 你哋/佢/唔/冇/咗/
# 喺/嚟/搵/倾; 横额 and 条幅 for a banner; farm and building tools carried, 见一个打一个; Taiwanese
# swearing and the bank called a fraud ring; standing at the edge with a leg over; calm: 哪敢, the
# south-western 不得 + verb and 不是那种…的人 as negators, an intent dropped in the sentence
# (本来想找律师，后来想想算了), someone else's threat the customer stopped or waves off, one's own
# things smashed, a question without a question mark after a marked joke, a letter of praise to
# head office, when a person is on the hotline; "nearly" driven mad with no insult lowered to mild
# by a new scope code, almost): seventeenth 104/104 and 0/64 (mild 0/12); the older rounds held,
# fifth 115/125 (up one).
# The eighteenth round (written blind 2026-12-07 after the seventeenth round's work, scored once:
# 97/104 threats, 18/20 requests for a person, 4/64 negatives, mild anger 1/12 handed off), then
# its classes (a regulator's phone rung, not given as a contact; a relative's threat on a stated
# condition, 不给办完就…; the customer's act held up as a question, 你说我要是…会怎样; platform
# initials after the verb, 发dy/xhs; a sit-in "until I get up"; a painful lesson promised, 吃点苦头
# and 点颜色看看; Cantonese 落去 = 下去; staff asked to 对接/跟进, 转 typed as 专; calm: the customer
# threatened with a suit, a collector's report running on, how long a body takes, when a hotline
# is answered): eighteenth 104/104 and 0/64 (mild 1/12: sarcasm the learned model reads as strong);
# every older round held its figures, calm intake answers 2 of 9,179 as before.
# The nineteenth round (written blind 2026-12-07 after the eighteenth round's work, scored once:
# 95/104 threats, 17/20 requests for a person, 8/64 negatives, mild anger 1/12 handed off), then
# its classes (a word spaced out or broken by marks to pass a filter, 报 警, 人 工 客 服,
# 微/博/已/经, and platforms typed by sound, 斗音, read whole by bot/escalation/spelling.py; the
# bank's people called parasites, fools or worse than pigs, Wu 戆大, 天理难容; an English threat to
# break faces; one of staff to be beaten, 把那个经理揍一顿; the police threatened on a condition
# or called with an ultimatum; to talk with the one in charge, 帮我接过去, a request to the reader
# being the customer's own whoever the sentence named before it; calm: how an elderly relative
# reaches a person on the phone line, someone met on a platform, the customer threatened with
# exposure by a blackmailer, a suit against a debtor, a court clerk's or a TV producer's post,
# customers sent by word of mouth; learned: praise passed on, sarcasm about waiting as mild):
# nineteenth 104/104 and 0/64 (mild 0/12); sixth 84/96 (up one), eighteenth mild 0/12 (down
# one); the rest held, calm intake answers 2 of 10,414, the same two lines as before.
# The twentieth round (written blind 2026-12-07 after the nineteenth round's work, scored once:
# 91/104 threats, 16/20 requests for a person, 3/64 negatives, mild anger 0/12), then its classes
# (one's own death prepared for: 安排自己的后事, a will or a policy's beneficiary with a farewell to
# the bank; English threats at the branch's windows, "come down and break"; English "posted …
# trending", a TV programme's hotline in title marks; the regulator's complaint receipt, a police
# report filed over forged signatures, 人民银行征信中心 with 投诉 later in the sentence; 转一个客服,
# zhuan rg, "real person", "someone real"; shaking with anger in other words, a demand shouted over
# and over; calm: a suit against a friend who owes money, whether 12378 is the regulator's number,
# strong words at a film's villains): twentieth 102/104 and 0/64 (mild 0/12; the two left are
# 听不懂人话 and twelve exclamation marks, which five earlier rounds labelled mild); ninth 102/104
# (up one); the rest held.
# The twenty-first round (written blind 2026-12-07 after the twentieth round's work, scored once:
# 87/104 threats, 20/20 requests for a person, 10/64 negatives, mild anger 2/12), then its classes
# (one's own absence spoken of as settled, belongings given away "no longer needed", a letter to
# the family written and left; harm that "might happen" and is disowned in advance, 不知道会做出
#什么事; a public statement announced in a formal register; a complaint registered with the
# regulator; 瘪犊子, 宝里宝气, "are you deaf"; calm: what was seen on a platform, live-stream
# selling as a trade, exposure once considered and dropped, the bank's own banner, a scammer
# threatened, a marked joke about smashing, a regulator's hours asked, a suit against someone
# else, a lawyer's letter template, 不想活了 with a laughing face): twenty-first 101/104 and 0/64
# (mild 2/12: 受够了 and Cantonese 好嬲, which the writer called mild); fourth round 4/75 calm
# handed off (one fewer); the rest held.
FLOORS = {
    "third_round.yml": {"threats": 0.82, "negatives_handed_off": 5},
    "fourth_round.yml": {"threats": 0.80, "negatives_handed_off": 6},
    "fifth_round.yml": {"threats": 0.84, "negatives_handed_off": 6},
    "sixth_round.yml": {"threats": 0.80, "negatives_handed_off": 2},
    "seventh_round.yml": {"threats": 0.96, "negatives_handed_off": 3},
    "eighth_round.yml": {"threats": 0.96, "negatives_handed_off": 4},
    "ninth_round.yml": {"threats": 0.95, "negatives_handed_off": 3},
    "tenth_round.yml": {"threats": 0.96, "negatives_handed_off": 2},
    "eleventh_round.yml": {"threats": 0.96, "negatives_handed_off": 2},
    "twelfth_round.yml": {"threats": 0.96, "negatives_handed_off": 2},
    "thirteenth_round.yml": {"threats": 0.96, "negatives_handed_off": 4},
    "fourteenth_round.yml": {"threats": 0.96, "negatives_handed_off": 2},
    "fifteenth_round.yml": {"threats": 0.96, "negatives_handed_off": 2},
    "sixteenth_round.yml": {"threats": 0.96, "negatives_handed_off": 2},
    "seventeenth_round.yml": {"threats": 0.96, "negatives_handed_off": 2},
    "eighteenth_round.yml": {"threats": 0.96, "negatives_handed_off": 3},
    "nineteenth_round.yml": {"threats": 0.96, "negatives_handed_off": 2},
    "twentieth_round.yml": {"threats": 0.96, "negatives_handed_off": 2},
    "twenty_first_round.yml": {"threats": 0.96, "negatives_handed_off": 2},
}


def _strong_reason(item):
    if item.get("reason") == "none" or item.get("level", "strong") != "strong":
        return "none"
    return item["reason"]


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_a_blind_round_keeps_the_ground_reached(name):
    items = yaml.safe_load((HERE / name).read_text(encoding="utf-8"))["items"]
    detector = default_detector()
    want = [_strong_reason(i) for i in items]
    got = []
    for item in items:
        found = detector.detect(normalize_text(str(item["text"])))
        got.append(found.reason if found and found.strong else "none")
    threats = [g for w, g in zip(want, got) if w not in ("none", "human")]
    caught = sum(g != "none" for g in threats) / len(threats)
    false = sum(g != "none" for w, g in zip(want, got) if w == "none")
    assert caught >= FLOORS[name]["threats"], f"{name}: threats handed off {caught:.0%}"
    assert false <= FLOORS[name]["negatives_handed_off"], f"{name}: {false} negatives handed off"
