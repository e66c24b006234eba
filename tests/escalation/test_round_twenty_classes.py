"""The classes the twentieth blind escalation round found (test_blind_rounds.py), each in wording
of our own: none of these sentences is the round's."""
from __future__ import annotations

import pytest

from bot.escalation.detector import default_detector
from bot.text import normalize_text


def _found(text: str):
    found = default_detector().detect(normalize_text(text))
    return (found.reason, found.level) if found else ("none", None)


def _reason(text: str) -> str:
    reason, level = _found(text)
    return reason if level == "strong" else "none"


@pytest.mark.parametrize("text,reason", [
    # one's own death prepared for, quietly, beside practical talk
    ("我打算先安排好自己的后事，想问问存单能不能提前写上我外孙的名字", "self_harm"),
    ("以后不会再来麻烦你们了。我的遗嘱里写了，这张卡留给我闺女，怎么办手续？", "self_harm"),
    ("不用再打扰你们了，寿险的受益人我改成老伴了，就问一下改好了没有", "self_harm"),
    # English threats at the branch's things
    ("If nobody calls me back I'm gonna come over and smash the glass of your office", "violence"),
    ("I'll trash the ATM if it eats my card again", "violence"),
    # already posted in English; a TV programme's hotline in title marks
    ("I posted the screenshots on Douyin last night, 3000 likes already", "media"),
    ("这事我要投《都市快报》的热线", "media"),
    # the regulator's receipt in hand; a police report over forged signatures; the credit centre, then 投诉
    ("金融监管局给的受理回执我拿到了，你们到现在一个电话都没有", "regulator"),
    ("理财是你们经理代签的，我已经报了案，派出所说要调你们的录像", "regulator"),
    ("你们不删这条记录，我就找人行征信中心，连你们一起投诉", "regulator"),
    # a person asked for in other words
    ("麻烦帮我转个客服，这个问题说不清", "human"),
    ("zhuan ren gong please", "human"),
    ("Can I speak to a real person? The bot doesn't get it", "human"),
    # anger: shaking with it; a demand shouted over and over
    ("气得我手直哆嗦，你们到底怎么办事的", "anger"),
    ("还钱！还钱！还钱！还钱！", "anger"),
    # held in rules once calm pinyin stories and English joined the learned model's data (intake
    # round 07r): suing in English, a knife taken to the branch in pinyin
    ("I'm going to sue your bank for this, I have every record", "regulator"),
    ("wo ming tian na dao qu ni men wang dian, ni men deng zhe", "violence"),
])
def test_the_rounds_threats_hand_off(text, reason):
    assert _reason(text) == reason


@pytest.mark.parametrize("text", [
    # a will alone is estate planning, a relative's funeral is no threat
    "我想立个遗嘱，存款怎么留给孙子比较好",
    "我在给我爸料理后事，他的卡怎么销户",
    # a closed account is no farewell of that kind
    "销户办完了，以后就不用麻烦你们了，谢谢",
    # English without the act
    "No need for a real person, just tell me the fee",
    "what are the hours for your human agents?",
    # someone else's debt taken to court; a number asked about
    "我去法院起诉了借钱不还的老乡，法官要你们出流水",
    "12363是人民银行的热线吗？",
    # a film's villains
    "昨晚追《狂飙》，那个坏人看得我气死了，恨不得揍他，你们网银怎么改密码",
    # a shouted word that is not a demand: laughter, thanks
    "哈哈哈哈哈哈哈哈，好的谢谢谢谢",
])
def test_the_rounds_calm_lines_stay_with_the_bot(text):
    assert _reason(text) == "none"


def test_a_scams_police_report_is_not_the_banks():
    # the police sent the customer to the bank about a fraudster: nobody at the bank accused
    assert _reason("被骗了两万，我已经去派出所报了案，民警说涉嫌诈骗，让我来你们这冻结账户") == "none"
