"""The classes the twenty-first blind escalation round found (test_blind_rounds.py), each in
wording of our own: none of these sentences is the round's."""
from __future__ import annotations

import pytest

from bot.escalation.detector import default_detector
from bot.text import normalize_text


def _reason(text: str) -> str:
    found = default_detector().detect(normalize_text(text))
    return found.reason if found and found.level == "strong" else "none"


@pytest.mark.parametrize("text,reason", [
    # one's own absence spoken of as settled; belongings given away; a letter to the family left
    ("房贷以后就别催了，过几天我人都不在了", "self_harm"),
    ("我不在了以后，这张存单留给我儿子，手续怎么办", "self_harm"),
    ("鱼缸和花都送给邻居了，往后你们的提醒短信也用不着再发", "self_harm"),
    ("给我爸妈的信我写好放在床头了，这个月的还款就这样吧", "self_harm"),
    # harm that might happen, disowned in advance
    ("我弟脾气暴，他说要去你们营业厅讨说法，真动起手来我可拦不住", "violence"),
    ("再拖下去，我也不敢保证自己会干出什么事来", "violence"),
    # a public statement announced in a formal register
    ("若周五前仍无答复，本公司将在官微发布一份事件说明", "media"),
    ("届时我会把全部聊天记录公开发布于网络平台", "media"),
    # a complaint registered with the regulator, and pushed
    ("人行那边我上周就登记过了，你们到现在还没动静", "regulator"),
    # insults
    ("你们这帮瘪犊子，钱到底啥时候退", "anger"),
    ("跟你们说了五遍了，你们是聋了还是怎么的", "anger"),
])
def test_a_threat_in_new_words_is_handed_off(text: str, reason: str) -> None:
    assert _reason(text) == reason


@pytest.mark.parametrize("text", [
    # seen on a platform; live selling as a trade; exposure once considered and dropped
    "我刷到抖音上你们在推一个信用卡送行李箱的活动，怎么参加",
    "我老婆在快手直播带货，货款用你们的卡收，能提额吗",
    "当时我也考虑过要不要发帖，后来钱退回来了，现在就想问怎么关闭小额免密",
    # the bank's own banner; a scammer threatened; a joke about smashing, marked
    "网点门口挂的那条横幅是你们自己做的吗？上面那个利率是真的吗",
    "我要是碰到那个诈骗犯非揍他一顿不可，现在先帮我挂失",
    "说笑的，我要是真把柜台砸了我妈先得收拾我哈哈，就是想问排号怎么取",
    # a regulator's hours asked; a suit against someone else; a lawyer's letter template
    "消协的投诉电话是多少啊？我想问问别的事",
    "我们准备起诉房东，需要银行出一份转账证明，怎么开",
    "请问有没有律师函范本，我要催一个欠款的客户",
    # hyperbole with a laughing face
    "又加班到半夜，不想活了😂 信用卡账单日能改吗",
])
def test_calm_words_that_look_like_a_threat_are_not_handed_off(text: str) -> None:
    assert _reason(text) == "none"
